"""The pipeline's own parts: stamps, input hashes, declared parameters, forked kernels."""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import nbformat
import pytest

from helpers import provenance
from helpers.pipeline import cache, execute, forkserver, kernels
from helpers.pipeline.execute import KERNEL_ARGS, kernel_name


def test_nothing_imports_the_pipeline_from_below():
    """The brief and provenance never import helpers.pipeline (no upward import)."""
    src = Path(provenance.__file__).parent
    for f in [src / "provenance.py", *sorted((src / "brief").glob("*.py"))]:
        text = f.read_text(encoding="utf-8")
        assert "pipeline import" not in text and "from ..pipeline" not in text, f


def test_stamp_is_stale_when_a_table_it_lists_is_gone(tmp_path):
    stamps = tmp_path / ".stamps"
    stamps.mkdir()
    (tmp_path / "aggregates.parquet").write_bytes(b"x")
    stamp = stamps / "02_indices.json"
    stamp.write_text(json.dumps({"fingerprint": "abc", "outputs": ["aggregates.parquet"]}))
    assert cache.is_fresh(stamp, "abc", [])
    assert not cache.is_fresh(stamp, "abd", [])  # another fingerprint
    (tmp_path / "aggregates.parquet").unlink()
    assert not cache.is_fresh(stamp, "abc", [])


def test_stage_outputs_come_from_the_catalog():
    from helpers import catalog
    from helpers.study import load_study

    study = load_study("sample")
    names = {p.name for p in cache.stage_outputs(study, "02_indices")}
    assert {"scores_ikd.parquet", "scores_ip_asn.parquet", "scores_ild.parquet", "aggregates.parquet"} <= names
    assert len(names) == len(catalog.STAGE_TABLES["02"]) - 1 + len(study.indices)
    assert {p.name for p in cache.stage_outputs(study, "01_clean")} >= {"respondents.parquet", "cleaning_log.csv"}


class _Study:
    """The two things input_hashes reads of a study."""

    def __init__(self, root: Path, files: list[Path]):
        self.processed_dir = root / "processed"
        self._files = files

    def input_files(self):
        return self._files


def test_input_hashes_are_sha256_and_follow_a_changed_file(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_bytes(b"unit_id,unit_name\n1,Dinas\n")
    b.write_bytes(b"x" * 100)
    study = _Study(tmp_path, [a, b, tmp_path / "gone.csv"])
    got = provenance.input_hashes(study)
    assert got[str(a)] == hashlib.sha256(a.read_bytes()).hexdigest()
    assert got[str(tmp_path / "gone.csv")] == "missing"
    assert (study.processed_dir / ".stamps" / "input_hashes.json").exists()
    b.write_bytes(b"y" * 100)  # same size, new content and mtime
    os.utime(b, ns=(b.stat().st_atime_ns, b.stat().st_mtime_ns + 1_000_000))
    assert provenance.input_hashes(study)[str(b)] == hashlib.sha256(b"y" * 100).hexdigest()
    # the fingerprint is over sorted name=digest lines
    want = hashlib.sha256("".join(f"{k}={v}\n" for k, v in sorted(got.items())).encode()).hexdigest()[:16]
    assert provenance.input_fingerprint(got) == want


def test_declared_parameters_are_papermills_reading_of_the_notebook():
    assert execute.declared_parameters("04_brief") == {"study", "region", "lang", "min_cell", "alpha", "index",
                                                      "output_dir"}
    assert "study" in execute.declared_parameters("03_compare")


def test_stages_get_the_scheduler_only_if_they_declare_it(tmp_path, monkeypatch):
    """run_stages offers the cluster's address as ``scheduler`` to a notebook
    that declares it (never to one that does not), and has the cluster started in
    the background, with the workers' warm-up, when the first stage runs."""
    import sys

    from helpers.study import load_study

    monkeypatch.setenv("ASN_OUTPUT_ROOT", str(tmp_path))
    run_mod = sys.modules["helpers.pipeline.run"]
    calls = []
    monkeypatch.setattr(run_mod, "execute_notebook", lambda name, out, params, **kw: calls.append((name, params)))

    class Cluster:
        started = 0
        soon = []

        def start_soon(self, warm=None):
            self.soon.append(warm)

        def address(self):
            self.started += 1
            return "tcp://127.0.0.1:1"

    lazy = Cluster()
    res = run_mod.run_stages(load_study("sample"), force=True, echo=lambda *_: None, cluster=lazy)
    assert [r.status for r in res] == ["ran"] * 3
    declared = {n: "scheduler" in execute.declared_parameters(n) for n in cache.STAGES}
    for name, params in calls:
        assert params["study"] == "sample"
        assert ("scheduler" in params) == declared[name], name
        if declared[name]:
            assert params["scheduler"] == "tcp://127.0.0.1:1"
    assert lazy.started == sum(declared.values())
    assert lazy.soon and set(lazy.soon) == {run_mod.warm_worker}


def _probe_notebook(folder: Path) -> Path:
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import os, sys\nprint(os.getpid(), os.getppid(), 'pandas' in sys.modules, "
                                  "globals().get('marker'), os.environ.get('PROBE'))"),
        nbformat.v4.new_code_cell("marker = 'left over'"),
    ])
    path = folder / "probe.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.mark.skipif(not kernels.fork_enabled(), reason="fork server needs POSIX fork")
def test_forked_kernels_are_fresh_processes_with_the_imports_preloaded(tmp_path, monkeypatch):
    import papermill as pm

    nb = _probe_notebook(tmp_path)
    seen = []
    try:
        for i in range(2):
            monkeypatch.setenv("PROBE", f"run{i}")  # the environment at launch reaches the forked kernel
            with kernels.kernel(kernel_name(), tmp_path, KERNEL_ARGS, prewarm=False) as km:
                out = pm.execute_notebook(str(nb), str(tmp_path / f"out{i}.ipynb"), km=km, progress_bar=False,
                                          kernel_name=kernel_name())
            seen.append(out.cells[0].outputs[0]["text"].split())
        server_pid = forkserver._server["server"].proc.pid
        assert forkserver.server_cpu_seconds() > 0
    finally:
        kernels.discard()
    (pid0, ppid0, pandas0, marker0, env0), (pid1, ppid1, pandas1, marker1, env1) = seen
    assert pid0 != pid1  # one process per kernel
    assert int(ppid0) == int(ppid1) == server_pid  # forked from the server
    assert pandas0 == pandas1 == "True"  # preloaded by the server
    assert marker0 == marker1 == "None"  # nothing carries over from the first kernel
    assert (env0, env1) == ("run0", "run1")
    assert "server" not in forkserver._server  # discard() stopped the server


def test_a_kernel_command_of_another_interpreter_is_not_forked(tmp_path):
    assert forkserver.usable(["/usr/bin/false", "-m", "ipykernel_launcher", "-f", "c.json"]) is None
    import sys

    assert forkserver.usable([sys.executable, "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f", "c.json"]) \
        == ["-f", "c.json"]


def test_stage_fingerprints_leave_out_brief_and_pipeline_code():
    """Editing the brief or the pipeline's orchestration reruns the briefs only."""
    from helpers.study import load_study

    study = load_study("sample")
    pkg = Path(provenance.__file__).parent
    stage = {p.relative_to(pkg).as_posix() for p in cache.code_and_config_files(study, "02_indices")
             if p.is_relative_to(pkg)}
    brief = {p.relative_to(pkg).as_posix() for p in cache.code_and_config_files(study, cache.BRIEF)
             if p.is_relative_to(pkg)}
    assert "indices/engine.py" in stage and "provenance.py" in stage
    assert not any(p.startswith(("brief/", "pipeline/")) or p == "export.py" for p in stage)
    assert {"brief/plots.py", "pipeline/run.py", "pipeline/forkserver.py", "export.py"} <= brief
