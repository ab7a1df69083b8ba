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
import resource
import shutil
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .. import checks
from . import nip as nipmod
from . import quality as q
from .codebook import Codebook, load_codebook
from ..errors import InputError
from ..io import atomic_path, replace_dir
from .readers import read_table
from ..registry import load_registry
from .schema import validate_respondents
from ..study import Study, slugify
from .units import (
    REVIEW_COLUMNS,
    UnitMatcher,
    load_manual_aliases,
    manual_aliases_path,
    review_table,
)

FIELD_COLUMNS = ["submitted_at", "duration_s", "sex", "age", "education", "golongan", "position_type", "status"]
HR_COLUMNS = ["skp_score", "skp_predikat", "sanction", "leadership_training", "functional_training",
              "technical_jp", "seminars_2y"]
HR_TYPES = {"skp_score": pa.float64(), "skp_predikat": pa.string(), "sanction": pa.string(),
            "leadership_training": pa.bool_(), "functional_training": pa.bool_(), "technical_jp": pa.float64(),
            "seminars_2y": pa.float64()}
ID_COLUMNS = ["respondent_id", "source_file", "source_row", "instrument", "wave", "region_id", "unit_id",
              "unit_type"]
STRING_COLUMNS = ("source_file", "instrument", "region_id", "unit_id", "unit_type", "sex", "education", "golongan",
                  "position_type", "status", "respondent_id")
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
@dataclass
class RunContext:
    """What is per run, per registry, per instrument or per region: built once by
    :func:`context`, shared by every source (``_clean_source`` is then linear in
    the source's rows)."""

    study: Study
    opts: dict
    registry: pd.DataFrame
    manual: pd.DataFrame
    key: bytes
    regions: dict[str, str]  # slug -> region id
    codebooks: dict[str, Codebook]
    inside: UnitMatcher  # units of the study's regions
    outside: UnitMatcher | None  # units of other regions (rows that become other_region)
    utype: dict[str, str]

    def codebook(self, instrument: str) -> Codebook:
        if instrument not in self.codebooks:
            self.codebooks[instrument] = load_codebook(instrument)
        return self.codebooks[instrument]


def context(study: Study) -> RunContext:
    """Load the registry, manual unit decisions, pseudonym key and region names
    once for the run; codebooks are loaded on first use and kept."""
    opts = q.options(study.option("quality", default={}))
    registry = load_registry(study)
    manual = load_manual_aliases(manual_aliases_path(study.id), registry)
    inside, outside = _unit_matchers(study, registry, manual, opts)
    return RunContext(study=study, opts=opts, registry=registry, manual=manual, key=nipmod.load_key(),
                      regions=_region_lookup(study), codebooks={}, inside=inside, outside=outside,
                      utype=dict(zip(registry["unit_id"].astype("string"), registry["unit_type"])))


#: the columns of a source kept for the study-wide duplicate rule: keys, not answers
KEY_COLUMNS = ["respondent_id", "id_from_nip", "source_file", "source_row", "answered_share", "submitted_at",
               "_order", "_source"]


def run(study: Study, write: bool = True, return_tables: bool = False) -> dict:
    """Clean every source of ``study``; write the five outputs; return a summary
    (counts; with ``return_tables`` also the tables themselves, for tests and the notebook).

    One source at a time (memory bounded by the largest source): each is read,
    mapped, checked by the within-file rules, and its surviving rows are staged
    as Parquet; only their pseudonym keys stay in memory. The duplicate rule then
    runs over the keys of every file, and each staged source is written, without
    its duplicates, into the ``respondents.parquet`` dataset partitioned by region.
    """
    # the configuration checks of `validate` (misspelt keys, unknown components, registry...)
    checks.raise_errors(checks.config_findings(study, stage="01_clean"), "the study cannot be cleaned")
    ctx = context(study)
    opts = ctx.opts
    scope = [c for c in opts["duplicate"].get("scope", ["instrument", "wave"])]
    out_dir = Path(study.processed_dir)
    fresh = write and not out_dir.exists()  # a run that fails leaves no empty output folder behind
    tmp_root = Path(tempfile.mkdtemp(prefix=".clean-", dir=_mkdir(out_dir) if write else None))
    try:
        staged = tmp_root / "staged"
        staged.mkdir()
        summaries, keys, logs, rejected, reviews, unit_rows, items = {}, [], [], [], [], [], {}
        raw_keep: dict[int, pd.DataFrame] = {}  # raw rows that may become duplicates
        seen: set = set()
        order0 = 0
        for i, src in enumerate(study.sources):
            res = _clean_source(ctx, src, order0)
            order0 += len(res.frame)
            for it in res.items:
                items.setdefault(it, None)
            reject, reason_txt = _within_file_rejects(res)
            eligible = pd.Series(~reject, index=res.frame.index)
            names = _names(res)
            fb = q.fallback_keys(res.frame, names, eligible, opts["duplicate"])
            k = res.frame.loc[eligible.to_numpy(), [c for c in KEY_COLUMNS + scope if c in res.frame.columns
                                                    and c != "_source"]].assign(_source=i)
            k["_fallback"] = fb[eligible.to_numpy()].to_numpy()
            keys.append(k)
            # the raw text of rows whose person may be met again (here or in an earlier file)
            person = k["respondent_id"].where(k["id_from_nip"], None)
            pk = pd.concat([person.dropna(), k["_fallback"].dropna().astype("string")])
            pkl = pk.tolist()
            met = np.fromiter((x in seen for x in pkl), dtype=bool, count=len(pkl))
            maybe = pk[pk.duplicated(keep=False).to_numpy() | met].index.unique()
            seen.update(pkl)
            raw_keep[i] = _raw_rows(res, res.frame.index.isin(maybe))
            rejected.append(_rejected_part(res, reject, reason_txt))
            logs.append([lg for lg in res.logs if len(lg)])
            reviews.append(res.unit_queries)
            if return_tables:
                unit_rows.append(res.frame[["source_file", "source_row", "unit_id"]])
            summaries[src.file] = (res.summary, int(len(res.frame)), {r: m.to_numpy(dtype=bool)
                                                                     for r, m in res.reasons.items()})
            _stage(res, eligible.to_numpy(), staged / f"{i:05d}.parquet")
            del res  # free the source before the next one is read
            _checkpoint("staged")

        # duplicates across every file, on the pseudonym keys alone
        kt = pd.concat(keys, ignore_index=True) if keys else pd.DataFrame(columns=KEY_COLUMNS)
        fb_all = pd.Series(kt.pop("_fallback").to_numpy(), dtype="UInt64") if len(kt) else None
        dup = q.duplicates(kt, pd.Series(True, index=kt.index), opts["duplicate"], fallback=fb_all)
        dup_mask = dup.reject.to_numpy(dtype=bool)
        _checkpoint("duplicates")

        summary = _summary(summaries, kt, dup)
        for f, s in summary["files"].items():  # the invariant, enforced before writing
            if s["raw_rows"] != s["kept"] + s["rejected"]:
                raise AssertionError(f"{f}: raw rows {s['raw_rows']} != kept {s['kept']} + rejected {s['rejected']}")

        # rejected duplicates: their raw rows (re-read only if an earlier file's copy lost)
        for i, rows in kt.loc[dup_mask].groupby("_source"):
            part = raw_keep.get(int(i))
            missing = rows[~rows["_order"].isin(part["_order"])] if part is not None else rows
            if len(missing):
                part = _reread_raw(ctx, int(i), missing, part)
            rejected.append(_rejected_duplicates(part[part["_order"].isin(rows["_order"])]))
        raw_keep.clear()

        bounds = {}
        for src in study.sources:
            cb = ctx.codebook(src.instrument)
            if cb.scale_min is not None:
                bounds.update({it: (cb.scale_min, cb.scale_max) for it in cb.item_ids if it in items})
        schema = _respondent_schema(list(items), [staged / f"{i:05d}.parquet" for i in range(len(study.sources))])
        resp_dir = tmp_root / "respondents.parquet"
        drop = dict(iter(kt.loc[dup_mask].groupby("_source")["_order"])) if dup_mask.any() else {}
        n_resp, batch = 0, []
        for i in range(len(study.sources)):
            part = _publish(staged / f"{i:05d}.parquet", set(drop.get(i, ())), schema, resp_dir, i)
            n_resp += len(part)
            batch.append(part)
            # the schema is checked on batches of files: pandera costs per call, not per row
            if sum(map(len, batch)) >= VALIDATE_ROWS or i == len(study.sources) - 1:
                df = pd.concat(batch, ignore_index=True) if len(batch) > 1 else batch[0]
                validate_respondents(df, {k: v for k, v in bounds.items() if k in df.columns})
                batch = []
        if n_resp == 0:  # a dataset needs one file to carry its columns, even when no row is kept
            pq.write_table(schema.empty_table(), _mkdir(resp_dir) / "part-empty.parquet")
        _checkpoint("respondents + schema")

        rej = _concat_rejected(rejected)
        log = _log(logs, dup)
        uq = pd.concat(reviews, ignore_index=True)
        review = _review(uq, ctx.registry, ctx.regions)
        summary["unit_review_rows"] = len(review)
        summary["duplicate_note"] = dup.note
        _checkpoint("rejected + log")
        if write:
            _write_all(out_dir, resp_dir, rej, log, summary, review)
            _checkpoint("write")
        out = {"respondents": n_resp, "rejected": len(rej), "log_rows": len(log),
               "unit_review": len(review), "files": summary["files"], "out_dir": str(out_dir)}
        if return_tables:
            resp = read_respondents(out_dir / "respondents.parquet" if write else resp_dir)
            out["tables"] = {"respondents": resp, "rejected": rej, "log": log, "review": review,
                             "unit_rows": pd.concat(unit_rows, ignore_index=True)}
        return out
    except BaseException:
        if fresh:
            shutil.rmtree(out_dir, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(tmp_root, ignore_errors=True)


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


def _unit_matchers(study: Study, registry: pd.DataFrame, manual, opts: dict) -> tuple:
    """Unit matchers of the study's regions and of the registry's other regions,
    built once per run (the registry side is the costly part of matching)."""
    inside = registry["region_id"].isin({r.id for r in study.regions})
    uo = opts.get("units", {})
    return (UnitMatcher(registry[inside], manual, threshold=uo.get("threshold", 90), margin=uo.get("margin", 4),
                        region_names=_region_names(study)),
            UnitMatcher(registry[~inside]) if (~inside).any() else None)


def _match_source_units(uq: pd.DataFrame, inside: UnitMatcher, outside: UnitMatcher | None
                        ) -> tuple[pd.DataFrame, set]:
    """Match a file's typed unit names within the study's regions; names that
    match nothing there but a registry unit of a region outside the study are
    returned apart (``foreign``) so the rows become ``other_region``."""
    m = inside.match(uq)
    foreign: set = set()
    if outside is not None:
        rv = m.loc[m["method"] == "review", ["raw_name"]].assign(region_id=pd.NA)
        if len(rv):
            mo = outside.match(rv)
            foreign = set(mo.loc[mo["unit_id"].notna(), "raw_name"])
            m = m[~(m["raw_name"].isin(foreign) & (m["method"] == "review"))]
    return m, foreign


def _read(study: Study, src) -> pd.DataFrame:
    path = study.raw_dir / src.file
    ropts = {k: v for k, v in src.options.items() if k in READER_OPTS}
    return read_table(path, sheet=src.sheet, **ropts)


def _clean_source(ctx: RunContext, src, order0: int) -> SourceResult:
    """One source, read and cleaned: every raw row, the within-file rules' verdicts and log."""
    study, cb, key, regions, opts = ctx.study, ctx.codebook(src.instrument), ctx.key, ctx.regions, ctx.opts
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
    values, found = {}, []  # found: (item, problem, row positions), in the log's order
    for it in items:
        res = cb.response_values(raw[inv[it]])
        values[it] = res["value"].to_numpy()
        prob = res["problem"].to_numpy(dtype=object, na_value=None)
        if any(p is not None for p in prob):
            for name in ("unknown_label", "out_of_range"):
                pos = np.flatnonzero(prob == name)
                if len(pos):
                    found.append((it, name, pos))
    if values:
        df = pd.concat([df, pd.DataFrame(values, index=df.index)], axis=1)
    if found:  # one log frame for every item cell set missing (not one per item and problem)
        pos = np.concatenate([f[2] for f in found])
        col = np.concatenate([np.full(len(f[2]), inv[f[0]], dtype=object) for f in found])
        old = np.concatenate([raw[inv[f[0]]].to_numpy(dtype=object)[f[2]] for f in found])
        rule = np.concatenate([np.full(len(f[2]), f[1], dtype=object) for f in found])
        logs.append(pd.DataFrame({"source_file": df["source_file"].to_numpy()[pos],
                                  "source_row": df["source_row"].to_numpy()[pos],
                                  "respondent_id": df["respondent_id"].to_numpy()[pos], "column": col,
                                  "old_value": old, "new_value": "", "rule": rule, "action": "set_missing"}))
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
        m, foreign = _match_source_units(uq, ctx.inside, ctx.outside)
        if foreign:
            f = uq["raw_name"].isin(foreign).to_numpy()
            outside = outside | f
            detail = detail.where(~f, "unit " + uq["raw_name"] + " is outside the study's regions")
        j = uq.merge(m, on=["raw_name", "region_id"], how="left")
        df["unit_id"] = j["unit_id"].astype("string").to_numpy()
        df["unit_type"] = df["unit_id"].map(ctx.utype).astype("string")
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
# the steps of run(), in order
def _mkdir(p: Path) -> Path:
    p.mkdir(parents=True, exist_ok=True)
    return p


def _within_file_rejects(res: SourceResult) -> tuple[np.ndarray, pd.Series]:
    """Rows the within-file rules reject, and their ``;``-joined rule codes."""
    reject = np.zeros(len(res.frame), dtype=bool)
    txt = pd.Series("", index=res.frame.index, dtype="object")
    for rule, m in res.reasons.items():
        mm = m.to_numpy(dtype=bool)
        if mm.any():
            reject |= mm
            txt = txt.where(~mm, txt + np.where(txt == "", "", ";") + rule)
    return reject, txt


def _names(res: SourceResult) -> pd.Series:
    """The raw name cells of a file (NA where it has no name column). Used only
    to build the duplicate fallback key, in memory."""
    col = res.raw.attrs.get("name_column")
    return (pd.Series(res.raw[col].to_numpy(), index=res.frame.index) if col is not None
            else pd.Series(None, index=res.frame.index, dtype=object))


def _raw_rows(res: SourceResult, mask: np.ndarray) -> pd.DataFrame:
    """``source_file, source_row, respondent_id, _order`` + the raw row as text
    (``raw:<header>``) of the rows in ``mask``, personal cells replaced by the pseudonym."""
    mask = np.asarray(mask, dtype=bool)
    # only columns the codebook knows (or marks safe) leave the raw file; personal ones
    # carry the pseudonym, NIP-looking ones a placeholder
    keep = res.raw.attrs.get("publishable_columns", list(res.raw.columns))
    raw = res.raw.loc[mask, keep].reset_index(drop=True)
    rid = res.frame.loc[mask, "respondent_id"].to_numpy()
    return _protect(raw, res.raw.attrs, rid, res.file, res.frame.loc[mask, "source_row"].to_numpy(),
                    res.frame.loc[mask, "_order"].to_numpy())


def _protect(raw: pd.DataFrame, attrs: dict, rid, file, source_row, order) -> pd.DataFrame:
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


def _rejected_part(res: SourceResult, reject: np.ndarray, reason_txt: pd.Series) -> pd.DataFrame:
    part = _raw_rows(res, reject)
    part.insert(3, "reasons", reason_txt[reject].to_numpy())
    return part


def _rejected_duplicates(raw_rows: pd.DataFrame) -> pd.DataFrame:
    part = raw_rows.copy()
    part.insert(3, "reasons", "duplicate")
    return part


def _reread_raw(ctx: RunContext, i: int, rows: pd.DataFrame, part: pd.DataFrame | None) -> pd.DataFrame:
    """The raw rows of source ``i`` that the duplicate rule rejected but were not
    kept aside (the earlier copy of a person met again in a later file): read the
    file again and take those rows (``rows``: their ``source_row``, ``_order`` and
    pseudonym), personal cells replaced by the pseudonym."""
    src = ctx.study.sources[i]
    raw = _read(ctx.study, src)
    cb = ctx.codebook(src.instrument)
    mapping = cb.map_headers(list(raw.columns))
    inv = {v: k for k, v in mapping.items()}
    raw.attrs["personal_columns"] = [inv[f.name] for f in cb.fields.values()
                                     if (f.personal or f.name in PERSONAL) and f.name in inv]
    _mark_publishable(raw, mapping, cb)
    pos = rows["source_row"].to_numpy() - raw.attrs.get("header_row", 1) - 1
    sub = raw.iloc[pos][raw.attrs["publishable_columns"]].reset_index(drop=True)
    more = _protect(sub, raw.attrs, rows["respondent_id"].to_numpy(), src.file, rows["source_row"].to_numpy(),
                    rows["_order"].to_numpy())
    return more if part is None else pd.concat([part, more], ignore_index=True)


def _convert(frame: pd.DataFrame, items: list[str]) -> pd.DataFrame:
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


def _stage(res: SourceResult, keep: np.ndarray, path: Path) -> None:
    """The rows of a source that survived the within-file rules, as Parquet:
    they wait there for the study-wide duplicate rule."""
    _convert(res.frame.loc[keep], res.items).to_parquet(path, index=False)


def _respondent_schema(items: list[str], staged: list[Path]) -> pa.Schema:
    """One Arrow schema for every part of the dataset (a dataset is read with
    the schema of its parts): the columns of docs/architecture.md, each typed as
    the first source that has a value type for it."""
    types: dict[str, pa.DataType] = {}
    for p in staged:
        for f in pq.read_schema(p):
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


def _publish(staged: Path, drop: set, schema: pa.Schema, out: Path, i: int) -> pd.DataFrame:
    """Write a staged source, without its rejected duplicates, into the dataset:
    one file per region, ``<out>/region_id=<id>/part-<i>.parquet`` (the region
    is in the folder name, not in the file). Returns the rows, for the schema check."""
    t = pq.read_table(staged)
    if drop:
        t = t.filter(pc.invert(pc.is_in(t["_order"], pa.array(sorted(drop), t["_order"].type))))
    t = t.drop_columns(["_order"])
    cols = []
    for f in schema:
        cols.append(t[f.name].cast(f.type) if f.name in t.column_names else pa.nulls(len(t), f.type))
    t = pa.table(cols, schema=schema)
    df = t.to_pandas(types_mapper=_string_mapper)
    if len(t) == 0:
        return df
    for r in sorted(pc.unique(t["region_id"]).drop_null().to_pylist()):
        sub = t.filter(pc.equal(t["region_id"], r)).drop_columns(["region_id"])
        pq.write_table(sub, _mkdir(out / f"region_id={r}") / f"part-{i:05d}.parquet")
    return df


def _string_mapper(t: pa.DataType):
    return pd.StringDtype() if pa.types.is_string(t) or pa.types.is_large_string(t) else None


def read_respondents(path: str | Path, regions: list[str] | None = None, columns: list[str] | None = None
                     ) -> pd.DataFrame:
    """``respondents.parquet`` as one DataFrame in the column order and dtypes of
    docs/architecture.md: a dataset partitioned by region (``region_id=<id>/``)
    or, as written before, a single file. ``regions`` reads only those partitions.

    >>> resp = read_respondents(study.processed_dir / "respondents.parquet", regions=["kota-bontang"])  # doctest: +SKIP
    """
    path = Path(path)
    filters = [("region_id", "in", list(regions))] if regions is not None else None
    df = pd.read_parquet(path, columns=columns, filters=filters)
    if "region_id" in df.columns:
        df["region_id"] = df["region_id"].astype("string")
        if columns is None:
            order = [c for c in ID_COLUMNS if c in df.columns]
            df = df[order + [c for c in df.columns if c not in order]]
    return df.reset_index(drop=True)


def _concat_rejected(parts: list[pd.DataFrame]) -> pd.DataFrame:
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


def _log(logs: list[list[pd.DataFrame]], dup: q.RuleResult) -> pd.DataFrame:
    frames = [lg for per in logs for lg in per] + ([dup.log] if len(dup.log) else [])
    if not frames:
        return pd.DataFrame(columns=q.LOG_COLUMNS)
    log = pd.concat(frames, ignore_index=True).reindex(columns=q.LOG_COLUMNS)
    return log.sort_values(["source_file", "source_row", "rule"], kind="stable").reset_index(drop=True)


def _summary(summaries: dict, kt: pd.DataFrame, dup: q.RuleResult) -> dict:
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


def _write_all(out_dir: Path, respondents: Path, rejected, log, summary, review) -> None:
    """Write the four files to temporary files and move the respondents dataset
    (already written beside them) into place; the old outputs are replaced only
    when everything was written (ExitStack closes the atomic paths in reverse order)."""
    import json

    from ..io import _json_default, _nan_to_none

    out_dir.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        tmp = {name: stack.enter_context(atomic_path(out_dir / name)) for name in
               ("rejected.parquet", "cleaning_log.csv", "cleaning_summary.json", "unit_match_review.csv")}
        rejected.to_parquet(tmp["rejected.parquet"], index=False)
        log.to_csv(tmp["cleaning_log.csv"], index=False)
        tmp["cleaning_summary.json"].write_text(json.dumps(_nan_to_none(summary), indent=2, sort_keys=True,
                                                           ensure_ascii=False, default=_json_default) + "\n",
                                                encoding="utf-8")
        review.to_csv(tmp["unit_match_review.csv"], index=False)
        replace_dir(respondents, out_dir / "respondents.parquet")


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
            registry = load_registry(study)
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
    matchers, codebooks = None, {}
    for src in study.sources:
        path = study.raw_dir / src.file
        if not path.exists():
            continue  # reported by config_findings
        try:
            if src.instrument not in codebooks:
                codebooks[src.instrument] = load_codebook(src.instrument)
            cb = codebooks[src.instrument]
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
            if matchers is None:
                matchers = _unit_matchers(study, registry, manual, q.options(study.option("quality", default={})))
            m, _ = _match_source_units(uq, *matchers)
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
