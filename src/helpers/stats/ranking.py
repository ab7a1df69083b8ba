"""League tables of units with honest uncertainty: empirical-Bayes (shrunken)
unit scores from a random-intercept model, rank intervals and the probability
of being among the lowest k.

Model y_ij = mu + u_j + e_ij, u_j ~ N(0, tau^2), e_ij ~ N(0, sigma^2), REML
(:func:`helpers.stats.mixed.mixed_model`'s estimator). The empirical-Bayes
predictor of unit j's mean and its conditional (posterior) variance are

    theta_j = mu + B_j (ybar_j - mu),   B_j = tau^2 / (tau^2 + sigma^2 / n_j),
    v_j = B_j sigma^2 / n_j,

so small units are pulled toward the overall mean in proportion to their noise
(Morris 1983, JASA 78:47-55). Ranks (1 = lowest) are simulated from
theta_j ~ N(theta_hat_j, v_j) independently (Goldstein & Spiegelhalter 1996,
JRSS A 159:385-443, league tables); the uncertainty of mu shifts every unit
alike and does not change ranks.

Example
-------
>>> ranks = unit_ranks(scores, "overall", "unit_id", k=5)   # doctest: +SKIP
>>> ranks.query("robust_lowest")                            # doctest: +SKIP
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import InputError
from .mixed import _reml_random_intercept

__all__ = ["RANK_COLUMNS", "unit_ranks"]

RANK_COLUMNS = ["unit", "n", "mean", "eb", "eb_se", "shrinkage", "rank", "rank_median", "rank_low",
                "rank_high", "p_lowest_k", "robust_lowest", "k", "tau2", "sigma2", "converged", "boundary"]


def unit_ranks(df: pd.DataFrame, dv: str, cluster: str, k: int = 5, level: float = 0.90,
               robust_p: float = 0.90, n_draws: int = 4000, seed: int = 20231) -> pd.DataFrame:
    """Empirical-Bayes unit means, rank intervals and P(among the lowest ``k``).

    Parameters
    ----------
    df : DataFrame with ``dv`` and ``cluster``.
    k : size of the "lowest" set (priority units).
    level : coverage of the rank interval (0.90: 5th to 95th percentile).
    robust_p : a unit is ``robust_lowest`` when P(rank <= k) >= robust_p.
    n_draws, seed : Monte Carlo draws of the ranks (deterministic for a seed).

    Returns
    -------
    DataFrame, one row per unit sorted by ``eb``: ``RANK_COLUMNS``; ``rank`` is the
    rank of the point predictor, ``rank_low``/``rank_high`` the interval.
    """
    for c in (dv, cluster):
        if c not in df.columns:
            raise InputError("unit_ranks: column not found", column=c, expected="a column of the data")
    d = df[[dv, cluster]].dropna()
    y = pd.to_numeric(d[dv], errors="coerce").to_numpy(float)
    keep = np.isfinite(y)
    y, units = y[keep], d[cluster].astype(str).to_numpy()[keep]
    codes, labels = pd.factorize(units)
    j = len(labels)
    if j < 2:
        raise InputError("unit_ranks needs at least two units", column=cluster, expected=">= 2 units")
    x = np.ones((len(y), 1))
    beta, _cov, tau2, sigma2, _notes, converged, boundary = _reml_random_intercept(y, x, codes)
    n = np.bincount(codes).astype(float)
    ybar = np.bincount(codes, weights=y) / n
    mu = float(beta[0])
    shrink = tau2 / (tau2 + sigma2 / n) if tau2 > 0 else np.zeros(j)
    eb = mu + shrink * (ybar - mu)
    v = shrink * sigma2 / n
    rng = np.random.default_rng(seed)
    draws = eb + rng.standard_normal((n_draws, j)) * np.sqrt(v)
    # rank 1 = lowest; ties (tau^2 = 0: every unit at mu) share the average rank
    ranks = draws.argsort(axis=1).argsort(axis=1) + 1.0 if tau2 > 0 else np.full((n_draws, j), (j + 1) / 2)
    lo, hi = np.percentile(ranks, [50 * (1 - level), 50 * (1 + level)], axis=0)
    p_low = (ranks <= k).mean(axis=0)
    point = pd.Series(eb).rank(method="average").to_numpy()
    out = pd.DataFrame({
        "unit": labels, "n": n.astype(int), "mean": ybar, "eb": eb, "eb_se": np.sqrt(v), "shrinkage": shrink,
        "rank": point, "rank_median": np.median(ranks, axis=0), "rank_low": lo, "rank_high": hi,
        "p_lowest_k": p_low, "robust_lowest": p_low >= robust_p, "k": k, "tau2": tau2, "sigma2": sigma2,
        "converged": converged, "boundary": boundary})
    return out.sort_values(["eb", "unit"]).reset_index(drop=True)[RANK_COLUMNS]
