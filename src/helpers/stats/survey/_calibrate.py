"""Calibration of weights: post-stratification, raking, linear (GREG) calibration.

Each function works on a weight matrix ``W`` (n rows x c columns: the sampling weights and,
for a replicate design, every replicate), so a replicate design is calibrated replicate by
replicate, as R's ``postStratify``/``rake``/``calibrate`` do for ``svrepdesign`` objects.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ...errors import InputError


def cell_codes(data: pd.DataFrame, cols: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Integer cell code per row and the table of cells (one row per code)."""
    for c in cols:
        if data[c].isna().any():
            rows = np.flatnonzero(data[c].isna().to_numpy())[:5]
            raise InputError("calibration variable has missing values", column=c,
                             expected="a value on every row", found=f"missing at rows {list(rows)}")
    codes, uniques = pd.MultiIndex.from_frame(data[cols]).factorize()
    cells = uniques.to_frame(index=False)
    cells.columns = cols
    return np.asarray(codes, dtype=np.intp), cells


def population_counts(cells: pd.DataFrame, cols: list[str], population) -> np.ndarray:
    """Population count per sample cell from a DataFrame of cells or a dict."""
    if isinstance(population, dict):
        keys = list(population)
        if len(cols) == 1:
            pop = pd.DataFrame({cols[0]: keys, "_N": list(population.values())})
        else:
            pop = pd.DataFrame(keys, columns=cols)
            pop["_N"] = list(population.values())
    elif isinstance(population, pd.Series):
        pop = population.rename("_N").reset_index()
        pop.columns = cols + ["_N"]
    elif isinstance(population, pd.DataFrame):
        missing = [c for c in cols if c not in population.columns]
        if missing:
            raise InputError("population table lacks a calibration column", column=missing[0],
                             expected=f"columns {cols} plus one count column",
                             found=list(population.columns))
        other = [c for c in population.columns if c not in cols]
        if len(other) != 1:
            raise InputError("population table needs exactly one count column",
                             expected=f"columns {cols} plus one count column (e.g. 'Freq')",
                             found=list(population.columns))
        pop = population[cols + other].rename(columns={other[0]: "_N"})
    else:
        raise InputError("population must be a DataFrame of cells with a count column or a dict",
                         found=type(population).__name__)
    if pop.duplicated(cols).any():
        raise InputError("population table has a cell twice", expected="one row per cell",
                         found=pop.loc[pop.duplicated(cols), cols].iloc[0].tolist())
    # compare keys as strings so 1 and "1" from YAML/CSV still match
    key = lambda d: pd.MultiIndex.from_frame(d[cols].astype(str))  # noqa: E731
    idx = key(pop).get_indexer(key(cells))
    if (idx < 0).any():
        bad = cells.loc[idx < 0].iloc[0].tolist()
        raise InputError("a sample cell is absent from the population table", expected="a count for "
                         "every cell present in the sample", found=bad)
    inv = key(cells).get_indexer(key(pop))
    absent = (inv < 0) & (pop["_N"].to_numpy(dtype=float) > 0)
    if absent.any():
        raise InputError("a population cell has no respondent in the sample", expected="at least "
                         "one sampled row in every population cell (or merge cells)",
                         found=pop.loc[absent, cols].iloc[0].tolist())
    N = pop["_N"].to_numpy(dtype=float)[idx]
    if not np.all(np.isfinite(N)) or (N <= 0).any():
        raise InputError("population counts must be positive numbers", found=N[~(N > 0)][:3].tolist())
    return N


def _indicator(codes: np.ndarray, ncell: int) -> sp.csr_matrix:
    return sp.csr_matrix((np.ones(codes.size), (codes, np.arange(codes.size))),
                         shape=(ncell, codes.size))


def poststratify_weights(W: np.ndarray, codes: np.ndarray, N: np.ndarray) -> np.ndarray:
    """w_i N_c / sum_{j in c} w_j for every column of W."""
    C = _indicator(codes, N.size)
    tot = np.asarray(C @ W)
    return W * (N[:, None] / tot)[codes]


def rake_weights(W: np.ndarray, margins: list[tuple[np.ndarray, np.ndarray]], tol: float,
                 max_iter: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """Iterative proportional fitting to every margin, for every column of W.

    Converged when max_c |sum_{i in c} w_i - N_c| / N_c < tol over all margin cells.
    Returns the weights and, per margin, the first column's weights after that margin's step
    in the final sweep (what the linearisation needs, as in R's ``rake``).
    """
    inds = [(_indicator(codes, N.size), codes, N) for codes, N in margins]
    after = []
    for it in range(max_iter):
        after = []
        for C, codes, N in inds:
            tot = np.asarray(C @ W)
            W = W * (N[:, None] / tot)[codes]
            after.append(W[:, 0].copy())
        dev = max(float(np.max(np.abs(np.asarray(C @ W) - N[:, None]) / N[:, None]))
                  for C, codes, N in inds)
        if dev < tol:
            return W, after
    raise InputError(f"raking did not converge after {max_iter} iterations "
                     f"(largest relative margin error {dev:.3g})",
                     expected=f"relative error < {tol:g}; check that the margins agree on the "
                     "population total and that no sample cell is empty")


def greg_weights(W: np.ndarray, X: np.ndarray, totals: np.ndarray) -> np.ndarray:
    """Linear calibration: g_i = 1 + x_i' T^{-1} (t_x - that_x), T = sum w x x'."""
    out = np.empty_like(W)
    for j in range(W.shape[1]):
        w = W[:, j]
        T = (X * w[:, None]).T @ X
        lam = np.linalg.solve(T, totals - X.T @ w)
        out[:, j] = w * (1.0 + X @ lam)
    return out
