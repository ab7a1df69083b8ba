"""HTML sections of a brief, each built from the results dict (and the figure
files drawn from it). The notebook displays them one per cell; the export
(:mod:`helpers.export`) keeps their HTML and drops the code, and the print
stylesheet lays them out on A4.

>>> html = sections(results, figures)["key"]             # doctest: +SKIP
"""
from __future__ import annotations

import base64
from html import escape
from pathlib import Path

from .. import fmt, strings
from .disclosure import note as suppression_note
from .plots import ordered_areas
from ..vocabulary import factor_label
from .text import (
    focus,
    gap_sentence,
    group_label,
    headline_sentence,
    key_messages,
    noun,
    priority_sentence,
    t,
    test_name,
    unit_type_sentence,
)

MAX_PAIRS = 6
MAX_PAIRS_OTHER = 4  # a further index gets a shorter list: the brief must stay within 6 pages


def w(lang: str) -> dict:
    """The section strings in ``lang`` (:data:`helpers.strings.SECTIONS`)."""
    return strings.get("sections", lang)


def figure(path: Path | None, caption: str = "", width: str = "100%") -> str:
    """An embedded PNG (base64: the HTML stays self-contained) with a caption."""
    if path is None or not Path(path).exists():
        return ""
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    return (f'<figure><img src="data:image/png;base64,{data}" style="width:{width}" alt="{escape(caption)}">'
            f'<figcaption>{escape(caption)}</figcaption></figure>')


def _table(header: list[str], rows: list[list[str]], cls: str = "") -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _h2(text: str) -> str:
    return f"<h2>{escape(text)}</h2>"


def title_block(r: dict) -> str:
    m, b = r["meta"], r["index"]
    lang = m["lang"]
    tt = t(lang)
    title = tt["title"].format(index=b["name"], region=m["region_name"])
    sub = tt["subtitle"].format(study=escape(m["study_title"]), wave=b["wave"] or fmt.DASH,
                                n=fmt.integer(b["n"]["respondents"], lang), units=fmt.integer(b["n"]["units"], lang))
    prov = f" · {escape(m['province'])}" if m.get("province") else ""
    synth = f'<p class="synthetic">{escape(tt["synthetic"])}</p>' if m.get("synthetic") else ""
    return f'<header class="title-block"><h1>{escape(title)}</h1><p class="subtitle">{sub}{prov}</p>{synth}</header>'


def key_box(r: dict) -> str:
    lang = r["meta"]["lang"]
    items = "".join(f"<li>{escape(s)}</li>" for s in key_messages(r, lang))
    return f'<section class="key-messages"><h2>{escape(t(lang)["sections"]["key"])}</h2><ol>{items}</ol></section>'


def headline_table(r: dict, b: dict) -> str:
    lang = r["meta"]["lang"]
    ww = w(lang)
    dec = 2
    has_t = any(a.get("target") is not None for a in b["areas"].values()) or b.get("target") is not None
    prev = b.get("previous")
    assumed = set(b.get("assumed_components") or [])
    header = [ww["area"], ww["n"], ww["mean"], ww["ci"]] + ([ww["target"], ww["ach"]] if has_t else []) + \
             ([str(prev["wave"]), ww["change"]] if prev else [])
    rows = []
    for c, a in ordered_areas(b):
        row = [escape(a["label"]) + ("*" if c in assumed else ""), fmt.integer(a["n"], lang),
               fmt.num(a["mean"], lang, dec), _ci(a["ci_low"], a["ci_high"], lang, dec)]
        if has_t:
            row += [fmt.num(a["target"], lang, dec),
                    fmt.DASH if a["achievement_pct"] is None else fmt.num(a["achievement_pct"], lang, 2) + "%"]
        if prev:
            p = prev["areas"].get(c)
            row += [fmt.num(p, lang, dec), fmt.signed(None if p is None or a["mean"] is None else a["mean"] - p, lang)]
        rows.append(row)
    total = [f"<strong>{escape(b['name'])}</strong>", fmt.integer(b["n"]["respondents"], lang),
             f"<strong>{fmt.num(b['overall'], lang, dec)}</strong>", _ci(b["ci_low"], b["ci_high"], lang, dec)]
    if has_t:
        total += [fmt.num(b.get("target"), lang, dec),
                  fmt.DASH if b.get("achievement_pct") is None else fmt.num(b["achievement_pct"], lang, 2) + "%"]
    if prev:
        total += [fmt.num(prev["overall"], lang, dec), "<strong>" + fmt.signed(prev.get("change"), lang) + "</strong>"]
    rows.append(total)
    cat = f'<p class="category">{escape(ww["category"])}: <strong>{escape(b["category_label"] or fmt.DASH)}</strong></p>'
    notes = []
    if assumed:
        notes.append(escape(ww["assumed"]))
    if prev and prev.get("change_ci_low") is not None and prev.get("test"):
        wp, to = prev.get("within_person") or {}, prev.get("turnover") or {}
        n = ww["change_note"].format(
            wave=prev["wave"], wave2=b["wave"], linked=fmt.integer(prev["test"].get("n_linked"), lang),
            within=fmt.signed(wp.get("estimate"), lang), wci=fmt.ci(wp.get("ci_low"), wp.get("ci_high"), lang),
            turn=fmt.signed(to.get("estimate"), lang), tci=fmt.ci(to.get("ci_low"), to.get("ci_high"), lang))
        n += ww["change_test"].format(test=test_name(prev["test"]["test"], lang), p=fmt.pvalue(
            prev["test"]["p_adj"] if prev["test"].get("p_adj") is not None else prev["test"]["p"], lang))
        notes.append(escape(n))
    note = f'<p class="note">{" ".join(notes)}</p>' if notes else ""
    return _table(header, rows, "headline") + cat + note


def _ci(lo, hi, lang: str, decimals: int = 2) -> str:
    """A confidence interval for a table cell, never broken over two lines."""
    return f'<span class="nw">{fmt.ci(lo, hi, lang, decimals)}</span>'


def headline_section(r: dict, figures: dict) -> str:
    b, lang = r["index"], r["meta"]["lang"]
    s = t(lang)["sections"]
    # the headline sentence is the first key message just above: not repeated here
    return (_h2(f'{s["headline"]}: {b["name"]}') + headline_table(r, b) + _h2(s["areas"].replace("area", noun(b, lang)))
            + figure(figures.get(f'{b["id"]}_areas'), w(lang)["fig_areas"], "88%"))


def unit_type_section(r: dict, figures: dict, b: dict | None = None, max_pairs: int = MAX_PAIRS) -> str:
    b = b or r["index"]
    lang, ww = r["meta"]["lang"], w(r["meta"]["lang"])
    comp = b["comparison"]
    out = _h2(t(lang)["sections"]["ut"]) + f"<p>{escape(unit_type_sentence(b, lang))}</p>"
    out += figure(figures.get(f'{b["id"]}_unit_types'), ww["fig_ut"], "88%")
    if comp["available"]:
        real = comp["real_differences"]
        labels = {k: v["label"] for k, v in b["unit_types"].items()}
        if real:
            # the largest real differences; the full list is in tables.xlsx (sheet "pairs")
            top = sorted(real, key=lambda p: -abs(p["diff"] or 0))[:max_pairs]
            rows = [[escape(f'{labels.get(p["group_a"], p["group_a"])} − {labels.get(p["group_b"], p["group_b"])}'),
                     fmt.num(p["diff"], lang, 2), _ci(p["ci_low"], p["ci_high"], lang, 2),
                     fmt.pvalue(p["p_adj"], lang).replace("p ", "").replace("= ", "")] for p in top]
            out += f'<p>{escape(ww["real_pairs"].format(a=fmt.num(r["meta"]["alpha"], lang, 2)))} ' \
                   f'({escape(test_name(real[0]["test"], lang))})</p>' + _table([ww["pair"], ww["diff"], ww["ci"], ww["p"]],
                                                                          rows, "pairs")
            if len(real) > len(top):
                out += f'<p class="note">{escape(ww["more_pairs"].format(k=len(top), n=len(real)))}</p>'
        else:
            out += f'<p>{escape(ww["no_real"])}</p>'
    if comp.get("untested"):
        types = ", ".join(b["unit_types"][u]["label"] for u in comp["untested"] if u in b["unit_types"])
        out += f'<p class="note">{escape(ww["untested"].format(types=types, m=comp.get("min_units", 3)))}</p>'
    if any(v["suppressed"] for v in b["unit_types"].values()):
        hidden = ", ".join(v["label"] for v in b["unit_types"].values() if v["suppressed"])
        out += f'<p class="note">{escape(suppression_note(r["meta"]["min_cell"], lang))} ({escape(hidden)})</p>'
    return out


def heatmap_section(r: dict, figures: dict) -> str:
    b, lang = r["index"], r["meta"]["lang"]
    f = figures.get(f'{b["id"]}_heatmap')
    return (_h2(t(lang)["sections"]["heat"]) + figure(f, w(lang)["fig_heat"], "92%")) if f else ""


def priority_section(r: dict, figures: dict) -> str:
    b, lang = r["index"], r["meta"]["lang"]
    ww = w(lang)
    pr = b.get("priority") or {}
    units = pr.get("units") or []
    if not units:
        return ""
    from .text import ROBUST_P

    k = pr.get("k") or len(units)
    rows = [[("● " if u["robust"] else "") + escape(u["unit"]), escape(u["unit_type_label"]),
             fmt.integer(u["n"], lang), fmt.num(u["eb"], lang, 2),
             f'<span class="nw">{u["rank_low"]}–{u["rank_high"]} / {u["of"]}</span>',
             fmt.num(u["p_lowest_k"], lang, 2)] for u in units]
    return (_h2(t(lang)["sections"]["priority"]) + f"<p>{escape(priority_sentence(b, lang))}</p>"
            + _table([ww["unit"], ww["type"], ww["n"], ww["eb"], ww["rank"], ww["p_low"].format(k=k)], rows)
            + f'<p class="note">{escape(ww["fig_prio"].format(k=r["meta"]["min_cell"], n=k, p=fmt.num(ROBUST_P, lang, 2)))}</p>')


def gaps_section(r: dict, figures: dict) -> str:
    b, lang = r["index"], r["meta"]["lang"]
    gaps = b.get("gaps") or {}
    if not gaps:
        return ""
    sentences = [gap_sentence(b, lang, f, each=True) for f in b.get("gap_order", list(gaps))
                 if gaps[f].get("gap") is not None]
    items = "".join(f"<li>{escape(s)}</li>" for s in sentences if s)
    hidden = [f"{factor_label(f, lang)}: {group_label(n, lang)}" for f, g in gaps.items()
              for n, v in g["groups"].items() if v["suppressed"]]
    note = (f'<p class="note">{escape(suppression_note(r["meta"]["min_cell"], lang))} ({escape(", ".join(hidden))})</p>'
            if hidden else "")
    return (_h2(t(lang)["sections"]["gaps"]) + f"<ul>{items}</ul>"
            + figure(figures.get(f'{b["id"]}_gaps'), w(lang)["fig_gaps"], "80%") + note)


def training_section(r: dict) -> str:
    b, lang = r["index"], r["meta"]["lang"]
    ww = w(lang)
    tr = b.get("training") or {}
    if not tr:
        return ""
    has_jp = any(v.get("compliance_20jp") is not None for v in tr.values())
    items = [(k, tr[k]) for k in b.get("unit_type_order", list(tr)) if k in tr]
    # one weakest area everywhere (the usual case): say it once instead of on every row
    same = len({v["weakest_area"] for _, v in items}) == 1
    rows = []
    for ut, v in items:
        row = [escape(v["label"])]
        if not same:
            row += [escape(v["weakest_label"])]
        row += [fmt.num(v["mean"], lang, 2)]
        if not same:
            row += [escape(focus(v["weakest_area"], v["weakest_label"], lang))]
        if has_jp:
            row.append(fmt.pct(v.get("compliance_20jp"), lang))
        rows.append(row)
    if same:
        v = items[0][1]
        n = noun(b, lang)
        lead = ww["same_weakest"].format(area=v["weakest_label"], noun=n, Noun=n[:1].upper() + n[1:],
                                         focus=focus(v["weakest_area"], v["weakest_label"], lang))
        header = [ww["type"], ww["mean_of"].format(area=v["weakest_label"])] + ([ww["jp"]] if has_jp else [])
    else:
        lead = ww["training_lead"]
        header = [ww["type"], ww["weakest"], ww["mean"], ww["focus"]] + ([ww["jp"]] if has_jp else [])
    from .text import compliance_sentence

    jp = compliance_sentence(r, lang)
    return (_h2(t(lang)["sections"]["training"]) + f"<p>{escape(lead)}" + (f" {escape(jp)}" if jp else "") + "</p>"
            + _table(header, rows, "training" + (" compact" if same else "")))


def data_quality_box(r: dict) -> str:
    lang = r["meta"]["lang"]
    ww = w(lang)
    dq = r["data_quality"]
    resp = r["index"].get("response") or {}
    rules = strings.get("rules", lang)
    by_count = sorted(dq["rejected_by_reason"].items(), key=lambda kv: (-kv[1], kv[0]))
    reasons = ", ".join(f"{escape(rules.get(k, k))} {fmt.integer(v, lang)}" for k, v in by_count)
    rows = [[ww["files"], escape(", ".join(dq.get("files") or [])) or fmt.DASH],
            [ww["raw"], fmt.integer(dq["raw"], lang)], [ww["clean"], fmt.integer(dq["clean"], lang)],
            [ww["rejected"], fmt.integer(dq["rejected"], lang)], [ww["reasons"], reasons or fmt.DASH],
            [ww["rr"], fmt.pct(resp.get("rate"), lang)],
            [ww["units_surveyed"], f'{fmt.integer(resp.get("units_surveyed"), lang)} / {fmt.integer(resp.get("units_total"), lang)}']]
    shared = (f'<p class="note">{escape(ww["shared"].format(files=", ".join(dq["shared_files"])))}</p>'
              if dq.get("shared_files") else "")
    return (f'<section class="box data-quality"><h3>{escape(t(lang)["sections"]["dq"])}</h3>'
            + _table(["", ""], rows, "dq") + shared + "</section>")


def methods_note(r: dict) -> str:
    """What each number is and how it was estimated, as the code does it."""
    lang = r["meta"]["lang"]
    ww = w(lang)
    b = r["index"]
    model = b.get("model", {})
    from .text import ROBUST_P

    prev = b.get("previous") or {}
    change = (ww["change_method"].format(linked=fmt.integer((prev.get("test") or {}).get("n_linked"), lang))
              if prev.get("test") else "")
    if model.get("doubtful"):
        # from the fit's flags, in the brief's language (stage 03's notes are English
        # and name each of the two fits, with and without covariates)
        why = "; ".join(ww[k] for k, on in (("model_boundary", model.get("boundary")),
                                            ("model_not_converged", model.get("converged") is False)) if on)
        model_line = ww["model_doubtful"].format(why=why)
    else:
        model_line = ww["model_ok"] if model.get("converged") else ""
    lines = [s.format(spec=", ".join(f"config/indices/{i}.yaml" for i in r["indices"]),
                      design=r["meta"].get("design", ""), deff=fmt.num(b.get("deff"), lang, 2),
                      icc=fmt.num(model.get("icc"), lang, 3), k=fmt.integer(model.get("n_clusters"), lang),
                      m=b["comparison"].get("min_units", 3), alpha=fmt.num(r["meta"]["alpha"], lang, 2),
                      change=change, n=(b.get("priority") or {}).get("k", 5), p=fmt.num(ROBUST_P, lang, 2),
                      model=model_line, suppress=suppression_note(r["meta"]["min_cell"], lang))
             for s in ww["methods"]]
    lines = [x for x in lines if x.strip()]
    census = [bl["name"] for bl in r["indices"].values() if no_sampling_error(bl)]
    if census:  # in the design line: why an interval shown in the brief has zero width
        lines[1] += " " + ww["census_ci"].format(index=", ".join(census))
    rel = b.get("reliability", {}).get("overall")
    if rel and rel.get("alpha") is not None:
        ci = fmt.ci(rel.get("alpha_ci_low"), rel.get("alpha_ci_high"), lang) if rel.get("alpha_ci_low") is not None else ""
        lines.append(ww["reliability"] + fmt.num(rel["alpha"], lang, 2) + (f" {ci}" if ci else "")
                     + (ww["reliability_ci"] if ci else ""))
    out = "".join(f"<li>{escape(s)}</li>" for s in lines)
    for bl in r["indices"].values():  # every reported index states its own assumptions
        if bl.get("assumptions"):
            out += (f'<li class="assumptions"><strong>{escape(ww["assumptions"])} ({escape(bl["name"])}):</strong><ul>'
                    + "".join(f"<li>{escape(a)}</li>" for a in bl["assumptions"]) + "</ul></li>")
    return f'<section class="methods"><h3>{escape(t(lang)["sections"]["methods"])}</h3><ul>{out}</ul></section>'


def no_sampling_error(b: dict) -> bool:
    """True when an index's design-based interval has zero width because every
    unit was observed whole: respondents = headcount (response rate 1, every unit
    surveyed), so the finite population correction 1 - n/N is 0 in every stratum
    and the linearised SE is 0 (an index scored from complete HR records)."""
    resp = b.get("response") or {}
    lo, hi = b.get("ci_low"), b.get("ci_high")
    return (b.get("se") == 0 and lo is not None and lo == hi and (resp.get("rate") or 0) >= 1
            and resp.get("units_surveyed") == resp.get("units_total"))


def reproducibility_footer(r: dict) -> str:
    m = r["meta"]
    cmd = f"python -m helpers run --study {m['study']} --region {m['region']} --force"
    verify = f"python -m helpers verify reports/{m['study']}/{m['region']}"
    return (f'<footer class="footer"><strong>{escape(t(m["lang"])["sections"]["repro"])}.</strong> '
            + w(m["lang"])["repro"].format(cmd=escape(cmd), verify=escape(verify), fp=escape(m["input_fingerprint"]))
            + "</footer>")


def other_indices_section(r: dict, figures: dict) -> str:
    """Each further index of the region, compact: headline sentence, table, charts."""
    lang = r["meta"]["lang"]
    others = [b for i, b in r["indices"].items() if i != r["meta"]["headline_index"]]
    if not others:
        return ""
    out = ""
    for b in others:
        out += ('<section class="other-index">' + _h2(f'{t(lang)["sections"]["other"]}: {b["name"]}')
                + f"<p>{escape(headline_sentence(r, b, lang))}</p>" + headline_table(r, b)
                + figure(figures.get(f'{b["id"]}_areas'), w(lang)["fig_areas"], "80%")
                + unit_type_section(r, figures, b, max_pairs=MAX_PAIRS_OTHER).replace("<h2>", "<h3>").replace("</h2>", "</h3>")
                + "</section>")
    return out


def sections(r: dict, figures: dict) -> dict[str, str]:
    """Every section of the brief in reading order."""
    if r["index"].get("suppressed"):  # a region below the minimum cell size: say why, publish nothing
        note = f'<section class="key-messages"><p>{escape(r["index"]["suppressed_note"])}</p></section>'
        return {"title": title_block(r), "key": note, **{k: "" for k in (
            "headline", "unit_types", "heatmap", "priority", "gaps", "training", "other")},
            "data_quality": data_quality_box(r), "methods": methods_note(r), "footer": reproducibility_footer(r)}
    return {
        "title": title_block(r), "key": key_box(r), "headline": headline_section(r, figures),
        "unit_types": unit_type_section(r, figures), "heatmap": heatmap_section(r, figures),
        "priority": priority_section(r, figures), "uncertainty": uncertainty_section(r),
        "gaps": gaps_section(r, figures),
        "training": training_section(r), "other": other_indices_section(r, figures),
        "data_quality": data_quality_box(r), "methods": methods_note(r), "footer": reproducibility_footer(r),
    }


def uncertainty_section(r: dict) -> str:
    """One paragraph: how stable the unit types' ranks are when the index is rebuilt
    under other defensible choices and resampled (median and 90% interval, 1 =
    highest), and the build choice that moves the region's score most (from
    ``results["index"]["uncertainty"]``; empty without stage 02's table)."""
    b, lang = r["index"], r["meta"]["lang"]
    u = b.get("uncertainty") or {}
    if not u.get("unit_types"):
        return ""
    ww = strings.get("uncertainty", lang)
    labels = {k: v.get("label", k) for k, v in (b.get("unit_types") or {}).items()}
    order = sorted(u["unit_types"], key=lambda k: u["unit_types"][k]["rank"]["median"])
    stable = [labels.get(k, k) + f' ({fmt.integer(u["unit_types"][k]["rank"]["median"], lang)})' for k in order
              if u["unit_types"][k]["rank"]["p05"] == u["unit_types"][k]["rank"]["p95"]]
    moving = [labels.get(k, k) + f' {fmt.integer(u["unit_types"][k]["rank"]["p05"], lang)}–'
              f'{fmt.integer(u["unit_types"][k]["rank"]["p95"], lang)}' for k in order
              if u["unit_types"][k]["rank"]["p05"] != u["unit_types"][k]["rank"]["p95"]]
    of = next(iter(u["unit_types"].values()))["rank"]["of"]
    # the direction is said once, before either list: the priority-unit table above ranks 1 = lowest
    text = ww["lead"].format(n=fmt.integer(u["n_draws"], lang), of=of)
    if stable:
        text += " " + ww["stable"].format(types=", ".join(stable))
    if moving:
        text += " " + ww["moving"].format(types="; ".join(moving))
    # the build choice (sampling excluded) that moves the region's score most
    d = (u.get("drivers") or {}).get("region_index_build")
    if d:
        text += " " + ww["driver"].format(name=ww["inputs"].get(d["input"], d["input"]), st=fmt.num(d["ST"], lang, 2),
                                          lo=fmt.num(d["ST_ci_low"], lang, 2), hi=fmt.num(d["ST_ci_high"], lang, 2))
    return _h2(ww["h"]) + f"<p>{escape(text)}</p>"