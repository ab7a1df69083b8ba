"""Plain-language sentences of a brief, in Bahasa Indonesia (``id``) or English
(``en``), built only from the results dict of :func:`.results.build_results`.

Every number in a sentence is a value of that dict formatted with :mod:`.fmt`,
so the text cannot state anything ``results.json`` does not hold.

>>> r = {"meta": {...}, "index": {...}}                  # doctest: +SKIP
>>> key_messages(r, "id")[0]                             # doctest: +SKIP
'IKD Kabupaten Kutai Kartanegara 2023: 2,31 dari 4,00 (kategori Cukup) ...'
"""
from __future__ import annotations

from . import fmt

T = {
    "id": {
        "title": "Ringkasan Kebijakan: {index} {region}",
        "subtitle": "{study} · gelombang {wave} · {n} responden di {units} unit kerja",
        "synthetic": "Data sintetis untuk contoh: angka ini bukan hasil resmi.",
        "headline": "{index} {region} {wave}: {value} dari {max} (kategori {category}), {n} ASN di {units} unit kerja.",
        "target": "Capaian terhadap target {target}: {pct}.",
        "prev": "Dibanding gelombang {wave} ({prev}): {change}.",
        "up": "naik {d}", "down": "turun {d}", "same": "tidak berubah",
        "areas": "Area terkuat: {best} ({best_v}); area terlemah: {worst} ({worst_v}).",
        "ut_real": "Perbedaan antar jenis unit nyata ({test}, {p}, {eff}): tertinggi {hi} ({hi_v}), terendah {lo} ({lo_v}).",
        "ut_none": "Perbedaan antar jenis unit tidak terbukti secara statistik ({test}, {p}).",
        "ut_na": "Uji perbandingan jenis unit belum tersedia; selisih rata-rata di bawah bersifat deskriptif.",
        "priority": "Unit prioritas (skor terendah): {units}.",
        "jp": "Kepatuhan 20 JP per tahun: {share} ASN {ci} dari {n} dengan data jam pelatihan.",
        "gap": "Kesenjangan terbesar menurut {factor}: {gap} poin ({hi} {hi_v} vs {lo} {lo_v}){sig}.",
        "gap_each": "Menurut {factor}: selisih {gap} poin ({hi} {hi_v} vs {lo} {lo_v}){sig}.",
        "sig": ", nyata secara statistik", "nsig": ", tidak nyata secara statistik",
        "training_focus": "Fokus pelatihan: {label}",
        "sections": {
            "key": "Pesan utama", "headline": "Indeks utama", "areas": "Profil area",
            "ut": "Perbandingan jenis unit kerja", "heat": "Jenis unit × area",
            "priority": "Unit kerja prioritas", "gaps": "Kesenjangan demografis",
            "training": "Prioritas pelatihan", "dq": "Kualitas data", "methods": "Catatan metode",
            "repro": "Reproduksibilitas", "other": "Indeks lain",
        },
    },
    "en": {
        "title": "Policy Brief: {index}, {region}",
        "subtitle": "{study} · wave {wave} · {n} respondents in {units} work units",
        "synthetic": "Synthetic example data: these figures are not official results.",
        "headline": "{index}, {region} {wave}: {value} of {max} (category {category}), {n} civil servants in {units} work units.",
        "target": "Achievement against the target of {target}: {pct}.",
        "prev": "Compared with wave {wave} ({prev}): {change}.",
        "up": "up {d}", "down": "down {d}", "same": "unchanged",
        "areas": "Strongest area: {best} ({best_v}); weakest area: {worst} ({worst_v}).",
        "ut_real": "Unit types really differ ({test}, {p}, {eff}): highest {hi} ({hi_v}), lowest {lo} ({lo_v}).",
        "ut_none": "No statistically supported difference between unit types ({test}, {p}).",
        "ut_na": "The unit-type comparison tests are not available; the differences below are descriptive.",
        "priority": "Priority units (lowest scores): {units}.",
        "jp": "20 JP a year compliance: {share} of staff {ci} among {n} with training-hour records.",
        "gap": "Largest gap by {factor}: {gap} points ({hi} {hi_v} vs {lo} {lo_v}){sig}.",
        "gap_each": "By {factor}: a gap of {gap} points ({hi} {hi_v} vs {lo} {lo_v}){sig}.",
        "sig": ", statistically significant", "nsig": ", not statistically significant",
        "training_focus": "Training focus: {label}",
        "sections": {
            "key": "Key messages", "headline": "Headline index", "areas": "Area profile",
            "ut": "Unit-type comparison", "heat": "Unit type × area",
            "priority": "Priority work units", "gaps": "Demographic gaps",
            "training": "Training priorities", "dq": "Data quality", "methods": "Methods note",
            "repro": "Reproducibility", "other": "Other indices",
        },
    },
}

FACTORS = {
    "id": {"sex": "jenis kelamin", "age_band": "kelompok umur", "education": "pendidikan",
           "position_type": "jenis jabatan", "status": "status kepegawaian"},
    "en": {"sex": "sex", "age_band": "age group", "education": "education",
           "position_type": "position type", "status": "employment status"},
}
GROUPS = {
    "id": {"L": "Laki-laki", "P": "Perempuan", "struktural": "Struktural", "fungsional": "Fungsional",
           "pelaksana": "Pelaksana", "<30": "< 30 th", "30-39": "30-39 th", "40-49": "40-49 th", "50+": "50+ th"},
    "en": {"L": "Men", "P": "Women", "struktural": "Structural", "fungsional": "Functional",
           "pelaksana": "Administrative", "<30": "< 30 y", "30-39": "30-39 y", "40-49": "40-49 y", "50+": "50+ y"},
}
TESTS = {
    "welch_anova": "Welch ANOVA", "anova": "ANOVA", "anova_oneway": "ANOVA", "kruskal": "Kruskal-Wallis",
    "games_howell": "Games-Howell", "tukey_hsd": "Tukey HSD", "levene": "Levene", "brown_forsythe": "Brown-Forsythe", "tukey": "Tukey HSD", "dunn": "Dunn-Holm",
    "welch": "Welch ANOVA",
}
EFFECTS = {"omega2": "ω²", "eta2": "η²", "epsilon2": "ε²", "omega_sq": "ω²", "eta_sq": "η²"}
# what a weak component calls for; components not listed get "training in <label>"
FOCUS = {
    "id": {"kompetensi": "diklat teknis ≥ 20 JP dan diklat jabatan", "kualifikasi": "tugas belajar / izin belajar",
           "kinerja": "pembinaan kinerja (SKP)", "disiplin": "pembinaan disiplin"},
    "en": {"kompetensi": "technical training ≥ 20 JP and position training", "kualifikasi": "study leave for degrees",
           "kinerja": "performance coaching (SKP)", "disiplin": "discipline coaching"},
}


def t(lang: str) -> dict:
    return T.get(lang, T["en"])


def group_label(group: str, lang: str) -> str:
    return GROUPS.get(lang, {}).get(group, group)


def test_name(test: str | None) -> str:
    return TESTS.get(str(test), str(test)) if test else ""


def focus(component: str, label: str, lang: str) -> str:
    default = ("pelatihan " if lang == "id" else "training in ") + label.lower()
    return FOCUS.get(lang, {}).get(component, default)


def value(x, lang: str) -> str:
    return fmt.num(x, lang, 2)


def _df(x: float, lang: str) -> str:
    """Degrees of freedom without a thousands separator: F(9; 1759), Welch F(2; 110,5)."""
    x = float(x)
    return str(int(x)) if x.is_integer() else fmt.num(x, lang, 1).replace("." if lang == "id" else ",", "")


def omnibus_phrase(o: dict, lang: str) -> tuple[str, str, str]:
    """(``Welch ANOVA F(2; 110,5) = 41,20``, ``p < 0,001``, ``ω² = 0,21``)."""
    name = test_name(o.get("test"))
    df = ""
    if o.get("df1") is not None:
        sep = "; " if lang == "id" else ", "
        df = f"({_df(o['df1'], lang)}"
        if o.get("df2") is not None:
            df += f"{sep}{_df(o['df2'], lang)}"
        df += ")"
    stat = "H" if "kruskal" in str(o.get("test")) else ("χ²" if "chi" in str(o.get("test")) else "F")
    test = f"{name} {stat}{df} = {fmt.num(o.get('statistic'), lang, 2)}"
    p = o.get("p_adj") if o.get("p_adj") is not None else o.get("p")
    eff = ""
    if o.get("effect_size") is not None:
        eff = f"{EFFECTS.get(str(o.get('effect_name')), o.get('effect_name') or '')} = {fmt.num(o['effect_size'], lang, 2)}"
    return test, fmt.pvalue(p, lang), eff


def headline_sentence(r: dict, block: dict, lang: str) -> str:
    tt = t(lang)
    s = tt["headline"].format(index=block["name"], region=r["meta"]["region_name"], wave=block["wave"] or "",
                              value=value(block["overall"], lang), max=value(block["scale"]["max"], lang),
                              category=block["category_label"] or fmt.DASH,
                              n=fmt.integer(block["n"]["respondents"], lang),
                              units=fmt.integer(block["n"]["units"], lang))
    if block.get("target") is not None:
        s += " " + tt["target"].format(target=value(block["target"], lang),
                                       pct=fmt.num(block["achievement_pct"], lang, 2) + "%")
    prev = block.get("previous")
    if prev and prev.get("change") is not None:
        d = prev["change"]
        ch = tt["same"] if abs(d) < 0.005 else (tt["up"] if d > 0 else tt["down"]).format(d=value(abs(d), lang))
        s += " " + tt["prev"].format(wave=prev["wave"], prev=value(prev["overall"], lang), change=ch)
    return s


def areas_sentence(block: dict, lang: str) -> str | None:
    b, w = block.get("strongest_area"), block.get("weakest_area")
    if not b or not w or b == w:
        return None
    a = block["areas"]
    return t(lang)["areas"].format(best=a[b]["label"], best_v=value(a[b]["mean"], lang),
                                   worst=a[w]["label"], worst_v=value(a[w]["mean"], lang))


def unit_type_sentence(block: dict, lang: str) -> str:
    tt = t(lang)
    comp = block["comparison"]
    o = comp["omnibus"].get("overall")
    if not o:
        return tt["ut_na"]
    test, p, eff = omnibus_phrase(o, lang)
    if not o["significant"]:
        return tt["ut_none"].format(test=test, p=p)
    shown = {k: v for k, v in block["unit_types"].items() if not v["suppressed"] and v["mean"] is not None}
    hi = max(shown, key=lambda k: shown[k]["mean"])
    lo = min(shown, key=lambda k: shown[k]["mean"])
    return tt["ut_real"].format(test=test, p=p, eff=eff, hi=shown[hi]["label"], hi_v=value(shown[hi]["mean"], lang),
                                lo=shown[lo]["label"], lo_v=value(shown[lo]["mean"], lang))


def priority_sentence(block: dict, lang: str, k: int = 3) -> str | None:
    units = block.get("priority_units") or []
    if not units:
        return None
    parts = [f"{u['unit']} {value(u['mean'], lang)} {fmt.ci(u['ci_low'], u['ci_high'], lang)}" for u in units[:k]]
    return t(lang)["priority"].format(units="; ".join(parts))


def compliance_sentence(r: dict, lang: str) -> str | None:
    c = r.get("compliance_20jp")
    if not c or c.get("share") is None:
        return None
    sep = "; " if lang == "id" else ", "
    return t(lang)["jp"].format(share=fmt.pct(c["share"], lang),
                                ci=f"[{fmt.pct(c['ci_low'], lang)}{sep}{fmt.pct(c['ci_high'], lang)}]",
                                n=fmt.integer(c["n"], lang))


def largest_gap(block: dict) -> str | None:
    gaps = {f: g for f, g in (block.get("gaps") or {}).items() if g.get("gap") is not None}
    if not gaps:
        return None
    # a significant gap beats a larger one the data do not support
    return max(gaps, key=lambda f: (bool(gaps[f].get("significant")), gaps[f]["gap"]))


def gap_sentence(block: dict, lang: str, factor: str | None = None, each: bool = False) -> str | None:
    """The largest gap (key message) or, with ``each``, the gap of ``factor``."""
    factor = factor or largest_gap(block)
    if not factor:
        return None
    g = block["gaps"][factor]
    tt = t(lang)
    sig = "" if g.get("significant") is None else (tt["sig"] if g["significant"] else tt["nsig"])
    return tt["gap_each" if each else "gap"].format(factor=FACTORS[lang if lang in FACTORS else "en"].get(factor, factor),
                            gap=value(g["gap"], lang), hi=group_label(g["highest"], lang),
                            hi_v=value(g["groups"][g["highest"]]["mean"], lang),
                            lo=group_label(g["lowest"], lang), lo_v=value(g["groups"][g["lowest"]]["mean"], lang),
                            sig=sig)


def key_messages(r: dict, lang: str | None = None) -> list[str]:
    """Three to five messages: headline, areas, unit types, then priority units
    and 20 JP compliance or the largest demographic gap, as the data allow."""
    lang = lang or r["meta"]["lang"]
    b = r["index"]
    msgs = [headline_sentence(r, b, lang), areas_sentence(b, lang), unit_type_sentence(b, lang),
            priority_sentence(b, lang), compliance_sentence(r, lang), gap_sentence(b, lang)]
    msgs = [m for m in msgs if m]
    return msgs[:5]
