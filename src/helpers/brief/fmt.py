"""Numbers as a reader of the brief's language writes them.

Bahasa Indonesia uses a decimal comma and a thousands dot (``2,50``; ``12.500``);
English the reverse (``2.50``; ``12,500``).

>>> num(2.5, "id"), num(2.5, "en"), num(12500, "id", 0)
('2,50', '2.50', '12.500')
"""
from __future__ import annotations

import math

DASH = "–"


def _swap(text: str, lang: str) -> str:
    if lang != "id":
        return text
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def is_missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


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
    """APA style: ``p < 0,001`` below 0.001, else three decimals."""
    if is_missing(p):
        return DASH
    return ("p < " + num(0.001, lang, 3)) if p < 0.001 else ("p = " + num(p, lang, 3))


def ci(lo, hi, lang: str = "id", decimals: int = 2) -> str:
    """``[2,31; 2,45]`` in id (the comma is taken), ``[2.31, 2.45]`` in en."""
    sep = "; " if lang == "id" else ", "
    return f"[{num(lo, lang, decimals)}{sep}{num(hi, lang, decimals)}]"
