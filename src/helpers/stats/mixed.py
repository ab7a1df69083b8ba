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

import math
import re
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pandas as pd
from scipy import stats as sps

from ..errors import InputError

__all__ = ["MixedFit", "emm_contrasts", "emm_wald", "mixed_model"]

LOGLAM_BOUNDS = (-20.0, 12.0)  # log(tau^2 / sigma^2) searched by the REML optimiser


@dataclass
class MixedFit:
    fixed: pd.DataFrame  # term, estimate, se, z, p, ci_low, ci_high
    variance: pd.DataFrame  # component (cluster, residual), variance, sd
    emm: pd.DataFrame  # group, emm, se, ci_low, ci_high, n_clusters
    n: int
    n_clusters: int
    converged: bool  # the optimiser's own verdict (scipy ``OptimizeResult.success``)
    icc: float  # tau^2 / (tau^2 + sigma^2), the conditional (adjusted) ICC
    notes: list = field(default_factory=list)
    boundary: bool = False  # tau^2 estimated at 0, or the variance ratio at the search's upper bound
    emm_cov: np.ndarray | None = None  # covariance of the EMMs (order of ``emm.group``)
    df_between: float = np.nan  # clusters minus fixed-effect columns that vary between clusters

    @property
    def doubtful(self) -> bool:
        """True when the fit should not be trusted as it stands (see ``notes``)."""
        return (not self.converged) or self.boundary


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
    # arrays of the complete rows, not a copied frame: stage 03 fits ~12 models a region,
    # and the frame's copy and its text columns cost more than the fit
    keep = np.ones(len(df), dtype=bool)
    for c in cols:
        keep &= df[c].notna().to_numpy()
    g = _safe(group) if group else None
    covs = [_safe(c) for c in covariates]
    src = dict(zip([_safe(c) for c in cols], cols))
    cat_covs = [c for c in covs if not pd.api.types.is_numeric_dtype(df[src[c]])]
    codes, n_clusters = _cluster_codes(df[cluster], keep)
    if n_clusters < 2:
        raise InputError("mixed_model needs at least two clusters", column=cluster, expected=">= 2 clusters")
    # categorical terms as their levels' text, sorted: the first level is the reference,
    # the EMM grid uses all levels
    coded = {c: _text_codes(df[src[c]], keep) for c in ([g] if g else []) + cat_covs}
    design = [(c, coded[c][1]) for c in ([g] if g else []) + cat_covs] + \
             [(c, None) for c in covs if c not in cat_covs]
    values = {c: (coded[c][0] if c in coded else df[src[c]].to_numpy(float)[keep]) for c, _ in design}
    x, names = _design(values, design, int(keep.sum()))
    # drop aliased columns (e.g. an empty covariate level) so X'V^-1 X stays invertible
    keep_x = _independent_columns(x)
    names = [n for n, k in zip(names, keep_x) if k]
    x = x[:, keep_x]
    yv = df[dv].to_numpy(float)[keep]
    beta, cov, tau2, sigma2, notes, converged, boundary = _reml_random_intercept(yv, x, codes)
    zc = sps.norm.ppf(0.5 + conf / 2)
    se = np.sqrt(np.diag(cov))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = beta / se
    fixed = pd.DataFrame({"term": names, "estimate": beta, "se": se, "z": z,
                          "p": 2 * sps.norm.sf(np.abs(z)), "ci_low": beta - zc * se,
                          "ci_high": beta + zc * se})
    variance = pd.DataFrame({"component": [cluster, "residual"], "variance": [tau2, sigma2],
                             "sd": [np.sqrt(tau2), np.sqrt(sigma2)]})
    emm = pd.DataFrame(columns=["group", "emm", "se", "ci_low", "ci_high", "n_clusters"])
    emm_cov = None
    if g:
        gc, levels = coded[g]
        means = {c: float(np.mean(values[c])) for c in covs if c not in cat_covs}
        emm, emm_cov = _emm(design, keep_x, g, levels, means, beta, cov, zc)
        pairs = np.unique(gc.astype(np.int64) * n_clusters + codes)
        emm["n_clusters"] = np.bincount(pairs // n_clusters, minlength=len(levels)).astype(int)
    # columns constant within every cluster are estimated from cluster means: their
    # information comes from clusters (the containment df of SAS / lme4's lmerTest)
    between = int(np.sum([np.allclose(_cluster_sd(x[:, j], codes), 0) for j in range(1, x.shape[1])]))
    return MixedFit(fixed=fixed, variance=variance, emm=emm, n=int(keep.sum()), n_clusters=n_clusters,
                    converged=converged, icc=tau2 / (tau2 + sigma2) if tau2 + sigma2 > 0 else np.nan,
                    notes=notes, boundary=boundary, emm_cov=emm_cov,
                    df_between=float(n_clusters - 1 - between))


def _cluster_sd(v: np.ndarray, codes: np.ndarray) -> np.ndarray:
    n = np.bincount(codes).astype(float)
    m = np.bincount(codes, weights=v) / n
    return np.sqrt(np.bincount(codes, weights=(v - m[codes]) ** 2) / n)


def emm_contrasts(fit: MixedFit, levels: list | None = None, conf: float = 0.95,
                  p_adjust: str = "holm") -> pd.DataFrame:
    """Pairwise differences of a mixed model's estimated marginal means.

    For levels a, b: diff = EMM_a - EMM_b, se = sqrt(l' V l) with l = e_a - e_b and
    V the EMM covariance; t = diff / se on ``fit.df_between`` degrees of freedom
    (clusters minus between-cluster fixed effects: the group is a property of the
    cluster, so clusters are the replication level); ``p_adj`` by ``p_adjust``
    over the pairs returned. ``effect_size`` is diff / sqrt(tau^2 + sigma^2), the
    difference in total standard deviations of the model. As R
    ``pairs(emmeans(lmer(y ~ group + (1 | cluster)), ~ group), adjust = "holm")``
    with containment df.

    ``levels`` restricts the pairs (e.g. to unit types with enough units).

    Example
    -------
    >>> fit = mixed_model(scores, "overall", "unit_type", "unit_id")
    >>> emm_contrasts(fit)   # doctest: +SKIP
    """
    from ._prep import p_adjust as _adjust

    cols = ["group_a", "group_b", "diff", "se", "statistic", "df", "p", "p_adj", "ci_low", "ci_high",
            "effect_name", "effect_size"]
    if fit.emm_cov is None or fit.emm.empty:
        return pd.DataFrame(columns=cols)
    names = [str(x) for x in fit.emm["group"]]
    keep = [i for i, nm in enumerate(names) if levels is None or nm in {str(v) for v in levels}]
    rows = []
    est, v = fit.emm["emm"].to_numpy(float), fit.emm_cov
    sd = math.sqrt(float(fit.variance["variance"].sum()))
    dof = fit.df_between if fit.df_between > 0 else np.nan
    tcrit = sps.t.ppf(0.5 + conf / 2, dof)
    pairs = list(combinations(keep, 2))
    if pairs:  # the pairs as arrays: one t distribution call, not one per pair
        ia, ib = (np.asarray(x, dtype=np.intp) for x in zip(*pairs))
        d = est[ia] - est[ib]
        se = np.sqrt(np.maximum(v[ia, ia] + v[ib, ib] - 2 * v[ia, ib], 0.0))
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.where(se > 0, d / np.where(se > 0, se, 1.0), np.nan)
        lab = np.asarray(names, dtype=object)
        out = pd.DataFrame({"group_a": lab[ia], "group_b": lab[ib], "diff": d, "se": se, "statistic": t,
                            "df": np.full(len(d), dof, dtype=float), "p": 2 * sps.t.sf(np.abs(t), dof),
                            "ci_low": d - tcrit * se, "ci_high": d + tcrit * se,
                            "effect_name": pd.array(["d_total"] * len(d), dtype="str"),
                            "effect_size": d / sd if sd > 0 else np.full(len(d), np.nan)})
    else:
        out = pd.DataFrame(rows, columns=[c for c in cols if c != "p_adj"])
    out["p_adj"] = _adjust(out["p"].to_numpy(), p_adjust) if len(out) else []
    return out[cols]


def emm_wald(fit: MixedFit, levels: list | None = None) -> dict:
    """Wald F test that the EMMs of ``levels`` (default all) are equal.

    W = (C m)' (C V C')^-1 (C m) with C the (k - 1) x k successive-difference
    contrasts; F = W / (k - 1) on (k - 1, ``fit.df_between``) degrees of freedom.
    """
    if fit.emm_cov is None or fit.emm.empty:
        return {"statistic": np.nan, "df1": np.nan, "df2": np.nan, "p": np.nan, "k": 0}
    names = [str(x) for x in fit.emm["group"]]
    idx = [i for i, nm in enumerate(names) if levels is None or nm in {str(v) for v in levels}]
    k = len(idx)
    if k < 2:
        return {"statistic": np.nan, "df1": np.nan, "df2": np.nan, "p": np.nan, "k": k}
    m = fit.emm["emm"].to_numpy(float)[idx]
    v = fit.emm_cov[np.ix_(idx, idx)]
    c = np.eye(k)[:-1] - np.eye(k, k=1)[:-1]
    cm = c @ m
    w = float(cm @ np.linalg.pinv(c @ v @ c.T) @ cm)
    df2 = fit.df_between if fit.df_between > 0 else np.nan
    f = w / (k - 1)
    return {"statistic": f, "df1": float(k - 1), "df2": df2, "p": float(sps.f.sf(f, k - 1, df2)), "k": k}


def _cluster_codes(s: pd.Series, keep: np.ndarray) -> tuple[np.ndarray, int]:
    """Cluster codes 0..J-1 of the kept rows (in order of appearance) and J."""
    v = s.cat.codes.to_numpy()[keep] if isinstance(s.dtype, pd.CategoricalDtype) else s.to_numpy()[keep]
    codes, uniq = pd.factorize(v)
    return codes.astype(np.intp), len(uniq)


def _text_codes(s: pd.Series, keep: np.ndarray) -> tuple[np.ndarray, list]:
    """Codes of the kept rows of a categorical term over its levels' text, sorted (the
    levels of ``pd.Categorical(s.astype(str))``, from the distinct values only)."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        raw, cats = s.cat.codes.to_numpy()[keep], s.cat.categories
        present = np.flatnonzero(np.bincount(raw[raw >= 0], minlength=len(cats)))
        text = np.asarray([str(v) for v in cats[present]], dtype=object)
        lookup = np.zeros(len(cats), dtype=np.intp)
    else:
        raw, uniq = pd.factorize(s.to_numpy()[keep])
        present = np.arange(len(uniq))
        text = np.asarray([str(v) for v in uniq], dtype=object)
        lookup = np.zeros(len(uniq), dtype=np.intp)
    levels = sorted(set(text))
    rank = {lv: i for i, lv in enumerate(levels)}
    lookup[present] = [rank[t] for t in text]
    return lookup[raw], levels


def _design(values: dict, design: list, n: int) -> tuple[np.ndarray, list[str]]:
    """Intercept, treatment-coded dummies (first level = reference) for categorical
    terms (``values``: their codes), numeric terms as they are (R's default contrasts)."""
    cols, names = [np.ones(n)], ["Intercept"]
    for c, levels in design:
        if levels is None:
            cols.append(values[c])
            names.append(c)
        else:
            codes = values[c]
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
    # cluster sums column by column (bincount adds the rows in the same order as np.add.at, faster)
    sx = np.column_stack([np.bincount(codes, weights=x[:, j], minlength=nj.size) for j in range(p)]) \
        if p else np.zeros((nj.size, 0))
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

    lo, hi = LOGLAM_BOUNDS
    opt = minimize_scalar(crit, bounds=(lo, hi), method="bounded", options={"xatol": 1e-10})
    loglam = opt.x
    converged = bool(getattr(opt, "success", True)) and np.isfinite(opt.fun)
    notes, boundary = [], False
    if not converged:
        notes.append(f"mixed model: the REML optimiser did not converge ({getattr(opt, 'message', '')})")
    if loglam < lo + 0.5 or crit(-30.0) <= opt.fun:
        loglam = -np.inf
        boundary = True
        notes.append("mixed model: cluster variance estimated at 0 (boundary); the model equals OLS")
    elif loglam > hi - 0.5:
        boundary = True
        notes.append(f"mixed model: variance ratio tau^2/sigma^2 clipped at the search bound "
                     f"(exp({hi:g})); within-cluster variance near 0, the fit is doubtful")
    lam = float(np.exp(loglam))
    a, beta, rss, _ = parts(lam)
    s2 = rss / (n - p)
    cov = s2 * np.linalg.inv(a)
    return beta, cov, lam * s2, s2, notes, converged, boundary


def _emm(design, keep, g, levels, means, beta, cov, zc) -> pd.DataFrame:
    lmat = _emm_rows(design, g, levels, means)[:, keep]
    est = lmat @ beta
    vcov = lmat @ cov @ lmat.T
    se = np.sqrt(np.diag(vcov))
    return pd.DataFrame({"group": levels, "emm": est, "se": se, "ci_low": est - zc * se,
                         "ci_high": est + zc * se}), vcov


def _emm_rows(design: list, g: str, levels: list, means: dict) -> np.ndarray:
    """The rows of the EMM matrix L (one per level of ``g``): the design row of the
    level averaged with equal weights over the cells of the categorical covariates,
    numeric covariates at their mean (emmeans' reference grid). With main effects
    only the average is known in closed form: a covariate's dummy of a non-reference
    level is 1 in one of its L levels' cells, so its mean is 1 / L (the grid of all
    cells, crossed and averaged, gave the same rows).
    """
    cols = [np.ones((len(levels), 1))]
    for c, lv in design:
        if lv is None:
            cols.append(np.full((len(levels), 1), means[c]))
        elif c == g:
            cols.append(np.eye(len(levels))[:, 1:])
        else:
            cols.append(np.full((len(levels), len(lv) - 1), 1 / len(lv)))
    return np.column_stack(cols) if len(cols) > 1 else cols[0]

