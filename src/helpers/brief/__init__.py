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


def __getattr__(name: str):
    """``build_results`` is imported on first use: a pipeline worker imports this
    package for :func:`lang_suffix` and :func:`output_names` only, and the
    results module pulls in the index engine with scipy.stats (~2.5 CPU s) that
    only the brief's kernel needs."""
    if name == "build_results":
        from .results import build_results

        return build_results
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def lang_suffix(study, lang: str | None) -> str:
    """``""`` for the study's default language (``report.lang``, else ``id``),
    ``".en"`` for another: a brief in another language goes beside the default
    one (``brief.en.pdf`` next to ``brief.pdf``), never over it."""
    from ..study import Study, load_study

    st = study if isinstance(study, Study) else load_study(study)
    default = st.option("report", "lang", default="id")
    return "" if not lang or lang == default else f".{lang}"


def output_names(suffix: str = "") -> dict[str, str]:
    """File names of a report folder for one language (``suffix`` from :func:`lang_suffix`)."""
    return {"results": f"results{suffix}.json", "tables": f"tables{suffix}.xlsx", "figures": f"figures{suffix}",
            "html": f"brief{suffix}.html", "pdf": f"brief{suffix}.pdf", "notebook": f"brief{suffix}.ipynb",
            "failed": f"brief{suffix}.failed.ipynb", "manifest": f"manifest{suffix}.json",
            "stamp": f".stamp{suffix}.json", "summary": f"summary{suffix}"}


def scratch_dir(study: str, region: str) -> Path:
    """Where a brief run by hand (papermill, JupyterLab) writes when not told
    otherwise: ``scratch/<study>/<region>/`` (git-ignored), never the official
    ``reports/`` folder, which only the pipeline writes (with its manifest)."""
    from .. import paths

    return paths.output_root() / "scratch" / str(study) / region


def make_outputs(study: str, region: str, lang: str = "id", min_cell: int = 5, alpha: float = 0.05,
                 output_dir: str | Path | None = None, index: str | None = None) -> tuple[dict, dict, Path]:
    """Build the results of one region and write ``results.json``, ``figures/``
    and ``tables.xlsx`` into ``output_dir`` (default: :func:`scratch_dir`; the
    pipeline passes the report folder). In a language other than the study's
    default the names carry it: ``results.en.json``, ``figures.en/``, ``tables.en.xlsx``.

    Returns ``(results, figures, output_dir)``; render with
    ``render.sections(results, figures)``."""
    from ..io import ensure_writable_dir, write_json
    from .plots import all_figures
    from .results import build_results
    from .tables import write_tables

    folder = ensure_writable_dir(Path(output_dir) if output_dir else scratch_dir(study, region))
    names = output_names(lang_suffix(study, lang))
    results = build_results(study, region, lang=lang, min_cell=int(min_cell), alpha=float(alpha),
                            index=index or None)
    write_json(results, folder / names["results"])
    # the brief is rendered from the file as written (JSON round trip), never from
    # in-memory values that could carry more precision or types than the file
    from ..io import read_json

    results = read_json(folder / names["results"])
    figures = all_figures(results, folder / names["figures"], lang)
    write_tables(results, folder / names["tables"])
    return results, figures, folder


__all__ = ["build_results", "lang_suffix", "make_outputs", "output_names", "scratch_dir"]
