"""helpers.clean.codebook: loading and validating instrument YAML, header mapping,
labels -> values, demographic normalisation."""
from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import pytest

from helpers.clean.codebook import load_codebook, normalise_field, parse_datetime
from helpers.errors import ConfigError, InputError

MINI = textwrap.dedent("""
    id: mini
    kind: survey
    index: ikd
    scale: {min: 1, max: 4}
    responses:
      1: [Dasar, Foundation]
      2: [Menengah, Intermediate]
      3: [Mahir, Advanced]
      4: [Sangat mahir, Highly specialised]
    items:
      - {id: ikd_1_1_1, area: information, competence: "1.1", aliases: ["Saya dapat mencari informasi"]}
      - {id: ikd_1_1_2, area: information, competence: "1.1", pattern: "^1\\\\.1\\\\.2\\\\b"}
      - {id: ikd_2_1_1, area: communication, competence: "2.1", reverse: true}
    fields:
      nip: {aliases: [NIP, Nomor Induk Pegawai], personal: true}
      unit: {aliases: [Unit Kerja], required: true}
      sex: {aliases: [Jenis Kelamin], values: {L: [Cowok]}}
      submitted_at: {aliases: [Cap waktu]}
""")


@pytest.fixture
def cb(tmp_path):
    p = tmp_path / "mini.yaml"
    p.write_text(MINI)
    return load_codebook(p)


def test_loaded_structure(cb):
    assert cb.item_ids == ["ikd_1_1_1", "ikd_1_1_2", "ikd_2_1_1"]
    assert cb.areas() == {"information": ["ikd_1_1_1", "ikd_1_1_2"], "communication": ["ikd_2_1_1"]}
    assert cb.fields["nip"].personal and cb.fields["unit"].required
    assert cb.fields["submitted_at"].type == "datetime"


def test_header_mapping_by_alias_id_and_pattern(cb):
    headers = ["Cap waktu", "  nomor induk  PEGAWAI ", "Saya dapat mencari informasi",
               "1.1.2 Saya dapat menyaring hasil pencarian", "Pertanyaan [ikd_2_1_1]", "Catatan"]
    m = cb.map_headers(headers)
    assert m == {"Cap waktu": "submitted_at", "  nomor induk  PEGAWAI ": "nip",
                 "Saya dapat mencari informasi": "ikd_1_1_1",
                 "1.1.2 Saya dapat menyaring hasil pencarian": "ikd_1_1_2",
                 "Pertanyaan [ikd_2_1_1]": "ikd_2_1_1"}
    assert cb.missing_required(m) == ["unit"]


def test_two_columns_for_one_item_is_an_error(cb):
    with pytest.raises(InputError, match="same item"):
        cb.map_headers(["ikd_1_1_1", "Saya dapat mencari informasi"])


def test_response_labels(cb):
    cells = pd.Series(["Dasar", "  sangat   MAHIR ", "3 - Mahir", "4. Sangat mahir", "(2) Menengah",
                       "Intermediate", "3", "4,0", "2.0", "7", "0", "2.5", "Entah", None, "1 -"])
    out = cb.response_values(cells)
    v = out["value"].tolist()
    assert v[:9] == [1, 4, 3, 4, 2, 2, 3, 4, 2]
    assert np.isnan(v[9:14]).all() and v[14] == 1  # "1 -" with the label cut off: the value is explicit
    assert out["problem"].iloc[9:13].tolist() == ["out_of_range", "out_of_range", "out_of_range", "unknown_label"]
    assert out["problem"].iloc[[13, 14]].isna().all()  # empty cell is missing, not a problem


def test_reverse_keying(cb):
    items = pd.DataFrame({"ikd_1_1_1": [1.0, 4.0], "ikd_2_1_1": [1.0, 3.0]})
    r = cb.reverse(items)
    assert r["ikd_2_1_1"].tolist() == [4.0, 2.0] and r["ikd_1_1_1"].tolist() == [1.0, 4.0]


def test_field_values_extend_builtins(cb):
    out = cb.field_values("sex", pd.Series(["Laki-laki", "perempuan", "Cowok", "X"]))
    assert out["value"].tolist()[:3] == ["L", "P", "L"]
    assert out["problem"].tolist()[3] == "unknown_label"


@pytest.mark.parametrize("raw,expected", [
    ("S-1", "S1"), ("s1", "S1"), ("Sarjana", "S1"), ("Strata 1", "S1"), ("STRATA SATU", "S1"),
    ("DIV", "D4"), ("D-IV", "D4"), ("D 4", "D4"), ("Sarjana Terapan", "D4"), ("Diploma III", "D3"),
    ("D3", "D3"), ("Ahli Madya", "D3"), ("SLTA", "SMA"), ("SMK", "SMA"), ("SMA/SMK", "SMA"), ("SLTA/Sederajat", "SMA"),
    ("SLTP", "SMP"), ("SD", "SD"), ("Magister", "S2"), ("S-2", "S2"), ("Doktor", "S3"), ("S3", "S3"),
])
def test_education_spellings(raw, expected):
    got = normalise_field("education", pd.Series([raw])).iloc[0]
    assert (pd.isna(got) if expected is None else got == expected)


def test_golongan_status_position():
    g = normalise_field("golongan", pd.Series(["III/a", "3a", "iii-b", "IV / e", "Penata Muda (III/a)", "II/e",
                                               "IX", "V/a"]))
    assert g.tolist()[:5] == ["III/a", "III/a", "III/b", "IV/e", "III/a"] and g.iloc[5:].isna().all()
    assert normalise_field("status", pd.Series(["pns", "P3K", "PPPK", "Honorer"])).tolist()[:3] == \
        ["PNS", "PPPK", "PPPK"]
    assert normalise_field("position_type", pd.Series(["JPT Pratama", "JFT", "Jabatan Pelaksana", "JFU"])).tolist() \
        == ["struktural", "fungsional", "pelaksana", "pelaksana"]


def test_datetime_day_first_google_forms():
    t = parse_datetime(pd.Series(["05/06/2023 10:15:32", "13/06/2023 08:00:00", None]))
    assert t.iloc[0] == pd.Timestamp("2023-06-05 10:15:32")  # 5 June, not 6 May
    assert pd.isna(t.iloc[2])
    iso = parse_datetime(pd.Series(["2023/06/12 10:15:32 GMT+8"]))
    assert iso.iloc[0] == pd.Timestamp("2023-06-12 10:15:32")


@pytest.mark.parametrize("patch,message", [
    ("kind: quiz", "unknown kind"),
    ("scale: {min: 4, max: 1}", "invalid scale"),
    ("items: []", "needs items"),
])
def test_invalid_codebooks(tmp_path, patch, message):
    key = patch.split(":")[0]
    text = "\n".join(ln if not ln.startswith(key + ":") else patch for ln in MINI.splitlines())
    if key == "items":
        text = text.split("items:")[0] + "items: []\n"
    p = tmp_path / "bad.yaml"
    p.write_text(text)
    with pytest.raises(ConfigError, match=message) as info:
        load_codebook(p)
    assert "bad.yaml" in str(info.value)


def test_duplicate_alias_rejected(tmp_path):
    p = tmp_path / "dup.yaml"
    p.write_text(MINI.replace("aliases: [Unit Kerja]", "aliases: [Unit Kerja, NIP]"))
    with pytest.raises(ConfigError, match="alias used by two"):
        load_codebook(p)


def test_missing_codebook_names_path():
    with pytest.raises(ConfigError, match="codebook not found"):
        load_codebook("does_not_exist")
