"""helpers.clean.nip: normalise, recover only what survived, validate, pseudonymise."""
from __future__ import annotations

import hashlib
import hmac

import pandas as pd
import pytest

from helpers.clean import nip as nipmod
from helpers.clean.nip import cross_check, normalise_nip, parse_nip, pseudonymise, respondent_ids

NIP = "198503152010012001"  # born 1985-03-15, CPNS 2010-01, female, sequence 001


@pytest.mark.parametrize("raw,status", [
    (NIP, "ok"),
    ("19850315 201001 2 001", "formatted"),
    ("19850315.201001.2.001", "formatted"),
    ("19850315-201001-2-001", "formatted"),
    (" 198503152010012001 ", "ok"),
    ("NIP. 19850315 201001 2 001", "formatted"),
    ("198503152010012001.0", "excel_recovered"),      # float text with every digit
    ("1.98503152010012001E+17", "excel_recovered"),   # scientific with 18 significant digits
])
def test_recoverable_forms(raw, status):
    out = normalise_nip(pd.Series([raw]))
    assert out.loc[0, "status"] == status
    assert out.loc[0, "nip"] == NIP


@pytest.mark.parametrize("raw", [
    "1.98503E+17",              # Excel's display: 6 significant digits
    "1.98503152010012E+17",     # Excel's 15 significant digits: last 3 digits unknown
    "1.98503152010012e+17",     # what a float cell gives
    "198503152010012000",       # 15 significant digits kept by Excel, zeros appended
    "1,98503E+17",              # the same in an Indonesian-locale CSV
    "98503152010012001",        # leading digit dropped: never padded
    "1985031520O0012001",       # letter O typed for zero: not corrected
    "1985031520100120011",      # 19 digits
    "NIP belum ada",
])
def test_unrecoverable_is_never_guessed(raw):
    out = normalise_nip(pd.Series([raw]))
    assert out.loc[0, "status"] == "unrecoverable"
    assert pd.isna(out.loc[0, "nip"])


def test_missing():
    out = normalise_nip(pd.Series([None, "", "  "]))
    assert out["status"].tolist() == ["missing"] * 3


def test_structure_decoded_and_checked():
    p = parse_nip(pd.Series([NIP, "198503152000012001", "198513152010012001", "198503152010013001",
                             "198503152040012001", "198503152010132001", None]), reference="2024-01-01")
    assert p.loc[0, "birth_date"] == pd.Timestamp("1985-03-15")
    assert p.loc[0, "tmt_cpns"] == pd.Timestamp("2010-01-01")
    assert p.loc[0, "sex"] == "P" and bool(p.loc[0, "valid"])
    assert p["problem"].tolist()[1:6] == ["tmt_before_18", "bad_birth_date", "bad_sex_digit", "tmt_in_future",
                                          "bad_tmt"]
    assert not p.loc[6, "valid"] and pd.isna(p.loc[6, "problem"])


def test_tmt_exactly_at_18_is_valid():
    # born March 1985: CPNS from March 2003 is allowed, February 2003 is not
    p = parse_nip(pd.Series(["198503152003031001", "198503152003021001"]), reference="2024-01-01")
    assert p["valid"].tolist() == [True, False]


def test_cross_check_sex_and_age():
    p = parse_nip(pd.Series([NIP, NIP, NIP]), reference="2024-01-01")
    # on 2023-06-01 she is 38.2 years old
    cc = cross_check(p, sex=pd.Series(["P", "L", None]), age=pd.Series([38, 38, 45]),
                     at=pd.Timestamp("2023-06-01"))
    assert cc["sex_mismatch"].tolist() == [False, True, False]
    assert cc["age_mismatch"].tolist() == [False, False, True]


def test_pseudonym_is_keyed_hmac_per_architecture():
    key = b"k3y"
    ids = pseudonymise(pd.Series([NIP, NIP, None, "x"]), key)
    expected = "R" + hmac.new(key, NIP.encode(), hashlib.sha256).hexdigest()[:16]
    assert ids[0] == ids[1] == expected and len(expected) == 17
    assert pd.isna(ids[2])
    assert pseudonymise(pd.Series([NIP]), b"other")[0] != expected  # the key matters


def test_respondent_id_falls_back_to_file_and_row():
    ids = respondent_ids(pd.Series([NIP, pd.NA], dtype="string"), pd.Series([True, False]), "a.csv",
                         pd.Series([2, 3]), key=b"k")
    assert ids[1] == "R" + hmac.new(b"k", b"a.csv#3", hashlib.sha256).hexdigest()[:16]


def test_key_from_env_or_created_file(tmp_path, monkeypatch):
    monkeypatch.setenv("ASN_PSEUDONYM_KEY", "from-env")
    assert nipmod.load_key() == b"from-env"
    monkeypatch.delenv("ASN_PSEUDONYM_KEY")
    monkeypatch.setenv("ASN_WORKSPACE", str(tmp_path))
    (tmp_path / "config").mkdir()
    k1 = nipmod.load_key()
    path = tmp_path / "config" / ".pseudonym_key"
    assert path.exists() and (path.stat().st_mode & 0o077) == 0  # owner-only
    assert nipmod.load_key() == k1 and len(k1) == 64  # same key next time


def test_vectorised_speed():
    import time
    s = pd.Series([NIP[:-3] + f"{i % 999 + 1:03d}" for i in range(200_000)])
    t = time.perf_counter()
    out = normalise_nip(s)
    parse_nip(out["nip"], reference="2024-01-01")
    assert (out["status"] == "ok").all()
    assert time.perf_counter() - t < 5
