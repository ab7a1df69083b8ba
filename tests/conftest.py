"""Shared fixtures.

``sample_run`` runs the whole pipeline on the sample study once per test session
into a private output root (never the user's data/processed or reports). With
pytest-xdist the workers share it: an OS file lock makes the first worker run the
pipeline while the others wait, then the pipeline's own fingerprints let them
reuse the outputs.
"""
from __future__ import annotations

import fcntl
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
E2E_ROOT = ROOT / ".pytest_cache" / "e2e"


@pytest.fixture(scope="session")
def sample_run():
    """(output_root, RunSummary) of ``helpers run --study sample --workers 2``.

    The environment variable is set only while the pipeline runs, so other tests
    keep writing where they expect."""
    from helpers import pipeline

    E2E_ROOT.mkdir(parents=True, exist_ok=True)
    old = os.environ.get("ASN_OUTPUT_ROOT")
    os.environ["ASN_OUTPUT_ROOT"] = str(E2E_ROOT)
    try:
        with open(E2E_ROOT / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            summary = pipeline.run("sample", workers=2, progress=False, echo=lambda *_: None)
            fcntl.flock(lock, fcntl.LOCK_UN)
    finally:
        if old is None:
            os.environ.pop("ASN_OUTPUT_ROOT", None)
        else:
            os.environ["ASN_OUTPUT_ROOT"] = old
    return E2E_ROOT, summary
