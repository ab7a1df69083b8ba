"""Stage 02: score every index of a study and write the tables of
``data/processed/<study>/`` (see docs/architecture.md)."""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from .. import catalog, paths
from ..design import census_weights, design_spec
from ..errors import InputError
from ..io import write_parquet
from ..study import Study, load_study
from .aggregate import ACH_COLUMNS, AGG_COLUMNS, CAT_COLUMNS, achievement, aggregate, category_distribution
from .compliance import compliance_20jp
from .engine import item_matrix, score
from .reliability import REL_COLUMNS, reliability
from .sensitivity import SENS_COLUMNS, sensitivity
from .spec import IndexSpec, study_spec
from .uncertainty import BAND_COLUMNS, SENS_INDEX_COLUMNS, UNC_COLUMNS
from .uncertainty import stage_tables as uncertainty_tables
from ..registry import load_registry
from .weights import response_rates, unit_weights

#: the study-level tables of stage 02 and their columns: written with these
#: columns even when empty (a study without targets still has an achievement table)
TABLE_COLUMNS = {
    "aggregates": AGG_COLUMNS, "categories": CAT_COLUMNS, "achievement": ACH_COLUMNS,
    "reliability": REL_COLUMNS, "sensitivity": SENS_COLUMNS,
    "uncertainty": UNC_COLUMNS, "uncertainty_bands": BAND_COLUMNS, "sensitivity_indices": SENS_INDEX_COLUMNS,
    "response_rates": ["index", "wave", "region_id", "unit_id", "unit_type", "headcount", "n", "response_rate",
                       "weight"],
}

ID_COLUMNS = ["respondent_id", "region_id", "unit_id", "unit_type", "wave", "sex", "age", "education",
              "position_type", "status"]


#: the respondent columns the 20 JP compliance table reads
COMPLIANCE_READS = ["wave", "instrument", "region_id", "unit_id", "unit_type", "technical_jp"]


def _schema_file(path: Path) -> Path:
    """A Parquet file of ``respondents.parquet`` (a folder partitioned by region, or one file)."""
    if path.is_dir():
        files = sorted(path.rglob("*.parquet"))
        if not files:
            raise InputError("respondents.parquet holds no Parquet file: run stage 01 again", file=path)
        return files[0]
    return path


#: rows per Parquet row group of ``scores_<index>``: a reader of one region
#: (``catalog.read(..., region=...)``, a stage 03 task per region) decodes only the
#: row groups whose region_id range covers it, ~64 k rows instead of the whole file
SCORES_ROW_GROUP = 65_536


def _write_scores(sc: pd.DataFrame, path: Path) -> Path:
    from ..io import atomic_path

    with atomic_path(path) as tmp:
        sc.to_parquet(tmp, index=False, row_group_size=SCORES_ROW_GROUP)
    return Path(path)


def instrument_index_map() -> dict[str, str]:
    """instrument id -> index id, from the ``index:`` key of config/instruments/*.yaml."""
    out = {}
    for p in sorted((paths.config_dir() / "instruments").glob("*.yaml")):
        try:
            data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError:
            continue  # the codebook helper reports broken codebooks; here they just map nothing
        if isinstance(data, dict) and data.get("index"):
            out[str(data.get("id", p.stem))] = str(data["index"])
    return out


def codebook_reverse(instruments) -> set[str]:
    """Items the codebooks of ``instruments`` mark ``reverse: true``. Cleaning keeps
    answers as given, so reverse keying happens here, whether the spec or the
    codebook declares it (a flag, never a toggle: declaring it twice flips once)."""
    out: set[str] = set()
    for inst in instruments:
        p = paths.config_dir() / "instruments" / f"{inst}.yaml"
        if not p.exists():
            continue
        try:
            data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError:
            continue
        for it in (data.get("items") or []) if isinstance(data, dict) else []:
            if isinstance(it, dict) and it.get("reverse") and it.get("id"):
                out.add(str(it["id"]))
    return out


def apply_reverse(spec: IndexSpec, items: set[str]) -> list[str]:
    """Mark the spec's items in ``items`` as reverse-keyed; returns those changed."""
    changed = []
    for n in spec.root.leaves():
        if n.kind == "item" and n.id in items and not n.reverse:
            n.reverse = True
            changed.append(n.id)
    return changed


def rows_for(df: pd.DataFrame, spec: IndexSpec, inst_map: dict[str, str] | None = None) -> pd.DataFrame:
    """The respondents an index scores: their ``instrument`` is named by the spec or
    maps to the index in its codebook."""
    inst_map = instrument_index_map() if inst_map is None else inst_map
    insts = set(spec.instruments) | {i for i, ix in inst_map.items() if ix == spec.id}
    if "instrument" not in df.columns:
        raise InputError("respondents lack the instrument column", column="instrument",
                         expected="the instrument id of each row")
    return df[df["instrument"].astype(str).isin(insts)]


def scores_frame(rows: pd.DataFrame, spec: IndexSpec, weight: pd.Series | pd.DataFrame) -> pd.DataFrame:
    """``scores_<index>.parquet``: ids, design columns (``weight``, and ``fpc``,
    ``ps_cell`` from :func:`helpers.design.census_weights`), overall, components, category."""
    s = score(rows, spec)
    ids = pd.DataFrame({c: rows[c] if c in rows else pd.Series(np.nan, index=rows.index) for c in ID_COLUMNS})
    design = weight.rename("weight").to_frame() if isinstance(weight, pd.Series) else weight
    out = pd.concat([ids, design, s[["overall", *spec.components]]], axis=1)
    out["category"] = s["category"].astype(object).where(s["category"].notna(), None)
    return out.reset_index(drop=True)


def _empty(columns: list[str]) -> pd.DataFrame:
    """A table with its columns and no rows (text columns as strings, counts and
    statistics as floats), so readers can query it as any other."""
    text = {"index", "level", "region_id", "group", "component", "category", "label_id", "label_en",
            "target_source", "item", "scenario", "weights", "aggregation", "unit_id", "unit_type"}
    return pd.DataFrame({c: pd.Series(dtype="string" if c in text else "float64") for c in columns})


def run(study: Study | str = "sample", indices: list[str] | None = None) -> dict:
    """Run stage 02 for a study; returns a small summary for display.

    Reads ``respondents.parquet`` and the unit registry, writes per index
    ``scores_<index>.parquet`` and, over all indices, ``aggregates``,
    ``categories``, ``achievement``, ``reliability``, ``sensitivity``,
    ``response_rates`` and ``compliance_20jp`` (.parquet)."""
    t0 = time.perf_counter()
    study = load_study(study) if not isinstance(study, Study) else study
    out_dir = Path(study.processed_dir)
    resp_path = out_dir / "respondents.parquet"
    if not resp_path.exists():
        raise InputError("respondents.parquet not found: run stage 01 (01_clean) first", file=resp_path)
    from ..catalog import read_respondents
    import pyarrow.parquet as pq

    # each index reads only its own columns: a national table of every instrument's
    # items (5 M x 60) is never in memory at once
    available = set(pq.read_schema(_schema_file(resp_path)).names) | {"region_id"}
    registry = load_registry(study)
    inst_map = instrument_index_map()
    threshold = float(study.option("indices_options", "jp_threshold", default=20))
    study_targets = study.option("targets", default={}) or {}

    tables: dict[str, list[pd.DataFrame]] = {k: [] for k in TABLE_COLUMNS}
    summary: dict = {"study": study.id, "indices": {}, "files": []}
    for index_id in (indices or list(study.indices)):
        spec = study_spec(study, index_id)
        want = [*ID_COLUMNS, "instrument", *spec.items, *spec.fields]
        df = read_respondents(resp_path, columns=[c for c in dict.fromkeys(want) if c in available])
        rows = rows_for(df, spec, inst_map)
        del df
        insts = set(spec.instruments) | {i for i, ix in inst_map.items() if ix == spec.id}
        reversed_by_codebook = apply_reverse(spec, codebook_reverse(sorted(insts)))
        info: dict = {"n": len(rows), "assumptions": spec.assumptions,
                      "reversed_by_codebook": reversed_by_codebook}
        summary["indices"][index_id] = info
        if rows.empty:
            info["note"] = "no respondents for this index"
            continue
        rows = rows.reset_index(drop=True)
        if spec.items:
            x, _ = item_matrix(rows, spec)
            raw = rows[spec.items].to_numpy(dtype=float, na_value=np.nan)
            info["out_of_range_masked"] = int((np.isnan(x) & ~np.isnan(raw)).sum())
        w = census_weights(rows, registry, design_spec(study), population=spec.population, by=["wave"])
        sc = scores_frame(rows, spec, w)
        path = _write_scores(sc, catalog.path(study, catalog.scores(index_id)))
        summary["files"].append(path.name)

        agg = aggregate(sc, ["overall", *spec.components], index=index_id,
                        design=lambda wave: design_spec(study, wave))
        tables["aggregates"].append(agg)
        tables["categories"].append(category_distribution(sc, spec, index=index_id))
        tables["achievement"].append(achievement(agg, spec, study_targets))
        tables["reliability"].append(reliability(rows, spec))
        tables["sensitivity"].append(sensitivity(sc, spec))
        for name, table in uncertainty_tables(sc, spec, rows).items():
            tables[name].append(table)
        rr = response_rates(rows, registry, by=["wave"], population=spec.population)
        rr.insert(0, "index", index_id)
        tables["response_rates"].append(rr)
        reg = agg[agg["level"] == "region"]
        info["regions"] = {
            r: {c: round(float(v), 4) for c, v in zip(g["component"], g["mean"])}
            for r, g in reg.groupby("region_id")}

    for name, frames in tables.items():
        frames = [f for f in frames if f is not None and len(f)]
        table = pd.concat(frames, ignore_index=True) if frames else _empty(TABLE_COLUMNS[name])
        summary["files"].append(write_parquet(table, out_dir / f"{name}.parquet").name)

    hr = read_respondents(resp_path, columns=[c for c in COMPLIANCE_READS if c in available])
    hr["weight"] = unit_weights(hr, registry, by=["wave", "instrument"])
    comp = compliance_20jp(hr, threshold=threshold)
    summary["files"].append(write_parquet(comp, out_dir / "compliance_20jp.parquet").name)
    summary["seconds"] = round(time.perf_counter() - t0, 2)
    return summary
