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

import numpy as np
import pandas as pd

from ..errors import InputError
from .engine import item_matrix
from .spec import IndexSpec

REL_COLUMNS = ["index", "wave", "region_id", "component", "item", "n", "k", "alpha", "alpha_ci_low",
               "alpha_ci_high", "ci_method", "n_clusters", "omega", "item_total_r", "alpha_if_deleted"]
N_BOOT = 500  # cluster-bootstrap replicates of the alpha CI


def item_total(x: pd.DataFrame | np.ndarray) -> np.ndarray:
    """Corrected item-total correlation per item (psych's ``r.drop``):

        r_j = corr(x_j, T - x_j),  T = sum of the items,

    over the rows that answer every item (the rest have no total); NaN with fewer
    than two such rows or an item without variance there.

    Example
    -------
    >>> item_total(np.array([[1.0, 2, 2], [2, 3, 3], [3, 3, 5], [4, 5, 4]]))  # doctest: +SKIP
    """
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


def _scale_rows(xv: np.ndarray, names: list[str], per_item: bool = True,
                omega: bool = True) -> tuple[dict, list[dict]]:
    """:func:`scale_reliability` on an array whose rows each answer at least one item."""
    from ..stats.reliability import alpha_feldt, omega_total, pairwise_cov

    n, k = xv.shape
    if k < 2 or n < 3:
        raise InputError("reliability needs at least two items and three respondents with answers",
                         expected=">= 2 item columns x >= 3 rows", found=(n, k))
    answered = ~np.isnan(xv)
    # one pairwise covariance matrix serves alpha and every alpha-if-deleted: a
    # pairwise covariance of two other items does not depend on item j, so the
    # submatrix without j is what refitting alpha on the other items would compute
    # (alpha = k/(k-1) (1 - tr C / sum C), Cronbach 1951)
    cov = pairwise_cov(xv)
    a, lo, hi = alpha_feldt(cov, n)
    om = math.nan
    if omega:
        try:
            # Fortran order: the layout a DataFrame's values have, so the fit starts
            # from the same correlation matrix to the last bit as mcdonald_omega's
            om = float(omega_total(np.asfortranarray(xv[answered.all(axis=1)]), names)[0])
        except (InputError, ValueError, np.linalg.LinAlgError):
            # omega needs a one-factor fit; a degenerate scale gets NaN, not a crash
            om = math.nan
    scale = {"n": n, "k": k, "alpha": float(a), "alpha_ci_low": float(lo), "alpha_ci_high": float(hi),
             "omega": om}
    if not per_item:
        return scale, []
    itr = item_total(xv)
    n_item = answered.sum(axis=0)
    rows = []
    for j, c in enumerate(names):
        aid = math.nan
        if k - 1 >= 2:
            keep = np.arange(k) != j
            sub = cov[np.ix_(keep, keep)]
            total = np.nansum(sub)
            aid = (k - 1) / (k - 2) * (1 - np.trace(sub) / total) if total > 0 else math.nan
        rows.append({"item": c, "n": int(n_item[j]), "k": k, "item_total_r": float(itr[j]),
                     "alpha_if_deleted": aid})
    return scale, rows


def scale_reliability(x: pd.DataFrame, per_item: bool = True, omega: bool = True) -> tuple[dict, pd.DataFrame]:
    """Scale-level and (if ``per_item``) item-level reliability of one set of items
    (columns of ``x``): ``n, k, alpha`` with Feldt's interval (as
    :func:`helpers.stats.cronbach_alpha`), ``omega`` (as
    :func:`helpers.stats.mcdonald_omega`), and per item ``item_total_r`` and
    ``alpha_if_deleted``."""
    xv = x.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    scale, rows = _scale_rows(xv[~np.isnan(xv).all(axis=1)], [str(c) for c in x.columns], per_item, omega)
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
    col_of = {c: j for j, c in enumerate(cols)}
    wave = df["wave"] if "wave" in df else pd.Series(np.nan, index=df.index)
    unit = df["unit_id"] if "unit_id" in df else pd.Series(np.nan, index=df.index)
    region = df["region_id"] if "region_id" in df else pd.Series("all", index=df.index)
    # units and regions as integer codes once: the bootstrap numbers units by first
    # appearance, which the codes keep (one code per unit id)
    unit_codes = pd.factorize(unit)[0]
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
        frame = x[pos]
        for comp, its in comps:
            if len(its) < 2:
                continue
            sub = frame[:, [col_of[c] for c in its]]
            answered = ~np.isnan(sub).all(axis=1)
            sub = sub[answered]
            if len(sub) < 3:
                continue
            # the whole index gets alpha only: it spans several areas, so a one-factor
            # omega does not describe it, and 45 alpha-if-deleted refits per region
            # would cost more than they tell (areas carry the item diagnostics)
            whole = comp == "overall"
            scale, per_item = _scale_rows(sub, its, per_item=not whole, omega=not whole)
            scale["ci_method"] = "feldt"
            units = unit_codes[pos[answered]]
            if (units >= 0).all() and len(np.unique(units)) >= 2:
                b = alpha_cluster_ci(sub, units, strata=region_codes[pos[answered]], n_boot=n_boot).iloc[0]
                scale.update(alpha_ci_low=b["ci_low"], alpha_ci_high=b["ci_high"], ci_method="cluster_bootstrap",
                             n_clusters=int(b["n_clusters"]))
            rows.append({"wave": w, "region_id": region_id, "component": comp, "item": None, **scale})
            for r in per_item:
                rows.append({"wave": w, "region_id": region_id, "component": comp, **r})
    out = pd.DataFrame(rows)
    out["index"] = spec.id
    for c in REL_COLUMNS:
        if c not in out:
            out[c] = np.nan
    return out[REL_COLUMNS]
