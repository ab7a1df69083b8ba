"""Rejected rows: the rules' verdicts per row, and the raw text of rejected rows
as ``rejected.parquet`` keeps it (only the columns the codebook maps or marks
safe; personal cells carry the pseudonym, NIP-looking columns a placeholder).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .steps import SourceResult

def within_file_rejects(res: SourceResult) -> tuple[np.ndarray, pd.Series]:
    """Rows the within-file rules reject, and their ``;``-joined rule codes."""
    reject = np.zeros(len(res.frame), dtype=bool)
    txt = pd.Series("", index=res.frame.index, dtype="object")
    for rule, m in res.reasons.items():
        mm = m.to_numpy(dtype=bool)
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
    raw = res.raw.loc[mask, keep].reset_index(drop=True)
    rid = res.frame.loc[mask, "respondent_id"].to_numpy()
    return protect(raw, res.raw.attrs, rid, res.file, res.frame.loc[mask, "source_row"].to_numpy(),
                    res.frame.loc[mask, "_order"].to_numpy())


def protect(raw: pd.DataFrame, attrs: dict, rid, file, source_row, order) -> pd.DataFrame:
    """Raw rows as rejected.parquet keeps them: personal cells become the pseudonym,
    NIP-looking columns a placeholder."""
    for col in attrs.get("personal_columns", []):
        if col in raw.columns:
            raw[col] = rid
    for col in attrs.get("masked_columns", []):
        if col in raw.columns:
            raw[col] = raw[col].mask(raw[col].notna(), "<NIP>")
    head = pd.DataFrame({"source_file": file, "source_row": source_row, "respondent_id": rid, "_order": order})
    return pd.concat([head, raw.add_prefix("raw:")], axis=1)


def rejected_part(res: SourceResult, reject: np.ndarray, reason_txt: pd.Series) -> pd.DataFrame:
    part = raw_rows(res, reject)
    part.insert(3, "reasons", reason_txt[reject].to_numpy())
    return part


def rejected_duplicates(raw_rows: pd.DataFrame) -> pd.DataFrame:
    part = raw_rows.copy()
    part.insert(3, "reasons", "duplicate")
    return part


def staged_raw(path, order) -> pd.DataFrame:
    """The staged raw rows (:func:`raw_rows` of a source's eligible rows) whose
    run-wide ``_order`` is in ``order``: the copies the duplicate rule rejected."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    t = pq.read_table(path)
    t = t.filter(pc.is_in(t["_order"], pa.array(np.asarray(order, dtype="int64"))))
    return t.to_pandas()


def concat_rejected(parts: list[pd.DataFrame]) -> pd.DataFrame:
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in ("source_file", "source_row", "respondent_id",
                                                                    "reasons")})
    out = pd.concat(parts, ignore_index=True).sort_values("_order", kind="stable").drop(columns="_order")
    out = out.reset_index(drop=True)
    for c in out.columns:
        if c != "source_row":
            out[c] = out[c].astype("string")
    return out
