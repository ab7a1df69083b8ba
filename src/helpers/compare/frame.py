"""One region x index frame: its score columns, its factors as ordered
categoricals, its latest wave."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import InputError
from ..vocabulary import EDUCATION, age_band, unit_types
from .columns import META


def components(scores: pd.DataFrame) -> list[str]:
    """``overall`` first, then the component columns (numeric, not metadata)."""
    comps = [c for c in scores.columns if c not in META and c != "overall"
             and pd.api.types.is_numeric_dtype(scores[c])]
    return (["overall"] if "overall" in scores else []) + comps


def prepare_scores(scores: pd.DataFrame, path: Path | str = "scores") -> pd.DataFrame:
    """Check the columns the comparison needs and derive ``age_band``; factors
    become ordered categoricals so tables follow the project's order."""
    need = {"region_id", "unit_id", "unit_type"}
    missing = sorted(need - set(scores.columns))
    if missing:
        raise InputError("scores table lacks columns the comparison needs", file=path, column=missing[0],
                         expected=", ".join(sorted(need)))
    if "overall" not in scores and not components(scores):
        raise InputError("scores table has no score columns", file=path, column="overall",
                         expected="overall and component columns")
    d = scores.copy()
    if "age" in d:
        d["age_band"] = age_band(d["age"])
    order = unit_types()
    if order:
        extra = sorted(set(d["unit_type"].dropna()) - set(order))
        d["unit_type"] = pd.Categorical(d["unit_type"], categories=order + extra)
    if "education" in d:
        extra = sorted(set(d["education"].dropna().astype(str)) - set(EDUCATION))
        d["education"] = pd.Categorical(d["education"], categories=EDUCATION + extra)
    return d


def latest_wave(scores: pd.DataFrame) -> tuple[pd.DataFrame, list]:
    """The rows of the latest wave and the sorted list of waves present. Cross-sectional
    comparisons use one wave: pooling waves would count the same units twice and mix
    change over time into the differences between groups."""
    if "wave" not in scores or scores["wave"].notna().sum() == 0:
        return scores, []
    waves = sorted(pd.unique(scores["wave"].dropna()))
    return scores[scores["wave"] == waves[-1]], waves
