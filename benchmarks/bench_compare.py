"""Benchmark of stage 03: the full comparison of one 12,500-respondent region
(overall + five areas, six factors, all tests, mixed model for unit type), one
8,000- and one 2,000-respondent region (a national run's average and a small one),
and the whole sample study when its scores exist (under ``$ASN_OUTPUT_ROOT`` if set).
Prints seconds; target <= 10 s and <= 60 s. Run:
``ASN_OUTPUT_ROOT=/tmp/me .venv/bin/python benchmarks/bench_compare.py``."""
from __future__ import annotations

# helpers first: it limits BLAS to one thread before numpy loads (a multi-threaded
# OpenBLAS on a busy 2-core machine made the mixed model's X'X 100x slower and
# inflated the primary path, which fits more models, against the respondent-only one)
import helpers  # noqa: F401,I001

import os
import time
import warnings

import numpy as np
import pandas as pd

from helpers import compare
from helpers.errors import InputError
from helpers.stats import posthoc

AREAS = ["information", "communication", "content", "safety", "problem_solving"]
TYPES = ["setda", "setwan", "inspektorat", "badan", "dinas", "satpol_pp", "kecamatan", "rsud",
         "puskesmas", "upt_pendidikan"]


def synthetic_region(n: int = 12_500, n_units: int = 150, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    unit = rng.integers(0, n_units, n)
    ut = np.array(TYPES)[unit % len(TYPES)]
    base = 2.5 + (unit % len(TYPES)) * 0.03 + rng.normal(0, 0.15, n_units)[unit]
    d = pd.DataFrame({
        "respondent_id": [f"R{i:016x}" for i in range(n)], "region_id": "kab-bench",
        "unit_id": [f"u{k}" for k in unit], "unit_type": ut, "wave": 2023,
        "sex": rng.choice(["L", "P"], n), "age": rng.integers(22, 58, n).astype(float),
        "education": rng.choice(["SMA", "D3", "S1", "S2"], n, p=[.2, .2, .5, .1]),
        "position_type": rng.choice(["struktural", "fungsional", "pelaksana"], n),
        "status": rng.choice(["PNS", "PPPK"], n, p=[.8, .2]), "weight": 1.0})
    for a in AREAS:
        d[a] = np.clip(base + rng.normal(0, 0.5, n), 1, 4)
    d["overall"] = d[AREAS].mean(axis=1)
    # a census with 63% response (Kukar 2023): headcounts are the fpc, weights N_u / n_u
    n_u = d.groupby("unit_id")["unit_id"].transform("size")
    d["fpc"] = np.ceil(n_u / 0.63)
    d["weight"] = d["fpc"] / n_u
    d["ps_cell"] = d["unit_id"]
    return d


def respondent_only(d: pd.DataFrame, index: str, region: str) -> list:
    """Stage 03 as it was before units became the replication level: the
    respondent-level comparison (and covariate-adjusted mixed model) of every
    component x factor, nothing else. The ratio to :func:`compare.compare_frame`
    is the cost of the design-based and units-as-replication primary tests."""
    factors = {f: lab for f, lab in compare.FACTORS.items() if f in d.columns}
    covs = [c for c in compare.COVARIATES if c in d.columns]
    out = []
    for comp in compare.components(d):
        for factor, label in factors.items():
            mixed = factor == "unit_type"
            out.append(compare.compare_groups(d, comp, factor, cluster="unit_id", weights="weight",
                                              covariates=[c for c in covs if c != factor] if mixed else None,
                                              mixed=mixed, label=label))
    return out


def main() -> None:
    warnings.simplefilter("ignore")
    d = compare.prepare_scores(synthetic_region())
    try:
        load = "load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())
    except OSError:
        load = "load average unknown"
    # CPU seconds: wall on a machine shared with other jobs measures them too
    posthoc._q_crit_one.cache_clear()
    t0, c0 = time.perf_counter(), time.process_time()
    respondent_only(d, "ikd", "kab-bench")
    c_old = time.process_time() - c0
    # each path pays for its own Tukey critical values (cached per k, df)
    posthoc._q_crit_one.cache_clear()
    t0, c0 = time.perf_counter(), time.process_time()
    res = compare.compare_frame(d, "ikd", "kab-bench")
    out = compare.tables(res)
    dt, ct = time.perf_counter() - t0, time.process_time() - c0
    print(f"{load}; one region, 12,500 respondents, {len(res)} comparisons: {dt:.2f} s wall, {ct:.2f} CPU s "
          f"(target <= 10 s); rows: " + ", ".join(f"{k}={len(v)}" for k, v in out.items()))
    print(f"  respondent-level tests only (stage 03 before issue 10): {c_old:.2f} CPU s; "
          f"with the design-based and units-as-replication tests: {ct:.2f} CPU s = {ct / c_old:.2f}x "
          f"(target <= 1.30x)")
    # a national run's regions average ~8,600 respondents (5 M / 582) and many are far
    # smaller, where the fixed cost of ~36 comparisons is most of a region's time
    for n, units, seed in ((8_000, 100, 1), (2_000, 40, 2)):
        small = compare.prepare_scores(synthetic_region(n=n, n_units=units, seed=seed))
        posthoc._q_crit_one.cache_clear()
        c0 = time.process_time()
        compare.tables(compare.compare_frame(small, "ikd", "kab-bench"))
        print(f"one region, {n:,} respondents ({units} units): {time.process_time() - c0:.2f} CPU s")
    try:
        from helpers.study import load_study
        study = load_study(os.environ.get("BENCH_STUDY", "sample"))
        if any((study.processed_dir / f"scores_{i}.parquet").exists() for i in study.indices):
            t0, c0 = time.perf_counter(), time.process_time()
            summary = compare.run(study, write=False)
            print(f"sample study: {summary['comparisons']} comparisons in "
                  f"{time.perf_counter() - t0:.2f} s, {time.process_time() - c0:.2f} CPU s (target <= 60 s)")
        else:
            print("sample study: no scores_<index>.parquet yet (run stages 01-02 first)")
    except (InputError, OSError, ValueError, KeyError) as e:  # report, do not fail the build
        print(f"sample study: not measured ({e})")


if __name__ == "__main__":
    main()
