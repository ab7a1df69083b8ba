"""Turn an executed brief notebook into ``brief.html`` (no code, self-contained:
figures are embedded as base64) and ``brief.pdf`` (A4, WeasyPrint)."""
from __future__ import annotations

import logging
import threading
from importlib.resources import files
from pathlib import Path

import nbformat

from .io import atomic_path

_EXPORTER = None
_FONTS = None  # one WeasyPrint FontConfiguration per process (no @font-face: nothing document-specific in it)
_PRELOAD: threading.Thread | None = None


def _font_config():
    """WeasyPrint's font configuration, built once per process: building it for
    every PDF is ~15% of a brief's PDF time, and the PDF is byte-identical."""
    global _FONTS
    if _FONTS is None:
        from weasyprint.text.fonts import FontConfiguration

        _FONTS = FontConfiguration()
    return _FONTS


def _warm_up() -> None:
    import nbconvert  # noqa: F401
    import papermill  # noqa: F401
    from weasyprint import HTML

    # the first PDF of a process parses WeasyPrint's C declarations (~0.5 s): do it now
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    HTML(string='<p style="font-family: DejaVu Sans">2,50</p>').write_pdf(font_config=_font_config())


def preload() -> None:
    """Import papermill and the exporters and make a throw-away PDF in a
    background thread, so a worker's first brief does not wait for them (the
    thread uses the time the process spends waiting for its kernel to start)."""
    global _PRELOAD
    if _PRELOAD is None:
        _PRELOAD = threading.Thread(target=_warm_up, name="export-preload", daemon=True)
        _PRELOAD.start()


def _exporter():
    global _EXPORTER
    if _PRELOAD is not None:
        _PRELOAD.join()
    if _EXPORTER is None:  # one per process: building it loads the Jinja templates
        from nbconvert import HTMLExporter

        _EXPORTER = HTMLExporter(template_name="basic", exclude_input=True,
                                 exclude_input_prompt=True, exclude_output_prompt=True)
    return _EXPORTER


def notebook_to_html(nb_path: Path | nbformat.NotebookNode, title: str | None = None,
                     lang: str | None = None) -> str:
    """HTML of the notebook's outputs and markdown only.

    Uses nbconvert's ``basic`` template (cells without Jupyter's CSS) wrapped in
    the workspace's print stylesheet, so the page is light, readable on screen
    and paginates well on A4.
    """
    nb = nbformat.read(nb_path, as_version=4) if isinstance(nb_path, (str, Path)) else nb_path
    # Cells tagged "remove" (set-up, parameter echo) never reach a reader.
    nb.cells = [c for c in nb.cells if "remove" not in c.get("metadata", {}).get("tags", [])]
    body, _ = _exporter().from_notebook_node(nb)
    css = files("helpers").joinpath("templates/brief.css").read_text(encoding="utf-8")
    title = title or nb.metadata.get("title") or (Path(nb_path).stem if isinstance(nb_path, (str, Path)) else "brief")
    lang = lang or nb.metadata.get("language_code", "id")
    return (f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{title}</title>\n<style>\n{css}\n</style>\n</head>\n"
            f'<body>\n<main class="brief">\n{body}\n</main>\n</body>\n</html>\n')


def html_to_pdf(html: str, pdf_path: Path, base_url: Path) -> Path:
    if _PRELOAD is not None:
        _PRELOAD.join()
    from weasyprint import HTML

    # WeasyPrint warns about every CSS property it ignores; the brief does not need them.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    with atomic_path(pdf_path) as tmp:
        HTML(string=html, base_url=str(base_url)).write_pdf(str(tmp), font_config=_font_config())
    return pdf_path


def export_brief(nb_path: Path, folder: Path, suffix: str = "") -> dict[str, Path]:
    """``brief<suffix>.html`` and ``brief<suffix>.pdf`` of an executed brief notebook
    (``suffix`` ``".en"`` for a brief in a language other than the study's default)."""
    nb = nbformat.read(nb_path, as_version=4)
    title, lang = nb.metadata.get("title"), None
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
    pdf_path = html_to_pdf(html, folder / f"brief{suffix}.pdf", base_url=folder)
    return {"html": html_path, "pdf": pdf_path}
