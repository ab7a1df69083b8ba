"""Shared fixtures: the sample study run once, small studies written once.

Environment variables are set one way: pytest's ``monkeypatch`` in a test,
``factories.env(...)`` (a ``MonkeyPatch`` context) in a module- or
session-scoped fixture; never by assigning ``os.environ``.

The expensive things are made once per test session and shared:

- ``sample_run``: the whole pipeline on the sample study (``helpers run``) into a
  private output root (never the user's data/processed or reports).
- ``sample_cleaned``: stage 01 on the sample study into another private root
  (the tests of cleaning, synthesis and stage 02 read it; they need not wait for
  the briefs).
- ``brief_study``: the brief's processed fixture study (``_brief_fixture``),
  written once; each module gets its own copy, so a module may change it.

With pytest-xdist the workers share them: an OS file lock lets the first worker
make one while the others wait, then they read it. ``--dist loadfile``
(pyproject) keeps a module's tests on one worker, so a module-scoped fixture is
made once, not once per worker. (``--dist loadgroup`` with ``xdist_group``
marks would also keep the sample's tests together, but xdist 3.8.0 here spread
even explicitly marked tests over both workers.) A test
using one of ``SLOW_FIXTURES`` is marked ``slow`` here, so the marks cannot drift
from what a test costs; a test that runs a notebook or the pipeline itself
carries ``@pytest.mark.slow``.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from factories import env

ROOT = Path(__file__).resolve().parents[1]
E2E_ROOT = ROOT / ".pytest_cache" / "e2e"

#: fixtures that make a test slow: the pipeline, stage 01 on the whole sample, a
#: brief rendered in a kernel (test_brief's ``rendered``)
SLOW_FIXTURES = {"sample_run", "sample_cleaned", "rendered"}


#: the modules that take longest, longest first: with ``--dist loadfile
#: --no-loadscope-reorder`` (pyproject) xdist hands modules to its workers in
#: collection order, so the long ones start at once and the many short ones fill
#: the gaps at the end (xdist's default order, most tests first, left the longest
#: modules, which have few tests, for last: one worker finished minutes after the other)
LONGEST_FIRST = ["test_end_to_end.py", "test_study_shapes.py", "test_compare.py", "test_brief.py", "test_synth.py",
                 "test_malformed.py", "test_cluster.py", "test_indices_sample.py", "test_outputs.py", "test_clean.py",
                 "test_indices.py"]


def _order(item) -> tuple[int, int]:
    """Modules by LONGEST_FIRST, then the rest; inside a module, the tests that
    wait for ``sample_run`` last (the other worker may be making it)."""
    name = item.path.name
    rank = LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)
    waits = "sample_run" in getattr(item, "fixturenames", ()) and name != "test_end_to_end.py"
    return rank, int(waits)


def pytest_collection_modifyitems(items):
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
    items.sort(key=_order)  # stable: a module's tests keep their order otherwise


@contextlib.contextmanager
def _exclusive(lockfile: Path):
    """Hold an OS lock on ``lockfile`` (one xdist worker at a time)."""
    lockfile.parent.mkdir(parents=True, exist_ok=True)
    with open(lockfile, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def shared_tmp(tmp_path_factory) -> Path:
    """A temporary folder shared by every xdist worker of this session (the
    parent of the workers' own base folders), or the session's base folder."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session")
def sample_run():
    """(output_root, RunSummary) of ``helpers run --study sample --workers 2``.

    The variables are set only while the pipeline runs, so other tests keep
    writing where they expect. Later calls (other workers) find every stage and
    brief fresh by the pipeline's fingerprints and skip them."""
    from helpers import pipeline

    with _exclusive(E2E_ROOT / ".lock"), env(ASN_WORKSPACE=ROOT, ASN_OUTPUT_ROOT=E2E_ROOT):
        summary = pipeline.run("sample", workers=2, progress=False, echo=lambda *_: None)
    return E2E_ROOT, summary


@pytest.fixture(scope="session")
def sample_cleaned(shared_tmp):
    """Stage 01 on the sample study, written under a private output root with
    the test pseudonym key: ``{"root", "summary", "tables"}`` (``tables`` as
    ``clean.run(..., return_tables=True)`` returns them)."""
    from helpers import clean
    from helpers.study import load_study

    root = shared_tmp / "sample_cleaned"
    done = shared_tmp / "sample_cleaned.pickle"
    # the first worker runs stage 01 and pickles what it returned (the same
    # objects, dtypes included); another worker loads that instead of cleaning again
    with _exclusive(shared_tmp / "sample_cleaned.lock"):
        if done.exists():
            summary = pd.read_pickle(done)
        else:
            with env(ASN_WORKSPACE=ROOT, ASN_OUTPUT_ROOT=root, ASN_PSEUDONYM_KEY="test-key"):
                summary = clean.run(load_study("sample"), return_tables=True)
            pd.to_pickle(summary, done)
    return {"root": root, "summary": summary, "tables": summary["tables"]}


@pytest.fixture(scope="session")
def _brief_master(shared_tmp) -> Path:
    from _brief_fixture import write_fixture

    master = shared_tmp / "brief_master"
    with _exclusive(shared_tmp / "brief_master.lock"):
        if not (master / ".written").exists():
            master.mkdir(exist_ok=True)
            with env(ASN_WORKSPACE=master, ASN_OUTPUT_ROOT=master):
                write_fixture(master)
            (master / ".written").touch()
    return master


@pytest.fixture(scope="session")
def brief_study(_brief_master, tmp_path_factory):
    """``brief_study(name) -> (root, study_yaml)``: a fresh copy of the brief's
    fixture workspace (``_brief_fixture.write_fixture``, written once per session).
    Point ``ASN_WORKSPACE`` and ``ASN_OUTPUT_ROOT`` at ``root`` to use it."""
    from _brief_fixture import STUDY_ID

    def copy(name: str) -> tuple[Path, Path]:
        root = tmp_path_factory.mktemp(name)
        shutil.copytree(_brief_master, root, symlinks=True, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns(".written"))
        return root, root / "config" / "studies" / f"{STUDY_ID}.yaml"

    return copy
