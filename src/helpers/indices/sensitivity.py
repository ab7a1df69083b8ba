"""Sensitivity of the index and of the ranking of unit types and units.

Following COINr's uncertainty and sensitivity analysis (Becker et al., JRC;
OECD/JRC Handbook 2008, step 7) the whole index is recomputed from the component
scores under every combination of

- weights: ``spec`` (the spec's weights; for a points index the dimension
  maxima), ``equal`` (every component counts the same) and ``proportional``
  (to the number of items / point parts under each component);
- aggregation: ``arithmetic`` or ``geometric`` mean of the components;
- survey weights: ``weighted`` (post-stratification) or ``unweighted``;

then each unit type and unit is ranked within its region and wave under every
scenario. The rank interval [rank_low, rank_high] says how much a position in
a league table depends on those choices.

For a points index (``sum`` at the root, IP ASN) components are first divided by
their maximum points, so that "equal" means equal shares; the result is put
back on the 0-max scale (sum of maxima). The geometric mean of shares floors a
zero share at 0.01 (a zero would otherwise zero the whole index).

Example
-------
>>> sens = sensitivity(scores, load_spec("ikd"))
>>> sens.query("level == 'unit_type' and scenario == 'baseline'")
"""
from __future__ import annotations

from collections.abc import Sequence
from itertools import product

import numpy as np
import pandas as pd

from .engine import aggregate_matrix
from .spec import IndexSpec, bounds

SENS_COLUMNS = ["index", "wave", "region_id", "level", "group", "scenario", "weights", "aggregation",
                "survey_weights", "n", "score", "rank", "baseline_score", "baseline_rank", "rank_low",
                "rank_high", "rank_median", "n_scenarios"]
GEOMETRIC_FLOOR = 0.01


def _weight_sets(spec: IndexSpec) -> dict[str, np.ndarray]:
    kids = spec.root.children
    spec_w = np.array([c.weight for c in kids], dtype=float)
    if spec.root.aggregation == "mean":
        spec_w = np.ones(len(kids))
    return {"spec": spec_w, "equal": np.ones(len(kids)),
            "proportional": np.array([max(len(c.leaves()), 1) for c in kids], dtype=float)}


def combine(m: np.ndarray, spec: IndexSpec, weights: str = "spec", aggregation: str = "arithmetic") -> np.ndarray:
    """Recombine component scores (columns of ``m`` in spec order) into the index."""
    kids = spec.root.children
    w = _weight_sets(spec)[weights]
    how = "weighted_mean" if aggregation == "arithmetic" else "geometric_mean"
    if spec.root.aggregation == "sum":
        hi = np.array([bounds(c, spec.scale)[1] for c in kids], dtype=float)
        spec_w = np.array([c.weight for c in kids], dtype=float)
        total = float((hi * spec_w).sum())
        share = m / hi
        if weights == "spec":
            w = hi * spec_w
        if aggregation == "geometric":
            share = np.where(np.isnan(share), np.nan, np.maximum(share, GEOMETRIC_FLOOR))
        return total * aggregate_matrix(share, how, w, spec.root.min_share)
    if aggregation == "geometric":
        lo = min(bounds(c, spec.scale)[0] for c in kids)
        if not lo > 0:  # e.g. z-scores: shift to positive before the geometric mean
            m = m - np.nanmin(m) + GEOMETRIC_FLOOR
    return aggregate_matrix(m, how, w, spec.root.min_share)


def sensitivity(scores: pd.DataFrame, spec: IndexSpec, levels: Sequence[str] = ("unit_type", "unit"),
                weight: str = "weight") -> pd.DataFrame:
    """Scores and ranks per unit type / unit under every scenario, with rank intervals.

    ``scores`` is a ``scores_<index>.parquet`` frame (components, ``weight``,
    ``wave``, ``region_id``, ``unit_type``, ``unit_id``)."""
    from .aggregate import LEVELS

    m = scores[spec.components].to_numpy(dtype=float)
    base_agg = "geometric" if spec.root.aggregation == "geometric_mean" else "arithmetic"
    w = scores[weight].to_numpy(dtype=float) if weight in scores else np.full(len(scores), np.nan)
    has_w = np.isfinite(w).any()
    # the groups of each level, coded once (in the sorted order of their keys, as a
    # grouping by the key columns returns them); every scenario then groups integer
    # codes, summing each group's rows in the same order as before, so the same sums
    ids = scores[["wave", "region_id", "unit_type", "unit_id"]].reset_index(drop=True)
    coded = {}
    for level in levels:
        col = LEVELS[level]
        keys = ["wave", "region_id", col]
        # only known unit types / units are ranked (unknown units count nowhere here)
        known = ids[col].notna().to_numpy()
        g = ids[known].groupby(keys, observed=True, dropna=False, sort=True)
        codes = np.full(len(ids), -1, dtype=np.int64)
        codes[known] = g.ngroup().to_numpy()
        key_table = g.size().reset_index()[keys]
        key_table["group"] = key_table[col].astype(str)
        coded[level] = (codes, key_table)
    frames = []
    for wset, agg in product(("spec", "equal", "proportional"), ("arithmetic", "geometric")):
        idx = combine(m, spec, wset, agg)
        for survey in (("weighted", "unweighted") if has_w else ("unweighted",)):
            wv = np.where(np.isfinite(w), w, 0.0) if survey == "weighted" else np.ones(len(idx))
            ok = np.isfinite(idx) & (wv > 0)
            for level in levels:
                codes, key_table = coded[level]
                use = ok & (codes >= 0)
                d = pd.DataFrame({"code": codes[use], "w": wv[use], "wx": wv[use] * idx[use]})
                gb = d.groupby("code", sort=True)
                sums = gb[["w", "wx"]].sum()
                t = key_table.iloc[sums.index.to_numpy()].reset_index(drop=True)
                t["n"] = gb.size().to_numpy()
                t["score"] = sums["wx"].to_numpy() / sums["w"].to_numpy()
                t["level"] = level
                t["weights"], t["aggregation"], t["survey_weights"] = wset, agg, survey
                frames.append(t[["wave", "region_id", "level", "group", "weights", "aggregation",
                                 "survey_weights", "n", "score"]])
    out = pd.concat(frames, ignore_index=True)
    out["scenario"] = out["weights"] + "|" + out["aggregation"] + "|" + out["survey_weights"]
    keys = ["wave", "region_id", "level", "scenario"]
    out["rank"] = out.groupby(keys, dropna=False)["score"].rank(ascending=False, method="min")
    base_name = f"spec|{base_agg}|{'weighted' if has_w else 'unweighted'}"
    base = out[out["scenario"] == base_name].set_index(["wave", "region_id", "level", "group"])
    gk = ["wave", "region_id", "level", "group"]
    out = out.join(base[["score", "rank"]].rename(columns={"score": "baseline_score", "rank": "baseline_rank"}),
                   on=gk)
    grp = out.groupby(gk, dropna=False)["rank"]
    out["rank_low"] = grp.transform("min")
    out["rank_high"] = grp.transform("max")
    out["rank_median"] = grp.transform("median")
    out["n_scenarios"] = grp.transform("size")
    out.loc[out["scenario"] == base_name, "scenario"] = "baseline"
    out["index"] = spec.id
    return out[SENS_COLUMNS]


def rank_intervals(sens: pd.DataFrame) -> pd.DataFrame:
    """One row per group: baseline score and rank with its interval over scenarios."""
    cols = ["index", "wave", "region_id", "level", "group", "baseline_score", "baseline_rank", "rank_low",
            "rank_high", "rank_median", "n_scenarios"]
    return sens.drop_duplicates(["index", "wave", "region_id", "level", "group"])[cols] \
        .sort_values(["index", "wave", "region_id", "level", "baseline_rank"]).reset_index(drop=True)
