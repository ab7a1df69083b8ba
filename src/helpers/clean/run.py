"""Stage 01: turn every raw export of a study into one clean respondent table.

``run(study)`` reads each source named in the study file with
:func:`helpers.clean.readers.read_table`, maps its columns through the instrument
codebook, pseudonymises the NIP, matches units to the registry, applies the
quality rules of :mod:`helpers.clean.quality` and writes, in ``data/processed/<study>/``:

- ``respondents.parquet``: kept rows (columns in docs/architecture.md; item
  columns hold the answers as given: reverse keying is the index engine's job);
- ``rejected.parquet``: ``source_file, source_row, reasons`` + the raw row as text,
  personal columns replaced by the pseudonym;
- ``cleaning_log.csv``: one row per change or finding;
- ``cleaning_summary.json``: counts per rule per file;
- ``unit_match_review.csv``: typed unit names a person must decide.

Per file, raw rows = kept + rejected is checked before anything is written, and
all five files are replaced together only after every one was written, so a
crash leaves the previous outputs intact.

``validate(study)`` runs the same reading and mapping and returns every
problem as a line of text, writing nothing.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from .. import catalog, checks
from ..errors import InputError
from ..study import Study
from . import nip as nipmod
from . import quality as q
from .context import RunContext, checkpoint, context
from .publish import (VALIDATE_ROWS, as_frame, log_table, mkdir, publish, respondent_schema, review_of,
                      stage, stage_frame, summary_of, write_all)
from .rejected import (batch_raw_rows, concat_rejected, name_cells, rejected_duplicates, rejected_part, rejects_of,
                       stage_raw, staged_raw, within_file_rejects)
from .schema import validate_respondents
from .steps import clean_batch

#: the columns of a source kept for the study-wide duplicate rule: keys, not answers
KEY_COLUMNS = ["respondent_id", "id_from_nip", "source_file", "source_row", "answered_share", "submitted_at",
               "_order", "_source"]


#: raw megabytes per batch of sources (``ASN_CLEAN_BATCH_MB``): see :func:`plan`
BATCH_MB = 16
#: batches go to Dask (when a scheduler or workers are given) only from this many on
#: (``ASN_CLEAN_DASK_FROM``): a worker's first task pays its imports and the run
#: context, which 4 batches (200 k respondents) do not repay (benchmarks/README.md)
DASK_FROM = 8
#: a source's run-wide row order starts at i * ORDER_STEP (a source has fewer rows)
ORDER_STEP = 1 << 32


def clean_parts(ctx: RunContext, idx: list[int], staged: Path, return_tables: bool = False) -> list[dict]:
    """Sources ``idx`` (consecutive) cleaned as a batch (:func:`helpers.clean.steps.clean_batch`),
    then per source: its within-file verdicts taken and its rows staged
    (``<i>.arrow``: the rows that survived, in the respondent dtypes;
    ``raw-<i>.arrow``: the raw text of every row, protected, for the duplicate rule to
    take the rejected copies from). Returns per source what the study-wide steps
    need: the pseudonym keys, rejected rows, log, unit queries and counts."""
    srcs = [ctx.study.sources[i] for i in idx]
    out, pos = [], 0
    for b in clean_batch(ctx, srcs, [i * ORDER_STEP for i in idx]):
        ids = idx[pos:pos + len(b.results)]
        pos += len(b.results)
        same_rules = all(list(r.reasons) == list(b.results[0].reasons) for r in b.results)
        if len(ids) == 1 or not same_rules:
            out += [_staged_part(ctx, i, res, staged, return_tables) for i, res in zip(ids, b.results)]
        else:
            out += _staged_batch(ctx, ids, b, staged, return_tables)
    checkpoint("staged")
    return out


def _staged_batch(ctx: RunContext, ids: list[int], b, staged: Path, return_tables: bool) -> list[dict]:
    """:func:`_staged_part` of a batch at once: its surviving rows staged in one
    ``<first>.arrow`` (and ``raw-<first>.arrow``), its keys and rejected rows in
    the first file's part (``stage`` names the staged file of each source)."""
    opts, frame = ctx.opts, b.frame
    scope = [c for c in opts["duplicate"].get("scope", ["instrument", "wave"])]
    rules = list(b.results[0].reasons)
    reasons = {r: np.concatenate([res.reasons[r].to_numpy(dtype=bool) for res in b.results]) for r in rules}
    reject, reason_txt = rejects_of(reasons, len(frame))
    eligible = ~reject
    sizes = [hi - lo for lo, hi in b.bounds]
    source = np.repeat(np.asarray(ids, dtype="int64"), sizes)
    fbo = q.fallback_options(opts["duplicate"].get("fallback", {}))
    if fbo.get("match_nip", False):  # NIP rows are candidates per file: keys per file
        fb = pd.concat([q.fallback_keys(res.frame, name_cells(res), pd.Series(eligible[lo:hi]), opts["duplicate"])
                        for res, (lo, hi) in zip(b.results, b.bounds)], ignore_index=True)
    else:
        col = b.results[0].raw.attrs.get("name_column")
        names = (pd.Series(b.raw[col].to_numpy(), index=frame.index) if col is not None
                 else pd.Series(None, index=frame.index, dtype=object))
        # a file without any name gets no fallback key (as when it is cleaned alone)
        named = (np.repeat([bool(names.iloc[lo:hi].notna().any()) for lo, hi in b.bounds], sizes)
                 if "name" in fbo.get("fields", []) else True)
        fb = q.fallback_keys(frame, names, pd.Series(eligible & named, index=frame.index), opts["duplicate"])
    k = frame.loc[eligible, [c for c in KEY_COLUMNS + scope if c in frame.columns and c != "_source"]].assign(
        _source=source[eligible])
    k["_fallback"] = fb[eligible].to_numpy()
    first = ids[0]
    # the raw text of every row (no selection): only the duplicates are read back, by _order
    stage_raw(b, np.ones(len(frame), dtype=bool), staged / f"raw-{first:05d}.arrow")
    stage_frame(frame, b.results[0].items, eligible, staged / f"{first:05d}.arrow")
    rej = batch_raw_rows(b, reject)
    rej.insert(3, "reasons", reason_txt[reject].to_numpy())
    out = []
    for j, (i, res) in enumerate(zip(ids, b.results)):
        out.append({"items": res.items, "keys": k if j == 0 else k.iloc[:0], "rejected": rej if j == 0 else rej.iloc[:0],
                    "logs": [lg for lg in res.logs if len(lg)], "review": res.unit_queries, "stage": first,
                    "unit_rows": res.frame[["source_file", "source_row", "unit_id"]] if return_tables else None,
                    "summary": (res.summary, int(len(res.frame)),
                                {r: m.to_numpy(dtype=bool) for r, m in res.reasons.items()})})
    return out


def _staged_part(ctx: RunContext, i: int, res, staged: Path, return_tables: bool) -> dict:
    opts = ctx.opts
    scope = [c for c in opts["duplicate"].get("scope", ["instrument", "wave"])]
    reject, reason_txt = within_file_rejects(res)
    eligible = pd.Series(~reject, index=res.frame.index)
    fb = q.fallback_keys(res.frame, name_cells(res), eligible, opts["duplicate"])
    k = res.frame.loc[eligible.to_numpy(), [c for c in KEY_COLUMNS + scope if c in res.frame.columns
                                            and c != "_source"]].assign(_source=i)
    k["_fallback"] = fb[eligible.to_numpy()].to_numpy()
    stage_raw(res, np.ones(len(res.frame), dtype=bool), staged / f"raw-{i:05d}.arrow")
    stage(res, eligible.to_numpy(), staged / f"{i:05d}.arrow")
    return {"items": res.items, "keys": k, "rejected": rejected_part(res, reject, reason_txt),
            "logs": [lg for lg in res.logs if len(lg)], "review": res.unit_queries, "stage": i,
            "unit_rows": res.frame[["source_file", "source_row", "unit_id"]] if return_tables else None,
            "summary": (res.summary, int(len(res.frame)), {r: m.to_numpy(dtype=bool) for r, m in res.reasons.items()})}


def plan(study: Study, batch_bytes: int | None = None) -> list[list[int]]:
    """Sources in batches: consecutive, same instrument and reader options, about
    ``batch_bytes`` of raw file each (``ASN_CLEAN_BATCH_MB``, default
    :data:`BATCH_MB`; a file larger than that is a batch alone). The steps run
    once per batch, so a batch bounds the memory of a run with the largest
    batch, not the largest file."""
    if batch_bytes is None:
        batch_bytes = int(float(os.environ.get("ASN_CLEAN_BATCH_MB", BATCH_MB)) * 2 ** 20)
    out: list[list[int]] = []
    size, key0 = 0, None
    for i, src in enumerate(study.sources):
        try:
            b = (study.raw_dir / src.file).stat().st_size
        except OSError:
            b = 0
        key = (src.instrument, src.sheet, sorted(src.options.items()))
        if out and key == key0 and size + b <= batch_bytes:
            out[-1].append(i)
            size += b
        else:
            out.append([i])
            size, key0 = b, key
    return out


def batch_label(idx: list[int]) -> str:
    """A batch's name as a task of :func:`helpers.cluster.map_regions` (its first and last source)."""
    return f"sources-{idx[0]:05d}-{idx[-1]:05d}"


_WORKER_CTX: dict = {}  # run token -> RunContext, built once per worker process and run


def clean_batch_task(label: str, study: Study, staged: str, return_tables: bool, token: str,
                     key_check: str) -> list[dict]:
    """:func:`clean_parts` of the batch named ``label``, as a Dask task: the run
    context (registry, unit matchers, codebooks) is built once per worker and run.

    The worker's pseudonym key must be the sender's (``key_check``,
    :func:`helpers.clean.nip.key_check`): a worker elsewhere with another key, or
    none, would give the same person another respondent id. The key itself is
    never sent, and a worker never creates one."""
    first, last = (int(x) for x in label.rsplit("-", 2)[1:])
    ctx = _WORKER_CTX.get(token)
    if ctx is None:
        _WORKER_CTX.clear()
        try:
            ctx = context(study, create_key=False)
        except FileNotFoundError as exc:
            raise InputError("this Dask worker has no pseudonym key", file=exc.filename,
                             expected=f"${nipmod.KEY_ENV} or the key file of the process that runs stage 01 "
                                      "on every worker") from None
        if nipmod.key_check(ctx.key) != key_check:
            raise InputError("this Dask worker's pseudonym key differs from the one of the process that runs "
                             "stage 01: its rows would get other respondent ids", file=nipmod.key_path(),
                             expected=f"the same ${nipmod.KEY_ENV} or key file on every worker")
        _WORKER_CTX[token] = ctx
    return clean_parts(ctx, list(range(first, last + 1)), Path(staged), return_tables)


def _clean_all(ctx: RunContext, staged: Path, return_tables: bool, scheduler: str | None = None,
               workers: int | None = None):
    """``(i, part)`` for every source, in source order, batch by batch
    (:func:`plan`): in this process, or, given a Dask ``scheduler`` (or
    ``workers`` > 1: a LocalCluster of that size), one task per batch through
    :func:`helpers.cluster.map_regions` (batches are independent until the
    duplicate rule; each result is small: keys, rejected rows, log), from
    :data:`DASK_FROM` batches on. A batch whose task failed is cleaned again
    here, so the real error is raised."""
    batches = plan(ctx.study)
    dask_from = int(os.environ.get("ASN_CLEAN_DASK_FROM", DASK_FROM))
    if not (scheduler or (workers is not None and workers > 1)) or len(batches) < max(2, dask_from):
        for idx in batches:
            yield from zip(idx, clean_parts(ctx, idx, staged, return_tables))
        return
    import uuid

    from ..cluster import connect, map_regions

    labels = [batch_label(idx) for idx in batches]
    with connect(workers=workers, scheduler=scheduler) as client:
        got = map_regions(client, clean_batch_task, labels, ctx.study, str(staged), return_tables,
                          uuid.uuid4().hex, nipmod.key_check(ctx.key), label="01_clean")
    checkpoint("batches on Dask")
    failed = [(label, parts) for label, parts in zip(labels, got) if isinstance(parts, BaseException)]
    if failed:
        label, err = failed[0]
        warnings.warn(f"{len(failed)} of {len(labels)} batch(es) failed on Dask and are cleaned in this process; "
                      f"first {label}: {type(err).__name__}: {err}", RuntimeWarning, stacklevel=2)
    for idx, parts in zip(batches, got):
        if isinstance(parts, BaseException):
            parts = clean_parts(ctx, idx, staged, return_tables)
        yield from zip(idx, parts)


def run(study: Study, write: bool = True, return_tables: bool = False, scheduler: str | None = None,
        workers: int | None = None) -> dict:
    """Clean every source of ``study``; write the five outputs; return a summary
    (counts; with ``return_tables`` also the tables themselves, for tests and the notebook).

    One batch of consecutive sources at a time (:func:`plan`; memory bounded by
    the largest batch): each is read, mapped, checked by the within-file rules,
    and its surviving rows are staged as Parquet; only their pseudonym keys stay
    in memory. The duplicate rule then runs over the keys of every file, and each
    staged batch is written, without its duplicates, into the
    ``respondents.parquet`` dataset partitioned by region. Batches run in this
    process, or as Dask tasks given ``scheduler`` or ``workers`` > 1 (the staged
    files are in ``data/processed/<study>/``: every worker must see that folder).
    """
    # the configuration checks of `validate` (misspelt keys, unknown components, registry...)
    checks.raise_errors(checks.config_findings(study, stage="01_clean"), "the study cannot be cleaned")
    checkpoint("config checks")
    ctx = context(study)
    checkpoint("context")
    opts = ctx.opts
    out_dir = Path(study.processed_dir)
    fresh = write and not out_dir.exists()  # a run that fails leaves no empty output folder behind
    tmp_root = Path(tempfile.mkdtemp(prefix=".clean-", dir=mkdir(out_dir) if write else None))
    try:
        staged = tmp_root / "staged"
        staged.mkdir()
        summaries, keys, logs, rejected, reviews, unit_rows, items = {}, [], [], [], [], [], {}
        stage_of = {}  # source -> the staged file (of its batch) its rows are in
        for i, part in _clean_all(ctx, staged, return_tables, scheduler, workers):
            src = study.sources[i]
            stage_of[i] = part["stage"]
            for it in part["items"]:
                items.setdefault(it, None)
            keys.append(part["keys"])
            rejected.append(part["rejected"])
            logs.append(part["logs"])
            reviews.append(part["review"])
            if return_tables:
                unit_rows.append(part["unit_rows"])
            summaries[src.file] = part["summary"]

        # duplicates across every file, on the pseudonym keys alone
        kt = pd.concat(keys, ignore_index=True) if keys else pd.DataFrame(columns=KEY_COLUMNS)
        fb_all = pd.Series(kt.pop("_fallback").to_numpy(), dtype="UInt64") if len(kt) else None
        dup = q.duplicates(kt, pd.Series(True, index=kt.index), opts["duplicate"], fallback=fb_all)
        dup_mask = dup.reject.to_numpy(dtype=bool)
        checkpoint("duplicates")

        summary = summary_of(summaries, kt, dup)
        for f, s in summary["files"].items():  # the invariant, enforced before writing
            if s["raw_rows"] != s["kept"] + s["rejected"]:
                raise AssertionError(f"{f}: raw rows {s['raw_rows']} != kept {s['kept']} + rejected {s['rejected']}")

        # rejected duplicates: their raw rows, from the raw text staged with each source
        stages = list(dict.fromkeys(stage_of.values()))
        dup_stage = kt["_source"].map(stage_of) if len(kt) else kt["_source"]
        for g, rows in kt.loc[dup_mask].groupby(dup_stage[dup_mask]):
            rejected.append(rejected_duplicates(staged_raw(staged / f"raw-{int(g):05d}.arrow", rows["_order"])))

        bounds = {}
        for src in study.sources:
            cb = ctx.codebook(src.instrument)
            if cb.scale_min is not None:
                bounds.update({it: (cb.scale_min, cb.scale_max) for it in cb.item_ids if it in items})
        schema = respondent_schema(list(items), [staged / f"{g:05d}.arrow" for g in stages])
        resp_dir = tmp_root / catalog.table("respondents").file
        drop = dict(iter(kt.loc[dup_mask].groupby(dup_stage[dup_mask])["_order"])) if dup_mask.any() else {}
        n_resp, batch = 0, []
        for n, g in enumerate(stages):
            part = publish(staged / f"{g:05d}.arrow", set(drop.get(g, ())), schema, resp_dir, g)
            n_resp += len(part)
            batch.append(part)
            # the schema is checked on batches of files: pandera costs per call, not per row
            if sum(map(len, batch)) >= VALIDATE_ROWS or n == len(stages) - 1:
                df = as_frame(batch)
                validate_respondents(df, {k: v for k, v in bounds.items() if k in df.columns})
                batch = []
        if n_resp == 0:  # a dataset needs one file to carry its columns, even when no row is kept
            pq.write_table(schema.empty_table(), mkdir(resp_dir) / "part-empty.parquet")
        checkpoint("respondents + schema")

        rej = concat_rejected(rejected)
        log = log_table(logs, dup)
        uq = pd.concat(reviews, ignore_index=True)
        review = review_of(uq, ctx.registry, ctx.regions)
        summary["unit_review_rows"] = len(review)
        summary["duplicate_note"] = dup.note
        checkpoint("rejected + log")
        if write:
            write_all(out_dir, resp_dir, rej, log, summary, review)
            checkpoint("write")
        out = {"respondents": n_resp, "rejected": len(rej), "log_rows": len(log),
               "unit_review": len(review), "files": summary["files"], "out_dir": str(out_dir)}
        if return_tables:
            resp = catalog.read_respondents(out_dir / catalog.table("respondents").file if write else resp_dir)
            out["tables"] = {"respondents": resp, "rejected": rej, "log": log, "review": review,
                             "unit_rows": pd.concat(unit_rows, ignore_index=True)}
        return out
    except BaseException:
        if fresh:
            shutil.rmtree(out_dir, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(tmp_root, ignore_errors=True)
