"""Disclosure control: groups smaller than the minimum cell size are suppressed
in every table and chart of a brief, and the brief says so.

A group with ``n < min_cell`` keeps its label and ``n`` shown as ``< min_cell``
but loses every statistic, so no small group's scores can be read or derived.

>>> import pandas as pd
>>> t = pd.DataFrame({"group": ["a", "b"], "n": [3, 40], "mean": [2.1, 2.5]})
>>> suppress(t, min_cell=5)["mean"].tolist()
[nan, 2.5]
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .. import strings


def suppress(df: pd.DataFrame, min_cell: int = 5, n_col: str = "n",
             keep: tuple[str, ...] = ()) -> pd.DataFrame:
    """Copy of ``df`` with a boolean ``suppressed`` column; in suppressed rows
    every numeric column except ``n_col`` and ``keep`` becomes NaN."""
    out = df.copy()
    small = pd.to_numeric(out[n_col], errors="coerce").fillna(0) < min_cell
    out["suppressed"] = small.to_numpy()
    num_cols = [c for c in out.columns if c not in (n_col, "suppressed", *keep)
                and pd.api.types.is_numeric_dtype(out[c]) and not pd.api.types.is_bool_dtype(out[c])]
    if small.any() and num_cols:
        out[num_cols] = out[num_cols].astype(float)
        out.loc[small.to_numpy(), num_cols] = np.nan
    return out


def note(min_cell: int, lang: str = "id") -> str:
    return strings.get("disclosure", lang).format(k=min_cell)


#: block keys that say nothing about any person's answers (labels, counts, scale, method notes)
REGION_KEEP = {"id", "name", "wave", "waves", "scale", "bands", "n", "components", "disclosures", "assumptions",
               "assumed_components", "points", "by_construction", "weighted", "response", "gap_order"}


def suppress_small_region(block: dict, min_cell: int = 5, lang: str = "id") -> dict:
    """The index block of a region with fewer than ``min_cell`` scored respondents,
    with every statistic removed: the minimum cell size applies to the region
    itself, not only to its unit types and units. Area labels, counts and the
    method notes stay; ``suppressed`` is true and ``suppressed_note`` says why.

    >>> b = {"n": {"respondents": 1}, "name": "IKD", "overall": 2.7, "areas": {"a": {"label": "A", "mean": 2.7}}}
    >>> s = suppress_small_region(b, 5, "en")
    >>> s["overall"], s["areas"]["a"]["mean"], s["suppressed"]
    (None, None, True)
    """
    n = int((block.get("n") or {}).get("respondents") or 0)
    if n >= min_cell:
        return {**block, "suppressed": False}
    out = {k: v for k, v in block.items() if k in REGION_KEEP}
    for k in ("overall", "overall_w", "ci_low", "ci_high", "category", "category_label", "achievement_pct",
              "target", "strongest_area", "weakest_area", "previous"):
        out[k] = None
    out["areas"] = {c: {k: (v if k in ("label", "max") else None) for k, v in a.items()}
                    for c, a in (block.get("areas") or {}).items()}
    out.update(category_shares={}, unit_types={}, unit_type_order=[], priority_units=[], gaps={}, gap_order=[],
               training={}, reliability={}, model={},
               comparison={"available": False, "omnibus": {}, "pairs": [], "real_differences": [],
                           "by_unit_type": {}, "areas_significant": []})
    out["suppressed"] = True
    out["suppressed_note"] = strings.get("region_suppressed", lang).format(n=n, k=min_cell,
                                                                            index=block.get("name", ""))
    return out


def suppress_small_compliance(c: dict | None, min_cell: int = 5) -> dict | None:
    """The region's 20-hour training compliance without its share when fewer than
    ``min_cell`` people are counted (the count of compliant people would name them)."""
    if not c or (c.get("n") or 0) >= min_cell:
        return c
    return {**c, "n_compliant": None, "share": None, "ci_low": None, "ci_high": None, "suppressed": True}
