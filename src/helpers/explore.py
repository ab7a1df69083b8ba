"""Load a study's processed tables for interactive work (``00_explore.ipynb``).

>>> from helpers import explore
>>> data = explore.load("sample")
>>> data.tables                      # what is there
>>> data["scores_ikd"].head()        # any processed table by its file name
>>> explore.overview(data, "ikd")    # index per region with n and 95% CI
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

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
        return sorted(p.stem for p in self.folder.glob("*.parquet"))

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._cache:
            path = self.folder / f"{name}.parquet"
            if not path.exists():
                raise InputError(
                    f"no processed table {name!r} for study {self.study.id!r}", file=path,
                    expected=f"one of {self.tables} (run `make reports` first if the list is empty)")
            if path.is_dir():  # a dataset partitioned by region (respondents.parquet)
                from .clean import read_respondents

                self._cache[name] = read_respondents(path)
            else:
                self._cache[name] = pd.read_parquet(path)
        return self._cache[name]


def load(study: str | Study = "sample") -> ProcessedData:
    s = study if isinstance(study, Study) else load_study(study)
    if not s.processed_dir.exists():
        raise InputError("the study has no processed data yet", file=s.processed_dir,
                         expected="the outputs of `make reports` (or `python -m helpers run`)")
    return ProcessedData(s)


def _aggregates(data: ProcessedData, index: str, level: str, component: str = "overall") -> pd.DataFrame:
    agg = data["aggregates"]
    sel = agg[(agg["index"] == index) & (agg["level"] == level) & (agg["component"] == component)]
    return sel.drop(columns=["index", "level", "component"])


def overview(data: ProcessedData, index: str = "ikd") -> pd.DataFrame:
    """The index per region: n, mean, 95% CI, weighted mean."""
    names = {r.id: r.name for r in data.study.regions}
    out = _aggregates(data, index, "region")
    out.insert(0, "region", out["region_id"].map(names))
    return out.reset_index(drop=True)


def by_unit_type(data: ProcessedData, index: str = "ikd", region: str | None = None,
                 component: str = "overall") -> pd.DataFrame:
    """Mean and 95% CI per unit type (one region, or all), lowest first."""
    out = _aggregates(data, index, "unit_type", component)
    if region is not None:
        out = out[out["region_id"] == region]
    return out.sort_values("mean").reset_index(drop=True)


def area_profile(data: ProcessedData, index: str = "ikd") -> pd.DataFrame:
    """Regions x components (areas / dimensions): the mean score of each."""
    agg = data["aggregates"]
    sel = agg[(agg["index"] == index) & (agg["level"] == "region")]
    names = {r.id: r.name for r in data.study.regions}
    wide = sel.pivot_table(index="region_id", columns="component", values="mean")
    wide.index = wide.index.map(lambda r: names.get(r, r))
    return wide


def lowest_units(data: ProcessedData, index: str = "ikd", region: str | None = None,
                 n: int = 10, min_n: int = 5) -> pd.DataFrame:
    """The n units with the lowest index (units with fewer than min_n respondents left out)."""
    out = _aggregates(data, index, "unit")
    if region is not None:
        out = out[out["region_id"] == region]
    return out[out["n"] >= min_n].nsmallest(n, "mean").reset_index(drop=True)
