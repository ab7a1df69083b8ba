"""Figures of a brief, drawn with seaborn/matplotlib from the results dict only.

One style for all: greys, markers and line styles rather than colour, so the
charts read the same on a black-and-white printer; tick labels in the brief's
number format (``2,50`` in Bahasa Indonesia). Every function takes an index
block of :func:`.results.build_results`, the language and a PNG path, writes
the figure and returns the path, or ``None`` when there is nothing to draw.
"""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from .. import fmt, strings  # noqa: E402
from ..vocabulary import factor_label, group_label  # noqa: E402

WIDTH = 6.6  # inches: the A4 text width at 16 mm margins
DPI = 150
DARK, MID, LIGHT = "#222222", "#777777", "#d9d9d9"


def ordered_areas(block: dict) -> list[tuple[str, dict]]:
    """Areas in the spec's order (results.json stores them sorted by key)."""
    order = block.get("components") or list(block["areas"])
    return [(c, block["areas"][c]) for c in order if c in block["areas"]]


def ordered_unit_types(block: dict) -> list[tuple[str, dict]]:
    order = block.get("unit_type_order") or list(block["unit_types"])
    return [(k, block["unit_types"][k]) for k in order if k in block["unit_types"]]


def style() -> None:
    """The one style of every brief figure."""
    sns.set_theme(context="paper", style="whitegrid", font="DejaVu Sans",
                  rc={"axes.edgecolor": "#444444", "grid.color": "#e5e5e5", "axes.titlesize": 9,
                      "axes.labelsize": 8.5, "xtick.labelsize": 8, "ytick.labelsize": 8,
                      "legend.fontsize": 7.5, "figure.dpi": DPI, "savefig.dpi": DPI, "figure.constrained_layout.use": True,
                      "axes.titleweight": "bold",
                      # FreeType's hinting (matplotlib's default) costs ~30% of drawing a
                      # figure, mostly in the glyphs of tick labels; at 150 dpi unhinted
                      # glyphs look the same (compared page by page at print size)
                      "text.hinting": "none"})


def _lab(lang: str) -> dict:
    return strings.get("charts", lang)


def _numfmt(ax, lang: str, axis: str = "x", decimals: int = 2) -> None:
    f = FuncFormatter(lambda v, _: fmt.num(v, lang, decimals))
    (ax.xaxis if axis == "x" else ax.yaxis).set_major_formatter(f)


def _save(fig, path: Path) -> Path:
    """The figure as a PNG: one draw of the Agg canvas (the constrained layout
    runs inside it), then its pixels to the file (``savefig`` would draw twice).

    The figures are drawn in greys only, so the file is an 8-bit greyscale PNG
    without alpha when every pixel is grey (a third of the RGBA file): cheaper to
    write, to embed in the HTML and to re-encode in the PDF, where WeasyPrint
    would otherwise split off and compress an alpha channel of each figure. A
    figure with colour in it is written as RGB."""
    from PIL import Image

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.set_facecolor("white")
    if len(fig.axes) == 1:
        _fit(fig)
    fig.canvas.draw()
    rgba = np.asarray(fig.canvas.buffer_rgba())
    r, g, b = rgba[..., 0], rgba[..., 1], rgba[..., 2]
    grey = bool((r == g).all() and (g == b).all())
    img = Image.fromarray(np.ascontiguousarray(r) if grey else np.ascontiguousarray(rgba[..., :3]))
    img.save(path, format="png", dpi=(fig.dpi, fig.dpi))
    plt.close(fig)
    return path


def _fit(fig) -> None:
    """Place the one axes of ``fig`` as the constrained layout would (within half
    a pixel on every brief figure of the sample), from one measurement of its
    decorations instead of the layout's two passes plus the draw: the axes'
    tight box inside the figure with a pad of ``figure.constrained_layout.w_pad``
    / ``h_pad`` on each side, and below it the height of a figure legend placed
    ``outside lower`` (plus two pads), as the layout reserves it."""
    from matplotlib import rcParams

    fig.set_layout_engine("none")
    ax = fig.axes[0]
    r = fig.canvas.get_renderer()
    w, h = fig.bbox.width, fig.bbox.height
    wp, hp = rcParams["figure.constrained_layout.w_pad"] * fig.dpi, rcParams["figure.constrained_layout.h_pad"] * fig.dpi
    tight = ax.get_tightbbox(r, for_layout_only=True)
    box = ax.get_window_extent(r)
    legend = max((lg.get_tightbbox(r).height + 2 * hp for lg in fig.legends if lg._outside_loc == "lower"), default=0)
    left, right = box.x0 - tight.x0 + wp, tight.x1 - box.x1 + wp
    bottom, top = box.y0 - tight.y0 + hp + legend, tight.y1 - box.y1 + hp
    ax.set_position([left / w, bottom / h, (w - left - right) / w, (h - bottom - top) / h])


def _dec(block: dict) -> int:
    """Decimals of axis ticks: whole points on a 0-100 index, 2 on a 1-4 scale.
    Values printed next to marks always have 2, like the tables and text."""
    return 0 if (block.get("scale", {}).get("max") or 0) > 10 else 2


def area_profile(block: dict, lang: str, path: Path) -> Path | None:
    """Horizontal bars of each area's mean with its 95% CI. Areas on different
    maxima (IP ASN dimensions) are drawn as a share of their maximum."""
    areas = [(c, a) for c, a in ordered_areas(block) if a["mean"] is not None]
    if not areas:
        return None
    style()
    maxes = {a["max"] for _, a in areas}
    share = len(maxes) > 1
    lab = _lab(lang)
    fig, ax = plt.subplots(figsize=(WIDTH, 0.34 * len(areas) + 0.75))
    y = np.arange(len(areas))[::-1]
    ks = np.array([100 / a["max"] if share else 1 for _, a in areas], dtype=float)
    lo = 0 if share else (block["scale"]["min"] or 0)
    means = np.array([a["mean"] for _, a in areas], dtype=float)
    # one bar call and one errorbar call for all areas (a call per area cost more than the drawing)
    ax.barh(y, (means - lo) * ks, left=lo * ks, color=MID, height=0.55, edgecolor=DARK, linewidth=0.6)
    ci = [(yi, k, a) for yi, k, (_, a) in zip(y, ks, areas) if a["ci_low"] is not None]
    if ci:
        ax.errorbar([a["mean"] * k for _, k, a in ci], [yi for yi, _, _ in ci],
                    xerr=[[(a["mean"] - a["ci_low"]) * k for _, k, a in ci],
                          [(a["ci_high"] - a["mean"]) * k for _, k, a in ci]],
                    fmt="none", ecolor=DARK, capsize=2.5, lw=0.9)
    for yi, k, (c, a) in zip(y, ks, areas):
        if a.get("target") is not None:
            ax.plot([a["target"] * k] * 2, [yi - 0.38, yi + 0.38], color="black", lw=1.6, ls=(0, (2, 1)))
        txt = fmt.num(a["mean"], lang, 2) + (f" / {fmt.num(a['max'], lang, 0)}" if share else "")
        right = max(a["ci_high"] if a["ci_high"] is not None else a["mean"], a.get("target") or 0) * k
        ax.text(right + (1.5 if share else 0.04), yi, txt, va="center", fontsize=7.5, color=DARK)
    ax.set_yticks(y, [a["label"] for _, a in areas])
    if share:
        ax.set_xlim(0, 125)
        ax.set_xlabel(lab["share"])
        _numfmt(ax, lang, decimals=0)
    else:
        lo, hi = block["scale"]["min"] or 0, block["scale"]["max"]
        ax.set_xlim(lo, hi)
        ax.set_xlabel(lab["mean"])
        _numfmt(ax, lang, decimals=1)
    if block.get("overall") is not None and not share:
        ax.axvline(block["overall"], color=DARK, ls="--", lw=0.8)
        ax.text(block["overall"], y[0] + 0.55, lab["region"], fontsize=7, ha="center", va="bottom")
    if any(a.get("target") is not None for _, a in areas):
        ax.plot([], [], color="black", lw=1.6, ls=(0, (2, 1)), label=lab["target"])
        # below the axes: inside, it would cover the label of a bar at 100%
        fig.legend(loc="outside lower right", frameon=False)
    ax.grid(axis="y", visible=False)
    sns.despine(ax=ax, left=True)
    return _save(fig, path)


def unit_types(block: dict, lang: str, path: Path) -> Path | None:
    """Mean and 95% CI per unit type, sorted; filled markers for types that really
    differ from at least one other (post-hoc, adjusted p < alpha)."""
    rows = [(k, v) for k, v in ordered_unit_types(block) if not v["suppressed"] and v["mean"] is not None]
    if not rows:
        return None
    style()
    lab = _lab(lang)
    rows.sort(key=lambda kv: kv[1]["mean"])
    by = block["comparison"]["by_unit_type"]
    fig, ax = plt.subplots(figsize=(WIDTH, 0.28 * len(rows) + 1.0))
    # one errorbar call per marker style, not per row: each call builds its own
    # line, caps and collection, and that was most of the time spent on the figure
    marks: dict[tuple[bool, bool], list] = {}
    emm = []
    for yi, (k, v) in enumerate(rows):
        real = bool(by.get(k, {}).get("higher_than") or by.get(k, {}).get("lower_than"))
        tested = v.get("tested", True)  # a type of fewer than 3 units is shown, never tested
        marks.setdefault((tested, real), []).append(
            (v["mean"], yi, v["mean"] - (v["ci_low"] or v["mean"]), (v["ci_high"] or v["mean"]) - v["mean"]))
        if v.get("emm") is not None:
            emm.append((v["emm"], yi + 0.22))
        ax.text(1.01, yi, f"n = {fmt.integer(v['n'], lang)}", transform=ax.get_yaxis_transform(), fontsize=7,
                va="center", color=MID)
    for (tested, real), pts in marks.items():
        x, yy, lo, hi = np.array(pts, dtype=float).T
        ax.errorbar(x, yy, xerr=[lo, hi], fmt="o" if tested else "s", color=DARK if tested else MID,
                    mfc=DARK if real else "white", ms=5 if tested else 4.5, capsize=2.5, lw=1)
    has_emm = bool(emm)
    if emm:
        ax.plot(*np.array(emm, dtype=float).T, marker="D", ms=3.2, color=MID, ls="none")
    ax.set_yticks(range(len(rows)), [v["label"] for _, v in rows])
    ax.axvline(block["overall"], color=DARK, ls="--", lw=0.8, label=lab["region"])
    if block["comparison"].get("available"):
        ax.plot([], [], "o", color=DARK, mfc=DARK, label=lab["differs"])
        ax.plot([], [], "o", color=DARK, mfc="white", label=lab["same"])
        if any(not v.get("tested", True) for _, v in rows):
            ax.plot([], [], "s", color=MID, mfc="white", ms=4.5, label=lab["untested"])
    if has_emm:
        ax.plot([], [], "D", color=MID, ms=3.2, label=lab["adjusted"])
    ax.set_xlabel(lab["mean"])
    _numfmt(ax, lang, decimals=_dec(block))
    fig.legend(loc="outside lower center", ncol=2, frameon=False)
    ax.grid(axis="y", visible=False)
    sns.despine(ax=ax, left=True)
    return _save(fig, path)


def heatmap(block: dict, lang: str, path: Path) -> Path | None:
    """Unit type × area means in greys with the value printed in each cell."""
    rows = [(k, v) for k, v in ordered_unit_types(block) if not v["suppressed"]]
    comps = [c for c, _ in ordered_areas(block)]
    if not rows or not comps:
        return None
    style()
    data = np.array([[v["areas"].get(c) if v["areas"].get(c) is not None else np.nan for c in comps]
                     for _, v in rows], dtype=float)
    annot = np.array([[fmt.num(x, lang, 2) for x in r] for r in data])
    fig, ax = plt.subplots(figsize=(WIDTH, 0.3 * len(rows) + 1.3))
    # share of maximum puts IP ASN dimensions (max 5 ... 40) on one colour scale
    maxes = np.array([block["areas"][c]["max"] or 1 for c in comps])
    shade = data / maxes if len(set(maxes)) > 1 else data
    _grey_cells(ax, shade, annot, vmin=np.nanmin(shade) - 0.15 * np.nanstd(shade) - 1e-9,
                vmax=np.nanmax(shade) + 0.6 * (np.nanmax(shade) - np.nanmin(shade)) + 1e-9)
    labels = [block["areas"][c]["label"] for c in comps]
    ax.set_xticks(np.arange(len(comps)) + 0.5, [_wrap(s, 16) for s in labels], rotation=0, fontsize=7)
    ax.set_yticks(np.arange(len(rows)) + 0.5, [v["label"] for _, v in rows], rotation=0)
    ax.tick_params(length=0)
    return _save(fig, path)


def _grey_cells(ax, shade: np.ndarray, annot: np.ndarray, vmin: float, vmax: float) -> None:
    """What ``seaborn.heatmap(shade, annot=annot, cmap="Greys", cbar=False,
    linewidths=0.6, linecolor="white")`` draws, with plain matplotlib: a mesh of
    grey cells (empty where NaN), the value in each cell in dark or white ink by
    the cell's luminance (seaborn's rule), no spines. seaborn also draws the whole
    figure once more to test whether tick labels overlap; the brief sets its own
    tick labels right after, so that draw was wasted."""
    from seaborn.utils import relative_luminance

    sns.despine(ax=ax, left=True, bottom=True)
    data = np.ma.masked_invalid(shade)
    mesh = ax.pcolormesh(data, cmap="Greys", vmin=vmin, vmax=vmax, linewidths=0.6, edgecolor="white")
    ax.set(xlim=(0, shade.shape[1]), ylim=(0, shade.shape[0]))
    ax.invert_yaxis()
    mesh.update_scalarmappable()
    colours = mesh.get_facecolors()
    for k, (val, colour) in enumerate(zip(mesh.get_array().flat, colours)):
        if val is np.ma.masked:
            continue
        i, j = divmod(k, shade.shape[1])
        ax.text(j + 0.5, i + 0.5, annot[i, j], color=".15" if relative_luminance(colour) > .408 else "w",
                ha="center", va="center", fontsize=7.5)


def _wrap(s: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(s, width)) or s


def demographic_gaps(block: dict, lang: str, path: Path) -> Path | None:
    """Mean and CI of each shown demographic group, one panel row per factor."""
    gaps = block.get("gaps") or {}
    rows = []
    for f in block.get("gap_order", list(gaps)):
        g = gaps[f]
        for name in g.get("order", list(g["groups"])):
            v = g["groups"][name]
            if not v["suppressed"] and v["mean"] is not None:
                rows.append((f, name, v))
    if not rows:
        return None
    style()
    lab = _lab(lang)
    fig, ax = plt.subplots(figsize=(WIDTH, 0.18 * len(rows) + 0.8))
    labels, prev, y = [], None, 0
    ys = []
    for f, name, v in rows:
        if prev is not None and f != prev:
            y += 0.6
        ys.append(y)
        labels.append(f"{factor_label(f, lang)}: {group_label(name, lang)}")
        prev = f
        y += 1
    ys = np.array(ys)
    ys = ys.max() - ys
    mean = np.array([v["mean"] for _, _, v in rows], dtype=float)
    lo = np.array([v["ci_low"] if v["ci_low"] is not None else v["mean"] for _, _, v in rows], dtype=float)
    hi = np.array([v["ci_high"] if v["ci_high"] is not None else v["mean"] for _, _, v in rows], dtype=float)
    ax.errorbar(mean, ys, xerr=[mean - lo, hi - mean], fmt="o", color=DARK, ms=3.5, capsize=2, lw=0.9)
    ax.set_yticks(ys, labels)
    ax.axvline(block["overall"], color=DARK, ls="--", lw=0.8, label=lab["region"])
    fig.legend(loc="outside lower right", frameon=False)  # inside, it can hide the last group's marker
    ax.set_xlabel(lab["mean"])
    _numfmt(ax, lang, decimals=_dec(block))
    ax.grid(axis="y", visible=False)
    sns.despine(ax=ax, left=True)
    return _save(fig, path)


def all_figures(results: dict, folder: Path, lang: str | None = None) -> dict[str, Path]:
    """Every figure of the brief into ``folder`` (``figures/`` of the report):
    ``<index>_<chart>.png``; returns ``{name: path}`` for those drawn.

    The priority units are a table in the brief (:func:`.render.priority_section`:
    rank intervals in numbers), not a chart: the rank-interval chart once drawn
    for them was written for every brief and shown in none (~0.15 CPU s each),
    and is gone."""
    lang = lang or results["meta"]["lang"]
    folder = Path(folder)
    out = {}
    head = results["meta"]["headline_index"]
    for idx, block in results["indices"].items():
        charts = {"areas": area_profile, "unit_types": unit_types}
        if idx == head:
            charts.update(heatmap=heatmap, gaps=demographic_gaps)
        for name, fn in charts.items():
            p = fn(block, lang, folder / f"{idx}_{name}.png")
            if p is not None:
                out[f"{idx}_{name}"] = p
    return out
