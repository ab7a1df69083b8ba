"""tables.xlsx read back with openpyxl: labels in the brief's language, number
formats by kind, frozen header, filter, widths, README sheet with the
suppression rule."""
from __future__ import annotations


import pytest
from openpyxl import load_workbook

from factories import env


@pytest.fixture(scope="module")
def built(brief_study):
    root, cfg = brief_study("tables")
    with env(ASN_OUTPUT_ROOT=root, ASN_WORKSPACE=root):
        from helpers.brief.results import build_results
        from helpers.brief.tables import write_tables

        out = {}
        for lang in ("id", "en"):
            r = build_results(str(cfg), "kab-a", lang=lang)
            out[lang] = (r, load_workbook(write_tables(r, root / f"tables_{lang}.xlsx")))
        yield out


def _col(ws, header):
    heads = [c.value for c in ws[1]]
    return heads.index(header) + 1


def test_readme_names_every_sheet_and_the_suppression_rule(built):
    r, wb = built["id"]
    assert wb.sheetnames[0] == "README"
    text = [row for row in wb["README"].iter_rows(values_only=True)]
    listed = [row[0] for row in text[text.index(("Lembar", "Isi")) + 1:]]
    assert listed == wb.sheetnames[1:]
    rule = next(row[1] for row in text if row[0] == "Aturan penyembunyian")
    assert f"kurang dari {r['meta']['min_cell']} responden" in rule


def test_headers_and_codes_are_labels_in_the_briefs_language(built):
    r, wb = built["id"]
    ws = wb["unit_types"]
    assert [c.value for c in ws[1]][:5] == ["Indeks", "Jenis unit", "n (responden)", "Unit kerja",
                                             "Disembunyikan (n < minimum)"]
    labels = {v["label"] for b in r["indices"].values() for v in b["unit_types"].values()}
    codes = {ut for b in r["indices"].values() for ut in b["unit_types"]}
    col = [ws.cell(row=i, column=2).value for i in range(2, ws.max_row + 1)]
    assert set(col) == labels and not (set(col) & (codes - labels))
    pairs = wb["pairs"]
    assert [c.value for c in pairs[1]][:4] == ["Indeks", "Kelompok A", "Kelompok B", "Selisih (A - B)"]
    assert pairs.cell(row=2, column=2).value in labels
    _, wb_en = built["en"]
    assert [c.value for c in wb_en["unit_types"][1]][:3] == ["Index", "Unit type", "n (respondents)"]


def test_number_formats_by_kind_frozen_header_filter_widths(built):
    r, wb = built["id"]
    ws = wb["index"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}{ws.max_row}"
    mean = ws.cell(row=2, column=_col(ws, "Rata-rata"))
    b = next(iter(r["indices"].values()))
    assert mean.value == pytest.approx(b["overall"]) and mean.number_format == "#,##0.00"
    assert ws.cell(row=2, column=_col(ws, "n (responden)")).number_format == "#,##0"
    dq = wb["data_quality"]
    fmt = {dq.cell(i, 1).value: dq.cell(i, 2).number_format for i in range(2, dq.max_row + 1)}
    assert fmt["Tingkat respons"] == "0.0%" and fmt["Baris mentah"] == "#,##0"
    pairs = wb["pairs"]
    assert pairs.cell(2, _col(pairs, "p (disesuaikan)")).number_format == "0.0000"
    for name in wb.sheetnames[1:]:
        s = wb[name]
        if s.max_row > 1:
            assert s.freeze_panes == "A2" and s.auto_filter.ref, name
            widths = [s.column_dimensions[c.column_letter].width for c in s[1]]
            assert all(w and 8 <= w <= 62 for w in widths), (name, widths)


def test_suppressed_groups_keep_n_and_no_statistics(built):
    r, wb = built["id"]
    ws = wb["unit_types"]
    sup = _col(ws, "Disembunyikan (n < minimum)")
    mean = _col(ws, "Rata-rata")
    n = _col(ws, "n (responden)")
    rows = [(ws.cell(i, n).value, ws.cell(i, mean).value) for i in range(2, ws.max_row + 1) if ws.cell(i, sup).value]
    assert rows and all(nv < r["meta"]["min_cell"] and mv is None for nv, mv in rows)
