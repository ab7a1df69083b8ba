"""Stage 01's outputs: the respondent table staged per source, then published as
a Parquet dataset partitioned by region; the cleaning log, summary and unit
review; all five written together (``write_all``); ``helpers.catalog.read_respondents`` reads
the dataset back.
"""
from __future__ import annotations

import json
from contextlib import ExitStack
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .. import catalog
from ..io import _json_default, _nan_to_none, atomic_path, replace_dir
from . import quality as q
from .schema import FIELD_COLUMNS, HR_COLUMNS, HR_TYPES, ID_COLUMNS, STRING_COLUMNS
from .steps import SourceResult
from .units import REVIEW_COLUMNS, review_table

def mkdir(p: Path) -> Path:
    p.mkdir(parents=True, exist_ok=True)
    return p


def convert(frame: pd.DataFrame, items: list[str]) -> pd.DataFrame:
    """The respondent columns of one source in the dtypes of docs/architecture.md."""
    cols = ID_COLUMNS + FIELD_COLUMNS + items + [c for c in HR_COLUMNS if c in frame.columns]
    out = {}
    for c in cols:
        if c not in frame.columns:
            col = pd.Series(np.nan if c in items or c in ("duration_s", "age") else pd.NA, index=frame.index,
                            dtype="float64" if c in items or c in ("duration_s", "age") else "string")
        else:
            col = frame[c]
        if c in STRING_COLUMNS:
            col = col.astype("string")
        elif c == "submitted_at":
            col = pd.to_datetime(col)
        elif c in ("duration_s", "age") or c in items:
            col = col.astype("float64") if col.dtype == "float64" else pd.to_numeric(col).astype("float64")
        out[c] = col
    out["_order"] = frame["_order"]
    return pd.DataFrame(out).reset_index(drop=True)


def stage(res: SourceResult, keep: np.ndarray, path: Path) -> None:
    """The rows of a source that survived the within-file rules, as Parquet:
    they wait there for the study-wide duplicate rule."""
    stage_frame(res.frame, res.items, keep, path)


def stage_frame(frame: pd.DataFrame, items: list[str], keep: np.ndarray, path: Path) -> None:
    """:func:`stage` of a frame (a file's, or a batch's)."""
    write_staged(pa.Table.from_pandas(convert(frame.loc[keep], items), preserve_index=False), path)


def write_staged(table: pa.Table, path: Path) -> None:
    """A staged table as Arrow IPC, uncompressed: written once and read back once in
    the same run, where Parquet's encoding and decoding cost more than the rest of the
    staging (benchmarks/README.md)."""
    with pa.ipc.new_file(str(path), table.schema) as w:
        w.write_table(table)


def read_staged(path: Path) -> pa.Table:
    with pa.memory_map(str(path)) as f:
        return pa.ipc.open_file(f).read_all()


def staged_schema(path: Path) -> pa.Schema:
    with pa.memory_map(str(path)) as f:
        return pa.ipc.open_file(f).schema


def respondent_schema(items: list[str], staged: list[Path]) -> pa.Schema:
    """One Arrow schema for every part of the dataset (a dataset is read with
    the schema of its parts): the columns of docs/architecture.md, each typed as
    the first source that has a value type for it."""
    types: dict[str, pa.DataType] = {}
    for p in staged:
        for f in staged_schema(p):
            if f.name not in types or pa.types.is_null(types[f.name]):
                types[f.name] = f.type
    # every HR field once any export has one: an index spec scores the SKP score or
    # the 2022 predikat, whichever a region's export has (the other is empty)
    hr = HR_COLUMNS if any(c in types for c in HR_COLUMNS) else []
    cols = ID_COLUMNS + FIELD_COLUMNS + items + hr
    fields = []
    for c in cols:
        t = types.get(c, HR_TYPES.get(c, pa.float64() if c in items or c in ("duration_s", "age") else pa.string()))
        fields.append(pa.field(c, pa.string() if pa.types.is_null(t) else t))
    return pa.schema(fields)


VALIDATE_ROWS = 300_000


def publish(staged: Path, drop: set, schema: pa.Schema, out: Path, i: int) -> pa.Table:
    """Write a staged source, without its rejected duplicates, into the dataset:
    one file per region, ``<out>/region_id=<id>/part-<i>.parquet`` (the region
    is in the folder name, not in the file). Returns the rows (Arrow), for the
    schema check (:func:`as_frame`)."""
    t = read_staged(staged)
    if drop:
        t = t.filter(pc.invert(pc.is_in(t["_order"], pa.array(sorted(drop), t["_order"].type))))
    t = t.drop_columns(["_order"])
    cols = []
    for f in schema:
        cols.append(t[f.name].cast(f.type) if f.name in t.column_names else pa.nulls(len(t), f.type))
    t = pa.table(cols, schema=schema)
    if len(t) == 0:
        return t
    # one stable sort by region, then a slice per region (rows keep their order within it)
    by_region = t.take(pc.sort_indices(t["region_id"]))  # nulls last
    regions = by_region["region_id"]
    values, counts = (pc.value_counts(regions.drop_null()).flatten() if regions.null_count < len(regions)
                      else (pa.array([], pa.string()), pa.array([], pa.int64())))
    size = dict(zip(values.to_pylist(), counts.to_pylist()))
    start = 0
    body = by_region.drop_columns(["region_id"])
    for r in sorted(size):
        pq.write_table(body.slice(start, size[r]), mkdir(out / f"region_id={r}") / f"part-{i:05d}.parquet")
        start += size[r]
    return t


def as_frame(tables: list[pa.Table]) -> pd.DataFrame:
    """Published rows (:func:`publish`) as one DataFrame, for the schema check."""
    t = pa.concat_tables(tables) if len(tables) > 1 else tables[0]
    return t.to_pandas(types_mapper=_string_mapper)


def _string_mapper(t: pa.DataType):
    return pd.StringDtype() if pa.types.is_string(t) or pa.types.is_large_string(t) else None


def log_table(logs: list[list[pd.DataFrame]], dup: q.RuleResult) -> pd.DataFrame:
    frames = [lg for per in logs for lg in per] + ([dup.log] if len(dup.log) else [])
    if not frames:
        return pd.DataFrame(columns=q.LOG_COLUMNS)
    log = pd.concat(frames, ignore_index=True).reindex(columns=q.LOG_COLUMNS)
    return log.sort_values(["source_file", "source_row", "rule"], kind="stable").reset_index(drop=True)


def summary_of(summaries: dict, kt: pd.DataFrame, dup: q.RuleResult) -> dict:
    dup_per_file = kt.loc[dup.reject.to_numpy(dtype=bool), "source_file"].value_counts().to_dict() if len(kt) else {}
    files = {}
    for f, (s0, n, reasons) in summaries.items():
        reject = np.zeros(n, dtype=bool)
        for m in reasons.values():
            reject |= m
        n_dup = int(dup_per_file.get(f, 0))
        s = dict(s0)
        found = dict(s0["found"])
        found["duplicate"] = n_dup
        by_rule = {k: int(v.sum()) for k, v in reasons.items()}
        by_rule["duplicate"] = n_dup
        s.update(kept=int(n - reject.sum() - n_dup), rejected=int(reject.sum() + n_dup), found=found,
                 rejected_by_rule=by_rule)
        files[f] = s
    total = {k: sum(f[k] for f in files.values()) for k in ("raw_rows", "kept", "rejected")}
    return {"files": files, "total": total}


def review_of(uq: pd.DataFrame, registry: pd.DataFrame, regions) -> pd.DataFrame:
    if uq.empty:
        return pd.DataFrame(columns=["source_file", *REVIEW_COLUMNS])
    counts = uq[["raw_name", "region_id", "n_rows"]].groupby(["raw_name", "region_id"], dropna=False)["n_rows"] \
        .sum().reset_index()
    files = files_of(uq)
    m = uq.drop(columns=["n_rows", "source_file"]).drop_duplicates(["raw_name", "region_id"])
    rv = review_table(m, counts, registry)
    return files.merge(rv, on=["raw_name", "region_id"], how="inner")[["source_file", *rv.columns]]


def files_of(uq: pd.DataFrame) -> pd.DataFrame:
    """``raw_name, region_id, source_file``: per typed name and region, the files it
    was typed in, ``|``-joined in sorted order; rows in the order of a sorted
    groupby. Names typed in one file only (most) take no Python call each."""
    keys = ["raw_name", "region_id"]
    pf = uq[[*keys, "source_file"]].drop_duplicates().sort_values("source_file", kind="stable")
    pf = pf.assign(_g=pf.groupby(keys, dropna=False, sort=True).ngroup().to_numpy())
    first = pf.drop_duplicates("_g").sort_values("_g", kind="stable")
    size = pf["_g"].value_counts()
    multi = size.index[size.to_numpy() > 1]
    joined = first["source_file"].to_numpy(dtype=object).copy()
    if len(multi):
        many = pf[pf["_g"].isin(multi)]
        names = many.groupby("_g", sort=True)["source_file"].agg(lambda f: "|".join(f))
        pos = np.searchsorted(first["_g"].to_numpy(), names.index.to_numpy())
        joined[pos] = names.to_numpy(dtype=object)
    return pd.DataFrame({"raw_name": first["raw_name"].reset_index(drop=True),
                         "region_id": first["region_id"].reset_index(drop=True), "source_file": joined})


def write_all(out_dir: Path, respondents: Path, rejected, log, summary, review) -> None:
    """Write the four files to temporary files and move the respondents dataset
    (already written beside them) into place; the old outputs are replaced only
    when everything was written (ExitStack closes the atomic paths in reverse order)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        tmp = {name: stack.enter_context(atomic_path(out_dir / catalog.table(name).file)) for name in
               ("rejected", "cleaning_log", "cleaning_summary", "unit_match_review")}
        rejected.to_parquet(tmp["rejected"], index=False)
        log.to_csv(tmp["cleaning_log"], index=False)
        tmp["cleaning_summary"].write_text(json.dumps(_nan_to_none(summary), indent=2, sort_keys=True,
                                                           ensure_ascii=False, default=_json_default) + "\n",
                                                encoding="utf-8")
        review.to_csv(tmp["unit_match_review"], index=False)
        replace_dir(respondents, out_dir / catalog.table("respondents").file)
