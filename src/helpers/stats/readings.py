"""One-line plain-language readings of a comparison, in Bahasa Indonesia and
English, built only from the numbers (so the brief and the tables agree).

The sentences are in :data:`helpers.strings.READINGS`; every number is
formatted by :mod:`helpers.fmt` (the briefs' formatter: decimal comma in id,
APA p-values, a true minus sign).

Effect-size words for omega^2 / epsilon^2 follow Cohen (1988) via Field (2013):
< .01 negligible, < .06 small, < .14 medium, else large.
"""
from __future__ import annotations

import math

from .. import fmt, strings

OMEGA_CUTS = (0.01, 0.06, 0.14, math.inf)
D_CUTS = (0.2, 0.5, 0.8, math.inf)  # Cohen (1988): .2 small, .5 medium, .8 large


def _words(x: float, cuts: tuple, key: str) -> tuple[str, str]:
    en, idn = strings.get("readings", "en"), strings.get("readings", "id")
    if x is None or not math.isfinite(x):
        return en["unknown"], idn["unknown"]
    i = next(i for i, cut in enumerate(cuts) if x < cut)
    return en[key][i], idn[key][i]


def effect_words(es: float) -> tuple[str, str]:
    """(English, Indonesian) word for an omega^2 / epsilon^2 value.

    >>> effect_words(0.05), effect_words(0.2)
    (('small', 'kecil'), ('large', 'besar'))
    """
    return _words(es, OMEGA_CUTS, "omega_words")


def d_words(d: float) -> tuple[str, str]:
    """(English, Indonesian) word for a standardized difference |d| (Cohen 1988:
    .2 small, .5 medium, .8 large)."""
    return _words(abs(d) if d is not None else d, D_CUTS, "d_words")


def _lang_pair(factor) -> dict[str, str]:
    f_id, f_en = (factor, factor) if isinstance(factor, str) else factor
    return {"id": f_id, "en": f_en}


def reading(factor: str | tuple[str, str], test_label: str, statistic: float, df1: float, df2: float, p: float,
            effect: float, effect_symbol: str, top: tuple, bottom: tuple, gap_ci: tuple | None,
            alpha: float = 0.05) -> tuple[str, str]:
    """(reading_id, reading_en) for one omnibus result.

    ``top`` / ``bottom`` are (label, mean) of the highest and lowest group;
    ``gap_ci`` the CI of their difference from the post-hoc test.
    """
    words = dict(zip(("en", "id"), effect_words(effect)))
    factors = _lang_pair(factor)
    sig = math.isfinite(p) and p < alpha
    gap = top[1] - bottom[1]
    ci = None
    if gap_ci and all(math.isfinite(v) for v in gap_ci):
        ci = sorted((abs(gap_ci[0]), abs(gap_ci[1]))) if gap_ci[0] * gap_ci[1] > 0 else (min(gap_ci), max(gap_ci))
    out = {}
    for lang in ("id", "en"):
        s = strings.get("readings", lang)
        df = fmt.dof(df1, lang) + (fmt.sep(lang) + fmt.dof(df2, lang) if math.isfinite(df2) else "")
        stat = s["stat"].format(test=test_label, df=df, statistic=fmt.num(statistic, lang), p=fmt.pvalue(p, lang),
                                symbol=effect_symbol, effect=fmt.num(effect, lang, 3))
        out[lang] = s["differ" if sig else "no_differ"].format(
            factor=factors[lang], stat=stat, words=words[lang], top=top[0], top_v=fmt.num(top[1], lang),
            bottom=bottom[0], bottom_v=fmt.num(bottom[1], lang), gap=fmt.num(gap, lang),
            ci=s["gap_ci"].format(lo=fmt.num(ci[0], lang), hi=fmt.num(ci[1], lang)) if ci else "")
    return out["id"], out["en"]



def not_possible(why: str, waves: bool = False) -> tuple[str, str]:
    """(reading_id, reading_en) of a comparison that could not be made; ``why``
    (the test's notes) stays in English, as stage 03 writes its notes."""
    key = "no_wave_comparison" if waves else "no_comparison"
    return tuple(strings.get("readings", lang)[key].format(why=why) for lang in ("id", "en"))


def _p_of(row, p_col: str) -> float:
    return float(row[p_col]) if math.isfinite(float(row[p_col])) else float(row["p"])


def wave_reading(before, after, primary, mixed, inter, changes, factor, g: float = float("nan"),
                 alpha: float = 0.05, p_col: str = "p_adj") -> tuple[str, str]:
    """(reading_id, reading_en) of a change between two waves.

    ``primary``: the paired unit-means row (or the mixed-model row when no unit was
    surveyed twice) with ``diff, ci_low, ci_high``; ``mixed``: the mixed-model row
    or None; ``inter``: the group x wave row or None; ``changes``: per-subgroup
    paired changes (``subgroup, diff``); ``g``: Hedges' g of the respondent scores
    (later minus earlier), which sizes the change in words: d_z of unit means is
    larger by construction (unit means vary less than people), so it would
    overstate the change for a reader.
    """
    factors = _lang_pair(factor)
    p = _p_of(primary, p_col)
    diff, lo, hi = float(primary["diff"]), float(primary["ci_low"]), float(primary["ci_high"])
    es = g if math.isfinite(g) else float(primary["effect_size"])
    words = dict(zip(("en", "id"), d_words(es)))
    out = {}
    for lang in ("id", "en"):
        s = strings.get("readings", lang)
        t = fmt.num(float(primary["statistic"]), lang)
        if primary["test"] == "paired_units":
            st = s["paired_units"].format(n=int(primary["n"]), df=fmt.dof(round(float(primary["df1"])), lang), t=t)
        elif primary["test"] == "linked_change":
            n_l = float(primary.get("n_clusters", float("nan")))
            st = s["linked_change"].format(n=int(n_l) if math.isfinite(n_l) else 0,
                                           df=fmt.dof(round(float(primary["df1"])), lang), t=t)
        else:
            st = s["z"].format(z=t)
        st = s["wave_stat"].format(stat=st, p=fmt.pvalue(p, lang), g=fmt.num(es, lang), words=words[lang])
        ci = s["wave_ci"].format(lo=fmt.signed(lo, lang), hi=fmt.signed(hi, lang))
        if math.isfinite(p) and p < alpha:
            text = s["rose" if diff > 0 else "fell"].format(before=before, after=after, d=fmt.num(abs(diff), lang),
                                                            ci=ci, stat=st)
        else:
            text = s["no_change"].format(before=before, after=after, d=fmt.signed(diff, lang), ci=ci, stat=st)
        if mixed is not None and primary["test"] != "mixed_wave":
            text += s["mixed"].format(d=fmt.signed(float(mixed["diff"]), lang),
                                      lo=fmt.signed(float(mixed["ci_low"]), lang),
                                      hi=fmt.signed(float(mixed["ci_high"]), lang), p=fmt.pvalue(_p_of(mixed, p_col), lang))
        if changes is not None and len(changes) >= 2:
            top = changes.loc[changes["diff"].idxmax()]
            bot = changes.loc[changes["diff"].idxmin()]
            ext = s["extremes"].format(top=top["subgroup"], top_d=fmt.signed(float(top["diff"]), lang),
                                       bottom=bot["subgroup"], bottom_d=fmt.signed(float(bot["diff"]), lang))
            if inter is not None and math.isfinite(float(inter["p"])):
                pi = _p_of(inter, p_col)
                chi = s["chi"].format(df=fmt.dof(round(float(inter["df1"])), lang),
                                      statistic=fmt.num(float(inter["statistic"]), lang), p=fmt.pvalue(pi, lang))
                text += s["change_differs" if pi < alpha else "change_no_differ"].format(
                    factor=factors[lang], chi=chi, extremes=ext)
            else:
                text += s["change_by"].format(factor=factors[lang], extremes=ext)
        out[lang] = text
    return out["id"], out["en"]
