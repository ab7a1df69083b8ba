"""Plain-language sentences of a brief, in Bahasa Indonesia (``id``) or English
(``en``), built only from the results dict of :func:`.results.build_results`.

Every number in a sentence is a value of that dict formatted with :mod:`.fmt`,
so the text cannot state anything ``results.json`` does not hold.

>>> r = {"meta": {...}, "index": {...}}                  # doctest: +SKIP
>>> key_messages(r, "id")[0]                             # doctest: +SKIP
'IKD Kabupaten Kutai Kartanegara 2023: 2,31 dari 4,00 (kategori Cukup) ...'
"""
from __future__ import annotations

from .. import fmt, strings
from ..vocabulary import EFFECT_SYMBOLS, factor_label, group_label, statistic_symbol, test_label

__all__ = ["areas_sentence", "bound", "change_sentence", "compliance_sentence", "focus", "gap_sentence",
           "group_label", "headline_sentence", "key_messages", "largest_gap", "noun", "omnibus_phrase",
           "priority_sentence", "t", "test_name", "unit_type_sentence", "untestable", "value"]


def t(lang: str) -> dict:
    """The brief's sentence templates in ``lang`` (:data:`helpers.strings.BRIEF`)."""
    return strings.get("brief", lang)


def test_name(test: str | None, lang: str = "en") -> str:
    return test_label(test, lang)


def focus(component: str, label: str, lang: str) -> str:
    fc = strings.get("focus", lang)
    return fc[component] if component in fc else fc["*"].format(label=label.lower())


def value(x, lang: str) -> str:
    return fmt.num(x, lang, 2)


def bound(x, lang: str) -> str:
    """A scale maximum or a target: ``100`` and ``75`` stay whole, ``2,75`` keeps its decimals."""
    if x is not None and float(x).is_integer():
        return fmt.num(x, lang, 0)
    return value(x, lang)


def untestable(o: dict | None, lang: str) -> str | None:
    """Why an omnibus test is no test (a reason, in ``lang``), or None when it is one.

    A test with no numerator degree of freedom (``df1 = 0``) compares nothing: one
    group, or scores that do not vary within the groups (IP ASN Kualifikasi is
    scored from education, so by education every group is constant and the
    design-based Wald statistic is undefined). Printed as a test it would read
    ``F(0, 53) = –, p = –``; the brief says why there is no test instead.

    >>> untestable({"df1": 0.0, "k": 10, "statistic": None, "p": None}, "en")
    'the scores do not vary within the groups'
    >>> untestable({"df1": 3.0, "k": 4, "statistic": 2.5, "p": 0.06}, "en") is None
    True
    """
    if not o:
        return None
    df1, k = o.get("df1"), o.get("k")
    if k is not None and k < 2:
        return t(lang)["no_test_one"]
    if df1 is not None and df1 < 1:
        return t(lang)["no_test_flat"] if k is not None else t(lang)["no_test"]
    if o.get("statistic") is None and o.get("p") is None:
        return t(lang)["no_test"]
    return None


def omnibus_phrase(o: dict, lang: str) -> tuple[str, str, str]:
    """(``Welch ANOVA F(2; 110,5) = 41,20``, ``p < 0,001``, ``ω² = 0,21``)."""
    name = test_name(o.get("test"), lang)
    df = ""
    if o.get("df1") is not None:
        df = f"({fmt.dof(o['df1'], lang)}"
        if o.get("df2") is not None:
            df += f"{fmt.sep(lang)}{fmt.dof(o['df2'], lang)}"
        df += ")"
    stat = statistic_symbol(o.get("test"))
    test = f"{name} {stat}{df} = {fmt.num(o.get('statistic'), lang, 2)}"
    p = o.get("p_adj") if o.get("p_adj") is not None else o.get("p")
    eff = ""
    if o.get("effect_size") is not None:
        eff = f"{EFFECT_SYMBOLS.get(str(o.get('effect_name')), o.get('effect_name') or '')} = {fmt.num(o['effect_size'], lang, 2)}"
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


def noun(block: dict, lang: str) -> str:
    """What the index's components are called: area (IKD), dimensi (IP ASN), pilar (ILD)."""
    return strings.get("nouns", lang).get(block.get("id"), "area")


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
    why = untestable(o, lang)
    if why:
        return tt["ut_no_test"].format(why=why)
    test, p, eff = omnibus_phrase(o, lang)
    if o.get("p_adj") is not None:  # the p shown is Holm's, as the demographic gaps say of theirs
        p += " Holm"
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
    parts = [t(lang)["priority_unit"].format(unit=u["unit"], eb=value(u["eb"], lang), lo=u["rank_low"],
                                             hi=u["rank_high"], of=u["of"]) for u in robust]
    return t(lang)["priority"].format(k=k, p=pp, units="; ".join(parts))


def compliance_sentence(r: dict, lang: str) -> str | None:
    c = r.get("compliance_20jp")
    if not c or c.get("share") is None:
        return None
    return t(lang)["jp"].format(share=fmt.pct(c["share"], lang),
                                ci=t(lang)["jp_ci"].format(lo=fmt.pct(c["ci_low"], lang), sep=fmt.sep(lang),
                                                           hi=fmt.pct(c["ci_high"], lang)),
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
    why = untestable(g.get("test"), lang)
    sig = "" if g.get("significant") is None or why else (tt["sig"] if g["significant"] else tt["nsig"])
    comp = (block.get("by_construction") or {}).get(factor)
    if comp and comp in block.get("areas", {}):
        sig += tt["by_construction"].format(component=block["areas"][comp]["label"],
                                            factor=factor_label(factor, lang))
    if why:
        sig += "; " + tt["gap_no_test"].format(why=why)
    elif g.get("test"):
        tst, p, _eff = omnibus_phrase(g["test"], lang)
        sig += tt["gap_test"].format(test=tst, p=p)
    return tt["gap_each" if each else "gap"].format(factor=factor_label(factor, lang),
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
