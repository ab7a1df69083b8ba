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

NOTE = {
    "id": "Kelompok dengan kurang dari {k} responden tidak ditampilkan (kontrol pengungkapan).",
    "en": "Groups with fewer than {k} respondents are not shown (disclosure control).",
}


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
    return NOTE.get(lang, NOTE["en"]).format(k=min_cell)
