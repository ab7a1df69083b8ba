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

import pandas as pd  # noqa: E402

from .. import catalog, paths  # noqa: E402
from ..io import atomic_path, read_json, write_json  # noqa: E402
from .. import fmt, strings  # noqa: E402
from .render import _ci, _table, figure  # noqa: E402
from ..vocabulary import index_short  # noqa: E402


def _change(row: dict, lang: str) -> str:
    """``+0,12 (2022)*``: the change since the previous wave, * when significant."""
    if row.get("change") is None:
        return fmt.DASH
    return (fmt.signed(row["change"], lang) + f" ({row['previous_wave']})"
            + ("*" if row.get("change_significant") else ""))


def summary_rows(reports: dict[str, dict]) -> list[dict]:
    """One row per region and index, from the regions' results documents."""
    rows = []
    for region, r in reports.items():
        for idx, b in r["indices"].items():
            # the lowest of the types the brief could compare (a single unit is not "a type")
            shown = {k: v for k, v in b["unit_types"].items()
                     if not v["suppressed"] and v["mean"] is not None and v.get("tested", True)}
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


def region_comparison(study, alpha: float = 0.05) -> dict:
    """Stage 03's comparison of the regions (``region_id = all``, overall score):
    the primary design-based Wald test and its pairwise contrasts, per index.
    ``study``: a Study, its id or its processed folder."""
    out = {}
    if not catalog.exists(study, "compare_omnibus") or not catalog.exists(study, "compare_posthoc"):
        return out
    om = catalog.read(study, "compare_omnibus", region="all")
    ph = catalog.read(study, "compare_posthoc", region="all")
    for idx, g in om[(om["component"] == "overall") & om["primary"]].groupby("index"):
        r = g.iloc[0]
        if str(r["test"]) == "none":
            continue
        pairs = ph[(ph["index"] == idx) & (ph["component"] == "overall") & (ph["test"] == "svy_contrast")]
        out[str(idx)] = {
            "test": {k: (None if pd.isna(r[k]) else (float(r[k]) if k not in ("test", "frame", "family") else r[k]))
                     for k in ("test", "statistic", "df1", "df2", "p", "p_adj", "frame", "family", "k")},
            # None: stage 03 did not compare these regions pair by pair (a national study,
            # compare.REGION_PAIRS_MAX); a test of two or more regions always has pairs otherwise
            "pairs": [{"group_a": str(x["group_a"]), "group_b": str(x["group_b"]), "diff": float(x["diff"]),
                       "ci_low": float(x["ci_low"]), "ci_high": float(x["ci_high"]), "p_adj": float(x["p_adj"]),
                       "significant": bool(x["p_adj"] < alpha)} for x in pairs.to_dict("records")] or None}
    return out


def region_ranks(study, rows: list[dict]) -> dict:
    """Rank intervals of every region (per index, its reported wave) from the index's
    uncertainty analysis (``helpers.indices.uncertainty``)."""
    path = catalog.path(study, "uncertainty")
    if not path.exists():
        return {}
    unc = pd.read_parquet(path, filters=[("level", "==", "region")])
    out = {}
    for r in rows:
        u = unc[(unc["index"] == r["index"]) & (unc["group"] == r["region"]) & (unc["wave"] == r["wave"])]
        if len(u) and int(u.iloc[0]["n_ranked"]) > 1:
            x = u.iloc[0]
            of = int(x["n_ranked"])
            out[(r["region"], r["index"])] = {"median": float(x["rank_median"]), "p05": float(x["rank_p05"]),
                                              "p95": float(x["rank_p95"]), "of": of,
                                              "n_draws": int(x["n_draws"])}
    return out


#: regions a summary chart shows (24 lines fit an A4 page); a study with more (a national run has ~550) shows
#: its lowest and highest CHART_REGIONS // 2, with the gap between them marked
#: (every region stays in the table): one line per region would not fit a page
CHART_REGIONS = 24


def chart_regions(rows: list[dict], idx: str) -> tuple[list[dict | None], int]:
    """The rows of index ``idx`` a summary chart draws, lowest first, ``None``
    where regions are left out; and how many regions have a value."""
    sel = sorted([r for r in rows if r["index"] == idx and r["overall"] is not None], key=lambda r: r["overall"])
    if len(sel) <= CHART_REGIONS:
        return sel, len(sel)
    k = CHART_REGIONS // 2
    return [*sel[:k], None, *sel[-k:]], len(sel)


def _chart(rows: list[dict], idx: str, lang: str, path: Path) -> Path | None:
    import matplotlib.pyplot as plt
    import seaborn as sns

    from .plots import DARK, WIDTH, _numfmt, _save, style

    sel, n = chart_regions(rows, idx)
    if not sel:
        return None
    shown = [r for r in sel if r is not None]
    style()
    fig, ax = plt.subplots(figsize=(WIDTH, 0.3 * len(sel) + 0.8))
    for y, r in enumerate(sel):
        if r is None:  # the regions left out, between the lowest and the highest
            ax.axhline(y, color=DARK, lw=0.6, ls=":")
            continue
        lo = r["ci_low"] if r["ci_low"] is not None else r["overall"]
        hi = r["ci_high"] if r["ci_high"] is not None else r["overall"]
        ax.errorbar(r["overall"], y, xerr=[[r["overall"] - lo], [hi - r["overall"]]], fmt="o", color=DARK, ms=4,
                    capsize=2.5, lw=1)
    gap = strings.get("summary", lang)["chart_gap"].format(m=fmt.integer(n - len(shown), lang))
    ax.set_yticks(range(len(sel)), [gap if r is None else r["region_name"] for r in sel])
    ax.set_title(shown[0]["index_name"], loc="left")
    _numfmt(ax, lang, decimals=1 if max(r["overall"] for r in shown) > 10 else 2)
    ax.grid(axis="y", visible=False)
    sns.despine(ax=ax, left=True)
    return _save(fig, path)


def _chart_caption(rows: list[dict], idx: str, tx: dict, lang: str) -> str:
    sel, n = chart_regions(rows, idx)
    if None not in sel:
        return tx["fig"]
    return tx["fig_part"].format(k=fmt.integer(CHART_REGIONS // 2, lang), n=fmt.integer(n, lang))


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
    tx = strings.get("summary", lang)
    rows = summary_rows(reports)
    ranks = region_ranks(st, rows)
    for r in rows:
        r["rank"] = ranks.get((r["region"], r["index"]))
    compared = region_comparison(st) if len(reports) > 1 else {}
    write_json({"study": st.id, "lang": lang, "regions": list(reports), "missing": missing, "rows": rows,
                "region_comparison": compared}, folder / f"summary{sfx}.json")
    figs = {idx: _chart(rows, idx, lang, folder / f"summary_figures{sfx}" / f"{idx}.png")
            for idx in dict.fromkeys(r["index"] for r in rows)}
    # 9 columns fit A4 portrait: value with its CI, index with its wave, respondents with units
    table = _table([tx["region"], tx["index"], tx["value"], tx["change"], tx["cat"], tx["n"],
                    tx["weakest"], tx["lowest"], tx["jp"]],
                   [[escape(r["region_name"]),
                     escape(index_short(r["index"])) + f" {r['wave'] or ''}".rstrip(),
                     f"<strong>{fmt.num(r['overall'], lang)}</strong> " + _ci(r["ci_low"], r["ci_high"], lang),
                     _change(r, lang), escape(r["category"] or fmt.DASH),
                     f"{fmt.integer(r['respondents'], lang)} ({fmt.integer(r['units'], lang)})",
                     escape(r["weakest_area"] or fmt.DASH), escape(r["lowest_unit_type"] or fmt.DASH),
                     fmt.pct(r["compliance_20jp"], lang)] for r in rows], "summary-table")
    if any(r["change"] is not None for r in rows):
        table += f"<p class='note'>{escape(tx['change_note'])}</p>"
    if any(r.get("rank") for r in rows):
        n = next(r["rank"]["n_draws"] for r in rows if r.get("rank"))
        table += _table([tx["region"], tx["index"], tx["rank"]],
                        [[escape(r["region_name"]), escape(index_short(r["index"])),
                          f'{fmt.num(r["rank"]["median"], lang, 0)} [{fmt.num(r["rank"]["p05"], lang, 0)}–'
                          f'{fmt.num(r["rank"]["p95"], lang, 0)}] / {r["rank"]["of"]}']
                         for r in rows if r.get("rank")], "summary-ranks")
        table += f"<p class='note'>{escape(tx['rank_note'].format(n=fmt.integer(n, lang)))}</p>"
    table += _comparison_html(compared, reports, lang, tx)
    body = (f"<h1>{escape(tx['title'].format(study=st.title))}</h1>"
            f"<p>{escape(tx['lead'].format(k=len(reports)))}</p>"
            + (f"<p class='note'>{escape(tx['missing'].format(r=', '.join(missing)))}</p>" if missing else "")
            + table + "".join(figure(p, _chart_caption(rows, idx, tx, lang), "90%") for idx, p in figs.items() if p))
    css = files("helpers").joinpath("templates/brief.css").read_text(encoding="utf-8")
    html = (f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{escape(tx['title'].format(study=st.title))}</title>\n<style>\n{css}\n</style>\n</head>\n"
            f'<body>\n<main class="brief">\n{body}\n</main>\n</body>\n</html>\n')
    html_path = folder / f"summary{sfx}.html"
    with atomic_path(html_path) as tmp:
        tmp.write_text(html, encoding="utf-8")
    pdf = html_to_pdf(html, folder / f"summary{sfx}.pdf", base_url=folder)
    return {"html": html_path, "pdf": pdf, "json": folder / f"summary{sfx}.json"}


def _comparison_html(compared: dict, reports: dict, lang: str, tx: dict) -> str:
    from .text import omnibus_phrase, untestable

    names = {r: rep["meta"]["region_name"] for r, rep in reports.items()}
    out = ""
    for idx, c in compared.items():
        out += f"<h2>{escape(tx['cmp_h'])}: {escape(index_short(idx))}</h2>"
        why = untestable(c["test"], lang)
        if why:  # one region, or a score that does not vary within regions: no test, and no pairs
            out += f"<p>{escape(tx['cmp_no_test'].format(index=index_short(idx), why=why))}</p>"
            continue
        test, p, _ = omnibus_phrase(c["test"], lang)
        out += f"<p>{escape(tx['cmp_lead'].format(index=index_short(idx), test=test + ', ' + p))}</p>"
        real = [x for x in c["pairs"] or [] if x["significant"]]
        k = int(c["test"]["k"] or 0)
        pairs = fmt.integer(k * (k - 1) // 2, lang)
        if c["pairs"] is None:  # stage 03 compared them with the omnibus test only
            out += f"<p>{escape(tx['cmp_many'].format(k=fmt.integer(k, lang), pairs=pairs))}</p>"
        elif real:
            out += f"<p>{escape(tx['cmp_pairs'].format(pairs=pairs))}</p>"
            out += _table([tx["pair"], tx["diff"], tx["p"]],
                          [[escape(f'{names.get(x["group_a"], x["group_a"])} − {names.get(x["group_b"], x["group_b"])}'),
                            fmt.num(x["diff"], lang, 2) + " " + _ci(x["ci_low"], x["ci_high"], lang),
                            fmt.pvalue(x["p_adj"], lang)] for x in real])
        else:
            out += f"<p>{escape(tx['cmp_none'].format(pairs=pairs))}</p>"
    return out
