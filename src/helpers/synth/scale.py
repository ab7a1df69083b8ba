"""A big synthetic study for benchmarks (``generate(scale=N)``): N IKD
respondents spread over synthetic kabupaten built like Kutai Kartanegara, one
Google-Forms-style CSV per region, same model, same faults, same ground truth
layout. Not committed. Writes exactly N data rows (respondents, their earlier duplicate
submissions and other-region rows; blank rows come on top) into
``data/raw/sample_scale_<N>/`` and the study file ``config/studies/<folder name>.yaml``,
so ``load_study("sample_scale_<N>")`` finds it.
"""
from __future__ import annotations

import dataclasses
import math
import time
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from .catalog import REGIONS, build_registry
from .export import write_survey
from .layout import KUKAR_IKD_2023, SURVEYS
from .ordinal import calibrate
from .people import build_population
from .survey import RATES, draw_items, plan_survey, render_survey
from .variants import unit_variants

PER_REGION = 8600  # respondents of one Kukar-sized region at a 69% response rate


def _stream(seed, name):
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


def generate_scale(n: int, out_dir=None, seed: int = 2023, progress: bool = True) -> dict:
    from .. import paths
    from . import World, instrument_items

    t0 = time.perf_counter()
    # the Study's raw folder is data/raw/<id>/: the id is the folder's name
    out = Path(out_dir) if out_dir is not None else paths.raw_dir(f"sample_scale_{n}")
    sid = out.name
    (out / "_truth").mkdir(parents=True, exist_ok=True)
    n_regions = max(1, math.ceil(n / PER_REGION))
    kukar = REGIONS[0]
    # expected respondents per region = ASN x rate x mean unit-type response factor (~0.94)
    rate = min(0.95, n / n_regions / (kukar.asn * 0.94))
    # exact rows per region: respondents + their earlier duplicate submissions + other-region rows
    quota = np.full(n_regions, n // n_regions) + (np.arange(n_regions) < n % n_regions)
    n_base = np.round(quota / (1 + RATES["duplicate"] + RATES["other_region"])).astype(int)
    n_other = quota - n_base - np.round(RATES["duplicate"] * n_base).astype(int)
    regions = tuple(dataclasses.replace(
        kukar, id=f"kab-sintetis-{i + 1:03d}", name=f"Kabupaten Sintetis {i + 1:03d}", code=f"s{i + 1:03d}",
        short=f"Sintetis {i + 1:03d}", effect=float(_stream(seed, "effects").normal(0, 0.15, n_regions)[i]),
        aliases=(f"Pemerintah Kabupaten Sintetis {i + 1:03d}", f"Kab. Sintetis {i + 1:03d}"))
        for i in range(n_regions))
    registry = build_registry(_stream(seed, "registry"), regions)
    registry.to_csv(out / "units.csv", index=False)
    items, labels, areas = instrument_items("ikd_digcomp22")
    base = next(s for s in SURVEYS if s.file == "bontang_ikd_2023.csv")
    faults, truths, sources, deltas, total = [], [], [], None, 0
    for i, r in enumerate(regions):
        reg_r = registry[registry.region_id == r.id]
        pop = build_population(reg_r, (r,), _stream(seed, "pop:" + r.id))
        # staff of a neighbouring region answer too: borrow the next region's people
        other = build_population(reg_r.head(5).assign(region_id="kab-luar", unit_id=lambda d: "luar-" + d.unit_id),
                                 (dataclasses.replace(r, id="kab-luar"),), _stream(seed, "other:" + r.id))
        pop = pd.concat([pop, other], ignore_index=True)
        allreg = pd.concat([reg_r, reg_r.head(5).assign(region_id="kab-luar", unit_id=lambda d: "luar-" + d.unit_id)])
        variants = unit_variants(_stream(seed, "var:" + r.id), allreg, {r.id: r.short, "kab-luar": "Luar"},
                                 {r.id: r.name, "kab-luar": "Kab. Luar"})
        outside = dataclasses.replace(r, id="kab-luar", aliases=("Pemerintah Kabupaten Luar",), in_study=False)
        world = World((r,), (r, outside), allreg, pop, variants)
        spec = dataclasses.replace(base, file=f"ikd_{r.id}.csv", region=r.id, item_values="number", rate=rate)
        plan = plan_survey(spec, pop, items, _stream(seed, "plan:" + spec.file), size=(n_base[i], n_other[i]))
        if deltas is None:  # one calibration, on the first region, to the Kukar figures
            deltas = calibrate(plan.theta, items["area_idx"].to_numpy(), items["a"].to_numpy(),
                               items["b"].to_numpy(), plan.eps, 4, plan.keep,
                               np.array([KUKAR_IKD_2023[a] for a in areas]))
        rng = _stream(seed, "render:" + spec.file)
        y, y_dup, changed = draw_items(plan, items, deltas, 4, rng)
        table, fl, truth, _ = render_survey(plan, y, y_dup, changed, items, labels, world, rng)
        first = write_survey(out / spec.file, spec, table, items, labels)
        fl["source_row"], truth["source_row"] = fl["pos"] + first, truth["pos"] + first
        fl["source_file"] = truth["source_file"] = spec.file
        faults.append(fl[["source_file", "source_row", "fault", "detail"]])
        truths.append(truth[["source_file", "source_row", "unit_id"]])
        sources.append({"file": spec.file, "instrument": "ikd_digcomp22", "region": r.id, "wave": 2023})
        total += int((~table["_blank"]).sum())
        if progress and (i % 10 == 0 or i == n_regions - 1):
            print(f"region {i + 1}/{n_regions}: {total:,} rows, {time.perf_counter() - t0:.1f} s")
    pd.concat(faults).to_csv(out / "_truth" / "faults.csv", index=False)
    pd.concat(truths).to_csv(out / "_truth" / "units_truth.csv", index=False)
    study = {"id": sid, "title": f"Studi skala ({n:,} responden sintetis)", "synthetic": True,
             "registry": "units.csv",
             "regions": [{"id": r.id, "name": r.name, "kind": "kabupaten", "province": "Sintetis",
                          "aliases": list(r.aliases)} for r in regions],
             "sources": sources, "indices": ["ikd"], "report": {"min_cell": 5, "lang": "id"}}
    study_file = paths.config_dir() / "studies" / f"{sid}.yaml"
    study_file.write_text(yaml.safe_dump(study, allow_unicode=True, sort_keys=False), encoding="utf-8")
    secs = time.perf_counter() - t0
    return {"out_dir": str(out), "study_file": str(study_file), "seed": seed, "n_regions": n_regions,
            "n_respondents": total, "seconds": round(secs, 2), "rows_per_s": round(total / secs)}
