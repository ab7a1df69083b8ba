"""Run the study: stages 01-03 once, then one brief per region on Dask.

A stage or brief whose inputs, parameters and code have not changed since its
last successful run is skipped unless ``force=True`` (:mod:`.cache`).

One Dask client serves the whole run (:mod:`helpers.cluster`): a LocalCluster
of ``workers`` processes, or the scheduler named by ``scheduler`` /
``DASK_SCHEDULER_ADDRESS``, started only when something needs it. A stage
notebook that declares the parameter ``scheduler`` gets the client's address,
so its per-region work runs on the same workers as the briefs. Each worker runs
one brief's kernel at a time (resource ``kernel``); a brief whose kernel died
is retried once in a fresh kernel; a worker that dies has its briefs run again
by another.
"""
from __future__ import annotations

import logging
import os
import shlex
import threading
import time
import traceback
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from .. import paths, provenance
from ..io import write_json
from ..study import Study, load_study
from . import kernels
from .cache import BRIEF, STAGES, files_digest, fingerprint, is_fresh, stage_outputs, stamp_path
from .execute import KERNEL_ARGS, declared_parameters, execute_notebook, kernel_died, kernel_name, short_error

log = logging.getLogger(__name__)


class LazyCluster:
    """A Dask client started on first use (:func:`helpers.cluster.connect`) and
    closed on exit: a run whose stages and briefs are all fresh starts no cluster.

    :meth:`start_soon` starts it in a background thread instead, while the caller
    goes on: stage 01 runs in this process on one core while the workers start
    (and import what a brief needs) on the others."""

    def __init__(self, workers: int | None = None, scheduler: str | None = None, echo=print):
        self.workers, self.scheduler, self.echo = workers, scheduler, echo
        self._stack = ExitStack()
        self._client = None
        self._starting: threading.Thread | None = None
        self._error: BaseException | None = None
        self._warming: list = []  # the warm-up futures (a released future is cancelled)

    def _connect(self, warm=None):
        from .. import cluster

        try:
            client = self._stack.enter_context(
                cluster.connect(workers=self.workers, scheduler=self.scheduler, echo=self.echo))
            if warm is not None:  # one task per worker, not waited for: its first real task follows it
                env = {k: os.environ[k] for k in cluster.WORKSPACE_ENV if k in os.environ}
                self._warming = [client.submit(warm, env, key=f"warm-{w}", workers=[w], allow_other_workers=False,
                                               pure=False) for w in client.scheduler_info()["workers"]]
            self._client = client
        except BaseException as exc:  # noqa: BLE001 - raised in the caller's thread by client()
            self._error = exc

    def start_soon(self, warm=None) -> None:
        """Start the client in the background; ``warm(env)`` then runs once on
        every worker (:func:`warm_worker`)."""
        if self._client is None and self._starting is None:
            self._starting = threading.Thread(target=self._connect, args=(warm,), name="dask-start", daemon=True)
            self._starting.start()

    def client(self):
        if self._starting is not None:
            self._starting.join()
            self._starting = None
        if self._error is not None:
            err, self._error = self._error, None
            raise err
        if self._client is None:
            self._connect()
            return self.client()
        return self._client

    def address(self) -> str:
        """The scheduler's address, for a notebook's ``scheduler`` parameter."""
        return self.client().scheduler_info()["address"]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self._starting is not None:
            self._starting.join()
        self._warming = []
        self._stack.close()
        self._client = None
        return False


def warm_worker(env: dict) -> None:
    """On a Dask worker, before its first brief: the exporters' imports, and the
    fork server that preloads a brief kernel's imports (:mod:`.forkserver`)."""
    from ..export import preload

    os.environ.update(env)
    try:
        preload()
        if kernels.fork_enabled():
            from . import forkserver

            forkserver.server(paths.notebooks_dir())
    except Exception:  # noqa: BLE001 - only a head start: the first brief starts them itself
        log.debug("worker warm-up failed", exc_info=True)


@dataclass
class StageResult:
    name: str
    status: str  # ran | skipped | failed
    seconds: float
    notebook: Path
    error: str | None = None


def run_stages(study: Study, force: bool = False, echo=print, cluster: LazyCluster | None = None) -> list[StageResult]:
    """Run stages 01-03 in order; stop at the first failure (later stages need
    its outputs). A stage whose notebook declares ``scheduler`` gets the address
    of ``cluster`` (started then if it was not)."""
    results = []
    params = {"study": study.id}
    upstream_changed = False
    for name in STAGES:
        nb_out = study.processed_dir / "notebooks" / f"{name}.ipynb"
        stamp = stamp_path(study, name)
        fp = fingerprint(study, {**params, "stage": name})
        if not force and not upstream_changed and is_fresh(stamp, fp, [nb_out]):
            results.append(StageResult(name, "skipped", 0.0, nb_out))
            echo(f"  {name:<12} unchanged, skipped (use --force to rerun)")
            continue
        upstream_changed = True
        if cluster is not None:  # stage 03 and the briefs will need it: start it beside this stage
            cluster.start_soon(warm=warm_worker)
        echo(f"  {name:<12} running ...")
        t0 = time.perf_counter()
        try:
            run_params = dict(params)
            if cluster is not None and "scheduler" in declared_parameters(name):
                run_params["scheduler"] = cluster.address()  # not in the fingerprint: it changes every run
            execute_notebook(name, nb_out, run_params)
        except Exception as exc:  # papermill raises PapermillExecutionError with the cell's error
            secs = time.perf_counter() - t0
            results.append(StageResult(name, "failed", secs, nb_out, short_error(exc)))
            echo(f"  {name:<12} FAILED after {secs:.1f} s: {short_error(exc)}")
            echo(f"               executed notebook: {nb_out}")
            return results
        secs = time.perf_counter() - t0
        # the tables it wrote: deleting one later makes the stage run again
        written = [str(p.relative_to(study.processed_dir)) for p in stage_outputs(study, name) if p.exists()]
        write_json({"fingerprint": fp, "finished": provenance.now(), "seconds": secs, "outputs": written}, stamp)
        results.append(StageResult(name, "ran", secs, nb_out))
        echo(f"  {name:<12} done in {secs:.1f} s")
    return results


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
    from ..study import study_path

    # the id when it finds the same file (config/studies/<id>.yaml), else the path itself
    same = Path(study.config_file).resolve() == study_path(study.id).resolve()
    arg = study.id if same else str(study.config_file)
    parts = ["python", "-m", "helpers", "run", "--study", arg, "--region", region]
    if lang and lang != study.option("report", "lang", default="id"):
        parts += ["--lang", lang]
    return " ".join(shlex.quote(p) for p in parts)


def _brief_fresh(study: Study, region: str, fp: str, names: dict) -> bool:
    folder = report_folder(study, region)
    return is_fresh(folder / names["stamp"], fp, [folder / names["results"], folder / names["pdf"]])


def make_brief(study_id: str, region: str, lang: str | None = None, force: bool = False,
               output_root: str | None = None, prewarm: bool = False, fingerprint_: str | None = None,
               inputs: dict | None = None) -> BriefResult:
    """Execute the brief notebook for one region and export it (HTML, PDF),
    then write ``manifest.json``. Never raises: failures are returned.

    Everything is written into a staging folder beside the report folder and
    published at the end (:func:`helpers.io.staged_folder`), so a run killed
    midway leaves the previous brief whole. A brief in a language other than the
    study's default gets its own names (``brief.en.pdf``, ``results.en.json``, ...).

    With ``prewarm`` (more briefs follow in this process) the next brief's
    kernel is started while this one runs (:mod:`.kernels`). ``fingerprint_``
    and ``inputs`` (input hashes) are passed by a run that computed them once for
    every region. A brief whose kernel died is retried once in a fresh kernel;
    the folder is written whole or not at all."""
    from ..brief import lang_suffix, output_names
    from ..io import staged_folder

    if output_root:
        os.environ["ASN_OUTPUT_ROOT"] = output_root
    t0 = time.perf_counter()
    started = provenance.now()
    study = load_study(study_id)
    folder = report_folder(study, region)
    params = brief_parameters(study, region, lang)
    sfx = lang_suffix(study, params["lang"])
    names = output_names(sfx)
    fp = fingerprint_ or fingerprint(study, {**params, "stage": BRIEF})
    if not force and _brief_fresh(study, region, fp, names):
        return BriefResult(region, "skipped", 0.0, folder)
    try:
        with staged_folder(folder) as stage:
            nb_out = stage / names["notebook"]
            for stale in (names["failed"], names["stamp"]):
                (folder / stale).unlink(missing_ok=True)
            from ..export import export_brief, preload, preloaded

            for attempt in (1, 2):
                try:
                    preload()
                    with kernels.kernel(kernel_name(), paths.notebooks_dir(), KERNEL_ARGS, prewarm=prewarm) as km:
                        preloaded()  # papermill fully imported before this thread uses it
                        execute_notebook(BRIEF, nb_out, {**params, "output_dir": str(stage)}, km=km,
                                         save_every_cell=False)
                    export_brief(nb_out, stage, suffix=sfx)
                    break
                except Exception as exc:
                    err = short_error(exc)
                    if not hasattr(exc, "ename"):
                        err += "\n" + traceback.format_exc(limit=3)
                    if attempt == 1 and kernel_died(err):
                        kernels.discard()  # the warm kernel may share the cause: start afresh
                        continue
                    if nb_out.exists():
                        folder.mkdir(parents=True, exist_ok=True)
                        nb_out.replace(folder / names["failed"])
                    return BriefResult(region, "failed", time.perf_counter() - t0, folder,
                                       err if attempt == 1 else "retried once after the kernel died; " + err)
            root = paths.output_root()
            rel = folder.relative_to(root) if folder.is_relative_to(root) else folder
            manifest = provenance.manifest(
                study, region, params, command=rerun_command(study, region, params["lang"]),
                verify="python -m helpers verify " + shlex.quote(str(rel / names["manifest"] if sfx else rel)),
                fingerprint=fp, started=started, seconds=time.perf_counter() - t0, attempts=attempt,
                inputs=inputs)
            write_json(manifest, stage / names["manifest"])
            write_json({"fingerprint": fp, "finished": manifest["finished"]}, stage / names["stamp"])
    except Exception as exc:
        err = short_error(exc)
        if not hasattr(exc, "ename"):
            err += "\n" + traceback.format_exc(limit=3)
        return BriefResult(region, "failed", time.perf_counter() - t0, folder, err)
    return BriefResult(region, "ran", time.perf_counter() - t0, folder)


def brief_task(region: str, study_id: str, lang: str | None, force: bool, fingerprints: dict,
               inputs: dict, prewarm: frozenset) -> BriefResult:
    """One region's brief, as a Dask task (:func:`helpers.cluster.map_regions`)."""
    return make_brief(study_id, region, lang, force, os.environ.get("ASN_OUTPUT_ROOT"),
                      prewarm=region in prewarm, fingerprint_=fingerprints.get(region), inputs=inputs)


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

    Stages and briefs share one Dask client: a LocalCluster of ``workers``
    processes (default one per CPU), or the scheduler at ``scheduler`` /
    ``$DASK_SCHEDULER_ADDRESS``. Fresh briefs are skipped before anything is
    sent to the cluster."""
    t0 = time.perf_counter()
    study = load_study(study_id)
    wanted = regions or [r.id for r in study.regions]
    for r in wanted:
        study.region(r)  # clear error for an unknown region id
    summary = RunSummary(study.id)
    echo(f"Study {study.id!r}: {study.title}")
    with LazyCluster(workers=workers, scheduler=scheduler, echo=echo) as lazy:
        echo("Stages 01-03 (once per study):")
        summary.stages = run_stages(study, force=force, echo=echo, cluster=lazy)
        if any(s.status == "failed" for s in summary.stages):
            summary.seconds = time.perf_counter() - t0
            return summary
        force_briefs = force or any(s.status == "ran" for s in summary.stages)
        summary.briefs = _run_briefs(study, wanted, lang, force_briefs, lazy, progress, echo)
    summary.summary_error = _study_summary(study, lang, echo)
    summary.seconds = time.perf_counter() - t0
    echo(format_summary(summary))
    return summary


def _run_briefs(study: Study, wanted: list[str], lang: str | None, force: bool, lazy: LazyCluster,
                progress: bool, echo) -> list[BriefResult]:
    from .. import cluster
    from ..brief import lang_suffix, output_names

    digest = files_digest(study, BRIEF)  # once for every region
    params = {r: brief_parameters(study, r, lang) for r in wanted}
    fps = {r: fingerprint(study, {**params[r], "stage": BRIEF}, digest) for r in wanted}
    names = output_names(lang_suffix(study, lang or params[wanted[0]]["lang"])) if wanted else {}
    todo = [r for r in wanted if force or not _brief_fresh(study, r, fps[r], names)]
    results = {r: BriefResult(r, "skipped", 0.0, report_folder(study, r)) for r in wanted if r not in todo}
    echo(f"Briefs (04): {len(todo)} of {len(wanted)} region(s) to render"
         + (f", {len(wanted) - len(todo)} unchanged (skipped)" if len(todo) < len(wanted) else ""))
    if todo:
        inputs = provenance.input_hashes(study)
        client = lazy.client()
        n_workers = max(1, len(client.nthreads()))
        # every brief but a worker's likely last one starts the kernel of its next brief early
        prewarm = frozenset(todo[: max(0, len(todo) - n_workers)])
        out = cluster.map_regions(client, brief_task, todo, study.id, lang, force, fps, inputs, prewarm,
                                  resources=dict(cluster.KERNEL_RESOURCE), retries=1, progress=progress,
                                  label="briefs")
        try:
            # no kernel left running on the workers; their fork servers stay for the next run
            # on the same cluster (a new code stamp or folder starts a new one)
            client.run(kernels.discard, stop_server=False)
        except Exception:  # noqa: BLE001 - a worker gone already has no kernel
            pass
        for r, res in zip(todo, out):
            results[r] = res if isinstance(res, BriefResult) else BriefResult(
                r, "failed", 0.0, report_folder(study, r), f"task failed: {short_error(res)}")
    return [results[r] for r in wanted]


def _study_summary(study: Study, lang: str | None, echo) -> str | None:
    """The study-level brief with every region side by side (from the regions'
    results.json). Returns the error, if any, instead of raising."""
    from ..brief.summary import make_summary

    try:
        out = make_summary(study.id, lang=lang)
    except Exception as exc:
        echo(f"Study summary FAILED: {short_error(exc)}")
        return short_error(exc)
    root = paths.output_root()
    where = out["html"].parent
    echo(f"Study summary: {where.relative_to(root) if where.is_relative_to(root) else where}/summary.pdf")
    return None


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

