"""The units-as-replication and finite-population machinery of the briefs, each
checked against an independent computation: statsmodels' MixedLM (its own REML
code), textbook formulas worked by hand, or an exact identity."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.design import DesignSpec, census_weights, design_spec
from helpers.errors import InputError
from helpers.stats import alpha_cluster_ci, cronbach_alpha
from helpers.stats.clustered import type_comparison
from helpers.stats.linked import linked_change
from helpers.stats.mixed import mixed_model
from helpers.stats.ranking import unit_ranks


def clustered(n_units=24, per=30, types=("a", "b", "c"), tau=0.3, sigma=1.0, effects=(0.0, 0.5, 0.2), seed=3):
    rng = np.random.default_rng(seed)
    rows = []
    for u in range(n_units):
        t = types[u % len(types)]
        mu = dict(zip(types, effects))[t] + rng.normal(0, tau)
        n = per + int(rng.integers(-10, 10))
        rows += [{"unit": f"u{u}", "type": t, "y": mu + e} for e in rng.normal(0, sigma, n)]
    return pd.DataFrame(rows)


def test_emm_contrasts_match_statsmodels_mixedlm():
    import statsmodels.formula.api as smf

    d = clustered()
    res = type_comparison(d, "y", "type", "unit")
    ref = smf.mixedlm("y ~ C(type)", d, groups=d["unit"]).fit(reml=True)
    fe, cov = ref.fe_params, ref.cov_params()
    ph = res["posthoc"].set_index(["group_a", "group_b"])
    # b - a is the treatment coefficient of b
    assert ph.loc[("a", "b"), "diff"] == pytest.approx(-fe["C(type)[T.b]"], rel=1e-4)
    assert ph.loc[("a", "b"), "se"] == pytest.approx(np.sqrt(cov.loc["C(type)[T.b]", "C(type)[T.b]"]), rel=1e-3)
    v = cov.loc["C(type)[T.b]", "C(type)[T.b]"] + cov.loc["C(type)[T.c]", "C(type)[T.c]"] \
        - 2 * cov.loc["C(type)[T.b]", "C(type)[T.c]"]
    assert ph.loc[("b", "c"), "se"] == pytest.approx(np.sqrt(v), rel=1e-3)
    fit = res["fit"]
    assert fit.variance.set_index("component").loc["unit", "variance"] == pytest.approx(
        float(ref.cov_re.iloc[0, 0]), rel=1e-3)
    # units are the replication level: 24 units - 3 types; Holm over the 3 pairs
    om = res["omnibus"].iloc[0]
    assert om["df2"] == 24 - 3 and om["df1"] == 2 and fit.converged and not fit.boundary
    p = np.sort(res["posthoc"]["p"].to_numpy())
    holm = np.minimum(1, np.maximum.accumulate(p * (3 - np.arange(3))))
    np.testing.assert_allclose(np.sort(res["posthoc"]["p_adj"].to_numpy()), holm)
    # a Wald F of two tested types equals the square of their contrast's t
    two = type_comparison(d[d["type"] != "c"], "y", "type", "unit")
    assert two["omnibus"]["statistic"].iloc[0] == pytest.approx(two["posthoc"]["statistic"].iloc[0] ** 2)


def test_a_type_with_fewer_than_three_units_is_fitted_not_tested():
    d = clustered()
    d.loc[d["unit"] == "u0", "type"] = "single"  # one unit alone
    res = type_comparison(d, "y", "type", "unit")
    assert "single" in res["untested"] and "1 unit" in res["untested"]["single"]
    assert "single" not in set(res["posthoc"]["group_a"]) | set(res["posthoc"]["group_b"])
    assert res["omnibus"]["k"].iloc[0] == 3
    assert bool(res["emm"].set_index("group").loc["single", "tested"]) is False


def test_boundary_fit_is_flagged_not_hidden():
    rng = np.random.default_rng(0)
    d = pd.DataFrame({"unit": np.repeat([f"u{i}" for i in range(20)], 15), "y": rng.normal(0, 1, 300)})
    # no unit effect at all: the REML variance ratio goes to the lower bound
    d["y"] = d["y"] - d.groupby("unit")["y"].transform("mean") + 0.0
    fit = mixed_model(d, "y", None, "unit")
    assert fit.boundary and fit.doubtful and any("boundary" in n for n in fit.notes)
    assert fit.converged  # the optimiser itself succeeded


def test_empirical_bayes_scores_match_statsmodels_blups():
    import statsmodels.formula.api as smf

    d = clustered(types=("a",), effects=(0.0,))
    r = unit_ranks(d, "y", "unit", k=5).set_index("unit")
    ref = smf.mixedlm("y ~ 1", d, groups=d["unit"]).fit(reml=True)
    blup = {u: float(v.iloc[0]) for u, v in ref.random_effects.items()}
    mu = float(ref.fe_params["Intercept"])
    for u in ["u0", "u5", "u17"]:
        assert r.loc[u, "eb"] == pytest.approx(mu + blup[u], abs=2e-4)
    # shrinkage B = tau2 / (tau2 + sigma2 / n) by hand from the fitted variances
    tau2, s2 = r["tau2"].iloc[0], r["sigma2"].iloc[0]
    n0 = r.loc["u0", "n"]
    assert r.loc["u0", "shrinkage"] == pytest.approx(tau2 / (tau2 + s2 / n0))
    assert r["rank_low"].le(r["rank"]).all() and r["rank"].le(r["rank_high"]).all()
    assert r["p_lowest_k"].between(0, 1).all()


def test_a_unit_far_below_the_rest_is_robustly_lowest():
    d = clustered(types=("a",), effects=(0.0,))
    d.loc[d["unit"] == "u3", "y"] -= 3.0
    r = unit_ranks(d, "y", "unit", k=5)
    assert r.iloc[0]["unit"] == "u3" and r.iloc[0]["robust_lowest"] and r.iloc[0]["rank_high"] == 1
    # a unit in the middle of the table is never named
    assert not r.iloc[len(r) // 2]["robust_lowest"] and r.iloc[len(r) // 2]["p_lowest_k"] < 0.5


def _panel(overlap: float, seed=5):
    rng = np.random.default_rng(seed)
    units = [f"u{i}" for i in range(12)]
    before = pd.DataFrame({"person": [f"p{i}" for i in range(600)], "unit_id": rng.choice(units, 600)})
    before["y"] = rng.normal(2.2, 0.5, 600)
    k = int(overlap * 600)
    stay = before.iloc[:k].assign(y=lambda t: t["y"] + 0.1 + rng.normal(0, 0.2, k))
    new = pd.DataFrame({"person": [f"n{i}" for i in range(600 - k)], "unit_id": rng.choice(units, 600 - k),
                        "y": rng.normal(2.4, 0.5, 600 - k)})
    after = pd.concat([stay, new], ignore_index=True)
    return pd.concat([before.assign(wave=2022), after.assign(wave=2023)], ignore_index=True).assign(w=1.0)


def _strat_var(z: pd.Series, h: pd.Series) -> float:
    g = pd.DataFrame({"z": z, "h": h}).groupby("h")["z"]
    return float((g.size() / (g.size() - 1) * g.apply(lambda x: ((x - x.mean()) ** 2).sum())).sum())


def test_linked_change_without_overlap_is_the_sum_of_two_independent_variances():
    d = _panel(0.0)
    lc = linked_change(d, "y", "wave", "person", "unit_id", "w").set_index("measure")
    a, b = d[d["wave"] == 2023], d[d["wave"] == 2022]
    va = _strat_var((a["y"] - a["y"].mean()) / len(a), a["unit_id"])
    vb = _strat_var((b["y"] - b["y"].mean()) / len(b), b["unit_id"])
    assert lc.loc["workforce", "estimate"] == pytest.approx(a["y"].mean() - b["y"].mean())
    assert lc.loc["workforce", "se"] ** 2 == pytest.approx(va + vb, rel=1e-9)
    assert lc.loc["workforce", "n_linked"] == 0 and np.isnan(lc.loc["within_person", "estimate"])


def test_linked_change_with_full_overlap_is_the_paired_change():
    d = _panel(1.0)
    lc = linked_change(d, "y", "wave", "person", "unit_id", "w").set_index("measure")
    wide = d.pivot(index="person", columns="wave", values="y")
    diff = wide[2023] - wide[2022]
    units = d[d["wave"] == 2023].set_index("person")["unit_id"]
    assert lc.loc["workforce", "estimate"] == pytest.approx(diff.mean())
    assert lc.loc["within_person", "estimate"] == pytest.approx(diff.mean())
    # paired: the variance of the mean difference, persons stratified by unit
    v = _strat_var((diff - diff.mean()) / len(diff), units.reindex(diff.index))
    assert lc.loc["workforce", "se"] ** 2 == pytest.approx(v, rel=1e-9)
    assert lc.loc["workforce", "correlation"] > 0.8
    # the overlap shrinks the interval against treating the waves as independent
    a, b = d[d["wave"] == 2023], d[d["wave"] == 2022]
    indep = _strat_var((a["y"] - a["y"].mean()) / len(a), a["unit_id"]) \
        + _strat_var((b["y"] - b["y"].mean()) / len(b), b["unit_id"])
    assert lc.loc["workforce", "se"] ** 2 < indep / 3


def test_linked_change_decomposes_into_within_person_and_turnover():
    d = _panel(0.5)
    lc = linked_change(d, "y", "wave", "person", "unit_id", "w").set_index("measure")
    a, b = d[d["wave"] == 2023].set_index("person"), d[d["wave"] == 2022].set_index("person")
    both = a.index.intersection(b.index)
    s1 = len(both) / len(a)
    s0 = len(both) / len(b)
    # m1 - m0 = s1 m1_stay + (1 - s1) m1_new - s0 m0_stay - (1 - s0) m0_leave (exact)
    m1_stay, m0_stay = a.loc[both, "y"].mean(), b.loc[both, "y"].mean()
    new, leave = a.drop(both)["y"].mean(), b.drop(both)["y"].mean()
    assert lc.loc["workforce", "estimate"] == pytest.approx(
        s1 * m1_stay + (1 - s1) * new - s0 * m0_stay - (1 - s0) * leave)
    assert lc.loc["within_person", "estimate"] == pytest.approx(m1_stay - m0_stay)
    assert lc.loc["turnover", "estimate"] == pytest.approx(new - leave)


def test_post_stratification_cells_split_by_status_or_collapse():
    reg = pd.DataFrame({"unit_id": ["a", "b"], "unit_type": "dinas", "region_id": "r",
                        "headcount_pns": [10, 8], "headcount_pppk": [4, 2]})
    df = pd.DataFrame({"unit_id": ["a"] * 6 + ["b"] * 4, "wave": 2023,
                       "status": ["PNS"] * 4 + ["PPPK"] * 2 + ["PNS"] * 3 + ["PPPK"]})
    w = census_weights(df, reg, DesignSpec())
    # a: both cells have >= 2 respondents: 10/4 and 4/2; b: one PPPK respondent: one cell, 10/4
    assert w["weight"].tolist() == [2.5] * 4 + [2.0] * 2 + [2.5] * 4
    assert w["ps_cell"].tolist()[:6] == ["a|PNS"] * 4 + ["a|PPPK"] * 2 and set(w["ps_cell"][6:]) == {"b"}
    assert w.groupby(df["unit_id"])["weight"].sum().tolist() == [14.0, 10.0]  # headcounts
    assert w["fpc"].tolist() == [14.0] * 6 + [10.0] * 4


def test_design_block_is_validated():
    class S:
        path = "config/studies/x.yaml"

        def __init__(self, raw):
            self.raw = raw

        def option(self, *keys, default=None):
            v = self.raw
            for k in keys:
                if not isinstance(v, dict) or k not in v:
                    return default
                v = v[k]
            return v

    assert design_spec(S({})).type == "census"
    assert design_spec(S({"design": {"waves": {2022: {"min_cell_n": 5}}}}), 2022).min_cell_n == 5
    with pytest.raises(InputError, match="unknown key"):
        design_spec(S({"design": {"strta": "unit_id"}}))
    with pytest.raises(InputError, match="unknown design type"):
        design_spec(S({"design": {"type": "srs"}}))
    with pytest.raises(InputError, match="replicate design needs a method"):
        design_spec(S({"design": {"type": "replicate"}}))


def test_alpha_cluster_bootstrap_widens_with_clustering_and_keeps_the_estimate():
    rng = np.random.default_rng(1)
    n = 3000
    u = rng.integers(0, 60, n)
    f = rng.normal(0, 1, n) + rng.normal(0, 0.9, 60)[u]
    x = pd.DataFrame({f"i{j}": f + rng.normal(0, 1, n) for j in range(6)})
    x.iloc[::9, 2] = np.nan
    feldt = cronbach_alpha(x).iloc[0]
    clus = alpha_cluster_ci(x, u).iloc[0]
    alone = alpha_cluster_ci(x, np.arange(n)).iloc[0]
    assert clus["alpha"] == pytest.approx(feldt["alpha"], rel=1e-12)  # the same pairwise alpha
    # with one respondent per cluster the bootstrap agrees with Feldt's interval
    assert alone["ci_low"] == pytest.approx(feldt["ci_low"], abs=0.003)
    assert alone["ci_high"] == pytest.approx(feldt["ci_high"], abs=0.003)
    assert (clus["ci_high"] - clus["ci_low"]) > 1.5 * (feldt["ci_high"] - feldt["ci_low"])
