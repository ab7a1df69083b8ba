"""Variance machinery of design-based estimation: Taylor linearisation and replicates.

Everything here works on influence values ``U`` (n rows x k statistics), already
multiplied by the analysis weights, exactly as R's ``svyrecvar`` does: an estimator's
linearised variance is the design variance of the estimated total ``sum_i U_i``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from ...errors import InputError

LONELY = ("fail", "remove", "adjust", "certainty", "average")


@dataclass
class Stage:
    """One sampling stage, coded for fast sparse aggregation.

    ``group`` plays the role of the stratum at this stage: the stratum at stage 1, the
    sampling unit of the previous stage at later stages (R's recursion in ``multistage``).
    """

    psu: np.ndarray            # per row: PSU code at this stage (0..n_psu-1)
    psu_group: np.ndarray      # per PSU: group code (0..n_group-1)
    n_h: np.ndarray            # per group: number of sampled PSUs
    N_h: np.ndarray | None     # per group: population size (None: with replacement)
    mult: np.ndarray           # per group: product of n/N of the earlier stages
    group_labels: list = field(default_factory=list)
    P: sp.csr_matrix | None = None   # n_psu x n indicator (row -> PSU)

    def __post_init__(self) -> None:
        n_psu = int(self.psu_group.size)
        if self.P is None:
            n = self.psu.size
            self.P = sp.csr_matrix((np.ones(n), (self.psu, np.arange(n))), shape=(n_psu, n))
        self.G = sp.csr_matrix((np.ones(n_psu), (self.psu_group, np.arange(n_psu))),
                               shape=(self.n_h.size, n_psu))
        f = np.ones(self.n_h.size) if self.N_h is None else (self.N_h - self.n_h) / self.N_h
        self.f = f
        self.lonely = (self.n_h == 1) & (f > 1e-7)


def stage_variance(stage: Stage, U, lonely_psu: str, first: bool, diag: bool = False) -> np.ndarray:
    """Stratified between-PSU variance of one stage.

    V = sum_h m_h (1 - n_h/N_h) n_h/(n_h - 1) sum_{j in h} (t_hj - tbar_h)(t_hj - tbar_h)',
    t_hj the PSU totals of U, m_h the product of the sampling fractions of earlier stages.
    With ``diag`` only the variances (the diagonal) are returned, computed on sparse
    PSU totals: many domains (e.g. every unit) cost O(nonzeros), not O(n k^2).
    """
    n_h = stage.n_h.astype(float)
    g = stage.psu_group
    with np.errstate(divide="ignore", invalid="ignore"):
        scale_h = stage.mult * stage.f * np.where(n_h > 1, n_h / (n_h - 1), 1.0)
    lonely = stage.lonely
    adjust = lonely.any() and lonely_psu == "adjust" and first
    if lonely.any() and not adjust:
        scale_h = np.where(lonely, 0.0, scale_h)
    if diag:
        t = sp.csr_matrix(stage.P @ U)                          # n_psu x k, sparse
        tbar = sp.diags(1.0 / n_h) @ (stage.G @ t)
        c = (t - stage.G.T @ tbar).tocsr()
        s = scale_h[g]
        V = np.asarray(c.multiply(c).T @ s).ravel()
        if adjust:
            # a lonely PSU's deviation is from the grand mean of the stage's PSU totals
            centre = np.asarray(U.sum(axis=0)).ravel() / g.size
            lone = np.flatnonzero(lonely[g])
            tl, sl = t[lone], s[lone]
            V = V + (np.asarray(tl.multiply(tl).T @ sl).ravel()
                     - 2 * centre * np.asarray(tl.T @ sl).ravel() + centre ** 2 * sl.sum())
    else:
        t = stage.P @ U                                         # n_psu x k
        t = t.toarray() if sp.issparse(t) else np.asarray(t)
        tbar = (stage.G @ t) / n_h[:, None]
        c = t - tbar[g]
        if adjust:
            centre = np.asarray(U.sum(axis=0)).ravel() / g.size
            lone_psu = lonely[g]
            c[lone_psu] = t[lone_psu] - centre
        s = scale_h[g]
        V = (c * s[:, None]).T @ c
    if lonely.any() and lonely_psu == "average" and first:
        n_strata = stage.n_h.size
        n_ok = n_strata - int(lonely.sum())
        V = V * n_strata / n_ok
    return V


def recvar(stages: list[Stage], U, lonely_psu: str = "fail", diag: bool = False) -> np.ndarray:
    """Multistage linearised variance of the total of ``U`` (R's ``svyrecvar``).

    Stage 1 always; later stages only when every stage has a population size (fpc), as in
    R's default (``survey.ultimate.cluster = FALSE``). ``diag``: variances only (1-D).
    """
    if sp.issparse(U):
        U = U.tocsc()
    elif diag:
        U = sp.csc_matrix(np.asarray(U, dtype=float))
    V = None
    for i, st in enumerate(stages):
        if i > 0 and st.N_h is None:
            break
        v = np.asarray(stage_variance(st, U, lonely_psu, first=(i == 0), diag=diag))
        V = v if V is None else V + v
        if stages[0].N_h is None:
            break
    return V if diag else np.atleast_2d(V)


# --- calibration: the residual (g-weight) linearisation ------------------------------------

@dataclass
class PostStrat:
    """Post-stratification step: cells, weights before and after (R's ``postStratify``)."""

    codes: np.ndarray
    oldw: np.ndarray
    neww: np.ndarray

    def residualise(self, U: np.ndarray) -> np.ndarray:
        # U_i - w_i * (old-weighted cell mean of U/w): residuals from the cell means
        ncell = int(self.codes.max()) + 1
        if sp.issparse(U):  # stays sparse: cells meet few domains
            M = sp.csr_matrix((np.ones(self.codes.size), (self.codes, np.arange(self.codes.size))),
                              shape=(ncell, self.codes.size))
            den = np.bincount(self.codes, weights=self.oldw, minlength=ncell)
            num = M @ sp.csr_matrix(U).multiply((self.oldw / self.neww)[:, None])
            mean = sp.diags(1.0 / den) @ sp.csr_matrix(num)
            return (sp.csr_matrix(U) - sp.diags(self.neww) @ (M.T @ mean)).tocsc()
        num = _groupsum(U * (self.oldw / self.neww)[:, None], self.codes, ncell)
        den = np.bincount(self.codes, weights=self.oldw, minlength=ncell)
        return U - (num / den[:, None])[self.codes] * self.neww[:, None]


@dataclass
class Raking:
    """Raking step: the margins of the final sweep with the weights after each margin."""

    margins: list  # list of (codes, weights_after_this_margin)

    def residualise(self, U: np.ndarray) -> np.ndarray:
        # as R's svyrecvar: ten backfitting sweeps over the margins
        U = U.copy()
        for _ in range(10):
            for codes, psw in self.margins:
                ncell = int(codes.max()) + 1
                z = U / psw[:, None]
                m = _groupsum(z, codes, ncell) / np.bincount(codes, minlength=ncell)[:, None]
                U = U - psw[:, None] * m[codes]
        return U


@dataclass
class Greg:
    """Linear (GREG) calibration: residuals of the weighted regression on the auxiliaries."""

    X: np.ndarray       # n x q auxiliaries
    oldw: np.ndarray
    g: np.ndarray

    def residualise(self, U: np.ndarray) -> np.ndarray:
        sw = np.sqrt(self.oldw)
        A = self.X * sw[:, None]
        scale = (self.g * sw)[:, None]
        b = U / scale
        coef, *_ = np.linalg.lstsq(A, b, rcond=None)
        return (b - A @ coef) * scale


def _groupsum(X: np.ndarray, codes: np.ndarray, ncell: int) -> np.ndarray:
    M = sp.csr_matrix((np.ones(codes.size), (codes, np.arange(codes.size))),
                      shape=(ncell, codes.size))
    return np.asarray(M @ X)


def residualise(steps: list, U):
    """Apply the calibration steps in the order they were made."""
    if not steps:
        return U
    if sp.issparse(U) and all(isinstance(s, PostStrat) for s in steps):
        for s in steps:
            U = s.residualise(U)
        return U
    U = U.toarray() if sp.issparse(U) else np.asarray(U, dtype=float)
    for s in steps:
        U = s.residualise(U)
    return U


# --- replicate weights ----------------------------------------------------------------------

def svrvar(thetas: np.ndarray, full: np.ndarray, scale: float, rscales: np.ndarray,
           mse: bool = False) -> np.ndarray:
    """Replicate variance (R's ``svrVar``).

    V = scale * sum_r rscales_r (theta_r - c)(theta_r - c)', c the mean of the replicates
    (``mse=False``, R's default) or the full-sample estimate (``mse=True``).
    """
    thetas = np.atleast_2d(thetas)
    centre = full if mse else thetas[rscales > 0].mean(axis=0)
    d = thetas - centre
    return scale * (d * rscales[:, None]).T @ d


def jk1_factors(n_psu: int, fpc_factor: float):
    """JK1 delete-one-PSU factors (n_psu x n_psu), scale f (n-1)/n."""
    A = np.full((n_psu, n_psu), n_psu / (n_psu - 1))
    np.fill_diagonal(A, 0.0)
    return A, fpc_factor * (n_psu - 1) / n_psu, np.ones(n_psu)


def jkn_factors(psu_stratum: np.ndarray, f_h: np.ndarray, lonely_psu: str, labels):
    """JKn: delete one PSU within its stratum, rescale the others of that stratum.

    rscales_r = f_h (n_h - 1)/n_h; scale 1. Strata sampled exhaustively (f_h = 0) give no
    replicate; a lonely stratum follows ``lonely_psu`` as R's ``jknweights``.
    """
    n_psu = psu_stratum.size
    n_strata = f_h.size
    cols, rsc = [], []
    for h in range(n_strata):
        members = np.flatnonzero(psu_stratum == h)
        nh = members.size
        if f_h[h] <= 1e-7:
            continue
        if nh == 1:
            if lonely_psu in ("fail", "average"):
                # R's JKn 'average' rescaling is not reproduced here: refuse rather than differ
                raise InputError(f"stratum {labels[h]!r} has only one PSU (JKn replicates)",
                                 column="lonely_psu", expected="'adjust', 'remove' or "
                                 "'certainty' for JKn with a lonely PSU", found=lonely_psu)
            if lonely_psu == "adjust":
                col = np.full(n_psu, n_strata / (n_strata - 1))
                col[members] = 0.0
                cols.append(col)
                rsc.append((n_strata - 1) / n_strata)
            continue
        for j in members:
            col = np.ones(n_psu)
            col[members] = nh / (nh - 1)
            col[j] = 0.0
            cols.append(col)
            rsc.append(f_h[h] * (nh - 1) / nh)
    A = np.column_stack(cols) if cols else np.ones((n_psu, 0))
    return A, 1.0, np.asarray(rsc)


def bootstrap_factors(psu_stratum: np.ndarray, N_h: np.ndarray | None, replicates: int,
                      rng: np.random.Generator):
    """Canty-Davison bootstrap (R's ``bootweights``): resample n_h PSUs in each stratum.

    With replacement; with a population size N_h, n_h draws without replacement from the
    PSUs repeated up to N_h (a without-replacement bootstrap). scale = nbar / ((nbar - 1)
    (R - 1)), nbar the harmonic mean of the n_h; rscales 1.
    """
    n_psu = psu_stratum.size
    n_strata = int(psu_stratum.max()) + 1
    A = np.zeros((n_psu, replicates))
    counts = np.bincount(psu_stratum, minlength=n_strata)
    for h in range(n_strata):
        members = np.flatnonzero(psu_stratum == h)
        nh = members.size
        if N_h is None:
            draws = rng.integers(0, nh, size=(replicates, nh))
        else:
            Nh = int(round(N_h[h]))
            pool = np.resize(np.arange(nh), Nh)
            draws = np.stack([pool[rng.permutation(Nh)[:nh]] for _ in range(replicates)])
        for r in range(replicates):
            A[members, r] = np.bincount(draws[r], minlength=nh)
    nbar = 1.0 / np.mean(1.0 / counts)
    scale = nbar / ((nbar - 1.0) * (replicates - 1.0))
    return A, scale, np.ones(replicates)
