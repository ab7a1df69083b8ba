"""Random-intercept linear mixed model and estimated marginal means.

y_ij = X_ij beta + u_j + e_ij, u_j ~ N(0, tau^2), e_ij ~ N(0, sigma^2), fitted by
REML on cluster sums (profiled over tau^2 / sigma^2), as R
``lme4::lmer(y ~ group + covariates + (1 | cluster))`` and statsmodels ``MixedLM``
(which is ~20x slower here because it loops over clusters). Estimated marginal means
(Searle, Speed & Milliken 1980; R ``emmeans``): for each level of ``group`` the
model prediction averaged over a reference grid that holds numeric covariates at
their mean and weights the levels of categorical covariates equally.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats as sps

from ..errors import InputError

__all__ = ["MixedFit", "mixed_model"]


@dataclass
class MixedFit:
    fixed: pd.DataFrame  # term, estimate, se, z, p, ci_low, ci_high
    variance: pd.DataFrame  # component (cluster, residual), variance, sd
    emm: pd.DataFrame  # group, emm, se, ci_low, ci_high
    n: int
    n_clusters: int
    converged: bool
    icc: float  # tau^2 / (tau^2 + sigma^2), the conditional (adjusted) ICC
    notes: list = field(default_factory=list)


def _safe(name: str) -> str:
    return re.sub(r"\W", "_", str(name))


def mixed_model(df: pd.DataFrame, dv: str, group: str | None, cluster: str,
                covariates: list[str] | None = None, conf: float = 0.95) -> MixedFit:
    """Fit ``dv ~ C(group) + covariates + (1 | cluster)`` by REML.

    ``group`` may be None (or a numeric column used as a slope when it is one of
    ``covariates``); categorical covariates (object / category dtype) enter as
    treatment-coded factors. Returns fixed effects with Wald z tests, the
    variance components, and EMMs per group with normal-theory CIs.

    Example
    -------
    >>> fit = mixed_model(scores, "overall", "unit_type", "unit_id", ["age", "sex"])
    >>> fit.emm
    """
    covariates = [c for c in (covariates or []) if c != group]
    cols = [dv, cluster] + ([group] if group else []) + covariates
    for c in cols:
        if c not in df.columns:
            raise InputError("mixed_model: column not found", column=c, expected="a column of the data")
    d = df[cols].dropna().copy()
    d.columns = [_safe(c) for c in cols]
    y, cl = _safe(dv), _safe(cluster)
    g = _safe(group) if group else None
    covs = [_safe(c) for c in covariates]
    cat_covs = [c for c in covs if not pd.api.types.is_numeric_dtype(d[c])]
    if d[cl].nunique() < 2:
        raise InputError("mixed_model needs at least two clusters", column=cluster, expected=">= 2 clusters")
    # categoricals fix the level order: first level is the reference, EMM grid uses all levels
    for c in ([g] if g else []) + cat_covs:
        d[c] = pd.Categorical(d[c].astype(str))
    design = [(c, list(d[c].cat.categories)) for c in ([g] if g else []) + cat_covs] + \
             [(c, None) for c in covs if c not in cat_covs]
    x, names = _design(d, design)
    # drop aliased columns (e.g. an empty covariate level) so X'V^-1 X stays invertible
    keep = _independent_columns(x)
    names = [n for n, k in zip(names, keep) if k]
    x = x[:, keep]
    yv = d[y].to_numpy(float)
    codes, _ = pd.factorize(d[cl])
    beta, cov, tau2, sigma2, notes = _reml_random_intercept(yv, x, codes)
    zc = sps.norm.ppf(0.5 + conf / 2)
    se = np.sqrt(np.diag(cov))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = beta / se
    fixed = pd.DataFrame({"term": names, "estimate": beta, "se": se, "z": z,
                          "p": 2 * sps.norm.sf(np.abs(z)), "ci_low": beta - zc * se,
                          "ci_high": beta + zc * se})
    variance = pd.DataFrame({"component": [cluster, "residual"], "variance": [tau2, sigma2],
                             "sd": [np.sqrt(tau2), np.sqrt(sigma2)]})
    emm = pd.DataFrame(columns=["group", "emm", "se", "ci_low", "ci_high"])
    if g:
        emm = _emm(design, keep, d, g, covs, cat_covs, beta, cov, zc)
    return MixedFit(fixed=fixed, variance=variance, emm=emm, n=len(d), n_clusters=int(codes.max() + 1),
                    converged=True, icc=tau2 / (tau2 + sigma2) if tau2 + sigma2 > 0 else np.nan,
                    notes=notes)


def _design(d: pd.DataFrame, design: list) -> tuple[np.ndarray, list[str]]:
    """Intercept, treatment-coded dummies (first level = reference) for categorical
    terms, numeric terms as they are (R's default contrasts)."""
    cols, names = [np.ones(len(d))], ["Intercept"]
    for c, levels in design:
        if levels is None:
            cols.append(d[c].to_numpy(float))
            names.append(c)
        else:
            codes = pd.Categorical(d[c], categories=levels).codes
            for i, lev in enumerate(levels[1:], start=1):
                cols.append((codes == i).astype(float))
                names.append(f"C({c})[T.{lev}]")
    return np.column_stack(cols), names


def _independent_columns(x: np.ndarray, tol: float = 1e-9) -> np.ndarray:
    # R of the QR of X'X has a ~0 diagonal for every column spanned by earlier ones
    r = np.linalg.qr(x.T @ x, mode="r")
    diag = np.abs(np.diag(r))
    return diag > tol * max(diag.max(), 1.0)


def _reml_random_intercept(y: np.ndarray, x: np.ndarray, codes: np.ndarray):
    """REML for y = X beta + u_cluster + e with cluster sums only (O(J p^2) per step).

    With lambda = tau^2 / sigma^2 and c_j = lambda / (1 + n_j lambda),
    V_j^-1 = (I - c_j 1 1') / sigma^2, so X'V^-1 X, X'V^-1 y, y'V^-1 y need only
    the per-cluster sums. Profiled REML criterion (Harville 1977):
    -2 l_R(lambda) = (N - p) log s2 + sum log(1 + n_j lambda) + log|X' W X|,
    s2 = r' W r / (N - p); minimised over log lambda (bounded Brent), then
    Cov(beta) = s2 (X' W X)^-1, tau^2 = lambda s2 (as lme4 / statsmodels).
    """
    from scipy.optimize import minimize_scalar

    n, p = x.shape
    nj = np.bincount(codes).astype(float)
    sx = np.zeros((nj.size, p))
    np.add.at(sx, codes, x)
    sy = np.bincount(codes, weights=y)
    xtx, xty, yty = x.T @ x, x.T @ y, float(y @ y)

    def parts(lam: float):
        c = lam / (1 + nj * lam)
        a = xtx - (sx * c[:, None]).T @ sx
        b = xty - (sx * c[:, None]).T @ sy
        yy = yty - float(np.sum(c * sy**2))
        beta = np.linalg.solve(a, b)
        rss = yy - float(b @ beta)
        return a, beta, rss, c

    def crit(loglam: float) -> float:
        lam = np.exp(loglam)
        a, _, rss, _ = parts(lam)
        _sign, logdet = np.linalg.slogdet(a)
        return (n - p) * np.log(max(rss, 1e-300) / (n - p)) + float(np.sum(np.log1p(nj * lam))) + logdet

    opt = minimize_scalar(crit, bounds=(-20.0, 12.0), method="bounded", options={"xatol": 1e-10})
    loglam = opt.x
    notes = []
    if loglam < -19.5 or crit(-30.0) <= opt.fun:
        loglam = -np.inf
        notes.append("mixed model: cluster variance estimated at 0 (boundary); the model equals OLS")
    lam = float(np.exp(loglam))
    a, beta, rss, _ = parts(lam)
    s2 = rss / (n - p)
    cov = s2 * np.linalg.inv(a)
    return beta, cov, lam * s2, s2, notes


def _emm(design, keep, d, g, covs, cat_covs, beta, cov, zc) -> pd.DataFrame:
    levels = list(d[g].cat.categories)
    grid = pd.DataFrame({g: pd.Categorical(levels, categories=levels)})
    for c in covs:
        if c in cat_covs:
            cats = list(d[c].cat.categories)
            grid = grid.merge(pd.DataFrame({c: pd.Categorical(cats, categories=cats)}), how="cross")
        else:
            grid[c] = d[c].mean()
    x = _design(grid, design)[0][:, keep]
    # equal weights over the categorical covariate cells of each group level
    lmat = pd.DataFrame(x).groupby(grid[g].to_numpy()).mean().loc[levels].to_numpy()
    est = lmat @ beta
    se = np.sqrt(np.einsum("ij,jk,ik->i", lmat, cov, lmat))
    return pd.DataFrame({"group": levels, "emm": est, "se": se, "ci_low": est - zc * se,
                         "ci_high": est + zc * se})
