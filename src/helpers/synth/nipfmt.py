"""NIP as it arrives in exports: clean, typed with separators, mangled by Excel,
or invalid. NIP layout (18 digits): birth date YYYYMMDD, TMT CPNS YYYYMM, sex
digit (1 male, 2 female), 3-digit sequence."""
from __future__ import annotations

import numpy as np
import pandas as pd


def as_text(nip: np.ndarray) -> np.ndarray:
    return np.asarray(nip, dtype="int64").astype(str).astype(object)


def formatted(rng: np.random.Generator, nip: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Separators between the NIP's parts: ``19850312 201001 2 003``, with dots or a
    leading ``NIP.`` as people type it. Every digit survives."""
    s = pd.Series(as_text(nip), dtype="string")
    parts = [s.str[0:8], s.str[8:14], s.str[14:15], s.str[15:18]]
    kind = rng.integers(0, 4, len(s))
    spaced = parts[0] + " " + parts[1] + " " + parts[2] + " " + parts[3]
    dotted = parts[0] + "." + parts[1] + "." + parts[2] + "." + parts[3]
    out = np.select([kind == 0, kind == 1, kind == 2],
                    [spaced.to_numpy(object), dotted.to_numpy(object), ("NIP. " + spaced).to_numpy(object)],
                    (" " + s + " ").to_numpy(object))
    detail = np.array(["spaces", "dots", "prefix", "padded"], dtype=object)[kind]
    return out.astype(object), detail


def excel_text(rng: np.random.Generator, nip: np.ndarray, decimal: str = ".") -> tuple[np.ndarray, np.ndarray]:
    """What a CSV holds after the NIP went through Excel as a number: scientific
    notation (``1.98503E+17``, ``1,98503E+17`` in an Indonesian locale) or 15
    significant digits (``198503122010012000``). The last digits are lost."""
    x = np.asarray(nip, dtype="int64")
    sci = np.char.mod("%.5E", x.astype(float)).astype(object)
    if decimal == ",":
        sci = pd.Series(sci, dtype=object).str.replace(".", ",", regex=False).to_numpy(object)
    lost = ((x // 1000) * 1000).astype(str).astype(object)
    kind = rng.random(len(x)) < 0.6
    return np.where(kind, sci, lost), np.where(kind, "scientific", "trailing_digits_lost").astype(object)


def excel_number(nip: np.ndarray) -> np.ndarray:
    """The float Excel stores for an NIP typed as a number: 15 significant digits,
    so the last three (the sequence) become ``000``."""
    return ((np.asarray(nip, dtype="int64") // 1000) * 1000).astype(float)


def invalid(rng: np.random.Generator, nip: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Structurally invalid NIPs: a digit missing, month 13, a sex digit that is
    neither 1 nor 2, a TMT before the 18th birthday, or letters typed for digits."""
    s = pd.Series(as_text(nip), dtype="string")
    kind = rng.integers(0, 5, len(s))
    drop = rng.integers(8, 18, len(s))
    # one digit dropped at position ``drop``: on an (n, 18) array of characters
    chars = np.asarray(s.to_numpy(str), dtype="U18").view("U1").reshape(len(s), 18)
    kept = chars[np.arange(18) != drop[:, None]].reshape(len(s), 17)
    short = pd.Series(np.ascontiguousarray(kept).view("U17").ravel(), dtype="string")
    bad_month = s.str[0:4] + "13" + s.str[6:18]
    bad_sex = s.str[0:14] + pd.Series(rng.choice(["0", "3", "5"], len(s))).astype("string") + s.str[15:18]
    by = s.str[0:4].astype(int)
    early = (s.str[0:8] + (by + 12).astype(str).astype("string") + s.str[12:18])
    letters = s.str[0:10] + "O" + s.str[11:17] + "l"
    out = np.select([kind == 0, kind == 1, kind == 2, kind == 3],
                    [short.to_numpy(object), bad_month.to_numpy(object), bad_sex.to_numpy(object),
                     early.to_numpy(object)], letters.to_numpy(object))
    detail = np.array(["17_digits", "month_13", "sex_digit", "tmt_before_age_18", "letters"], dtype=object)[kind]
    return out.astype(object), detail
