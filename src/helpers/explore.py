"""Load a study's processed tables for interactive work (``00_explore.ipynb``).

>>> from helpers import explore
>>> data = explore.load("sample")
>>> data.tables                      # what is there
>>> data["scores_ikd"].head()        # any processed table by its catalog name
>>> explore.overview(data, "ikd")    # index per region with n and 95% CI (latest wave)
>>> explore.overview(data, "ikd", wave=2022)

Every view shows one wave at a time: by default each region's latest wave of the
index, the wave its brief reports, so the numbers here are the brief's numbers;
``wave=2022`` picks a wave, ``wave="all"`` lists every wave (one row per wave).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import catalog
from .errors import InputError
from .study import Study, load_study


@dataclass
class ProcessedData:
    """The processed tables of one study, read from disk on first use."""

    study: Study
    _cache: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    @property
    def folder(self) -> Path:
        return self.study.processed_dir

    @property
    def tables(self) -> list[str]:
        """The catalog's tables (``helpers.catalog``) this study has on disk."""
        names = [catalog.scores(i) for i in self.study.indices] + [
            n for n in catalog.TABLES if n != "scores"]
        return sorted(n for n in names if catalog.exists(self.study, n))

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._cache:
            try:
                known = catalog.exists(self.study, name)
            except KeyError:
                known = False
            if not known:
                raise InputError(
                    f"no processed table {name!r} for study {self.study.id!r}", file=self.folder,
                    expected=f"one of {self.tables} (run `make reports` first if the list is empty)")
            self._cache[name] = catalog.read(self.study, name)
        return self._cache[name]


def load(study: str | Study = "sample") -> ProcessedData:
    s = study if isinstance(study, Study) else load_study(study)
    if not s.processed_dir.exists():
        raise InputError("the study has no processed data yet", file=s.processed_dir,
                         expected="the outputs of `make reports` (or `python -m helpers run`)")
    return ProcessedData(s)


def select_wave(df: pd.DataFrame, wave: int | str | None = "latest") -> pd.DataFrame:
    """Rows of one wave: ``"latest"`` (or None) = each region's latest wave, as in
    its brief; a year = that wave; ``"all"`` = every wave."""
    if wave == "all" or "wave" not in df.columns or df.empty:
        return df
    if wave is None or wave == "latest":
        latest = df.groupby("region_id")["wave"].transform("max")
        return df[df["wave"] == latest]
    return df[df["wave"] == int(wave)]


def _aggregates(data: ProcessedData, index: str, level: str, component: str = "overall",
                wave: int | str | None = "latest") -> pd.DataFrame:
    agg = data["aggregates"]
    sel = agg[(agg["index"] == index) & (agg["level"] == level) & (agg["component"] == component)]
    if wave != "all":
        # the region's latest wave is decided at region level, so units and unit types follow it
        reg = select_wave(agg[(agg["index"] == index) & (agg["level"] == "region")], wave)
        sel = sel.merge(reg[["region_id", "wave"]].drop_duplicates(), on=["region_id", "wave"])
    return sel.drop(columns=["index", "level", "component"])


def overview(data: ProcessedData, index: str = "ikd", wave: int | str | None = "latest") -> pd.DataFrame:
    """The index per region: wave, n, mean, 95% CI, weighted mean."""
    names = {r.id: r.name for r in data.study.regions}
    out = _aggregates(data, index, "region", wave=wave)
    out.insert(0, "region", out["region_id"].map(names))
    return out.reset_index(drop=True)


def by_unit_type(data: ProcessedData, index: str = "ikd", region: str | None = None,
                 component: str = "overall", wave: int | str | None = "latest") -> pd.DataFrame:
    """Mean and 95% CI per unit type (one region, or all), lowest first, one wave."""
    out = _aggregates(data, index, "unit_type", component, wave=wave)
    if region is not None:
        out = out[out["region_id"] == region]
    return out.sort_values("mean").reset_index(drop=True)


def area_profile(data: ProcessedData, index: str = "ikd", wave: int | str | None = "latest") -> pd.DataFrame:
    """Regions x components (areas / dimensions): the mean score of each, one wave
    per region (never a mean over waves). With ``wave="all"`` the rows are region, wave."""
    agg = data["aggregates"]
    sel = agg[(agg["index"] == index) & (agg["level"] == "region")]
    sel = select_wave(sel, wave)
    names = {r.id: r.name for r in data.study.regions}
    keys = ["region_id", "wave"] if wave == "all" else ["region_id"]
    wide = sel.pivot_table(index=keys, columns="component", values="mean", aggfunc="first")
    if wave == "all":
        wide.index = wide.index.set_levels(wide.index.levels[0].map(lambda r: names.get(r, r)), level=0)
    else:
        wide.index = wide.index.map(lambda r: names.get(r, r))
    return wide


def lowest_units(data: ProcessedData, index: str = "ikd", region: str | None = None,
                 n: int = 10, min_n: int = 5, wave: int | str | None = "latest") -> pd.DataFrame:
    """The n units with the lowest index in one wave (units with fewer than min_n
    respondents left out)."""
    out = _aggregates(data, index, "unit", wave=wave)
    if region is not None:
        out = out[out["region_id"] == region]
    return out[out["n"] >= min_n].nsmallest(n, "mean").reset_index(drop=True)
