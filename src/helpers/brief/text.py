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
        "headline": "{index} {region} {wave}: {value} pada skala {min}–{max} (kategori {category}), {n} ASN di {units} unit kerja.",
        "target": "Capaian terhadap target {target}: {pct}.",
        "prev": "Dibanding gelombang {wave} ({prev}): {change}{ci}{sig}.",
        "up": "naik {d} poin", "down": "turun {d} poin", "same": "hampir tidak berubah ({d} poin)",
        "change_ci": " [IK 95% {lo}; {hi}]",
        "change_sig": ", perubahan nyata secara statistik", "change_nsig": ", perubahan tidak nyata secara statistik",
        "areas": "{Noun} terkuat: {best} ({best_v}); {noun} terlemah: {worst} ({worst_v}).",
        "of_max": "{v} dari {max}",
        "by_construction": " (menurut definisi: {component} dihitung dari {factor})",
        "ut_real": "Rata-rata jenis unit kerja berbeda nyata ({test}, {p}, {eff}): tertinggi {hi} ({hi_v}), terendah {lo} ({lo_v}).",
        "ut_none": "Rata-rata jenis unit kerja tidak berbeda nyata secara statistik ({test}, {p}).",
        "ut_na": "Uji perbandingan jenis unit belum tersedia; selisih rata-rata di bawah bersifat deskriptif.",
        "priority": "Unit prioritas (pasti termasuk {k} terendah, P ≥ {p}): {units}.",
        "priority_none": "Tidak ada unit yang pasti termasuk {k} terendah (P ≥ {p}); peringkat unit berskor rendah masih tidak pasti (lihat interval peringkat).",
        "jp": "{share} ASN {ci} memenuhi 20 JP pelatihan per tahun (dari {n} ASN dengan data jam pelatihan).",
        "gap": "Kesenjangan terbesar menurut {factor} (kelompok ≥ {m} responden): {gap} poin ({hi} {hi_v} vs {lo} {lo_v}){sig}.",
        "gap_each": "Menurut {factor} (kelompok ≥ {m} responden): selisih {gap} poin ({hi} {hi_v} vs {lo} {lo_v}){sig}.",
        "gap_test": " ({test}, {p} Holm)",
        "sig": "; kelompok berbeda nyata secara statistik", "nsig": "; kelompok tidak berbeda nyata secara statistik",
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
        "headline": "{index}, {region} {wave}: {value} on a {min}–{max} scale (category {category}), {n} civil servants in {units} work units.",
        "target": "Achievement against the target of {target}: {pct}.",
        "prev": "Compared with wave {wave} ({prev}): {change}{ci}{sig}.",
        "up": "up {d} points", "down": "down {d} points", "same": "almost unchanged ({d} points)",
        "change_ci": " [95% CI {lo}, {hi}]",
        "change_sig": ", a statistically significant change", "change_nsig": ", not a statistically significant change",
        "areas": "Strongest {noun}: {best} ({best_v}); weakest {noun}: {worst} ({worst_v}).",
        "of_max": "{v} of {max}",
        "by_construction": " (by definition: {component} is scored from {factor})",
        "ut_real": "Unit types differ significantly ({test}, {p}, {eff}): highest {hi} ({hi_v}), lowest {lo} ({lo_v}).",
        "ut_none": "Unit types do not differ significantly ({test}, {p}).",
        "ut_na": "The unit-type comparison tests are not available; the differences below are descriptive.",
        "priority": "Priority units (robustly among the {k} lowest, P ≥ {p}): {units}.",
        "priority_none": "No unit is robustly among the {k} lowest (P ≥ {p}); the ranks of the low-scoring units are uncertain (see the rank intervals).",
        "jp": "{share} of staff {ci} meet the 20 training hours (JP) a year (of {n} with training-hour records).",
        "gap": "Largest gap by {factor} (groups of ≥ {m} respondents): {gap} points ({hi} {hi_v} vs {lo} {lo_v}){sig}.",
        "gap_each": "By {factor} (groups of ≥ {m} respondents): a gap of {gap} points ({hi} {hi_v} vs {lo} {lo_v}){sig}.",
        "gap_test": " ({test}, {p} Holm)",
        "sig": "; the groups differ significantly", "nsig": "; the groups do not differ significantly",
        "training_focus": "Training focus: {label}",
        "sections": {
            "key": "Key messages", "headline": "Headline index", "areas": "Area profile",
            "ut": "Unit-type comparison", "heat": "Unit type × area",
            "priority": "Priority work units", "gaps": "Demographic gaps",
            "training": "Training priorities", "dq": "Data quality", "methods": "Methods note",
            "repro": "Reproducibility", "other": "Further index",
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
    "welch": "Welch ANOVA", "paired_units": "paired t (unit means)", "wilcoxon_units": "Wilcoxon (unit means)",
    "mixed_wave": "mixed model (wave)", "mixed_wave_x_group": "mixed model (wave × unit type)",
    "mixed_emm": "mixed model (units as replication)", "emm_contrast": "contrasts of the mixed model's EMMs, Holm",
    "svy_wald": "design-based Wald", "svy_contrast": "design-based contrasts, Holm",
    "linked_change": "linked change (respondents matched across waves)",
    "within_person": "within-person change", "turnover": "turnover (only-later vs only-earlier respondents)",
}
EFFECTS = {"omega2": "ω²", "eta2": "η²", "epsilon2": "ε²", "omega_sq": "ω²", "eta_sq": "η²",
           "r2_group": "R²", "eta2_w": "η²"}
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


TESTS_ID = {"paired_units": "uji t berpasangan (rata-rata unit)", "wilcoxon_units": "Wilcoxon (rata-rata unit)",
            "mixed_wave": "model campuran (gelombang)", "mixed_wave_x_group": "model campuran (gelombang × jenis unit)",
            "mixed_emm": "model campuran (unit sebagai replikasi)",
            "emm_contrast": "kontras EMM model campuran, Holm", "svy_wald": "uji Wald berbasis desain",
            "svy_contrast": "kontras berbasis desain, Holm",
            "linked_change": "perubahan tertaut (responden dicocokkan antar gelombang)",
            "within_person": "perubahan dalam-individu", "turnover": "pergantian responden"}


def test_name(test: str | None, lang: str = "en") -> str:
    if not test:
        return ""
    if lang == "id" and str(test) in TESTS_ID:
        return TESTS_ID[str(test)]
    return TESTS.get(str(test), str(test))


def focus(component: str, label: str, lang: str) -> str:
    default = ("pelatihan " if lang == "id" else "training in ") + label.lower()
    return FOCUS.get(lang, {}).get(component, default)


def value(x, lang: str) -> str:
    return fmt.num(x, lang, 2)


def bound(x, lang: str) -> str:
    """A scale maximum or a target: ``100`` and ``75`` stay whole, ``2,75`` keeps its decimals."""
    if x is not None and float(x).is_integer():
        return fmt.num(x, lang, 0)
    return value(x, lang)


def _df(x: float, lang: str) -> str:
    """Degrees of freedom without a thousands separator: F(9; 1759), Welch F(2; 110,5)."""
    x = float(x)
    return str(int(x)) if x.is_integer() else fmt.num(x, lang, 1).replace("." if lang == "id" else ",", "")


def omnibus_phrase(o: dict, lang: str) -> tuple[str, str, str]:
    """(``Welch ANOVA F(2; 110,5) = 41,20``, ``p < 0,001``, ``ω² = 0,21``)."""
    name = test_name(o.get("test"), lang)
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
                              value=value(block["overall"], lang), max=bound(block["scale"]["max"], lang),
                              min=bound(block["scale"]["min"] or 0, lang),
                              category=block["category_label"] or fmt.DASH,
                              n=fmt.integer(block["n"]["respondents"], lang),
                              units=fmt.integer(block["n"]["units"], lang))
    if block.get("target") is not None:
        s += " " + tt["target"].format(target=bound(block["target"], lang),
                                       pct=fmt.num(block["achievement_pct"], lang, 2) + "%")
    s2 = change_sentence(block, lang)
    return s + (" " + s2 if s2 else "")


def change_sentence(block: dict, lang: str) -> str | None:
    """Change since the previous wave with its 95% CI and whether it is real."""
    tt = t(lang)
    prev = block.get("previous")
    if not prev or prev.get("change") is None:
        return None
    d = prev["change"]
    if abs(d) < 0.005:
        ch = tt["same"].format(d=value(d, lang))
    else:
        ch = (tt["up"] if d > 0 else tt["down"]).format(d=value(abs(d), lang))
    ci = ""
    if prev.get("change_ci_low") is not None:
        ci = tt["change_ci"].format(lo=value(prev["change_ci_low"], lang), hi=value(prev["change_ci_high"], lang))
    sig = "" if prev.get("significant") is None else (tt["change_sig"] if prev["significant"] else tt["change_nsig"])
    return tt["prev"].format(wave=prev["wave"], prev=value(prev["overall"], lang), change=ch, ci=ci, sig=sig)


NOUNS = {"id": {"ip_asn": "dimensi", "ild": "pilar"}, "en": {"ip_asn": "dimension", "ild": "pillar"}}


def noun(block: dict, lang: str) -> str:
    """What the index's components are called: area (IKD), dimensi (IP ASN), pilar (ILD)."""
    return NOUNS.get(lang, NOUNS["en"]).get(block.get("id"), "area")


def areas_sentence(block: dict, lang: str) -> str | None:
    b, w = block.get("strongest_area"), block.get("weakest_area")
    if not b or not w or b == w:
        return None
    a = block["areas"]
    tt = t(lang)
    # components on different maxima (IP ASN 25/40/30/5) are compared as a share of their maximum
    mixed = len({x.get("max") for x in a.values()}) > 1

    def v(c):
        return tt["of_max"].format(v=value(a[c]["mean"], lang), max=bound(a[c]["max"], lang)) if mixed \
            else value(a[c]["mean"], lang)

    n = noun(block, lang)
    return tt["areas"].format(best=a[b]["label"], best_v=v(b), worst=a[w]["label"], worst_v=v(w),
                              noun=n, Noun=n[:1].upper() + n[1:])


def unit_type_sentence(block: dict, lang: str) -> str:
    tt = t(lang)
    comp = block["comparison"]
    o = comp["omnibus"].get("overall")
    if not o:
        return tt["ut_na"]
    test, p, eff = omnibus_phrase(o, lang)
    if not o["significant"]:
        return tt["ut_none"].format(test=test, p=p)
    # the types the test compared: a type of fewer than 3 units was not tested as a type
    shown = {k: v for k, v in block["unit_types"].items()
             if not v["suppressed"] and v["mean"] is not None and v.get("tested", True)}
    hi = max(shown, key=lambda k: shown[k]["mean"])
    lo = min(shown, key=lambda k: shown[k]["mean"])
    return tt["ut_real"].format(test=test, p=p, eff=eff, hi=shown[hi]["label"], hi_v=value(shown[hi]["mean"], lang),
                                lo=shown[lo]["label"], lo_v=value(shown[lo]["mean"], lang))


ROBUST_P = 0.90  # P(among the lowest k) for a unit to be named a priority (helpers.stats.ranking)


def priority_sentence(block: dict, lang: str, k: int | None = None) -> str | None:
    """The units robustly among the lowest k (empirical-Bayes ranks), or that none is."""
    pr = block.get("priority") or {}
    units = pr.get("units") or []
    if not units:
        return None
    k = pr.get("k") or len(units)
    robust = [u for u in units if u["robust"]]
    pp = fmt.num(ROBUST_P, lang, 2)
    if not robust:
        return t(lang)["priority_none"].format(k=k, p=pp)
    rk = "peringkat" if lang == "id" else "rank"
    parts = [f"{u['unit']} {value(u['eb'], lang)} ({rk} {u['rank_low']}–{u['rank_high']} / {u['of']})"
             for u in robust]
    return t(lang)["priority"].format(k=k, p=pp, units="; ".join(parts))


def compliance_sentence(r: dict, lang: str) -> str | None:
    c = r.get("compliance_20jp")
    if not c or c.get("share") is None:
        return None
    sep = "; " if lang == "id" else ", "
    label = "IK 95% " if lang == "id" else "95% CI "
    return t(lang)["jp"].format(share=fmt.pct(c["share"], lang),
                                ci=f"[{label}{fmt.pct(c['ci_low'], lang)}{sep}{fmt.pct(c['ci_high'], lang)}]",
                                n=fmt.integer(c["n"], lang))


def largest_gap(block: dict) -> str | None:
    # a gap by a factor a component is scored from (IP ASN Kualifikasi <- education) is no finding
    gaps = {f: g for f, g in (block.get("gaps") or {}).items()
            if g.get("gap") is not None and f not in (block.get("by_construction") or {})}
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
    comp = (block.get("by_construction") or {}).get(factor)
    if comp and comp in block.get("areas", {}):
        sig += tt["by_construction"].format(component=block["areas"][comp]["label"],
                                            factor=FACTORS[lang if lang in FACTORS else "en"].get(factor, factor))
    if g.get("test"):
        tst, p, _eff = omnibus_phrase(g["test"], lang)
        sig += tt["gap_test"].format(test=tst, p=p)
    return tt["gap_each" if each else "gap"].format(factor=FACTORS[lang if lang in FACTORS else "en"].get(factor, factor),
                            gap=value(g["gap"], lang), hi=group_label(g["highest"], lang),
                            hi_v=value(g["groups"][g["highest"]]["mean"], lang),
                            lo=group_label(g["lowest"], lang), lo_v=value(g["groups"][g["lowest"]]["mean"], lang),
                            sig=sig, m=g.get("min_gap_n", 30))


def key_messages(r: dict, lang: str | None = None) -> list[str]:
    """Three to five messages: headline, areas, unit types, then priority units
    and 20 JP compliance or the largest demographic gap, as the data allow."""
    lang = lang or r["meta"]["lang"]
    b = r["index"]
    msgs = [headline_sentence(r, b, lang), areas_sentence(b, lang), unit_type_sentence(b, lang),
            priority_sentence(b, lang), compliance_sentence(r, lang), gap_sentence(b, lang)]
    msgs = [m for m in msgs if m]
    return msgs[:5]
