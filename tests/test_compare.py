"""helpers.compare.run on a small synthetic scores table (stage 02 is built in parallel)."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from factories import AREAS
from factories import ikd_scores as scores
from helpers import compare
from helpers.errors import InputError


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    out = tmp_path_factory.mktemp("processed")
    scores().to_parquet(out / "scores_ikd.parquet")
    study = SimpleNamespace(id="t", processed_dir=out, indices=("ikd", "ip_asn"),
                            option=lambda *k, default=None: default)
    summary = compare.run(study)
    return out, summary


def test_run_writes_the_four_tables_with_contract_columns(ran):
    out, summary = ran
    for name, cols in [("compare_descriptives", compare.DESC_COLUMNS), ("compare_omnibus", compare.OMNIBUS_COLUMNS),
                       ("compare_posthoc", compare.POSTHOC_COLUMNS), ("compare_models", compare.MODEL_COLUMNS)]:
        t = pd.read_parquet(Path(out) / f"{name}.parquet")
        assert list(t.columns) == cols and len(t) > 0
    assert summary["indices_missing"] == ["ip_asn"]
    # 2 regions x 6 components x 6 factors + regions against each other (6 components)
    assert summary["comparisons"] == 2 * 6 * 6 + 6


def test_every_region_component_factor_present_and_planted_gap_found(ran):
    out, _ = ran
    om = pd.read_parquet(Path(out) / "compare_omnibus.parquet")
    prim = om[om["primary"]]
    assert set(prim["component"]) == {"overall", *AREAS}
    assert set(prim["factor"]) >= {"unit_type", "sex", "age_band", "education", "position_type", "status"}
    ut = prim[(prim["factor"] == "unit_type") & (prim["region_id"] == "kota-bontang")]
    # units are the replication level: 12 units (3 per type) carry the test, not 400 respondents
    assert (ut["test"] == "mixed_emm").all() and (ut["df2"] == 12 - 4).all()
    assert (ut["p_adj"] < 0.01).all()
    assert ut["reading_en"].str.contains("highest puskesmas").all()
    assert ut["reading_id"].str.contains("jenis unit").all()
    assert ut["note"].str.contains("rsud").all()  # tiny group reported, not silently dropped
    assert set(om.loc[om["region_id"] == "all", "factor"]) == {"region_id"}


def test_holm_across_components(ran):
    out, _ = ran
    om = pd.read_parquet(Path(out) / "compare_omnibus.parquet")
    fam = om[(om["region_id"] == "kab-berau") & (om["factor"] == "sex") & (om["test"] == "kruskal")]
    p = np.sort(fam["p"].to_numpy())
    m = len(p)
    holm = np.minimum(1, np.maximum.accumulate(p * (m - np.arange(m))))
    np.testing.assert_allclose(np.sort(fam["p_adj"].to_numpy()), holm)
    ph = pd.read_parquet(Path(out) / "compare_posthoc.parquet")
    assert (ph["p_adj"] >= ph["p"] - 1e-12).all()


def test_descriptives_have_emm_for_unit_type_and_models_table(ran):
    out, _ = ran
    de = pd.read_parquet(Path(out) / "compare_descriptives.parquet")
    ut = de[(de["factor"] == "unit_type") & (de["region_id"] == "kota-bontang")]
    assert ut["emm"].notna().all() and (ut["ci_low"] < ut["mean"]).all()
    mo = pd.read_parquet(Path(out) / "compare_models.parquet")
    assert {"fixed", "variance", "icc"} <= set(mo["kind"])


def test_missing_scores_is_a_clear_error(tmp_path):
    study = SimpleNamespace(id="t", processed_dir=tmp_path, indices=("ikd",), option=lambda *k, default=None: default)
    with pytest.raises(InputError, match="no scores to compare"):
        compare.run(study)


@pytest.fixture(scope="module")
def ran_waves(tmp_path_factory):
    """kota-bontang surveyed in 2022 and 2023 (the same units, +0.2 on every area in
    2023); kab-berau only in 2023."""
    out = tmp_path_factory.mktemp("processed_waves")
    now = scores(n=600)
    before = scores(n=600, seed=1)
    before = before[before["region_id"] == "kota-bontang"].assign(wave=2022)
    before[AREAS] = before[AREAS] - 0.2
    before["overall"] = before[AREAS].mean(axis=1)
    pd.concat([now, before], ignore_index=True).to_parquet(out / "scores_ikd.parquet")
    study = SimpleNamespace(id="t", processed_dir=out, indices=("ikd",), option=lambda *k, default=None: default)
    return out, compare.run(study)


def test_wave_comparison_written_for_the_region_with_two_waves(ran_waves):
    out, summary = ran_waves
    om = pd.read_parquet(Path(out) / "compare_omnibus.parquet")
    w = om[om["factor"] == "wave"]
    assert set(w["region_id"]) == {"kota-bontang"}  # kab-berau has one wave
    assert summary["comparisons"] == 2 * 6 * 6 + 6 + 6  # + one wave comparison per component
    assert set(w["test"]) == {"paired_units", "wilcoxon_units", "mixed_wave", "mixed_wave_x_group",
                              "linked_change", "within_person", "turnover"}
    prim = w[w["primary"]]
    assert list(prim["test"].unique()) == ["linked_change"] and len(prim) == 6
    assert prim["reading_en"].str.startswith("From 2022 to 2023").all()
    assert prim.set_index("component").loc["overall", "reading_en"].startswith(
        "From 2022 to 2023 the score rose by")
    # Holm across the six components of the paired test
    p = np.sort(prim["p"].to_numpy())
    holm = np.minimum(1, np.maximum.accumulate(p * (6 - np.arange(6))))
    np.testing.assert_allclose(np.sort(prim["p_adj"].to_numpy()), holm)
    ph = pd.read_parquet(Path(out) / "compare_posthoc.parquet")
    lc = ph[(ph["factor"] == "wave") & (ph["test"] == "linked_change") & (ph["component"] == "overall")].iloc[0]
    # the workforce change (a finite-population quantity: this study's units, not new draws of them)
    sc = pd.read_parquet(Path(out) / "scores_ikd.parquet").query("region_id == 'kota-bontang'")
    by = sc.groupby("wave")["overall"].mean()
    assert lc["diff"] == pytest.approx(by[2023] - by[2022]) and 0 < lc["ci_low"] < lc["diff"] < lc["ci_high"]
    assert (lc["group_a"], lc["group_b"]) == ("2023", "2022")
    ch = ph[(ph["factor"] == "wave") & (ph["test"] == "paired_units") & (ph["component"] == "overall")]
    whole = ch[ch["subgroup"] == ""].iloc[0]
    assert (whole["group_a"], whole["group_b"]) == ("2023", "2022")
    assert whole["ci_low"] < 0.2 < whole["ci_high"]
    assert set(ch["subgroup"]) == {"", "setda", "dinas", "kecamatan", "puskesmas"}
    assert set(ph.loc[ph["factor"] != "wave", "subgroup"]) == {""}
    de = pd.read_parquet(Path(out) / "compare_descriptives.parquet")
    assert list(de.columns) == compare.DESC_COLUMNS
    dw = de[(de["factor"] == "wave") & (de["subgroup"] == "") & (de["component"] == "overall")]
    assert list(dw["group"]) == ["2022", "2023"] and dw["emm"].notna().all()


def test_cross_sectional_comparisons_use_the_latest_wave(ran_waves):
    out, _ = ran_waves
    de = pd.read_parquet(Path(out) / "compare_descriptives.parquet")
    ut = de[(de["region_id"] == "kota-bontang") & (de["factor"] == "unit_type") & (de["component"] == "overall")]
    latest = scores(n=600)
    n_2023 = latest[latest["region_id"] == "kota-bontang"].groupby("unit_type").size()
    assert ut.set_index("group")["n"].to_dict() == {k: v for k, v in n_2023.items() if v >= 5}
    om = pd.read_parquet(Path(out) / "compare_omnibus.parquet")
    note = om[(om["region_id"] == "kota-bontang") & (om["factor"] == "sex")]["note"].iloc[0]
    assert note.startswith("wave 2023 only (waves present: 2022, 2023)")


def _sorted(t: pd.DataFrame) -> pd.DataFrame:
    key = t.astype(str)
    return t.loc[key.sort_values(list(t.columns), kind="stable").index].reset_index(drop=True)


def test_compare_region_equals_that_regions_rows_of_the_study_tables(ran, tmp_path):
    """Holm families are within a region x index, so one region computed alone gives
    the same adjusted p-values and readings as the whole study's run."""
    out, _ = ran
    study = SimpleNamespace(id="t", processed_dir=out, indices=("ikd", "ip_asn"),
                            option=lambda *k, default=None: default)
    for region in ("kota-bontang", "kab-berau"):
        mine = compare.compare_region(study, region)
        assert set(mine) == {"compare_descriptives", "compare_omnibus", "compare_posthoc", "compare_models",
                             "compare_units"}
        for name, got in mine.items():
            whole = pd.read_parquet(Path(out) / f"{name}.parquet")
            want = whole[whole["region_id"] == region]
            assert len(got) == len(want) > 0
            got.to_parquet(tmp_path / "got.parquet")  # as written: the same dtypes as the study's table
            got = pd.read_parquet(tmp_path / "got.parquet")
            pd.testing.assert_frame_equal(_sorted(got), _sorted(want), rtol=1e-12)
    assert compare.compare_region(study, "kab-nowhere") == {}


def test_fpc_is_a_design_column_not_a_component():
    d = scores().assign(fpc=40.0, ps_cell="u1")
    assert compare.components(d) == ["overall", *AREAS]


def test_run_on_a_dask_cluster_writes_the_serial_tables(ran, tmp_path):
    """Regions fanned out on a 2-worker LocalCluster (each worker reads its region's
    rows) give the tables of the serial in-process run, in the same order."""
    out, _ = ran
    (tmp_path / "scores_ikd.parquet").write_bytes((Path(out) / "scores_ikd.parquet").read_bytes())
    study = SimpleNamespace(id="t", processed_dir=tmp_path, indices=("ikd", "ip_asn"),
                            option=lambda *k, default=None: default)
    summary = compare.run(study, workers=2)
    assert summary["comparisons"] == 2 * 6 * 6 + 6
    for name in ("compare_descriptives", "compare_omnibus", "compare_posthoc", "compare_models", "compare_units"):
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / f"{name}.parquet"),
                                      pd.read_parquet(Path(out) / f"{name}.parquet"), rtol=1e-12)


def test_holm_over_families_matches_r_p_adjust_per_family():
    # R: p.adjust(c(0.01, 0.04, 0.03, 0.005, NA), "holm") -> 0.03 0.06 0.06 0.02 NA
    #    p.adjust(c(0.02, 0.01, 0.02), "holm")              -> 0.04 0.03 0.04
    p = pd.Series([0.01, 0.02, 0.04, 0.01, 0.03, 0.005, np.nan, 0.02])
    fam = pd.Series(["a", "b", "a", "b", "a", "a", "a", "b"])
    got = compare._holm_by(p, [fam])
    np.testing.assert_allclose(got[[0, 2, 4, 5]], [0.03, 0.06, 0.06, 0.02])
    np.testing.assert_allclose(got[[1, 3, 7]], [0.04, 0.03, 0.04])
    assert np.isnan(got[6])
    # two keys, a missing key a family of its own (groupby dropna=False)
    got = compare._holm_by(pd.Series([0.01, 0.02, 0.03]), [pd.Series(["x", "x", None]), pd.Series(["t"] * 3)])
    np.testing.assert_allclose(got, [0.02, 0.02, 0.03])


def test_readings_use_the_briefs_symbols(ran):
    out, _ = ran
    om = pd.read_parquet(Path(out) / "compare_omnibus.parquet")
    text = " ".join(om["reading_en"].dropna()) + " ".join(om["reading_id"].dropna())
    for old in ("R²_type", "η²_w", "F_Welch"):
        assert old not in text
    ut = om[(om["factor"] == "unit_type") & om["primary"] & (om["test"] == "mixed_emm")]
    assert ut["reading_en"].str.contains(r"\(F\(\d+, \d+\) = [\d.]+, p [=<] [.\d]+, R² = ", regex=True).all()
    sex = om[(om["factor"] == "sex") & om["primary"] & (om["test"] == "svy_wald")]
    assert sex["reading_en"].str.contains("η² = ").all()


def test_study_overview_counts_the_primary_tests(ran):
    out, _ = ran
    tables = compare.load_tables(SimpleNamespace(processed_dir=out))
    ov = compare.study_overview(tables)
    om = tables["compare_omnibus"]
    prim = om[om["primary"] & (om["region_id"] != "all")]
    row = ov["by_factor"].set_index(["index", "factor"]).loc[("ikd", "sex")]
    sel = prim[(prim["factor"] == "sex") & (prim["component"] == "overall")]
    assert row["regions"] == sel["region_id"].nunique() == 2
    assert row["significant"] == (sel["p_adj"] < 0.05).sum()
    reg = ov["by_region"]
    assert set(reg["region_id"]) == set(prim["region_id"])
    assert reg["tests"].sum() + reg["not_possible"].sum() == len(prim)
    assert reg["significant"].is_monotonic_decreasing


def test_regions_frame_reads_only_what_the_region_comparison_uses(ran):
    out, _ = ran
    study = SimpleNamespace(id="t", processed_dir=out, indices=("ikd",), option=lambda *k, default=None: default)
    f = compare._regions_frame(study, "ikd")
    assert set(f.columns) == {*compare.DESIGN_COLUMNS, "overall", *AREAS} & set(scores().columns)
    assert len(f) == len(scores())


def test_units_per_group_equals_a_groupby_nunique():
    from helpers.compare.factors import _coded, _units_per_group

    rng = np.random.default_rng(3)
    n = 400
    d = pd.DataFrame({"overall": np.where(rng.random(n) < 0.1, np.nan, rng.normal(size=n)),
                      "sex": rng.choice(["L", "P", None], n, p=[0.45, 0.45, 0.1]),
                      "unit_id": rng.choice([f"u{i}" for i in range(25)] + [None], n),
                      "education": pd.Categorical(rng.choice(["S1", "S2", "SMA"], n),
                                                  categories=["SMA", "S1", "S2", "S3"])})
    d.loc[d["sex"] == "P", "unit_id"] = np.where(rng.random((d["sex"] == "P").sum()) < 0.5, None, "u1")
    d["sex"] = d["sex"].astype(object).where(d["sex"].notna(), None)
    d.loc[d.index[:30], "sex"] = "X"  # a group whose rows have no unit but one
    d.loc[d.index[:30], "unit_id"] = None
    for frame in (d, _coded(d)):
        for factor in ("sex", "education"):
            want = frame.loc[frame["overall"].notna(), [factor, "unit_id"]].groupby(
                factor, observed=True)["unit_id"].nunique()
            assert _units_per_group(frame, "overall", factor) == {str(k): int(v) for k, v in want.items()}


def test_coded_frame_keeps_the_labels_and_their_sorted_order():
    from helpers.compare.factors import _coded

    d = pd.DataFrame({"sex": ["P", "L", None, "P"], "unit_id": ["u10", "u2", "u1", "u2"],
                      "unit_type": pd.Categorical(["b", "a", "a", "b"], categories=["b", "a"]),
                      "overall": [1.0, 2.0, 3.0, 4.0]})
    c = _coded(d)
    assert list(c["sex"].cat.categories) == ["L", "P"] and c["sex"].isna().tolist() == [False, False, True, False]
    assert list(c["unit_id"].cat.categories) == ["u1", "u10", "u2"]
    assert list(c["unit_type"].cat.categories) == ["b", "a"]  # an existing order is kept
    assert c["sex"].astype(object).tolist()[:2] == ["P", "L"] and c["overall"].dtype == float


def test_a_national_study_compares_its_regions_without_pairs(ran, tmp_path, monkeypatch):
    """Above REGION_PAIRS_MAX regions the regions-against-each-other comparison has
    the same omnibus tests and descriptives and no pairs (they grow with the square
    of the regions: 168,921 at 582); the regions' own tables are untouched."""
    import sys

    out, _ = ran
    (tmp_path / "scores_ikd.parquet").write_bytes((Path(out) / "scores_ikd.parquet").read_bytes())
    study = SimpleNamespace(id="t", processed_dir=tmp_path, indices=("ikd",), option=lambda *k, default=None: default)
    monkeypatch.setattr(sys.modules["helpers.compare.run"], "REGION_PAIRS_MAX", 1)  # the fixture has 2 regions
    compare.run(study)
    for name in ("compare_descriptives", "compare_omnibus", "compare_posthoc"):
        few, many = (pd.read_parquet(Path(d) / f"{name}.parquet") for d in (out, tmp_path))
        own = few["region_id"] != "all"
        pd.testing.assert_frame_equal(many[many["region_id"] != "all"].reset_index(drop=True),
                                      few[own].reset_index(drop=True), obj=name)
        if name == "compare_posthoc":
            assert (few["region_id"] == "all").sum() > 0 and (many["region_id"] == "all").sum() == 0
        else:
            cols = [c for c in few.columns if c not in ("note", "reading_id", "reading_en")]
            pd.testing.assert_frame_equal(many.loc[many["region_id"] == "all", cols].reset_index(drop=True),
                                          few.loc[~own, cols].reset_index(drop=True), obj=name)
    om = pd.read_parquet(tmp_path / "compare_omnibus.parquet")
    assert om.loc[om["region_id"] == "all", "note"].str.contains("not compared pair by pair").all()
    # the study summary reads the missing pairs as "not tested", not as "no pair differs"
    from helpers.brief.summary import region_comparison

    assert region_comparison(tmp_path)["ikd"]["pairs"] is None
    assert region_comparison(Path(out))["ikd"]["pairs"]


def test_a_study_of_one_region_is_compared_in_process_even_given_a_cluster(ran, tmp_path, monkeypatch):
    """One region: nothing to fan out (a worker would first import what this
    process has), so no cluster is asked for, and the tables are that region's."""
    from helpers import cluster

    out, _ = ran
    one = pd.read_parquet(Path(out) / "scores_ikd.parquet").query("region_id == 'kota-bontang'")
    one.to_parquet(tmp_path / "scores_ikd.parquet")
    study = SimpleNamespace(id="t", processed_dir=tmp_path, indices=("ikd",), option=lambda *k, default=None: default)

    def no_cluster(*_, **__):
        raise AssertionError("a cluster was asked for")

    monkeypatch.setattr(cluster, "connect", no_cluster)
    compare.run(study, workers=2)
    whole = pd.read_parquet(Path(out) / "compare_omnibus.parquet")
    got = pd.read_parquet(tmp_path / "compare_omnibus.parquet")
    want = whole[(whole["region_id"] == "kota-bontang") & (whole["index"] == "ikd")].reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want, rtol=1e-12)
