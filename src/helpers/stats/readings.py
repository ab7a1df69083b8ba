"""One-line plain-language readings of a comparison, in Bahasa Indonesia and
English, built only from the numbers (so the brief and the tables agree).

Effect-size words for omega^2 / epsilon^2 follow Cohen (1988) via Field (2013):
< .01 negligible, < .06 small, < .14 medium, else large.
"""
from __future__ import annotations

import math

WORDS = [(0.01, "negligible", "sangat kecil"), (0.06, "small", "kecil"),
         (0.14, "medium", "sedang"), (math.inf, "large", "besar")]


def effect_words(es: float) -> tuple[str, str]:
    """(English, Indonesian) word for an omega^2 / epsilon^2 value."""
    if es is None or not math.isfinite(es):
        return "unknown", "tidak diketahui"
    for cut, en, idn in WORDS:
        if es < cut:
            return en, idn
    return WORDS[-1][1], WORDS[-1][2]


def _num(x: float, lang: str, digits: int = 2) -> str:
    s = f"{x:.{digits}f}"
    return s.replace(".", ",") if lang == "id" else s


def _p(p: float, lang: str) -> str:
    if not math.isfinite(p):
        return "p = NA"
    if p < 0.001:
        return "p < 0,001" if lang == "id" else "p < .001"
    s = f"{p:.3f}"
    return "p = " + (s.replace(".", ",") if lang == "id" else s.lstrip("0"))


def reading(factor: str | tuple[str, str], test_label: str, statistic: float, df1: float, df2: float, p: float,
            effect: float, effect_symbol: str, top: tuple, bottom: tuple, gap_ci: tuple | None,
            alpha: float = 0.05) -> tuple[str, str]:
    """(reading_id, reading_en) for one omnibus result.

    ``top`` / ``bottom`` are (label, mean) of the highest and lowest group;
    ``gap_ci`` the CI of their difference from the post-hoc test.
    """
    en_w, id_w = effect_words(effect)
    factor_id, factor_en = (factor, factor) if isinstance(factor, str) else factor
    sig = math.isfinite(p) and p < alpha
    dfs = f"{df1:.0f}" + (f", {df2:.1f}" if math.isfinite(df2) else "")
    stat_en = f"{test_label}({dfs}) = {statistic:.2f}, {_p(p, 'en')}, {effect_symbol} = {effect:.3f}"
    stat_id = f"{test_label}({dfs.replace('.', ',').replace(', ', '; ')}) = {_num(statistic, 'id')}, " \
              f"{_p(p, 'id')}, {effect_symbol} = {_num(effect, 'id', 3)}"
    gap = top[1] - bottom[1]
    ci_en = ci_id = ""
    if gap_ci and all(math.isfinite(v) for v in gap_ci):
        lo, hi = sorted((abs(gap_ci[0]), abs(gap_ci[1]))) if gap_ci[0] * gap_ci[1] > 0 else (
            min(gap_ci), max(gap_ci))
        ci_en = f" [95% CI {lo:.2f} to {hi:.2f}]"
        ci_id = f" [IK 95% {_num(lo, 'id')} s.d. {_num(hi, 'id')}]"
    if sig:
        en = (f"Scores differ by {factor_en} ({stat_en}; {en_w} effect): highest {top[0]} "
              f"({top[1]:.2f}), lowest {bottom[0]} ({bottom[1]:.2f}), gap {gap:.2f}{ci_en}.")
        idn = (f"Skor berbeda menurut {factor_id} ({stat_id}; efek {id_w}): tertinggi {top[0]} "
               f"({_num(top[1], 'id')}), terendah {bottom[0]} ({_num(bottom[1], 'id')}), "
               f"selisih {_num(gap, 'id')}{ci_id}.")
    else:
        en = (f"No clear difference by {factor_en} ({stat_en}; {en_w} effect); the observed gap between "
              f"{top[0]} ({top[1]:.2f}) and {bottom[0]} ({bottom[1]:.2f}) may be chance.")
        idn = (f"Tidak ada perbedaan yang jelas menurut {factor_id} ({stat_id}; efek {id_w}); selisih "
               f"antara {top[0]} ({_num(top[1], 'id')}) dan {bottom[0]} ({_num(bottom[1], 'id')}) "
               f"bisa karena kebetulan.")
    return idn, en


def note_reading(note_en: str, note_id: str) -> tuple[str, str]:
    return note_id, note_en
