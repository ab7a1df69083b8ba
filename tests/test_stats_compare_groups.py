"""compare_groups: behaviour on realistic and degenerate input."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.errors import InputError
from helpers.stats import compare_groups, descriptives, welch_anova


def clustered(n=1500, n_units=30, seed=1, sd_types=None):
    rng = np.random.default_rng(seed)
    unit = rng.integers(0, n_units, n)
    types = np.array(["dinas", "kecamatan", "puskesmas"])[unit % 3]
    shift = {"dinas": 0.0, "kecamatan": 0.3, "puskesmas": 0.6}
    y = np.array([shift[t] for t in types]) + rng.normal(0, 0.2, n_units)[unit] + rng.normal(0, 1, n)
    if sd_types:
        y = y * np.array([sd_types[t] for t in types])
    return pd.DataFrame({"y": y, "unit_type": types, "unit_id": unit, "age": rng.normal(40, 8, n),
                         "sex": rng.choice(["L", "P"], n)})


def test_full_result_on_clustered_data():
    d = clustered()
    r = compare_groups(d, "y", "unit_type", cluster="unit_id", covariates=["age", "sex"])
    assert r.ok and list(r.descriptives["group"]) == ["dinas", "kecamatan", "puskesmas"]
    assert set(r.omnibus["test"]) == {"anova", "welch", "kruskal"}
    assert r.omnibus["primary"].sum() == 1
    # the planted effect (0 / 0.3 / 0.6 SD) is found, puskesmas highest
    assert r.primary["p"] < 1e-6
    assert r.reading_en.startswith("Scores differ by unit_type") and "highest puskesmas" in r.reading_en
    assert "tertinggi puskesmas" in r.reading_id and "," in r.reading_id  # decimal comma
    # cluster-robust CIs are wider than the naive s / sqrt(n) ones when units differ
    naive = descriptives(d, "y", "unit_type")
    assert (r.descriptives["ci_high"] - r.descriptives["ci_low"]).gt(
        naive["ci_high"] - naive["ci_low"]).all()
    assert r.icc is not None and 0 < r.icc.iloc[0]["icc1"] < 0.2
    assert r.descriptives["emm"].notna().all()
    assert {"fixed", "variance"} <= set(r.model["kind"])


def test_welch_and_games_howell_when_variances_differ():
    d = clustered(sd_types={"dinas": 0.5, "kecamatan": 1.0, "puskesmas": 3.0})
    r = compare_groups(d, "y", "unit_type")
    assert r.primary["test"] == "welch"
    assert set(r.posthoc["test"]) == {"games_howell", "dunn"}
    assert not r.assumptions.set_index("check").loc["equal_variances", "ok"]


def test_classic_anova_and_tukey_when_variances_equal():
    rng = np.random.default_rng(5)
    d = pd.DataFrame({"y": rng.normal(0, 1, 600), "g": np.repeat(["a", "b", "c"], 200)})
    r = compare_groups(d, "y", "g")
    assert r.primary["test"] == "anova"
    assert set(r.posthoc["test"]) == {"tukey", "dunn"}
    assert "No clear difference" in r.reading_en


def test_descriptives_without_cluster_equal_t_interval():
    # unweighted, no cluster: CI = mean -+ t_{n-1} s / sqrt(n)
    y = np.array([1.0, 2.0, 4.0, 7.0, 11.0])
    d = pd.DataFrame({"y": y, "g": "a"})
    r = descriptives(d, "y", "g").iloc[0]
    half = 2.776445105 * y.std(ddof=1) / np.sqrt(5)  # qt(.975, 4) = 2.776445
    assert r["ci_low"] == pytest.approx(5.0 - half, rel=1e-8)


def test_small_groups_left_out_with_note():
    d = clustered()
    d.loc[d.index[:3], "unit_type"] = "rsud"
    r = compare_groups(d, "y", "unit_type", min_n=5)
    assert r.excluded == ["rsud"] and "rsud (n=3)" in r.notes[0]
    assert "rsud" not in set(r.posthoc["group_a"]) | set(r.posthoc["group_b"])


@pytest.mark.parametrize("case", ["one_group", "constant", "all_missing"])
def test_degenerate_input_gives_message_not_crash(case):
    d = clustered(n=200)
    if case == "one_group":
        d["unit_type"] = "dinas"
    elif case == "constant":
        d["y"] = 3.0
    else:
        d["y"] = np.nan
    r = compare_groups(d, "y", "unit_type", cluster="unit_id")
    assert not r.ok and r.notes
    assert r.omnibus.empty and r.reading_en.startswith("No comparison possible")
    assert r.reading_id.startswith("Perbandingan tidak dapat dilakukan")


def test_bad_column_and_zero_variance_raise_input_error():
    d = clustered(n=200)
    with pytest.raises(InputError, match="column 'nope'"):
        compare_groups(d, "nope", "unit_type")
    d2 = pd.DataFrame({"y": [1.0, 1, 1, 2, 3, 4], "g": list("aaabbb")})
    with pytest.raises(InputError, match="no variance"):
        welch_anova(d2, "y", "g")


def test_descriptives_without_intervals_match_a_plain_groupby():
    # the bincount path (ci=False) against pandas' own groupby, with weights, missing
    # values and a group with a single respondent (SD undefined)
    d = clustered(n=400, seed=3)
    d["w"] = np.random.default_rng(3).uniform(0.5, 2.0, len(d))
    d.loc[::17, "y"] = np.nan
    d.loc[5, "unit_type"] = "rsud"  # one respondent
    got = descriptives(d, "y", "unit_type", cluster="unit_id", weights="w", ci=False)
    x = d.dropna(subset=["y", "unit_type"])
    g = x.groupby("unit_type")
    want = pd.DataFrame({"n": g.size(), "mean": g.apply(lambda t: np.average(t["y"], weights=t["w"])),
                         "sd": g["y"].std(ddof=1), "n_clusters": g["unit_id"].nunique()})
    got = got.set_index("group")
    assert list(got.index) == ["dinas", "kecamatan", "puskesmas", "rsud"]
    np.testing.assert_array_equal(got["n"], want.loc[got.index, "n"])
    np.testing.assert_array_equal(got["n_clusters"], want.loc[got.index, "n_clusters"])
    np.testing.assert_allclose(got["mean"], want.loc[got.index, "mean"], rtol=1e-12)
    np.testing.assert_allclose(got["sd"].iloc[:3], want.loc[got.index[:3], "sd"], rtol=1e-12)
    assert np.isnan(got.loc["rsud", "sd"]) and got[["se", "ci_low", "ci_high"]].isna().all().all()


def test_tests_share_one_split_and_keep_their_own_checks():
    from helpers.stats._prep import prepare, shared_groups

    d = clustered(n=60, seed=4)
    with shared_groups(d, "y", "unit_type"):
        a = prepare(d, "y", "unit_type", min_n=1)
        assert prepare(d, "y", "unit_type", min_n=2) is a  # split once
        with pytest.raises(InputError, match="groups too small"):
            prepare(d, "y", "unit_type", min_n=100)  # each test's own minimum still applies
        assert prepare(d.copy(), "y", "unit_type") is not a  # another frame: its own split
    assert prepare(d, "y", "unit_type") is not a  # outside the block nothing is shared


def test_shared_icc_is_used_only_when_no_row_is_left_out():
    from helpers.stats.reliability import icc1

    d = clustered(n=600, seed=5)
    shared = icc1(d, "y", "unit_id").assign(icc1=0.123)  # marked, to see which one is used
    r = compare_groups(d, "y", "unit_type", cluster="unit_id", mixed=False, icc=shared)
    assert r.icc.iloc[0]["icc1"] == 0.123
    d.loc[:9, "unit_type"] = np.nan  # ten rows without a group: their own ICC
    r = compare_groups(d, "y", "unit_type", cluster="unit_id", mixed=False, icc=shared)
    assert r.icc.iloc[0]["icc1"] == pytest.approx(icc1(d.dropna(subset=["unit_type"]), "y", "unit_id").iloc[0]["icc1"])


def _emm_by_grid(fit_d: pd.DataFrame, group: str, cats: list[str], nums: list[str], fit) -> np.ndarray:
    """EMMs as the reference grid defines them (emmeans): every level of ``group``
    crossed with every level of each categorical covariate, numeric covariates at
    their mean, treatment-coded rows averaged with equal weights per level."""
    levels = sorted(fit_d[group].astype(str).unique())
    grid = pd.DataFrame({group: levels})
    for c in cats:
        grid = grid.merge(pd.DataFrame({c: sorted(fit_d[c].astype(str).unique())}), how="cross")
    beta = fit.fixed.set_index("term")["estimate"]
    x = np.ones(len(grid)) * beta["Intercept"]
    for c in [group, *cats]:
        for lev in sorted(fit_d[c].astype(str).unique())[1:]:
            x = x + (grid[c] == lev).to_numpy() * beta.get(f"C({c})[T.{lev}]", 0.0)
    for c in nums:
        x = x + fit_d[c].mean() * beta[c]
    return pd.Series(x).groupby(grid[group].to_numpy()).mean().loc[levels].to_numpy()


def test_emm_rows_equal_the_averaged_reference_grid():
    from helpers.stats import mixed_model

    d = clustered(n=900, n_units=24, seed=5)
    rng = np.random.default_rng(2)
    d["education"] = rng.choice(["S1", "S2", "SMA", "D3"], len(d))
    d["y"] = d["y"] + (d["education"] == "S2") * 0.4 + (d["sex"] == "P") * 0.2
    fit = mixed_model(d, "y", "unit_type", "unit_id", ["age", "sex", "education"])
    want = _emm_by_grid(d, "unit_type", ["sex", "education"], ["age"], fit)
    np.testing.assert_allclose(fit.emm["emm"].to_numpy(), want, rtol=1e-12)
    # without covariates the EMMs are the fixed-effect cell predictions
    plain = mixed_model(d, "y", "unit_type", "unit_id")
    b = plain.fixed.set_index("term")["estimate"]
    np.testing.assert_allclose(plain.emm["emm"], [b["Intercept"], b["Intercept"] + b["C(unit_type)[T.kecamatan]"],
                                                  b["Intercept"] + b["C(unit_type)[T.puskesmas]"]], rtol=1e-12)


def test_normality_false_keeps_the_tests_and_only_the_variance_check():
    d = clustered(sd_types={"dinas": 1.0, "kecamatan": 1.0, "puskesmas": 2.5})
    full = compare_groups(d, "y", "unit_type", cluster="unit_id", mixed=False)
    short = compare_groups(d, "y", "unit_type", cluster="unit_id", mixed=False, normality=False)
    pd.testing.assert_frame_equal(short.omnibus, full.omnibus)
    pd.testing.assert_frame_equal(short.posthoc, full.posthoc)
    assert list(short.assumptions["check"]) == ["equal_variances"]
    pd.testing.assert_frame_equal(short.assumptions, full.assumptions.iloc[:1][short.assumptions.columns])
    assert short.reading_en == full.reading_en


def _reading_by_rows(res, label, alpha=0.05):
    """The reading as built from row selections before stage 03 used arrays."""
    from helpers.stats.readings import reading
    from helpers.vocabulary import EFFECT_SYMBOLS, POSTHOC_FOR, statistic_symbol

    pr = res.primary
    means = res.primary_means if res.primary_means is not None else res.descriptives
    desc = means.dropna(subset=["mean"])
    top, bot = desc.loc[desc["mean"].idxmax()], desc.loc[desc["mean"].idxmin()]
    ph = res.posthoc[res.posthoc["test"] == POSTHOC_FOR.get(pr["test"], "dunn")]
    m = ph[((ph["group_a"] == top["group"]) & (ph["group_b"] == bot["group"]))
           | ((ph["group_a"] == bot["group"]) & (ph["group_b"] == top["group"]))]
    ci = (float(m["ci_low"].iloc[0]), float(m["ci_high"].iloc[0])) if len(m) and pr["test"] != "kruskal" else None
    return reading(label, statistic_symbol(pr["test"]), float(pr["statistic"]), float(pr["df1"]),
                   float(pr["df2"]), float(pr["p_adj"]), float(pr["effect_size"]),
                   EFFECT_SYMBOLS[pr["effect_name"]], (str(top["group"]), float(top["mean"])),
                   (str(bot["group"]), float(bot["mean"])), ci, alpha=alpha)


@pytest.mark.parametrize("primary", ["anova", "welch", "kruskal"])
def test_reading_from_arrays_equals_the_row_definition(primary):
    from helpers.stats.compare_groups import make_reading

    d = clustered(sd_types={"dinas": 1.0, "kecamatan": 1.0, "puskesmas": 2.5} if primary == "welch" else None)
    d["unit_type"] = pd.Categorical(d["unit_type"], categories=["puskesmas", "dinas", "kecamatan"])
    res = compare_groups(d, "y", "unit_type", cluster="unit_id", mixed=False)
    if primary == "kruskal":  # as when the parametric tests could not run
        res.omnibus = res.omnibus.assign(primary=res.omnibus["test"].eq("kruskal"))
    assert res.primary["test"] == primary
    # a tie for the lowest mean: the first group in the table order is named, as idxmin did
    res.descriptives.loc[2, "mean"] = res.descriptives["mean"].min()
    assert make_reading(res, "unit type") == _reading_by_rows(res, "unit type")
    res.primary_means = pd.DataFrame({"group": ["dinas", "kecamatan", "puskesmas"], "mean": [0.5, np.nan, 0.1]})
    assert make_reading(res, "unit type") == _reading_by_rows(res, "unit type")
