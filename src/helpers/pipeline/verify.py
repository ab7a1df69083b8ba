"""Verify a report: rerun what produced it, from its manifest, and compare every number.

``python -m helpers verify reports/<study>/<region>`` checks the SHA-256 of
every raw input the manifest lists, reruns stages 01-03 and the brief into a
temporary output root and compares every value of ``results.json``
(:func:`compare_results`); exit 0 only when all match.
"""
from __future__ import annotations

import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .. import paths
from ..errors import InputError
from ..io import read_json, sha256_file
from ..study import load_study
from ..cluster import KERNEL_RESOURCE
from .execute import short_error
from .run import LazyCluster, make_brief, run_stages


def flatten_numbers(obj, prefix: str = "") -> dict[str, object]:
    """``{"index": {"overall": 2.3}}`` -> ``{"index.overall": 2.3}`` (lists by position)."""
    out: dict[str, object] = {}
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.update(flatten_numbers(v, f"{prefix}.{k}" if prefix else str(k)))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out.update(flatten_numbers(v, f"{prefix}[{i}]"))
    else:
        out[prefix] = obj
    return out


def compare_results(expected: dict, actual: dict, rel_tol: float = 1e-9) -> list[str]:
    """Every difference between two results.json documents, as readable lines."""
    a, b = flatten_numbers(expected), flatten_numbers(actual)
    diffs = []
    for key in sorted(set(a) | set(b)):
        if key not in b:
            diffs.append(f"{key}: {a[key]!r} in the report, missing in the rerun")
        elif key not in a:
            diffs.append(f"{key}: missing in the report, {b[key]!r} in the rerun")
        else:
            x, y = a[key], b[key]
            if isinstance(x, (int, float)) and isinstance(y, (int, float)) and not isinstance(x, bool):
                if not math.isclose(x, y, rel_tol=rel_tol, abs_tol=1e-12):
                    diffs.append(f"{key}: {x!r} in the report, {y!r} in the rerun")
            elif x != y:
                diffs.append(f"{key}: {x!r} in the report, {y!r} in the rerun")
    return diffs


@dataclass
class VerifyResult:
    report: Path
    input_problems: list[str]
    differences: list[str]
    n_numbers: int

    @property
    def ok(self) -> bool:
        return not self.input_problems and not self.differences


def verify(report_dir: str | Path, echo=print, workers: int | None = None,
           scheduler: str | None = None) -> VerifyResult:
    """Rerun what produced a report, from its manifest, in a temporary folder and
    compare every value of its ``results.json``. Stages that fan out per region
    use a Dask cluster as in a run (``workers``, ``scheduler``: as for :func:`run`)."""
    report_dir = Path(report_dir)
    manifest_path = report_dir / "manifest.json"
    if report_dir.is_file():  # manifest.en.json: the brief in a non-default language
        manifest_path, report_dir = report_dir, report_dir.parent
    if not manifest_path.exists():
        raise InputError("no manifest.json in this folder", file=report_dir,
                         expected="a report folder written by `python -m helpers run`")
    sfx = manifest_path.name[len("manifest"):-len(".json")]
    manifest = read_json(manifest_path)
    expected = read_json(report_dir / f"results{sfx}.json")
    study = load_study(manifest["study"])
    root = paths.project_root()
    problems = []
    for rel, digest in manifest["inputs"].items():
        f = root / rel
        now = sha256_file(f) if f.exists() else "missing"
        if now != digest:
            problems.append(f"{rel}: input changed since the report (sha256 {digest[:12]}... -> {now[:12]}...)")
    for p in problems:
        echo("  " + p)
    lang = manifest["parameters"].get("lang")
    # beside the outputs, not in /tmp: the workers of a real cluster must see it
    scratch = paths.output_root() / "scratch"
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="verify-", dir=scratch) as tmp:
        old = os.environ.get("ASN_OUTPUT_ROOT")
        os.environ["ASN_OUTPUT_ROOT"] = tmp
        try:
            echo(f"Rerunning study {study.id!r}, region {manifest['region']!r} in {tmp}")
            # stage 03 fans out on the cluster and the brief runs on a worker, as in a run
            # (whose workers start the brief's fork server while stages 01-02 run)
            with LazyCluster(workers, scheduler, echo=echo) as lazy:
                stages = run_stages(load_study(study.id), force=True, echo=echo, cluster=lazy)
                if any(s.status == "failed" for s in stages):
                    raise InputError("the rerun failed in stage " + stages[-1].name,
                                     file=stages[-1].notebook, found=stages[-1].error)
                try:
                    res = lazy.client().submit(make_brief, study.id, manifest["region"], lang=lang, force=True,
                                               output_root=tmp, resources=dict(KERNEL_RESOURCE),
                                               pure=False).result()
                except Exception as exc:  # noqa: BLE001 - a worker lost: said like a failed brief
                    raise InputError("the rerun of the brief failed", file=report_dir, found=short_error(exc)) from exc
            if res.status == "failed":
                raise InputError("the rerun of the brief failed", file=res.folder, found=res.error)
            actual = read_json(Path(res.folder) / f"results{sfx}.json")
        finally:
            if old is None:
                os.environ.pop("ASN_OUTPUT_ROOT", None)
            else:
                os.environ["ASN_OUTPUT_ROOT"] = old
    diffs = compare_results(expected, actual)
    return VerifyResult(report_dir, problems, diffs, len(flatten_numbers(expected)))
