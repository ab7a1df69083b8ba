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


D_WORDS = [(0.2, "negligible", "sangat kecil"), (0.5, "small", "kecil"),
           (0.8, "medium", "sedang"), (math.inf, "large", "besar")]


def d_words(d: float) -> tuple[str, str]:
    """(English, Indonesian) word for a standardized difference |d| (Cohen 1988:
    .2 small, .5 medium, .8 large)."""
    if d is None or not math.isfinite(d):
        return "unknown", "tidak diketahui"
    for cut, en, idn in D_WORDS:
        if abs(d) < cut:
            return en, idn
    return D_WORDS[-1][1], D_WORDS[-1][2]


def _signed(x: float, lang: str) -> str:
    s = f"{x:+.2f}"
    return s.replace(".", ",") if lang == "id" else s


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
    factor_id, factor_en = (factor, factor) if isinstance(factor, str) else factor
    p = float(primary[p_col]) if math.isfinite(float(primary[p_col])) else float(primary["p"])
    diff, lo, hi = float(primary["diff"]), float(primary["ci_low"]), float(primary["ci_high"])
    es = g if math.isfinite(g) else float(primary["effect_size"])
    en_w, id_w = d_words(es)
    sym = "g"
    if primary["test"] == "paired_units":
        st_en = f"{int(primary['n'])} units surveyed in both waves, t({primary['df1']:.0f}) = {primary['statistic']:.2f}"
        st_id = (f"{int(primary['n'])} unit yang disurvei di kedua gelombang, t({primary['df1']:.0f}) = "
                 f"{_num(float(primary['statistic']), 'id')}")
    elif primary["test"] == "linked_change":
        n_l = int(primary["n_clusters"]) if math.isfinite(float(primary.get("n_clusters", float("nan")))) else 0
        st_en = f"{n_l} respondents linked across waves, t({primary['df1']:.0f}) = {primary['statistic']:.2f}"
        st_id = (f"{n_l} responden tertaut antar gelombang, t({primary['df1']:.0f}) = "
                 f"{_num(float(primary['statistic']), 'id')}")
    else:
        st_en = st_id = f"z = {primary['statistic']:.2f}"
        st_id = st_id.replace(".", ",")
    st_en += f", {_p(p, 'en')}, {sym} = {es:.2f}, {en_w}"
    st_id += f"; {_p(p, 'id')}; {sym} = {_num(es, 'id')}, efek {id_w}"
    ci_en = f"95% CI {lo:+.2f} to {hi:+.2f}"
    ci_id = f"IK 95% {_signed(lo, 'id')} s.d. {_signed(hi, 'id')}"
    if math.isfinite(p) and p < alpha:
        en = f"From {before} to {after} the score {'rose' if diff > 0 else 'fell'} by {abs(diff):.2f} " \
             f"[{ci_en}] ({st_en})."
        idn = f"Dari {before} ke {after} skor {'naik' if diff > 0 else 'turun'} {_num(abs(diff), 'id')} " \
              f"[{ci_id}] ({st_id})."
    else:
        en = f"From {before} to {after} no clear change: {_signed(diff, 'en')} [{ci_en}] ({st_en})."
        idn = f"Dari {before} ke {after} tidak ada perubahan yang jelas: {_signed(diff, 'id')} [{ci_id}] ({st_id})."
    if mixed is not None and primary["test"] != "mixed_wave":
        pm = float(mixed[p_col]) if math.isfinite(float(mixed[p_col])) else float(mixed["p"])
        en += (f" Mixed model on all respondents: {_signed(float(mixed['diff']), 'en')} "
               f"[{float(mixed['ci_low']):+.2f} to {float(mixed['ci_high']):+.2f}], {_p(pm, 'en')}.")
        idn += (f" Model campuran pada semua responden: {_signed(float(mixed['diff']), 'id')} "
                f"[{_signed(float(mixed['ci_low']), 'id')} s.d. {_signed(float(mixed['ci_high']), 'id')}]; "
                f"{_p(pm, 'id')}.")
    if changes is not None and len(changes) >= 2:
        top = changes.loc[changes["diff"].idxmax()]
        bot = changes.loc[changes["diff"].idxmin()]
        ext_en = f"largest change {top['subgroup']} ({_signed(float(top['diff']), 'en')}), " \
                 f"smallest {bot['subgroup']} ({_signed(float(bot['diff']), 'en')})"
        ext_id = f"perubahan terbesar {top['subgroup']} ({_signed(float(top['diff']), 'id')}), " \
                 f"terkecil {bot['subgroup']} ({_signed(float(bot['diff']), 'id')})"
        if inter is not None and math.isfinite(float(inter["p"])):
            pi = float(inter[p_col]) if math.isfinite(float(inter[p_col])) else float(inter["p"])
            chi_en = f"χ²({inter['df1']:.0f}) = {inter['statistic']:.2f}, {_p(pi, 'en')}"
            chi_id = f"χ²({inter['df1']:.0f}) = {_num(float(inter['statistic']), 'id')}; {_p(pi, 'id')}"
            if pi < alpha:
                en += f" The change differs by {factor_en} ({chi_en}): {ext_en}."
                idn += f" Perubahan berbeda menurut {factor_id} ({chi_id}): {ext_id}."
            else:
                en += f" No clear difference in change by {factor_en} ({chi_en}); {ext_en}."
                idn += f" Perubahan tidak jelas berbeda menurut {factor_id} ({chi_id}); {ext_id}."
        else:
            en += f" By {factor_en}: {ext_en}."
            idn += f" Menurut {factor_id}: {ext_id}."
    return idn, en
