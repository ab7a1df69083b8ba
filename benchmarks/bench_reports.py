"""Speed of stage 04, the region briefs, and of the whole `make reports` run.

Prints:
- the marginal cost of one more region brief on one worker: the pipeline's own
  ``make_brief`` (papermill executes 04_brief.ipynb in a kernel started while
  the previous brief ran, then HTML + PDF export and manifest), as the median
  over the briefs after the first (target <= 5 s), in wall and CPU seconds
  (target <= 2 CPU s, issue 11); also the same with a cold kernel per brief (no
  prewarming) and with each kernel a new interpreter instead of a fork of the
  worker's fork server (``ASN_KERNEL_FORK=0``), for comparison;
- the naive way, one process per region: ``papermill`` CLI then ``jupyter
  nbconvert --to html --no-input`` CLI (HTML only: nbconvert's PDF needs LaTeX
  or a browser), and the ratio naive / workspace;
- the whole ``make reports`` equivalent (``python -m helpers run --study S
  --workers 2 --force`` into an empty output folder: stages 01-03, every brief,
  the study summary), target <= 45 s on the 2-core machine (skip: ``--no-full``).

Reads the study's processed outputs from ``$ASN_OUTPUT_ROOT`` (or the project
root; run ``python -m helpers run`` first); every brief is written to a
temporary folder, never to ``reports/``. With ``--fixture`` it uses the small
two-region test study instead (and skips the full run).

    python benchmarks/bench_reports.py [--study sample] [--regions 4] [--no-full] [--fixture] [--quick]
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def workspace_briefs(study_id: str, regions: list[str], prewarm: bool) -> list[tuple[float, float]]:
    """(wall s, CPU s of this process and its finished children) per brief, one worker,
    as a run's Dask worker makes it (fingerprints and input hashes computed once
    beforehand, as ``helpers run`` does). Also printed: the CPU of the worker (papermill, export, manifest) and of the
    kernels (the fork server's children: the notebook's own work) separately."""
    from helpers import provenance
    from helpers.pipeline import brief_parameters, make_brief
    from helpers.pipeline.cache import BRIEF, files_digest, fingerprint
    from helpers.study import load_study

    # what a run computes once for all its briefs and passes to each
    # (pipeline.run._run_briefs): not part of one more brief's cost
    study = load_study(study_id)
    digest = files_digest(study, BRIEF)
    fps = {r: fingerprint(study, {**brief_parameters(study, r), "stage": BRIEF}, digest) for r in set(regions)}
    inputs = provenance.input_hashes(study)
    out = []
    for i, region in enumerate(regions):
        t0, (w0, k0) = time.perf_counter(), _cpu_parts()
        res = make_brief(study_id, region, force=True, prewarm=prewarm and i < len(regions) - 1,
                         fingerprint_=fps[region], inputs=inputs)
        if res.status != "ran":
            raise SystemExit(f"brief {region} failed: {res.error}")
        w1, k1 = _cpu_parts()
        out.append((time.perf_counter() - t0, (w1 - w0) + (k1 - k0)))
        print(f"  workspace brief ({'warm' if prewarm else 'cold'}) {i + 1}/{len(regions)} {region:<24} "
              f"{out[-1][0]:6.2f} s wall, {out[-1][1]:5.2f} CPU s (worker {w1 - w0:4.2f}, kernels {k1 - k0:4.2f})")
    return out


def _cpu_parts() -> tuple[float, float]:
    """CPU seconds of (this process and its finished children, the kernel fork
    server and the kernels it reaped). A kernel is counted when it has exited:
    the prewarmed kernel of the next brief counts with the brief it runs."""
    from helpers.pipeline import forkserver

    t = os.times()
    return t.user + t.system + t.children_user + t.children_system, forkserver.server_cpu_seconds()


def _cpu() -> float:
    return sum(_cpu_parts())


def naive_brief(study, region: str, out: Path) -> float:
    from helpers.pipeline import brief_parameters, kernel_name

    bin_dir = Path(sys.executable).parent
    params = brief_parameters(study, region)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    cmd = [str(bin_dir / "papermill"), str(ROOT / "notebooks" / "04_brief.ipynb"), str(out / "brief.ipynb"),
           "-k", kernel_name(), "--cwd", str(ROOT / "notebooks"), "--no-progress-bar"]
    for k, v in {**params, "output_dir": str(out)}.items():
        cmd += ["-p", k, str(v)]
    subprocess.run(cmd, check=True, capture_output=True)
    subprocess.run([str(bin_dir / "jupyter"), "nbconvert", "--to", "html", "--no-input",
                    str(out / "brief.ipynb")], check=True, capture_output=True)
    return time.perf_counter() - t0


def full_run(study_id: str, workers: int) -> float:
    """``make reports`` without the set-up: the whole pipeline from raw files, in a fresh folder."""
    with tempfile.TemporaryDirectory(prefix="bench-full-") as tmp:
        env = {**os.environ, "ASN_OUTPUT_ROOT": tmp}
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "helpers", "run", "--study", study_id, "--workers", str(workers),
                               "--force"], cwd=ROOT, env=env, capture_output=True, text=True, check=False)
        secs = time.perf_counter() - t0
        if proc.returncode != 0:
            print(proc.stdout[-2000:], proc.stderr[-2000:])
            raise SystemExit("the full run failed")
        for line in proc.stdout.splitlines():
            if line.strip().startswith(("01_", "02_", "03_")) and "done" in line:
                print("   ", line.strip())
        return secs


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--study", default="sample")
    ap.add_argument("--regions", type=int, default=4, help="briefs to time per mode (the first is warm-up)")
    ap.add_argument("--workers", type=int, default=2, help="workers of the full run")
    ap.add_argument("--no-full", action="store_true", help="skip the whole-pipeline run")
    ap.add_argument("--fixture", action="store_true", help="use the small test study in a temporary workspace")
    ap.add_argument("--quick", action="store_true",
                    help="only the marginal brief (warm kernels, fork server): no cold, no-fork, naive or full runs")
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="bench-reports-"))
    study_id = args.study
    if args.fixture:
        sys.path.insert(0, str(ROOT / "tests"))
        from _brief_fixture import STUDY_ID, write_fixture

        os.environ["ASN_WORKSPACE"] = str(tmp)
        write_fixture(tmp)
        study_id, args.no_full = STUDY_ID, True
        source = tmp
    else:
        source = Path(os.environ.get("ASN_OUTPUT_ROOT") or ROOT).resolve()
    processed = source / "data" / "processed" / study_id
    if not (processed / "aggregates.parquet").exists():
        print(f"no processed outputs in {processed}: run `python -m helpers run --study {study_id}` first")
        return 1
    # briefs go to a temporary output root that sees the study's processed tables
    out_root = tmp / "out"
    (out_root / "data" / "processed").mkdir(parents=True)
    (out_root / "data" / "processed" / study_id).symlink_to(processed)
    os.environ["ASN_OUTPUT_ROOT"] = str(out_root)
    from helpers.study import load_study

    study = load_study(study_id)
    regions = [r.id for r in study.regions
               if any((processed / f"scores_{i}.parquet").exists() for i in study.indices)]
    regions = (regions * args.regions)[: max(2, args.regions)]  # repeat regions when the study has few

    warm = workspace_briefs(study_id, regions, prewarm=True)
    if args.quick:
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"\nmarginal brief: {statistics.median(t for t, _ in warm[1:]):.2f} s wall, "
              f"{statistics.median(c for _, c in warm[1:]):.2f} CPU s (median of {len(warm) - 1}; target <= 2 CPU s)"
              f"\nfirst brief of the worker (fork server start and preload, imports, first PDF): "
              f"{warm[0][0]:.2f} s wall, {warm[0][1]:.2f} CPU s"
              f"\n(1-minute load average at the end: {load:.2f} on {os.cpu_count()} cores)")
        shutil.rmtree(tmp, ignore_errors=True)
        return 0
    cold = workspace_briefs(study_id, regions, prewarm=False)
    from helpers.pipeline import kernels

    kernels.discard()  # stop the fork server: the next briefs start each kernel as a new interpreter
    os.environ["ASN_KERNEL_FORK"] = "0"
    nofork = workspace_briefs(study_id, regions, prewarm=True)
    os.environ.pop("ASN_KERNEL_FORK")
    marginal = statistics.median(t for t, _ in warm[1:])
    marginal_cpu = statistics.median(c for _, c in warm[1:])
    marginal_cold = statistics.median(t for t, _ in cold[1:])
    nofork_cpu = statistics.median(c for _, c in nofork[1:])
    naive = []
    for i, region in enumerate(regions[1:]):
        t = naive_brief(study, region, tmp / "naive" / f"{i}_{region}")
        naive.append(t)
        print(f"  naive brief     {i + 1}/{len(regions) - 1} {region:<28} {t:6.2f} s")
    naive_med = statistics.median(naive)
    full = None if args.no_full else full_run(study_id, args.workers)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\nmarginal cost of one more region brief (1 worker, HTML + PDF + manifest): {marginal:.2f} s  "
          f"(target <= 5 s)")
    print(f"  same, CPU seconds (this process + kernel):                           {marginal_cpu:.2f} s  "
          "(target <= 2 CPU s)")
    print(f"  same, without starting the next kernel early (cold kernel per brief): {marginal_cold:.2f} s")
    print(f"  CPU seconds with each kernel a new interpreter (ASN_KERNEL_FORK=0):   {nofork_cpu:.2f} s")
    print(f"first brief of a worker (imports papermill, nbconvert, WeasyPrint):     {warm[0][0]:.2f} s")
    print(f"naive papermill CLI + nbconvert CLI per region (HTML only):              {naive_med:.2f} s")
    print(f"ratio naive / workspace:                                                 {naive_med / marginal:.2f}x")
    if full is not None:
        print(f"whole `make reports` run (stages 01-03 + {len(study.regions)} briefs + summary, "
              f"{args.workers} workers): {full:.1f} s  (target <= 45 s)")
    print(f"(1-minute load average at the end: {load:.2f} on {os.cpu_count()} cores)")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
