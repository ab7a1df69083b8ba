"""Synthetic sample study: realistic, messy raw exports calibrated to published figures.

``generate(out_dir)`` writes every raw file of the sample study (unit registry,
survey exports in four formats, IP ASN HR records) and the injected-fault
ground truth under ``out_dir/_truth/``. Deterministic for a seed.

Generating model (details in the submodules):

- workforce (:mod:`.people`): one row per ASN of six Kalimantan Timur regions,
  headcounts from the registry (:mod:`.catalog`); sex, age, education,
  golongan, position type and status depend on unit type; NIP consistent with
  birth date, TMT CPNS (age >= 18) and sex.
- digital competence: ``g = region + unit type + unit + covariates + e``, area
  levels ``g + d_area``, items from a graded-response-like ordinal model
  (:mod:`.ordinal`); area intercepts are solved so that Kutai Kartanegara's
  clean rows reproduce the published IKD 2023 area means.
- IP ASN (:mod:`.hr`): education, training, SKP and sanctions, with shifts
  solved so that Bontang's 2021 PNS reproduce the published dimension means.
- faults (:mod:`.survey`, :mod:`.hr_export`) at documented rates, each recorded.

Example
-------
>>> from pathlib import Path
>>> summary = generate(Path("data/raw/sample"))          # doctest: +SKIP
>>> summary["calibration"]["kab-kutai-kartanegara"]["ikd"]["information"]  # doctest: +SKIP
2.5
"""
from __future__ import annotations

import time
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .catalog import OUTSIDE_REGIONS, REGIONS, build_registry
from .export import write_hr, write_survey
from .hr import hr_values, ipasn_points
from .hr_export import render_hr
from .items import IKD_AREAS, IKD_LABELS, ILD_LABELS, ILD_PILLARS, ikd_items, ild_items
from .layout import BALIKPAPAN_ILD_2022, HR, KUKAR_IKD_2023, SURVEYS
from .ordinal import calibrate, calibrate_shift
from .people import build_population
from .survey import RATES, draw_items, plan_survey, render_survey
from .variants import pick_variants, unit_variants
from .waves import earlier_wave

__all__ = ["generate", "build_world", "DEFAULT_SEED"]
DEFAULT_SEED = 2023


@dataclass
class World:
    regions: tuple
    all_regions: tuple
    registry_all: pd.DataFrame
    pop: pd.DataFrame
    variants: pd.DataFrame

    def pick_unit_variants(self, rng, unit_ids):
        return pick_variants(rng, self.variants, np.asarray(unit_ids))

    @property
    def registry(self) -> pd.DataFrame:
        ids = {r.id for r in self.regions}
        return self.registry_all[self.registry_all["region_id"].isin(ids)].reset_index(drop=True)


def _stream(seed: int, name: str) -> np.random.Generator:
    """An independent random stream per component, so changing one file's
    generation does not reshuffle the others."""
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


def instrument_items(instrument: str) -> tuple[pd.DataFrame, dict, list[str]]:
    if instrument == "ikd_digcomp22":
        it, labels, areas = ikd_items(), IKD_LABELS, [v[0] for v in IKD_AREAS.values()]
    else:
        it, labels, areas = ild_items(), ILD_LABELS, list(ILD_PILLARS)
    it["area_idx"] = pd.Index(areas).get_indexer(it["area"])
    return it, labels, areas


def build_world(seed: int, regions=REGIONS, outside=OUTSIDE_REGIONS) -> World:
    all_regions = tuple(regions) + tuple(outside)
    registry_all = build_registry(_stream(seed, "registry"), all_regions)
    targets = {"kota-bontang": 12.13} if any(r.id == "kota-bontang" for r in regions) else {}
    pop = build_population(registry_all, all_regions, _stream(seed, "population"), edu_targets=targets)
    short = {r.id: r.short for r in all_regions}
    long = {r.id: ("Kab. " if r.kind == "kabupaten" else "Kota " if r.kind == "kota" else "Prov. ")
            + r.name.split(" ", 1)[1] for r in all_regions}
    variants = unit_variants(_stream(seed, "variants"), registry_all, short, long)
    return World(tuple(regions), all_regions, registry_all, pop, variants)


def _area_means(y: np.ndarray, keep: np.ndarray, item_area: np.ndarray, areas: list[str]) -> dict:
    rows = keep.any(1)
    out = {}
    for a, name in enumerate(areas):
        cols = item_area == a
        kp, yy = keep[rows][:, cols], y[rows][:, cols]
        out[name] = float(((yy * kp).sum(1) / kp.sum(1)).mean())
    out["overall"] = float(np.mean([out[a] for a in areas]))
    return out


def generate(out_dir: Path | str | None = None, seed: int = DEFAULT_SEED, scale: int | None = None,
             progress: bool = True) -> dict:
    """Write the sample study's raw files into ``out_dir`` and return a summary.

    Parameters
    ----------
    out_dir : folder to write (default ``data/raw/sample/``, or
        ``data/raw/sample_scale_<N>/`` with ``scale``).
    seed : the random seed; the committed sample uses ``DEFAULT_SEED`` (2023).
    scale : when given, write instead a benchmark study of exactly ``scale``
        respondents (see :func:`helpers.synth.scale.generate_scale`), not committed.
    progress : print one line per file written.

    Returns
    -------
    dict with ``files`` (rows per file), ``faults`` (counts by fault),
    ``calibration`` (expected index values on the clean rows) and ``seconds``.
    """
    from .. import paths

    if scale is not None:
        from .scale import generate_scale
        return generate_scale(int(scale), out_dir, seed=seed, progress=progress)
    t0 = time.perf_counter()
    out = Path(out_dir) if out_dir is not None else paths.raw_dir("sample")
    (out / "_truth").mkdir(parents=True, exist_ok=True)
    world = build_world(seed)
    say = print if progress else (lambda *a, **k: None)

    reg = world.registry
    reg.to_csv(out / "units.csv", index=False)
    say(f"units.csv: {len(reg)} units")

    plans, itemsets = {}, {}
    for spec in SURVEYS:
        items, labels, areas = instrument_items(spec.instrument)
        itemsets[spec.instrument] = (items, labels, areas)
        pop = world.pop if not spec.earlier_than else earlier_wave(
            world.pop, spec.region, _stream(seed, "wave:" + spec.file))
        plans[spec.file] = plan_survey(spec, pop, items, _stream(seed, "plan:" + spec.file))

    # calibrate the area intercepts on the rows cleaning keeps
    deltas = {}
    for instrument, file, targets in (("ikd_digcomp22", "kukar_ikd_2023.xlsx", KUKAR_IKD_2023),
                                      ("ild_kominfo", "balikpapan_ild_2022.csv", BALIKPAPAN_ILD_2022)):
        items, labels, areas = itemsets[instrument]
        p = plans[file]
        deltas[instrument] = calibrate(p.theta, items["area_idx"].to_numpy(), items["a"].to_numpy(),
                                       items["b"].to_numpy(), p.eps, max(labels), p.keep,
                                       np.array([targets[a] for a in areas]))
    # earlier waves: the later wave's intercepts plus one shift giving their overall level
    for spec in SURVEYS:
        deltas[spec.file] = deltas[spec.instrument]
        if spec.earlier_than:
            items, labels, _ = itemsets[spec.instrument]
            p = plans[spec.file]
            s = calibrate_shift(p.theta, items["area_idx"].to_numpy(), items["a"].to_numpy(),
                                items["b"].to_numpy(), deltas[spec.instrument], p.eps, max(labels), p.keep,
                                spec.overall)
            deltas[spec.file] = deltas[spec.instrument] + s

    faults, truths, files, calib = [], [], {}, {}
    for spec in SURVEYS:
        items, labels, areas = itemsets[spec.instrument]
        p = plans[spec.file]
        rng = _stream(seed, "render:" + spec.file)
        y, y_dup, changed = draw_items(p, items, deltas[spec.file], max(labels), rng)
        table, fl, truth, item_cols = render_survey(p, y, y_dup, changed, items, labels, world, rng)
        first = write_survey(out / spec.file, spec, table, items, labels)
        fl["source_row"] = fl["pos"] + first
        truth["source_row"] = truth["pos"] + first
        fl["source_file"] = truth["source_file"] = spec.file
        faults.append(fl)
        truths.append(truth)
        files[spec.file] = int(len(table))
        index = "ikd" if spec.instrument == "ikd_digcomp22" else "ild"
        key = f"{index}_{spec.wave}" if spec.earlier_than else index
        calib.setdefault(spec.region, {})[key] = _area_means(
            y, p.keep, items["area_idx"].to_numpy(), areas)
        say(f"{spec.file}: {len(table)} rows")

    for spec in HR:
        rng = _stream(seed, "hr:" + spec.file)
        pns = world.pop[(world.pop["region_id"] == spec.region) & (world.pop["status"] == "PNS")]
        values = hr_values(pns, spec, rng)
        table, fl, truth = render_hr(values, spec, world, rng)
        first = write_hr(out / spec.file, spec, table)
        fl["source_row"] = fl["pos"] + first
        truth["source_row"] = truth["pos"] + first
        fl["source_file"] = truth["source_file"] = spec.file
        faults.append(fl)
        truths.append(truth)
        files[spec.file] = int(len(table))
        pts = ipasn_points(values).mean()
        calib.setdefault(spec.region, {})["ip_asn"] = {k: float(v) for k, v in pts.items()}
        say(f"{spec.file}: {len(table)} rows")

    fault_df = pd.concat(faults, ignore_index=True)[["source_file", "source_row", "fault", "detail"]]
    fault_df = fault_df.sort_values(["source_file", "source_row", "fault"], kind="stable")
    fault_df.to_csv(out / "_truth" / "faults.csv", index=False)
    truth_df = pd.concat(truths, ignore_index=True)[["source_file", "source_row", "unit_id"]]
    truth_df.sort_values(["source_file", "source_row"], kind="stable").to_csv(
        out / "_truth" / "units_truth.csv", index=False)
    summary = {
        "out_dir": str(out), "seed": seed, "files": files, "n_rows": int(sum(files.values())),
        "n_units": int(len(reg)), "faults": fault_df["fault"].value_counts().sort_index().to_dict(),
        "rates": dict(RATES), "calibration": calib,
    }
    from .readme import readme
    (out / "README.md").write_text(readme(summary), encoding="utf-8")
    summary["seconds"] = round(time.perf_counter() - t0, 2)
    return summary
