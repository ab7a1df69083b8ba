"""Sources cleaned in steps: read -> map columns -> NIP/pseudonym -> fields ->
NIP checks -> items -> units -> rules.

:func:`read_source` reads a raw file and maps its columns into a
:class:`Source`, the state every step works on; each step then has the same
shape, ``step(ctx, s) -> None``: it reads what earlier steps put in ``s``, adds
columns to ``s.frame`` and rows to ``s.logs``. :func:`clean_batch` joins
consecutive files that share instrument and header into one :class:`Source`
(``s.parts``: which rows are which file's), runs the steps once over it
(:data:`STEPS`; what is per file is computed per file within the batch) and
returns one :class:`SourceResult` per file; :func:`clean_source` is a batch of
one. What is per run, per instrument or per region comes from the
:class:`~helpers.clean.context.RunContext`, so each step is linear in the rows.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import checks
from . import nip as nipmod
from . import quality as q
from .codebook import PROBLEMS, Codebook
from .context import RunContext, checkpoint, read_raw
from .schema import PERSONAL_FIELDS
from .units import map_region, match_source_units
from ..errors import InputError


@dataclass
class SourceResult:
    file: str
    frame: pd.DataFrame  # every raw row, cleaned columns + _order
    raw: pd.DataFrame  # raw text, personal columns pseudonymised
    reasons: dict[str, pd.Series]  # rule -> rejected mask
    logs: list[pd.DataFrame]
    summary: dict
    items: list[str]
    unit_queries: pd.DataFrame = field(default_factory=pd.DataFrame)


@dataclass
class Source:
    """A source while it is cleaned (see the module docstring)."""

    src: object  # helpers.study.Source
    cb: Codebook
    raw: pd.DataFrame
    mapping: dict[str, str]  # raw column -> target (item id or field)
    meta: dict  # the reader's attrs (header row, malformed rows, cell problems...)
    frame: pd.DataFrame
    logs: list[pd.DataFrame]
    norm: pd.DataFrame | None = None  # normalised NIP + its status
    ref: pd.Series | None = None  # each row's reference date (ages, NIP checks)
    items: list[str] = field(default_factory=list)
    outside: pd.Series | None = None  # rows from a region outside the study
    detail: pd.Series | None = None  # what the other_region rule logs
    unit_queries: pd.DataFrame | None = None
    rules: list = field(default_factory=list)  # q.RuleResult, in order
    reasons: dict[str, pd.Series] = field(default_factory=dict)
    #: the files of a batch: (helpers.study.Source, reader attrs, first row, end row) each,
    #: consecutive in ``frame`` (one file: one part)
    parts: list = field(default_factory=list)

    def per_file(self, values) -> np.ndarray:
        """One value per file of the batch, repeated over that file's rows."""
        return np.repeat(np.asarray(values, dtype=object), [b - a for _, _, a, b in self.parts])

    @property
    def inv(self) -> dict[str, str]:
        return {v: k for k, v in self.mapping.items()}


@dataclass
class Batch:
    """Files cleaned together (:func:`clean_batch`): one result per file, and the
    batch's frame and raw text whose consecutive rows ``bounds[k]`` are file k's."""

    results: list[SourceResult]
    frame: pd.DataFrame
    raw: pd.DataFrame
    bounds: list[tuple[int, int]]


def clean_source(ctx: RunContext, src, order0: int) -> SourceResult:
    """One source, read and cleaned: every raw row, the within-file rules' verdicts and log."""
    return clean_batch(ctx, [src], [order0])[0].results[0]


#: files of one batch share instrument, columns and decimal mark, and the reader found
#: nothing a row-wise step needs per file (malformed rows, cell problems)
BATCH_META = ("decimal",)


def clean_batch(ctx: RunContext, srcs: list, order0s: list[int]) -> list[Batch]:
    """Consecutive sources read, then cleaned a batch at a time: each step runs
    once over the rows of every file of a batch (pandas costs per call as much as
    per row for files of a few thousand rows); what is per file (the speeder's
    median, a file's date format, its region and wave, the rules' counts) is
    computed per file within the batch. Returns the batches, in order, each with
    one :class:`SourceResult` per source."""
    checkpoint("start")
    read = [read_source(ctx, src, o) for src, o in zip(srcs, order0s)]
    checkpoint("read")
    out = []
    for group in batches(read):
        s = group[0] if len(group) == 1 else join(group)
        for step in STEPS[:-1]:
            step(ctx, s)
            checkpoint(step.__name__)
        parts = split(s)
        apply_rules(ctx, s, parts)
        checkpoint("apply_rules")
        # the summary is per file
        out.append(Batch([result(ctx, p) for p in parts], s.frame, s.raw, [(a, b) for *_, a, b in s.parts]))
        checkpoint("result")
    return out


def batches(read: list[Source]) -> list[list[Source]]:
    """Runs of consecutive read sources that can share the steps (see :data:`BATCH_META`)."""
    out: list[list[Source]] = []
    for s in read:
        if out and joinable(out[-1][0], s):
            out[-1].append(s)
        else:
            out.append([s])
    return out


def joinable(a: Source, b: Source) -> bool:
    def alone(s):
        return bool(s.meta.get("malformed_rows") or s.meta.get("cell_problems"))
    return (not alone(a) and not alone(b) and a.cb is b.cb and list(a.raw.columns) == list(b.raw.columns)
            and a.mapping == b.mapping and all(a.meta.get(k) == b.meta.get(k) for k in BATCH_META))


def join(group: list[Source]) -> Source:
    """The read sources of a batch as one :class:`Source` (rows in file order)."""
    parts, a = [], 0
    for g in group:
        n = len(g.raw)
        parts.append((g.src, g.meta, a, a + n))
        a += n
    raw = pd.concat([g.raw for g in group], ignore_index=True)
    frame = pd.concat([g.frame for g in group], ignore_index=True)
    first = group[0]
    return Source(first.src, first.cb, raw, first.mapping, first.meta, frame,
                  [lg for g in group for lg in g.logs], parts=parts)


def split(s: Source) -> list[Source]:
    """A batch back into one :class:`Source` per file, for the per-file rules and
    summary. The batch's log rows go with the first file (the log is sorted by
    file and row when written); unit queries go with their file."""
    if len(s.parts) <= 1:
        return [s]
    out = []
    for k, (src, meta, a, b) in enumerate(s.parts):
        def cut(x):
            return None if x is None else x.iloc[a:b].reset_index(drop=True)
        uq = s.unit_queries
        if uq is not None and "source_file" in uq.columns and len(uq):
            uq = uq[(uq["source_file"] == src.file).to_numpy()].reset_index(drop=True)
        out.append(Source(src, s.cb, cut(s.raw), s.mapping, meta, cut(s.frame), s.logs if k == 0 else [],
                          norm=cut(s.norm), ref=cut(s.ref), items=s.items, outside=cut(s.outside),
                          detail=cut(s.detail), unit_queries=uq, parts=[(src, meta, 0, b - a)]))
    return out


# ----------------------------------------------------------------------------------------------
def read_source(ctx: RunContext, src, order0: int) -> Source:
    """Read the file, map its headers through the codebook (stopping on the file
    checks of :func:`helpers.checks.source_findings`) and start the frame with
    the row identity: file, row, instrument, wave, run-wide order."""
    study, cb = ctx.study, ctx.codebook(src.instrument)
    raw = read_raw(study, src)
    path = study.raw_dir / src.file
    n = len(raw)
    mapping = check_mapping(raw, cb, path)
    checks.raise_errors(checks.source_findings(raw, cb, mapping, path, unknown_columns(raw, mapping),
                                               cb.safe_columns), f"{src.file} cannot be cleaned")
    rows = raw.attrs.get("header_row", 1) + 1 + np.arange(n)
    df = pd.DataFrame({"source_file": src.file, "source_row": rows.astype("int64"),
                       "instrument": cb.id, "wave": pd.array([src.wave] * n, dtype="Int64"),
                       "_order": order0 + np.arange(n)})
    log = column_log(src.file, raw, mapping, cb)
    # the reader's attrs leave the frame while the steps run: pandas copies attrs
    # deeply into every Series taken from the frame (thousands per file)
    meta, raw.attrs = raw.attrs, {}
    return Source(src, cb, raw, mapping, meta, df, [log], parts=[(src, meta, 0, n)])


def pseudonymise(ctx: RunContext, s: Source) -> None:
    """NIP -> respondent id, before anything is logged, so the log carries the id."""
    raw, inv, df = s.raw, s.inv, s.frame
    if "nip" in inv:
        s.norm = nipmod.normalise_nip(raw[inv["nip"]])
    else:
        s.norm = pd.DataFrame({"nip": pd.Series(pd.NA, index=raw.index, dtype="string"),
                               "status": pd.Series("missing", index=raw.index, dtype="string")})
    usable = s.norm["nip"].notna()
    df["respondent_id"] = nipmod.respondent_ids(s.norm["nip"], usable, df["source_file"], df["source_row"],
                                                ctx.key).to_numpy()
    df["id_from_nip"] = usable.to_numpy()


def decode_fields(ctx: RunContext, s: Source) -> None:
    """Fields (dates, durations, sex, education...) decoded by the codebook; what
    does not decode is set missing and logged; derived fields (duration from
    start and end, age from a birth date or year) filled in."""
    raw, inv, cb, df = s.raw, s.inv, s.cb, s.frame
    decimal = s.meta.get("decimal", ".")
    for name, col in ((f, inv[f]) for f in cb.fields if f in inv and f not in PERSONAL_FIELDS
                      and not cb.fields[f].personal and f not in ("unit", "region")):
        if cb.field_kind(name) == "datetime" and len(s.parts) > 1:
            # a file's date format is chosen on its own cells (day-first or not)
            res = pd.concat([cb.field_values(name, raw[col].iloc[a:b].reset_index(drop=True), decimal=decimal)
                             for _, _, a, b in s.parts], ignore_index=True)
        else:
            res = cb.field_values(name, raw[col], decimal=decimal)
        df[name] = res["value"].to_numpy()
        bad = res["problem"].notna().to_numpy()
        if bad.any():
            if "expected" in res.columns:  # a date/time in no expected format: the log names the format
                s.logs.append(q.log_frame(df, bad, col, raw[col], "expected " + res["expected"],
                                          "bad_datetime", "set_missing"))
            else:
                s.logs.append(q.log_frame(df, bad, col, raw[col], "", "unknown_label", "set_missing"))
    if "duration_s" not in df.columns and {"started_at", "submitted_at"} <= set(df.columns):
        df["duration_s"] = (df["submitted_at"] - df["started_at"]).dt.total_seconds()
    if "duration_s" not in df.columns and "duration_min" in df.columns:
        df["duration_s"] = df["duration_min"] * 60.0
    s.ref = ref = reference_dates(s)
    if "age" not in df.columns and "birth_date" in df.columns:
        df["age"] = np.floor((ref - df["birth_date"]).dt.days / 365.2425)
    if "age" not in df.columns and "birth_year" in df.columns:
        df["age"] = ref.dt.year - df["birth_year"]


def reference_dates(s: Source) -> pd.Series:
    """Each row's reference date: its submission time, else the latest of its
    file; a file without any: 1 July of its wave (today without a wave)."""
    df = s.frame
    ref = df["submitted_at"] if "submitted_at" in df.columns else None
    if len(s.parts) == 1:
        src = s.parts[0][0]
        if ref is None or ref.isna().all():
            ref = pd.Series(pd.Timestamp(f"{src.wave}-07-01") if src.wave else pd.Timestamp.today().normalize(),
                            index=df.index)
        return ref.fillna(ref.max())
    out = []
    for src, _, a, b in s.parts:
        r = None if ref is None else ref.iloc[a:b]
        if r is None or r.isna().all():
            r = pd.Series(pd.Timestamp(f"{src.wave}-07-01") if src.wave else pd.Timestamp.today().normalize(),
                          index=df.index[a:b])
        out.append(r.fillna(r.max()))
    return pd.concat(out)


def check_nips(ctx: RunContext, s: Source) -> None:
    """NIP format, birth date, TMT and sex digit, and their agreement with the
    answers: flagged in the log, never the clear NIP."""
    df, inv, norm, ref = s.frame, s.inv, s.norm, s.ref
    st = norm["status"]
    for status, action in (("formatted", "normalise"), ("excel_recovered", "normalise"),
                           ("unrecoverable", "flag")):
        m = (st == status).to_numpy()
        if m.any():
            s.logs.append(q.log_frame(df, m, inv.get("nip", "nip"), "<NIP>",
                                      "18-digit NIP" if action == "normalise" else "id from source row",
                                      f"nip_{status}", action))
    # a TMT after the survey is impossible; the wave's year end is the reference
    # (a submission date would flag appointments made later the same year)
    ends = [pd.Timestamp(f"{src.wave}-12-31") if src.wave else ref.iloc[a:b].max() for src, _, a, b in s.parts]
    parsed = nipmod.parse_nip(norm["nip"], reference=ends[0] if len(ends) == 1 else
                              pd.Series(s.per_file(ends), index=df.index).astype(ref.dtype))
    if "status" in df.columns:
        # the NI PPPK of contract staff does not carry a CPNS appointment date
        pppk = ((df["status"] == "PPPK").fillna(False).to_numpy()
                & parsed["problem"].str.startswith("tmt").fillna(False).to_numpy())
        parsed.loc[pppk, "problem"] = pd.NA
    bad = parsed["problem"].notna().to_numpy()
    if bad.any():
        s.logs.append(q.log_frame(df, bad, inv.get("nip", "nip"), "<NIP>", parsed["problem"], "nip_invalid",
                                  "flag"))
    cc = nipmod.cross_check(parsed, sex=df.get("sex"), age=df.get("age"), at=ref)
    for col in cc.columns:
        m = cc[col].to_numpy() & parsed["valid"].to_numpy()
        if m.any():
            s.logs.append(q.log_frame(df, m, col.replace("_mismatch", ""), "", "differs from NIP", f"nip_{col}",
                                      "flag"))


def decode_items(ctx: RunContext, s: Source) -> None:
    """Item labels -> values; unknown labels and out-of-range values set missing
    and logged (one log frame for every such cell); the reader's cell problems logged."""
    raw, inv, cb, df = s.raw, s.inv, s.cb, s.frame
    s.items = items = [i for i in cb.item_ids if i in inv]
    cols = [inv[it] for it in items]
    values, problems = cb.response_matrix(raw[cols])
    found = []  # (item, problem, row positions), in the log's order: item by item
    for j in np.flatnonzero(problems.any(axis=0)):
        for code in (1, 2):
            pos = np.flatnonzero(problems[:, j] == code)
            if len(pos):
                found.append((items[j], PROBLEMS[code], pos))
    if items:
        df = s.frame = pd.concat([df, pd.DataFrame(values, columns=items, index=df.index)], axis=1)
    if found:
        pos = np.concatenate([f[2] for f in found])
        col = np.concatenate([np.full(len(f[2]), inv[f[0]], dtype=object) for f in found])
        old = np.concatenate([raw[inv[f[0]]].to_numpy(dtype=object)[f[2]] for f in found])
        rule = np.concatenate([np.full(len(f[2]), f[1], dtype=object) for f in found])
        s.logs.append(pd.DataFrame({"source_file": df["source_file"].to_numpy()[pos],
                                    "source_row": df["source_row"].to_numpy()[pos],
                                    "respondent_id": df["respondent_id"].to_numpy()[pos], "column": col,
                                    "old_value": old, "new_value": "", "rule": rule, "action": "set_missing"}))
    df["answered_share"] = df[items].notna().mean(axis=1) if items else 1.0
    s.logs += cell_problem_logs(df, s.meta, s.mapping)


def place_units(ctx: RunContext, s: Source) -> None:
    """Region of each row (the file's, or the one a row declares) and its unit,
    matched to the registry; rows from outside the study marked for other_region."""
    raw, inv, df = s.raw, s.inv, s.frame
    region_col = inv.get("region")
    own = [src.region for src, _, _, _ in s.parts]  # each file's region (None: the rows say)
    file_region = (pd.Series(own[0], index=raw.index, dtype="string") if len(own) == 1
                   else pd.Series(s.per_file(own), index=raw.index, dtype="string"))
    if region_col is not None:
        given = raw[region_col]
        mapped = map_region(given, ctx.regions)
        region = mapped.fillna(file_region)  # their own region when in the study
        other = (mapped != file_region).fillna(False) & file_region.notna()
        outside = (given.notna() & (mapped.isna() | other)).fillna(False)
        detail = given
    else:
        mapped = None
        region = file_region
        outside = pd.Series(False, index=raw.index)
        detail = pd.Series("", index=raw.index)
    df["region_id"] = region.astype("string").to_numpy()
    s.unit_queries = pd.DataFrame(columns=["raw_name", "region_id", "n_rows", "source_file"])
    if "unit" in inv:
        # staff of a study region answering another region's survey are matched in
        # their own region (the row is still rejected as other_region); staff of a
        # region outside the study have no unit in the registry: not matched, not reviewed
        elsewhere = outside.fillna(False).to_numpy() & df["region_id"].isna().to_numpy() if region_col is None \
            else (raw[region_col].notna() & mapped.isna()).to_numpy()
        names = raw[inv["unit"]].str.strip().mask(elsewhere)
        uq = pd.DataFrame({"raw_name": names, "region_id": df["region_id"].to_numpy()})
        # matched once per distinct (name, region), in the order of first appearance
        # (what the matcher's own drop_duplicates gives); rows take their pair's result
        codes, first = pair_codes(uq["raw_name"], uq["region_id"])
        m, foreign = match_source_units(uq.iloc[first].reset_index(drop=True), ctx.inside, ctx.outside)
        if foreign:
            f = foreign_rows(uq, m, df["source_file"]) if len(s.parts) > 1 \
                else uq["raw_name"].isin(foreign).to_numpy()
            outside = outside | f
            detail = detail.where(~f, "unit " + uq["raw_name"] + " is outside the study's regions")
        at = np.full(len(first), -1, dtype=np.int64)  # pair -> its row of m (-1: taken out as foreign)
        at[m.index.to_numpy()] = np.arange(len(m))
        row_m = at[codes]
        m = m.reset_index(drop=True)
        uid = m["unit_id"].astype("string")
        df["unit_id"] = uid.array.take(row_m, allow_fill=True).to_numpy()
        df["unit_type"] = uid.map(ctx.utype).astype("string").array.take(row_m, allow_fill=True)
        method = m["method"].to_numpy(dtype=object)
        new_value = (m["unit_id"].fillna("").astype("string") + (
            " (" + m["score"].round(0).astype("Int64").astype("string") + ")").fillna("")).to_numpy(dtype=object)
        row_method = np.where(row_m >= 0, method[np.maximum(row_m, 0)] if len(m) else None, None)
        for meth, action in (("normalised", "recode"), ("alias", "recode"), ("fuzzy", "recode"),
                             ("manual", "recode"), ("review", "flag")):
            mm = row_method == meth
            if mm.any():
                s.logs.append(q.log_frame(df, mm, inv["unit"], uq["raw_name"], new_value[row_m], f"unit_{meth}",
                                          action))
        n_rows = np.bincount(codes, minlength=len(first))
        if len(s.parts) == 1:
            pairs = at >= 0
            s.unit_queries = m.assign(n_rows=n_rows[pairs].astype("int64"), source_file=s.parts[0][0].file)
        else:  # one row per typed name and file, as if each file had been matched alone
            fcodes = pd.factorize(df["source_file"].to_numpy(dtype=object))[0]
            per_file, first_fp = pd.factorize(fcodes.astype(np.int64) * len(first) + codes)
            rows = np.empty(len(first_fp), dtype=np.int64)
            rows[per_file[::-1]] = np.arange(len(per_file))[::-1]  # first row of each (file, pair)
            counts = uq.iloc[rows].reset_index(drop=True).astype(
                {"raw_name": m["raw_name"].dtype, "region_id": m["region_id"].dtype}).assign(
                n_rows=np.bincount(per_file, minlength=len(first_fp)).astype("int64"))
            counts.insert(0, "source_file", df["source_file"].to_numpy()[rows])
            per = m.merge(counts, on=["raw_name", "region_id"], how="inner")
            s.unit_queries = per[[*m.columns, "n_rows", "source_file"]]
    else:
        df["unit_id"] = pd.Series(pd.NA, index=df.index, dtype="string")
        df["unit_type"] = pd.Series(pd.NA, index=df.index, dtype="string")
    s.outside, s.detail = outside, detail


def pair_codes(names: pd.Series, regions: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Each row's distinct (name, region) pair (0, 1, ... in order of first
    appearance; missing values are a value) and the first row of each pair."""
    n_codes = pd.factorize(names, use_na_sentinel=False)[0].astype(np.int64)
    r_codes, r_uniq = pd.factorize(pd.Series(regions, dtype=object), use_na_sentinel=False)
    codes, uniq = pd.factorize(n_codes * (len(r_uniq) + 1) + r_codes)
    first = np.empty(len(uniq), dtype=np.int64)
    first[codes[::-1]] = np.arange(len(codes))[::-1]
    return codes.astype(np.int64), first


def foreign_rows(uq: pd.DataFrame, m: pd.DataFrame, files: pd.Series) -> np.ndarray:
    """Rows of a batch whose typed unit name names a unit outside the study, as
    :func:`match_source_units` finds them for one file: a name is foreign in every
    row of a file where, in one row's region, it matched nothing inside (the pairs
    ``match_source_units`` took out of ``m``)."""
    pairs = m[["raw_name", "region_id"]].drop_duplicates().assign(_in=True)
    hit = uq.merge(pairs, on=["raw_name", "region_id"], how="left")["_in"].isna().to_numpy()
    name, file = uq["raw_name"].to_numpy(dtype=object), files.to_numpy(dtype=object)
    found = pd.MultiIndex.from_arrays([file[hit], name[hit]]).unique()
    return pd.MultiIndex.from_arrays([file, name]).isin(found)


def apply_rules(ctx: RunContext, s: Source, parts: list[Source] | None = None) -> None:
    """The within-file rules of :mod:`helpers.clean.quality`: malformed and blank
    rows, missing items, speeders, straight-liners, other region; each rule's
    rejected mask in ``s.reasons`` (blank rows count for no other rule).

    On a batch, the row-wise rules run once over its rows and the speeder rule
    (the median of a file) per file; each rule's verdicts, log and counts then go
    to the file's own :class:`Source` in ``parts`` (see :func:`split`)."""
    df, raw, items, cb, opts = s.frame, s.raw, s.items, s.cb, ctx.opts
    blank = q.blank_rows(df, raw, opts["blank_row"])
    area_res, empty_res = q.missing_items(df, df[items], cb.areas(), opts["missing_items"]) if items else (
        q._off("missing_items", df, "no items"), q._off("no_items", df, "no items"))
    straight = q.straightliners(df, df[items], cb.areas(), opts["straightliner"]) if items else None
    other = q.other_region(df, s.outside.fillna(False), s.detail, opts["other_region"])
    if parts is None or len(s.parts) == 1:
        file_rules(ctx, s, blank, area_res, empty_res, straight, other)
        return
    found = [r for r in (blank, area_res, empty_res, straight, other) if r is not None]
    by_file = [r.log.groupby("source_file", sort=False).indices if len(r.log) else {} for r in found]
    for p, (src, _, a, b) in zip(parts, s.parts):
        cut = [q.RuleResult(r.rule, r.reject.iloc[a:b].reset_index(drop=True),
                            r.log.iloc[g[src.file]].reset_index(drop=True) if src.file in g
                            else r.log.iloc[:0], 0 if r.found is None else int(r.found[a:b].sum()), r.note,
                            found=None if r.found is None else r.found[a:b])
               for r, g in zip(found, by_file)]
        it = iter(cut)
        file_rules(ctx, p, next(it), next(it), next(it), next(it) if straight is not None else None, next(it))


def file_rules(ctx: RunContext, s: Source, blank, area_res, empty_res, straight, other) -> None:
    """The rules' verdicts on one file (:func:`apply_rules`), the speeder rule run here."""
    df, raw, opts = s.frame, s.raw, ctx.opts
    rules = []
    malformed = malformed_rows(df, s.meta)
    r = blank
    if malformed is not None:  # a row the reader could not split is malformed, not blank
        r.reject = r.reject & ~malformed.reject
        r.log = r.log[~r.log["source_row"].isin(df.loc[malformed.reject, "source_row"])]
        r.flagged = int(r.reject.sum())
        rules.append(malformed)
    rules.append(r)
    not_blank = pd.Series(~raw.isna().all(axis=1).to_numpy(), index=df.index)
    empty_res.reject = empty_res.reject & not_blank
    empty_res.log = empty_res.log[~empty_res.log["source_row"].isin(df.loc[~not_blank, "source_row"])]
    if opts["missing_items"].get("reject_empty", True):
        empty_res.flagged = int(empty_res.reject.sum())
    rules += [area_res, empty_res]
    elig = not_blank & ~empty_res.reject
    rules.append(q.speeders(df, opts["speeder"], eligible=elig))
    if s.cb.kind == "survey":
        warn_rule_off(rules[-1], df, s.meta, s.src.file, opts["speeder"], s.logs)
    if straight is not None:
        rules.append(straight)
    rules.append(other)
    for rr in rules:
        whole_row = rr.rule in ("blank_row", "malformed_row")
        s.reasons[rr.rule] = rr.reject.fillna(False).astype(bool) & (True if whole_row else not_blank)
        if not whole_row:
            rr.log = rr.log[~rr.log["source_row"].isin(df.loc[~not_blank, "source_row"])]
        s.logs.append(rr.log)
    s.rules = rules


STEPS = (pseudonymise, decode_fields, check_nips, decode_items, place_units, apply_rules)


def result(ctx: RunContext, s: Source) -> SourceResult:
    """The cleaned source and its summary. The raw text stays as read: personal
    columns are replaced by the pseudonym only when rejected rows are taken."""
    raw, mapping, cb, inv = s.raw, s.mapping, s.cb, s.inv
    meta = s.meta
    meta["personal_columns"] = [inv[f.name] for f in cb.fields.values()
                                if (f.personal or f.name in PERSONAL_FIELDS) and f.name in inv]
    mark_publishable(raw, mapping, cb, meta)
    meta["name_column"] = inv.get("name")
    raw.attrs = meta  # back on the frame for the rejected rows (after the column checks: see read_source)
    summary = {"raw_rows": len(raw), "header_row": raw.attrs.get("header_row"), "instrument": cb.id,
               "columns_mapped": len(mapping), "items_found": len(s.items),
               "ignored_columns": [c for c in raw.columns if c not in mapping],
               "dropped_columns": [c for c in unknown_columns(raw, mapping) if c not in cb.safe_columns],
               "masked_nip_columns": raw.attrs.get("masked_columns", []),
               "missing_items": [i for i in cb.item_ids if i not in inv],
               "nip_status": {k: int(v) for k, v in s.norm["status"].value_counts().items()},
               "notes": {rr.rule: rr.note for rr in s.rules if rr.note},
               "found": {rr.rule: int(rr.flagged) for rr in s.rules},
               "actions": {rr.rule: ctx.opts.get(rr.rule, {}).get("action", "reject") for rr in s.rules}}
    return SourceResult(s.src.file, s.frame, raw, s.reasons, s.logs, summary, s.items, s.unit_queries)


# ----------------------------------------------------------------------------------------------

def check_mapping(raw: pd.DataFrame, cb: Codebook, path: Path) -> dict[str, str]:
    try:
        mapping = cb.map_headers(list(raw.columns))
    except InputError as exc:
        exc.file = path
        exc.row = raw.attrs.get("header_row", 1)
        raise InputError(exc.message, file=path, row=exc.row, column=exc.column, expected=exc.expected,
                         found=exc.found) from None
    dups = raw.attrs.get("duplicated_headers", [])
    for d in dups:
        if d in mapping:
            raise InputError("duplicated column header", file=path, row=raw.attrs.get("header_row", 1),
                             column=d, expected="each column once")
    missing = cb.missing_required(mapping)
    if missing:
        raise InputError("required column missing", file=path, row=raw.attrs.get("header_row", 1),
                         column=missing[0], expected=expect(cb, missing[0]))
    if cb.kind == "survey" and not any(t in set(cb.item_ids) for t in mapping.values()):
        raise InputError("no item column of the instrument found", file=path, row=raw.attrs.get("header_row", 1),
                         column=str(list(raw.columns)[:3]),
                         expected=f"headers of {cb.id} items, e.g. {cb.items['id'].iloc[0]!r} or its aliases")
    return mapping


def malformed_rows(df: pd.DataFrame, attrs: dict):
    """Rows the reader could not split into cells (``attrs["malformed_rows"]``: an
    unclosed quote, more cells than the header): always rejected, with the
    reader's reason in the cleaning log."""
    bad = attrs.get("malformed_rows") or {}
    if not bad:
        return None
    mask = np.zeros(len(df), dtype=bool)
    mask[list(bad)] = True
    reason = pd.Series("", index=df.index, dtype="object")
    reason.iloc[list(bad)] = list(bad.values())
    log = q.log_frame(df, mask, "*", "", reason, "malformed_row", "reject")
    return q.RuleResult("malformed_row", pd.Series(mask, index=df.index), log, int(mask.sum()),
                        f"{int(mask.sum())} row(s) the reader could not split into cells")


def warn_rule_off(rr, df: pd.DataFrame, attrs: dict, file: str, opts: dict, logs: list) -> None:
    """A rule the study enabled that cannot run on this file is said, never silent:
    a warning and a cleaning-log row at the header row."""
    if not opts.get("enabled", True) or not (rr.note or "").startswith("rule off"):
        return
    if "only" in rr.note:  # the columns are there but their times did not parse: say it loudly
        import warnings

        warnings.warn(f"{file}: {rr.rule}: {rr.note}", stacklevel=2)
    logs.append(pd.DataFrame({"source_file": [file], "source_row": [attrs.get("header_row", 1)],
                              "respondent_id": [""], "column": ["duration_s"], "old_value": [""],
                              "new_value": [rr.note], "rule": [rr.rule], "action": ["off"]}, columns=q.LOG_COLUMNS))


def cell_problem_logs(df: pd.DataFrame, attrs: dict, mapping: dict[str, str]) -> list[pd.DataFrame]:
    """Cleaning-log rows for the reader's cell problems (xlsx error cells such as
    ``#N/A`` and formulas saved without a value): the cell was read as missing."""
    probs = [p for p in attrs.get("cell_problems", []) if p["column"] in mapping and 0 <= p["index"] < len(df)]
    if not probs:
        return []
    idx = np.array([p["index"] for p in probs])
    code = np.array([p["problem"] for p in probs], dtype=object)
    new = np.where(code == "xlsx_error_cell", "missing (the workbook holds an error, not a value)",
                   "missing (formula saved without its value: recalculate and save in Excel)")
    log = df[["source_file", "source_row", "respondent_id"]].iloc[idx].reset_index(drop=True).assign(
        column=[p["column"] for p in probs], old_value=[p["value"] for p in probs], new_value=new, rule=code,
        action="set_missing")
    return [log[q.LOG_COLUMNS]]


def unknown_columns(raw: pd.DataFrame, mapping: dict[str, str]) -> list[str]:
    return [c for c in raw.columns if c not in mapping]


def mark_publishable(raw: pd.DataFrame, mapping: dict[str, str], cb: Codebook, meta: dict) -> None:
    """Which raw columns may appear in rejected.parquet (``meta["publishable_columns"]``):
    those the codebook maps or lists under ``safe_columns``. Any of them whose cells
    look like NIPs (a supervisor's NIP under a known header, a safe column holding
    NIPs) is masked (``meta["masked_columns"]``)."""
    keep = [c for c in raw.columns if c in mapping or c in cb.safe_columns]
    personal = set(meta.get("personal_columns", []))
    meta["publishable_columns"] = keep
    meta["masked_columns"] = nip_like_columns(raw, [c for c in keep if c not in personal])


def column_log(file: str, raw: pd.DataFrame, mapping: dict[str, str], cb: Codebook) -> pd.DataFrame:
    """One cleaning-log row per raw column dropped because the codebook does not know
    it (at the header row), so the log says what never reached any output."""
    hdr = raw.attrs.get("header_row", 1)
    dropped = [c for c in unknown_columns(raw, mapping) if c not in cb.safe_columns]
    nip_like = set(nip_like_columns(raw, dropped))
    return pd.DataFrame({"source_file": file, "source_row": hdr, "respondent_id": "", "column": dropped,
                         "old_value": "", "new_value": ["looks like NIPs: personal" if c in nip_like else ""
                                                        for c in dropped],
                         "rule": "unknown_column", "action": "drop"}, columns=q.LOG_COLUMNS)


def nip_like_columns(raw: pd.DataFrame, columns) -> list[str]:
    """:func:`helpers.checks.nip_like_columns`, asked only about the columns that
    can qualify: most of a column's first 500 present cells must be 18 characters
    or longer (the same test :func:`helpers.checks.looks_like_nip` starts with),
    here measured in Arrow for every column at once instead of in pandas column by column."""
    maybe = [c for c in columns if not _short_cells(raw[c])]
    return checks.nip_like_columns(raw, maybe) if maybe else []


def _short_cells(cells: pd.Series, n: int = 500, min_share: float = 0.5) -> bool:
    """True when fewer than ``min_share`` of the first ``n`` present cells have 18
    characters (such a column is no NIP column); False when unsure."""
    try:
        arr = pa.array(cells.array) if isinstance(cells.dtype, pd.StringDtype | pd.ArrowDtype) else None
    except (pa.ArrowException, TypeError):
        arr = None
    if arr is None or not pa.types.is_string(arr.type) and not pa.types.is_large_string(arr.type):
        return False
    head = pc.drop_null(arr[: 4 * n])
    if len(head) < n and len(arr) > 4 * n:
        head = pc.drop_null(arr)
    head = head[:n]
    if len(head) == 0:
        return False
    long = pc.sum(pc.greater_equal(pc.utf8_length(head), 18)).as_py() or 0
    return float(long / len(head)) < min_share


def expect(cb: Codebook, name: str) -> str:
    spec = cb.fields.get(name)
    names = [name, *(spec.aliases if spec else ())]
    return "a column named " + " or ".join(repr(a) for a in names[:4])
