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

from ..io import atomic_path

#: number format per kind of value (Excel codes; the display follows the reader's locale)
FORMATS = {"score": "#,##0.00", "se": "0.000", "share": "0.0%", "pct": '0.0"%"', "count": "#,##0", "p": "0.0000",
           "int": "0", "text": "General", "bool": "General", "effect": "0.00"}

#: column key -> (Bahasa Indonesia, English, kind)
COLUMNS: dict[str, tuple[str, str, str]] = {
    "index": ("Indeks", "Index", "text"),
    "component": ("Komponen", "Component", "text"),
    "wave": ("Gelombang", "Wave", "int"),
    "n": ("n (responden)", "n (respondents)", "count"),
    "units": ("Unit kerja", "Units", "count"),
    "mean": ("Rata-rata", "Mean", "score"),
    "ci_low": ("Batas bawah 95%", "95% CI low", "score"),
    "ci_high": ("Batas atas 95%", "95% CI high", "score"),
    "mean_w": ("Rata-rata berbobot", "Weighted mean", "score"),
    "se": ("Galat baku", "Standard error", "se"),
    "deff": ("Efek desain", "Design effect", "effect"),
    "df": ("Derajat bebas", "Degrees of freedom", "effect"),
    "tested": ("Diuji (cukup unit kerja)", "Tested (enough units)", "bool"),
    "effect_size": ("Ukuran efek", "Effect size", "effect"),
    "frame": ("Kerangka inferensi", "Inferential frame", "text"),
    "target": ("Target", "Target", "score"),
    "achievement_pct": ("Capaian target (%)", "Target achieved (%)", "pct"),
    "category": ("Kategori", "Category", "text"),
    "previous": ("Gelombang sebelumnya", "Previous wave", "score"),
    "change": ("Perubahan", "Change", "score"),
    "change_ci_low": ("Perubahan: batas bawah 95%", "Change: 95% CI low", "score"),
    "change_ci_high": ("Perubahan: batas atas 95%", "Change: 95% CI high", "score"),
    "unit_type": ("Jenis unit", "Unit type", "text"),
    "suppressed": ("Disembunyikan (n < minimum)", "Suppressed (n < minimum)", "bool"),
    "group_a": ("Kelompok A", "Group A", "text"),
    "group_b": ("Kelompok B", "Group B", "text"),
    "diff": ("Selisih (A - B)", "Difference (A - B)", "score"),
    "hedges_g": ("Hedges' g", "Hedges' g", "effect"),
    "p_adj": ("p (disesuaikan)", "p (adjusted)", "p"),
    "significant": ("Bermakna", "Significant", "bool"),
    "test": ("Uji", "Test", "text"),
    "unit": ("Unit kerja", "Unit", "text"),
    "unit_id": ("Kode unit", "Unit id", "text"),
    "eb": ("Skor empiris-Bayes", "Empirical-Bayes score", "score"),
    "rank_low": ("Peringkat: batas bawah 90% (1 = terendah)", "Rank: 90% low (1 = lowest)", "count"),
    "rank_high": ("Peringkat: batas atas 90%", "Rank: 90% high", "count"),
    "p_lowest_k": ("P(termasuk k terendah)", "P(among the k lowest)", "share"),
    "robust": ("Pasti termasuk k terendah", "Robustly among the k lowest", "bool"),
    "factor": ("Faktor", "Factor", "text"),
    "group": ("Kelompok", "Group", "text"),
    "compliance_20jp": ("Memenuhi 20 JP", "Meets 20 hours", "share"),
    "share_of_max": ("Persentase dari skor maksimum", "Share of the maximum score", "share"),
    "weakest_area": ("Area terlemah", "Weakest area", "text"),
    "share": ("Proporsi", "Share", "share"),
    "assumption": ("Asumsi", "Assumption", "text"),
    "item": ("Butir", "Item", "text"),
    "value": ("Nilai", "Value", "count"),
}
FACTORS = {"age_band": ("Kelompok umur", "Age band"), "sex": ("Jenis kelamin", "Sex"),
           "education": ("Pendidikan", "Education"), "position_type": ("Jenis jabatan", "Position type"),
           "status": ("Status kepegawaian", "Employment status"), "golongan": ("Golongan", "Rank (golongan)")}
QUALITY = {"raw": ("Baris mentah", "Raw rows", "count"), "clean": ("Responden bersih", "Clean respondents", "count"),
           "rejected": ("Baris ditolak", "Rejected rows", "count"),
           "response_rate": ("Tingkat respons", "Response rate", "share")}
SHEETS = {
    "index": ("Skor indeks dan komponennya untuk daerah ini", "Index and component scores of the region"),
    "unit_types": ("Skor per jenis unit kerja (dengan skor per area)", "Scores per unit type (with area scores)"),
    "pairs": ("Perbandingan berpasangan jenis unit (post hoc)", "Pairwise comparisons of unit types (post hoc)"),
    "priority_units": ("Unit kerja dengan skor terendah", "Units with the lowest scores"),
    "gaps": ("Skor per kelompok demografis", "Scores per demographic group"),
    "training": ("Kebutuhan pelatihan per jenis unit", "Training needs per unit type"),
    "assumptions": ("Asumsi yang dipakai dalam perhitungan", "Assumptions made in the calculation"),
    "data_quality": ("Kualitas data: baris mentah, bersih, ditolak", "Data quality: raw, clean and rejected rows"),
    "compliance_20jp": ("Kepatuhan pengembangan kompetensi 20 JP", "Compliance with 20 hours of training"),
}


def _lang(r: dict) -> int:
    return 1 if (r.get("meta") or {}).get("lang") == "en" else 0


def frames(r: dict) -> dict[str, pd.DataFrame]:
    """One DataFrame per sheet, columns in reading order, codes replaced by labels.
    Column keys are those of :data:`COLUMNS` (``area:<id>`` for area scores)."""
    out: dict[str, pd.DataFrame] = {}
    rows, uts, pairs, prio, gaps, train = [], [], [], [], [], []
    li = _lang(r)
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
                          "ci_high": p.get("ci_high"), "effect_size": p.get("effect_size", p.get("hedges_g")),
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
                gaps.append({"index": name, "factor": FACTORS.get(f, (f, f))[li], "group": gname, "n": v.get("n"),
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
    rej = ("Ditolak: ", "Rejected: ")[li]
    out["data_quality"] = pd.DataFrame(
        [{"item": QUALITY[k][li], "value": dq[k], "_kind": QUALITY[k][2]} for k in QUALITY if k in dq]
        + [{"item": rej + k, "value": v, "_kind": "count"} for k, v in dq["rejected_by_reason"].items()])
    if r.get("compliance_20jp"):
        c = r["compliance_20jp"]
        region = (r.get("meta") or {}).get("region_name") or ("Daerah", "Region")[li]
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
    return COLUMNS.get(col, (col, col, "text"))[2]


def _header(col: str, li: int) -> str:
    if col.startswith("area:"):
        return ("Area: ", "Area: ")[li] + col[5:]
    return COLUMNS.get(col, (col, col))[li]


def _readme(r: dict, sheets: list[str], li: int) -> list[list]:
    meta = r.get("meta") or {}
    k = meta.get("min_cell", 5)
    rows = [[("Tabel ringkasan kebijakan", "Tables of the policy brief")[li],
             f"{meta.get('region_name', '')} · {meta.get('study_title', '')}"],
            [("Sumber", "Source")[li], ("results.json di folder laporan yang sama: setiap angka di ringkasan",
                                        "results.json in the same report folder: every number of the brief")[li]],
            [("Aturan penyembunyian", "Suppression rule")[li],
             (f"Kelompok dengan kurang dari {k} responden hanya ditampilkan jumlahnya (n); statistiknya dikosongkan "
              "agar tidak ada orang yang dapat dikenali.",
              f"Groups with fewer than {k} respondents show their count (n) only; their statistics are left empty "
              "so that no person can be recognised.")[li]],
            [("Format angka", "Number formats")[li],
             ("Skor 2 desimal, proporsi dalam persen, jumlah dengan pemisah ribuan, p 4 desimal; nilai di sel "
              "adalah angka penuh.", "Scores with 2 decimals, shares as percentages, counts with thousands "
              "separators, p with 4 decimals; cells hold the full numbers.")[li]]]
    if meta.get("synthetic"):
        rows.append([("Catatan", "Note")[li], ("Data sintetis: tidak ada orang nyata.",
                                                "Synthetic data: no real person.")[li]])
    rows.append([])
    rows.append([("Lembar", "Sheet")[li], ("Isi", "Contents")[li]])
    rows += [[s, SHEETS.get(s, (s, s))[li]] for s in sheets]
    return rows


def write_tables(r: dict, path: Path) -> Path:
    """Write the README sheet and every sheet of :func:`frames` to ``path`` (atomic)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    path = Path(path)
    li = _lang(r)
    sheets = {k: v for k, v in frames(r).items()}
    wb = Workbook()
    ws = wb.active
    ws.title = "README"
    for row in _readme(r, list(sheets), li):
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
            ws.append([("Tidak ada data", "No data")[li]])
            continue
        kinds_per_row = df.pop("_kind") if "_kind" in df.columns else None
        cols = list(df.columns)
        ws.append([_header(c, li) for c in cols])
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
            width = min(60, max(min(len(_header(c, li)), 28), longest) + 2)
            ws.column_dimensions[get_column_letter(j + 1)].width = width
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return path
