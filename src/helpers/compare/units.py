"""The league table of one region x wave's units (``compare_units``)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..stats.ranking import unit_ranks
from .columns import UNITS_COLUMNS


def rank_units(scores: pd.DataFrame, index: str, region_id: str, k: int = 5, min_n: int = 1) -> pd.DataFrame:
    """Empirical-Bayes league table of one region x wave's units on ``overall``
    (:func:`helpers.stats.ranking.unit_ranks`): ``compare_units`` rows."""
    d = scores[scores["overall"].notna() & scores["unit_id"].notna()]
    if d["unit_id"].nunique() < 2:
        return pd.DataFrame(columns=UNITS_COLUMNS)
    r = unit_ranks(d, "overall", "unit_id", k=k)
    first = d.drop_duplicates("unit_id")
    types = pd.Series(first["unit_type"].to_numpy(), index=first["unit_id"].astype(str))
    r = r.rename(columns={"unit": "unit_id"})
    r.insert(0, "unit_type", r["unit_id"].map(types).astype(str))
    wave = d["wave"].dropna().iloc[0] if "wave" in d and d["wave"].notna().any() else np.nan
    for col, val in reversed([("region_id", region_id), ("index", index), ("component", "overall"),
                              ("wave", wave)]):
        r.insert(0, col, val)
    return r[UNITS_COLUMNS]
