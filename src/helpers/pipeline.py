"""Run the study: stages 01-03 once, then one brief per region in parallel.

Every stage is a notebook executed by papermill; the executed copy is the run
log (``data/processed/<study>/notebooks/`` for stages 01-03, ``brief.ipynb`` in
each report folder). A stage or brief whose inputs, parameters and code have not
changed since its last successful run is skipped unless ``force=True``.

The briefs fan out on Dask distributed (:mod:`helpers.cluster`): a LocalCluster
of ``workers`` processes, or the scheduler named by ``scheduler`` /
``DASK_SCHEDULER_ADDRESS``. Each worker runs one kernel at a time (resource
``kernel``); a brief whose kernel died is retried once in a fresh kernel; a
worker that dies has its briefs run again by another.
"""
from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Iterable

from . import paths
from .errors import InputError
from .io import read_json, sha256_file, write_json
from .study import Study, load_study

STAGES = ("01_clean", "02_indices", "03_compare")
BRIEF = "04_brief"
KERNEL = "asn-workspace"
PACKAGES = ("helpers", "pandas", "numpy", "scipy", "statsmodels", "seaborn", "matplotlib",
            "pyarrow", "papermill", "nbconvert", "weasyprint", "pandera", "rapidfuzz", "dask", "distributed")


# ----------------------------------------------------------------------------- fingerprints

# Package code that only the brief uses: editing it reruns the briefs, not stages 01-03.
BRIEF_ONLY_CODE = ("brief", "export.py", "templates")


def code_and_config_files(study: Study, stage: str) -> list[Path]:
    """Files whose change invalidates a stage's earlier outputs: the study's raw
    inputs, the configuration the study uses (:func:`study_config_files`), the
    package source the stage can reach and the notebooks up to that stage."""
    pkg = Path(__file__).parent
    files = list(study.input_files())
    files += study_config_files(study)
    code = sorted(p for p in pkg.rglob("*") if p.is_file() and p.suffix in {".py", ".css", ".html"})
    if stage != BRIEF:
        code = [p for p in code if p.relative_to(pkg).parts[0] not in BRIEF_ONLY_CODE]
    files += code
    files += sorted(p for p in paths.notebooks_dir().glob("0*.ipynb") if "01" <= p.stem[:2] <= stage[:2])
    return files


def study_config_files(study: Study) -> list[Path]:
    """The configuration one study reads: its study file, the codebooks of its
    sources, the index specs of its indices (``indices_options.specs`` overrides
    included), ``config/unit_types.yaml`` and its unit alias file. Another
    study's files, or a new file under ``config/``, leave its fingerprints alone."""
    from .clean.codebook import codebook_path
    from .indices.spec import spec_path
    from .clean.units import manual_aliases_path

    files = [study.config_file]
    files += [codebook_path(i) for i in dict.fromkeys(s.instrument for s in study.sources)]
    overrides = study.option("indices_options", "specs", default={}) or {}
    for idx in study.indices:
        p = overrides.get(idx, idx) if isinstance(overrides, dict) else idx
        files.append(spec_path(p))
    files += [paths.config_dir() / "unit_types.yaml", manual_aliases_path(study.id)]
    return list(dict.fromkeys(Path(f) for f in files))


def input_hashes(study: Study) -> dict[str, str]:
    root = paths.project_root()
    out = {}
    for f in study.input_files():
        rel = str(f.relative_to(root)) if f.is_relative_to(root) else str(f)
        out[rel] = sha256_file(f) if f.exists() else "missing"
    return out


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


def _stamp_path(study: Study, name: str) -> Path:
    return study.processed_dir / ".stamps" / f"{name}.json"


def _is_fresh(stamp: Path, fp: str, outputs: Iterable[Path]) -> bool:
    if not stamp.exists() or any(not p.exists() for p in outputs):
        return False
    return read_json(stamp).get("fingerprint") == fp


# ----------------------------------------------------------------------------- execution

def kernel_name() -> str:
    """The workspace kernel if registered (``make setup`` does), else the
    ``python3`` kernel of the interpreter running this code."""
    from jupyter_client.kernelspec import KernelSpecManager

    return KERNEL if KERNEL in KernelSpecManager().find_kernel_specs() else "python3"


KERNEL_ARGS = ["--IPKernelApp.log_level=ERROR"]


def execute_notebook(name: str, output: Path, parameters: dict, **engine_kwargs) -> Path:
    """Execute ``notebooks/<name>.ipynb`` with papermill into ``output``.

    The environment variables that locate the workspace are passed on, so the
    kernel reads and writes the same folders as the caller. ``engine_kwargs``
    go to papermill's engine (e.g. ``km``, an already started kernel).
    """
    import papermill as pm

    os.environ.setdefault("ASN_WORKSPACE", str(paths.project_root()))
    output.parent.mkdir(parents=True, exist_ok=True)
    pm.execute_notebook(
        str(paths.notebooks_dir() / f"{name}.ipynb"),
        str(output),
        parameters=parameters,
        kernel_name=kernel_name(),
        cwd=str(paths.notebooks_dir()),
        progress_bar=False,
        log_output=False,
        # ipykernel warns on every start that local TCP is unencrypted; on this
        # single-user loopback use it is noise that buries the progress output.
        extra_arguments=KERNEL_ARGS,
        **engine_kwargs,
    )
    return output


def package_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in PACKAGES:
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def git_commit() -> str | None:
    try:
        root = paths.project_root()
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                             text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=root, capture_output=True, text=True).stdout.strip()
        return sha + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return None


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass
class StageResult:
    name: str
    status: str  # ran | skipped | failed
    seconds: float
    notebook: Path
    error: str | None = None


def run_stages(study: Study, force: bool = False, echo=print) -> list[StageResult]:
    """Run stages 01-03 in order; stop at the first failure (later stages need
    its outputs)."""
    results = []
    params = {"study": study.id}
    upstream_changed = False
    for name in STAGES:
        nb_out = study.processed_dir / "notebooks" / f"{name}.ipynb"
        stamp = _stamp_path(study, name)
        fp = fingerprint(study, {**params, "stage": name})
        if not force and not upstream_changed and _is_fresh(stamp, fp, [nb_out]):
            results.append(StageResult(name, "skipped", 0.0, nb_out))
            echo(f"  {name:<12} unchanged, skipped (use --force to rerun)")
            continue
        upstream_changed = True
        echo(f"  {name:<12} running ...")
        t0 = time.perf_counter()
        try:
            execute_notebook(name, nb_out, params)
        except Exception as exc:  # papermill raises PapermillExecutionError with the cell's error
            secs = time.perf_counter() - t0
            results.append(StageResult(name, "failed", secs, nb_out, _short_error(exc)))
            echo(f"  {name:<12} FAILED after {secs:.1f} s: {_short_error(exc)}")
            echo(f"               executed notebook: {nb_out}")
            return results
        secs = time.perf_counter() - t0
        write_json({"fingerprint": fp, "finished": _now(), "seconds": secs}, stamp)
        results.append(StageResult(name, "ran", secs, nb_out))
        echo(f"  {name:<12} done in {secs:.1f} s")
    return results


def _short_error(exc: BaseException) -> str:
    ename = getattr(exc, "ename", type(exc).__name__)
    evalue = getattr(exc, "evalue", str(exc))
    return f"{ename}: {evalue}".strip().splitlines()[0][:300]


# ----------------------------------------------------------------------------- briefs

@dataclass
class BriefResult:
    region: str
    status: str  # ran | skipped | failed
    seconds: float
    folder: Path
    error: str | None = None


def brief_parameters(study: Study, region: str, lang: str | None = None) -> dict:
    return {
        "study": study.id,
        "region": region,
        "lang": lang or study.option("report", "lang", default="id"),
        "min_cell": int(study.option("report", "min_cell", default=5)),
        "alpha": float(study.option("report", "alpha", default=0.05)),
    }


def report_folder(study: Study, region: str) -> Path:
    return study.reports_dir / region


def rerun_command(study: Study, region: str, lang: str | None = None) -> str:
    """The command that rebuilds one report, shell-quoted so it can be pasted back
    (a study given as a path with spaces, a non-default language)."""
    import shlex

    from .study import study_path

    # the id when it finds the same file (config/studies/<id>.yaml), else the path itself
    same = Path(study.config_file).resolve() == study_path(study.id).resolve()
    arg = study.id if same else str(study.config_file)
    parts = ["python", "-m", "helpers", "run", "--study", arg, "--region", region]
    if lang and lang != study.option("report", "lang", default="id"):
        parts += ["--lang", lang]
    return " ".join(shlex.quote(p) for p in parts)

#: what a kernel that died (or never came up) looks like in papermill's and
#: jupyter_client's errors: worth one retry in a fresh kernel
KERNEL_DEATH = ("DeadKernelError", "Kernel died", "kernel_info", "Address already in use", "ZMQError",
                "Kernel didn't respond", "RuntimeError: Kernel")


def _kernel_died(err: str) -> bool:
    return any(k in err for k in KERNEL_DEATH)


def make_brief(study_id: str, region: str, lang: str | None = None, force: bool = False,
               output_root: str | None = None, prewarm: bool = False, fingerprint_: str | None = None,
               inputs: dict | None = None) -> BriefResult:
    """Execute the brief notebook for one region and export it (HTML, PDF),
    then write ``manifest.json``. Never raises: failures are returned. A brief
    whose kernel died is run once more in a fresh kernel.

    Everything is written into a staging folder beside the report folder and
    published at the end (:func:`helpers.io.staged_folder`), so a run killed
    midway leaves the previous brief whole. A brief in a language other than the
    study's default gets its own names (``brief.en.pdf``, ``results.en.json``, ...).

    With ``prewarm`` (more briefs follow in this process) the next brief's
    kernel is started while this one runs (:mod:`helpers.brief.kernels`).
    ``fingerprint_`` and ``inputs`` (input hashes) are passed by a run that
    computed them once for every region. A brief whose kernel died is retried
    once in a fresh kernel; the folder is written whole or not at all."""
    import shlex

    from .brief import kernels, lang_suffix, output_names
    from .io import staged_folder

    if output_root:
        os.environ["ASN_OUTPUT_ROOT"] = output_root
    t0 = time.perf_counter()
    started = _now()
    study = load_study(study_id)
    folder = report_folder(study, region)
    params = brief_parameters(study, region, lang)
    sfx = lang_suffix(study, params["lang"])
    names = output_names(sfx)
    fp = fingerprint_ or fingerprint(study, {**params, "stage": BRIEF})
    stamp = folder / names["stamp"]
    if not force and _is_fresh(stamp, fp, [folder / names["results"], folder / names["pdf"]]):
        return BriefResult(region, "skipped", 0.0, folder)
    try:
        with staged_folder(folder) as stage:
            nb_out = stage / names["notebook"]
            for stale in (names["failed"], names["stamp"]):
                (folder / stale).unlink(missing_ok=True)
            from .export import export_brief, preload

            for attempt in (1, 2):
                try:
                    preload()
                    with kernels.kernel(kernel_name(), paths.notebooks_dir(), KERNEL_ARGS, prewarm=prewarm) as km:
                        execute_notebook(BRIEF, nb_out, {**params, "output_dir": str(stage)}, km=km)
                    export_brief(nb_out, stage, suffix=sfx)
                    break
                except Exception as exc:
                    err = _short_error(exc)
                    if not hasattr(exc, "ename"):
                        err += "\n" + traceback.format_exc(limit=3)
                    if attempt == 1 and _kernel_died(err):
                        kernels.discard()  # the warm kernel may share the cause: start afresh
                        continue
                    if nb_out.exists():
                        folder.mkdir(parents=True, exist_ok=True)
                        nb_out.replace(folder / names["failed"])
                    return BriefResult(region, "failed", time.perf_counter() - t0, folder,
                                       err if attempt == 1 else "retried once after the kernel died; " + err)
            secs = time.perf_counter() - t0
            rel = folder.relative_to(paths.output_root()) if folder.is_relative_to(paths.output_root()) else folder
            manifest = {
                "study": study.id,
                "region": region,
                "parameters": params,
                "command": rerun_command(study, region, params["lang"]),
                "verify": "python -m helpers verify " + shlex.quote(str(rel / names["manifest"] if sfx else rel)),
                "inputs": inputs if inputs is not None else input_hashes(study),
                "uncertainty": _uncertainty_settings(study),
                "config_fingerprint": fp,
                "packages": package_versions(),
                "git_commit": git_commit(),
                "platform": platform.platform(),
                "started": started,
                "finished": _now(),
                "duration_s": round(secs, 3),
                "attempts": attempt,
            }
            write_json(manifest, stage / names["manifest"])
            write_json({"fingerprint": fp, "finished": manifest["finished"]}, stage / names["stamp"])
    except Exception as exc:
        err = _short_error(exc)
        if not hasattr(exc, "ename"):
            err += "\n" + traceback.format_exc(limit=3)
        return BriefResult(region, "failed", time.perf_counter() - t0, folder, err)
    return BriefResult(region, "ran", time.perf_counter() - t0, folder)


def _uncertainty_settings(study: Study) -> dict:
    """N and seed of the index Monte Carlo (helpers.indices.uncertainty), per index."""
    from .indices.uncertainty import manifest_entry

    try:
        return manifest_entry(study)
    except Exception as exc:  # a broken spec already failed stage 02; the manifest still gets written
        return {"error": str(exc)}


def brief_task(region: str, study_id: str, lang: str | None, force: bool, fingerprints: dict,
               inputs: dict, prewarm: frozenset) -> BriefResult:
    """One region's brief, as a Dask task (:func:`helpers.cluster.map_regions`)."""
    return make_brief(study_id, region, lang, force, os.environ.get("ASN_OUTPUT_ROOT"),
                      prewarm=region in prewarm, fingerprint_=fingerprints.get(region), inputs=inputs)


def _discard_warm_kernel() -> None:
    from .brief.kernels import discard

    discard()


@dataclass
class RunSummary:
    study: str
    stages: list[StageResult] = field(default_factory=list)
    briefs: list[BriefResult] = field(default_factory=list)
    summary_error: str | None = None
    seconds: float = 0.0

    @property
    def failed(self) -> list[str]:
        return [s.name for s in self.stages if s.status == "failed"] + \
               [b.region for b in self.briefs if b.status == "failed"] + \
               (["study summary"] if self.summary_error else [])

    @property
    def ok(self) -> bool:
        return not self.failed


def run(study_id: str = "sample", regions: list[str] | None = None, workers: int | None = None,
        force: bool = False, lang: str | None = None, progress: bool = True,
        echo=print, scheduler: str | None = None) -> RunSummary:
    """Run the whole pipeline for a study. Returns a summary; never stops at a
    failing region (the others are finished first).

    Briefs run on Dask: a LocalCluster of ``workers`` processes (default one per
    CPU), or the scheduler at ``scheduler`` / ``$DASK_SCHEDULER_ADDRESS``. Fresh
    briefs are skipped before anything is sent to the cluster."""
    from . import cluster

    t0 = time.perf_counter()
    study = load_study(study_id)
    wanted = regions or [r.id for r in study.regions]
    for r in wanted:
        study.region(r)  # clear error for an unknown region id
    summary = RunSummary(study.id)
    echo(f"Study {study.id!r}: {study.title}")
    echo("Stages 01-03 (once per study):")
    summary.stages = run_stages(study, force=force, echo=echo)
    if any(s.status == "failed" for s in summary.stages):
        summary.seconds = time.perf_counter() - t0
        return summary

    force_briefs = force or any(s.status == "ran" for s in summary.stages)
    digest = files_digest(study, BRIEF)  # once for every region
    fps = {r: fingerprint(study, {**brief_parameters(study, r, lang), "stage": BRIEF}, digest) for r in wanted}
    todo = [r for r in wanted if force_briefs or not _is_fresh(
        report_folder(study, r) / ".stamp.json", fps[r],
        [report_folder(study, r) / "results.json", report_folder(study, r) / "brief.pdf"])]
    results = {r: BriefResult(r, "skipped", 0.0, report_folder(study, r)) for r in wanted if r not in todo}
    echo(f"Briefs (04): {len(todo)} of {len(wanted)} region(s) to render"
         + (f", {len(wanted) - len(todo)} unchanged (skipped)" if len(todo) < len(wanted) else ""))
    if todo:
        inputs = input_hashes(study)
        with cluster.connect(workers=workers, scheduler=scheduler, echo=echo) as client:
            n_workers = max(1, len(client.nthreads()))
            # every brief but a worker's likely last one starts the kernel of its next brief early
            prewarm = frozenset(todo[: max(0, len(todo) - n_workers)])
            out = cluster.map_regions(client, brief_task, todo, study.id, lang, force_briefs, fps, inputs, prewarm,
                                      resources=dict(cluster.KERNEL_RESOURCE), retries=1, progress=progress,
                                      label="briefs")
            try:
                client.run(_discard_warm_kernel)  # no kernel left running on the workers
            except Exception:  # noqa: BLE001 - a worker gone already has no kernel
                pass
        for r, res in zip(todo, out):
            results[r] = res if isinstance(res, BriefResult) else BriefResult(
                r, "failed", 0.0, report_folder(study, r), f"task failed: {_short_error(res)}")
    summary.briefs = [results[r] for r in wanted]
    summary.summary_error = _study_summary(study, lang, echo)
    summary.seconds = time.perf_counter() - t0
    echo(format_summary(summary))
    return summary


def _study_summary(study: Study, lang: str | None, echo) -> str | None:
    """The study-level brief with every region side by side (from the regions'
    results.json). Returns the error, if any, instead of raising."""
    from .brief.summary import make_summary

    try:
        out = make_summary(study.id, lang=lang)
    except Exception as exc:
        echo(f"Study summary FAILED: {_short_error(exc)}")
        return _short_error(exc)
    root = paths.output_root()
    where = out["html"].parent
    echo(f"Study summary: {where.relative_to(root) if where.is_relative_to(root) else where}/summary.pdf")
    return None


def _progress(total: int, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="briefs", unit="region", disable=not enabled, file=sys.stderr)


def format_summary(summary: RunSummary) -> str:
    root = paths.output_root()
    lines = ["", f"{'region':<28} {'status':<8} {'seconds':>8}  folder / error"]
    for b in summary.briefs:
        where = b.folder.relative_to(root) if b.folder.is_relative_to(root) else b.folder
        lines.append(f"{b.region:<28} {b.status:<8} {b.seconds:>8.1f}  {where}")
        if b.error:
            lines.append(f"{'':<47}{b.error.splitlines()[0]}")
            lines.append(f"{'':<47}executed notebook kept: {where}/brief.failed.ipynb")
    n_fail = len(summary.failed)
    lines.append(f"\n{len(summary.briefs) - n_fail} of {len(summary.briefs)} brief(s) ok, "
                 f"{n_fail} failed; total {summary.seconds:.1f} s")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- verify

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
    import math

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


def verify(report_dir: str | Path, echo=print) -> VerifyResult:
    """Rerun what produced a report, from its manifest, in a temporary folder and
    compare every value of its ``results.json``."""
    import tempfile

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
    with tempfile.TemporaryDirectory(prefix="asn-verify-") as tmp:
        old = os.environ.get("ASN_OUTPUT_ROOT")
        os.environ["ASN_OUTPUT_ROOT"] = tmp
        try:
            echo(f"Rerunning study {study.id!r}, region {manifest['region']!r} in {tmp}")
            stages = run_stages(load_study(study.id), force=True, echo=echo)
            if any(s.status == "failed" for s in stages):
                raise InputError("the rerun failed in stage " + stages[-1].name,
                                 file=stages[-1].notebook, found=stages[-1].error)
            res = make_brief(study.id, manifest["region"], lang=lang, force=True, output_root=tmp)
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
