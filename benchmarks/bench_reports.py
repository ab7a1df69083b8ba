"""Speed of stage 04, the region briefs.

Prints:
- the marginal cost of one more region brief on one worker (papermill executes
  04_brief.ipynb, then HTML + PDF export and the input hashes of the manifest),
  as the median over regions after the first (target <= 5 s);
- the naive way, one process per region: ``papermill`` CLI then ``jupyter
  nbconvert --to html --no-input`` CLI (HTML only: nbconvert's PDF needs LaTeX
  or a browser), and the ratio naive / workspace.

Uses the study's processed outputs (run ``python -m helpers run`` first); with
``--fixture`` it builds the small two-region test study in a temporary workspace.
Briefs are written to a temporary folder, never to ``reports/``.

    python benchmarks/bench_reports.py [--study sample] [--regions 3] [--fixture]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def one_brief(study, region: str, out: Path) -> float:
    from helpers.export import export_brief
    from helpers.pipeline import brief_parameters, execute_notebook, input_hashes

    t0 = time.perf_counter()
    params = brief_parameters(study, region)
    execute_notebook("04_brief", out / "brief.ipynb", {**params, "output_dir": str(out)})
    export_brief(out / "brief.ipynb", out)
    input_hashes(study)
    return time.perf_counter() - t0


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


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--study", default="sample")
    ap.add_argument("--regions", type=int, default=3, help="regions to time (the first is warm-up)")
    ap.add_argument("--fixture", action="store_true", help="use the small test study in a temporary workspace")
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="bench-reports-"))
    study_id = args.study
    if args.fixture:
        sys.path.insert(0, str(ROOT / "tests"))
        from _brief_fixture import STUDY_ID, write_fixture

        os.environ["ASN_WORKSPACE"] = os.environ["ASN_OUTPUT_ROOT"] = str(tmp)
        write_fixture(tmp)
        study_id = STUDY_ID
    from helpers.study import load_study

    study = load_study(study_id)
    regions = [r.id for r in study.regions
               if any((Path(study.processed_dir) / f"scores_{i}.parquet").exists() for i in study.indices)]
    if not (Path(study.processed_dir) / "aggregates.parquet").exists():
        print(f"no processed outputs for {study_id!r}: run `python -m helpers run --study {study_id}` first")
        return 1
    regions = (regions * args.regions)[: max(2, args.regions)]  # repeat regions when the study has few
    times = []
    for i, region in enumerate(regions):
        t = one_brief(study, region, tmp / "briefs" / f"{i}_{region}")
        times.append(t)
        print(f"  workspace brief {i + 1}/{len(regions)} {region:<28} {t:6.2f} s")
    marginal = statistics.median(times[1:])
    naive = []
    for i, region in enumerate(regions[1:]):
        t = naive_brief(study, region, tmp / "naive" / f"{i}_{region}")
        naive.append(t)
        print(f"  naive brief     {i + 1}/{len(regions) - 1} {region:<28} {t:6.2f} s")
    naive_med = statistics.median(naive)
    print(f"\nmarginal cost of one more region brief (1 worker, HTML + PDF): {marginal:.2f} s  (target <= 5 s)")
    print(f"first brief (includes exporter imports):                     {times[0]:.2f} s")
    print(f"naive papermill CLI + nbconvert CLI per region (HTML only):   {naive_med:.2f} s")
    print(f"ratio naive / workspace:                                      {naive_med / marginal:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
