"""20 JP compliance: the share of staff with at least 20 JP (jam pelajaran, 45 min)
of competence development in the year (PP 11/2017 as amended by PP 17/2020),
per region, unit type and unit, with a Wilson 95 % interval
(Wilson 1927; Agresti & Coull 1998).

Example
-------
>>> compliance_20jp(hr_rows)            # rows with a technical_jp value
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from .aggregate import LEVELS

COMPLIANCE_COLUMNS = ["wave", "level", "region_id", "group", "n", "n_compliant", "share", "ci_low", "ci_high",
                      "share_w", "threshold_jp"]


def wilson(k: np.ndarray, n: np.ndarray, conf: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for k successes out of n."""
    z = stats.norm.ppf(0.5 + conf / 2)
    k, n = np.asarray(k, float), np.asarray(n, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def compliance_20jp(df: pd.DataFrame, threshold: float = 20, levels: Sequence[str] = ("region", "unit_type", "unit"),
                    weight: str | None = "weight") -> pd.DataFrame:
    """Share of staff with ``technical_jp >= threshold`` per group (rows without
    training hours are left out: an HR export that does not carry them says nothing)."""
    if "technical_jp" not in df.columns:
        return pd.DataFrame(columns=COMPLIANCE_COLUMNS)
    jp = pd.to_numeric(df["technical_jp"], errors="coerce")
    d = df.loc[jp.notna(), ["wave", "region_id", "unit_type", "unit_id"]].copy()
    if d.empty:
        return pd.DataFrame(columns=COMPLIANCE_COLUMNS)
    d["ok"] = (jp[jp.notna()] >= threshold).astype(float)
    d["w"] = df.loc[d.index, weight].astype(float).fillna(0) if weight and weight in df else 0.0
    d["wok"] = d["w"] * d["ok"]
    frames = []
    for level in levels:
        col = LEVELS[level]
        by = ["wave", "region_id"] + ([] if col == "region_id" else [col])
        t = d[d[col].notna()].groupby(by, dropna=False, observed=True).agg(n=("ok", "size"), n_compliant=("ok", "sum"),
                                                            w=("w", "sum"), wok=("wok", "sum")).reset_index()
        t["group"] = t[col].astype(str)
        t["level"] = level
        frames.append(t)
    out = pd.concat(frames, ignore_index=True)
    out["n_compliant"] = out["n_compliant"].astype(int)
    out["share"] = out["n_compliant"] / out["n"]
    out["ci_low"], out["ci_high"] = wilson(out["n_compliant"], out["n"])
    with np.errstate(invalid="ignore", divide="ignore"):
        out["share_w"] = np.where(out["w"] > 0, out["wok"] / out["w"], np.nan)
    out["threshold_jp"] = threshold
    return out[COMPLIANCE_COLUMNS]
