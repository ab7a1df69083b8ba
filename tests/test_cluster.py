"""The per-region fan-out on Dask distributed (helpers.cluster, helpers.pipeline)."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from helpers import cluster

ROOT = Path(__file__).resolve().parents[1]


def _interval(region: str, seconds: float) -> tuple:
    """A task that records which process ran it and when."""
    t0 = time.time()
    time.sleep(seconds)
    if region == "boom":
        raise ValueError("this region fails")
    return os.getpid(), t0, time.time(), os.environ.get("ASN_OUTPUT_ROOT")


def test_map_regions_on_a_local_cluster_one_kernel_per_worker(monkeypatch, tmp_path):
    monkeypatch.setenv("ASN_OUTPUT_ROOT", str(tmp_path))
    regions = [f"r{i}" for i in range(6)] + ["boom"]
    seen = []
    with cluster.connect(workers=2, echo=seen.append) as client:
        assert len(client.nthreads()) == 2
        out = cluster.map_regions(client, _interval, regions, 0.3, resources=dict(cluster.KERNEL_RESOURCE),
                                  retries=0, progress=False)
    assert "dashboard: http://127.0.0.1:" in seen[0]
    assert isinstance(out[-1], ValueError)  # a failing region is its result; the others finish
    ok = out[:-1]
    assert all(o[3] == str(tmp_path) for o in ok)  # the workspace variables travel with the task
    pids = {o[0] for o in ok}
    assert len(pids) == 2  # both workers were used
    for pid in pids:  # resource kernel=1: never two tasks at once on one worker
        spans = sorted((o[1], o[2]) for o in ok if o[0] == pid)
        assert all(a_end <= b_start + 1e-3 for (_, a_end), (b_start, _) in zip(spans, spans[1:]))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _dask(*args) -> list[str]:
    return [str(Path(sys.executable).parent / "dask"), *args]


@pytest.mark.slow
def test_briefs_on_a_real_scheduler_survive_a_killed_worker(sample_run, tmp_path, monkeypatch):
    """``dask scheduler`` + two ``dask worker`` processes on loopback; one worker
    is killed while it renders a brief; the run still ends with every brief.
    Two regions, one per worker, are enough: the killed worker's brief is
    retried on the survivor after its own; all six would render four more
    briefs for nothing."""
    from distributed import Client

    from helpers import pipeline
    root, _ = sample_run
    regions = ["kota-bontang", "kab-berau"]
    out = tmp_path / "out"
    shutil.copytree(root / "data", out / "data")
    shutil.copytree(root / "reports", out / "reports")
    for stamp in (out / "reports").rglob(".stamp.json"):
        stamp.unlink()  # the briefs must run again; stages 01-03 stay fresh
    monkeypatch.setenv("ASN_OUTPUT_ROOT", str(out))
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs = {}
    log = open(tmp_path / "dask.log", "w")
    try:
        procs["scheduler"] = subprocess.Popen(
            _dask("scheduler", "--host", "127.0.0.1", "--port", str(port), "--dashboard-address", "127.0.0.1:0"),
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        for name in ("wa", "wb"):
            procs[name] = subprocess.Popen(
                _dask("worker", address, "--name", name, "--nthreads", "1", "--resources", "kernel=1",
                      "--host", "127.0.0.1", "--dashboard-address", "127.0.0.1:0"),
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        probe = Client(address, timeout=60)
        probe.wait_for_workers(2, timeout=120)
        killed = {}

        def kill_one_mid_run():
            deadline = time.time() + 300
            while time.time() < deadline and not killed:
                busy = {w: ts for w, ts in probe.processing().items() if ts}
                if busy:
                    info = probe.scheduler_info(n_workers=-1)["workers"]
                    w = next(iter(busy))
                    name = info[w]["name"]
                    time.sleep(2)  # inside the brief, not before it
                    os.killpg(procs[name].pid, signal.SIGKILL)
                    killed[name] = busy[w]
                time.sleep(0.2)

        killer = threading.Thread(target=kill_one_mid_run, daemon=True)
        killer.start()
        summary = pipeline.run("sample", regions=regions, scheduler=address, progress=False, echo=lambda *_: None)
        killer.join(timeout=5)
        probe.close()
        assert killed, "no worker was killed: the test did not exercise a failure"
        assert summary.ok, [(b.region, b.error) for b in summary.briefs if b.error]
        assert [b.status for b in summary.briefs] == ["ran"] * len(regions)
        for r in regions:
            assert (out / "reports/sample" / r / "brief.pdf").exists()
    finally:
        for p in procs.values():
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for p in procs.values():
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
        log.close()
