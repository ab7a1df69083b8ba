"""NIP (Nomor Induk Pegawai): normalise, check, and replace by a pseudonym.

An NIP has 18 digits: birth date ``YYYYMMDD``, TMT CPNS ``YYYYMM`` (start of
service), a sex digit (1 male, 2 female) and a 3-digit sequence, e.g.
``19850315 201001 2 001``.

Excel and people damage it: ``"1.98503E+17"`` (scientific notation),
``198503152010012001.0`` (a float written as text), spaces, dots, a leading
apostrophe. :func:`normalise_nip` recovers the 18 digits only when all of them
are still there; anything else is ``unrecoverable`` and never guessed (a double
holds ~16 significant digits, so an NIP that went through a float without its
full text has lost its last digits).

Pseudonyms follow docs/architecture.md: ``"R" + first 16 hex chars of
HMAC-SHA256(key, nip)``; the key is ``$ASN_PSEUDONYM_KEY`` or the git-ignored
file ``config/.pseudonym_key`` (32 random bytes as hex, created on first use).
"""
from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path

import pandas as pd

from .. import paths

KEY_ENV = "ASN_PSEUDONYM_KEY"
MIN_CPNS_AGE = 18

#: status codes of :func:`normalise_nip`
STATUS = ("ok", "formatted", "excel_recovered", "unrecoverable", "missing")


def normalise_nip(values: pd.Series) -> pd.DataFrame:
    """Normalise raw NIP cells to 18-digit strings.

    Returns a frame (same index) with ``nip`` (18 digits or NA) and ``status``:

    - ``ok``: already 18 digits;
    - ``formatted``: 18 digits once spaces, dots, dashes or an apostrophe are removed;
    - ``excel_recovered``: float text or scientific notation carrying all 18 digits
      (``"198503152010012001.0"``, ``"1.98503152010012001E+17"``);
    - ``unrecoverable``: scientific notation or float that lost digits
      (``"1.98503E+17"``), 18 digits ending in ``000`` (Excel's 15 significant
      digits; sequence numbers start at 001), or not 18 digits after cleaning
      (dropped digits, letters typed for digits);
    - ``missing``: empty cell.

    Example
    -------
    >>> normalise_nip(pd.Series(["19850315 201001 2 001", "1.98503E+17"]))["status"].tolist()
    ['formatted', 'unrecoverable']
    """
    values = values.astype("string")
    # most cells are already 18 digits: one pass finds them, the rest is the few others
    plain = values.str.fullmatch(r"\d{18}", na=False)
    nip = values.where(plain).astype("string")
    status = pd.Series("ok", index=values.index, dtype="string").where(plain, "unrecoverable").astype("string")
    s = values[~plain].str.strip().str.lstrip("'").str.strip()
    s = s.str.replace(r"^NIP\s*[.:]?\s*", "", regex=True, case=False)  # "NIP. 19850312 ..."
    s = s.mask(s == "")
    status[s[s.isna()].index] = "missing"
    ok = s.str.fullmatch(r"\d{18}", na=False)
    nip[ok[ok].index] = s[ok]
    status[ok[ok].index] = "ok"
    s = s[~ok & s.notna()]

    def put(mask: pd.Series, values: pd.Series, code: str) -> None:
        idx = mask[mask.fillna(False).astype(bool)].index
        nip[idx] = values[idx]
        status[idx] = code

    # float written as text with every digit: 198503152010012001.0
    fl = s.str.fullmatch(r"\d{18}\.0*", na=False)
    put(fl, s.str.slice(0, 18), "excel_recovered")

    # scientific notation: d.ddd...E+17 recovered only when the mantissa has 18 digits
    sci = s.str.extract(r"^(\d)[.,](\d+)[eE]\+?(\d{1,2})$")
    is_sci = sci[0].notna()
    if is_sci.any():
        mant = (sci[0] + sci[1].str.rstrip("0")).where(is_sci)
        exp = pd.to_numeric(sci[2], errors="coerce")
        # 17 decimals written = all 18 digits present
        full = is_sci & (exp == 17) & (mant.str.len() <= 18) & (sci[1].str.len() >= 17)
        put(full, mant.str.pad(18, side="right", fillchar="0"), "excel_recovered")

    stripped = s.str.replace(r"[\s.\-_/]", "", regex=True)
    fmt = ~fl & ~is_sci & stripped.str.fullmatch(r"\d{18}", na=False)
    put(fmt, stripped, "formatted")

    # Excel keeps 15 significant digits, so an NIP that went through a number
    # cell ends in "000"; real sequence numbers start at 001, so this is a loss
    lost = nip.str.endswith("000", na=False)
    nip[lost] = pd.NA
    status[lost] = "unrecoverable"
    return pd.DataFrame({"nip": nip, "status": status})


def parse_nip(nip: pd.Series, reference: pd.Timestamp | str | pd.Series | None = None) -> pd.DataFrame:
    """Decode and check the structure of normalised NIPs.

    Columns: ``birth_date``, ``tmt_cpns`` (first of the month), ``sex`` (``L``/``P``),
    ``valid`` and ``problem`` (``bad_birth_date``, ``bad_tmt``, ``tmt_before_18``,
    ``tmt_in_future``, ``bad_sex_digit``; the first one found). A missing NIP
    has ``valid`` False and ``problem`` NA.

    The TMT CPNS rule: appointment as CPNS requires age 18 (UU ASN 5/2014, art. 23),
    so ``tmt_cpns >= birth_date + 18 years``, compared by month. ``reference``
    (the latest possible date: today by default) may be one date per row.
    """
    n = nip.astype("string")
    birth = pd.to_datetime(n.str.slice(0, 8), format="%Y%m%d", errors="coerce")
    tmt = pd.to_datetime(n.str.slice(8, 14), format="%Y%m", errors="coerce")
    digit = n.str.slice(14, 15)
    sex = digit.map({"1": "L", "2": "P"}).astype("string")
    ref = (reference if isinstance(reference, pd.Series) else pd.Timestamp(reference) if reference is not None
           else pd.Timestamp.today().normalize())
    bm = birth.dt.year * 12 + birth.dt.month
    tm = tmt.dt.year * 12 + tmt.dt.month
    problem = pd.Series(pd.NA, index=n.index, dtype="string")
    present = n.notna()
    checks = [
        ("bad_sex_digit", present & sex.isna()),
        ("tmt_in_future", present & tmt.notna() & (tmt > ref)),
        ("tmt_before_18", present & birth.notna() & tmt.notna() & (tm < bm + 12 * MIN_CPNS_AGE)),
        ("bad_tmt", present & tmt.isna()),
        ("bad_birth_date", present & (birth.isna() | (birth.dt.year < 1930) | (birth > ref))),
    ]
    for code, mask in checks:  # later assignments win: order is reverse priority
        problem[mask.fillna(False).astype(bool)] = code
    return pd.DataFrame({"birth_date": birth, "tmt_cpns": tmt, "sex": sex,
                         "valid": present & problem.isna(), "problem": problem})


def cross_check(parsed: pd.DataFrame, sex: pd.Series | None = None, age: pd.Series | None = None,
                at: pd.Series | pd.Timestamp | None = None, tolerance: float = 1.5) -> pd.DataFrame:
    """Compare what the NIP says with the sex and age the respondent gave.

    ``sex_mismatch``: NIP sex digit differs from the sex field (both known).
    ``age_mismatch``: age from the NIP birth date at ``at`` (submission time or a
    reference date) differs from the age field by more than ``tolerance`` years
    (an age in whole years is up to 1 below the exact age, hence 1.5).
    """
    out = pd.DataFrame(index=parsed.index)
    if sex is not None:
        s = sex.astype("string")
        out["sex_mismatch"] = (parsed["sex"].notna() & s.notna() & (parsed["sex"] != s)).fillna(False).astype(bool)
    if age is not None:
        at = pd.Timestamp.today() if at is None else at
        at = pd.to_datetime(at) if not isinstance(at, pd.Timestamp) else at
        nip_age = (at - parsed["birth_date"]).dt.days / 365.2425
        diff = (nip_age - pd.to_numeric(age, errors="coerce")).abs()
        out["age_mismatch"] = (diff > tolerance).fillna(False).astype(bool)
    return out


# ----------------------------------------------------------------------------------------------
# pseudonyms
# ----------------------------------------------------------------------------------------------
def key_path() -> Path:
    return paths.config_dir() / ".pseudonym_key"


def load_key(create: bool = True) -> bytes:
    """The pseudonym key: ``$ASN_PSEUDONYM_KEY`` (text) if set, else the
    git-ignored ``config/.pseudonym_key``, created with 32 random bytes on first use
    (readable by the owner only). The same key gives the same ids across runs."""
    env = os.environ.get(KEY_ENV)
    if env:
        return env.encode("utf-8")
    p = key_path()
    if not p.exists():
        if not create:
            raise FileNotFoundError(p)
        p.parent.mkdir(parents=True, exist_ok=True)
        # Write a private temp file, then link it into place: the link fails if a
        # concurrent process (parallel notebooks, test workers) created the key
        # first, and nobody can ever read a half-written key.
        tmp = p.with_name(f".{p.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32) + "\n")
        try:
            os.link(tmp, p)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return p.read_text(encoding="utf-8").strip().encode("utf-8")


def key_check(key: bytes) -> str:
    """A check value of the pseudonym key (HMAC of a fixed text, 16 hex chars):
    two processes compare their keys with it without sending the key itself
    (a Dask worker against the process that sent it a batch)."""
    return hmac.new(key, b"asn-pseudonym-key-check", "sha256").hexdigest()[:16]


def pseudonymise(values: pd.Series, key: bytes | None = None) -> pd.Series:
    """``"R" + hex16(HMAC-SHA256(key, value))`` per value; NA stays NA.

    HMAC is computed once per distinct value (C implementation, ``hmac.digest``),
    which keeps 1 million rows around a second.
    """
    key = load_key() if key is None else key
    codes, uniq = pd.factorize(values.astype("string"), use_na_sentinel=True)
    # the digest given by name takes OpenSSL's one-shot path (about 1.7 s per million);
    # hmac.digest's own Python frame is skipped when OpenSSL's function is there
    try:
        from _hashlib import hmac_digest as digest
    except ImportError:  # a Python without OpenSSL's hashlib
        digest = hmac.digest
    ids = pd.array(["R" + digest(key, v.encode("utf-8"), "sha256").hex()[:16] for v in uniq.tolist()],
                   dtype="string")
    return pd.Series(ids.take(codes, allow_fill=True), index=values.index)


def respondent_ids(nip: pd.Series, usable: pd.Series, source_file: str | pd.Series, source_row: pd.Series,
                   key: bytes | None = None) -> pd.Series:
    """Pseudonymous respondent ids per docs/architecture.md: from the NIP when it
    is ``usable``, else from ``"<source_file>#<source_row>"`` (``source_file``: one
    name, or one per row)."""
    fallback = source_file + "#" + source_row.astype("int64").astype("string")
    basis = nip.astype("string").where(usable.astype(bool), fallback)
    return pseudonymise(basis, key)
