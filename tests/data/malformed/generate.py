"""Write the malformed-input corpus of tests/test_malformed.py (deterministic).

Every file is a small variant of the formats the sample study uses: the
fixture survey of tests/factories.py (a Google-Forms-style CSV export with the
mini codebook), its unit registry, and the sample study's own YAML. Run from
the repository root:  .venv/bin/python tests/data/malformed/generate.py
(the 1 MB-cell CSV is written by its test instead, to keep the repository small).
"""
from __future__ import annotations

import io
import sys
import tempfile
import zipfile
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from factories import make_fixture  # noqa: E402


def _survey() -> tuple[pd.DataFrame, pd.DataFrame]:
    with tempfile.TemporaryDirectory() as tmp:
        make_fixture(Path(tmp))
        raw = Path(tmp) / "data/raw/fx"
        survey = pd.read_csv(raw / "survey.csv", dtype=str, keep_default_na=False)
        units = pd.read_csv(raw / "units.csv", dtype=str, keep_default_na=False)
    return survey.iloc[:40].reset_index(drop=True), units


def _csv(df: pd.DataFrame) -> str:
    buf = io.StringIO()
    df.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue()


def main() -> None:
    survey, units = _survey()
    items = [c for c in survey.columns if "Pertanyaan" in c]
    out = HERE

    # a row with two extra cells, and a row whose quote never closes, among good rows
    lines = _csv(survey).split("\n")
    lines[11] = lines[11] + ",extra,cells"
    (out / "extra_cells.csv").write_text("\n".join(lines), encoding="utf-8")
    lines = _csv(survey).split("\n")
    lines[21] = lines[21].replace(",Pemkab Kukar,", ',"Pemkab Kukar,', 1)
    (out / "unclosed_quote.csv").write_text("\n".join(lines), encoding="utf-8")

    # header only; header and blank rows
    (out / "header_only.csv").write_text(",".join(survey.columns) + "\n", encoding="utf-8")
    (out / "all_blank.csv").write_text(",".join(survey.columns) + "\n"
                                       + ("," * (len(survey.columns) - 1) + "\n") * 6, encoding="utf-8")

    # no unit column
    (out / "no_unit_column.csv").write_text(_csv(survey.drop(columns=["Unit Kerja"])), encoding="utf-8")

    # NIPs under headers the codebook does not know, a supervisor's NIP, free text
    x = survey.rename(columns={"NIP": "No. Induk Pegawai Baru"})
    x["NIP Atasan Langsung"] = "198001012005011003"
    x["Saran"] = "Pelatihan lebih sering"
    (out / "unknown_nip_columns.csv").write_text(_csv(x), encoding="utf-8")

    # KoboToolbox timestamps (ISO 8601 with offset) and Excel serial dates
    x = survey.copy()
    x["Cap waktu"] = [f"2023-06-{1 + i % 27:02d}T10:{i % 60:02d}:00.000+08:00" for i in range(len(x))]
    (out / "kobo_timestamps.csv").write_text(_csv(x), encoding="utf-8")
    x = survey.copy()
    x["Cap waktu"] = [f"{45078 + i % 27}.{4166 + i:d}" for i in range(len(x))]  # June 2023
    x.loc[3, "Cap waktu"] = "kemarin sore"
    (out / "excel_serial_times.csv").write_text(_csv(x), encoding="utf-8")

    # xlsx: error cells and formulas without cached values in item columns
    x = survey.copy().astype(object)
    x.loc[1, items[0]] = "#N/A"
    x.loc[2, items[1]] = "#DIV/0!"
    x.loc[3, items[2]] = "#VALUE!"
    x.loc[4, items[3]] = "=1+2"
    x.to_excel(out / "error_cells.xlsx", index=False)  # openpyxl stores "#N/A" as an error cell

    # xlsx whose sheet XML is garbage
    good = out / "error_cells.xlsx"
    with zipfile.ZipFile(good) as z, zipfile.ZipFile(out / "garbage_sheet.xlsx", "w") as w:
        for n in z.namelist():
            data = z.read(n)
            if n == "xl/worksheets/sheet1.xml":
                data = b'<?xml version="1.0"?><worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v>' \
                       b'</c></row><row r="2"><c r="A2"\x00\x01 garbage'
            w.writestr(n, data)

    # registries: a unit id listed twice; a unit type config/unit_types.yaml does not know
    u = pd.concat([units, units.iloc[[1]]], ignore_index=True)
    (out / "units_duplicate_id.csv").write_text(_csv(u), encoding="utf-8")
    u = units.copy()
    u.loc[2, "unit_type"] = "kantor_camat"
    (out / "units_unknown_type.csv").write_text(_csv(u), encoding="utf-8")

    # HR records of 2021: old SKP score only, no predikat (the sample's Bontang export format)
    hr = pd.read_csv(ROOT / "data/raw/sample/bontang_ipasn_2021.csv", sep=";", dtype=str, nrows=30,
                     keep_default_na=False)
    drop = [c for c in hr.columns if "predikat" in c.lower()]
    hr.drop(columns=drop).to_csv(out / "hr_skp_score_only.csv", sep=";", index=False, lineterminator="\n")

    # configuration faults, from the sample study's own YAML
    study = (ROOT / "config/studies/sample.yaml").read_text(encoding="utf-8")
    (out / "study_misspelt_key.yaml").write_text(study.replace("\nquality:", "\nqualty:"), encoding="utf-8")
    (out / "study_unknown_target.yaml").write_text(study.replace("      kompetensi: 31", "      kompetensi: 31\n"
                                                                  "      informaton: 3"), encoding="utf-8")
    cb = (ROOT / "config/instruments/ikd_digcomp22.yaml").read_text(encoding="utf-8")
    (out / "codebook_undeclared_area.yaml").write_text(cb.replace("area: information", "area: informasi", 1),
                                                       encoding="utf-8")
    spec = (ROOT / "config/indices/ikd.yaml").read_text(encoding="utf-8")
    (out / "spec_item_typo.yaml").write_text(spec.replace("ikd_1_1_1", "ikd_1_1_l", 1), encoding="utf-8")
    (out / "spec_aggregation_average.yaml").write_text(spec.replace("  aggregation: mean\n  min_share: 1.0",
                                                                             "  aggregation: average\n  min_share: 1.0"),
                                                       encoding="utf-8")
    (out / "spec_band_gap.yaml").write_text(spec.replace("min: 1.76, max: 2.50", "min: 1.76, max: 2.30"),
                                            encoding="utf-8")


if __name__ == "__main__":
    main()
