"""Fingerprints and stamps: what lets a rerun do only what is missing or changed.

A stage or brief is *fresh* when its stamp (``.stamps/<stage>.json`` in the
processed folder, ``.stamp.json`` in a report folder) holds the fingerprint of
its parameters and of every file it depends on (:func:`code_and_config_files`),
and every output it writes exists (for stages 01-03 the tables the catalog
assigns to it, :data:`helpers.catalog.STAGE_TABLES`).
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Iterable

from .. import paths
from ..io import read_json, sha256_file
from ..study import Study

STAGES = ("01_clean", "02_indices", "03_compare")
BRIEF = "04_brief"

#: package code that only the briefs use (paths relative to ``helpers/``): editing
#: it reruns the briefs, not stages 01-03. The pipeline's own code is among it:
#: it runs the stage notebooks but computes nothing in them (their parameters
#: are in the fingerprint), while it writes each brief's manifest.
BRIEF_ONLY_CODE = ("brief", "export.py", "templates", "pipeline")


def _brief_only(rel: Path) -> bool:
    return any(rel.as_posix() == p or rel.as_posix().startswith(p + "/") for p in BRIEF_ONLY_CODE)


def code_and_config_files(study: Study, stage: str) -> list[Path]:
    """Files whose change invalidates a stage's earlier outputs: the study's raw
    inputs, the configuration the study uses (:func:`study_config_files`), the
    package source the stage can reach and the notebooks up to that stage."""
    pkg = Path(__file__).resolve().parents[1]
    files = list(study.input_files())
    files += study_config_files(study)
    code = sorted(p for p in pkg.rglob("*") if p.is_file() and p.suffix in {".py", ".css", ".html"})
    if stage != BRIEF:
        code = [p for p in code if not _brief_only(p.relative_to(pkg))]
    files += code
    files += sorted(p for p in paths.notebooks_dir().glob("0*.ipynb") if "01" <= p.stem[:2] <= stage[:2])
    return files


def study_config_files(study: Study) -> list[Path]:
    """The configuration one study reads: its study file, the codebooks of its
    sources, the index specs of its indices (``indices_options.specs`` overrides
    included), ``config/unit_types.yaml`` and its unit alias file. Another
    study's files, or a new file under ``config/``, leave its fingerprints alone."""
    from ..clean.codebook import codebook_path
    from ..indices.spec import spec_path
    from ..clean.units import manual_aliases_path

    files = [study.config_file]
    files += [codebook_path(i) for i in dict.fromkeys(s.instrument for s in study.sources)]
    overrides = study.option("indices_options", "specs", default={}) or {}
    for idx in study.indices:
        p = overrides.get(idx, idx) if isinstance(overrides, dict) else idx
        files.append(spec_path(p))
    files += [paths.config_dir() / "unit_types.yaml", manual_aliases_path(study.id)]
    return list(dict.fromkeys(Path(f) for f in files))


def files_digest(study: Study, stage: str) -> str:
    """One digest of every file a stage depends on (:func:`code_and_config_files`):
    computed once per run, not once per region (the raw inputs of a national
    study are gigabytes)."""
    h = hashlib.sha256()
    for f in code_and_config_files(study, stage):
        h.update(str(f).encode())
        h.update(sha256_file(f).encode() if f.exists() else b"missing")
    return h.hexdigest()


def fingerprint(study: Study, params: dict, digest: str | None = None) -> str:
    """Hash of a stage's or brief's parameters and of every file it depends on
    (``digest``: :func:`files_digest`, when the caller already has it)."""
    digest = digest or files_digest(study, params["stage"])
    return hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode() + digest.encode()).hexdigest()


def stage_outputs(study: Study, stage: str) -> list[Path]:
    """The processed tables stage ``01_clean`` / ``02_indices`` / ``03_compare``
    writes, from the catalog (one ``scores_<index>`` per index of the study)."""
    from .. import catalog

    names = []
    for name in catalog.STAGE_TABLES[stage[:2]]:
        names += [catalog.scores(i) for i in study.indices] if name == "scores" else [name]
    return [catalog.path(study, n) for n in names]


def stamp_path(study: Study, name: str) -> Path:
    return study.processed_dir / ".stamps" / f"{name}.json"


def is_fresh(stamp: Path, fp: str, outputs: Iterable[Path]) -> bool:
    """True if ``stamp`` records fingerprint ``fp`` and every output exists:
    ``outputs`` and the tables the stamp lists under ``outputs`` (relative to the
    processed folder, which holds ``.stamps/``)."""
    if not stamp.exists() or any(not p.exists() for p in outputs):
        return False
    st = read_json(stamp)
    base = stamp.parent.parent
    return st.get("fingerprint") == fp and all((base / p).exists() for p in st.get("outputs", []))
