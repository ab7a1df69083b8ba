"""helpers.clean.readers on real public files (../shared/external) and on every export
format a region sends."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyreadstat
import pytest

from helpers.errors import InputError
from helpers.clean.readers import read_table, strip_footnote, to_number

#: ../shared/external beside the project root; a clone elsewhere (CI's) uses this machine's copy
EXTERNAL = next((p for p in (Path(__file__).resolve().parents[2] / "shared" / "external",
                             Path("/work/shared/external")) if p.exists()), Path("../shared/external"))
needs_external = pytest.mark.skipif(not EXTERNAL.exists(), reason=f"shared external data not found at {EXTERNAL}")


@needs_external
def test_bps_pns_quoted_thousands_and_footnote():
    # BPS 2014 table: 34 provinces, numbers quoted with thousands commas; the README
    # states male + female = total on every row and a grand total of 4,455,303.
    df = read_table(EXTERNAL / "pns_per_provinsi_2014_adiferd.csv")
    assert list(df.columns) == ["Propinsi", "Laki-Laki", "Perempuan", "Jumlah"]
    assert len(df) == 34
    assert df.loc[0, "Laki-Laki"] == "75,060"  # text preserved, nothing guessed
    male, female, total = (to_number(df[c], df.attrs["decimal"]) for c in ("Laki-Laki", "Perempuan", "Jumlah"))
    assert total.sum() == 4_455_303
    assert (male + female == total).all()
    assert total.iloc[0] == 167_073
    names = strip_footnote(df["Propinsi"])
    assert "Kalimantan Utara" in set(names)
    assert not names.str.contains(r"\(").any()


@needs_external
def test_ild_2022_provinces():
    df = read_table(EXTERNAL / "indeks_literasi_digital_2022.csv")
    assert len(df) == 34 and df.attrs["delimiter"] == ","
    v = to_number(df["indeks_literasi_digital"])
    assert v.between(1, 5).all()
    assert df.loc[df["nama_provinsi"] == "ACEH", "indeks_literasi_digital"].item() == "3.53"


def test_to_number_decimal_conventions():
    assert to_number(pd.Series(["75,060", "3.5", " 12 ", "x", None])).tolist()[:3] == [75060.0, 3.5, 12.0]
    assert np.isnan(to_number(pd.Series(["3,5"]))).all()  # ambiguous with "." decimals: not read as 35
    assert to_number(pd.Series(["3,5", "1.234,5", "-2"]), decimal=",").tolist() == [3.5, 1234.5, -2.0]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_csv_encodings(tmp_path, encoding):
    text = "Nama,Unit Kerja,Skor\nRené Siregar,Dinas Pendidikan – Bidang SD,3\nAni,Dinkes,4\n"
    p = tmp_path / "x.csv"
    p.write_bytes(text.encode(encoding))
    df = read_table(p)
    assert list(df.columns) == ["Nama", "Unit Kerja", "Skor"]  # BOM not glued to the first header
    assert df.loc[0, "Nama"] == "René Siregar"
    assert df.loc[0, "Unit Kerja"] == "Dinas Pendidikan – Bidang SD"
    assert df.attrs["encoding"].replace("-sig", "") == ("cp1252" if encoding == "cp1252" else "utf-8")


def test_semicolon_csv_with_decimal_commas(tmp_path):
    p = tmp_path / "hr.csv"
    p.write_text("NIP;Nilai SKP;Jam pelajaran\n198503152010012001;87,5;24\n198601012011011002;91,25;12\n",
                 encoding="cp1252")
    df = read_table(p)
    assert df.attrs["delimiter"] == ";" and df.attrs["decimal"] == ","
    assert df.loc[0, "NIP"] == "198503152010012001"
    assert to_number(df["Nilai SKP"], df.attrs["decimal"]).tolist() == [87.5, 91.25]


def test_blank_rows_are_kept_as_rows(tmp_path):
    # a blank line is a raw row: it must be counted (and rejected), not vanish
    p = tmp_path / "x.csv"
    p.write_text("a,b\n1,2\n,\n\n3,4\n")
    df = read_table(p)
    assert len(df) == 4 and df.iloc[1].isna().all() and df.iloc[2].isna().all()
    assert df.attrs["header_row"] == 1


def test_excel_title_rows_named_sheet_and_nip_digits(tmp_path):
    p = tmp_path / "survey.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Petunjuk"
    ws.append(["Lembar ini berisi petunjuk"])
    ws2 = wb.create_sheet("Data")
    ws2.append(["REKAP SURVEI KOMPETENSI DIGITAL ASN"])
    ws2.append(["Kabupaten Kutai Kartanegara, 2023"])
    ws2.append([])
    ws2.append(["NIP", "Nama", "Usia", "Skor"])
    ws2.append(["198503152010012001", "Ani", 38, 3])  # NIP typed as text: all 18 digits kept
    # NIP typed as a number: Excel (and openpyxl) store 15 significant digits
    ws2.append([198503152010012001, "Budi", 40.0, 2.5])
    wb.save(p)
    df = read_table(p, sheet="Data")
    assert df.attrs["header_row"] == 4 and df.attrs["sheet"] == "Data"
    assert list(df.columns) == ["NIP", "Nama", "Usia", "Skor"]
    assert df["NIP"].tolist() == ["198503152010012001", "1.98503152010012e+17"]
    assert df["Usia"].tolist() == ["38", "40"] and df["Skor"].tolist() == ["3", "2.5"]
    first = read_table(p)  # first sheet by default
    assert first.attrs["sheet"] == "Petunjuk"
    with pytest.raises(InputError, match="sheet not found"):
        read_table(p, sheet="Tidak ada")


def test_spss_value_labels(tmp_path):
    p = tmp_path / "s.sav"
    df = pd.DataFrame({"jk": [1.0, 2.0, np.nan], "q1": [1.0, 4.0, 3.0], "nip": ["198503152010012001", "", "x"]})
    pyreadstat.write_sav(df, str(p), variable_value_labels={"jk": {1: "Laki-laki", 2: "Perempuan"},
                                                             "q1": {1: "Dasar", 4: "Sangat mahir"}})
    out = read_table(p)
    assert out["jk"].tolist()[:2] == ["Laki-laki", "Perempuan"] and pd.isna(out["jk"].iloc[2])
    assert out["q1"].tolist() == ["Dasar", "Sangat mahir", "3"]  # unlabelled value stays a number
    assert out.loc[0, "nip"] == "198503152010012001"



def test_spss_labels_equal_pyreadstat_apply_value_formats(tmp_path):
    # the reader applies value labels itself, once per distinct value: every cell must read
    # as pyreadstat's own apply_value_formats followed by the cell-to-text rule gives it
    from helpers.clean.readers import _typed_to_strings

    p = tmp_path / "m.sav"
    df = pd.DataFrame({"jk": [1.0, 2.0, np.nan, 1.0, 3.0], "q": [1.0, 1.5, 4.0, np.nan, 4.0],
                       "plain": [0.5, 2.0, np.nan, 1e17, -3.0], "txt": ["a", "", "b", "a", " "]})
    pyreadstat.write_sav(df, str(p), variable_value_labels={"jk": {1: "Laki-laki", 2: "Perempuan"},
                                                             "q": {1: "Dasar", 4: " "}})
    ref, _ = pyreadstat.read_sav(str(p), apply_value_formats=True, formats_as_category=False)
    out = read_table(p)
    pd.testing.assert_frame_equal(out.drop(columns=[]), _typed_to_strings(ref), check_exact=True)
    assert out["jk"].tolist()[:2] == ["Laki-laki", "Perempuan"] and out["jk"].iloc[4] == "3"
    assert out["q"].tolist()[:2] == ["Dasar", "1.5"] and pd.isna(out["q"].iloc[2])  # a blank label is missing


def test_xlsx_cells_in_bulk_equal_the_cell_rule():
    # calamine's typed cells converted in bulk give, cell by cell, what _cell_text gives
    import datetime as dt

    from helpers.clean.readers import _cell_text, _cells_text

    cells = [["Nama", "NIP", "Skor", "Tanggal", "Jam", "Ok"],
             ["  ", 198503152010012001.0, 2.5, dt.datetime(2023, 6, 1, 10, 5), dt.time(7, 30), True],
             ["Ani", 1.98503e17, float("nan"), dt.date(2023, 6, 2), "", False],
             ["x", -0.0, 1e16, dt.datetime(2023, 6, 1), 3, float("inf")],
             ["short row"]]
    def ref(v):
        try:
            return _cell_text(v)
        except TypeError:  # time.isoformat takes no sep: the bulk path must fail the same way
            return "TypeError"
    try:
        got = _cells_text(cells).tolist()
    except TypeError:
        got = None
    width = max(map(len, cells))
    expected = [[ref(v) for v in r] + [None] * (width - len(r)) for r in cells]
    if any("TypeError" in r for r in expected):
        assert got is None
        cells = [[v for v in r if not isinstance(v, dt.time)] for r in cells]
        width = max(map(len, cells))
        got = _cells_text(cells).tolist()
        expected = [[_cell_text(v) for v in r] + [None] * (width - len(r)) for r in cells]
    assert got == expected
    # an 18-digit NIP stored as a float shows that it lost digits (>= 2**53: shortest repr)
    assert got[1][1] == "1.98503152010012e+17" and got[2][1] == "1.98503e+17" and got[3][2] == "1e+16"
    assert got[1][0] is None and got[3][1] == "0" and got[1][2] == "2.5" and got[4][1:] == [None] * (width - 1)

def test_parquet_types_to_text(tmp_path):
    p = tmp_path / "x.parquet"
    pd.DataFrame({"nip": [198503152010012001, 198601012011011002], "x": [1.0, np.nan],
                  "t": pd.to_datetime(["2023-06-01 10:00:00", "2023-06-02 00:00:00"])}).to_parquet(p)
    df = read_table(p)
    assert df["nip"].tolist() == ["198503152010012001", "198601012011011002"]
    assert df.loc[0, "x"] == "1" and pd.isna(df.loc[1, "x"])
    assert df.loc[0, "t"] == "2023-06-01 10:00:00"


def test_duplicated_headers_are_kept_and_reported(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("NIP,Q1,Q1\n1,2,3\n")
    df = read_table(p)
    assert list(df.columns) == ["NIP", "Q1", "Q1 [2]"]
    assert df.attrs["duplicated_headers"] == ["Q1"]


@pytest.mark.parametrize("content,message", [
    (b"", "file is empty"),
    (b"  \n\n", "file is empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a text table"),
    (b"just one line of prose without delimiters\nand another\n", "not a table"),
    (b"a,b\n\x81\x8d\x8f,\xc3\n", "unknown text encoding"),
])
def test_bad_inputs_give_one_clear_error(tmp_path, content, message):
    p = tmp_path / "bad.csv"
    p.write_bytes(content)
    with pytest.raises(InputError, match=message) as info:
        read_table(p)
    assert "bad.csv" in str(info.value)


def test_unknown_encoding_names_the_row(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_bytes(b"a,b\n1,2\n3,\x81\x8d\n")
    with pytest.raises(InputError) as info:
        read_table(p)
    assert info.value.row == 3 and "UTF-8" in str(info.value)


def test_ragged_row_is_set_apart_with_its_row_and_reason(tmp_path):
    p = tmp_path / "r.csv"
    p.write_text("a,b\n1,2\n3,4,5\n6,7\n")
    df = read_table(p)
    # every raw row stays a row (raw = kept + rejected); the bad one is empty and named
    assert df["a"].tolist()[0] == "1" and df["a"].tolist()[2] == "6" and df.iloc[1].isna().all()
    assert df.attrs["malformed_rows"] == {1: "row 3: 3 cells, the header has 2"}


def test_not_a_workbook(tmp_path):
    p = tmp_path / "x.xlsx"
    p.write_text("hello")
    with pytest.raises(InputError, match="not a readable .xlsx"):
        read_table(p)
