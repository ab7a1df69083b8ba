"""Turn an executed brief notebook into ``brief.html`` (no code, self-contained:
figures are embedded as base64) and ``brief.pdf`` (A4, WeasyPrint).

The brief's notebook displays one HTML section per cell (:mod:`helpers.brief.render`),
so its page is those outputs in cell order, wrapped in the print stylesheet: built
directly from the notebook's JSON. A notebook with anything else to show (a
markdown cell, a printed stream, an error, an image output) goes through
nbconvert's ``basic`` template instead, which renders every kind of output; the
brief never needs it, so a pipeline worker never imports nbconvert (~1 CPU s,
and its Jinja templates another ~0.5 s on the first export).
"""
from __future__ import annotations

import json
import logging
import threading
from importlib.resources import files
from pathlib import Path

from .io import atomic_path

_EXPORTER = None
_FONTS = None  # one WeasyPrint FontConfiguration per process (no @font-face: nothing document-specific in it)
_PRELOAD: threading.Thread | None = None
_PRELOAD_LOCK = threading.Lock()  # a worker's warm-up task and its first brief may call preload() at once


def _font_config():
    """WeasyPrint's font configuration, built once per process: building it for
    every PDF is ~15% of a brief's PDF time, and the PDF is byte-identical."""
    global _FONTS
    if _FONTS is None:
        from weasyprint.text.fonts import FontConfiguration

        _FONTS = FontConfiguration()
    return _FONTS


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_idat(data: bytes) -> bytes | None:
    """The compressed pixel data (the IDAT chunks joined) of a PNG that a PDF can
    take as it is (``/FlateDecode`` with PNG predictors): 8 bits per sample, grey
    or RGB, not interlaced. None for any other PNG (palette, alpha, 16-bit,
    interlaced) or for data that is not a PNG."""
    import struct
    import zlib

    if not data.startswith(_PNG_SIGNATURE):
        return None
    pos, idat, ihdr = len(_PNG_SIGNATURE), [], None
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if len(body) != length or data[pos + 8 + length:pos + 12 + length] != struct.pack(
                ">I", zlib.crc32(kind + body) & 0xFFFFFFFF):
            return None  # truncated or damaged: let the re-encoding path report it
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
        pos += 12 + length
    if ihdr is None or not idat:
        return None
    _, _, depth, colour, _, _, interlace = ihdr
    return b"".join(idat) if depth == 8 and colour in (0, 2) and interlace == 0 else None


def _png_passthrough() -> None:
    """Let WeasyPrint embed a brief's PNG figures without decoding and encoding
    them again.

    For every PNG WeasyPrint decodes the pixels and saves them as a new PNG only
    to copy that file's IDAT chunks into the PDF (``RasterImage._get_png_data``):
    ~10% of a brief's PDF time. The figures are 8-bit grey or RGB PNGs written
    by Pillow with its defaults, so their own IDAT chunks are the same bytes
    (the PDF is byte-identical: ``tests/test_brief_cost.py``). Any other image
    (alpha, palette, one WeasyPrint converted first) goes the original way; if
    WeasyPrint's internals change this does nothing."""
    try:
        from weasyprint.images import RasterImage
    except ImportError:
        return
    original = RasterImage.__dict__.get("_get_png_data")
    if not isinstance(original, staticmethod) or getattr(original.__func__, "__asn_passthrough__", False):
        return
    encode = original.__func__

    def _get_png_data(pillow_image):
        fp = getattr(pillow_image, "fp", None)
        if getattr(pillow_image, "format", None) == "PNG" and pillow_image.mode in ("L", "RGB") \
                and hasattr(fp, "getvalue"):
            idat = png_idat(fp.getvalue())
            if idat is not None:
                return idat
        return encode(pillow_image)

    _get_png_data.__asn_passthrough__ = True
    _get_png_data.__wrapped__ = encode
    RasterImage._get_png_data = staticmethod(_get_png_data)


def _warm_up() -> None:
    import papermill  # noqa: F401
    from weasyprint import HTML

    # the first PDF of a process parses WeasyPrint's C declarations (~0.5 s): do it now
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    HTML(string='<p style="font-family: DejaVu Sans">2,50</p>').write_pdf(font_config=_font_config())


def preload() -> None:
    """Import papermill and WeasyPrint and make a throw-away PDF in a
    background thread, so a worker's first brief does not wait for them (the
    thread uses the time the process spends waiting for its kernel to start).

    Two threads importing the same package at once can see it half
    initialised (jupyter_client's modules import each other: "cannot import
    name 'AsyncKernelManager' from partially initialized module"), so what the
    kernel launch imports is imported here first, in the caller's thread, and
    :func:`preloaded` is called before papermill is used."""
    global _PRELOAD
    with _PRELOAD_LOCK:
        if _PRELOAD is None:
            import jupyter_client.manager  # noqa: F401 - see above
            import jupyter_core.utils  # noqa: F401

            _PRELOAD = threading.Thread(target=_warm_up, name="export-preload", daemon=True)
            _PRELOAD.start()


def preloaded() -> None:
    """Wait for :func:`preload`'s thread (if any) to finish its imports."""
    if _PRELOAD is not None:
        _PRELOAD.join()


def _exporter():
    global _EXPORTER
    preloaded()
    if _EXPORTER is None:  # one per process: building it loads the Jinja templates
        from nbconvert import HTMLExporter

        _EXPORTER = HTMLExporter(template_name="basic", exclude_input=True,
                                 exclude_input_prompt=True, exclude_output_prompt=True)
    return _EXPORTER


def _kept(cells: list) -> list:
    """Cells tagged "remove" (set-up, parameter echo) never reach a reader."""
    return [c for c in cells if "remove" not in c.get("metadata", {}).get("tags", [])]


def _text(x) -> str:
    return "".join(x) if isinstance(x, list) else str(x)


def displayed_html(cells: list) -> str | None:
    """The page body when every kept cell is a code cell whose outputs are all
    HTML displays (the brief: one ``display(HTML(...))`` per section), else None.

    Each cell gets the blocks nbconvert's ``basic`` template gives a code cell
    without input or prompts (the same classes, ids and nesting), so the page
    lays out exactly as the template's did: WeasyPrint collapses the margins of
    the sections through these blocks, and a page break falls where it fell."""
    parts = []
    for c in _kept(cells):
        if c.get("cell_type") != "code":
            return None
        tags = "".join(f" celltag_{t}" for t in c.get("metadata", {}).get("tags", []))
        cid = f' id="cell-id={c["id"]}"' if c.get("id") else ""
        areas = []
        for o in c.get("outputs", []):
            if o.get("output_type") not in ("display_data", "execute_result") or "text/html" not in o.get("data", {}):
                return None
            areas.append('<div class="output_area">\n<div class="output_html rendered_html output_subarea">'
                         + _text(o["data"]["text/html"]) + "</div>\n</div>\n")
        inner = ('<div class="output_wrapper">\n<div class="output">\n' + "".join(areas) + "</div>\n</div>\n"
                 if areas else "")
        parts.append(f'<div class="cell border-box-sizing code_cell rendered{tags}"{cid}>\n{inner}</div>\n')
    return "".join(parts)


def _nbconvert_html(nb: dict) -> str:
    import nbformat

    node = nbformat.reads(json.dumps(nb), as_version=4)  # joins the JSON's multi-line strings
    node.cells = _kept(node.cells)
    body, _ = _exporter().from_notebook_node(node)
    return body


def page(body: str, title: str, lang: str) -> str:
    """A whole HTML page: ``body`` in the workspace's print stylesheet."""
    css = files("helpers").joinpath("templates/brief.css").read_text(encoding="utf-8")
    return (f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{title}</title>\n<style>\n{css}\n</style>\n</head>\n"
            f'<body>\n<main class="brief">\n{body}\n</main>\n</body>\n</html>\n')


def notebook_to_html(nb_path: Path | dict, title: str | None = None, lang: str | None = None) -> str:
    """HTML of the notebook's outputs and markdown only.

    The brief's HTML displays are placed as they are (:func:`displayed_html`);
    any other notebook goes through nbconvert's ``basic`` template (cells without
    Jupyter's CSS). Either is wrapped in the workspace's print stylesheet, so the
    page is light, readable on screen and paginates well on A4.
    """
    if isinstance(nb_path, (str, Path)):
        nb = json.loads(Path(nb_path).read_text(encoding="utf-8"))
    else:
        nb = nb_path
    body = displayed_html(nb.get("cells", []))
    if body is None:
        body = _nbconvert_html(nb)
    meta = nb.get("metadata", {})
    title = title or meta.get("title") or (Path(nb_path).stem if isinstance(nb_path, (str, Path)) else "brief")
    return page(body, title, lang or meta.get("language_code", "id"))


def html_to_pdf(html: str, pdf_path: Path, base_url: Path) -> Path:
    preloaded()
    from weasyprint import HTML

    _png_passthrough()
    # WeasyPrint warns about every CSS property it ignores; the brief does not need them.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    with atomic_path(pdf_path) as tmp:
        HTML(string=html, base_url=str(base_url)).write_pdf(str(tmp), font_config=_font_config())
    return pdf_path


def export_brief(nb_path: Path, folder: Path, suffix: str = "") -> dict[str, Path]:
    """``brief<suffix>.html`` and ``brief<suffix>.pdf`` of an executed brief notebook
    (``suffix`` ``".en"`` for a brief in a language other than the study's default)."""
    # plain JSON: papermill wrote and validated it; a second validation costs more than the page
    nb = json.loads(Path(nb_path).read_text(encoding="utf-8"))
    title, lang = nb.get("metadata", {}).get("title"), None
    results = folder / f"results{suffix}.json"
    if results.exists():  # the brief's own title and language (helpers.brief)
        from .io import read_json

        meta = read_json(results).get("meta", {})
        lang = meta.get("lang")
        title = title or " · ".join(str(x) for x in (meta.get("region_name"), meta.get("study_title")) if x)
    html = notebook_to_html(nb, title=title, lang=lang)
    html_path = folder / f"brief{suffix}.html"
    with atomic_path(html_path) as tmp:
        tmp.write_text(html, encoding="utf-8")
    pdf_path = html_to_pdf(with_figure_files(html, folder / f"figures{suffix}", folder), folder / f"brief{suffix}.pdf",
                           base_url=folder)
    return {"html": html_path, "pdf": pdf_path}


def with_figure_files(html: str, figures: Path, base: Path) -> str:
    """``html`` with each embedded figure (``data:image/png;base64,...`` of a PNG
    in ``figures``) pointing at its file instead, relative to ``base``.

    ``brief.html`` stays self-contained; only the page WeasyPrint lays out takes
    the files: it then parses ~20 KB of HTML instead of ~200 KB and decodes no
    base64 (~0.1-0.2 CPU s of a brief's PDF), and the pages are the same pixels
    (the same PNG bytes either way)."""
    import base64
    from urllib.parse import quote

    if "data:image/png;base64," not in html or not figures.is_dir():
        return html
    for png in sorted(figures.glob("*.png")):
        uri = "data:image/png;base64," + base64.b64encode(png.read_bytes()).decode("ascii")
        if uri in html:
            html = html.replace(uri, quote(png.relative_to(base).as_posix()))
    return html
