"""Item responses from a graded-response-like ordinal model, and calibration of
the area intercepts so that published area means hold on the clean rows.

Model (latent-response form of a graded response model): person ``i``'s latent
level in area ``a`` is ``theta_ia = g_i + d_ia`` (``g`` carries region, unit
type, unit and individual covariates, see :mod:`helpers.synth.people`); item
``j`` of area ``a`` gets ``y*_ij = a_j (theta_ia + delta_a - b_j) + e_ij`` with
``e ~ N(0, 1)``, and the response is ``1 + #{k : y*_ij > c_k}`` for the scale's
cut points ``c``. The area intercept ``delta_a`` is solved for by bisection with
every random draw held fixed, so the calibrated mean is met to within the
granularity of the data (Samejima 1969, graded response model; the probit
latent-response form as in Muthen 1984).
"""
from __future__ import annotations

import numpy as np

from .people import bisect

AREA_SD = 0.45  # person-specific deviation of each area from the general level
CUTS = {4: np.array([-1.3, 0.0, 1.3]), 5: np.array([-2.0, -0.8, 0.4, 1.6])}


def respond(theta: np.ndarray, item_area: np.ndarray, a: np.ndarray, b: np.ndarray,
            delta: np.ndarray, eps: np.ndarray, k: int) -> np.ndarray:
    """Responses ``1..k`` (int8, shape ``(n, items)``) for area latents ``theta``
    (``(n, areas)``), item areas (index into ``theta`` columns), loadings ``a``,
    difficulties ``b``, area intercepts ``delta`` and item noise ``eps``."""
    ystar = a * (theta[:, item_area] + delta[item_area] - b) + eps
    return (1 + (ystar[..., None] > CUTS[k]).sum(-1)).astype(np.int8)


def break_straightlines(y: np.ndarray, k: int) -> np.ndarray:
    """A genuine respondent whose every answer is the same would be caught by the
    straight-lining rule; move one answer by one step (a real person rarely rates
    45 statements identically) so that only injected straight-liners are flat."""
    flat = (y == y[:, :1]).all(1)
    if flat.any():
        col = y.shape[1] // 2
        y[flat, col] = np.where(y[flat, col] < k, y[flat, col] + 1, y[flat, col] - 1)
    return y


def calibrate(theta: np.ndarray, item_area: np.ndarray, a: np.ndarray, b: np.ndarray,
              eps: np.ndarray, k: int, keep: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Area intercepts such that the mean over rows of each area's mean of kept
    items equals ``targets`` (``keep``: boolean ``(n, items)``, False where the
    cleaning will set a cell missing or drop the row)."""
    rows = keep.any(1)
    deltas = np.zeros(theta.shape[1])
    for area in range(theta.shape[1]):
        cols = np.flatnonzero(item_area == area)
        kp = keep[np.ix_(rows, cols)]
        th, e = theta[rows][:, [area]], eps[np.ix_(rows, cols)]

        def mean_of(d, cols=cols, kp=kp, th=th, e=e):
            y = respond(th, np.zeros(len(cols), int), a[cols], b[cols], np.array([d]), e, k)
            return float(((y * kp).sum(1) / kp.sum(1)).mean())

        deltas[area] = bisect(mean_of, float(targets[area]))
    return deltas


def calibrate_shift(theta: np.ndarray, item_area: np.ndarray, a: np.ndarray, b: np.ndarray,
                    delta: np.ndarray, eps: np.ndarray, k: int, keep: np.ndarray, target: float) -> float:
    """One shift ``s`` added to every area intercept (``delta + s``) such that the
    mean of the area means over the kept rows (the overall index) equals ``target``."""
    rows = keep.any(1)
    th, e, kp = theta[rows], eps[rows], keep[rows]
    n_areas = theta.shape[1]

    def overall(s):
        y = respond(th, item_area, a, b, delta + s, e, k)
        return float(np.mean([((y[:, item_area == j] * kp[:, item_area == j]).sum(1)
                               / kp[:, item_area == j].sum(1)).mean() for j in range(n_areas)]))

    return bisect(overall, float(target), iters=40)
