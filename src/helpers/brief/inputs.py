"""Read the processed tables of one study for one region.

The brief reads only what stages 01-03 wrote in ``data/processed/<study>/``,
through :mod:`helpers.catalog` (plus unit names from the study's unit registry,
:mod:`helpers.registry`). The scores and stage 02's ``aggregates`` are required:
without them an :class:`~helpers.errors.InputError` names the stage to run (the
brief never recomputes a stage's numbers). Every other table is optional and
comes back empty when absent, so a study without HR records or without stage 03
still gets a brief that says what is missing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .. import catalog
from ..errors import InputError
from ..registry import unit_names
from ..study import Study, load_study

REQUIRED = ("aggregates",)
OPTIONAL = ("categories", "achievement", "reliability", "response_rates",
            "compliance_20jp", "compare_descriptives", "compare_omnibus", "compare_posthoc",
            "compare_models", "compare_units", "uncertainty", "sensitivity_indices")


@dataclass
class RegionInputs:
    study: Study
    region: str
    scores: dict[str, pd.DataFrame] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    cleaning: dict = field(default_factory=dict)
    unit_names: dict[str, str] = field(default_factory=dict)
    #: what one brief derives from these tables more than once (e.g. an index's
    #: primary tests by factor, :func:`.results._primary_tests`)
    derived: dict = field(default_factory=dict, repr=False)

    def table(self, name: str) -> pd.DataFrame:
        t = self.tables.get(name)
        return pd.DataFrame() if t is None else t


def as_study(study: Study | str | Path) -> Study:
    return study if isinstance(study, Study) else load_study(study)


def load_region(study: Study | str | Path, region: str) -> RegionInputs:
    """Every processed table a brief needs, restricted to ``region``.

    Raises :class:`InputError` when the study has no processed outputs at all,
    the region has no scores for any index (a brief would be empty), or a
    required table is missing (naming the stage that writes it)."""
    study = as_study(study)
    study.region(region)  # ConfigError for an unknown region id
    folder = catalog.folder(study)
    scored = [idx for idx in study.indices if catalog.exists(study, catalog.scores(idx))]
    if not catalog.exists(study, "respondents") and not scored:
        raise InputError("no processed outputs: run stages 01-03 first (python -m helpers run)",
                         file=folder, expected="scores_<index>.parquet and aggregates.parquet")
    out = RegionInputs(study, region)
    for idx in scored:
        sc = catalog.read(study, catalog.scores(idx), region=region)
        if len(sc):
            out.scores[idx] = sc
    if not out.scores:
        raise InputError(f"region {region!r} has no scored respondents in any index",
                         file=folder / "scores_<index>.parquet", column="region_id",
                         expected=f"rows with region_id == {region!r}")
    for name in REQUIRED:
        out.tables[name] = catalog.read(study, name, region=region, missing="raise")
    for name in OPTIONAL:
        out.tables[name] = catalog.read(study, name, region=region)
    out.cleaning = catalog.read(study, "cleaning_summary")
    ids = set()
    for t in [*out.scores.values(), out.table("compare_units")]:
        if "unit_id" in t.columns:
            ids.update(t["unit_id"].dropna().astype(str))
    out.unit_names = region_unit_names(study, ids)
    return out


def _names_cache(study: Study) -> Path:
    return Path(study.processed_dir) / ".stamps" / "unit_names.parquet"


def region_unit_names(study: Study, unit_ids) -> dict[str, str]:
    """``unit_id -> unit_name`` (:func:`helpers.registry.unit_names`) for the
    units ``unit_ids`` only.

    A national registry has tens of thousands of units (55 000 rows: ~0.3 CPU s
    to read) and a brief names at most a handful, so the first brief of a run
    keeps the registry's names in ``.stamps/unit_names.parquet`` beside the
    processed tables, tagged with the registry's path, size and mtime; every other
    brief reads its units' rows from it (a registry that changed is read again,
    as ``provenance.input_hashes`` trusts stat data). A processed folder that
    cannot be written only costs the full read."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from ..io import atomic_path

    reg = Path(study.registry_path)
    try:
        st = reg.stat()
    except OSError:
        return unit_names(study)  # no registry: ids are shown (unit_names says why)
    tag = {b"registry": str(reg.resolve()).encode(), b"stat": f"{st.st_size}:{st.st_mtime_ns}".encode()}
    cache = _names_cache(study)
    wanted = sorted(str(u) for u in unit_ids)
    try:
        meta = pq.read_schema(cache).metadata or {}
        if all(meta.get(k) == v for k, v in tag.items()):
            if not wanted:
                return {}
            t = pq.read_table(cache, filters=[("unit_id", "in", wanted)])
            return dict(zip(t.column("unit_id").to_pylist(), t.column("unit_name").to_pylist()))
    except (OSError, pa.ArrowException):
        pass
    names = unit_names(study)
    if names:
        table = pa.table({"unit_id": list(names), "unit_name": list(names.values())}).replace_schema_metadata(tag)
        try:
            with atomic_path(cache) as tmp:
                pq.write_table(table, tmp)
        except (OSError, InputError):  # read-only processed folder: the names are right, only not remembered
            pass
    keep = set(wanted)
    return {k: v for k, v in names.items() if k in keep}
