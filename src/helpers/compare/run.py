"""Stage 03 for a region and for a study: the per-region results, their tables,
the fan-out on Dask and the regions-against-each-other comparison."""
from __future__ import annotations

import time
import warnings
from pathlib import Path

import pandas as pd

from ..design import design_spec
from ..errors import InputError
from .columns import (DESC_COLUMNS, DESIGN_COLUMNS, MODEL_COLUMNS, OMNIBUS_COLUMNS, POSTHOC_COLUMNS,
                      REGION_FACTOR, REGION_PAIRS_MAX, UNITS_COLUMNS)
from .factors import compare_frame
from .frame import components, latest_wave, prepare_scores
from .holm import tables
from .units import rank_units
from .waves import compare_wave_frame


def _options(study, min_n: int | None) -> tuple[int, int]:
    min_n = int(min_n if min_n is not None else study.option("report", "min_cell", default=5))
    return min_n, int(study.option("report", "priority_units", default=5))


def _region_results(frame: pd.DataFrame, study, index: str, region_id: str, min_n: int, alpha: float,
                    n_lowest: int) -> tuple[list, pd.DataFrame, pd.DataFrame]:
    """One region x index: its comparisons, its league table and its latest wave's rows."""
    current, waves = latest_wave(frame)
    design = design_spec(study, waves[-1] if waves else None)
    res = compare_frame(current, index, region_id, min_n=min_n, alpha=alpha, design=design)
    if len(waves) > 1:
        for _, r in res:
            r.notes.insert(0, f"wave {waves[-1]} only (waves present: {', '.join(map(str, waves))})")
        res += compare_wave_frame(frame, index, region_id, min_n=min_n, alpha=alpha)
    return res, rank_units(current, index, region_id, k=n_lowest), current


def _region_tables(results: list, units: list, alpha: float) -> dict[str, pd.DataFrame]:
    out = tables(results, alpha=alpha)
    ranked = [u for u in units if len(u)]
    out["compare_units"] = (pd.concat(ranked, ignore_index=True) if ranked
                            else pd.DataFrame(columns=UNITS_COLUMNS))
    return out


def compare_region(study, region_id: str, min_n: int | None = None, alpha: float = 0.05,
                   scores: dict[str, pd.DataFrame] | None = None) -> dict[str, pd.DataFrame]:
    """Stage 03 for one region: its comparisons on every index of the study.

    Returns the five ``compare_*`` tables restricted to ``region_id`` (empty
    dict when the region has no scores). Every Holm family is within one region
    x index (:func:`tables`), so these rows equal that region's rows of the
    study's tables. ``scores`` ({index: prepared scores of the region}) skips
    reading ``scores_<index>.parquet`` (only the region's rows are read).

    Example
    -------
    >>> compare_region(load_study("sample"), "kota-bontang")["compare_omnibus"]   # doctest: +SKIP
    """
    from .. import catalog
    from ..study import load_study

    study = load_study(study) if isinstance(study, str) else study
    min_n, n_lowest = _options(study, min_n)
    results, units = [], []
    for index in study.indices:
        if scores is not None:
            frame = scores.get(index)
        else:
            name = catalog.scores(index)
            frame = catalog.read(study, name, region=region_id) if catalog.exists(study, name) else None
            frame = prepare_scores(frame, catalog.path(study, name)) if frame is not None and len(frame) else None
        if frame is None or frame.empty:
            continue
        res, u, _ = _region_results(frame, study, index, region_id, min_n, alpha, n_lowest)
        results += res
        units.append(u)
    return _region_tables(results, units, alpha) if results else {}


def compare_region_task(region_id: str, study, min_n: int | None, alpha: float) -> dict:
    """:func:`compare_region` for a Dask worker (``study``: a Study or its id; the
    worker reads the region's scores itself from the shared processed folder).

    Warnings are returned with the tables (key ``"warnings"``) rather than
    printed by the worker, so they reach the executed notebook, the run log, as
    they do when stage 03 runs in-process."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tables = compare_region(study, region_id, min_n=min_n, alpha=alpha)
    seen = dict.fromkeys(f"{region_id}: {w.category.__name__}: {w.message}" for w in caught)
    return {**tables, "warnings": list(seen)}


def _regions_frame(study, index: str) -> pd.DataFrame:
    """What the regions-against-each-other comparison reads of ``scores_<index>``:
    the components and the design columns (not the respondent ids, factors and
    covariates it does not use), prepared as :func:`prepare_scores` does. Read once
    by the parent of a distributed run, which also takes its region list from it."""
    import pyarrow.dataset as pads

    from .. import catalog

    path = catalog.path(study, catalog.scores(index))
    empty = pads.dataset(path).schema.empty_table().to_pandas()
    cols = [c for c in empty.columns if c in DESIGN_COLUMNS or c in components(empty)]
    return prepare_scores(catalog.read(study, catalog.scores(index), columns=cols), path)


def _ordered(pieces: list[dict], indices: list[str]) -> dict[str, pd.DataFrame]:
    """Concatenate per-region tables in the study's order: index by index, its
    regions in order and the regions-against-each-other rows (``all``) last."""
    out = {}
    rank = {ix: i for i, ix in enumerate(indices)}
    for name in ("compare_descriptives", "compare_omnibus", "compare_posthoc", "compare_models", "compare_units"):
        frames = [p[name] for p in pieces if name in p and len(p[name])]
        if not frames:
            cols = {"compare_descriptives": DESC_COLUMNS, "compare_omnibus": OMNIBUS_COLUMNS,
                    "compare_posthoc": POSTHOC_COLUMNS, "compare_models": MODEL_COLUMNS,
                    "compare_units": UNITS_COLUMNS}[name]
            out[name] = pd.DataFrame(columns=cols)
            continue
        t = pd.concat(frames, ignore_index=True)
        key = pd.DataFrame({"i": t["index"].map(rank), "all": t["region_id"].eq("all"), "r": t["region_id"]})
        out[name] = t.loc[key.sort_values(["i", "all", "r"], kind="stable").index].reset_index(drop=True)
    return out


def run(study, min_n: int | None = None, alpha: float = 0.05, write: bool = True,
        scheduler: str | None = None, workers: int | None = None) -> dict:
    """Compare every region x index x component x factor of a study (plus regions
    against each other when there are several) and write the five tables.

    Per region (:func:`compare_region`): in this process, one region after the
    other, reading each ``scores_<index>.parquet`` once; or, given a Dask
    ``scheduler`` address (or ``workers`` > 1: a LocalCluster of that size), one
    task per region on the cluster (:func:`helpers.cluster.map_regions`), each
    reading its region's rows (a study of one region stays in this process).
    The regions-against-each-other comparison needs
    every region's latest wave and runs here (distributed: on the components and design
    columns only, read once, :func:`_regions_frame`)."""
    from .. import catalog

    t0 = time.perf_counter()
    out_dir = Path(study.processed_dir)
    min_n, n_lowest = _options(study, min_n)
    indices = [i for i in study.indices if catalog.exists(study, catalog.scores(i))]
    missing = [i for i in study.indices if i not in indices]
    pieces: list[dict] = []
    distributed = bool(scheduler) or (workers is not None and workers > 1)
    if distributed and indices:
        from ..cluster import connect, map_regions

        # one read per index in the parent, of the columns its own comparison needs; the
        # region list comes from it (it was read twice, whole, besides each worker's read)
        frames = {index: _regions_frame(study, index) for index in indices}
        # the largest regions first: each worker takes the next region as it finishes, so a
        # big region started last would leave the other workers idle at the end
        rows = pd.concat([f["region_id"].dropna().astype(str) for f in frames.values()]).value_counts()
        regions = sorted(rows.index, key=lambda r: (-int(rows[r]), r))
        # one region: nothing to fan out, and a worker would first import what this process has
        distributed = len(regions) > 1
    if distributed and indices:
        with connect(workers=workers, scheduler=scheduler) as client:
            got = map_regions(client, compare_region_task, regions, study, min_n, alpha, label="03_compare")
        failed = {r: g for r, g in zip(regions, got) if isinstance(g, BaseException)}
        if failed:
            r, e = next(iter(failed.items()))
            raise InputError(f"stage 03 failed for {len(failed)} region(s), first {r}: {type(e).__name__}: {e}",
                             file=out_dir)
        for g in got:
            for message in g.pop("warnings", []):
                warnings.warn(message, RuntimeWarning, stacklevel=2)
        pieces += [g for g in got if g]
    for index in indices:
        if distributed:
            scores = frames[index]
        else:
            path = catalog.path(study, catalog.scores(index))
            scores = prepare_scores(catalog.read(study, catalog.scores(index)), path)
        latest = []
        for region_id, frame in scores.groupby("region_id", sort=True, observed=True):
            if distributed:
                latest.append(latest_wave(frame)[0])
                continue
            res, u, current = _region_results(frame, study, index, str(region_id), min_n, alpha, n_lowest)
            latest.append(current)
            pieces.append(_region_tables(res, [u], alpha))
        n_regions = scores["region_id"].nunique()
        if n_regions > 1:  # each region's latest wave; regions are strata
            res = compare_frame(pd.concat(latest), index, "all", factors={REGION_FACTOR[0]: REGION_FACTOR[1]},
                                min_n=min_n, alpha=alpha, mixed_factors=(), strata="region_id",
                                pairs=n_regions <= REGION_PAIRS_MAX)
            pieces.append(_region_tables(res, [], alpha))
    if not pieces:
        raise InputError("no scores to compare", file=out_dir,
                         expected="scores_<index>.parquet from stage 02 for: " + ", ".join(study.indices))
    out = _ordered(pieces, indices)
    if write:
        for name, frame in out.items():
            catalog.write(frame, study, name)
    om = out["compare_omnibus"]
    prim = om[om["primary"] & om["test"].ne("none")]
    return {
        # one result per region x index x component x factor, each with its omnibus rows
        "comparisons": int(om[["region_id", "index", "component", "factor"]].drop_duplicates().shape[0]),
        "significant_after_holm": int((prim["p_adj"] < alpha).sum()),
        "not_possible": int((om["test"] == "none").sum()),
        "indices_missing": missing,
        "rows": {k: len(v) for k, v in out.items()},
        "seconds": round(time.perf_counter() - t0, 2),
    }
