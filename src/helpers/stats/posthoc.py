"""Post-hoc pairwise comparisons after an omnibus test: Tukey HSD, Games-Howell
and Dunn, all in one schema (``POSTHOC_COLUMNS``) so a report can stack them.

Every pair (a, b) follows the group order (categorical order, else sorted);
``diff = mean_a - mean_b`` (Dunn: mean rank of a minus mean rank of b), and
``hedges_g`` is the bias-corrected standardized mean difference of the raw scores.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
from scipy import stats as sps

from . import studentized_range as _sr
from ._prep import Groups, p_adjust, prepare

__all__ = ["POSTHOC_COLUMNS", "dunn", "games_howell", "hedges_g", "tukey_hsd"]

POSTHOC_COLUMNS = ["test", "group_a", "group_b", "n_a", "n_b", "mean_a", "mean_b", "diff", "se",
                   "statistic", "df", "p", "p_adj", "ci_low", "ci_high", "hedges_g"]


def _pairs(k: int) -> tuple[np.ndarray, np.ndarray]:
    return np.triu_indices(k, k=1)


def hedges_g(n_a, n_b, mean_a, mean_b, var_a, var_b):
    """Hedges' g = J * (m_a - m_b) / s_pooled, J = 1 - 3 / (4 (n_a + n_b) - 9)
    (Hedges & Olkin 1985, eq. 5.10 approximation; as pingouin ``compute_effsize``)."""
    n_a, n_b = np.asarray(n_a, float), np.asarray(n_b, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        sp = np.sqrt(((n_a - 1) * var_a + (n_b - 1) * var_b) / (n_a + n_b - 2))
        d = (np.asarray(mean_a) - np.asarray(mean_b)) / sp
    return d * (1 - 3 / (4 * (n_a + n_b) - 9))


def _q_crit(k: int, df, conf: float) -> np.ndarray:
    d = np.asarray(df, float)
    if d.size == 1:  # Tukey: one df per comparison, the same for most components of a region
        return _q_crit_one(int(k), float(d.ravel()[0]), float(conf)).reshape(np.atleast_1d(d).shape).copy()
    return _sr.ppf(conf, k, df)


@lru_cache(maxsize=1024)
def _q_crit_one(k: int, df: float, conf: float) -> np.ndarray:
    # 60 bisection steps of the studentized range cdf: a tenth of stage 03's time when
    # recomputed for every component of a region with the same k and df
    return _sr.ppf(conf, k, df)


def _columns(test: str, g: Groups, a, b, diff, se, stat, df, p, p_adj, lo, hi) -> dict:
    """The ``POSTHOC_COLUMNS`` of one test's pairs as arrays (``test`` still a scalar)."""
    labels = np.asarray(g.labels, dtype=object)
    return {
        "test": test, "group_a": labels[a], "group_b": labels[b],
        "n_a": g.n[a].astype(int), "n_b": g.n[b].astype(int),
        "mean_a": g.mean[a], "mean_b": g.mean[b], "diff": diff, "se": se,
        "statistic": stat, "df": np.broadcast_to(np.asarray(df, float), np.shape(diff)).copy(),
        "p": p, "p_adj": p_adj, "ci_low": lo, "ci_high": hi,
        "hedges_g": hedges_g(g.n[a], g.n[b], g.mean[a], g.mean[b], g.var[a], g.var[b]),
    }


def _frame(test: str, g: Groups, a, b, diff, se, stat, df, p, p_adj, lo, hi) -> pd.DataFrame:
    return pd.DataFrame(_columns(test, g, a, b, diff, se, stat, df, p, p_adj, lo, hi), columns=POSTHOC_COLUMNS)


def stacked(parts: list[dict]) -> pd.DataFrame:
    """Several tests' pairs (:func:`_columns` of each) as one table, as
    ``pd.concat`` of their frames but built once (``compare_groups`` stacks two
    tests for each of ~36 comparisons a region)."""
    if len(parts) == 1:
        return pd.DataFrame(parts[0], columns=POSTHOC_COLUMNS)
    if any(len(p["diff"]) == 0 for p in parts):  # concat's rules for empty frames
        return pd.concat([pd.DataFrame(p, columns=POSTHOC_COLUMNS) for p in parts], ignore_index=True)
    cols = {}
    for c in POSTHOC_COLUMNS:
        vals = [np.full(len(p["diff"]), p[c], dtype=object) if c == "test" else p[c] for p in parts]
        cols[c] = np.concatenate(vals)
    return pd.DataFrame(cols, columns=POSTHOC_COLUMNS)


def tukey_hsd(df: pd.DataFrame, dv: str, between: str, conf: float = 0.95) -> pd.DataFrame:
    """Tukey's honestly significant difference (Tukey-Kramer for unequal n).

    se = sqrt(MSW (1/n_a + 1/n_b)), statistic T = diff / se, p = P(q_{k, N-k} > sqrt(2) |T|),
    CI = diff -+ q_{conf; k, N-k} / sqrt(2) * se,
    df = N - k. ``p`` and ``p_adj`` are both the Tukey-adjusted p (the adjustment is
    built in). Same as R ``TukeyHSD(aov(dv ~ between))`` (Kramer 1956).

    Example
    -------
    >>> tukey_hsd(plants, "weight", "group")   # trt1 vs trt2: diff -0.865, p = .0120
    """
    return _frame(*_tukey(prepare(df, dv, between, min_n=1, what="tukey_hsd"), conf))


def _tukey(g: Groups, conf: float = 0.95) -> tuple:
    n, k = g.n_total, g.k
    dfw = n - k
    msw = float(np.sum((g.y - g.mean[g.codes]) ** 2)) / dfw
    a, b = _pairs(k)
    diff = g.mean[a] - g.mean[b]
    se = np.sqrt(msw * (1 / g.n[a] + 1 / g.n[b]))
    with np.errstate(divide="ignore", invalid="ignore"):
        t = diff / se
    p = _sr.sf(np.sqrt(2) * np.abs(t), k, dfw)
    half = _q_crit(k, float(dfw), conf)[0] / np.sqrt(2) * se
    return "tukey", g, a, b, diff, se, t, float(dfw), p, p, diff - half, diff + half


def games_howell(df: pd.DataFrame, dv: str, between: str, conf: float = 0.95) -> pd.DataFrame:
    """Games-Howell pairwise test (unequal variances and sizes; Games & Howell 1976).

    se = sqrt(s_a^2/n_a + s_b^2/n_b), T = diff / se, Welch-Satterthwaite
    df = se^4 / [(s_a^2/n_a)^2/(n_a-1) + (s_b^2/n_b)^2/(n_b-1)],
    p = P(q_{k, df} > sqrt(2) |T|), CI = diff -+ q_{conf; k, df} / sqrt(2) * se.
    ``p`` and ``p_adj`` are both the studentized-range p. As R
    ``rstatix::games_howell_test`` / pingouin ``pairwise_gameshowell``.

    Example
    -------
    >>> games_howell(penguins, "body_mass_g", "species")
    """
    return _frame(*_games_howell(prepare(df, dv, between, min_n=2, what="games_howell"), conf))


def _games_howell(g: Groups, conf: float = 0.95) -> tuple:
    k = g.k
    a, b = _pairs(k)
    va, vb = g.var[a] / g.n[a], g.var[b] / g.n[b]
    diff = g.mean[a] - g.mean[b]
    se = np.sqrt(va + vb)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = diff / se
        dof = (va + vb) ** 2 / (va**2 / (g.n[a] - 1) + vb**2 / (g.n[b] - 1))
    p = _sr.sf(np.sqrt(2) * np.abs(t), k, dof)
    q = np.full(dof.shape, np.nan)
    fin = np.isfinite(dof)
    q[fin] = _q_crit(k, dof[fin], conf)
    half = q / np.sqrt(2) * se
    return "games_howell", g, a, b, diff, se, t, dof, p, p, diff - half, diff + half


def dunn(df: pd.DataFrame, dv: str, between: str, p_adjust: str = "holm", conf: float = 0.95) -> pd.DataFrame:
    """Dunn's (1964) test on mean ranks, with ties correction, two-sided.

    Ranks over all groups; sigma^2 = N(N+1)/12 - sum(t^3 - t) / (12 (N - 1));
    se = sqrt(sigma^2 (1/n_a + 1/n_b)); z = (Rbar_a - Rbar_b) / se; p = 2 P(Z > |z|);
    ``p_adj`` by Holm or Benjamini-Hochberg over the k(k-1)/2 pairs. ``diff``, ``se``
    and the (unadjusted, normal) CI are on the mean-rank scale; ``df`` is NaN.
    As R ``FSA::dunnTest`` / ``dunn.test(altp = TRUE)``.

    Example
    -------
    >>> dunn(exercise, "pulse", "kind", p_adjust="holm")
    """
    return _frame(*_dunn(prepare(df, dv, between, min_n=1, what="dunn"), p_adjust, conf))


def _dunn(g: Groups, p_adjust: str = "holm", conf: float = 0.95) -> tuple:
    _adjust = globals()["_p_adjust"]
    n, k = g.n_total, g.k
    r, t = g.ranks()
    rbar = np.bincount(g.codes, weights=r, minlength=k) / g.n
    sigma2 = n * (n + 1) / 12 - np.sum(t**3 - t) / (12 * (n - 1))
    a, b = _pairs(k)
    diff = rbar[a] - rbar[b]
    se = np.sqrt(sigma2 * (1 / g.n[a] + 1 / g.n[b]))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = diff / se
    p = 2 * sps.norm.sf(np.abs(z))
    zc = sps.norm.ppf(0.5 + conf / 2)
    return "dunn", g, a, b, diff, se, z, np.nan, p, _adjust(p, p_adjust), diff - zc * se, diff + zc * se


_p_adjust = p_adjust
