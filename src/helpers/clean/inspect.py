"""``validate(study)``: every problem of a study's configuration and raw files,
nothing written. The configuration checks and the per-file checks are those of
:mod:`helpers.checks`, the same ones ``run`` raises on; then, per file, what the
cleaning would set missing, reject or leave for review.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .. import checks
from ..errors import InputError
from ..registry import load_registry
from ..study import Study
from . import quality as q
from .codebook import load_codebook
from .context import read_raw
from .schema import PERSONAL_FIELDS
from .steps import expect, unknown_columns
from .units import load_manual_aliases, manual_aliases_path, map_region, match_source_units, region_lookup, \
    unit_matchers

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
    regions = region_lookup(study)
    err = checks.ERROR
    matchers, codebooks = None, {}
    mapped_by: dict[str, set[str]] = {}  # instrument -> targets its sources' headers map to
    unread: set[str] = set()  # instruments with a source that could not be read or mapped
    for src in study.sources:
        path = study.raw_dir / src.file
        if not path.exists():
            unread.add(src.instrument)
            continue  # reported by config_findings
        try:
            if src.instrument not in codebooks:
                codebooks[src.instrument] = load_codebook(src.instrument)
            cb = codebooks[src.instrument]
            raw = read_raw(study, src)
        except InputError as exc:
            found.append(checks._from_exc(exc))
            unread.add(src.instrument)
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
            unread.add(src.instrument)
            continue
        mapped_by.setdefault(cb.id, set()).update(mapping.values())
        for f in cb.missing_required(mapping):
            found.append(checks.Finding(err, "required column missing", rel, hdr, f, expected=expect(cb, f)))
        if cb.kind == "survey" and not any(t in set(cb.item_ids) for t in mapping.values()):
            found.append(checks.Finding(err, "no item column of the instrument found", rel, hdr,
                                        expected=f"headers of {cb.id} items or their aliases"))
        found += checks.source_findings(raw, cb, mapping, path, unknown_columns(raw, mapping), cb.safe_columns)
        found += checks.label_findings(raw, cb, mapping, path, personal=tuple(PERSONAL_FIELDS))
        inv = {v: k for k, v in mapping.items()}
        rows = hdr + 1 + np.arange(len(raw))
        speeder = q.options(study.option("quality", default={}))["speeder"]
        if cb.kind == "survey" and speeder.get("enabled", True) and not (
                {"duration_s", "duration_min"} & set(inv) or {"started_at", "submitted_at"} <= set(inv)):
            found.append(checks.Finding(checks.WARNING, "no duration or start/end time column: the speeder rule "
                                        "is off for this file", rel, hdr, expected="a duration column or start "
                                        "and end times (fields duration_s / started_at + submitted_at)"))
        if "region" in inv:
            mapped = map_region(raw[inv["region"]], regions)
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
                mapped = map_region(raw[inv["region"]], regions)
                region = mapped.fillna(src.region) if src.region else mapped
                names = names.mask(raw[inv["region"]].notna() & mapped.isna())
            uq = pd.DataFrame({"raw_name": names, "region_id": region}).dropna(subset=["raw_name"])
            if matchers is None:
                matchers = unit_matchers(study, registry, manual, q.options(study.option("quality", default={})))
            m, _ = match_source_units(uq, *matchers)
            rv = m[m["method"] == "review"]
            if len(rv):
                found.append(checks.Finding(
                    checks.WARNING, f"{len(rv)} unit name(s) need a person's decision (e.g. {rv['raw_name'].iloc[0]!r}); "
                                    "their rows keep no unit until then", rel, None, inv["unit"],
                    expected=f"a registry unit; add them to {checks._rel(manual_aliases_path(study.id))}"))
    # items no source provides, judged only on instruments whose every source was read
    read = {i: m for i, m in mapped_by.items() if i not in unread}
    return found + checks.coverage_findings(study, read)
