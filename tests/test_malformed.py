"""Malformed inputs (tests/data/malformed/, written by its generate.py from the
sample formats): each is handled and logged, or refused with one message naming
file, row, column and what was expected. Never a bare traceback, never silent."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import factories
from factories import make_fixture
from helpers import checks, clean
from helpers.errors import InputError
from helpers.study import load_study

DATA = Path(__file__).resolve().parent / "data" / "malformed"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def fx(tmp_path, monkeypatch):
    monkeypatch.setenv("ASN_WORKSPACE", str(tmp_path))
    monkeypatch.setenv("ASN_PSEUDONYM_KEY", "test-key")
    make_fixture(tmp_path)
    return tmp_path


def use(root: Path, name: str, as_file: str = "survey.csv", codebook_edit=None):
    """The fixture study with its first source replaced by a malformed file."""
    raw = root / "data/raw/fx"
    shutil.copy(DATA / name, raw / as_file)
    cfg = root / "config/studies/fx.yaml"
    text = cfg.read_text()
    if as_file != "survey.csv":
        text = text.replace("file: survey.csv", f"file: {as_file}")
    cfg.write_text(text)
    if codebook_edit:
        cb = root / "config/instruments/mini.yaml"
        cb.write_text(codebook_edit(cb.read_text()))
    return load_study("fx")


def cli(root: Path, *args: str) -> subprocess.CompletedProcess:
    """``python -m helpers *args`` in the workspace ``root`` (in this process)."""
    return factories.cli(*args, cwd=root, ASN_WORKSPACE=root, ASN_PSEUDONYM_KEY="test-key", ASN_OUTPUT_ROOT=None)


def _log(summary):
    return summary["tables"]["log"]


# ----------------------------------------------------------------------------------------------
# rows the reader cannot split: rejected with their reason, the rest kept
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, row, reason", [
    ("extra_cells.csv", 12, "row 12: 26 cells, the header has 24"),
    ("unclosed_quote.csv", 22, "row 22: unclosed quote"),
])
def test_bad_row_is_rejected_with_its_reason_and_the_rest_kept(fx, name, row, reason):
    study = use(fx, name)
    out = clean.run(study, write=False, return_tables=True)
    f = out["files"]["survey.csv"]
    assert f["raw_rows"] == 40 and f["rejected_by_rule"]["malformed_row"] == 1
    assert f["raw_rows"] == f["kept"] + f["rejected"]
    rej = out["tables"]["rejected"]
    bad = rej[rej["source_row"] == row]
    assert bad["reasons"].tolist() == ["malformed_row"]
    log = _log(out)
    entry = log[(log["rule"] == "malformed_row")]
    assert entry["source_row"].tolist() == [row] and entry["new_value"].iloc[0].startswith(reason)
    # the rows after it are read normally
    assert row + 1 in set(out["tables"]["respondents"]["source_row"]) | set(rej["source_row"])
    text = "\n".join(map(str, clean.validate(study)))
    assert f"survey.csv, row {row}: 1 row(s) cannot be split into cells" in text


def test_a_one_megabyte_cell_is_read_not_a_traceback(fx):
    study = use(fx, "extra_cells.csv")
    p = fx / "data/raw/fx/survey.csv"
    df = pd.read_csv(DATA / "kobo_timestamps.csv", dtype=str, keep_default_na=False)
    item = [c for c in df.columns if "Pertanyaan" in c][0]
    df.loc[4, item] = "x" * 1_048_576
    df.to_csv(p, index=False)
    out = clean.run(study, write=False, return_tables=True)
    log = _log(out)
    hit = log[(log["source_row"] == 6) & (log["rule"] == "unknown_label")]
    assert hit["column"].tolist() == [item] and out["files"]["survey.csv"]["raw_rows"] == 40


# ----------------------------------------------------------------------------------------------
# xlsx
# ----------------------------------------------------------------------------------------------
def test_garbage_sheet_xml_is_one_message(fx):
    study = use(fx, "garbage_sheet.xlsx", as_file="survey.xlsx")
    with pytest.raises(InputError) as info:
        clean.run(study, write=False)
    msg = str(info.value)
    assert "survey.xlsx" in msg and "XML is damaged" in msg and "save it again" in msg
    r = cli(fx, "validate", "--study", "fx")
    assert r.returncode == 1 and "Traceback" not in r.stderr + r.stdout
    assert "survey.xlsx, column 'Sheet1': the sheet cannot be read" in r.stdout


def test_xlsx_error_and_formula_cells_are_logged(fx):
    study = use(fx, "error_cells.xlsx", as_file="survey.xlsx")
    out = clean.run(study, write=False, return_tables=True)
    log = _log(out)
    err = log[log["rule"] == "xlsx_error_cell"].sort_values("source_row")
    assert err["old_value"].tolist() == ["#N/A", "#DIV/0!", "#VALUE!"]
    assert err["source_row"].tolist() == [3, 4, 5]
    assert err["column"].tolist() == ["1.1 Pertanyaan 11", "1.2 Pertanyaan 12", "1.3 Pertanyaan 13"]
    fo = log[log["rule"] == "xlsx_formula_no_value"]
    assert fo["old_value"].tolist() == ["=1+2"] and fo["source_row"].tolist() == [6]
    resp = out["tables"]["respondents"].query("source_file == 'survey.xlsx'").set_index("source_row")
    assert np.isnan(resp.loc[3, "ikd_1_1_1"]) and np.isnan(resp.loc[6, "ikd_1_4_1"])
    text = "\n".join(map(str, clean.validate(study)))
    assert "Excel error '#N/A' in 1 column(s), 1 cell(s)" in text and "formula saved without its value" in text


# ----------------------------------------------------------------------------------------------
# files that cannot give a result: refused before anything is written
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, needle, row", [
    ("header_only.csv", "the file has a header but no data rows", 1),
    ("all_blank.csv", "all 6 data rows are blank", 2),
])
def test_empty_exports_are_refused_with_one_message(fx, name, needle, row):
    study = use(fx, name)
    with pytest.raises(InputError) as info:
        clean.run(study)
    assert needle in str(info.value) and "survey.csv" in str(info.value) and f"row {row}" in str(info.value)
    assert not (fx / "data/processed/fx").exists()
    r = cli(fx, "validate", "--study", "fx")
    assert r.returncode == 1 and needle in r.stdout and "Traceback" not in r.stderr


def test_missing_unit_column_is_an_error_before_any_stage(fx):
    study = use(fx, "no_unit_column.csv", codebook_edit=lambda t: t.replace(
        "unit: {aliases: [Unit Kerja], required: true}", "unit: {aliases: [Unit Kerja]}"))
    with pytest.raises(InputError) as info:
        clean.run(study)
    assert "no unit column" in str(info.value) and "'Unit Kerja'" in str(info.value)


# ----------------------------------------------------------------------------------------------
# personal data under headers the codebook does not know
# ----------------------------------------------------------------------------------------------
def test_unknown_columns_never_reach_outputs_and_nips_are_pointed_out(fx):
    study = use(fx, "unknown_nip_columns.csv")
    out = clean.run(study, return_tables=True)
    processed = fx / "data/processed/fx"
    rej = pd.read_parquet(processed / "rejected.parquet")
    assert len(rej) and not [c for c in rej.columns if "NIP" in c or "Induk" in c or "Saran" in c]
    for f in (p for p in processed.rglob("*") if p.is_file()):  # respondents.parquet is a dataset folder
        blob = f.read_bytes()
        assert b"198001012005011003" not in blob and b"Pelatihan lebih sering" not in blob, f.name
        assert b"19850312" not in blob, f.name  # the respondents' NIPs, in any column
    log = _log(out)
    dropped = log[log["rule"] == "unknown_column"]
    assert set(dropped["column"]) == {"No. Induk Pegawai Baru", "NIP Atasan Langsung", "Saran"}
    assert (dropped["source_row"] == 1).all()
    assert set(dropped.loc[dropped["new_value"] != "", "column"]) == {"No. Induk Pegawai Baru",
                                                                      "NIP Atasan Langsung"}
    text = "\n".join(map(str, clean.validate(study)))
    assert "column 'No. Induk Pegawai Baru': no NIP column mapped, but this column holds NIPs" in text
    assert "3 column(s) the codebook does not know are dropped" in text


def test_a_safe_column_is_kept_but_nip_values_in_a_known_column_are_masked(fx):
    study = use(fx, "unknown_nip_columns.csv", codebook_edit=lambda t: t + "safe_columns: [Saran, NIP Atasan "
                                                                            "Langsung]\n")
    out = clean.run(study, write=False, return_tables=True)
    rej = out["tables"]["rejected"]
    assert rej["raw:Saran"].dropna().eq("Pelatihan lebih sering").all()
    assert rej["raw:NIP Atasan Langsung"].dropna().eq("<NIP>").all()


# ----------------------------------------------------------------------------------------------
# timestamps
# ----------------------------------------------------------------------------------------------
def test_kobo_iso_timestamps_with_offset_parse(fx):
    study = use(fx, "kobo_timestamps.csv")
    out = clean.run(study, write=False, return_tables=True)
    log = _log(out)
    assert not len(log[log["rule"].isin(["bad_datetime", "unknown_label"]) & (log["column"] == "Cap waktu")])
    resp = out["tables"]["respondents"].set_index("source_row")
    assert resp.loc[2, "submitted_at"] == pd.Timestamp("2023-06-01 10:00:00")  # clock time as written


def test_excel_serials_parse_and_a_bad_time_names_the_format(fx):
    study = use(fx, "excel_serial_times.csv")
    out = clean.run(study, write=False, return_tables=True)
    resp = out["tables"]["respondents"].set_index("source_row")
    # 45078 = 2023-06-01 in Excel's 1900 system; .4166 of a day = 09:59:54
    assert resp.loc[2, "submitted_at"] == pd.Timestamp("2023-06-01 09:59:54")
    log = _log(out)
    bad = log[log["rule"] == "bad_datetime"]
    assert bad["source_row"].tolist() == [5] and bad["old_value"].tolist() == ["kemarin sore"]
    assert "ISO 8601" in bad["new_value"].iloc[0] and "format:" in bad["new_value"].iloc[0]


def test_a_codebook_format_is_used_and_named(fx):
    study = use(fx, "kobo_timestamps.csv", codebook_edit=lambda t: t.replace(
        "submitted_at: {aliases: [Cap waktu]}", "submitted_at: {aliases: [Cap waktu], format: '%d/%m/%Y %H:%M:%S'}"))
    out = clean.run(study, write=False, return_tables=True)
    bad = _log(out).query("rule == 'bad_datetime'")
    assert len(bad) == 40 and "'%d/%m/%Y %H:%M:%S' (e.g. '11/08/2024 10:09:00')" in bad["new_value"].iloc[0]


def test_speeder_rule_off_is_said(fx):
    study = use(fx, "kobo_timestamps.csv")
    p = fx / "data/raw/fx/survey.csv"
    df = pd.read_csv(p, dtype=str, keep_default_na=False)
    df["Durasi (detik)"] = "lama"
    df.to_csv(p, index=False)
    with pytest.warns(UserWarning, match="speeder: rule off: only 0 of 40 rows"):
        out = clean.run(study, write=False, return_tables=True)
    off = _log(out).query("rule == 'speeder' and action == 'off'")
    assert off["source_row"].tolist() == [1]


# ----------------------------------------------------------------------------------------------
# configuration and registry faults: errors with file and key, before any stage runs
# ----------------------------------------------------------------------------------------------
@pytest.fixture
def sample_ws(tmp_path, monkeypatch):
    """A workspace with the sample study's configuration and registry only."""
    shutil.copytree(ROOT / "config", tmp_path / "config", ignore=shutil.ignore_patterns(".pseudonym_key"))
    (tmp_path / "pyproject.toml").write_text("")
    raw = tmp_path / "data/raw/sample"
    raw.mkdir(parents=True)
    shutil.copy(ROOT / "data/raw/sample/units.csv", raw / "units.csv")
    for s in load_study(ROOT / "config/studies/sample.yaml").sources:
        (raw / s.file).write_text("placeholder")  # config checks never read survey files
    monkeypatch.setenv("ASN_WORKSPACE", str(tmp_path))
    return tmp_path


def _errors(root: Path) -> list[str]:
    return [str(f) for f in checks.config_findings(load_study("sample")) if f.is_error]


def test_the_sample_configuration_has_no_error(sample_ws):
    assert _errors(sample_ws) == []


@pytest.mark.parametrize("name, dest, needle", [
    ("study_misspelt_key.yaml", "studies/sample.yaml",
     "config/studies/sample.yaml, column 'qualty': unknown key (misspelt?); it would be ignored (expected quality)"),
    ("study_unknown_target.yaml", "studies/sample.yaml",
     "column 'targets.kota-bontang.ip_asn.informaton': target for an unknown component"),
    ("codebook_undeclared_area.yaml", "instruments/ikd_digcomp22.yaml",
     "config/instruments/ikd_digcomp22.yaml, column 'items[].area': 1 item(s) in an area the codebook does not "
     "declare (e.g. 'ikd_1_1_1')"),
    ("spec_item_typo.yaml", "indices/ikd.yaml",
     "config/indices/ikd.yaml, column 'index': 1 item id(s) of the spec are in no codebook of index 'ikd' "
     "(expected an item id of ikd_digcomp22 (did you mean"),
    ("spec_aggregation_average.yaml", "indices/ikd.yaml",
     "config/indices/ikd.yaml, column 'index.aggregation': unknown aggregation (expected mean | "),
    ("spec_band_gap.yaml", "indices/ikd.yaml", "category bands leave a gap: no band covers 2.3 < x < 2.51"),
])
def test_config_faults_are_errors_naming_file_and_key(sample_ws, name, dest, needle):
    shutil.copy(DATA / name, sample_ws / "config" / dest)
    errors = _errors(sample_ws)
    assert len(errors) == 1 and needle in errors[0], errors
    assert dest.split("/")[-1] in errors[0]


@pytest.mark.parametrize("name, needle", [
    ("units_duplicate_id.csv", "row 6, column 'unit_id': 1 unit id(s) listed more than once (also at row 3)"),
    ("units_unknown_type.csv", "row 4, column 'unit_type': 1 unit(s) of a type config/unit_types.yaml does not "
                               "know ('kantor_camat')"),
])
def test_registry_faults_are_errors(fx, name, needle):
    shutil.copy(DATA / name, fx / "data/raw/fx/units.csv")
    shutil.copy(ROOT / "config/unit_types.yaml", fx / "config/unit_types.yaml")
    study = load_study("fx")
    with pytest.raises(InputError) as info:
        clean.run(study)
    assert needle in str(info.value) and "units.csv" in str(info.value)
    r = cli(fx, "validate", "--study", "fx")
    assert r.returncode == 1 and needle in r.stdout


def test_run_stops_on_a_config_error_before_any_stage(sample_ws):
    shutil.copy(DATA / "study_misspelt_key.yaml", sample_ws / "config/studies/sample.yaml")
    r = cli(sample_ws, "run", "--study", "sample", "--quiet")
    assert r.returncode == 2 and "column 'qualty': unknown key" in r.stderr and "Traceback" not in r.stderr
    assert not (sample_ws / "data/processed").exists()


def test_validate_exits_0_with_only_warnings(fx):
    (fx / "config/indices").mkdir()
    shutil.copy(ROOT / "config/indices/ikd.yaml", fx / "config/indices/ikd.yaml")
    cfg = fx / "config/studies/fx.yaml"
    cfg.write_text(cfg.read_text().replace("indices: [ikd]", "indices: []"))
    r = cli(fx, "validate", "--study", "fx")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "warning(s) (handled by the cleaning rules" in r.stdout and "error" not in r.stdout.split("\n")[0]


# ----------------------------------------------------------------------------------------------
# HR records with only the old SKP score (2021): IP ASN scores kinerja from it
# ----------------------------------------------------------------------------------------------
def test_hr_records_with_only_the_old_skp_score_are_scored():
    from helpers.indices.engine import eval_points
    from helpers.indices.spec import load_spec

    spec = load_spec(ROOT / "config/indices/ip_asn.yaml")
    kinerja = spec.node("kinerja").points
    hr = pd.read_csv(DATA / "hr_skp_score_only.csv", sep=";", dtype=str)
    assert "skp_predikat" not in hr.columns
    df = pd.DataFrame({"skp_score": pd.to_numeric(hr["Nilai SKP"].str.replace(",", "."))})
    pts = eval_points(kinerja, df)
    # Peraturan BKN 8/2019 bands of the old SKP: 91-100 30, 76-90 25, 61-75 15, 51-60 5, <= 50 1
    ref = np.select([df["skp_score"] >= 91, df["skp_score"] >= 76, df["skp_score"] >= 61, df["skp_score"] >= 51],
                    [30, 25, 15, 5], 1)
    assert (pts == ref).all() and len(pts) == 30
    with pytest.raises(InputError, match="lack every field this point table can score"):
        eval_points(kinerja, pd.DataFrame({"other": [1.0]}))


def test_the_sample_study_validates_with_warnings_only_grouped():
    """The bundled sample's injected faults are all handled by cleaning rules:
    warnings, repeats grouped per value, no error (``make validate`` exits 0)."""
    found = clean.validate(load_study("sample"))
    assert found and not [str(f) for f in found if f.is_error]
    text = [str(f) for f in found]
    assert len(text) < 60  # grouped: one line per file and value, not per cell
    assert any("unknown label '2 atau 3' in 15 columns, 22 cells" in t for t in text)


# ----------------------------------------------------------------------------------------------
# validate reports, before any stage runs, what would stop stage 02 later
# ----------------------------------------------------------------------------------------------
def test_an_unknown_index_is_an_error_naming_the_study_file_and_key(sample_ws):
    cfg = sample_ws / "config/studies/sample.yaml"
    cfg.write_text(cfg.read_text().replace("indices:\n- ikd\n", "indices:\n- ikdd\n- ikd\n"))
    errors = _errors(sample_ws)
    assert len(errors) == 1, errors
    assert errors[0].endswith("config/studies/sample.yaml, column 'indices[0]': unknown index (expected 'ikd', or "
                              "one of bfi, ikd, ild, ip_asn (a spec in config/indices/), found 'ikdd')"), errors


def _mini_spec(root: Path) -> None:
    """An index spec over the fixture codebook's 12 items, one component per area."""
    import yaml

    from factories import ITEM_AREAS

    spec = {"id": "ikd", "scale": {"min": 1, "max": 4},
            "categories": {"round": 2, "bands": [{"id": "lo", "min": 1, "label": "Lo"},
                                                 {"id": "hi", "min": 2.5, "label": "Hi"}]},
            "index": {"aggregation": "mean", "min_share": 0.5,
                      "children": [{"id": area, "items": [f"ikd_{a}_{c}_1" for c in range(1, 5)]}
                                   for a, area in ITEM_AREAS]}}
    (root / "config/indices").mkdir(exist_ok=True)
    (root / "config/indices/ikd.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))


def test_a_codebook_alias_that_matches_no_column_is_reported_before_any_stage(fx):
    _mini_spec(fx)
    assert [f for f in clean.validate(load_study("fx")) if f.is_error] == []
    cb = fx / "config/instruments/mini.yaml"
    cb.write_text(cb.read_text().replace("aliases: ['1.1 Pertanyaan 11']", "aliases: ['1.1 Pertanyan 11']"))
    found = clean.validate(load_study("fx"))
    errors = [str(f) for f in found if f.is_error]
    # the index cannot be scored: an error naming the codebook and the item's aliases key
    assert errors == ["config/instruments/mini.yaml, column 'items[ikd_1_1_1].aliases': 1 item(s) index 'ikd' "
                      "scores match no column of any of the 2 source file(s) of 'mini': the index cannot be "
                      "scored (expected an alias equal to a raw header, e.g. '1.1 Pertanyan 11', "
                      "found ['ikd_1_1_1'])"], errors
    # and per raw file, a warning naming the file, the item and where its aliases are
    warn = [str(f) for f in found if not f.is_error and "match no column" in str(f)]
    assert len(warn) == 2 and all("items[ikd_1_1_1].aliases of config/instruments/mini.yaml" in w for w in warn)
    assert any(w.startswith("data/raw/fx/survey.csv, row 1, column 'ikd_1_1_1'") for w in warn), warn
    r = cli(fx, "validate", "--study", "fx")
    assert r.returncode == 1 and "items[ikd_1_1_1].aliases" in r.stdout, r.stdout + r.stderr
