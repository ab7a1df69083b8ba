"""``tables.xlsx`` of a brief: the brief's tables as sheets, ready for an analyst.

Values are numbers (not formatted text) so they can be reused, shown with a
format by kind: scores with 2 decimals, shares as percentages, counts with
thousands separators, p-values with 4 decimals. Headers and codes are in the
brief's language (unit type, component and index labels, not ``setda``); every
sheet has a frozen header row, a filter and column widths that fit. A first
``README`` sheet names each sheet and states the suppression rule: a group with
fewer respondents than the minimum cell size keeps its ``n``; its statistics
are left empty.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .. import strings
from ..io import atomic_path
from ..vocabulary import factor_label

#: number format per kind of value (Excel codes; the display follows the reader's locale)
FORMATS = {"score": "#,##0.00", "se": "0.000", "share": "0.0%", "pct": '0.0"%"', "count": "#,##0", "p": "0.0000",
           "int": "0", "text": "General", "bool": "General", "effect": "0.00"}

#: column key -> kind of value (:data:`FORMATS`); headers are in :data:`helpers.strings.XLSX`
KINDS: dict[str, str] = {
    "index": "text", "component": "text", "wave": "int", "n": "count", "units": "count", "mean": "score",
    "ci_low": "score", "ci_high": "score", "mean_w": "score", "se": "se", "deff": "effect", "df": "effect",
    "tested": "bool", "effect_size": "effect", "frame": "text", "target": "score", "achievement_pct": "pct",
    "category": "text", "previous": "score", "change": "score", "change_ci_low": "score",
    "change_ci_high": "score", "unit_type": "text", "suppressed": "bool", "group_a": "text", "group_b": "text",
    "diff": "score", "p_adj": "p", "significant": "bool", "test": "text", "unit": "text",
    "unit_id": "text", "eb": "score", "rank_low": "count", "rank_high": "count", "p_lowest_k": "share",
    "robust": "bool", "factor": "text", "group": "text", "compliance_20jp": "share", "share_of_max": "share",
    "weakest_area": "text", "share": "share", "assumption": "text", "item": "text", "value": "count",
}
QUALITY = ("raw", "clean", "rejected", "response_rate")  # data-quality rows; response_rate is a share


def _lang(r: dict) -> str:
    return "en" if (r.get("meta") or {}).get("lang") == "en" else "id"


def _capital(s: str) -> str:
    return s[:1].upper() + s[1:]


def frames(r: dict) -> dict[str, pd.DataFrame]:
    """One DataFrame per sheet, columns in reading order, codes replaced by labels.
    Column keys are those of :data:`KINDS` (``area:<id>`` for area scores)."""
    out: dict[str, pd.DataFrame] = {}
    rows, uts, pairs, prio, gaps, train = [], [], [], [], [], []
    lang = _lang(r)
    x = strings.get("xlsx", lang)
    for idx, b in r["indices"].items():
        name = b["name"]
        ut_label = {ut: v["label"] for ut, v in b["unit_types"].items()}
        area_label = {c: a["label"] for c, a in b["areas"].items()}
        prev = b.get("previous") or {}
        rows.append({"index": name, "component": name, "wave": b["wave"],
                     "n": b["n"]["respondents"], "mean": b["overall"], "ci_low": b["ci_low"], "ci_high": b["ci_high"],
                     "se": b.get("se"), "deff": b.get("deff"), "target": b.get("target"),
                     "achievement_pct": b.get("achievement_pct"), "category": b.get("category_label"),
                     "previous": prev.get("overall"),
                     **{k: prev.get(k) for k in ("change", "change_ci_low", "change_ci_high")}})
        for c, a in b["areas"].items():
            rows.append({"index": name, "component": a["label"], "wave": b["wave"], "n": a["n"],
                         "mean": a["mean"], "ci_low": a["ci_low"], "ci_high": a["ci_high"], "se": a.get("se"),
                         "deff": a.get("deff"),
                         "target": a.get("target"), "achievement_pct": a.get("achievement_pct"),
                         "previous": (prev.get("areas") or {}).get(c)})
        for ut, v in b["unit_types"].items():
            uts.append({"index": name, "unit_type": v["label"], "n": v["n"], "units": v["units"],
                        "suppressed": v["suppressed"], "tested": v.get("tested"), "mean": v["mean"],
                        "se": v.get("se"), "ci_low": v["ci_low"], "ci_high": v["ci_high"],
                        **{f"area:{area_label.get(c, c)}": m for c, m in v["areas"].items()}})
        for p in b["comparison"]["pairs"]:
            pairs.append({"index": name, "group_a": ut_label.get(p["group_a"], p["group_a"]),
                          "group_b": ut_label.get(p["group_b"], p["group_b"]), "diff": p.get("diff"),
                          "se": p.get("se"), "df": p.get("df"), "ci_low": p.get("ci_low"),
                          "ci_high": p.get("ci_high"), "effect_size": p.get("effect_size"),
                          "p_adj": p.get("p_adj"), "significant": p.get("significant"), "test": p.get("test"),
                          "frame": p.get("frame")})
        for u in b.get("priority_units", []):
            prio.append({"index": name, "unit": u.get("unit"), "unit_type": u.get("unit_type_label"),
                         "n": u.get("n"), "eb": u.get("eb"), "rank_low": u.get("rank_low"),
                         "rank_high": u.get("rank_high"), "p_lowest_k": u.get("p_lowest_k"),
                         "robust": u.get("robust"), "mean": u.get("mean"), "ci_low": u.get("ci_low"),
                         "ci_high": u.get("ci_high"), "unit_id": u.get("unit_id")})
        for f, g in (b.get("gaps") or {}).items():
            for gname, v in g["groups"].items():
                gaps.append({"index": name, "factor": _capital(factor_label(f, lang)), "group": gname, "n": v.get("n"),
                             "suppressed": v.get("suppressed"), "mean": v.get("mean"), "ci_low": v.get("ci_low"),
                             "ci_high": v.get("ci_high"), "p_adj": (g.get("test") or {}).get("p_adj")})
        for ut, v in (b.get("training") or {}).items():
            train.append({"index": name, "unit_type": v.get("label", ut), "mean": v.get("mean"),
                          "share_of_max": v.get("share_of_max"), "weakest_area": v.get("weakest_label"),
                          "compliance_20jp": v.get("compliance_20jp")})
    out["index"] = pd.DataFrame(rows)
    out["unit_types"] = pd.DataFrame(uts)
    out["pairs"] = pd.DataFrame(pairs)
    out["priority_units"] = pd.DataFrame(prio)
    out["gaps"] = pd.DataFrame(gaps)
    out["training"] = pd.DataFrame(train)
    names = {idx: b["name"] for idx, b in r["indices"].items()}
    out["assumptions"] = pd.DataFrame([{"index": names.get(idx, idx), "assumption": a}
                                       for idx, texts in (r.get("assumptions") or {}).items() for a in texts])
    dq = r["data_quality"]
    out["data_quality"] = pd.DataFrame(
        [{"item": x["quality"][k], "value": dq[k], "_kind": "share" if k == "response_rate" else "count"}
         for k in QUALITY if k in dq]
        + [{"item": x["rejected"] + k, "value": v, "_kind": "count"} for k, v in dq["rejected_by_reason"].items()])
    if r.get("compliance_20jp"):
        c = r["compliance_20jp"]
        region = (r.get("meta") or {}).get("region_name") or x["region"]
        out["compliance_20jp"] = pd.DataFrame(
            [{"unit_type": region, **{k: c[k] for k in ("n", "share", "ci_low", "ci_high")}}]
            + [{"unit_type": v.get("label", ut), **{k: v.get(k) for k in ("n", "share", "ci_low", "ci_high")}}
               for ut, v in c["unit_types"].items()])
    return out


def _kind(sheet: str, col: str) -> str:
    if col.startswith("area:"):
        return "score"
    if sheet == "compliance_20jp" and col in ("ci_low", "ci_high"):
        return "share"
    return KINDS.get(col, "text")


def _header(col: str, lang: str) -> str:
    x = strings.get("xlsx", lang)
    if col.startswith("area:"):
        return x["area"] + col[5:]
    return x["columns"].get(col, col)


def _readme(r: dict, sheets: list[str], lang: str) -> list[list]:
    meta = r.get("meta") or {}
    x = strings.get("xlsx", lang)
    rows = [[x["title"], f"{meta.get('region_name', '')} · {meta.get('study_title', '')}"],
            [x["source"], x["source_text"]],
            [x["rule"], x["rule_text"].format(k=meta.get("min_cell", 5))],
            [x["formats"], x["formats_text"]]]
    if meta.get("synthetic"):
        rows.append([x["note"], x["synthetic"]])
    rows.append([])
    rows.append([x["sheet"], x["contents"]])
    rows += [[s, x["sheets"].get(s, s)] for s in sheets]
    return rows


def write_tables(r: dict, path: Path) -> Path:
    """Write the README sheet and every sheet of :func:`frames` to ``path`` (atomic)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    path = Path(path)
    lang = _lang(r)
    sheets = {k: v for k, v in frames(r).items()}
    wb = Workbook()
    ws = wb.active
    ws.title = "README"
    for row in _readme(r, list(sheets), lang):
        ws.append(row)
    ws["A1"].font = Font(bold=True, size=12)
    for cell in ws["A"]:
        cell.font = Font(bold=True)
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 100
    for row in ws.iter_rows(min_col=2, max_col=2):
        row[0].alignment = Alignment(wrap_text=True, vertical="top")
    for name, df in sheets.items():
        ws = wb.create_sheet(name[:31])
        if not len(df.columns):
            ws.append([strings.get("xlsx", lang)["no_data"]])
            continue
        kinds_per_row = df.pop("_kind") if "_kind" in df.columns else None
        cols = list(df.columns)
        ws.append([_header(c, lang) for c in cols])
        for c in ws[1]:
            c.font = Font(bold=True)
            c.alignment = Alignment(wrap_text=True, vertical="top")
        for i, rec in enumerate(df.itertuples(index=False)):
            ws.append([None if (isinstance(v, float) and v != v) else v for v in rec])
            for j, c in enumerate(cols):
                kind = kinds_per_row.iloc[i] if kinds_per_row is not None and c == "value" else _kind(name, c)
                ws.cell(row=i + 2, column=j + 1).number_format = FORMATS[kind]
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{len(df) + 1}"
        for j, c in enumerate(cols):
            values = [str(v) for v in df[c].head(500) if v is not None and v == v]
            longest = max([len(v) if _kind(name, c) in ("text", "bool") else 10 for v in values] or [0])
            width = min(60, max(min(len(_header(c, lang)), 28), longest) + 2)
            ws.column_dimensions[get_column_letter(j + 1)].width = width
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return path
