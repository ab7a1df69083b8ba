"""Read the processed tables of one study for one region.

The brief reads only what stages 01-03 wrote in ``data/processed/<study>/``
(plus unit names from the study's unit registry). Optional tables (compliance,
comparisons, reliability, ...) come back empty when absent, so a study without
HR records or without stage 03 still gets a brief that says what is missing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import InputError
from ..io import read_json
from ..registry import unit_names
from ..study import Study, load_study

OPTIONAL = ("aggregates", "categories", "achievement", "reliability", "response_rates",
            "compliance_20jp", "compare_descriptives", "compare_omnibus", "compare_posthoc",
            "compare_models", "compare_units", "uncertainty", "sensitivity_indices")


def read_region_table(path: Path, region: str) -> pd.DataFrame:
    """Rows of ``path`` whose ``region_id`` is ``region`` (pushed down to Parquet,
    so a national table is not read whole); empty if the file is missing."""
    if not path.exists():
        return pd.DataFrame()
    try:
        return pd.read_parquet(path, filters=[("region_id", "==", region)])
    except Exception:  # no region_id column (e.g. an empty table written without columns)
        df = pd.read_parquet(path)
        if "region_id" not in df.columns:
            return df.iloc[0:0]
        return df[df["region_id"].astype(str) == region].reset_index(drop=True)


@dataclass
class RegionInputs:
    study: Study
    region: str
    scores: dict[str, pd.DataFrame] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    cleaning: dict = field(default_factory=dict)
    unit_names: dict[str, str] = field(default_factory=dict)

    def table(self, name: str) -> pd.DataFrame:
        return self.tables.get(name, pd.DataFrame())


def as_study(study: Study | str | Path) -> Study:
    return study if isinstance(study, Study) else load_study(study)


def load_region(study: Study | str | Path, region: str) -> RegionInputs:
    """Every processed table a brief needs, restricted to ``region``.

    Raises :class:`InputError` when the study has no processed outputs at all or
    the region has no scores for any index (a brief would be empty)."""
    study = as_study(study)
    study.region(region)  # ConfigError for an unknown region id
    folder = Path(study.processed_dir)
    if not (folder / "respondents.parquet").exists() and not any(folder.glob("scores_*.parquet")):
        raise InputError("no processed outputs: run stages 01-03 first (python -m helpers run)",
                         file=folder, expected="scores_<index>.parquet and aggregates.parquet")
    out = RegionInputs(study, region)
    for idx in study.indices:
        sc = read_region_table(folder / f"scores_{idx}.parquet", region)
        if len(sc):
            out.scores[idx] = sc
    if not out.scores:
        raise InputError(f"region {region!r} has no scored respondents in any index",
                         file=folder / "scores_<index>.parquet", column="region_id",
                         expected=f"rows with region_id == {region!r}")
    for name in OPTIONAL:
        out.tables[name] = read_region_table(folder / f"{name}.parquet", region)
    if (folder / "cleaning_summary.json").exists():
        out.cleaning = read_json(folder / "cleaning_summary.json")
    out.unit_names = unit_names(study)
    return out
