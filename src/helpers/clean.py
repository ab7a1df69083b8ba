"""Stage 01: turn every raw export of a study into one clean respondent table.

``run(study)`` reads each source named in the study file with
:func:`helpers.readers.read_table`, maps its columns through the instrument
codebook, pseudonymises the NIP, matches units to the registry, applies the
quality rules of :mod:`helpers.quality` and writes, in ``data/processed/<study>/``:

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
import resource
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import checks
from . import nip as nipmod
from . import quality as q
from .codebook import Codebook, load_codebook
from .errors import InputError
from .io import atomic_path
from .readers import read_table
from .schema import validate_respondents
from .study import Study, slugify
from .units import (
    REVIEW_COLUMNS,
    load_manual_aliases,
    load_registry,
    manual_aliases_path,
    match_units,
    review_table,
)

FIELD_COLUMNS = ["submitted_at", "duration_s", "sex", "age", "education", "golongan", "position_type", "status"]
HR_COLUMNS = ["skp_score", "skp_predikat", "sanction", "leadership_training", "functional_training",
              "technical_jp", "seminars_2y"]
ID_COLUMNS = ["respondent_id", "source_file", "source_row", "instrument", "wave", "region_id", "unit_id",
              "unit_type"]
PERSONAL = {"nip", "name"}
READER_OPTS = {"header_row", "delimiter", "encoding", "decimal"}


_CHECKPOINT = {"t": None}


def _checkpoint(label: str) -> None:
    """With ``ASN_CLEAN_PROFILE=1``, print seconds since the last checkpoint and
    the peak memory so far (for benchmarks/bench_clean.py)."""
    if not os.environ.get("ASN_CLEAN_PROFILE"):
        return
    now = time.perf_counter()
    if _CHECKPOINT["t"] is not None:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2
        print(f"  {label:28s} {now - _CHECKPOINT['t']:6.2f} s   peak {peak:5.2f} GB", flush=True)
    _CHECKPOINT["t"] = now


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


# ----------------------------------------------------------------------------------------------
def run(study: Study, write: bool = True, return_tables: bool = False) -> dict:
    """Clean every source of ``study``; write the five outputs; return a summary
    (counts; with ``return_tables`` also the tables themselves, for tests and the notebook)."""
    # the configuration checks of `validate` (misspelt keys, unknown components, registry...)
    checks.raise_errors(checks.config_findings(study, stage="01_clean"), "the study cannot be cleaned")
    opts = q.options(study.option("quality", default={}))
    registry = load_registry(study.registry_path)
    manual = load_manual_aliases(manual_aliases_path(study.id), registry)
    key = nipmod.load_key()
    regions = _region_lookup(study)
    results, order0 = [], 0
    for src in study.sources:
        cb = load_codebook(src.instrument)
        res = _clean_source(study, src, cb, registry, manual, key, regions, opts, order0)
        order0 += len(res.frame)
        results.append(res)
    frame = pd.concat([r.frame for r in results], ignore_index=True)
    rules = list(dict.fromkeys(rule for r in results for rule in r.reasons))
    reasons = {rule: _stack_reason(results, rule) for rule in rules}
    logs = [lg for r in results for lg in r.logs]

    # duplicates across all files of an instrument/wave, among rows no other rule rejected
    rejected_so_far = np.zeros(len(frame), dtype=bool)
    for m in reasons.values():
        rejected_so_far |= m.to_numpy(dtype=bool)
    _checkpoint('concat')
    eligible = pd.Series(~rejected_so_far, index=frame.index)
    # rows without a usable NIP: a hashed name/birth/sex/unit key, in memory only
    fb_keys = q.fallback_keys(frame, _names(results), eligible, opts["duplicate"])
    dup = q.duplicates(frame, eligible, opts["duplicate"], fallback=fb_keys)
    reasons["duplicate"] = dup.reject
    logs.append(dup.log)

    reject = np.zeros(len(frame), dtype=bool)
    reason_txt = pd.Series("", index=frame.index, dtype="object")
    for rule, m in reasons.items():
        mm = m.to_numpy(dtype=bool)
        reject |= mm
        reason_txt = reason_txt.where(~mm, reason_txt + np.where(reason_txt == "", "", ";") + rule)

    _checkpoint('duplicates')
    summary = _summary(results, frame, reasons, reject, dup)
    for f, s in summary["files"].items():  # the invariant, enforced before writing
        if s["raw_rows"] != s["kept"] + s["rejected"]:
            raise AssertionError(f"{f}: raw rows {s['raw_rows']} != kept {s['kept']} + rejected {s['rejected']}")

    _checkpoint('summary')
    respondents = _respondents(frame, ~reject, results)
    bounds = {}
    for src in study.sources:
        cb = load_codebook(src.instrument)
        if cb.scale_min is not None:
            bounds.update({i: (cb.scale_min, cb.scale_max) for i in cb.item_ids if i in respondents.columns})
    validate_respondents(respondents, bounds)
    _checkpoint('respondents + schema')
    rejected = _rejected(frame, reject, reason_txt, results)
    log = pd.concat([lg for lg in logs if len(lg)], ignore_index=True) if any(len(lg) for lg in logs) \
        else pd.DataFrame(columns=q.LOG_COLUMNS)
    log = log.reindex(columns=q.LOG_COLUMNS).sort_values(["source_file", "source_row", "rule"], kind="stable")
    uq = pd.concat([r.unit_queries for r in results], ignore_index=True)
    review = _review(uq, registry, regions)
    summary["unit_review_rows"] = len(review)
    summary["duplicate_note"] = dup.note
    _checkpoint('rejected + log')
    if write:
        _write_all(study.processed_dir, respondents, rejected, log, summary, review)
        _checkpoint("write")
    out = {"respondents": len(respondents), "rejected": int(reject.sum()), "log_rows": len(log),
           "unit_review": len(review), "files": summary["files"], "out_dir": str(study.processed_dir)}
    if return_tables:
        out["tables"] = {"respondents": respondents, "rejected": rejected, "log": log, "review": review,
                         "unit_rows": frame[["source_file", "source_row", "unit_id"]]}
    return out


def _names(results: list[SourceResult]) -> pd.Series:
    """The raw name cells of every file, aligned with the stacked frame (NA where a
    file has no name column). Used only to build the duplicate fallback key."""
    parts = []
    for r in results:
        col = r.raw.attrs.get("name_column")
        parts.append(r.raw[col].reset_index(drop=True) if col is not None
                     else pd.Series(None, index=range(len(r.raw)), dtype=object))
    return pd.concat(parts, ignore_index=True)


def _stack_reason(results: list[SourceResult], rule: str) -> pd.Series:
    parts = [r.reasons.get(rule, pd.Series(False, index=r.frame.index)).reset_index(drop=True) for r in results]
    return pd.concat(parts, ignore_index=True)


# ----------------------------------------------------------------------------------------------
REGION_PREFIX = r"^(pemerintah|pemkab|pemkot|pemprov|kabupaten|kab|kota|provinsi|prov)-"


def _region_lookup(study: Study) -> dict[str, str]:
    """Slug -> study region id, from each region's id, name and ``aliases`` (study
    file), each also without its kind prefix (``"Pemkab Kukar"`` -> ``kukar``)."""
    out = {}
    raw_regions = {r.get("id") or slugify(r["name"]): r for r in study.raw.get("regions", []) if isinstance(r, dict)}
    for r in study.regions:
        aliases = raw_regions.get(r.id, {}).get("aliases") or []
        for text in (r.id, r.name, *aliases):
            s = slugify(str(text))
            out[s] = r.id
            while True:  # "pemerintah-kabupaten-x" -> "kabupaten-x" -> "x"
                bare = pd.Series([s]).str.replace(REGION_PREFIX, "", regex=True).iloc[0]
                if bare == s:
                    break
                s = bare
                out.setdefault(s, r.id)
    return out


def _map_region(cells: pd.Series, lookup: dict[str, str]) -> pd.Series:
    """Region cells -> study region id (NA when the text names no study region)."""
    uniq = pd.Series(cells.dropna().unique(), dtype="string")
    slug = uniq.map(lambda t: slugify(str(t))).astype("string")
    val = slug.map(lookup)
    for _ in range(2):
        slug = slug.str.replace(REGION_PREFIX, "", regex=True)
        val = val.fillna(slug.map(lookup))
    return cells.map(dict(zip(uniq.tolist(), val.tolist()))).astype("string")


def _region_names(study: Study) -> dict[str, list[str]]:
    """Region id -> the names people append to unit names (name, aliases, bare name)."""
    raw_regions = {r.get("id") or slugify(r["name"]): r for r in study.raw.get("regions", []) if isinstance(r, dict)}
    out = {}
    for r in study.regions:
        names = [r.name, *(raw_regions.get(r.id, {}).get("aliases") or [])]
        bare = [pd.Series([n]).str.replace(r"^(?i:(?:pemerintah|pemkab|pemkot|kabupaten|kab\.?|kota)\s+)+", "",
                                           regex=True).iloc[0] for n in names]
        out[r.id] = list(dict.fromkeys(names + bare + ["Kab. " + b for b in bare] + ["Kota " + b for b in bare]))
    return out


def _match_source_units(uq: pd.DataFrame, registry: pd.DataFrame, manual, study: Study,
                        opts: dict) -> tuple[pd.DataFrame, set]:
    """Match a file's typed unit names within the study's regions; names that
    match nothing there but a registry unit of a region outside the study are
    returned apart (``foreign``) so the rows become ``other_region``."""
    study_regions = {r.id for r in study.regions}
    inside = registry["region_id"].isin(study_regions)
    uo = opts.get("units", {})
    m = match_units(uq, registry[inside], manual, threshold=uo.get("threshold", 90), margin=uo.get("margin", 4),
                    region_names=_region_names(study))
    foreign: set = set()
    if (~inside).any():
        rv = m.loc[m["method"] == "review", ["raw_name"]].assign(region_id=pd.NA)
        if len(rv):
            mo = match_units(rv, registry[~inside], None)
            foreign = set(mo.loc[mo["unit_id"].notna(), "raw_name"])
            m = m[~(m["raw_name"].isin(foreign) & (m["method"] == "review"))]
    return m, foreign


def _read(study: Study, src) -> pd.DataFrame:
    path = study.raw_dir / src.file
    ropts = {k: v for k, v in src.options.items() if k in READER_OPTS}
    return read_table(path, sheet=src.sheet, **ropts)


def _clean_source(study: Study, src, cb: Codebook, registry: pd.DataFrame, manual: pd.DataFrame,
                  key: bytes, regions: dict[str, str], opts: dict, order0: int) -> SourceResult:
    _checkpoint('start')
    raw = _read(study, src)
    path = study.raw_dir / src.file
    n = len(raw)
    mapping = _check_mapping(raw, cb, path)
    checks.raise_errors(checks.source_findings(raw, cb, mapping, path, _unknown_columns(raw, mapping),
                                               cb.safe_columns), f"{src.file} cannot be cleaned")
    inv = {v: k for k, v in mapping.items()}
    rows = raw.attrs.get("header_row", 1) + 1 + np.arange(n)
    df = pd.DataFrame({"source_file": src.file, "source_row": rows.astype("int64"),
                       "instrument": cb.id, "wave": pd.array([src.wave] * n, dtype="Int64"),
                       "_order": order0 + np.arange(n)})
    logs: list[pd.DataFrame] = [_column_log(src.file, raw, mapping, cb)]
    decimal = raw.attrs.get("decimal", ".")

    _checkpoint('read')
    # --- NIP -> respondent id (before anything is logged, so the log carries the id)
    if "nip" in inv:
        norm = nipmod.normalise_nip(raw[inv["nip"]])
    else:
        norm = pd.DataFrame({"nip": pd.Series(pd.NA, index=raw.index, dtype="string"),
                             "status": pd.Series("missing", index=raw.index, dtype="string")})
    usable = norm["nip"].notna()
    df["respondent_id"] = nipmod.respondent_ids(norm["nip"], usable, src.file, df["source_row"], key).to_numpy()
    df["id_from_nip"] = usable.to_numpy()

    _checkpoint('nip + pseudonym')
    # --- fields
    for name, spec_raw in ((f, inv[f]) for f in cb.fields if f in inv and f not in PERSONAL
                           and not cb.fields[f].personal and f not in ("unit", "region")):
        res = cb.field_values(name, raw[spec_raw], decimal=decimal)
        df[name] = res["value"].to_numpy()
        bad = res["problem"].notna().to_numpy()
        if bad.any():
            if "expected" in res.columns:  # a date/time in no expected format: the log names the format
                logs.append(q.log_frame(df, bad, spec_raw, raw[spec_raw], "expected " + res["expected"],
                                        "bad_datetime", "set_missing"))
            else:
                logs.append(q.log_frame(df, bad, spec_raw, raw[spec_raw], "", "unknown_label", "set_missing"))
    # derived fields: what the export gives in another form
    if "duration_s" not in df.columns and {"started_at", "submitted_at"} <= set(df.columns):
        df["duration_s"] = (df["submitted_at"] - df["started_at"]).dt.total_seconds()
    if "duration_s" not in df.columns and "duration_min" in df.columns:
        df["duration_s"] = df["duration_min"] * 60.0
    ref = df["submitted_at"] if "submitted_at" in df.columns else None
    if ref is None or ref.isna().all():
        ref = pd.Series(pd.Timestamp(f"{src.wave}-07-01") if src.wave else pd.Timestamp.today().normalize(),
                        index=df.index)
    ref = ref.fillna(ref.max())
    if "age" not in df.columns and "birth_date" in df.columns:
        df["age"] = np.floor((ref - df["birth_date"]).dt.days / 365.2425)
    if "age" not in df.columns and "birth_year" in df.columns:
        df["age"] = ref.dt.year - df["birth_year"]

    _checkpoint('fields')
    # --- NIP checks, logged without the clear NIP
    st = norm["status"]
    for status, action in (("formatted", "normalise"), ("excel_recovered", "normalise"),
                           ("unrecoverable", "flag")):
        m = (st == status).to_numpy()
        if m.any():
            logs.append(q.log_frame(df, m, inv.get("nip", "nip"), "<NIP>",
                                    "18-digit NIP" if action == "normalise" else "id from source row",
                                    f"nip_{status}", action))
    # a TMT after the survey is impossible; the wave's year end is the reference
    # (a submission date would flag appointments made later the same year)
    parsed = nipmod.parse_nip(norm["nip"], reference=pd.Timestamp(f"{src.wave}-12-31") if src.wave else ref.max())
    if "status" in df.columns:
        # the NI PPPK of contract staff does not carry a CPNS appointment date
        pppk = (df["status"] == "PPPK").fillna(False).to_numpy() & parsed["problem"].str.startswith("tmt").fillna(False).to_numpy()
        parsed.loc[pppk, "problem"] = pd.NA
    bad = parsed["problem"].notna().to_numpy()
    if bad.any():
        logs.append(q.log_frame(df, bad, inv.get("nip", "nip"), "<NIP>", parsed["problem"], "nip_invalid", "flag"))
    cc = nipmod.cross_check(parsed, sex=df.get("sex"), age=df.get("age"), at=ref)
    for col in cc.columns:
        m = cc[col].to_numpy() & parsed["valid"].to_numpy()
        if m.any():
            logs.append(q.log_frame(df, m, col.replace("_mismatch", ""), "", "differs from NIP", f"nip_{col}", "flag"))

    _checkpoint('nip checks')
    # --- items: labels -> values; unknown / out of range set missing and logged
    items = [i for i in cb.item_ids if i in inv]
    for it in items:
        res = cb.response_values(raw[inv[it]])
        df[it] = res["value"].to_numpy()
        for prob in ("unknown_label", "out_of_range"):
            m = (res["problem"] == prob).fillna(False).to_numpy()
            if m.any():
                logs.append(q.log_frame(df, m, inv[it], raw[inv[it]], "", prob, "set_missing"))
    df["answered_share"] = df[items].notna().mean(axis=1) if items else 1.0

    logs += _cell_problem_logs(df, raw, mapping)
    _checkpoint('items')
    # --- region and unit
    region_col = inv.get("region")
    if region_col is not None:
        given = raw[region_col]
        mapped = _map_region(given, regions)
        region = mapped.fillna(src.region) if src.region else mapped  # their own region when in the study
        outside = (given.notna() & (mapped.isna() | ((mapped != src.region) if src.region else False))).fillna(False)
        detail = given
    else:
        region = pd.Series(src.region, index=raw.index, dtype="string")
        outside = pd.Series(False, index=raw.index)
        detail = pd.Series("", index=raw.index)
    df["region_id"] = region.astype("string").to_numpy()
    unit_q = pd.DataFrame(columns=["raw_name", "region_id", "n_rows", "source_file"])
    if "unit" in inv:
        # staff of a study region answering another region's survey are matched in
        # their own region (the row is still rejected as other_region); staff of a
        # region outside the study have no unit in the registry: not matched, not reviewed
        elsewhere = outside.fillna(False).to_numpy() & df["region_id"].isna().to_numpy() if region_col is None \
            else (raw[region_col].notna() & _map_region(raw[region_col], regions).isna()).to_numpy()
        names = raw[inv["unit"]].str.strip().mask(elsewhere)
        uq = pd.DataFrame({"raw_name": names, "region_id": df["region_id"].to_numpy()})
        m, foreign = _match_source_units(uq, registry, manual, study, opts)
        if foreign:
            f = uq["raw_name"].isin(foreign).to_numpy()
            outside = outside | f
            detail = detail.where(~f, "unit " + uq["raw_name"] + " is outside the study's regions")
        j = uq.merge(m, on=["raw_name", "region_id"], how="left")
        df["unit_id"] = j["unit_id"].astype("string").to_numpy()
        utype = dict(zip(registry["unit_id"].astype("string"), registry["unit_type"]))
        df["unit_type"] = df["unit_id"].map(utype).astype("string")
        for method, action in (("normalised", "recode"), ("alias", "recode"), ("fuzzy", "recode"),
                               ("manual", "recode"), ("review", "flag")):
            mm = (j["method"] == method).fillna(False).to_numpy()
            if mm.any():
                logs.append(q.log_frame(df, mm, inv["unit"], uq["raw_name"],
                                        j["unit_id"].fillna("").astype("string") + (
                                            " (" + j["score"].round(0).astype("Int64").astype("string") + ")")
                                        .fillna(""), f"unit_{method}", action))
        counts = uq.groupby(["raw_name", "region_id"], dropna=False).size().rename("n_rows").reset_index()
        unit_q = m.merge(counts, on=["raw_name", "region_id"], how="left").assign(source_file=src.file)
    else:
        df["unit_id"] = pd.Series(pd.NA, index=df.index, dtype="string")
        df["unit_type"] = pd.Series(pd.NA, index=df.index, dtype="string")

    _checkpoint('units')
    # --- rules within the file
    reasons: dict[str, pd.Series] = {}
    rule_results = []
    malformed = _malformed_rows(df, raw)
    r = q.blank_rows(df, raw, opts["blank_row"])
    if malformed is not None:  # a row the reader could not split is malformed, not blank
        r.reject = r.reject & ~malformed.reject
        r.log = r.log[~r.log["source_row"].isin(df.loc[malformed.reject, "source_row"])]
        r.flagged = int(r.reject.sum())
        rule_results.append(malformed)
    rule_results.append(r)
    not_blank = pd.Series(~raw.isna().all(axis=1).to_numpy(), index=df.index)
    area_res, empty_res = q.missing_items(df, df[items], cb.areas(), opts["missing_items"]) if items else (
        q._off("missing_items", df, "no items"), q._off("no_items", df, "no items"))
    empty_res.reject = empty_res.reject & not_blank
    empty_res.log = empty_res.log[~empty_res.log["source_row"].isin(df.loc[~not_blank, "source_row"])]
    empty_res.flagged = int(empty_res.reject.sum()) if opts["missing_items"].get("reject_empty", True) else empty_res.flagged
    rule_results += [area_res, empty_res]
    elig = not_blank & ~empty_res.reject
    rule_results.append(q.speeders(df, opts["speeder"], eligible=elig))
    if cb.kind == "survey":
        _warn_rule_off(rule_results[-1], df, raw, src.file, opts["speeder"], logs)
    if items:
        rule_results.append(q.straightliners(df, df[items], cb.areas(), opts["straightliner"]))
    rule_results.append(q.other_region(df, outside.fillna(False), detail, opts["other_region"]))
    for rr in rule_results:
        rej = rr.reject.fillna(False).astype(bool) & (not_blank if rr.rule not in ("blank_row", "malformed_row")
                                                      else True)
        reasons[rr.rule] = rej
        if rr.rule not in ("blank_row", "malformed_row"):
            rr.log = rr.log[~rr.log["source_row"].isin(df.loc[~not_blank, "source_row"])]
        logs.append(rr.log)

    _checkpoint('rules')
    # raw text for rejected.parquet: personal columns are replaced by the pseudonym
    # when the rejected rows are taken (no copy of a million raw rows here)
    raw.attrs["personal_columns"] = [inv[f.name] for f in cb.fields.values()
                                     if (f.personal or f.name in PERSONAL) and f.name in inv]
    _mark_publishable(raw, mapping, cb)
    raw.attrs["name_column"] = inv.get("name")
    raw_out = raw
    summary = {"raw_rows": n, "header_row": raw.attrs.get("header_row"), "instrument": cb.id,
               "columns_mapped": len(mapping), "items_found": len(items),
               "ignored_columns": [c for c in raw.columns if c not in mapping],
               "dropped_columns": [c for c in _unknown_columns(raw, mapping) if c not in cb.safe_columns],
               "masked_nip_columns": raw.attrs.get("masked_columns", []),
               "missing_items": [i for i in cb.item_ids if i not in inv],
               "nip_status": {k: int(v) for k, v in norm["status"].value_counts().items()},
               "notes": {rr.rule: rr.note for rr in rule_results if rr.note},
               "found": {rr.rule: int(rr.flagged) for rr in rule_results},
               "actions": {rr.rule: opts.get(rr.rule, {}).get("action", "reject") for rr in rule_results}}
    return SourceResult(src.file, df, raw_out, reasons, logs, summary, items, unit_q)


def _check_mapping(raw: pd.DataFrame, cb: Codebook, path: Path) -> dict[str, str]:
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
                         column=missing[0], expected=_expect(cb, missing[0]))
    if cb.kind == "survey" and not any(t in set(cb.item_ids) for t in mapping.values()):
        raise InputError("no item column of the instrument found", file=path, row=raw.attrs.get("header_row", 1),
                         column=str(list(raw.columns)[:3]),
                         expected=f"headers of {cb.id} items, e.g. {cb.items['id'].iloc[0]!r} or its aliases")
    return mapping


def _malformed_rows(df: pd.DataFrame, raw: pd.DataFrame):
    """Rows the reader could not split into cells (``attrs["malformed_rows"]``: an
    unclosed quote, more cells than the header): always rejected, with the
    reader's reason in the cleaning log."""
    bad = raw.attrs.get("malformed_rows") or {}
    if not bad:
        return None
    mask = np.zeros(len(df), dtype=bool)
    mask[list(bad)] = True
    reason = pd.Series("", index=df.index, dtype="object")
    reason.iloc[list(bad)] = list(bad.values())
    log = q.log_frame(df, mask, "*", "", reason, "malformed_row", "reject")
    return q.RuleResult("malformed_row", pd.Series(mask, index=df.index), log, int(mask.sum()),
                        f"{int(mask.sum())} row(s) the reader could not split into cells")


def _warn_rule_off(rr, df: pd.DataFrame, raw: pd.DataFrame, file: str, opts: dict, logs: list) -> None:
    """A rule the study enabled that cannot run on this file is said, never silent:
    a warning and a cleaning-log row at the header row."""
    if not opts.get("enabled", True) or not (rr.note or "").startswith("rule off"):
        return
    if "only" in rr.note:  # the columns are there but their times did not parse: say it loudly
        import warnings

        warnings.warn(f"{file}: {rr.rule}: {rr.note}", stacklevel=2)
    logs.append(pd.DataFrame({"source_file": [file], "source_row": [raw.attrs.get("header_row", 1)],
                              "respondent_id": [""], "column": ["duration_s"], "old_value": [""],
                              "new_value": [rr.note], "rule": [rr.rule], "action": ["off"]}, columns=q.LOG_COLUMNS))


def _cell_problem_logs(df: pd.DataFrame, raw: pd.DataFrame, mapping: dict[str, str]) -> list[pd.DataFrame]:
    """Cleaning-log rows for the reader's cell problems (xlsx error cells such as
    ``#N/A`` and formulas saved without a value): the cell was read as missing."""
    probs = [p for p in raw.attrs.get("cell_problems", []) if p["column"] in mapping and 0 <= p["index"] < len(df)]
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


def _unknown_columns(raw: pd.DataFrame, mapping: dict[str, str]) -> list[str]:
    return [c for c in raw.columns if c not in mapping]


def _mark_publishable(raw: pd.DataFrame, mapping: dict[str, str], cb: Codebook) -> None:
    """Which raw columns may appear in rejected.parquet: those the codebook maps or
    lists under ``safe_columns``. Any of them whose cells look like NIPs (a
    supervisor's NIP under a known header, a safe column holding NIPs) is masked."""
    keep = [c for c in raw.columns if c in mapping or c in cb.safe_columns]
    personal = set(raw.attrs.get("personal_columns", []))
    raw.attrs["publishable_columns"] = keep
    raw.attrs["masked_columns"] = checks.nip_like_columns(raw, [c for c in keep if c not in personal])


def _column_log(file: str, raw: pd.DataFrame, mapping: dict[str, str], cb: Codebook) -> pd.DataFrame:
    """One cleaning-log row per raw column dropped because the codebook does not know
    it (at the header row), so the log says what never reached any output."""
    hdr = raw.attrs.get("header_row", 1)
    dropped = [c for c in _unknown_columns(raw, mapping) if c not in cb.safe_columns]
    nip_like = set(checks.nip_like_columns(raw, dropped))
    return pd.DataFrame({"source_file": file, "source_row": hdr, "respondent_id": "", "column": dropped,
                         "old_value": "", "new_value": ["looks like NIPs: personal" if c in nip_like else ""
                                                        for c in dropped],
                         "rule": "unknown_column", "action": "drop"}, columns=q.LOG_COLUMNS)


def _expect(cb: Codebook, name: str) -> str:
    spec = cb.fields.get(name)
    names = [name, *(spec.aliases if spec else ())]
    return "a column named " + " or ".join(repr(a) for a in names[:4])


# ----------------------------------------------------------------------------------------------
def _summary(results, frame, reasons, reject, dup) -> dict:
    files = {}
    for r in results:
        m = (frame["source_file"] == r.file).to_numpy()
        found = dict(r.summary["found"])
        found["duplicate"] = int(dup.reject.to_numpy()[m].sum())
        s = dict(r.summary)
        s.update(kept=int((m & ~reject).sum()), rejected=int((m & reject).sum()), found=found,
                 rejected_by_rule={k: int(v.to_numpy(dtype=bool)[m].sum()) for k, v in reasons.items()})
        files[r.file] = s
    total = {k: sum(f[k] for f in files.values()) for k in ("raw_rows", "kept", "rejected")}
    return {"files": files, "total": total}


def _respondents(frame: pd.DataFrame, keep: np.ndarray, results) -> pd.DataFrame:
    """The kept rows in the column order of docs/architecture.md, one copy only."""
    items = list(dict.fromkeys(i for r in results for i in r.items))
    cols = ID_COLUMNS + FIELD_COLUMNS + items + [c for c in HR_COLUMNS if c in frame.columns]
    out = {}
    idx = np.flatnonzero(keep)
    for c in cols:
        if c not in frame.columns:
            col = pd.Series(np.nan if c in items or c in ("duration_s", "age") else pd.NA, index=range(len(idx)))
        else:
            col = frame[c].take(idx).reset_index(drop=True)
        if c in ("source_file", "instrument", "region_id", "unit_id", "unit_type", "sex", "education", "golongan",
                 "position_type", "status", "respondent_id"):
            col = col.astype("string")
        elif c == "submitted_at":
            col = pd.to_datetime(col)
        elif c in ("duration_s", "age") or c in items:
            col = col.astype("float64") if col.dtype == "float64" else pd.to_numeric(col).astype("float64")
        out[c] = col
    return pd.DataFrame(out)


def _rejected(frame, reject, reason_txt, results) -> pd.DataFrame:
    parts = []
    for r in results:
        m = (frame["source_file"] == r.file).to_numpy() & reject
        if not m.any():
            continue
        local = m[(frame["source_file"] == r.file).to_numpy()]
        # only columns the codebook knows (or marks safe) leave the raw file; personal
        # ones carry the pseudonym, NIP-looking ones a placeholder
        keep = r.raw.attrs.get("publishable_columns", list(r.raw.columns))
        raw = r.raw.loc[local, keep].reset_index(drop=True)
        for col in r.raw.attrs.get("personal_columns", []):
            if col in raw.columns:
                raw[col] = frame.loc[m, "respondent_id"].to_numpy()
        for col in r.raw.attrs.get("masked_columns", []):
            if col in raw.columns:
                raw[col] = raw[col].mask(raw[col].notna(), "<NIP>")
        head = pd.DataFrame({"source_file": r.file, "source_row": frame.loc[m, "source_row"].to_numpy(),
                             "respondent_id": frame.loc[m, "respondent_id"].to_numpy(),
                             "reasons": reason_txt[m].to_numpy()})
        parts.append(pd.concat([head, raw.add_prefix("raw:")], axis=1))
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in ("source_file", "source_row", "respondent_id",
                                                                    "reasons")})
    out = pd.concat(parts, ignore_index=True)
    for c in out.columns:
        if c != "source_row":
            out[c] = out[c].astype("string")
    return out


def _review(uq: pd.DataFrame, registry: pd.DataFrame, regions) -> pd.DataFrame:
    if uq.empty:
        return pd.DataFrame(columns=["source_file", *REVIEW_COLUMNS])
    counts = uq[["raw_name", "region_id", "n_rows"]].groupby(["raw_name", "region_id"], dropna=False)["n_rows"] \
        .sum().reset_index()
    files = uq.groupby(["raw_name", "region_id"], dropna=False)["source_file"].agg(
        lambda s: "|".join(sorted(set(s)))).reset_index()
    m = uq.drop(columns=["n_rows", "source_file"]).drop_duplicates(["raw_name", "region_id"])
    rv = review_table(m, counts, registry)
    return files.merge(rv, on=["raw_name", "region_id"], how="inner")[["source_file", *rv.columns]]


def _write_all(out_dir: Path, respondents, rejected, log, summary, review) -> None:
    """Write the five outputs to temporary files; replace the old ones only when
    all five were written (ExitStack closes the atomic paths in reverse order)."""
    import json

    from .io import _json_default, _nan_to_none

    out_dir.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        tmp = {name: stack.enter_context(atomic_path(out_dir / name)) for name in
               ("respondents.parquet", "rejected.parquet", "cleaning_log.csv", "cleaning_summary.json",
                "unit_match_review.csv")}
        respondents.to_parquet(tmp["respondents.parquet"], index=False)
        rejected.to_parquet(tmp["rejected.parquet"], index=False)
        log.to_csv(tmp["cleaning_log.csv"], index=False)
        tmp["cleaning_summary.json"].write_text(json.dumps(_nan_to_none(summary), indent=2, sort_keys=True,
                                                           ensure_ascii=False, default=_json_default) + "\n",
                                                encoding="utf-8")
        review.to_csv(tmp["unit_match_review.csv"], index=False)


# ----------------------------------------------------------------------------------------------
def validate(study: Study) -> list[checks.Finding]:
    """Every problem in the study's configuration and raw inputs; writes nothing.

    Returns :class:`helpers.checks.Finding` items (``str()`` gives the line to
    print): errors stop ``run`` before any stage, warnings are faults a cleaning
    rule handles and logs. Configuration checks come from
    :func:`helpers.checks.config_findings` (the same ones ``run`` applies first),
    file checks from :func:`helpers.checks.source_findings` (the same ones stage
    01 applies to each file), then per file: unknown labels and out-of-range
    values grouped by value, region values outside the study and unit names that
    need review.
    """
    found: list[checks.Finding] = checks.config_findings(study)
    registry = None
    if not any(f.is_error and f.column in ("unit_id", "registry") for f in found):
        try:
            registry = load_registry(study.registry_path)
        except InputError:
            registry = None  # already reported by config_findings
    manual = None
    if registry is not None:
        try:
            manual = load_manual_aliases(manual_aliases_path(study.id), registry)
        except InputError as exc:
            found.append(checks._from_exc(exc))
    regions = _region_lookup(study)
    err = checks.ERROR
    for src in study.sources:
        path = study.raw_dir / src.file
        if not path.exists():
            continue  # reported by config_findings
        try:
            cb = load_codebook(src.instrument)
            raw = _read(study, src)
        except InputError as exc:
            found.append(checks._from_exc(exc))
            continue
        hdr = raw.attrs.get("header_row", 1)
        rel = checks._rel(path)
        for d in raw.attrs.get("duplicated_headers", []):
            found.append(checks.Finding(err, "duplicated column header", rel, hdr, d, expected="each column once"))
        found += checks.reader_findings(raw, rel)
        try:
            mapping = cb.map_headers(list(raw.columns))
        except InputError as exc:
            found.append(checks.Finding(err, exc.message, rel, hdr, exc.column, exc.expected, exc.found))
            continue
        for f in cb.missing_required(mapping):
            found.append(checks.Finding(err, "required column missing", rel, hdr, f, expected=_expect(cb, f)))
        if cb.kind == "survey" and not any(t in set(cb.item_ids) for t in mapping.values()):
            found.append(checks.Finding(err, "no item column of the instrument found", rel, hdr,
                                        expected=f"headers of {cb.id} items or their aliases"))
        found += checks.source_findings(raw, cb, mapping, path, _unknown_columns(raw, mapping), cb.safe_columns)
        found += checks.label_findings(raw, cb, mapping, path, personal=tuple(PERSONAL))
        inv = {v: k for k, v in mapping.items()}
        rows = hdr + 1 + np.arange(len(raw))
        speeder = q.options(study.option("quality", default={}))["speeder"]
        if cb.kind == "survey" and speeder.get("enabled", True) and not (
                {"duration_s", "duration_min"} & set(inv) or {"started_at", "submitted_at"} <= set(inv)):
            found.append(checks.Finding(checks.WARNING, "no duration or start/end time column: the speeder rule "
                                        "is off for this file", rel, hdr, expected="a duration column or start "
                                        "and end times (fields duration_s / started_at + submitted_at)"))
        if "region" in inv:
            mapped = _map_region(raw[inv["region"]], regions)
            bad = raw[inv["region"]].notna() & mapped.isna()
            if bad.any():
                found.append(checks.Finding(
                    checks.WARNING, f"{int(bad.sum())} row(s) name a region outside the study (rejected as "
                                    "other_region)", rel, int(rows[bad.to_numpy()][0]), inv["region"],
                    expected="one of " + ", ".join(r.name for r in study.regions), found=raw[inv["region"]][bad].iloc[0]))
        if "unit" in inv and registry is not None:
            # as in run(): each row in the region it declares; rows from outside the study skipped
            region = pd.Series(src.region, index=raw.index, dtype="string")
            names = raw[inv["unit"]].str.strip()
            if "region" in inv:
                mapped = _map_region(raw[inv["region"]], regions)
                region = mapped.fillna(src.region) if src.region else mapped
                names = names.mask(raw[inv["region"]].notna() & mapped.isna())
            uq = pd.DataFrame({"raw_name": names, "region_id": region}).dropna(subset=["raw_name"])
            m, _ = _match_source_units(uq, registry, manual, study, q.options(study.option("quality", default={})))
            rv = m[m["method"] == "review"]
            if len(rv):
                found.append(checks.Finding(
                    checks.WARNING, f"{len(rv)} unit name(s) need a person's decision (e.g. {rv['raw_name'].iloc[0]!r}); "
                                    "their rows keep no unit until then", rel, None, inv["unit"],
                    expected=f"a registry unit; add them to {checks._rel(manual_aliases_path(study.id))}"))
    return found


def _expected_values(cb: Codebook, target: str) -> str:
    if target in cb.item_ids:
        labels = [str(v[0]) for v in cb.responses.values() if v][:5]
        rng = f"{cb.scale_min:g}-{cb.scale_max:g}" if cb.scale_min is not None else "a value"
        return f"{rng} or a label such as {', '.join(labels)}" if labels else rng
    spec = cb.fields.get(target)
    if spec and spec.values:
        return "one of " + ", ".join(map(str, spec.values))
    return f"a valid {target}"
