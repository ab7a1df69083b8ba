"""Reliability of each area / dimension that is measured by items.

Per component with at least two items (reverse keying applied as in scoring):

- Cronbach's alpha and McDonald's omega (total), from :mod:`helpers.stats`;
  alpha's 95% CI is a cluster bootstrap over work units (respondents in a unit
  are not independent; ``stats.alpha_cluster_ci``), Feldt's only when no unit
  is known;
- one wave at a time: the same people answer several waves, so pooling waves
  would count them twice;
- per item: the corrected item-total correlation (item vs. the sum of the other
  items of the component, psych's ``r.drop``) and alpha if the item is deleted.

alpha = k / (k - 1) * (1 - sum s_j^2 / s_X^2) on pairwise-complete covariances,
as ``psych::alpha`` computes ``raw_alpha`` (Cronbach 1951; Revelle, psych manual).

Components scored from point tables (IP ASN) have no items and get no rows.

Example
-------
>>> rel = reliability(respondents, load_spec("ikd"))
>>> rel[rel["item"].isna()][["component", "alpha", "omega"]]
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from .engine import item_matrix
from .spec import IndexSpec

REL_COLUMNS = ["index", "wave", "region_id", "component", "item", "n", "k", "alpha", "alpha_ci_low",
               "alpha_ci_high", "ci_method", "n_clusters", "omega", "item_total_r", "alpha_if_deleted"]
N_BOOT = 500  # cluster-bootstrap replicates of the alpha CI


def _stats():
    # imported late: scoring must not depend on the statistics module
    from .. import stats

    return stats.cronbach_alpha, stats.mcdonald_omega


def _first(res: Any, names: tuple[str, ...]) -> float:
    """Pull a number out of whatever the stats function returns (float, tuple,
    dict, Series or one-row DataFrame)."""
    if isinstance(res, pd.DataFrame):
        res = res.iloc[0]
    if isinstance(res, (pd.Series, dict)):
        for n in names:
            if n in res:
                return float(res[n])
        return math.nan
    if isinstance(res, tuple):
        return float(res[0])
    return float(res)


def _alpha_ci(res: Any) -> tuple[float, float, float]:
    a = _first(res, ("alpha", "cronbach_alpha", "raw_alpha", "estimate", "value"))
    lo = hi = math.nan
    if isinstance(res, tuple) and len(res) > 1:
        lo, hi = (float(v) for v in np.asarray(res[1]).ravel()[:2])
    else:
        lo = _first(res, ("ci_low", "ci_lower", "lower", "alpha_ci_low"))
        hi = _first(res, ("ci_high", "ci_upper", "upper", "alpha_ci_high"))
        if math.isnan(lo) and isinstance(res, (pd.DataFrame, pd.Series, dict)):
            row = res.iloc[0] if isinstance(res, pd.DataFrame) else res
            if "ci" in row:
                lo, hi = (float(v) for v in np.asarray(row["ci"]).ravel()[:2])
    return a, lo, hi


def item_total(x: pd.DataFrame | np.ndarray) -> np.ndarray:
    """Corrected item-total correlation per item: r(item, sum of the other items)
    over the rows that answer every item (the rest have no total)."""
    xv = x.to_numpy(dtype=float, na_value=np.nan) if isinstance(x, pd.DataFrame) else np.asarray(x, float)
    full = xv[~np.isnan(xv).any(axis=1)]
    rest = full.sum(axis=1, keepdims=True) - full
    a = full - full.mean(axis=0) if len(full) else full
    b = rest - rest.mean(axis=0) if len(full) else rest
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (a * b).sum(axis=0) / np.sqrt((a * a).sum(axis=0) * (b * b).sum(axis=0))
    if len(full) < 2:
        r[:] = np.nan
    return np.clip(r, -1.0, 1.0)


def scale_reliability(x: pd.DataFrame, per_item: bool = True, omega: bool = True) -> tuple[dict, pd.DataFrame]:
    """Scale-level and (if ``per_item``) item-level reliability of one set of items
    (columns of ``x``)."""
    cronbach_alpha, mcdonald_omega = _stats()
    a, lo, hi = _alpha_ci(cronbach_alpha(x))
    om = math.nan
    if omega:
        try:
            om = _first(mcdonald_omega(x), ("omega", "omega_total", "omega_t", "estimate", "value"))
        except (InputError, ValueError, np.linalg.LinAlgError):
            # omega needs a one-factor fit; a degenerate scale gets NaN, not a crash
            om = math.nan
    k = x.shape[1]
    xv = x.to_numpy(dtype=float, na_value=np.nan)
    answered = ~np.isnan(xv)
    scale = {"n": int(answered.any(axis=1).sum()), "k": k, "alpha": a, "alpha_ci_low": lo,
             "alpha_ci_high": hi, "omega": om}
    if not per_item:
        return scale, pd.DataFrame()
    itr = item_total(xv)
    # alpha if item j is deleted, from the pairwise covariance matrix computed once:
    # a pairwise covariance of two other items does not depend on item j, so the
    # submatrix without j is what refitting alpha on the other items would compute
    # (alpha = k/(k-1) (1 - tr C / sum C), Cronbach 1951); k refits per scale and
    # region were most of stage 02's time at national scale
    from ..stats.reliability import pairwise_cov

    cov = pairwise_cov(xv[answered.any(axis=1)])
    n_item = answered.sum(axis=0)
    rows = []
    for j, c in enumerate(x.columns):
        aid = math.nan
        if k - 1 >= 2:
            keep = np.arange(k) != j
            sub = cov[np.ix_(keep, keep)]
            total = np.nansum(sub)
            aid = (k - 1) / (k - 2) * (1 - np.trace(sub) / total) if total > 0 else math.nan
        rows.append({"item": c, "n": int(n_item[j]), "k": k, "item_total_r": float(itr[j]),
                     "alpha_if_deleted": aid})
    return scale, pd.DataFrame(rows)


def reliability(df: pd.DataFrame, spec: IndexSpec, by_region: bool = True, n_boot: int = N_BOOT) -> pd.DataFrame:
    """``reliability.parquet`` rows, per wave: one scale row (``item`` missing) and one
    row per item for every component with >= 2 items, for all respondents
    (``region_id`` "all", units resampled within regions) and, if ``by_region``, per
    region. The whole index (component ``overall``) gets a scale row with alpha
    only (it is not unidimensional)."""
    if not spec.items:
        return pd.DataFrame(columns=REL_COLUMNS)
    from ..stats import alpha_cluster_ci

    x, cols = item_matrix(df, spec)
    items = pd.DataFrame(x, columns=cols, index=df.index)
    wave = df["wave"] if "wave" in df else pd.Series(np.nan, index=df.index)
    unit = df["unit_id"] if "unit_id" in df else pd.Series(np.nan, index=df.index)
    region = df["region_id"] if "region_id" in df else pd.Series("all", index=df.index)
    # row positions of every wave and wave x region, found in one pass: a boolean
    # mask over all respondents per region made this quadratic in regions
    groups = []
    wave_codes, waves = pd.factorize(wave, use_na_sentinel=False)
    region_codes, regions = pd.factorize(region)
    for i, w in enumerate(waves):
        in_w = np.flatnonzero(wave_codes == i)
        groups.append((w, "all", in_w))
        codes_w = region_codes[in_w]
        present = pd.unique(codes_w[codes_w >= 0])
        if by_region and len(present) > 1:
            order = np.argsort(codes_w, kind="stable")
            cuts = np.searchsorted(codes_w[order], present)
            ends = np.searchsorted(codes_w[order], present, side="right")
            groups += [(w, str(regions[c]), in_w[order[a:b]]) for c, a, b in zip(present, cuts, ends)]
    rows = []
    comps = [(c.id, [n.id for n in spec.items_under(c.id)]) for c in spec.root.children]
    comps.append(("overall", cols))
    for w, region_id, pos in groups:
        frame = items.iloc[pos]
        for comp, its in comps:
            if len(its) < 2:
                continue
            sub = frame[its].dropna(how="all")
            if len(sub) < 3:
                continue
            # the whole index gets alpha only: it spans several areas, so a one-factor
            # omega does not describe it, and 45 alpha-if-deleted refits per region
            # would cost more than they tell (areas carry the item diagnostics)
            whole = comp == "overall"
            scale, per_item = scale_reliability(sub, per_item=not whole, omega=not whole)
            scale["ci_method"] = "feldt"
            units = unit.loc[sub.index]
            if units.notna().all() and units.nunique() >= 2:
                b = alpha_cluster_ci(sub, units.to_numpy(), strata=region.loc[sub.index].to_numpy(),
                                     n_boot=n_boot).iloc[0]
                scale.update(alpha_ci_low=b["ci_low"], alpha_ci_high=b["ci_high"], ci_method="cluster_bootstrap",
                             n_clusters=int(b["n_clusters"]))
            rows.append({"wave": w, "region_id": region_id, "component": comp, "item": None, **scale})
            for r in per_item.to_dict("records"):
                rows.append({"wave": w, "region_id": region_id, "component": comp, **r})
    out = pd.DataFrame(rows)
    out["index"] = spec.id
    for c in REL_COLUMNS:
        if c not in out:
            out[c] = np.nan
    return out[REL_COLUMNS]
