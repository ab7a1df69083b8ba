"""Benchmark of a national-shaped run: the scale study, stages 01-03, K briefs.

Builds (once) the workspace's own national-shaped study with
``python -m helpers synth --scale N`` (one Google-Forms CSV per synthetic
region, ~8,600 respondents each: 117 regions at 1 M, 582 at 5 M), then runs
stage 01 (clean), 02 (indices) and 03 (compare) each in a fresh process and K
briefs one after another in one process, into a throw-away output root
(``$TMPDIR/asn_bench_scale``). Prints per stage rows/s, wall and CPU seconds
and peak resident memory; the CPU seconds of one brief (its kernel included)
and the projected time of all the study's briefs on this machine's cores.

Usage::

    python benchmarks/bench_scale.py --rows 1000000          # 117 regions
    python benchmarks/bench_scale.py --rows 200000 --briefs 3
    python benchmarks/bench_scale.py --rows 200000 --stages 02_indices,03_compare --workers 2
    python benchmarks/bench_scale.py --rows 1000000 --stages 01   # stage 01 only, in process
    python benchmarks/bench_scale.py --rows 1000000 --stages 01 --clean-workers 2   # its batches on Dask

Targets (issue 11, 2 cores): at 1 M stage 01 <= 15 s, 01+02 <= 25 s, peak <= 3 GB;
at 5 M 01+02 <= 60 s, peak <= 6 GB, stage 03 <= 120 s; one brief <= 2 CPU s.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# each stage in a fresh interpreter, reporting its own wall, CPU (with its
# children: a brief's kernel) and peak memory
STAGE = """
import json, os, resource, sys, time
from helpers.study import load_study
t0 = time.perf_counter()
study = load_study(sys.argv[1])
what = sys.argv[2]
extra = {}
if what == "01_clean":
    from helpers import clean
    workers = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    s = clean.run(study, workers=workers or None)
    extra = {"rows_in": sum(f["raw_rows"] for f in s["files"].values()), "rows_out": s["respondents"],
             "workers": workers}
elif what == "02_indices":
    from helpers import indices
    s = indices.run(study)
    extra = {"rows_in": sum(i["n"] for i in s["indices"].values())}
elif what == "03_compare":
    from helpers import compare
    workers = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    s = compare.run(study, workers=workers or None)
    extra = {"omnibus_rows": s["rows"]["compare_omnibus"], "workers": workers}
else:
    from helpers import pipeline
    from helpers.pipeline import forkserver
    regions = [r.id for r in study.regions][: int(sys.argv[3])]
    per = []
    for r in regions:
        # the kernels are the fork server's children: their CPU is in its rusage, not ours, until it exits
        c0 = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        f0 = forkserver.server_cpu_seconds()
        w0 = time.perf_counter()
        res = pipeline.make_brief(study.id, r, force=True, prewarm=False)
        c1 = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = sum(b.ru_utime + b.ru_stime - a.ru_utime - a.ru_stime for a, b in zip(c0, c1))
        cpu += forkserver.server_cpu_seconds() - f0
        per.append({"region": r, "status": res.status, "wall": time.perf_counter() - w0, "cpu": cpu,
                    "error": res.error})
    extra = {"briefs": per}
me, ch = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
print("RESULT " + json.dumps({"wall": time.perf_counter() - t0,
                              "cpu": me.ru_utime + me.ru_stime + ch.ru_utime + ch.ru_stime,
                              "peak_gb": max(me.ru_maxrss, ch.ru_maxrss) / 1024 ** 2, **extra}))
"""


def stage(study: str, what: str, env: dict, *args) -> dict:
    p = subprocess.run([sys.executable, "-c", STAGE, study, what, *map(str, args)], env=env, capture_output=True,
                       text=True, cwd=ROOT)
    line = next((ln for ln in p.stdout.splitlines() if ln.startswith("RESULT ")), None)
    if p.returncode or line is None:
        sys.exit(f"{what} failed:\n{p.stderr[-3000:]}")
    return json.loads(line[len("RESULT "):])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--briefs", type=int, default=3, help="briefs to render (K)")
    ap.add_argument("--out", default=os.path.join(tempfile.gettempdir(), "asn_bench_scale"))
    ap.add_argument("--skip", default="", help="comma-separated stages to skip, e.g. 03_compare,briefs")
    ap.add_argument("--stages", default="", help="run only these, e.g. 01 or 01,02 (briefs: 'briefs')")
    ap.add_argument("--workers", type=int, default=0, help="stage 03 on a Dask LocalCluster of this many "
                    "workers, as the pipeline runs it (0: serial in-process)")
    ap.add_argument("--clean-workers", type=int, default=0, help="stage 01's batches on a Dask LocalCluster of "
                    "this many workers (0, the default: in process, as the pipeline runs it)")
    a = ap.parse_args()
    sid = f"sample_scale_{a.rows}"
    env = {**os.environ, "ASN_OUTPUT_ROOT": a.out}
    env.setdefault("ASN_PSEUDONYM_KEY", "bench-scale")
    if not (ROOT / "data/raw" / sid).exists() or not (ROOT / "config/studies" / f"{sid}.yaml").exists():
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "helpers", "synth", "--scale", str(a.rows), "--quiet"], cwd=ROOT,
                       check=True, env=env)
        print(f"synth: {time.perf_counter() - t:.1f} s (not a stage)")
    from helpers.study import load_study

    os.environ["ASN_OUTPUT_ROOT"] = a.out
    n_regions = len(load_study(sid).regions)
    try:
        load = os.getloadavg()
    except OSError:
        load = (float("nan"),) * 3
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"study {sid}: {n_regions} regions; {cores} cores; load average before {load[0]:.1f} {load[1]:.1f} "
          f"{load[2]:.1f}")
    print(f"{'stage':<12} {'rows':>10} {'rows/s':>10} {'wall s':>8} {'CPU s':>8} {'peak GB':>8}")
    skip = set(filter(None, a.skip.split(",")))
    if a.stages:
        want = {s.strip() for s in a.stages.split(",")}
        skip |= {s for s in ("01_clean", "02_indices", "03_compare", "briefs")
                 if s not in want and s[:2] not in want}
    total = {}
    rows = a.rows
    for what in ("01_clean", "02_indices", "03_compare"):
        if what in skip:
            continue
        workers = {"01_clean": [a.clean_workers], "03_compare": [a.workers]}.get(what, [])
        r = stage(sid, what, env, *workers)
        rows = r.get("rows_in", rows)
        total[what] = r
        print(f"{what:<12} {rows:>10,} {rows / r['wall']:>10,.0f} {r['wall']:>8.1f} {r['cpu']:>8.1f} "
              f"{r['peak_gb']:>8.2f}")
    if "01_clean" in total and "02_indices" in total:
        w = total["01_clean"]["wall"] + total["02_indices"]["wall"]
        print(f"{'01 + 02':<12} {'':>10} {'':>10} {w:>8.1f}")
    if "briefs" not in skip and a.briefs:
        r = stage(sid, "briefs", env, a.briefs)
        per = r["briefs"]
        for b in per:
            print(f"  brief {b['region']:<24} {b['status']:<7} wall {b['wall']:6.1f} s  CPU {b['cpu']:6.1f} s"
                  + (f"  {b['error'].splitlines()[0]}" if b["error"] else ""))
        # the first brief also pays the imports of the process: the later ones are the marginal cost
        marg = [b["cpu"] for b in per[1:]] or [per[0]["cpu"]]
        one = sum(marg) / len(marg)
        print(f"one brief: {one:.1f} CPU s (mean of briefs 2..K); all {n_regions} briefs on {cores} cores: "
              f"~{one * n_regions / cores / 60:.1f} min projected; peak {r['peak_gb']:.2f} GB")


if __name__ == "__main__":
    main()
