"""Command line of the workspace: ``python -m helpers <command>``.

  run       run the pipeline for a study (stages 01-03, then a brief per region)
  verify    rerun a report from its manifest and compare every number
  synth     write the sample study's raw files (deterministic for a seed)
  validate  check a study's raw inputs and print every problem, writing nothing
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import InputError


def _cmd_run(args: argparse.Namespace) -> int:
    from .checks import format_findings, preflight
    from .io import ensure_writable_dir, remove_stale_temps
    from .pipeline import run
    from .study import load_study

    study = load_study(args.study)
    warnings = preflight(study)  # the configuration checks of `validate`: errors stop here
    if warnings and not args.quiet:
        print(format_findings(warnings, study.id), file=sys.stderr)
    # temporary files of a run killed with kill -9 (their process is gone)
    for folder in (study.processed_dir, study.reports_dir):
        ensure_writable_dir(folder)  # a read-only output folder: one message before any work
        remove_stale_temps(folder)
    summary = run(args.study, regions=args.region or None, workers=args.workers,
                  force=args.force, lang=args.lang, progress=not args.quiet, scheduler=args.scheduler)
    if summary.failed:
        print(f"\nFailed: {', '.join(summary.failed)}", file=sys.stderr)
        return 1
    return 0


def _cmd_verify(args: argparse.Namespace) -> int:
    from .pipeline import verify

    res = verify(args.report_dir, workers=args.workers, scheduler=args.scheduler)
    if res.ok:
        print(f"OK: all {res.n_numbers} values of {res.report}/results.json reproduced exactly; "
              "inputs unchanged.")
        return 0
    if res.input_problems:
        print(f"{len(res.input_problems)} input file(s) differ from the manifest:")
        for p in res.input_problems:
            print("  " + p)
    if res.differences:
        print(f"{len(res.differences)} of {res.n_numbers} values differ:")
        for d in res.differences:
            print("  " + d)
    return 1


def _cmd_synth(args: argparse.Namespace) -> int:
    from . import paths
    from .synth import generate

    out = Path(args.out) if args.out else None
    if out is None:
        name = "sample" if args.scale is None else f"sample_scale_{args.scale}"
        out = paths.raw_dir(name)
    summary = generate(out, seed=args.seed, scale=args.scale, progress=not args.quiet)
    print(f"Wrote the synthetic study to {out}")
    if isinstance(summary, dict):
        for k, v in summary.items():
            if not isinstance(v, (dict, list)):
                print(f"  {k}: {v}")
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from .checks import format_findings
    from .clean import validate
    from .study import load_study

    study = load_study(args.study)
    found = validate(study)
    print(format_findings(found, study.id))
    return 1 if any(f.is_error for f in found) else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m helpers",
        description="ASN competence-index workspace: clean survey and HR data, compute "
                    "IKD / IP ASN / Indeks Literasi Digital, compare unit types, write "
                    "one policy brief per region.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("run", help="run the pipeline for a study (all regions or --region)",
                       description="Run stages 01_clean, 02_indices and 03_compare once for the "
                                   "study, then the 04_brief notebook per region in parallel on "
                                   "Dask (a local cluster, or --scheduler). "
                                   "Unchanged stages and briefs are skipped (hash of inputs, "
                                   "config, code and parameters) unless --force. Exits 1 if any "
                                   "region failed, after finishing the others.")
    p.add_argument("--study", default="sample", help="study id (config/studies/<id>.yaml) or a "
                                                     "path to a study YAML (default: sample)")
    p.add_argument("--region", action="append", metavar="ID",
                   help="only this region id (repeatable); default: every region of the study")
    p.add_argument("--workers", type=int, default=None,
                   help="size of the local Dask cluster that renders the briefs (default: one worker per CPU)")
    p.add_argument("--scheduler", metavar="ADDRESS", default=None,
                   help="send the briefs to this Dask scheduler (e.g. tcp://10.0.0.5:8786) instead of a local "
                        "cluster; default $DASK_SCHEDULER_ADDRESS. Its workers must see this workspace's folders "
                        "and declare --resources kernel=1")
    p.add_argument("--lang", choices=["id", "en"], help="language of the briefs (default: the "
                                                          "study's report.lang, else id)")
    p.add_argument("--force", action="store_true", help="rerun even what is unchanged")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("verify", help="rerun a report from its manifest and compare every number",
                       description="Check the input hashes recorded in REPORT_DIR/manifest.json, "
                                   "rerun the stages and the brief (on Dask, as run does) into a "
                                   "temporary folder under scratch/ and "
                                   "compare every value of results.json. Exit 0 only if all match.")
    p.add_argument("report_dir", metavar="REPORT_DIR", help="e.g. reports/sample/kota-bontang")
    p.add_argument("--workers", type=int, default=None,
                   help="size of the local Dask cluster of the rerun (default: one worker per CPU)")
    p.add_argument("--scheduler", metavar="ADDRESS", default=None,
                   help="rerun on this Dask scheduler instead of a local cluster (as for run)")
    p.set_defaults(func=_cmd_verify)

    p = sub.add_parser("synth", help="write the sample study's raw files (deterministic for a seed)",
                       description="Generate the synthetic sample study (data/raw/sample/). With "
                                   "--scale N, a big study of N respondents for benchmarks "
                                   "(data/raw/sample_scale_N/, not committed).")
    p.add_argument("--seed", type=int, default=2023, help="random seed (default 2023, the "
                                                          "committed sample)")
    p.add_argument("--scale", type=int, help="number of respondents for a benchmark study")
    p.add_argument("--out", help="output folder (default data/raw/sample or sample_scale_N)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_synth)

    p = sub.add_parser("validate", help="check a study's raw inputs; print every problem, write nothing",
                       description="Read every raw file of the study and list every problem "
                                   "in the configuration (study file, codebooks, index specs, targets, "
                                   "unit registry) and the raw files. Errors stop `run` before any "
                                   "stage; warnings are faults the cleaning rules handle and log "
                                   "(repeats grouped). Writes nothing. Exit 1 only if there are errors.")
    p.add_argument("--study", default="sample", help="study id or path (default: sample)")
    p.set_defaults(func=_cmd_validate)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except PermissionError as exc:
        where = exc.filename or "an output file"
        print(f"error: {where}: permission denied (expected a file or folder you can write to; fix its "
              f"permissions or set ASN_OUTPUT_ROOT to another folder)", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
