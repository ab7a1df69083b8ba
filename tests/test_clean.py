"""helpers.clean end to end: a small fixture study with known faults, then the
sample study's injected faults (precision and recall printed)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from factories import make_fixture
from helpers import clean
from helpers.errors import InputError
from helpers.study import load_study

@pytest.fixture
def fx(tmp_path, monkeypatch):
    monkeypatch.setenv("ASN_WORKSPACE", str(tmp_path))
    monkeypatch.setenv("ASN_PSEUDONYM_KEY", "test-key")
    faults = make_fixture(tmp_path)
    return load_study("fx"), faults, tmp_path


def test_fixture_run(fx):
    study, _, root = fx
    summary = clean.run(study)
    out = study.processed_dir
    resp = pd.read_parquet(out / "respondents.parquet")
    rej = pd.read_parquet(out / "rejected.parquet")
    log = pd.read_csv(out / "cleaning_log.csv")
    summ = json.loads((out / "cleaning_summary.json").read_text())
    review = pd.read_csv(out / "unit_match_review.csv")

    # raw rows = kept + rejected, per file
    assert summ["files"]["survey.csv"]["raw_rows"] == 82
    assert summ["files"]["survey2.xlsx"]["raw_rows"] == 10
    assert summ["files"]["survey2.xlsx"]["header_row"] == 3
    for f, s in summ["files"].items():
        assert s["raw_rows"] == s["kept"] + s["rejected"]
        assert (resp["source_file"] == f).sum() == s["kept"]
        assert (rej["source_file"] == f).sum() == s["rejected"]
    assert summary["respondents"] == len(resp)

    reasons = dict(zip(zip(rej["source_file"], rej["source_row"]), rej["reasons"]))
    assert reasons == {("survey.csv", 7): "straightliner", ("survey.csv", 9): "speeder",
                       ("survey.csv", 12): "duplicate", ("survey.csv", 17): "other_region",
                       ("survey.csv", 20): "other_region", ("survey.csv", 33): "duplicate",
                       ("survey.csv", 83): "blank_row"}
    # the kept copy of the duplicate is the later, complete one
    assert ((resp["source_file"] == "survey.csv") & (resp["source_row"] == 82)).any()

    rules = log.groupby("rule")["source_row"].apply(list).to_dict()
    assert rules["unknown_label"] == [14] and rules["out_of_range"] == [15]
    assert rules["unit_fuzzy"] == [16] and rules["unit_review"] == [18]
    assert rules["nip_unrecoverable"] == [19] and rules["nip_formatted"] == [22]
    # flagged per area, person kept
    assert log.loc[log["rule"] == "missing_items", ["source_row", "column"]].values.tolist() == \
        [[21, "area:information"], [21, "area:communication"]]
    # out-of-range and unknown labels are set missing, the person kept
    r14 = resp[(resp["source_file"] == "survey.csv") & (resp["source_row"] == 14)].iloc[0]
    assert np.isnan(r14["ikd_1_1_1"]) and not np.isnan(r14["ikd_1_2_1"])
    r16 = resp[(resp["source_file"] == "survey.csv") & (resp["source_row"] == 16)].iloc[0]
    assert r16["unit_id"] == "u1" and r16["unit_type"] == "dinas"
    assert review["raw_name"].tolist() == ["Kantor Antah Berantah"]
    # normalised demographics
    assert set(resp["education"].dropna()) <= {"S1", "D3", "SMA"}
    assert set(resp["golongan"].dropna()) == {"III/a", "III/b", "IV/a"}
    assert set(resp["sex"]) == {"L", "P"}

    # no clear NIP or name anywhere in the outputs
    blob = "".join(p.read_bytes().decode("latin-1") for p in out.rglob("*") if p.is_file())
    raw = pd.read_csv(root / "data/raw/fx/survey.csv", dtype=str)
    for nip in raw["NIP"].dropna().head(40):
        assert nip not in blob
    assert "Orang 1" not in blob
    assert resp["respondent_id"].str.fullmatch(r"R[0-9a-f]{16}").all()


def test_manual_unit_decision_is_honoured_next_run(fx):
    study, _, root = fx
    clean.run(study)
    review = pd.read_csv(study.processed_dir / "unit_match_review.csv")
    review["unit_id"] = "u3"
    (root / "config/unit_aliases").mkdir()
    review.to_csv(root / "config/unit_aliases/fx.csv", index=False)
    summary = clean.run(study)
    assert summary["unit_review"] == 0
    resp = pd.read_parquet(study.processed_dir / "respondents.parquet")
    assert resp.loc[resp["source_row"] == 18, "unit_id"].tolist() == ["u3"]


def test_crash_leaves_previous_outputs(fx, monkeypatch):
    study, _, _ = fx
    clean.run(study)
    before = {str(p.relative_to(study.processed_dir)): p.read_bytes()
              for p in study.processed_dir.rglob("*") if p.is_file()}

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", boom)
    with pytest.raises(RuntimeError):
        clean.run(study)
    after = {str(p.relative_to(study.processed_dir)): p.read_bytes()
             for p in study.processed_dir.rglob("*") if p.is_file()}
    assert after == before


def test_validate_lists_problems_and_writes_nothing(fx):
    study, _, root = fx
    problems = clean.validate(study)
    text = "\n".join(map(str, problems))
    assert "unknown label 'Entah' in 1 column, 1 cell" in text
    assert "value out of range '7' in 1 column, 1 cell" in text
    # the file faults are handled by cleaning rules: warnings. The one error is the
    # fixture's index without a spec (stage 01 does not need it, `run` would stop on it),
    # said at the study file's key
    assert [(p.message, p.column, p.found) for p in problems if p.is_error] == [("unknown index", "indices[0]", "ikd")]
    assert sum(not p.is_error for p in problems) >= 4
    assert "Kantor Antah Berantah" in text
    assert "region outside the study" in text and "Pemkab Kutai Timur" in text
    assert not (root / "data/processed").exists()


def test_missing_required_column_is_one_clear_error(fx):
    study, _, root = fx
    p = root / "data/raw/fx/survey.csv"
    df = pd.read_csv(p, dtype=str).drop(columns=["Unit Kerja"])
    df.to_csv(p, index=False)
    with pytest.raises(InputError) as info:
        clean.run(study)
    msg = str(info.value)
    assert "survey.csv" in msg and "row 1" in msg and "'unit'" in msg and "Unit Kerja" in msg
    assert any("required column missing" in str(p) and p.is_error for p in clean.validate(study))


# ----------------------------------------------------------------------------------------------
# the sample study: injected faults with ground truth
# ----------------------------------------------------------------------------------------------
SAMPLE_TRUTH = Path(__file__).resolve().parents[1] / "data/raw/sample/_truth/faults.csv"


def _pr(found: set, truth: set) -> tuple[float, float]:
    tp = len(found & truth)
    precision = tp / len(found) if found else 1.0
    recall = tp / len(truth) if truth else 1.0
    return precision, recall


@pytest.mark.skipif(not SAMPLE_TRUTH.exists(), reason="sample study not generated (python -m helpers synth)")
def test_sample_study_fault_detection(sample_cleaned):
    summary = sample_cleaned["summary"]
    rej, resp = summary["tables"]["rejected"], summary["tables"]["respondents"]
    truth = pd.read_csv(SAMPLE_TRUTH, dtype={"source_row": int})
    report = {}
    for rule in ("duplicate", "speeder", "straightliner"):
        t = set(zip(*truth.loc[truth["fault"] == rule, ["source_file", "source_row"]].T.to_numpy()))
        m = rej["reasons"].str.split(";").apply(lambda r, rule=rule: rule in r)
        f = set(zip(rej.loc[m, "source_file"], rej.loc[m, "source_row"]))
        report[rule] = _pr(f, t)
    ut = pd.read_csv(SAMPLE_TRUTH.parent / "units_truth.csv", dtype={"source_row": int})
    got = pd.concat([resp[["source_file", "source_row", "unit_id"]],
                     summary["tables"]["unit_rows"][["source_file", "source_row", "unit_id"]]]).drop_duplicates(
        ["source_file", "source_row"])
    j = ut.merge(got, on=["source_file", "source_row"], how="inner", suffixes=("_true", ""))
    matched = j["unit_id"].notna()
    precision = (j.loc[matched, "unit_id"] == j.loc[matched, "unit_id_true"]).mean()
    recall = (j["unit_id"] == j["unit_id_true"]).sum() / j["unit_id_true"].notna().sum()
    report["unit_matching"] = (float(precision), float(recall))
    print("\nsample study fault detection (precision, recall):")
    for k, (p, r) in report.items():
        print(f"  {k:15s} precision {p:.4f}  recall {r:.4f}")
    for k, (p, r) in report.items():
        assert p >= 0.98 and r >= 0.98, (k, p, r)
    for f, s in summary["files"].items():
        assert s["raw_rows"] == s["kept"] + s["rejected"]


def test_schema_guards_the_clean_table(fx):
    from helpers.clean.schema import validate_respondents

    study, _, _ = fx
    resp = clean.run(study, write=False, return_tables=True)["tables"]["respondents"]
    items = {c: (1, 4) for c in resp.columns if c.startswith("ikd_")}
    validate_respondents(resp, items)  # the real output passes
    bad = resp.copy()
    bad.loc[3, "ikd_1_1_1"] = 7.0
    with pytest.raises(InputError, match="schema") as info:
        validate_respondents(bad, items)
    assert info.value.column == "ikd_1_1_1" and info.value.row == int(resp.loc[3, "source_row"])
    with pytest.raises(InputError, match="personal columns"):
        validate_respondents(resp.assign(nip="198503152010012001"), items)


# ----------------------------------------------------------------------------------------------
# duplicates without a usable NIP: the fallback key (name + birth + sex + unit)
# ----------------------------------------------------------------------------------------------
def _add_people_without_nip(root: Path, study_quality: str | None = None) -> None:
    """Add a birth-year column and four people whose NIPs Excel mangled:
    rows 84/85 the same woman (titles and case differ; row 85 later and complete),
    rows 86/87 two men of the same name born 1980 and 1990."""
    cb = root / "config/instruments/mini.yaml"
    cb.write_text(cb.read_text() + "  birth_year: {aliases: [Tahun Lahir], type: number}\n")
    if study_quality:
        st = root / "config/studies/fx.yaml"
        st.write_text(st.read_text().replace("quality: {", "quality: {" + study_quality + ", "))
    p = root / "data/raw/fx/survey.csv"
    df = pd.read_csv(p, dtype=str, keep_default_na=False).replace("", None)
    df["Tahun Lahir"] = df["NIP"].str.replace(" ", "").str[:4]
    base = df.iloc[[4]].copy()  # a complete, ordinary row of Dinas Kesehatan (unit u2)
    assert base["Unit Kerja"].item() == "Dinas Kesehatan"
    new = pd.concat([base] * 4, ignore_index=True)
    new["Nama"] = ["Dr. Siti Aminah, S.Kom.", "SITI  AMINAH", "Budi Santoso", "Budi Santoso"]
    new["Tahun Lahir"] = ["1985", "1985", "1980", "1990"]
    new["Jenis Kelamin"] = ["Perempuan", "Perempuan", "Laki-laki", "Laki-laki"]
    new["NIP"] = ["1.98503E+17", "198503152010012000", "1.9800E+17", "1.99001E+17"]
    new["Cap waktu"] = ["20/06/2023 08:00:00", "21/06/2023 09:00:00", "20/06/2023 10:00:00", "20/06/2023 11:00:00"]
    pd.concat([df, new], ignore_index=True).to_csv(p, index=False)


def test_duplicate_fallback_key_without_usable_nip(fx):
    study, _, root = fx
    _add_people_without_nip(root)
    clean.run(load_study("fx"))
    out = study.processed_dir
    resp = pd.read_parquet(out / "respondents.parquet")
    rej = pd.read_parquet(out / "rejected.parquet")
    log = pd.read_csv(out / "cleaning_log.csv")
    in_file = resp.loc[resp["source_file"] == "survey.csv", "source_row"]
    # the same woman: the earlier copy rejected, the later one kept
    assert rej.loc[rej["source_row"] == 84, "reasons"].tolist() == ["duplicate"]
    assert 85 in set(in_file) and 84 not in set(in_file)
    # same name, different birth year: two people, both kept
    assert {86, 87} <= set(in_file)
    row = log[(log["rule"] == "duplicate") & (log["source_row"] == 84)].iloc[0]
    assert row["action"] == "reject" and row["column"] == "name+birth+sex+unit_id"
    assert row["new_value"] == "kept survey.csv row 85 (same name, birth, sex, unit_id; no usable NIP)"
    assert row["respondent_id"] == rej.loc[rej["source_row"] == 84, "respondent_id"].item()
    # the NIP-based duplicates are still found as before
    assert set(rej.loc[rej["reasons"] == "duplicate", "source_row"]) == {12, 33, 84}
    # no name, no NIP in any output
    blob = "".join(p.read_bytes().decode("latin-1") for p in out.rglob("*") if p.is_file()).lower()
    assert "aminah" not in blob and "santoso" not in blob and "1.98503e+17" not in blob
    summ = json.loads((out / "cleaning_summary.json").read_text())
    assert summ["duplicate_note"] == "1 found by the fallback key (no usable NIP)"
    assert summ["files"]["survey.csv"]["raw_rows"] == 86 == \
        summ["files"]["survey.csv"]["kept"] + summ["files"]["survey.csv"]["rejected"]


def test_duplicate_fallback_can_be_switched_off(fx):
    study, _, root = fx
    _add_people_without_nip(root, study_quality="duplicate: {fallback: false}")
    rej = clean.run(load_study("fx"), write=False, return_tables=True)["tables"]["rejected"]
    assert set(rej.loc[rej["reasons"] == "duplicate", "source_row"]) == {12, 33}


def test_fallback_key_rules():
    from helpers.clean import quality as q

    assert q.normalise_names(pd.Series(["Dr. Siti  Aminah, S.Kom., M.Si.", "SITI AMINAH", "Hj. Siti Aminah",
                                        None, " , "])).tolist() == \
        ["siti aminah", "siti aminah", "siti aminah", pd.NA, pd.NA]
    df = pd.DataFrame({"id_from_nip": [False] * 6 + [True], "respondent_id": [f"R{i}" for i in range(7)],
                       "birth_year": [1985, 1985, np.nan, 1985, 1985, 1985, 1985],
                       "sex": ["P", "P", "P", "P", "P", None, "P"], "unit_id": ["u1"] * 7})
    names = pd.Series(["Siti Aminah", "siti aminah", "Siti Aminah", "Anonim", "Si", "Siti Aminah", "Siti Aminah"])
    k = q.fallback_keys(df, names, pd.Series(True, index=df.index), q.options({})["duplicate"])
    # same key for 0, 1 and the NIP row 6; none without birth (2), placeholder (3),
    # too short (4), without sex (5)
    assert k[0] == k[1] and pd.isna(k[6]) and k[[2, 3, 4, 5]].isna().all()
    # a study overriding one fallback option keeps the other defaults
    o = q.options({"duplicate": {"fallback": {"max_group": 5}}})["duplicate"]["fallback"]
    assert o["max_group"] == 5 and o["fields"] == ["name", "birth", "sex", "unit_id"]
    # no birth column at all: no key (never a weaker key)
    assert q.fallback_keys(df.drop(columns="birth_year"), names, pd.Series(True, index=df.index),
                           q.options({})["duplicate"]).isna().all()
