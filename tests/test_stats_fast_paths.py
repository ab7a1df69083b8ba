"""Stage 03's array paths (session 6, issue 11) against the pandas definitions they
replace, on input where the two could part: missing values, unused and unsorted
categories, one-unit groups, ties, a wave missing for some units."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from helpers.stats import compare_groups
from helpers.stats._prep import group_codes, group_order, prepare
from helpers.stats.mixed import _text_codes, emm_contrasts, mixed_model
from helpers.stats.posthoc import _columns, _dunn, _tukey, dunn, stacked, tukey_hsd
from helpers.stats.survey import SurveyDesign
from helpers.stats.survey._estimators import _tq


def frame(n=900, seed=7):
    rng = np.random.default_rng(seed)
    unit = rng.integers(0, 30, n)
    d = pd.DataFrame({
        "y": np.round(rng.normal(2.5, 0.6, n) * 2) / 2,  # ties
        "unit_id": pd.Categorical([f"u{u:02d}" for u in unit]),
        "unit_type": pd.Categorical(np.array(["dinas", "badan", "setda"])[unit % 3],
                                    categories=["setda", "dinas", "badan", "rsud"]),  # unused, not sorted
        "sex": rng.choice(["P", "L"], n).astype(object),
        "age": rng.normal(40, 8, n),
        "weight": rng.uniform(1, 3, n),
        "wave": np.where(rng.random(n) < 0.5, 2022, 2023),
    })
    d.loc[rng.random(n) < 0.08, "y"] = np.nan
    d.loc[rng.random(n) < 0.05, "sex"] = None
    d.loc[rng.random(n) < 0.04, "age"] = np.nan
    d.loc[d.index[:3], "unit_type"] = "rsud"  # a three-row type: left out at min_n = 5
    return d


def test_group_codes_equal_a_categorical_over_the_group_order():
    d = frame()
    keep = d["y"].notna().to_numpy()
    for s in (d["unit_type"], d["sex"], d["wave"], d["unit_type"].astype(object)):
        for k in (None, keep):
            codes, labels = group_codes(s, k)
            want_labels = group_order(s if k is None else s[k])
            assert labels == want_labels
            np.testing.assert_array_equal(codes, pd.Categorical(s, categories=want_labels).codes)


def test_shared_ranks_equal_rankdata_with_ties():
    g = prepare(frame(), "y", "unit_type")
    r, t = g.ranks()
    np.testing.assert_array_equal(r, sps.rankdata(g.y))
    np.testing.assert_array_equal(t, np.unique(g.y, return_counts=True)[1])
    assert t.max() > 1  # the scores are tied
    assert g.ranks()[0] is r  # computed once


def test_text_codes_equal_a_categorical_of_the_text():
    d = frame()
    keep = d[["y", "sex"]].notna().all(axis=1).to_numpy()
    for s in (d["unit_type"], d["sex"], d["wave"], d["unit_id"]):
        codes, levels = _text_codes(s, keep)
        want = pd.Categorical(s[keep].astype(str))
        assert levels == list(want.categories)
        np.testing.assert_array_equal(codes, want.codes)


def test_mixed_model_on_categorical_codes_equals_the_text_columns():
    d = frame()
    d["status"] = pd.Categorical(np.where(np.arange(len(d)) % 4 == 0, "PPPK", "PNS"), categories=["PPPK", "PNS", "X"])
    text = d.assign(unit_type=d["unit_type"].astype(object), status=d["status"].astype(object))
    text = text.assign(unit_type=text["unit_type"].where(text["unit_type"].notna(), None))
    for covs in (None, ["age", "sex", "status"]):
        a = mixed_model(d, "y", "unit_type", "unit_id", covs)
        b = mixed_model(text, "y", "unit_type", "unit_id", covs)
        for f in ("fixed", "variance", "emm"):
            pd.testing.assert_frame_equal(getattr(a, f), getattr(b, f), rtol=1e-10)
        assert (a.n, a.n_clusters) == (b.n, b.n_clusters)
        # the complete rows only, as dropna on the model's columns
        assert a.n == int(d[["y", "unit_id", "unit_type", *(covs or [])]].notna().all(axis=1).sum())
    # EMM contrasts as arrays: one pair by hand
    fit = mixed_model(d, "y", "unit_type", "unit_id")
    c = emm_contrasts(fit)
    i, j = 0, 2
    est, v = fit.emm["emm"].to_numpy(), fit.emm_cov
    row = c[(c["group_a"] == fit.emm["group"][i]) & (c["group_b"] == fit.emm["group"][j])].iloc[0]
    se = np.sqrt(v[i, i] + v[j, j] - 2 * v[i, j])
    assert row["diff"] == pytest.approx(est[i] - est[j], rel=1e-12)
    assert row["se"] == pytest.approx(se, rel=1e-12)
    assert row["p"] == pytest.approx(2 * sps.t.sf(abs((est[i] - est[j]) / se), fit.df_between), rel=1e-10)
    assert emm_contrasts(fit, ["setda"]).empty


def test_stacked_posthoc_equals_concat_of_the_frames():
    d = frame().dropna(subset=["y"])
    d = d[d["unit_type"] != "rsud"]
    g = prepare(d, "y", "unit_type")
    got = stacked([_columns(*_tukey(g)), _columns(*_dunn(g, "holm"))])
    want = pd.concat([tukey_hsd(d, "y", "unit_type"), dunn(d, "y", "unit_type")], ignore_index=True)
    pd.testing.assert_frame_equal(got, want, check_exact=True)


def test_compare_groups_on_codes_equals_the_object_columns():
    d = frame()
    # categories in text order (the object column's order), one unused
    d["unit_type"] = pd.Categorical(d["unit_type"].astype(object), categories=["badan", "dinas", "rsud", "setda", "zz"])
    obj = d.assign(unit_type=d["unit_type"].astype(object).where(d["unit_type"].notna(), None))
    for kw in ({}, {"cluster": "unit_id", "weights": "weight", "mixed": False, "describe_ci": False}):
        a = compare_groups(d, "y", "unit_type", **kw)
        b = compare_groups(obj, "y", "unit_type", **kw)
        assert a.excluded == b.excluded == ["rsud"]
        assert a.notes == b.notes
        pd.testing.assert_frame_equal(a.omnibus, b.omnibus, rtol=1e-12)
        pd.testing.assert_frame_equal(a.posthoc, b.posthoc, rtol=1e-12)
        da, db = a.descriptives.assign(group=a.descriptives["group"].astype(str)), \
            b.descriptives.assign(group=b.descriptives["group"].astype(str))
        pd.testing.assert_frame_equal(da, db, rtol=1e-12)
    # the group order is the categorical's, without its unused and left-out levels
    assert list(compare_groups(frame(), "y", "unit_type").descriptives["group"]) == ["setda", "dinas", "badan"]
    # a text outcome is coerced as before
    c = compare_groups(d.assign(y=d["y"].astype(object)), "y", "unit_type")
    pd.testing.assert_frame_equal(c.omnibus, compare_groups(d, "y", "unit_type").omnibus)


def test_t_quantiles_equal_the_array_formula():
    df = np.array([3.0, 3.0, np.inf, 0.0, -1.0, np.nan, 12.5, 1.0])
    want = np.where(np.isinf(df), sps.norm.ppf(0.975), sps.t.ppf(0.975, np.where(df > 0, df, np.nan)))
    np.testing.assert_array_equal(_tq(0.95, df), want)
    assert _tq(0.9, 7.0).shape == () and float(_tq(0.9, 7.0)) == sps.t.ppf(0.95, 7.0)


def test_design_arrays_equal_the_design_tables():
    d = frame()
    d = d[d["unit_type"] != "rsud"].reset_index(drop=True)
    des = SurveyDesign(d, ids=["unit_id"], weights="weight", lonely_psu="adjust")
    sub = des.subset(d["sex"].notna().to_numpy())
    for pairs in (True, False):
        c = sub._compare_arrays("y", "unit_type", pairs=pairs)
        means, V = sub.domain_vcov("y", "unit_type")
        np.testing.assert_allclose(c["means"]["estimate"], means["estimate"], rtol=1e-13)
        np.testing.assert_allclose(c["V"], V.to_numpy(), rtol=1e-13)
        assert c["labels"] == list(V.index)
        if pairs:
            se = np.sqrt(np.diag(V)[c["ia"]] + np.diag(V)[c["ib"]] - 2 * V.to_numpy()[c["ia"], c["ib"]])
            np.testing.assert_allclose(c["pairs"]["se"], se, rtol=1e-13)
        else:
            assert len(c["ia"]) == 0
        cmp = sub.compare("y", "unit_type", pairs=pairs)
        assert cmp.wald["F"].iloc[0] == c["wald"][2] and len(cmp.pairs) == len(c["ia"])
    names, groups, cols = des._by_many_arrays(["y", "age"], "sex")
    by = des.by(["y", "age"], "sex")
    assert names == list(by["variable"]) and groups == list(by["sex"].astype(str))
    for col in ("estimate", "se", "ci_low", "ci_high", "df", "deff"):
        np.testing.assert_allclose(cols[col], by[col].to_numpy(float), rtol=1e-13)


def test_unit_means_and_wave_moments_equal_the_groupby():
    from helpers.stats.waves import _unit_means, _wave_moments

    d = frame().dropna(subset=["y"])
    d = d[~((d["unit_id"] == "u03") & (d["wave"] == 2023))]  # a unit in one wave only
    d = d[~((d["unit_id"] == "u04") & (d["wave"] == 2022) & (d.index % 3 > 0))]  # few rows in a wave
    for m in (1, 4):
        got = _unit_means(d, "y", "wave", "unit_id", 2022, 2023, m)
        g = d.groupby(["unit_id", "wave"], observed=True)["y"].agg(["mean", "size"]).unstack("wave")
        want = pd.DataFrame({"mean_before": g["mean"][2022], "mean_after": g["mean"][2023],
                             "n_before": g["size"][2022], "n_after": g["size"][2023]})
        want = want[(want["n_before"] >= m) & (want["n_after"] >= m)].dropna()
        assert "u03" not in got.index
        pd.testing.assert_frame_equal(got, want, check_dtype=False, rtol=1e-12)
        text = _unit_means(d.assign(unit_id=d["unit_id"].astype(str)), "y", "wave", "unit_id", 2022, 2023, m)
        pd.testing.assert_frame_equal(text, want.set_axis(want.index.astype(str)), check_dtype=False, rtol=1e-12)
    assert _unit_means(d[d["wave"] == 2022], "y", "wave", "unit_id", 2022, 2023, 1).empty
    pw = d.groupby("wave")["y"].agg(["size", "mean", "var"])
    got = _wave_moments(d, "y", "wave", 2022, 2023)
    for w in (2022, 2023):
        np.testing.assert_allclose(got[w], pw.loc[w].to_numpy(float), rtol=1e-12)
    assert np.isnan(_wave_moments(d[d["wave"] == 2022], "y", "wave", 2022, 2023)[2023]).all()


def test_stage03_icc_on_unit_codes_equals_icc1_on_the_labels():
    from helpers.compare.factors import _icc
    from helpers.stats.reliability import icc1

    d = frame()
    d.loc[d.index[5:40], "unit_id"] = np.nan  # rows without a unit
    want = icc1(d[d["y"].notna()], "y", "unit_id")
    pd.testing.assert_frame_equal(_icc(d, "y"), want, check_exact=True)
    assert _icc(d.assign(unit_id=pd.Categorical(["u00"] * len(d))), "y") is None  # one unit: not computable
