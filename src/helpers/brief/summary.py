"""The study-level summary brief: every region side by side.

Reads the ``results.json`` of each region's report folder (so the summary can
never disagree with the regional briefs) and writes ``reports/<study>/``
``summary.html`` (self-contained), ``summary.pdf`` and ``summary.json``.

>>> make_summary("sample")                                  # doctest: +SKIP
{'html': PosixPath('reports/sample/summary.html'), ...}
"""
from __future__ import annotations

from html import escape
from importlib.resources import files
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from .. import paths  # noqa: E402
from ..io import atomic_path, read_json, write_json  # noqa: E402
from . import fmt  # noqa: E402
from .render import _ci, _signed, _table, figure  # noqa: E402

TXT = {
    "id": {"title": "Ringkasan Studi: {study}", "region": "Daerah", "index": "Indeks", "wave": "Gelombang",
           "value": "Nilai [IK 95%]", "ci": "IK 95%", "cat": "Kategori", "n": "Responden (unit)", "units": "Unit",
           "weakest": "Area terlemah", "lowest": "Jenis unit terendah", "jp": "Patuh 20 JP",
           "change": "Perubahan", "change_note": "Perubahan: selisih dengan gelombang sebelumnya (tahun dalam kurung); * = nyata secara statistik.",
           "fig": "Nilai indeks per daerah dengan IK 95%.",
           "lead": "{k} daerah. Angka diambil dari results.json tiap laporan daerah; rincian dan metode ada di ringkasan kebijakan masing-masing daerah.",
           "missing": "Daerah tanpa laporan: {r}."},
    "en": {"title": "Study Summary: {study}", "region": "Region", "index": "Index", "wave": "Wave",
           "value": "Value [95% CI]", "ci": "95% CI", "cat": "Category", "n": "Respondents (units)", "units": "Units",
           "weakest": "Weakest area", "lowest": "Lowest unit type", "jp": "20 JP compliant",
           "change": "Change", "change_note": "Change: difference from the previous wave (year in brackets); * = statistically significant.",
           "fig": "Index value per region with 95% CI.",
           "lead": "{k} regions. Figures come from each regional report's results.json; details and methods are in each region's policy brief.",
           "missing": "Regions without a report: {r}."},
}


SHORT = {"ikd": "IKD", "ip_asn": "IP ASN", "ild": "ILD"}


def _change(row: dict, lang: str) -> str:
    """``+0,12 (2022)*``: the change since the previous wave, * when significant."""
    if row.get("change") is None:
        return fmt.DASH
    return (_signed(row["change"], lang) + f" ({row['previous_wave']})"
            + ("*" if row.get("change_significant") else ""))


def summary_rows(reports: dict[str, dict]) -> list[dict]:
    """One row per region and index, from the regions' results documents."""
    rows = []
    for region, r in reports.items():
        for idx, b in r["indices"].items():
            shown = {k: v for k, v in b["unit_types"].items() if not v["suppressed"] and v["mean"] is not None}
            lowest = min(shown, key=lambda k: shown[k]["mean"]) if shown else None
            rows.append({"region": region, "region_name": r["meta"]["region_name"], "index": idx,
                         "index_name": b["name"], "wave": b["wave"], "overall": b["overall"], "ci_low": b["ci_low"],
                         "ci_high": b["ci_high"], "category": b["category_label"],
                         "respondents": b["n"]["respondents"], "units": b["n"]["units"],
                         "weakest_area": b["areas"][b["weakest_area"]]["label"] if b.get("weakest_area") else None,
                         "lowest_unit_type": shown[lowest]["label"] if lowest else None,
                         "compliance_20jp": (r.get("compliance_20jp") or {}).get("share"),
                         "previous_wave": (b.get("previous") or {}).get("wave"),
                         "change": (b.get("previous") or {}).get("change"),
                         "change_significant": (b.get("previous") or {}).get("significant")})
    return rows


def _chart(rows: list[dict], idx: str, lang: str, path: Path) -> Path | None:
    import matplotlib.pyplot as plt
    import seaborn as sns

    from .plots import DARK, WIDTH, _numfmt, _save, style

    sel = sorted([r for r in rows if r["index"] == idx and r["overall"] is not None], key=lambda r: r["overall"])
    if not sel:
        return None
    style()
    fig, ax = plt.subplots(figsize=(WIDTH, 0.3 * len(sel) + 0.8))
    for y, r in enumerate(sel):
        lo = r["ci_low"] if r["ci_low"] is not None else r["overall"]
        hi = r["ci_high"] if r["ci_high"] is not None else r["overall"]
        ax.errorbar(r["overall"], y, xerr=[[r["overall"] - lo], [hi - r["overall"]]], fmt="o", color=DARK, ms=4,
                    capsize=2.5, lw=1)
    ax.set_yticks(range(len(sel)), [r["region_name"] for r in sel])
    ax.set_title(sel[0]["index_name"], loc="left")
    _numfmt(ax, lang, decimals=1 if max(r["overall"] for r in sel) > 10 else 2)
    ax.grid(axis="y", visible=False)
    sns.despine(ax=ax, left=True)
    return _save(fig, path)


def make_summary(study: str, lang: str | None = None, output_dir: str | Path | None = None,
                 regions: list[str] | None = None) -> dict[str, Path]:
    """Write the side-by-side summary of every region report of ``study``."""
    from ..export import html_to_pdf
    from ..study import load_study

    st = load_study(study)
    folder = Path(output_dir) if output_dir else paths.reports_dir(st.id)
    wanted = regions or [r.id for r in st.regions]
    lang = lang or st.option("report", "lang", default="id")
    # one summary per language: summary.en.* from each region's results.en.json, else
    # its default-language results (the numbers are the same)
    from . import lang_suffix

    sfx = lang_suffix(st, lang)
    res = {r: next((p for p in (folder / r / f"results{sfx}.json", folder / r / "results.json") if p.exists()), None)
           for r in wanted}
    reports = {r: read_json(p) for r, p in res.items() if p is not None}
    missing = [r for r in wanted if r not in reports]
    tx = TXT.get(lang, TXT["en"])
    rows = summary_rows(reports)
    write_json({"study": st.id, "lang": lang, "regions": list(reports), "missing": missing, "rows": rows},
               folder / f"summary{sfx}.json")
    figs = {idx: _chart(rows, idx, lang, folder / f"summary_figures{sfx}" / f"{idx}.png")
            for idx in dict.fromkeys(r["index"] for r in rows)}
    # 9 columns fit A4 portrait: value with its CI, index with its wave, respondents with units
    table = _table([tx["region"], tx["index"], tx["value"], tx["change"], tx["cat"], tx["n"],
                    tx["weakest"], tx["lowest"], tx["jp"]],
                   [[escape(r["region_name"]),
                     escape(SHORT.get(r["index"], r["index"].upper())) + f" {r['wave'] or ''}".rstrip(),
                     f"<strong>{fmt.num(r['overall'], lang)}</strong> " + _ci(r["ci_low"], r["ci_high"], lang),
                     _change(r, lang), escape(r["category"] or fmt.DASH),
                     f"{fmt.integer(r['respondents'], lang)} ({fmt.integer(r['units'], lang)})",
                     escape(r["weakest_area"] or fmt.DASH), escape(r["lowest_unit_type"] or fmt.DASH),
                     fmt.pct(r["compliance_20jp"], lang)] for r in rows], "summary-table")
    if any(r["change"] is not None for r in rows):
        table += f"<p class='note'>{escape(tx['change_note'])}</p>"
    body = (f"<h1>{escape(tx['title'].format(study=st.title))}</h1>"
            f"<p>{escape(tx['lead'].format(k=len(reports)))}</p>"
            + (f"<p class='note'>{escape(tx['missing'].format(r=', '.join(missing)))}</p>" if missing else "")
            + table + "".join(figure(p, tx["fig"], "90%") for p in figs.values() if p))
    css = files("helpers").joinpath("templates/brief.css").read_text(encoding="utf-8")
    html = (f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{escape(tx['title'].format(study=st.title))}</title>\n<style>\n{css}\n</style>\n</head>\n"
            f'<body>\n<main class="brief">\n{body}\n</main>\n</body>\n</html>\n')
    html_path = folder / f"summary{sfx}.html"
    with atomic_path(html_path) as tmp:
        tmp.write_text(html, encoding="utf-8")
    pdf = html_to_pdf(html, folder / f"summary{sfx}.pdf", base_url=folder)
    return {"html": html_path, "pdf": pdf, "json": folder / f"summary{sfx}.json"}
