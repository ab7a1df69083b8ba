"""Monte Carlo uncertainty and Sobol' sensitivity (helpers.indices.uncertainty).

The estimators are checked against closed-form indices (Ishigami; a linear
additive model), the engine on small frames whose answers are known."""
import numpy as np
import pandas as pd
import pytest
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import sobol as sobol_sample

from helpers.errors import ConfigError
from helpers.indices.spec import UncertaintySpec, load_spec
from helpers.indices.uncertainty import brief_summary, monte_carlo, sobol_indices

N = 2**13


def ishigami(x, a=7.0, b=0.1):
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


ISHIGAMI = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}


def test_ishigami_first_and_total_order_to_two_decimals():
    x = sobol_sample.sample(ISHIGAMI, N, calc_second_order=False, seed=1)
    si = sobol_indices(ISHIGAMI, ishigami(x), resamples=100, seed=1)
    # analytic values (Ishigami & Homma 1990; Saltelli et al. 2008, ch. 4)
    np.testing.assert_allclose(si["S1"], [0.3139, 0.4424, 0.0], atol=0.01)
    np.testing.assert_allclose(si["ST"], [0.5576, 0.4424, 0.2437], atol=0.01)
    assert (si["ST_ci_low"] < si["ST"]).all() and (si["ST"] < si["ST_ci_high"]).all()


def test_vectorised_estimator_matches_salib_analyze():
    x = sobol_sample.sample(ISHIGAMI, 1024, calc_second_order=False, seed=3)
    y = ishigami(x)
    ref = sobol_analyze.analyze(ISHIGAMI, y, calc_second_order=False, num_resamples=50, seed=5)
    two = sobol_indices(ISHIGAMI, np.column_stack([y, 3 * y + 1]), resamples=50, seed=5)
    for out in (0, 1):  # an affine copy of the output has the same indices
        si = two[two["output"] == out]
        np.testing.assert_allclose(si["S1"], ref["S1"], atol=1e-12)
        np.testing.assert_allclose(si["ST"], ref["ST"], atol=1e-12)
        np.testing.assert_allclose(si["ST_ci_high"] - si["ST"], ref["ST_conf"], rtol=1e-9)


def test_linear_additive_model_closed_form():
    # Y = sum a_i X_i, X_i ~ U(0, 1): S1_i = ST_i = a_i^2 / sum a_j^2
    a = np.array([1.0, 2.0, 3.0, 0.5])
    prob = {"num_vars": 4, "names": list("abcd"), "bounds": [[0, 1]] * 4}
    x = sobol_sample.sample(prob, N, calc_second_order=False, seed=2)
    si = sobol_indices(prob, x @ a)
    expect = a**2 / (a**2).sum()
    np.testing.assert_allclose(si["S1"], expect, atol=0.01)
    np.testing.assert_allclose(si["ST"], expect, atol=0.01)


def test_constant_output_has_no_indices():
    x = sobol_sample.sample(ISHIGAMI, 64, calc_second_order=False, seed=1)
    si = sobol_indices(ISHIGAMI, np.ones(len(x)))
    assert si["S1"].isna().all() and si["ST"].isna().all()


# ----------------------------------------------------------------------------- engine

SPEC = {"id": "toy", "scale": {"min": 1, "max": 4},
        "categories": {"round": 2, "bands": [{"id": "lo", "min": 1, "label": "Lo"},
                                             {"id": "mid", "min": 2, "label": "Mid"},
                                             {"id": "hi", "min": 3, "label": "Hi"}]},
        "index": {"aggregation": "mean", "min_share": 1.0,
                  "children": [{"id": "a", "items": ["a1"]}, {"id": "b", "items": ["b1"]},
                               {"id": "c", "items": ["c1"]}]}}


def frame(units: dict[str, list[tuple[float, float, float]]], weight: float | None = None, region="r1"):
    rows = []
    for u, vals in units.items():
        for v in vals:
            rows.append({"wave": 2023, "region_id": region, "unit_id": u, "unit_type": f"t_{u}",
                         "a": v[0], "b": v[1], "c": v[2],
                         "weight": (weight if weight is not None else np.nan)})
    df = pd.DataFrame(rows)
    df["overall"] = df[["a", "b", "c"]].mean(axis=1)
    return df


def only(**on) -> UncertaintySpec:
    u = UncertaintySpec(n=256, seed=11, sensitivity=False, weights=None, aggregation=None, normalisation=None,
                        leave_one_out=False, min_share=None, band_edges=None, survey_weights=False, sampling=None)
    for k, v in on.items():
        setattr(u, k, v)
    return u


def test_identical_respondents_have_zero_sampling_width():
    rng = np.random.default_rng(0)
    df = frame({"same": [(2.5, 2.5, 2.5)] * 30,
                "varied": [tuple(rng.uniform(1, 4, 3)) for _ in range(30)]})
    res = monte_carlo(df, load_spec(SPEC), u=only(sampling={"method": "bootstrap", "fpc": False}))
    t = res.table.set_index(["level", "group"])
    same, varied = t.loc[("unit", "same")], t.loc[("unit", "varied")]
    assert same["score_p95"] - same["score_p05"] == pytest.approx(0.0, abs=1e-12)
    assert same["score_median"] == pytest.approx(2.5)
    assert varied["score_p95"] - varied["score_p05"] > 0.1


def test_bootstrap_se_matches_the_finite_population_formula():
    # Rao-Wu rescaled bootstrap: Var(mean) = (1 - f) s^2 / n for a stratum of n of N
    rng = np.random.default_rng(4)
    n_u, big_n = 40, 100
    vals = rng.normal(2.5, 0.5, n_u).clip(1, 4)
    df = frame({"u": [(v, v, v) for v in vals]}, weight=big_n / n_u)
    u = only(sampling={"method": "bootstrap", "fpc": True}, n=4000)
    res = monte_carlo(df, load_spec(SPEC), u=u)
    # the 90 % interval of a normal mean is +-1.645 SE
    t = res.table.set_index(["level", "group"]).loc[("unit", "u")]
    se = np.sqrt((1 - n_u / big_n) * vals.var(ddof=1) / n_u)
    assert (t["score_p95"] - t["score_p05"]) / (2 * 1.645) == pytest.approx(se, rel=0.08)


def test_big_gap_gives_rank_interval_of_width_zero():
    rng = np.random.default_rng(1)
    df = frame({"top": [tuple(rng.uniform(3.5, 4, 3)) for _ in range(20)],
                "low": [tuple(rng.uniform(1, 1.5, 3)) for _ in range(20)]})
    u = only(weights={"method": "uniform", "spread": 0.25}, aggregation=["arithmetic", "geometric"],
             leave_one_out=True, sampling={"method": "bootstrap", "fpc": False})
    t = monte_carlo(df, load_spec(SPEC), u=u).table.set_index(["level", "group"])
    for g, rank in (("top", 1), ("low", 2)):
        assert t.loc[("unit", g), "rank_p05"] == t.loc[("unit", g), "rank_p95"] == rank
    assert t.loc[("unit", "top"), "score_p95"] > t.loc[("unit", "top"), "score_p05"]


def test_equal_components_make_weights_irrelevant():
    rng = np.random.default_rng(2)
    df = frame({u: [(v, v, v) for v in rng.uniform(1, 4, 15)] for u in ("x", "y", "z")})
    t = monte_carlo(df, load_spec(SPEC), u=only(weights={"method": "dirichlet", "concentration": 5})).table
    np.testing.assert_allclose(t["score_p95"] - t["score_p05"], 0.0, atol=1e-12)
    np.testing.assert_allclose(t["baseline_score"], t["score_median"], atol=1e-12)


def test_baseline_is_the_weighted_mean_and_leave_one_out_is_exact():
    df = frame({"u1": [(1.0, 2.0, 4.0), (2.0, 2.0, 2.0)], "u2": [(3.0, 3.0, 3.0)]}, weight=2.0)
    res = monte_carlo(df, load_spec(SPEC), u=only(leave_one_out=True, n=512))
    t = res.table.set_index(["level", "group"])
    assert t.loc[("unit", "u1"), "baseline_score"] == pytest.approx((7 / 3 + 2) / 2)
    # without a: (3 + 2) / 2 = 2.5; without b: (2.5 + 2) / 2 = 2.25; without c: (1.5 + 2) / 2 = 1.75
    assert t.loc[("unit", "u1"), "score_p05"] == pytest.approx(1.75)
    assert t.loc[("unit", "u1"), "score_p95"] == pytest.approx(2.5)
    assert set(res.draws["leave_one_out"].dropna()) == {"a", "b", "c"}


def test_band_probabilities_and_sensitivity_of_the_region():
    rng = np.random.default_rng(3)
    df = frame({u: [tuple(rng.uniform(1.5, 3.5, 3)) for _ in range(25)] for u in "pqrs"}, weight=3.0)
    u = only(weights={"method": "uniform", "spread": 0.25}, sampling={"method": "bootstrap", "fpc": True},
             band_edges={"shift": 0.1}, sensitivity=True, n=512)
    res = monte_carlo(df, load_spec(SPEC), u=u)
    p = res.bands.groupby(["level", "group"])["p"].sum()
    np.testing.assert_allclose(p, 1.0)
    s = res.sensitivity[res.sensitivity["level"] == "region"].set_index("input")
    assert set(s.index) == {"weights", "sampling"}
    assert s["ST"].between(-0.05, 1.05).all()
    summ = brief_summary(res.table, res.sensitivity, "r1", "toy", 2023)
    assert summ["region"]["rank"]["median"] == 1
    assert summ["drivers"]["region_index"]["input"] in {"weights", "sampling"}
    assert set(summ["unit_types"]) == {"t_p", "t_q", "t_r", "t_s"}


def test_spec_block_is_validated():
    bad = {**SPEC, "uncertainty": {"weights": {"method": "gaussian"}}}
    with pytest.raises(ConfigError, match="weight perturbation"):
        load_spec(bad)
    with pytest.raises(ConfigError, match="did you mean"):
        load_spec({**SPEC, "uncertainty": {"seeds": 3}})
    ok = load_spec({**SPEC, "uncertainty": {"n": 64, "aggregation": False, "min_share": [0.5]}})
    assert ok.uncertainty.n == 64 and ok.uncertainty.aggregation is None and ok.uncertainty.min_share == [0.5]
    assert load_spec("ikd").uncertainty.seed == 20240601


def test_fixed_seed_reproduces_every_number():
    rng = np.random.default_rng(5)
    df = frame({u: [tuple(rng.uniform(1.5, 3.5, 3)) for _ in range(12)] for u in "pqr"}, weight=2.0)
    u = only(weights={"method": "uniform", "spread": 0.25}, leave_one_out=True, sensitivity=True, n=128,
             sampling={"method": "bootstrap", "fpc": True})
    a, b = monte_carlo(df, load_spec(SPEC), u=u), monte_carlo(df, load_spec(SPEC), u=u)
    pd.testing.assert_frame_equal(a.table, b.table)
    pd.testing.assert_frame_equal(a.sensitivity, b.sensitivity)
    u.seed = 12
    c = monte_carlo(df, load_spec(SPEC), u=u)
    assert not np.allclose(a.table["score_p95"], c.table["score_p95"])
