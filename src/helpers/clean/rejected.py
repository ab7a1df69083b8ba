"""Rejected rows: the rules' verdicts per row, and the raw text of rejected rows
as ``rejected.parquet`` keeps it (only the columns the codebook maps or marks
safe; personal cells carry the pseudonym, NIP-looking columns a placeholder).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .steps import Batch, SourceResult

if TYPE_CHECKING:
    import pyarrow as pa

def within_file_rejects(res: SourceResult) -> tuple[np.ndarray, pd.Series]:
    """Rows the within-file rules reject, and their ``;``-joined rule codes."""
    return rejects_of({rule: m.to_numpy(dtype=bool) for rule, m in res.reasons.items()}, len(res.frame))


def rejects_of(reasons: dict[str, np.ndarray], n: int) -> tuple[np.ndarray, pd.Series]:
    """:func:`within_file_rejects` from the rules' masks (rule -> bool per row), in rule order."""
    reject = np.zeros(n, dtype=bool)
    txt = pd.Series("", index=pd.RangeIndex(n), dtype="object")
    for rule, mm in reasons.items():
        if mm.any():
            reject |= mm
            txt = txt.where(~mm, txt + np.where(txt == "", "", ";") + rule)
    return reject, txt


def name_cells(res: SourceResult) -> pd.Series:
    """The raw name cells of a file (NA where it has no name column). Used only
    to build the duplicate fallback key, in memory."""
    col = res.raw.attrs.get("name_column")
    return (pd.Series(res.raw[col].to_numpy(), index=res.frame.index) if col is not None
            else pd.Series(None, index=res.frame.index, dtype=object))


def raw_rows(res: SourceResult, mask: np.ndarray) -> pd.DataFrame:
    """``source_file, source_row, respondent_id, _order`` + the raw row as text
    (``raw:<header>``) of the rows in ``mask``, personal cells replaced by the pseudonym."""
    mask = np.asarray(mask, dtype=bool)
    # only columns the codebook knows (or marks safe) leave the raw file; personal ones
    # carry the pseudonym, NIP-looking ones a placeholder
    keep = res.raw.attrs.get("publishable_columns", list(res.raw.columns))
    raw, fr = _rows(res.raw, keep, mask), _rows(res.frame, ["respondent_id", "source_row", "_order"], mask)
    rid = fr["respondent_id"].to_numpy()
    return protect(raw, res.raw.attrs, rid, res.file, fr["source_row"].to_numpy(), fr["_order"].to_numpy())


def _rows(df: pd.DataFrame, cols: list, mask: np.ndarray) -> pd.DataFrame:
    """``df.loc[mask, cols]`` with a fresh index; every row (a staged batch) without a take."""
    out = df[cols].copy() if mask.all() else df.loc[mask, cols]
    return out.reset_index(drop=True)


def protect(raw: pd.DataFrame, attrs: dict, rid, file, source_row, order, masked_rows: dict | None = None
            ) -> pd.DataFrame:
    """Raw rows as rejected.parquet keeps them: personal cells become the pseudonym,
    NIP-looking columns a placeholder (in the rows ``masked_rows[column]`` only, if given:
    a batch whose files differ in what looks like NIPs)."""
    for col in attrs.get("personal_columns", []):
        if col in raw.columns:
            raw[col] = rid
    for col in attrs.get("masked_columns", []):
        if col in raw.columns:
            hit = raw[col].notna().to_numpy()
            if masked_rows is not None and col in masked_rows:
                hit = hit & masked_rows[col]
            raw[col] = raw[col].mask(hit, "<NIP>")
    head = pd.DataFrame({"source_file": file, "source_row": source_row, "respondent_id": rid, "_order": order})
    return pd.concat([head, raw.add_prefix("raw:")], axis=1)


def batch_raw_rows(b: Batch, mask: np.ndarray) -> pd.DataFrame:
    """:func:`raw_rows` of the rows in ``mask`` of a whole batch (its files share
    columns, mapping and codebook; which columns look like NIPs is each file's own)."""
    mask = np.asarray(mask, dtype=bool)
    attrs = dict(b.results[0].raw.attrs)
    keep = attrs.get("publishable_columns", list(b.raw.columns))
    per_file = [r.raw.attrs.get("masked_columns", []) for r in b.results]
    union = list(dict.fromkeys(c for m in per_file for c in m))
    attrs["masked_columns"] = union
    sizes = [hi - lo for lo, hi in b.bounds]
    masked_rows = {c: np.repeat([c in m for m in per_file], sizes)[mask] for c in union
                   if not all(c in m for m in per_file)}
    raw = _rows(b.raw, keep, mask)
    fr = _rows(b.frame, ["respondent_id", "source_file", "source_row", "_order"], mask)
    return protect(raw, attrs, fr["respondent_id"].to_numpy(), fr["source_file"].to_numpy(dtype=object),
                   fr["source_row"].to_numpy(), fr["_order"].to_numpy(), masked_rows)


def rejected_part(res: SourceResult, reject: np.ndarray, reason_txt: pd.Series) -> pd.DataFrame:
    part = raw_rows(res, reject)
    part.insert(3, "reasons", reason_txt[reject].to_numpy())
    return part


def rejected_duplicates(raw_rows: pd.DataFrame) -> pd.DataFrame:
    part = raw_rows.copy()
    part.insert(3, "reasons", "duplicate")
    return part


#: rows of raw text protected and written at a time (bounds the copy a very large file makes)
RAW_CHUNK = 200_000


def stage_raw(res: SourceResult | Batch, mask: np.ndarray, path) -> None:
    """:func:`raw_rows` (of a file) or :func:`batch_raw_rows` of the rows in ``mask``,
    written to ``path`` (Arrow IPC, LZ4: a temporary file, read back only for the
    duplicates; Parquet's encoding cost more than the rest of the staging) in chunks of
    :data:`RAW_CHUNK` rows (raw cells are text: one schema, null columns as text)."""
    rows = batch_raw_rows if isinstance(res, Batch) else raw_rows
    import pyarrow as pa

    pos = np.flatnonzero(np.asarray(mask, dtype=bool))
    writer, schema = None, None
    try:
        for a in range(0, max(len(pos), 1), RAW_CHUNK):
            if a == 0 and len(pos) == len(mask) and len(pos) <= RAW_CHUNK:
                m = np.ones(len(mask), dtype=bool)
            else:
                m = np.zeros(len(mask), dtype=bool)
                m[pos[a:a + RAW_CHUNK]] = True
            table = pa.Table.from_pandas(rows(res, m), preserve_index=False)
            if schema is None:
                schema = pa.schema([f.with_type(pa.string()) if pa.types.is_null(f.type) else f for f in table.schema])
                writer = pa.ipc.new_file(str(path), schema, options=pa.ipc.IpcWriteOptions(compression="lz4"))
            writer.write_table(table.cast(schema))
    finally:
        if writer is not None:
            writer.close()


def staged_raw(path, order) -> pd.DataFrame:
    """The staged raw rows (:func:`stage_raw`) whose run-wide ``_order`` is in
    ``order``: the copies the duplicate rule rejected."""
    import pyarrow as pa
    import pyarrow.compute as pc

    with pa.memory_map(str(path)) as f:
        t = pa.ipc.open_file(f).read_all()
    t = t.filter(pc.is_in(t["_order"], pa.array(np.asarray(order, dtype="int64"))))
    return t.to_pandas()


def concat_rejected(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """The rejected rows of every source in run order (``_order``), every column
    text but ``source_row``. Joined in Arrow: the sources' raw columns differ (one
    instrument's headers are missing from another's rows), and pandas' concat of
    frames with disjoint columns cost more than everything else here."""
    import pyarrow as pa

    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in ("source_file", "source_row", "respondent_id",
                                                                    "reasons")})
    tables = []
    for p in parts:
        t = pa.Table.from_pandas(p, preserve_index=False)
        tables.append(t.cast(pa.schema([f if f.name in ("source_row", "_order") else f.with_type(pa.large_string())
                                        for f in t.schema]).remove_metadata()))
    t = pa.concat_tables(tables, promote_options="default")
    t = t.take(pc_sort(t["_order"])).drop_columns(["_order"])
    out = t.to_pandas(types_mapper=lambda ty: pd.StringDtype() if pa.types.is_large_string(ty) else None)
    for c in out.columns:
        if c != "source_row" and out[c].dtype != "string":
            out[c] = out[c].astype("string")
    return out


def pc_sort(order) -> "pa.Array":
    """Positions that sort ``order`` ascending, ties in their order (a stable sort)."""
    import pyarrow.compute as pc

    return pc.sort_indices(order)
