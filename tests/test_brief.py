"""Stage 04, the per-region brief: results, text, disclosure, rendering.

Fixture-based tests use ``_brief_fixture`` (a two-region processed study written
with the contract's columns); expected values are recomputed here independently
from the fixture's score tables with pandas / scipy, not taken from the code.
The end-to-end test renders every region of the sample study (shared pipeline run).
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from html import escape, unescape
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from _brief_fixture import STUDY_ID
from factories import env
from helpers import catalog, fmt
from helpers.brief.disclosure import suppress

RID = re.compile(r"R[0-9a-f]{16}")


# ----------------------------------------------------------------------------- the sample study, end to end
def test_every_sample_region_renders(sample_run):
    root, summary = sample_run
    if any(s.status == "failed" for s in summary.stages):
        pytest.skip("stages 01-03 failed: " + "; ".join(s.error or "" for s in summary.stages))
    assert summary.briefs and all(b.status in ("ran", "skipped") for b in summary.briefs), \
        [(b.region, b.error) for b in summary.briefs if b.status == "failed"]
    for b in summary.briefs:
        r = json.loads((b.folder / "results.json").read_text(encoding="utf-8"))
        assert {"overall", "areas", "category"} <= set(r["index"]) and r["n"]["respondents"] > 0
        assert 2 <= pdf_pages(b.folder / "brief.pdf") <= 6, b.region  # Kota Bontang: IKD and IP ASN
        text = _text_of((b.folder / "brief.html").read_text(encoding="utf-8"))
        if "ip_asn" in r["indices"]:  # the Kompetensi point table is disclosed wherever IP ASN is reported
            kompetensi = next(x for x in r["assumptions"]["ip_asn"] if x.startswith("kompetensi: "))
            assert kompetensi.split(": ", 1)[1] in text, b.region
        for idx, blk in r["indices"].items():  # a previous wave comes with the change's 95% CI
            prev = blk.get("previous")
            if prev and prev.get("change_ci_low") is not None:
                assert prev["change_ci_low"] <= prev["change"] <= prev["change_ci_high"], (b.region, idx)
                assert fmt.num(prev["change_ci_low"], r["meta"]["lang"]) in text, (b.region, idx)


@pytest.fixture(scope="module")
def fixture_study(brief_study):
    root, cfg = brief_study("brief")
    with env(ASN_OUTPUT_ROOT=root, ASN_WORKSPACE=root):
        yield root, cfg


@pytest.fixture(scope="module")
def results(fixture_study):
    from helpers.brief.results import build_results

    root, cfg = fixture_study
    return build_results(str(cfg), "kab-a", lang="id", min_cell=5, alpha=0.05)


# ----------------------------------------------------------------------------- formatting, disclosure

def test_number_format_follows_the_language():
    assert fmt.num(2.5, "id") == "2,50" and fmt.num(2.5, "en") == "2.50"
    assert fmt.integer(12500, "id") == "12.500" and fmt.integer(12500, "en") == "12,500"
    assert fmt.num(71.594, "id", 2) == "71,59"
    assert fmt.pct(0.4567, "id") == "45,7%" and fmt.pct(0.4567, "en") == "45.7%"
    assert fmt.pvalue(0.0004, "id") == "p < 0,001" and fmt.pvalue(0.0312, "en") == "p = .031"
    assert fmt.ci(2.31, 2.45, "id") == "[2,31; 2,45]" and fmt.ci(2.31, 2.45, "en") == "[2.31, 2.45]"
    assert fmt.num(None, "id") == fmt.DASH


def test_small_groups_lose_every_statistic_but_keep_n():
    t = pd.DataFrame({"group": ["a", "b", "c"], "n": [3, 40, 5], "mean": [2.1, 2.5, 2.2], "ci_low": [1.0, 2.4, 2.0]})
    s = suppress(t, min_cell=5)
    assert s["suppressed"].tolist() == [True, False, False]
    assert np.isnan(s.loc[0, "mean"]) and np.isnan(s.loc[0, "ci_low"]) and s.loc[0, "n"] == 3
    assert s.loc[2, "mean"] == 2.2  # exactly min_cell is shown


# ----------------------------------------------------------------------------- results

def _stratified_fpc(sc: pd.DataFrame, col: str = "overall") -> tuple[float, float, float]:
    """Mean, SE and df of the stratified estimator with fpc, by hand (Cochran 1977,
    5.1 and 5.6): units are strata, N_h = the fixture's fpc column."""
    g = sc.groupby("unit_id")
    n_h, big_n = g.size(), g["fpc"].first()
    w_h = big_n / big_n.sum()
    mean = float((w_h * g[col].mean()).sum())
    var = float((w_h ** 2 * (1 - n_h / big_n) * g[col].var(ddof=1) / n_h).sum())
    return mean, var ** 0.5, float(len(sc) - len(n_h))


def test_headline_numbers_match_an_independent_computation(fixture_study, results):
    root, _ = fixture_study
    sc = catalog.read(STUDY_ID, "scores_ikd")
    sc = sc[(sc["region_id"] == "kab-a") & (sc["wave"] == 2023)]
    mean, se, dof = _stratified_fpc(sc)
    half = stats.t.ppf(0.975, dof) * se
    r = results["index"]
    assert results["meta"]["headline_index"] == "ikd"
    assert r["overall"] == pytest.approx(mean, rel=1e-12)
    assert r["se"] == pytest.approx(se, rel=1e-9) and r["frame"] == "finite_population"
    assert r["ci_low"] == pytest.approx(mean - half, rel=1e-9)
    assert results["n"] == {"respondents": 195, "units": 9, "unit_types": 4}
    # IKD bands (config/indices/ikd.yaml): 1.76-2.50 cukup, 2.51-3.25 baik
    assert r["category"] == ("cukup" if round(mean, 2) <= 2.50 else "baik")
    for c in ["information", "communication", "content", "safety", "problem_solving"]:
        assert r["areas"][c]["mean"] == pytest.approx(_stratified_fpc(sc, c)[0], rel=1e-12)
    prev = catalog.read(STUDY_ID, "scores_ikd")
    sc_prev = prev[(prev["region_id"] == "kab-a") & (prev["wave"] == 2022)]
    assert r["previous"]["wave"] == 2022
    assert r["previous"]["change"] == pytest.approx(mean - _stratified_fpc(sc_prev)[0], rel=1e-10)
    assert r["weakest_area"] == "content" and r["strongest_area"] == "information"


def test_change_since_the_previous_wave_accounts_for_the_linked_respondents(fixture_study, results):
    """Half of the 2022 respondents answer again in 2023. The change's variance,
    by hand: persons are the units of the linearisation, D_i = w1 (y1 - m1) / W1 -
    w0 (y0 - m0) / W0 (0 where absent), strata = units x response pattern, with replacement:
    var = sum_h n_h / (n_h - 1) sum_i (D_i - Dbar_h)^2 (Kish 1965, 12.4)."""
    from helpers.brief.text import headline_sentence

    root, _ = fixture_study
    sc = catalog.read(STUDY_ID, "scores_ikd")
    a = sc[(sc["region_id"] == "kab-a") & (sc["wave"] == 2023)].set_index("respondent_id")
    b = sc[(sc["region_id"] == "kab-a") & (sc["wave"] == 2022)].set_index("respondent_id")
    m1 = np.average(a["overall"], weights=a["weight"])
    m0 = np.average(b["overall"], weights=b["weight"])
    p = pd.DataFrame(index=a.index.union(b.index))
    p["d"] = (a["weight"] * (a["overall"] - m1) / a["weight"].sum()).reindex(p.index).fillna(0) \
        - (b["weight"] * (b["overall"] - m0) / b["weight"].sum()).reindex(p.index).fillna(0)
    # strata: unit x response pattern (both waves, only 2023, only 2022)
    pattern = np.where(p.index.isin(a.index) & p.index.isin(b.index), "both",
                       np.where(p.index.isin(a.index), "after", "before"))
    p["h"] = a["unit_id"].reindex(p.index).fillna(b["unit_id"].reindex(p.index)) + "|" + pattern
    g = p.groupby("h")["d"]
    n_h = g.size()
    var = float((n_h / (n_h - 1) * g.apply(lambda x: ((x - x.mean()) ** 2).sum()))[n_h > 1].sum())
    # a stratum of one person is centred at the grand mean (R's survey.lonely.psu = "adjust")
    lone = p[p["h"].map(n_h) == 1]["d"]
    var += float(((lone - p["d"].mean()) ** 2).sum())
    dof = len(p) - p["h"].nunique()
    half = stats.t.ppf(0.975, dof) * var ** 0.5
    prev = results["index"]["previous"]
    assert int((a.index.isin(b.index)).sum()) == prev["test"]["n_linked"] > 90
    assert prev["change"] == pytest.approx(m1 - m0, rel=1e-10)
    assert prev["change_se"] == pytest.approx(var ** 0.5, rel=1e-9)
    assert prev["change_ci_low"] == pytest.approx(m1 - m0 - half, rel=1e-9)
    # the significance label is the test of this very change
    assert prev["test"]["test"] == "linked_change" and prev["significant"] == (prev["test"]["p_adj"] < 0.05)
    assert prev["within_person"]["estimate"] is not None and prev["turnover"]["estimate"] is not None
    s = headline_sentence(results, results["index"], "id")
    assert f"[IK 95% {fmt.num(prev['change_ci_low'], 'id')}; {fmt.num(prev['change_ci_high'], 'id')}]" in s


def test_a_region_without_a_previous_wave_has_no_change(fixture_study):
    from helpers.brief.render import headline_table
    from helpers.brief.results import build_results
    from helpers.brief.text import headline_sentence

    _, cfg = fixture_study
    r = build_results(str(cfg), "kota-b", lang="en")
    assert r["index"]["previous"] is None and r["index"]["waves"] == [2023]
    assert "Compared with" not in headline_sentence(r, r["index"], "en")
    assert "Change" not in headline_table(r, r["index"])


def test_ip_asn_assumptions_are_disclosed_in_the_methods_note(fixture_study, results):
    """The IP ASN Kompetensi point table is an assumption (spec ``assumption: true``):
    every brief reporting IP ASN states it, in results.json and in the methods note."""
    from helpers.brief.render import headline_table, methods_note
    from helpers.brief.results import build_results
    from helpers.indices import disclosures, load_spec

    _, cfg = fixture_study
    for lang, r in (("id", results), ("en", build_results(str(cfg), "kab-a", lang="en"))):
        texts = disclosures(load_spec("ip_asn"), lang)
        kompetensi = next(x for x in texts if x.startswith("kompetensi: "))
        assert "15" in kompetensi and "10" in kompetensi  # the 15/15/10 point table
        assert r["assumptions"]["ip_asn"] == texts == r["indices"]["ip_asn"]["disclosures"]
        html = methods_note(r)
        assert escape(kompetensi.split(": ", 1)[1]) in html
        assert r["indices"]["ip_asn"]["name"] in html  # under the index's own heading
        assert "kompetensi" in r["indices"]["ip_asn"]["assumed_components"]
        assert ("Kompetensi*" if lang == "id" else "Competence*") in headline_table(r, r["indices"]["ip_asn"])
    # Kualifikasi is a lookup of education: an education gap in IP ASN is no finding
    assert results["indices"]["ip_asn"]["by_construction"] == {"education": "kualifikasi"}
    assert results["indices"]["ikd"]["by_construction"] == {}
    # a brief without IP ASN carries no IP ASN disclosure
    rb = build_results(str(cfg), "kota-b", lang="id")
    assert "ip_asn" not in rb["assumptions"]
    assert "Profesionalitas" not in methods_note(rb) and "diklat teknis" not in methods_note(rb)


def test_small_unit_type_is_suppressed_everywhere(results):
    b = results["index"]
    assert b["unit_types"]["setwan"]["suppressed"] and b["unit_types"]["setwan"]["n"] == 3
    assert b["unit_types"]["setwan"]["mean"] is None
    assert all(a is None for a in b["unit_types"]["setwan"]["areas"].values())
    assert "setwan" not in b["training"] and "setwan" not in results["comparison"]
    assert results["compliance_20jp"]["unit_types"]["setwan"]["share"] is None
    assert all(u["n"] >= 5 for u in b["priority_units"])


def test_comparison_reads_stage_03_outputs(results):
    """The fixture's unit types: dinas and kecamatan 3 units each (tested), puskesmas
    2 units (shown, not tested as a type), setwan 3 respondents (suppressed)."""
    b = results["index"]
    om = b["comparison"]["omnibus"]["overall"]
    # units are the replication level: 8 units - 3 fitted types = 5 df
    assert om["test"] == "mixed_emm" and om["df2"] == 5 and om["frame"] == "units_replication"
    assert b["comparison"]["untested"] == ["puskesmas"] and b["unit_types"]["puskesmas"]["tested"] is False
    assert [(p["group_a"], p["group_b"]) for p in b["comparison"]["pairs"]] == [("dinas", "kecamatan")]
    assert b["comparison"]["pairs"][0]["test"] == "emm_contrast"
    c = results["comparison"]
    if b["comparison"]["pairs"][0]["significant"]:
        assert c["dinas"]["higher_than"] == ["kecamatan"] and c["kecamatan"]["lower_than"] == ["dinas"]
    assert b["unit_types"]["setwan"]["suppressed"] and b["unit_types"]["setwan"]["mean"] is None
    assert b["gaps"]["sex"]["test"]["test"] == "svy_wald"


def test_second_index_with_targets_and_compliance(fixture_study, results):
    root, _ = fixture_study
    ip = results["indices"]["ip_asn"]
    sc = catalog.read(STUDY_ID, "scores_ip_asn")
    assert ip["overall"] == pytest.approx(sc["overall"].mean())
    assert ip["target"] == 75 and ip["achievement_pct"] == pytest.approx(100 * sc["overall"].mean() / 75)
    assert ip["areas"]["kualifikasi"]["achievement_pct"] == pytest.approx(100 * sc["kualifikasi"].mean() / 15)
    # IP ASN categories: 61-70 Rendah, 71-80 Sedang
    assert ip["category"] == {6: "rendah", 7: "sedang"}.get(int(round(sc["overall"].mean(), 2) // 10))
    assert ip["comparison"]["omnibus"]["overall"]["test"] == "mixed_emm"
    c = results["compliance_20jp"]
    assert c["n"] == 163 and c["share"] == pytest.approx(c["n_compliant"] / 163)


def test_data_quality_counts_the_region_files(results):
    dq = results["data_quality"]
    # a_ikd.csv (260 = 237 + 23) and the multi-region hr.csv (190 = 189 + 1)
    assert (dq["raw"], dq["clean"], dq["rejected"]) == (450, 426, 24)
    assert dq["rejected_by_reason"] == {"duplicate": 12, "speeder": 8, "blank_row": 3, "nip_invalid": 1}
    assert dq["shared_files"] == ["hr.csv"] and dq["response_rate"] == 0.5


def test_key_messages_state_results_values_in_both_languages(results):
    from helpers.brief.text import key_messages

    msgs = key_messages(results, "id")
    assert 3 <= len(msgs) <= 5
    b = results["index"]
    assert fmt.num(b["overall"], "id") in msgs[0] and f"kategori {b['category_label']}" in msgs[0]
    assert fmt.integer(195, "id") in msgs[0]
    en = key_messages(results, "en")
    assert fmt.num(b["overall"], "en") in en[0] and "," not in fmt.num(b["overall"], "en")


def test_unknown_region_and_empty_region_are_clear_errors(fixture_study):
    from helpers.brief.results import build_results
    from helpers.errors import InputError

    _, cfg = fixture_study
    with pytest.raises(InputError, match="unknown region"):
        build_results(str(cfg), "kab-nowhere")
    with pytest.raises(InputError, match="requested headline index"):
        build_results(str(cfg), "kota-b", index="ip_asn")


def test_a_missing_stage_table_is_an_error_naming_the_stage_never_recomputed(fixture_study):
    from helpers import catalog
    from helpers.brief.results import build_results
    from helpers.errors import InputError

    root, cfg = fixture_study
    agg = catalog.path(STUDY_ID, "aggregates")
    units = catalog.path(STUDY_ID, "compare_units")
    try:
        agg.rename(agg.with_suffix(".away"))
        with pytest.raises(InputError, match=r"aggregates.parquet not found: run stage 02"):
            build_results(str(cfg), "kab-a")
    finally:
        agg.with_suffix(".away").rename(agg)
    try:  # an optional stage-03 table: the brief is built and says less
        units.rename(units.with_suffix(".away"))
        r = build_results(str(cfg), "kab-a")
        assert r["index"]["priority_units"] == [] and r["index"]["overall"] is not None
    finally:
        units.with_suffix(".away").rename(units)


def test_the_headline_index_is_a_parameter(fixture_study):
    from helpers.brief.results import build_results

    _, cfg = fixture_study
    r = build_results(str(cfg), "kab-a", index="ip_asn")
    assert r["meta"]["headline_index"] == "ip_asn" and r["index"]["id"] == "ip_asn"
    assert r["n"]["respondents"] == r["indices"]["ip_asn"]["n"]["respondents"] == 163


# ----------------------------------------------------------------------------- rendering through papermill

def _text_of(html: str) -> str:
    body = re.sub(r"<style.*?</style>|<img[^>]*>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", body)))


def pdf_pages(path: Path) -> int:
    """Pages of a PDF, read with pypdf (a dev dependency): no poppler needed, and
    WeasyPrint's compressed object streams are decoded as any reader would."""
    from pypdf import PdfReader

    return len(PdfReader(str(path)).pages)


@pytest.fixture(scope="module")
def rendered(fixture_study):
    """A broken region and a good one through the pipeline's own make_brief."""
    from helpers.pipeline import make_brief

    root, cfg = fixture_study
    text = cfg.read_text(encoding="utf-8").replace(
        "  - {id: kota-b, name: Kota B, kind: kota}\n",
        "  - {id: kota-b, name: Kota B, kind: kota}\n  - {id: kab-broken, name: Kabupaten Rusak}\n")
    cfg.write_text(text, encoding="utf-8")
    from helpers.pipeline import kernels

    # the broken region starts the next brief's kernel early: kab-a runs in that warm kernel
    res = {r: make_brief(STUDY_ID, r, lang="id", force=True, output_root=str(root), prewarm=(r == "kab-broken"))
           for r in ("kab-broken", "kab-a")}
    assert not kernels._warm  # the warm kernel was taken by kab-a, none is left running
    return root, res


def test_a_broken_region_fails_alone(rendered):
    _, res = rendered
    assert res["kab-broken"].status == "failed" and "no scored respondents" in res["kab-broken"].error
    assert (res["kab-broken"].folder / "brief.failed.ipynb").exists()
    assert res["kab-a"].status == "ran", res["kab-a"].error


def test_brief_exports_and_page_count(rendered):
    _, res = rendered
    folder = res["kab-a"].folder
    for f in ("brief.html", "brief.pdf", "brief.ipynb", "results.json", "tables.xlsx", "manifest.json"):
        assert (folder / f).exists(), f
    assert len(list((folder / "figures").glob("*.png"))) >= 5
    assert 2 <= pdf_pages(folder / "brief.pdf") <= 6
    html = (folder / "brief.html").read_text(encoding="utf-8")
    assert "make_outputs" not in html and "display(HTML" not in html  # no code
    assert 'src="data:image/png;base64,' in html and "<img src=\"figures" not in html  # self-contained


def test_numbers_in_the_brief_match_results_json(rendered):
    _, res = rendered
    folder = res["kab-a"].folder
    r = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    text = _text_of((folder / "brief.html").read_text(encoding="utf-8"))
    b = r["index"]
    expected = [fmt.num(b["overall"], "id"), fmt.ci(b["ci_low"], b["ci_high"], "id"),
                fmt.integer(r["n"]["respondents"], "id"), b["category_label"],
                fmt.num(r["indices"]["ip_asn"]["overall"], "id"), fmt.pct(r["compliance_20jp"]["share"], "id")]
    expected += [fmt.num(a["mean"], "id") for a in b["areas"].values()]
    expected += [fmt.num(u["mean"], "id") for u in b["priority_units"]]
    for s in expected:
        assert s in text, s
    # the IP ASN Kompetensi assumption is visible in the exported brief
    kompetensi = next(x for x in r["assumptions"]["ip_asn"] if x.startswith("kompetensi: "))
    assert kompetensi.split(": ", 1)[1] in text
    assert fmt.num(b["overall"], "en") not in text or fmt.num(b["overall"], "en") == fmt.num(b["overall"], "id")


def test_no_personal_or_pseudonymous_id_in_any_report_file(rendered):
    root, res = rendered
    sc = catalog.read(STUDY_ID, "scores_ikd")
    ids = set(sc["respondent_id"])
    for f in res["kab-a"].folder.rglob("*"):
        if f.is_dir() or f.suffix == ".png":
            continue
        if f.suffix == ".xlsx":
            with zipfile.ZipFile(f) as z:
                blob = " ".join(z.read(n).decode("utf-8", "ignore") for n in z.namelist())
        else:
            blob = f.read_text(encoding="utf-8", errors="ignore")
        found = set(RID.findall(blob)) & ids
        assert not found, (f.name, sorted(found)[:3])
        # an 18-digit NIP starts with a birth year (19xx / 20xx); not a float's digits
        assert not re.search(r"(?<![\d.])(?:19|20)\d{16}(?!\d)", blob), f.name


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


# skipped before the slow fixture runs; -ra (pyproject addopts) prints the reason in the summary
@pytest.mark.skipif(not CHROMIUM, reason="chromium not installed: the HTML brief is not opened in a "
                                         "browser (apt-get install chromium; .ci/run installs it)")
def test_html_opens_in_headless_chromium(rendered, tmp_path):
    chromium = CHROMIUM
    _, res = rendered
    shot = tmp_path / "brief.png"
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}",
                    "--window-size=1000,1400", (res["kab-a"].folder / "brief.html").as_uri()],
                   capture_output=True, timeout=90, check=True)
    from PIL import Image

    img = Image.open(shot).convert("L")
    assert img.size == (1000, 1400)
    px = np.asarray(img)
    assert (px < 100).mean() > 0.005  # text and charts were drawn, not a blank page


# ----------------------------------------------------------------------------- study summary

def test_study_summary_puts_regions_side_by_side(rendered):
    from helpers.brief.summary import make_summary

    root, res = rendered
    out = make_summary(STUDY_ID, lang="en")
    s = json.loads(out["json"].read_text(encoding="utf-8"))
    r = json.loads((res["kab-a"].folder / "results.json").read_text(encoding="utf-8"))
    assert s["regions"] == ["kab-a"] and s["missing"] == ["kota-b", "kab-broken"]
    row = next(x for x in s["rows"] if x["region"] == "kab-a" and x["index"] == "ikd")
    assert row["overall"] == r["indices"]["ikd"]["overall"] and row["lowest_unit_type"] == "Kecamatan"  # the region brief is in id
    text = _text_of(out["html"].read_text(encoding="utf-8"))
    assert fmt.num(row["overall"], "en") in text and 1 <= pdf_pages(out["pdf"]) <= 6


def test_a_zero_width_interval_of_a_complete_census_is_explained_in_the_methods_note(fixture_study, results):
    """An index scored for every civil servant of every unit (IP ASN from complete HR
    records) has n = N in each stratum: the finite population correction leaves a
    design-based SE of 0 and intervals [x; x]. The methods note says why, for that
    index only; an index with sampling error (nonresponse) gets no such sentence."""
    import copy

    from helpers import strings
    from helpers.brief.render import methods_note, no_sampling_error

    for lang in ("id", "en"):
        r = copy.deepcopy(results)
        r["meta"]["lang"] = lang
        lead = strings.get("sections", lang)["census_ci"].split("{index}")[1][:30]
        complete = [b for b in r["indices"].values() if no_sampling_error(b)]
        sampled = [b for b in r["indices"].values() if not no_sampling_error(b)]
        # the fixture's IP ASN covers every PNS of every unit (n = fpc); its IKD survey half of them
        assert [b["id"] for b in complete] == ["ip_asn"] and [b["id"] for b in sampled] == ["ikd"]
        for b in complete:
            assert b["se"] == 0 and b["ci_low"] == b["ci_high"] == b["overall"]
            assert b["response"]["respondents"] == b["response"]["headcount"]
        for b in sampled:
            assert b["se"] > 0 and b["ci_high"] > b["ci_low"], (b["id"], b["se"], b["ci_low"], b["ci_high"], b["response"])
        html = methods_note(r)
        assert (escape(lead) in html) == bool(complete)
        # a complete census of every index: one sentence naming each
        for b in r["indices"].values():
            b.update(se=0.0, ci_low=b["overall"], ci_high=b["overall"],
                     response={**b["response"], "rate": 1.0, "units_surveyed": b["response"]["units_total"]})
        html = methods_note(r)
        assert html.count(escape(lead)) == 1
        assert all(escape(b["name"]) in html for b in r["indices"].values())
        # nonresponse in one unit: the interval is not explained away
        for b in r["indices"].values():
            b["response"]["rate"] = 0.95
        assert escape(lead) not in methods_note(r)


def test_a_doubtful_mixed_model_is_explained_once_in_the_briefs_language(results):
    """The caution names the fit's flags in the brief's language, once, not stage
    03's English notes of both fits."""
    import copy

    from helpers import strings
    from helpers.brief.render import methods_note

    r = copy.deepcopy(results)
    idx = next(iter(r["indices"]))
    r["indices"][idx]["model"] = {"model": "mixed_emm", "converged": True, "boundary": True, "doubtful": True,
                                  "note": "mixed model: cluster variance estimated at 0 (boundary); the model "
                                          "equals OLS; mixed model: cluster variance estimated at 0 (boundary)"}
    html = methods_note(r)
    ww = strings.get("sections", "id")
    assert html.count(ww["model_boundary"]) == 1 and "mixed model" not in html
    assert ww["model_not_converged"] not in html


def test_the_unit_type_sentence_says_its_p_is_holms_as_the_gaps_do():
    """The unit-type omnibus p shown is Holm-adjusted (p_adj); the sentence says so, as
    the demographic gaps' do, and a raw p (no p_adj) is not called Holm's."""
    from helpers.brief.text import unit_type_sentence

    o = {"test": "mixed_wald", "df1": 4.0, "df2": 51.0, "statistic": 4.21, "p": 0.0051, "p_adj": 0.025,
         "significant": True, "effect_size": None, "effect_name": None}
    types = {"badan": {"label": "Badan", "mean": 2.39, "suppressed": False},
             "kecamatan": {"label": "Kecamatan", "mean": 2.10, "suppressed": False}}
    block = {"comparison": {"omnibus": {"overall": o}}, "unit_types": types}
    assert "p = 0,025 Holm" in unit_type_sentence(block, "id")
    assert "p = .025 Holm" in unit_type_sentence(block, "en")
    raw = {**block, "comparison": {"omnibus": {"overall": {**o, "p_adj": None}}}}
    assert "Holm" not in unit_type_sentence(raw, "en") and "p = .005" in unit_type_sentence(raw, "en")
