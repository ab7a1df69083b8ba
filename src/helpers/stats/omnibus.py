"""Omnibus tests of k independent groups: classic and Welch one-way ANOVA,
Kruskal-Wallis, and Levene / Brown-Forsythe for equal variances.

Each returns one row: ``test, statistic, df1, df2, p, n, k`` plus its effect sizes.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as sps

from ..errors import InputError
from ._prep import Groups, prepare

__all__ = ["anova_oneway", "kruskal", "levene", "welch_anova"]


def _omega2_from_f(f: float, df1: float, n: int) -> float:
    # omega^2 = df1 (F - 1) / (df1 (F - 1) + N) (Carroll & Nordholm 1975; Kirk 1996):
    # exactly the classic (SSB - df1 MSW) / (SST + MSW) when F is the classic F, and
    # the usual heteroscedastic estimate with Welch's F; floored at 0
    return max(0.0, df1 * (f - 1) / (df1 * (f - 1) + n))


def anova_oneway(df: pd.DataFrame, dv: str, between: str) -> pd.DataFrame:
    """Classic one-way ANOVA (equal variances assumed).

    F = [SSB / (k - 1)] / [SSW / (N - k)], SSB = sum n_j (m_j - m)^2,
    SSW = sum (y_ij - m_j)^2. Effect sizes: eta2 = SSB / SST;
    omega2 = (SSB - (k - 1) MSW) / (SST + MSW) (Hays 1963; Olejnik & Algina 2003).
    Same as R ``summary(aov(dv ~ between))``.

    Example
    -------
    >>> anova_oneway(plants, dv="weight", between="group")   # F = 4.846, p = .0159
    """
    return pd.DataFrame([_anova(prepare(df, dv, between, min_n=1, what="anova_oneway"), dv)])


def _anova(g: Groups, dv: str) -> dict:
    n, k = g.n_total, g.k
    if n - k < 1:
        raise InputError("anova_oneway: no residual degrees of freedom", column=dv,
                         expected="more values than groups", found=n)
    grand = g.y.mean()
    ssb = float(np.sum(g.n * (g.mean - grand) ** 2))
    ssw = float(np.sum((g.y - g.mean[g.codes]) ** 2))
    sst = ssb + ssw
    df1, df2 = k - 1, n - k
    msb, msw = ssb / df1, ssw / df2
    if msw == 0:
        raise InputError("anova_oneway: no variation within groups", column=dv,
                         expected="scores that vary within groups")
    f = msb / msw
    return {
        "test": "anova", "statistic": f, "df1": float(df1), "df2": float(df2),
        "p": float(sps.f.sf(f, df1, df2)), "n": n, "k": k,
        "ss_between": ssb, "ss_within": ssw, "ms_within": msw,
        "eta2": ssb / sst if sst > 0 else np.nan,
        "omega2": max(0.0, (ssb - df1 * msw) / (sst + msw)),  # floored at 0 like Welch
    }


def welch_anova(df: pd.DataFrame, dv: str, between: str) -> pd.DataFrame:
    """Welch's heteroscedastic one-way ANOVA (Welch 1951).

    w_j = n_j / s_j^2, m_w = sum w_j m_j / sum w_j,
    A = sum w_j (m_j - m_w)^2 / (k - 1),
    L = sum (1 - w_j / sum w)^2 / (n_j - 1),
    F = A / (1 + 2 (k - 2) L / (k^2 - 1)), df1 = k - 1, df2 = (k^2 - 1) / (3 L).
    omega2 = (k - 1)(F - 1) / ((k - 1)(F - 1) + N) (Carroll & Nordholm 1975), floored at 0. Same as R ``oneway.test(var.equal = FALSE)``.

    Example
    -------
    >>> welch_anova(plants, dv="weight", between="group")   # F = 5.181, df2 = 17.128
    """
    return pd.DataFrame([_welch(prepare(df, dv, between, min_n=2, what="welch_anova"), dv)])


def _welch(g: Groups, dv: str) -> dict:
    if np.any(g.var <= 0):
        zero = [str(lab) for lab, v in zip(g.labels, g.var) if v <= 0]
        raise InputError("welch_anova: a group has no variance, Welch weights undefined",
                         column=dv, expected="scores that vary within every group", found=zero)
    k = g.k
    w = g.n / g.var
    sw = w.sum()
    mw = np.sum(w * g.mean) / sw
    a = np.sum(w * (g.mean - mw) ** 2) / (k - 1)
    lam = np.sum((1 - w / sw) ** 2 / (g.n - 1))
    f = a / (1 + 2 * (k - 2) * lam / (k**2 - 1))
    df1, df2 = k - 1.0, (k**2 - 1) / (3 * lam)
    return {
        "test": "welch", "statistic": float(f), "df1": df1, "df2": float(df2),
        "p": float(sps.f.sf(f, df1, df2)), "n": g.n_total, "k": k,
        "omega2": _omega2_from_f(float(f), df1, g.n_total),
    }


def kruskal(df: pd.DataFrame, dv: str, between: str) -> pd.DataFrame:
    """Kruskal-Wallis rank test, corrected for ties (Kruskal & Wallis 1952).

    H = [12 / (N (N + 1)) sum R_j^2 / n_j - 3 (N + 1)] / C,
    C = 1 - sum(t^3 - t) / (N^3 - N), chi-square with k - 1 df (R ``kruskal.test``).
    Effect size epsilon2 = H / (N - 1) = H / ((N^2 - 1) / (N + 1))
    (Tomczak & Tomczak 2014; effectsize::rank_epsilon_squared).

    Example
    -------
    >>> kruskal(plants, dv="weight", between="group")   # chi2 = 7.9882, p = .01842
    """
    return pd.DataFrame([_kruskal(prepare(df, dv, between, min_n=1, what="kruskal"), dv)])


def _kruskal(g: Groups, dv: str) -> dict:
    n, k = g.n_total, g.k
    r, t = g.ranks()
    rsum = np.bincount(g.codes, weights=r, minlength=k)
    c = 1 - np.sum(t**3 - t) / (n**3 - n)
    if c <= 0:
        raise InputError("kruskal: all scores are equal", column=dv, expected="scores that vary")
    h = (12 / (n * (n + 1)) * np.sum(rsum**2 / g.n) - 3 * (n + 1)) / c
    return {
        "test": "kruskal", "statistic": float(h), "df1": float(k - 1), "df2": np.nan,
        "p": float(sps.chi2.sf(h, k - 1)), "n": n, "k": k,
        "epsilon2": float(h / (n - 1)),
    }


def levene(df: pd.DataFrame, dv: str, between: str, center: str = "median") -> pd.DataFrame:
    """Levene's test of equal variances; ``center="median"`` is the Brown-Forsythe
    variant (R ``car::leveneTest`` default), ``"mean"`` the original Levene (1960).

    A one-way ANOVA on z_ij = |y_ij - c_j|, c_j the group median or mean
    (Brown & Forsythe 1974).

    Example
    -------
    >>> levene(plants, dv="weight", between="group")   # F = 1.1192, p = .3412
    """
    if center not in ("median", "mean"):
        raise InputError("levene: unknown center", column="center", expected="'median' or 'mean'",
                         found=center)
    return pd.DataFrame([_levene(prepare(df, dv, between, min_n=2, what="levene"), center)])


def _levene(g: Groups, center: str = "median") -> dict:
    k = g.k
    if center == "median":
        # group medians from one sort by (group, value): exact, as a groupby median
        o = np.lexsort((g.y, g.codes))
        start = np.r_[0, np.cumsum(g.n.astype(np.int64))[:-1]]
        n = g.n.astype(np.int64)
        ys = g.y[o]
        c = 0.5 * (ys[start + (n - 1) // 2] + ys[start + n // 2])
    else:
        c = g.mean
    z = np.abs(g.y - c[g.codes])
    n = g.n
    zm = np.bincount(g.codes, weights=z, minlength=k) / n
    with np.errstate(invalid="ignore", divide="ignore"):
        zv = np.bincount(g.codes, weights=(z - zm[g.codes]) ** 2, minlength=k) / (n - 1)
    try:
        res = _anova(Groups(y=z, codes=g.codes, labels=list(range(k)), n=n, mean=zm, var=zv), "z")
        f, p = res["statistic"], res["p"]
    except InputError:  # no spread of deviations at all: variances trivially equal
        f, p = np.nan, np.nan
    return {
        "test": "brown_forsythe" if center == "median" else "levene", "statistic": f,
        "df1": float(k - 1), "df2": float(g.n_total - k), "p": p, "n": g.n_total, "k": k,
    }
