"""Reliability: Cronbach's alpha (Feldt CI), McDonald's omega (one factor), ICC(1).

All three take tidy input and return a one-row DataFrame, so callers can
``pd.concat`` results of many scales without reshaping.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import scipy
from scipy import sparse
from scipy import stats as sps

from ..errors import InputError

__all__ = ["alpha_cluster_ci", "alpha_feldt", "cronbach_alpha", "icc1", "mcdonald_omega", "omega_total",
           "pairwise_cov"]


def _item_frame(items: pd.DataFrame, what: str) -> pd.DataFrame:
    if not isinstance(items, pd.DataFrame):
        raise InputError(f"{what} needs a DataFrame of items (one column per item)",
                         expected="pandas.DataFrame", found=type(items).__name__)
    if all(pd.api.types.is_float_dtype(t) and t.kind == "f" and t.itemsize == 8 for t in items.dtypes):
        x = items  # already float64 columns: to_numeric would copy them unchanged
    else:
        x = items.apply(pd.to_numeric, errors="coerce").astype(float)
    x = x.dropna(how="all")
    if x.shape[1] < 2:
        raise InputError(f"{what} needs at least two items", expected=">= 2 item columns",
                         found=x.shape[1])
    if len(x) < 3:
        raise InputError(f"{what} needs at least three respondents with answers",
                         expected=">= 3 rows", found=len(x))
    return x


def pairwise_cov(x: np.ndarray) -> np.ndarray:
    """Pairwise-complete covariance matrix of the columns of ``x`` (NaN = missing), as
    ``pandas.DataFrame.cov``: C_ab over the rows where a and b are both observed,

        C_ab = (P_ab - S_ab S_ba / n_ab) / (n_ab - 1),

    n_ab their count, S_ab the sum of x_a and P_ab of x_a x_b over those rows (on
    columns centred at their means, which leaves C unchanged and keeps the
    difference well conditioned); NaN where n_ab < 2.

    Example
    -------
    >>> pairwise_cov(np.array([[1.0, 2.0], [2.0, np.nan], [3.0, 5.0], [4.0, 4.0]]))[0, 1]
    1.8333333333333335
    """
    obs = ~np.isnan(x)
    m = obs.astype(float)
    count = m.sum(axis=0)
    centre = np.where(obs, x, 0.0).sum(axis=0) / np.maximum(count, 1)
    x0 = np.where(obs, x - centre, 0.0)
    n_ab = m.T @ m
    s_ab = x0.T @ m
    with np.errstate(divide="ignore", invalid="ignore"):
        c = (x0.T @ x0 - s_ab * s_ab.T / n_ab) / (n_ab - 1)
    c[n_ab < 2] = np.nan
    return c


def cronbach_alpha(items: pd.DataFrame, ci: float = 0.95, nan_policy: str = "pairwise") -> pd.DataFrame:
    """Cronbach's alpha with Feldt's confidence interval.

    alpha = k / (k - 1) * (1 - sum(s_j^2) / s_X^2), where s_X^2 = sum of the item
    covariance matrix. Covariances are pairwise complete (``nan_policy="pairwise"``,
    as ``psych::alpha(use="pairwise")`` and pingouin) or on complete rows
    (``"listwise"``). Feldt (1987) interval:
    ``1 - (1 - alpha) * F_{(1 -+ ci)/2}(n - 1, (n - 1)(k - 1))`` (upper quantiles).

    References: Cronbach (1951) Psychometrika 16:297; Feldt, Woodruff & Salih
    (1987) Appl. Psych. Meas. 11:93.

    Returns one row: ``n, k, alpha, ci_low, ci_high``.

    Example
    -------
    >>> cronbach_alpha(df[["q1", "q2", "q3"]])
    """
    if nan_policy not in ("pairwise", "listwise"):
        raise InputError("unknown nan_policy", column="nan_policy",
                         expected="'pairwise' or 'listwise'", found=nan_policy)
    x = _item_frame(items, "cronbach_alpha")
    if nan_policy == "listwise":
        x = x.dropna()
    n, k = x.shape
    alpha, lo, hi = alpha_feldt(pairwise_cov(x.to_numpy(dtype=float, na_value=np.nan)), n, ci)
    return pd.DataFrame([{"n": n, "k": k, "alpha": alpha, "ci_low": lo, "ci_high": hi}])


def alpha_feldt(c: np.ndarray, n: int, ci: float = 0.95) -> tuple[float, float, float]:
    """Cronbach's alpha and Feldt's interval from a k x k item covariance matrix ``c``
    of ``n`` respondents (the arithmetic of :func:`cronbach_alpha`, for callers that
    already hold the covariances)."""
    k = c.shape[0]
    total = np.nansum(c)
    alpha = (k / (k - 1)) * (1 - np.trace(c) / total) if total > 0 else np.nan
    df1, df2 = n - 1, (n - 1) * (k - 1)
    a = 1 - ci
    lo = 1 - (1 - alpha) * sps.f.isf(a / 2, df1, df2)
    hi = 1 - (1 - alpha) * sps.f.isf(1 - a / 2, df1, df2)
    return alpha, lo, hi


#: L-BFGS-B takes a ``workers`` map for its finite-difference gradient from scipy 1.16 on
#: (older versions evaluate the same points one by one: the same fit, slower)
_LBFGSB_WORKERS = tuple(int(v) for v in scipy.__version__.split(".")[:2]) >= (1, 16)


def _one_factor_ml(r: np.ndarray, tol: float = 1e-10, max_iter: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    """Maximum-likelihood one-factor solution of a correlation matrix:
    standardized loadings and uniquenesses (Joreskog 1967 eigen iteration)."""
    p = r.shape[0]
    try:
        psi = (1 - 0.5 * 1 / np.diag(np.linalg.inv(r))).clip(0.005, 0.995)
    except np.linalg.LinAlgError:
        psi = np.full(p, 0.5)
    # minimise F(psi) = log|Sigma| + tr(Sigma^-1 R); for given psi the optimal loading
    # is sqrt(psi) * v * sqrt(max(e - 1, 0)) with (e, v) the leading eigenpair of
    # psi^-1/2 R psi^-1/2 (Lawley & Maxwell 1971, ch. 4)
    def loadings(ps: np.ndarray) -> np.ndarray:
        s = 1 / np.sqrt(ps)
        e, v = np.linalg.eigh(r * np.outer(s, s))
        return np.sqrt(ps) * v[:, -1] * np.sqrt(max(e[-1] - 1, 0))

    def objective(ps: np.ndarray) -> float:
        lam = loadings(ps)
        sig = np.outer(lam, lam) + np.diag(ps)
        _sign, logdet = np.linalg.slogdet(sig)
        return logdet + np.trace(np.linalg.solve(sig, r))

    def objectives(pss: np.ndarray) -> np.ndarray:
        # the p points of one finite-difference gradient at once: numpy's stacked
        # linalg runs the same LAPACK routine on each matrix, so every value is the
        # bit-identical number objective() gives (and the fit follows the same path)
        s = 1 / np.sqrt(pss)
        e, v = np.linalg.eigh(r * (s[:, :, None] * s[:, None, :]))
        lam = np.sqrt(pss) * v[:, :, -1] * np.sqrt(np.maximum(e[:, -1:] - 1, 0))
        sig = lam[:, :, None] * lam[:, None, :] + pss[:, :, None] * np.eye(p)
        _sign, logdet = np.linalg.slogdet(sig)
        return logdet + np.trace(np.linalg.solve(sig, r), axis1=-2, axis2=-1)

    def gradient_points(fun, points) -> list[np.ndarray]:
        # scipy evaluates the gradient's points as ``workers(fun, points)``
        return [np.atleast_1d(f) for f in objectives(np.array(list(points)))]

    from scipy.optimize import minimize
    options = {"ftol": tol, "gtol": 1e-9, "maxiter": max_iter}
    if _LBFGSB_WORKERS:
        options["workers"] = gradient_points
    res = minimize(objective, psi, method="L-BFGS-B", bounds=[(0.005, 1.0)] * p, options=options)
    psi = res.x
    lam = loadings(psi)
    if lam.sum() < 0:
        lam = -lam
    return lam, psi


def mcdonald_omega(items: pd.DataFrame) -> pd.DataFrame:
    """McDonald's omega (total) of a unidimensional scale, from a one-factor model.

    omega = (sum lambda_j)^2 / ((sum lambda_j)^2 + sum theta_j), with raw-metric
    loadings lambda_j and unique variances theta_j of a maximum-likelihood
    one-factor model fitted to the item covariances (complete rows), i.e. the
    reliability of the unweighted sum score (McDonald 1999, Test Theory, eq. 6.20;
    Hayes & Coutts 2020, Commun. Methods Meas. 14:1; semTools ``compRelSEM``
    with a one-factor ``cfa``). ML estimates are scale-equivariant, so the
    model is fitted on correlations and rescaled by the item SDs.

    Returns one row: ``n, k, omega`` (plus the standardized loadings as a list).

    Example
    -------
    >>> mcdonald_omega(df[["q1", "q2", "q3", "q4"]])
    """
    x = _item_frame(items, "mcdonald_omega").dropna()
    n, k = x.shape
    omega, lam_s = omega_total(x.to_numpy(), list(x.columns))
    return pd.DataFrame([{"n": n, "k": k, "omega": omega, "loadings": list(np.round(lam_s, 6))}])


def omega_total(x: np.ndarray, names: list | None = None) -> tuple[float, np.ndarray]:
    """Omega (total) and the standardized loadings of the complete rows ``x``
    (n x k, no NaN): the fit of :func:`mcdonald_omega` on an array."""
    n, k = x.shape
    if n < 3:
        raise InputError("mcdonald_omega needs at least three complete rows", expected=">= 3", found=n)
    sd = x.std(axis=0, ddof=1)
    if np.any(~np.isfinite(sd)) or np.any(sd == 0):
        raise InputError("mcdonald_omega: an item has no variance",
                         column=str((names or list(range(k)))[int(np.argmin(sd))]), expected="items that vary")
    r = np.corrcoef(x, rowvar=False)
    lam_s, psi_s = _one_factor_ml(r)
    lam = lam_s * sd
    theta = psi_s * sd**2
    return lam.sum() ** 2 / (lam.sum() ** 2 + theta.sum()), lam_s


def icc1(df: pd.DataFrame, dv: str, cluster: str) -> pd.DataFrame:
    """ICC(1): share of the variance of ``dv`` that lies between clusters.

    One-way random-effects ANOVA estimator (Shrout & Fleiss 1979 ICC(1,1); Bliese
    2000): ICC1 = (MSB - MSW) / (MSB + (n0 - 1) MSW), with the unbalanced-design
    average cluster size n0 = (N - sum n_j^2 / N) / (J - 1) (Snedecor & Cochran).
    Also ICC(2) = (MSB - MSW) / MSB, the reliability of cluster means.

    Returns one row: ``n, n_clusters, n0, msb, msw, icc1, icc2``; ICC1 is
    reported as computed (it may be slightly negative when clusters do not differ).

    Example
    -------
    >>> icc1(scores, dv="overall", cluster="unit_id")
    """
    for c in (dv, cluster):
        if c not in df:
            raise InputError("column not found", column=c, expected="a column of the data")
    d = df[[dv, cluster]].dropna()
    y = pd.to_numeric(d[dv], errors="coerce").to_numpy(float)
    g = d[cluster].to_numpy()
    codes, uniq = pd.factorize(g)
    j = len(uniq)
    n = len(y)
    if j < 2 or n - j < 1:
        raise InputError("icc1 needs at least two clusters and more rows than clusters",
                         column=cluster, expected=">= 2 clusters", found=j)
    nj = np.bincount(codes)
    sums = np.bincount(codes, weights=y)
    means = sums / nj
    grand = y.mean()
    ssb = float(np.sum(nj * (means - grand) ** 2))
    ssw = float(np.sum((y - means[codes]) ** 2))
    msb, msw = ssb / (j - 1), ssw / (n - j)
    n0 = (n - np.sum(nj**2) / n) / (j - 1)
    denom = msb + (n0 - 1) * msw
    icc = (msb - msw) / denom if denom > 0 else np.nan
    icc2 = (msb - msw) / msb if msb > 0 else np.nan
    return pd.DataFrame([{"n": n, "n_clusters": j, "n0": n0, "msb": msb, "msw": msw,
                          "icc1": icc, "icc2": icc2}])


def _unit_codes(cluster, strata, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row its unit's code (units = (stratum, cluster) pairs, numbered in order of
    first appearance) and per unit its stratum's code (also in order of first
    appearance among the units): the numbering the replicate draws follow."""
    def factorized(values) -> np.ndarray:
        v = np.asarray(values)[keep]
        if v.dtype.kind in "iu":  # already one integer per unit (or stratum)
            return pd.factorize(v)[0]
        return pd.factorize(pd.Series(v).astype(str).to_numpy())[0]

    cl_codes = factorized(cluster)
    st_codes = np.zeros(len(cl_codes), dtype=np.int64) if strata is None else factorized(strata)
    # one integer per (stratum, cluster) pair: its first appearance is the pair's
    codes, pairs = pd.factorize(st_codes.astype(np.int64) * (int(cl_codes.max()) + 1) + cl_codes)
    unit_stratum = pd.factorize(pairs // (int(cl_codes.max()) + 1))[0]
    return codes, unit_stratum


def alpha_cluster_ci(items: pd.DataFrame, cluster, strata=None, n_boot: int = 1000, ci: float = 0.95,
                     seed: int = 20231) -> pd.DataFrame:
    """Cronbach's alpha with a cluster-bootstrap percentile CI.

    Respondents nested in units are not independent, so the Feldt interval
    (which assumes they are) is too narrow. Units are resampled with replacement
    (within ``strata`` if given) and alpha is recomputed from the resampled
    units' sufficient statistics, so each replicate is the same pairwise-complete
    alpha as :func:`cronbach_alpha`,

        alpha = k / (k - 1) * (1 - tr(C) / 1'C1),
        C_ab = (P_ab - S_ab S_ba / n_ab) / (n_ab - 1),

    with, over the rows where items a and b are both observed, n_ab their count,
    S_ab the sum of item a and P_ab the sum of x_a x_b (Field & Welsh 2007, JRSS B
    69:369-390, on the cluster bootstrap; Davison & Hinkley 1997, 3.8). A replicate
    draws unit u c_u times, so each of n, S, P is sum_u c_u (unit u's sum): one
    matrix product over units for all replicates. Only rows with a missing item
    make n_ab and S_ab differ from the row count n and the item sum S_a:
    n_ab = n - M_aa - M_bb + M_ab (M_ab: rows missing both) and S_ab = S_a - R_ab
    (R_ab: sum of x_a over the rows missing b), both sparse over units, so the one
    dense product is P's (its upper triangle: C is symmetric).

    Parameters
    ----------
    items : DataFrame or 2-D array, one column per item (NaN = missing).
    cluster, strata : array-likes aligned with ``items`` (e.g. unit ids, region ids).

    Returns
    -------
    One-row DataFrame: ``n, k, n_clusters, alpha, ci_low, ci_high, n_boot``.

    Example
    -------
    >>> alpha_cluster_ci(x, units)   # doctest: +SKIP
    """
    if isinstance(items, np.ndarray):
        xv = items.astype(float, copy=False)
    else:
        x = items if all(pd.api.types.is_float_dtype(t) for t in items.dtypes) else \
            items.apply(pd.to_numeric, errors="coerce").astype(float)
        xv = x.to_numpy(dtype=float, na_value=np.nan)
    keep = ~np.isnan(xv).all(axis=1)
    xv = xv[keep]
    n_rows, k = xv.shape
    if k < 2 or n_rows < 3:
        raise InputError("alpha_cluster_ci needs >= 2 items and >= 3 respondents", expected=">= 2 x >= 3",
                         found=(n_rows, k))
    codes, unit_stratum = _unit_codes(cluster, strata, keep)
    u = len(unit_stratum)
    miss = np.isnan(xv)
    x0 = np.where(miss, 0.0, xv)
    ia, ib = np.triu_indices(k)
    # per unit: row count, item sums, and the upper triangle of sum x_a x_b
    order = np.argsort(codes, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(codes[order]) != 0])
    xs = x0[order]
    n_u = np.diff(np.r_[starts, n_rows]).astype(float)
    s_u = np.add.reduceat(xs, starts, axis=0)
    p_u = np.empty((u, len(ia)))
    for j, (a, b) in enumerate(zip(starts, np.r_[starts[1:], n_rows])):
        blk = xs[a:b]
        p_u[j] = (blk.T @ blk)[ia, ib]
    # rows with a missing item: sparse corrections M (rows missing a and b) and R
    # (sum of x_a over rows missing b), per unit x (a, b) flattened
    inc = np.flatnonzero(miss.any(axis=1))
    if inc.size:
        mi = miss[inc].astype(float)
        r_rows, r_cols = np.nonzero(mi)  # row r misses item b
        rr = np.repeat(r_rows, k)
        bb = np.repeat(r_cols, k)
        aa = np.tile(np.arange(k), r_cols.size)
        vals = x0[inc][rr, aa]
        ok = vals != 0
        r_sp = sparse.csr_matrix((vals[ok], (codes[inc][rr[ok]], aa[ok] * k + bb[ok])), shape=(u, k * k))
        # every pair (b1, b2) of items a row misses: entry e of row r pairs with the
        # c_r entries of its row (np.nonzero lists a row's entries together)
        per_row = np.bincount(r_rows, minlength=len(inc))
        row_start = np.cumsum(per_row) - per_row
        rep = per_row[r_rows]
        e1 = np.repeat(np.arange(r_rows.size), rep)
        e2 = row_start[r_rows[e1]] + np.arange(e1.size) - np.repeat(np.cumsum(rep) - rep, rep)
        m_sp = sparse.csr_matrix((np.ones(e1.size), (codes[inc][r_rows[e1]], r_cols[e1] * k + r_cols[e2])),
                                 shape=(u, k * k))
    else:
        r_sp = m_sp = None
    diag = ia == ib

    def alpha(w: np.ndarray) -> np.ndarray:
        nn = w @ n_u
        s = w @ s_u
        pp = w @ p_u
        c = np.broadcast_to(nn[:, None], pp.shape)
        sa, sb = s[:, ia], s[:, ib]
        if m_sp is not None:
            mm = np.asarray((m_sp.T @ w.T).T)
            c = c - mm[:, ia * k + ia] - mm[:, ib * k + ib] + mm[:, ia * k + ib]
            rm = np.asarray((r_sp.T @ w.T).T)
            sa, sb = sa - rm[:, ia * k + ib], sb - rm[:, ib * k + ia]
        with np.errstate(divide="ignore", invalid="ignore"):
            cov = (pp - sa * sb / c) / (c - 1)
        cov[c <= 1] = np.nan  # as the direct formula: no covariance from < 2 pairs
        tr = cov[:, diag].sum(axis=1)
        tot = 2 * cov[:, ~diag].sum(axis=1) + tr
        return k / (k - 1) * (1 - tr / tot)

    est = float(alpha(np.ones((1, u)))[0])
    rng = np.random.default_rng(seed)
    # replicate x unit draw counts: every stratum's draws in stream order, counted at once
    picks = []
    for h in np.unique(unit_stratum):
        idx = np.flatnonzero(unit_stratum == h)
        draws = rng.integers(0, idx.size, (n_boot, idx.size))
        picks.append((np.arange(n_boot)[:, None] * u + idx[draws]).ravel())
    w = np.bincount(np.concatenate(picks), minlength=n_boot * u).reshape(n_boot, u).astype(float)
    boots = np.concatenate([alpha(w[i:i + 200]) for i in range(0, n_boot, 200)])
    boots = boots[np.isfinite(boots)]
    lo, hi = np.percentile(boots, [50 * (1 - ci), 50 * (1 + ci)]) if boots.size else (np.nan, np.nan)
    return pd.DataFrame([{"n": int(n_rows), "k": k, "n_clusters": u, "alpha": est, "ci_low": float(lo),
                          "ci_high": float(hi), "n_boot": int(boots.size)}])
