"""Checks of a study's configuration and raw files, shared by ``validate`` and ``run``.

A :class:`Finding` is an ``error`` (the pipeline cannot give a right answer: it
stops before any stage runs) or a ``warning`` (a cleaning rule handles it and
logs it; worth knowing, not blocking). ``python -m helpers validate`` prints
both and exits 1 only when there are errors; ``run`` calls :func:`preflight`
(every configuration check, no survey file read) and stage 01 calls
:func:`source_findings` on each file it reads, so the two commands apply the
same checks and cannot disagree.

Configuration checks (:func:`config_findings`): unknown or misspelt keys of the
study file and of its ``quality:`` / ``report:`` blocks, missing raw files,
every codebook and index spec the study names (loads, item areas declared in
the codebook's ``areas:``, spec items that no codebook of the index has, gaps
and overlaps between category bands), targets naming an unknown region, index
or component, and the unit registry (readable, unit ids unique, unit types
known to ``config/unit_types.yaml``).

File checks (:func:`source_findings`): no data rows, only blank rows, duplicated
or missing required columns, no item or unit column, items the codebook has
that match no column, areas with no item column, unknown labels and
out-of-range values grouped by value over columns, columns dropped because the
codebook does not know them, and columns that look like NIPs.
"""
from __future__ import annotations

import difflib
import re
import weakref
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import paths
from .errors import ConfigError, InputError

ERROR, WARNING = "error", "warning"

STUDY_KEYS = {"id", "title", "description", "synthetic", "registry", "regions", "sources", "indices",
              "targets", "quality", "report", "indices_options", "compare", "design",
              "notes"}
REPORT_KEYS = {"min_cell", "lang", "alpha", "headline_index", "logo", "author", "contact"}
REGION_KEYS = {"id", "name", "kind", "province", "aliases"}
SOURCE_KEYS = {"file", "instrument", "region", "wave", "sheet", "header_row", "delimiter", "encoding",
               "decimal", "notes"}
NIP_LIKE = re.compile(r"^\s*'?(?:19|20)\d{6}[\s.\-]?(?:19|20)\d{4}[\s.\-]?[12][\s.\-]?\d{3}\s*$")


@dataclass
class Finding:
    """One problem: where it is, what was expected and how many cells it covers."""

    severity: str  # error | warning
    message: str
    file: str | Path | None = None
    row: int | None = None
    column: str | None = None
    expected: str | None = None
    found: object | None = None

    def __str__(self) -> str:
        return str(InputError(self.message, file=self.file, row=self.row, column=self.column,
                              expected=self.expected, found=self.found))

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR


def _from_exc(exc: InputError, severity: str = ERROR) -> Finding:
    return Finding(severity, exc.message, exc.file, exc.row, exc.column, exc.expected, exc.found)


def _rel(path: Path | str | None) -> str | None:
    if path is None:
        return None
    p = Path(path)
    root = paths.project_root()
    return str(p.relative_to(root)) if p.is_absolute() and p.is_relative_to(root) else str(p)


def _unknown_keys(data: dict, known: set, file, where: str) -> list[Finding]:
    """Keys not in ``known``: an error when close to a known key (a typo such as
    ``qualty:`` would silently switch off what the user configured), else a warning."""
    out = []
    for k in data:
        if k in known:
            continue
        close = difflib.get_close_matches(str(k), sorted(known), n=1, cutoff=0.75)
        col = f"{where}.{k}" if where else str(k)
        if close:
            out.append(Finding(ERROR, "unknown key (misspelt?); it would be ignored", file, None, col,
                               expected=f"{where + '.' if where else ''}{close[0]}"))
        else:
            out.append(Finding(WARNING, "unknown key, ignored", file, None, col,
                               expected="one of " + ", ".join(sorted(known))))
    return out


def known_unit_types() -> set[str]:
    from .vocabulary import unit_types

    return set(unit_types())


# ----------------------------------------------------------------------------------------------
# configuration
# ----------------------------------------------------------------------------------------------
def config_findings(study, stage: str | None = None) -> list[Finding]:
    """Every configuration problem of ``study`` (a :class:`helpers.study.Study`);
    reads YAML and the unit registry, never a survey file. ``stage="01_clean"``
    leaves out the index specs and targets, which stage 01 does not read."""
    from .clean import quality as q
    from .clean.codebook import load_codebook

    f = study.config_file
    raw = study.raw
    out = _unknown_keys(raw, STUDY_KEYS, f, "")
    if isinstance(raw.get("quality"), dict):
        known = set(q.DEFAULTS) | set(q.FLAT_KEYS) | {"units"}
        out += _unknown_keys(raw["quality"], known, f, "quality")
        for rule, opts in raw["quality"].items():
            if rule in q.DEFAULTS and isinstance(opts, dict):
                out += _unknown_keys(opts, set(q.DEFAULTS[rule]) | {"enabled", "action", "keys", "keep"}, f,
                                     f"quality.{rule}")
    if isinstance(raw.get("report"), dict):
        out += _unknown_keys(raw["report"], REPORT_KEYS, f, "report")
    for i, r in enumerate(raw.get("regions") or []):
        if isinstance(r, dict):
            out += _unknown_keys(r, REGION_KEYS, f, f"regions[{i}]")
    for i, s in enumerate(raw.get("sources") or []):
        if isinstance(s, dict):
            out += _unknown_keys(s, SOURCE_KEYS, f, f"sources[{i}]")

    # raw files and codebooks
    codebooks = {}
    for i, src in enumerate(study.sources):
        path = study.raw_dir / src.file
        if not path.exists():
            out.append(Finding(ERROR, "raw file not found", _rel(path), None, f"sources[{i}].file",
                               expected=f"the export in {_rel(study.raw_dir)}/"))
        if src.instrument not in codebooks:
            try:
                codebooks[src.instrument] = load_codebook(src.instrument)
            except ConfigError as exc:
                out.append(_from_exc(exc))
                codebooks[src.instrument] = None
    for cb in (c for c in codebooks.values() if c is not None):
        out += codebook_findings(cb)

    if stage == "01_clean":
        return out + registry_findings(study)
    # the survey design (every wave's merged block)
    from .design import design_spec

    waves = {None} | {s.wave for s in study.sources if s.wave is not None}
    for w in waves:
        try:
            design_spec(study, w)
        except InputError as exc:
            out.append(_from_exc(exc))
            break
    # index specs
    specs = {}
    from .indices.spec import spec_path, study_spec, study_spec_ref

    for i, idx in enumerate(study.indices):
        ref = study_spec_ref(study, idx)
        if ref != idx and not spec_path(ref).exists():  # the study's own spec file
            out.append(Finding(ERROR, "index spec not found", f, None, f"indices_options.specs.{idx}",
                               expected="a path to an index spec YAML file", found=ref))
            continue
        if not spec_path(ref).exists():  # a typo in the study file, said there (not as a missing spec file)
            known = sorted(p.stem for p in (paths.config_dir() / "indices").glob("*.yaml"))
            close = difflib.get_close_matches(str(idx), known, n=1, cutoff=0.6)
            out.append(Finding(ERROR, "unknown index", f, None, f"indices[{i}]",
                               expected=(f"{close[0]!r}, or one of " if close else "one of ")
                               + ", ".join(known) + " (a spec in config/indices/)", found=idx))
            continue
        try:
            specs[idx] = study_spec(study, idx)
        except ConfigError as exc:
            out.append(_from_exc(exc))
        except FileNotFoundError:
            out.append(Finding(ERROR, "unknown index", f, None, "indices", expected="an index spec in "
                               "config/indices/", found=idx))
    for idx, spec in specs.items():
        out += spec_findings(spec, [c for c in codebooks.values() if c is not None and c.index == idx])

    # targets
    out += target_findings(study, specs)
    out += registry_findings(study)
    return out


def codebook_findings(cb) -> list[Finding]:
    out = []
    areas = cb.raw.get("areas")
    if isinstance(areas, dict) and len(cb.items):
        bad = cb.items[~cb.items["area"].isin(list(areas))]
        for area, g in bad.groupby("area", dropna=False):
            out.append(Finding(ERROR, f"{len(g)} item(s) in an area the codebook does not declare "
                                      f"(e.g. {g['id'].iloc[0]!r})", _rel(cb.file), None, "items[].area",
                               expected="one of the areas: " + ", ".join(map(str, areas)), found=area))
    return out


def spec_findings(spec, codebooks: list) -> list[Finding]:
    """Items the spec scores that no codebook of its index provides; band gaps."""
    out = []
    file = _rel(spec.file)
    if codebooks:
        have = set().union(*(set(cb.item_ids) for cb in codebooks))
        have |= set().union(*(set(cb.fields) for cb in codebooks))
        if any(cb.kind == "survey" for cb in codebooks):
            missing = [i for i in spec.items if i not in have]
            if missing:
                close = difflib.get_close_matches(missing[0], sorted(have), n=1, cutoff=0.8)
                out.append(Finding(ERROR, f"{len(missing)} item id(s) of the spec are in no codebook of index "
                                          f"{spec.id!r}", file, None, "index",
                                   expected=f"an item id of {', '.join(cb.id for cb in codebooks)}"
                                            + (f" (did you mean {close[0]!r}?)" if close else ""),
                                   found=missing[:5]))
    bands = list(spec.bands)
    if len(bands) > 1:
        if spec.scale:
            span = float(spec.scale[1]) - float(spec.scale[0])
        else:
            span = max(b.max if b.max is not None else b.min for b in bands) - bands[0].min
        step = 10.0 ** -(spec.band_round if spec.band_round is not None else 2)
        tol = max(0.01 * span, step) + 1e-9
        for a, b in zip(bands, bands[1:]):
            if a.max is None:
                continue
            if b.min - a.max > tol:
                out.append(Finding(ERROR, f"category bands leave a gap: no band covers {a.max:g} < x < {b.min:g}",
                                   file, None, "categories.bands", expected=f"band {b.id!r} to start where "
                                   f"{a.id!r} ends ({a.max:g})"))
            elif a.max >= b.min:
                out.append(Finding(ERROR, f"category bands overlap: {a.id!r} ends at {a.max:g}, {b.id!r} starts "
                                          f"at {b.min:g}", file, None, "categories.bands",
                                   expected="each band to start above the previous one's max"))
    return out


def coverage_findings(study, mapped: dict[str, set[str]]) -> list[Finding]:
    """Items an index spec of the study scores that its codebook has but whose
    header and aliases match no column of any source of the index: the index
    cannot be scored (stage 02 stops on the missing item columns). ``mapped``:
    instrument id -> the targets its sources' headers mapped to (only sources
    that were read; instruments with no source read are left out)."""
    from .clean.codebook import load_codebook
    from .indices.spec import study_spec

    out = []
    codebooks = []
    for inst in mapped:
        try:
            codebooks.append(load_codebook(inst))
        except ConfigError:
            continue  # reported by config_findings
    for idx in study.indices:
        try:
            spec = study_spec(study, idx)
        except (ConfigError, FileNotFoundError):
            continue  # reported by config_findings
        cbs = [cb for cb in codebooks if cb.index == idx and cb.kind == "survey"]
        if not cbs:
            continue
        got = set().union(*(mapped[cb.id] for cb in cbs))
        for cb in cbs:
            lost = [i for i in spec.items if i in set(cb.item_ids) and i not in got]
            if not lost:
                continue
            first = cb.items.set_index("id").loc[lost[0]]
            tried = [lost[0], *list(first["aliases"])[:2]]
            n_src = sum(1 for s in study.sources if s.instrument == cb.id)
            out.append(Finding(ERROR, f"{len(lost)} item(s) index {idx!r} scores match no column of any of the "
                                      f"{n_src} source file(s) of {cb.id!r}: the index cannot be scored",
                               _rel(cb.file), None, f"items[{lost[0]}].aliases",
                               expected="an alias equal to a raw header, e.g. "
                               + " or ".join(repr(t) for t in tried[1:] or tried),
                               found=lost[:5]))
    return out


def target_findings(study, specs: dict) -> list[Finding]:
    out = []
    f = study.config_file
    targets = study.option("targets", default={}) or {}
    if not isinstance(targets, dict):
        return [Finding(ERROR, "targets must map region -> index -> component -> value", f, None, "targets",
                        expected="{kota-bontang: {ip_asn: {overall: 75}}}")]
    regions = {r.id for r in study.regions}
    for rid, per_index in targets.items():
        if rid not in regions and rid not in ("all", "*", "default"):
            out.append(Finding(ERROR, "target for an unknown region", f, None, f"targets.{rid}",
                               expected="one of " + ", ".join(sorted(regions))))
            continue
        if not isinstance(per_index, dict):
            continue
        for idx, comps in per_index.items():
            if idx not in specs:
                out.append(Finding(ERROR, "target for an index the study does not compute", f, None,
                                   f"targets.{rid}.{idx}", expected="one of " + ", ".join(study.indices)))
                continue
            if not isinstance(comps, dict):
                continue
            ids = {n.id for n in specs[idx].root.walk()}
            for comp, val in comps.items():
                if comp not in ids:
                    close = difflib.get_close_matches(str(comp), sorted(ids), n=1, cutoff=0.6)
                    out.append(Finding(ERROR, "target for an unknown component", f, None,
                                       f"targets.{rid}.{idx}.{comp}",
                                       expected=(f"{close[0]!r}, or one of " if close else "one of ")
                                       + ", ".join(sorted(ids))))
                elif not isinstance(val, (int, float)) or isinstance(val, bool) or val <= 0:
                    out.append(Finding(ERROR, "a target must be a positive number", f, None,
                                       f"targets.{rid}.{idx}.{comp}", expected="a number > 0", found=val))
    return out


def registry_findings(study) -> list[Finding]:
    from .registry import load_registry

    path = study.registry_path
    if not path.exists():
        return [Finding(ERROR, "unit registry not found", _rel(path), None, "registry",
                        expected="units.csv with unit_id, unit_name, unit_type, region_id")]
    try:
        reg = load_registry(path)
    except InputError as exc:
        return [_from_exc(exc)]
    out = []
    hdr = reg.attrs.get("header_row", 1)
    dup = reg["unit_id"].duplicated(keep="first") & reg["unit_id"].notna()
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        uid = reg["unit_id"].iloc[i]
        first = int(np.flatnonzero((reg["unit_id"] == uid).to_numpy())[0])
        out.append(Finding(ERROR, f"{int(dup.sum())} unit id(s) listed more than once (also at row "
                                  f"{hdr + 1 + first})", _rel(path), hdr + 1 + i, "unit_id",
                           expected="each unit once", found=uid))
    types = known_unit_types()
    if types:
        bad = reg["unit_type"].notna() & ~reg["unit_type"].isin(types)
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            vals = sorted(reg.loc[bad, "unit_type"].unique().tolist())
            out.append(Finding(ERROR, f"{int(bad.sum())} unit(s) of a type config/unit_types.yaml does not know "
                                      f"({', '.join(map(repr, vals[:5]))})", _rel(path), hdr + 1 + i,
                               "unit_type", expected="one of " + ", ".join(sorted(types))
                               + " (or add the type with its labels to config/unit_types.yaml)",
                               found=vals[0]))
    blank = reg["unit_id"].isna()
    if blank.any():
        out.append(Finding(ERROR, f"{int(blank.sum())} unit(s) without a unit_id", _rel(path),
                           hdr + 1 + int(np.flatnonzero(blank.to_numpy())[0]), "unit_id", expected="an id"))
    return out


def preflight(study) -> list[Finding]:
    """The configuration checks run before any stage; raises one :class:`ConfigError`
    listing every error (warnings are returned)."""
    found = config_findings(study)
    raise_errors(found, "the study cannot run")
    return [x for x in found if not x.is_error]


def raise_errors(found: list[Finding], what: str) -> None:
    errors = [x for x in found if x.is_error]
    if not errors:
        return
    if len(errors) == 1:
        e = errors[0]
        raise ConfigError(e.message, file=e.file, row=e.row, column=e.column, expected=e.expected, found=e.found)
    raise ConfigError(f"{len(errors)} errors, {what}:\n" + "\n".join(f"  - {e}" for e in errors))


# ----------------------------------------------------------------------------------------------
# one raw file
# ----------------------------------------------------------------------------------------------
def looks_like_nip(cells: pd.Series, min_share: float = 0.5) -> bool:
    """Whether most non-empty cells are 18-digit NIPs (birth date, appointment
    month, sex digit, sequence; spaces or dots allowed)."""
    s = _first_present(cells, 500)
    if len(s) == 0:
        return False
    # a NIP has 18 digits: a column whose cells are mostly shorter cannot qualify
    # (exact under any regex engine; saves the match on label and number columns)
    if float((s.str.len() >= 18).mean()) < min_share:
        return False
    return float(s.str.match(NIP_LIKE.pattern).mean()) >= min_share


def _first_present(cells: pd.Series, n: int) -> pd.Series:
    """``cells.dropna().head(n).astype("string")`` without a pass over the whole
    column: a column is asked about its first ``n`` present cells, not its length."""
    k = 2 * n
    while True:
        head = cells.array[:k].to_numpy(dtype=object, na_value=None)
        vals = [v for v in head if v is not None]
        if len(vals) >= n or k >= len(cells):
            return pd.Series(vals[:n], dtype=object).astype("string")
        k *= 4


def nip_like_columns(raw: pd.DataFrame, columns) -> list[str]:
    """The ``columns`` of ``raw`` whose cells look like NIPs (remembered per
    frame: stage 01 asks about the same columns of a file several times)."""
    ref, memo = _NIP_LIKE.get(id(raw), (None, None))
    if ref is None or ref() is not raw:
        if len(_NIP_LIKE) > 8:
            _NIP_LIKE.clear()
        memo = {}
        _NIP_LIKE[id(raw)] = (weakref.ref(raw), memo)
    out = []
    for c in columns:
        if c not in memo:
            memo[c] = looks_like_nip(raw[c])
        if memo[c]:
            out.append(c)
    return out


_NIP_LIKE: dict[int, tuple] = {}  # id(frame) -> (weak reference, column -> looks like NIPs)


def source_findings(raw: pd.DataFrame, cb, mapping: dict[str, str], file, unknown_columns: list[str],
                    safe_columns: list[str] = ()) -> list[Finding]:
    """Problems of one read raw file against its codebook (see module docstring)."""
    out = []
    hdr = raw.attrs.get("header_row", 1)
    file = _rel(file)
    if len(raw) == 0:
        out.append(Finding(ERROR, "the file has a header but no data rows", file, hdr,
                           expected="one row per respondent below the header"))
    elif raw.isna().all(axis=None):
        out.append(Finding(ERROR, f"all {len(raw)} data rows are blank", file, hdr + 1,
                           expected="one row per respondent below the header"))
    targets = set(mapping.values())
    if cb.kind == "survey" and "unit" in cb.fields and "unit" not in targets:
        spec = cb.fields["unit"]
        out.append(Finding(ERROR, "no unit column: respondents cannot be placed in their unit", file, hdr,
                           spec.aliases[0] if spec.aliases else "unit",
                           expected="a column named " + " or ".join(repr(a) for a in ["unit", *spec.aliases][:4])))
    if cb.kind == "survey":
        missing_items = [i for i in cb.item_ids if i not in targets]
        found_items = [i for i in cb.item_ids if i in targets]
        if missing_items and found_items:
            first = cb.items.set_index("id").loc[missing_items[0]]
            tried = [missing_items[0], *list(first["aliases"])[:2]]
            out.append(Finding(WARNING, f"{len(missing_items)} item(s) of the codebook match no column "
                                        f"(scored as missing)", file, hdr, missing_items[0],
                               expected="a header " + " or ".join(repr(t) for t in tried)
                               + f" (items[{missing_items[0]}].aliases of {_rel(cb.file)})"))
        for area, ids in cb.areas().items():
            if found_items and not any(i in targets for i in ids):
                out.append(Finding(WARNING, f"no column of area {area!r} found: the area gets no score", file,
                                   hdr, expected=f"headers of items {', '.join(ids[:3])}..."))
    dropped = [c for c in unknown_columns if c not in set(safe_columns)]
    if dropped:
        out.append(Finding(WARNING, f"{len(dropped)} column(s) the codebook does not know are dropped from every "
                                    f"output: " + ", ".join(repr(c) for c in dropped[:8])
                                    + (" ..." if len(dropped) > 8 else ""), file, hdr,
                           expected=f"an alias in {_rel(cb.file)}, or `safe_columns:` there to keep one"))
    nip_like = nip_like_columns(raw, unknown_columns)
    if nip_like and "nip" not in targets:
        out.append(Finding(WARNING, "no NIP column mapped, but this column holds NIPs; every row gets an id "
                                    "from its source row and duplicates go undetected", file, hdr, nip_like[0],
                           expected=f"add {nip_like[0]!r} to fields.nip.aliases of {_rel(cb.file)}"))
    return out


def reader_findings(raw: pd.DataFrame, file) -> list[Finding]:
    """What the reader set apart: rows it could not split (rejected in stage 01)
    and xlsx cells without a value (error cells, formulas without cached values)."""
    out = []
    hdr = raw.attrs.get("header_row", 1)
    bad = raw.attrs.get("malformed_rows") or {}
    if bad:
        first = min(bad)
        out.append(Finding(WARNING, f"{len(bad)} row(s) cannot be split into cells and are rejected "
                                    f"(first: {bad[first]})", _rel(file), hdr + 1 + first,
                           expected=f"{raw.shape[1]} cells per row, quotes closed"))
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for p in raw.attrs.get("cell_problems") or []:
        key = p["value"] if p["problem"] == "xlsx_error_cell" else "formula"
        groups[(p["problem"], key)].append(p)
    for (prob, key), ps in groups.items():
        cols = list(dict.fromkeys(p["column"] for p in ps))
        first = min(ps, key=lambda p: p["row"])
        what = f"Excel error {key!r}" if prob == "xlsx_error_cell" else "formula saved without its value"
        out.append(Finding(WARNING, f"{what} in {len(cols)} column(s), {len(ps)} cell(s) (read as missing, logged)",
                           _rel(file), hdr + 1 + first["index"], first["column"],
                           expected="a value; recalculate in Excel and save" if prob != "xlsx_error_cell"
                           else "a value instead of an error"))
    return out


def label_findings(raw: pd.DataFrame, cb, mapping: dict[str, str], file, personal=("nip", "name")) -> list[Finding]:
    """Unknown labels and out-of-range values, grouped by value over columns:
    ``unknown label 'Sangat mahir ' in 12 columns, 340 cells``. Warnings: the
    cleaning sets such cells missing and logs each one."""
    hdr = raw.attrs.get("header_row", 1)
    groups: dict[tuple[str, str, str], dict] = defaultdict(lambda: {"cols": [], "cells": 0, "row": None,
                                                                     "expected": None})
    for col, target in mapping.items():
        if target in personal or target in ("unit", "region") or cb.fields.get(target, None) and \
                cb.fields[target].personal:
            continue
        res = cb.response_values(raw[col]) if target in cb.item_ids else cb.field_values(
            target, raw[col], decimal=raw.attrs.get("decimal", "."))
        for prob in ("unknown_label", "out_of_range", "bad_datetime"):
            m = (res["problem"] == prob).fillna(False).to_numpy()
            if not m.any():
                continue
            vals = raw[col][m]
            first_row = hdr + 1 + int(np.flatnonzero(m)[0])
            kind = "item" if target in cb.item_ids else target
            for v, c in vals.value_counts().items():
                g = groups[(prob, kind, str(v))]
                g["cols"].append(col)
                g["cells"] += int(c)
                rows = np.flatnonzero(m & (raw[col] == v).fillna(False).to_numpy())
                r = hdr + 1 + int(rows[0]) if len(rows) else first_row
                g["row"] = r if g["row"] is None else min(g["row"], r)
                g["expected"] = _expected(cb, target, res, m)
    out = []
    for (prob, kind, val), g in sorted(groups.items(), key=lambda kv: -kv[1]["cells"]):
        ncol = len(g["cols"])
        where = g["cols"][0] if ncol == 1 else f"{g['cols'][0]} and {ncol - 1} more"
        word = {"unknown_label": "unknown label", "out_of_range": "value out of range",
                "bad_datetime": "date/time in no expected format"}[prob]
        out.append(Finding(WARNING, f"{word} {val!r} in {ncol} column{'s' if ncol > 1 else ''}, {g['cells']} "
                                    f"cell{'s' if g['cells'] > 1 else ''} (set missing, logged)", _rel(file),
                           g["row"], where, expected=g["expected"]))
    return out


def _expected(cb, target, res, m) -> str:
    if "expected" in res.columns:
        e = res["expected"][m].dropna()
        if len(e):
            return str(e.iloc[0])
    from .clean.codebook import expected_values

    return expected_values(cb, target)


def format_findings(found: list[Finding], study_id: str) -> str:
    errors = [x for x in found if x.is_error]
    warnings = [x for x in found if not x.is_error]
    lines = []
    if errors:
        lines.append(f"{len(errors)} error(s) in study {study_id!r} (must be fixed; nothing runs until then):")
        lines += [f"  - {x}" for x in errors]
    if warnings:
        lines.append(f"{len(warnings)} warning(s) (handled by the cleaning rules and logged; worth a look):")
        lines += [f"  - {x}" for x in warnings]
    if not found:
        lines.append(f"No problems found in the inputs of study {study_id!r}.")
    return "\n".join(lines)
