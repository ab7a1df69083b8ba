"""Numbers as a reader writes them in Bahasa Indonesia (``id``) or English (``en``):
the one formatter of the briefs, the summary, the tables' readings and stage 03's
plain-language readings.

Bahasa Indonesia uses a decimal comma and a thousands dot (``2,50``; ``12.500``);
English the reverse (``2.50``; ``12,500``). p-values follow APA style in each
language: ``p < 0,001`` / ``p = 0,023`` in id, ``p < .001`` / ``p = .023`` in en
(no leading zero for a value that cannot exceed 1; APA Publication Manual, 7th ed.,
6.36). A missing number is a dash.

>>> num(2.5, "id"), num(2.5, "en"), num(12500, "id", 0)
('2,50', '2.50', '12.500')
>>> pvalue(0.0231, "en"), pvalue(0.0004, "id"), signed(-0.083, "id")
('p = .023', 'p < 0,001', '−0,08')
"""
from __future__ import annotations

import math

DASH = "–"
MINUS = "−"  # U+2212: a true minus sign, as typeset numbers have


def _swap(text: str, lang: str) -> str:
    if lang != "id":
        return text
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def is_missing(x) -> bool:
    if x is None:
        return True
    try:
        return math.isnan(float(x))
    except (TypeError, ValueError):
        return False


def num(x, lang: str = "id", decimals: int = 2) -> str:
    """A number with ``decimals`` decimals and thousands separators."""
    if is_missing(x):
        return DASH
    return _swap(f"{float(x):,.{decimals}f}", lang)


def integer(x, lang: str = "id") -> str:
    return DASH if is_missing(x) else _swap(f"{int(round(float(x))):,d}", lang)


def pct(x, lang: str = "id", decimals: int = 1) -> str:
    """A proportion (0-1) as a percentage: ``pct(0.4567, "id") == '45,7%'``."""
    return DASH if is_missing(x) else num(100 * float(x), lang, decimals) + "%"


def pvalue(p, lang: str = "id") -> str:
    """APA style: ``p < 0,001`` / ``p < .001`` below 0.001, else three decimals
    (``p = .023`` in English, without the leading zero); ``p = –`` when missing."""
    if is_missing(p):
        return "p = " + DASH
    s = num(0.001 if p < 0.001 else p, lang, 3)
    if lang != "id" and s.startswith("0."):
        s = s[1:]
    return ("p < " if p < 0.001 else "p = ") + s


def signed(x, lang: str = "id", decimals: int = 2) -> str:
    """A change with its sign: ``+0,15``, ``−0,08`` (a true minus sign), ``±0,00``
    for a change that rounds to zero."""
    if is_missing(x):
        return DASH
    half = 0.5 * 10 ** -decimals
    sign = "+" if x >= half else (MINUS if x <= -half else "±")
    return sign + num(abs(float(x)), lang, decimals)


def dof(x, lang: str = "id") -> str:
    """Degrees of freedom without a thousands separator: ``9``, ``1759``, ``110,5``
    (Welch's df keeps one decimal; a whole df none)."""
    x = float(x)
    return str(int(x)) if x.is_integer() else num(x, lang, 1).replace("." if lang == "id" else ",", "")


def sep(lang: str) -> str:
    """The separator of two numbers in a bracket: ``; `` in id (the comma is the
    decimal mark), ``, `` in en."""
    return "; " if lang == "id" else ", "


def ci(lo, hi, lang: str = "id", decimals: int = 2) -> str:
    """``[2,31; 2,45]`` in id (the comma is taken), ``[2.31, 2.45]`` in en."""
    return f"[{num(lo, lang, decimals)}{sep(lang)}{num(hi, lang, decimals)}]"
