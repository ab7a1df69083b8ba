"""Figures of stage 02 for notebooks (the brief has its own, in helpers.brief.plots)."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd


def rank_intervals(unc: pd.DataFrame, region: str, index: str, level: str = "unit_type", wave=None,
                   labels: dict | None = None, max_rows: int = 30, ax=None):
    """Median rank (dot), 90 % Monte Carlo rank interval (bar) and the spec's
    own rank (cross) of the unit types / units of one region and index, from
    ``uncertainty.parquet``; rank 1 is the highest score. Returns the Axes.

    Example
    -------
    >>> rank_intervals(pd.read_parquet(P / "uncertainty.parquet"), "kab-kutai-kartanegara", "ikd")
    """
    d = unc[(unc["index"] == index) & (unc["region_id"] == region) & (unc["level"] == level)]
    if wave is None and len(d):
        wave = sorted(d["wave"].dropna().unique())[-1]
    d = d[d["wave"] == wave].sort_values(["rank_median", "baseline_rank"]).head(max_rows)
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.35 * max(len(d), 3) + 1))
    if d.empty:
        ax.set_axis_off()
        return ax
    y = np.arange(len(d))
    names = [(labels or {}).get(g, g) for g in d["group"]]
    ax.hlines(y, d["rank_p05"], d["rank_p95"], color="#4c72b0", lw=4, alpha=0.6, label="90 %")
    ax.plot(d["rank_median"], y, "o", color="#1f3b73", label="median")
    ax.plot(d["baseline_rank"], y, "x", color="#c44e52", label="spec")
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.set_xlabel(f"rank (1 = highest) of {int(d['n_ranked'].iloc[0])}")
    ax.set_title(f"{index} {region} {wave}: rank intervals over {int(d['n_draws'].iloc[0])} combinations")
    ax.legend(loc="lower right", fontsize="small")
    return ax
