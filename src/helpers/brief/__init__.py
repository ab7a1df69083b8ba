"""04_brief: the per-region policy brief.

- :func:`build_results`  every number the brief states (``results.json``)
- :func:`make_outputs`   results.json, figures/*.png and tables.xlsx into a report folder
- :mod:`.render`         the HTML sections the notebook displays
- :mod:`.summary`        the study-level summary with all regions side by side

The notebook ``04_brief.ipynb`` only calls :func:`make_outputs` and displays
:func:`.render.sections`; ``helpers.export`` turns it into HTML and PDF.
"""
from __future__ import annotations

from pathlib import Path

from .results import build_results


def make_outputs(study: str, region: str, lang: str = "id", min_cell: int = 5, alpha: float = 0.05,
                 output_dir: str | Path | None = None, index: str | None = None) -> tuple[dict, dict, Path]:
    """Build the results of one region and write ``results.json``, ``figures/``
    and ``tables.xlsx`` into ``output_dir`` (default ``reports/<study>/<region>/``).

    Returns ``(results, figures, output_dir)``; render with
    ``render.sections(results, figures)``."""
    from .. import paths
    from ..io import write_json
    from .plots import all_figures
    from .tables import write_tables

    folder = Path(output_dir) if output_dir else paths.reports_dir(study) / region
    folder.mkdir(parents=True, exist_ok=True)
    results = build_results(study, region, lang=lang, min_cell=int(min_cell), alpha=float(alpha),
                            index=index or None)
    write_json(results, folder / "results.json")
    # the brief is rendered from the file as written (JSON round trip), never from
    # in-memory values that could carry more precision or types than the file
    from ..io import read_json

    results = read_json(folder / "results.json")
    figures = all_figures(results, folder / "figures", lang)
    write_tables(results, folder / "tables.xlsx")
    return results, figures, folder


__all__ = ["build_results", "make_outputs"]
