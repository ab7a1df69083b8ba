"""The catalog of processed tables: one name per table, one place that knows its file.

Every stage writes and every reader (the brief, ``explore``, the notebooks, the
pipeline's fingerprints) reads a processed table through this module, by name,
so a file name is spelled once. ``scores_<index>`` is one table per index.

>>> from helpers import catalog
>>> catalog.path("sample", "aggregates")                      # doctest: +SKIP
PosixPath('.../data/processed/sample/aggregates.parquet')
>>> catalog.read("sample", catalog.scores("ikd"), region="kota-bontang")  # doctest: +SKIP
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .errors import InputError


@dataclass(frozen=True)
class Table:
    """A processed table: its stage, file, format and whether it has a ``region_id`` column."""

    name: str
    stage: str
    kind: str = "parquet"          # parquet | dataset (partitioned by region) | csv | json
    per_region: bool = True
    about: str = ""

    @property
    def file(self) -> str:
        return self.name + {"parquet": ".parquet", "dataset": ".parquet", "csv": ".csv", "json": ".json"}[self.kind]


_TABLES = [
    Table("respondents", "01", "dataset", about="one row per kept response; partitioned by region_id"),
    Table("rejected", "01", about="rejected raw rows with the rule that rejected them"),
    Table("cleaning_log", "01", "csv", per_region=False, about="every change made to a raw cell"),
    Table("cleaning_summary", "01", "json", per_region=False, about="counts per source and rule"),
    Table("unit_match_review", "01", "csv", per_region=False, about="unit names matched fuzzily, for review"),
    Table("scores", "02", about="scores_<index>: per respondent, with the design columns"),
    Table("aggregates", "02", about="design-based domain estimates per level"),
    Table("categories", "02", about="band distribution"),
    Table("achievement", "02", about="score / target"),
    Table("reliability", "02", about="Cronbach's alpha per component and wave"),
    Table("sensitivity", "02", about="alternative aggregations"),
    Table("uncertainty", "02", about="Monte Carlo score and rank intervals"),
    Table("uncertainty_bands", "02", about="modal band per draw"),
    Table("sensitivity_indices", "02", about="Sobol' first and total order indices"),
    Table("response_rates", "02", about="respondents / headcount per unit"),
    Table("compliance_20jp", "02", about="share of staff with >= 20 JP of training"),
    Table("compare_descriptives", "03", about="n, mean, sd per group"),
    Table("compare_omnibus", "03", about="one row per test (primary and sensitivity)"),
    Table("compare_posthoc", "03", about="pairwise contrasts"),
    Table("compare_models", "03", about="mixed-model variance components"),
    Table("compare_units", "03", about="empirical-Bayes unit scores and rank intervals"),
]
TABLES: dict[str, Table] = {t.name: t for t in _TABLES}
STAGE_TABLES: dict[str, list[str]] = {s: [t.name for t in _TABLES if t.stage == s] for s in ("01", "02", "03")}


def scores(index: str) -> str:
    """The name of an index's score table: ``scores_<index>``."""
    return f"scores_{index}"


def table(name: str) -> Table:
    """The catalog entry of ``name`` (``scores_<index>`` maps to ``scores``)."""
    key = "scores" if name.startswith("scores_") else name
    if key not in TABLES:
        raise KeyError(f"{name!r} is not a processed table; the catalog has {sorted(TABLES)}")
    return TABLES[key]


def folder(study) -> Path:
    """The processed folder of a study (a Study, a study id, or the folder itself)."""
    if isinstance(study, (str, os.PathLike)) and Path(study).is_dir():
        return Path(study)
    if isinstance(study, str):
        from .study import load_study

        study = load_study(study)
    return Path(study.processed_dir)


def path(study, name: str) -> Path:
    """Where table ``name`` of ``study`` lives."""
    return folder(study) / (name + Path(table(name).file).suffix)


def exists(study, name: str) -> bool:
    return path(study, name).exists()


def read(study, name: str, region: str | list[str] | None = None, columns: list[str] | None = None,
         missing: str = "empty"):
    """Table ``name`` of ``study``; ``region`` reads only those regions' rows
    (pushed down to Parquet, so a national table is not read whole).

    A missing table is an empty DataFrame (``missing="empty"``) or an
    :class:`InputError` naming the stage that writes it (``missing="raise"``).
    JSON tables come back as the parsed object."""
    t, p = table(name), path(study, name)
    if not p.exists():
        if missing == "raise":
            raise InputError(f"{p.name} not found: run stage {t.stage} first", file=p)
        return {} if t.kind == "json" else pd.DataFrame()
    if t.kind == "json":
        return json.loads(p.read_text(encoding="utf-8"))
    if t.kind == "csv":
        return pd.read_csv(p)
    regions = [region] if isinstance(region, str) else region
    if t.kind == "dataset":
        return read_respondents(p, regions=regions, columns=columns)
    if regions is None or not t.per_region:
        return pd.read_parquet(p, columns=columns)
    try:
        return pd.read_parquet(p, columns=columns, filters=[("region_id", "in", list(regions))])
    except Exception:  # no region_id column: an empty table written without columns
        df = pd.read_parquet(p, columns=columns)
        if "region_id" not in df.columns:
            return df.iloc[0:0]
        return df[df["region_id"].astype(str).isin(regions)].reset_index(drop=True)


# the key columns of respondents.parquet, in their order (docs/architecture.md)
RESPONDENT_KEYS = ["respondent_id", "source_file", "source_row", "instrument", "wave", "region_id", "unit_id",
                   "unit_type"]


def read_respondents(path: str | Path, regions: list[str] | None = None, columns: list[str] | None = None
                     ) -> pd.DataFrame:
    """``respondents.parquet`` at ``path`` as one DataFrame in the column order and
    dtypes of docs/architecture.md: a dataset partitioned by region
    (``region_id=<id>/``) or, as written before, a single file. ``regions`` reads
    only those partitions. ``read(study, "respondents", region=...)`` is the same
    for a study's own table.

    >>> resp = read_respondents(study.processed_dir / "respondents.parquet", regions=["kota-bontang"])  # doctest: +SKIP
    """
    filters = [("region_id", "in", list(regions))] if regions is not None else None
    df = pd.read_parquet(Path(path), columns=columns, filters=filters)
    if "region_id" in df.columns:
        df["region_id"] = df["region_id"].astype("string")
        if columns is None:
            order = [c for c in RESPONDENT_KEYS if c in df.columns]
            df = df[order + [c for c in df.columns if c not in order]]
    return df.reset_index(drop=True)


def write(df: pd.DataFrame, study, name: str) -> Path:
    """Write a Parquet table atomically under its catalog name; returns the path."""
    from .io import write_parquet

    t = table(name)
    if t.kind != "parquet":
        raise ValueError(f"{name} is a {t.kind} table: its stage writes it with its own writer")
    return write_parquet(df, path(study, name))
