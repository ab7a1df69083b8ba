"""Cost of the Monte Carlo uncertainty and Sobol' sensitivity analysis
(helpers.indices.uncertainty): N = 1000 combinations per index on the sample
study (target: all indices <= 30 s on the 2-core machine), then per region on a
scale study.

The scale part scores a study's processed respondents (``--study``, e.g. one
made by ``python -m helpers synth --scale 200000`` and stages 01-02) region by
region, as the national per-region partitions do; without ``--study`` it builds
an IKD-shaped frame of ``--scale`` respondents over ``--regions`` regions.
The machine load (other jobs share the 2 cores) is printed with the figures.

Run: .venv/bin/python benchmarks/bench_uncertainty.py [--n 1000] [--scale 200000 --regions 20] [--study ID]
"""
from __future__ import annotations

import argparse
import copy
import os
import time

import numpy as np
import pandas as pd

from helpers.indices.run import rows_for, scores_frame
from helpers.indices.spec import load_spec
from helpers.indices.uncertainty import monte_carlo
from helpers.indices.weights import unit_weights
from helpers.registry import load_registry
from helpers.study import load_study


def load() -> str:
    return "load average %.1f %.1f %.1f on %d cores" % (*os.getloadavg(), os.cpu_count())


def study_frames(study_id: str):
    s = load_study(study_id)
    df = pd.read_parquet(s.processed_dir / "respondents.parquet")
    reg = load_registry(s)
    for ix in s.indices:
        spec = load_spec(ix)
        rows = rows_for(df, spec).reset_index(drop=True)
        if rows.empty:
            continue
        sc = scores_frame(rows, spec, unit_weights(rows, reg, by=["wave"], population=spec.population))
        yield ix, spec, rows, sc


def synthetic(n: int, regions: int, seed: int = 0):
    from helpers.indices import score

    spec = load_spec("ikd")
    rng = np.random.default_rng(seed)
    reg = rng.integers(0, regions, n)
    unit = rng.integers(0, 90, n)
    level = rng.normal(0, 0.3, (regions, 90))[reg, unit][:, None]
    x = np.clip(np.round(2.5 + level + rng.normal(0, 0.8, (n, len(spec.items)))), 1, 4)
    x[rng.random(x.shape) < 0.02] = np.nan
    rows = pd.DataFrame(x, columns=spec.items)
    rows["wave"] = 2023
    rows["region_id"] = [f"r{i:03d}" for i in reg]
    rows["unit_id"] = rows["region_id"] + "-" + pd.Series(unit).astype(str)
    rows["unit_type"] = np.array(["dinas", "badan", "kecamatan", "puskesmas", "rsud"])[unit % 5]
    n_u = rows.groupby("unit_id")["unit_id"].transform("size")
    rows["weight"] = np.ceil(n_u * 1.6) / n_u  # ~63 % response, as Kukar 2023
    sc = pd.concat([rows[["wave", "region_id", "unit_id", "unit_type", "weight"]], score(rows, spec)], axis=1)
    return spec, rows, sc


def timed(sc, spec, rows, n: int, sensitivity: bool) -> tuple[float, object]:
    spec = copy.deepcopy(spec)
    spec.uncertainty.n = n
    spec.uncertainty.sensitivity = sensitivity
    t0 = time.perf_counter()
    res = monte_carlo(sc, spec, rows=rows)
    return time.perf_counter() - t0, res


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--scale", type=int, default=200_000)
    ap.add_argument("--regions", type=int, default=20)
    ap.add_argument("--study", help="a processed study for the per-region part (default: synthetic frame)")
    ap.add_argument("--skip-sample", action="store_true")
    args = ap.parse_args()

    if not args.skip_sample:
        print(f"sample study, N = {args.n} combinations ({load()})")
        tot_u = tot_s = 0.0
        for ix, spec, rows, sc in study_frames("sample"):
            t_u, _ = timed(sc, spec, rows, args.n, False)
            t_s, res = timed(sc, spec, rows, args.n, True)
            tot_u, tot_s = tot_u + t_u, tot_s + t_s
            ev = res.sensitivity["n_evaluations"].iloc[0] if len(res.sensitivity) else args.n
            print(f"  {ix:7s} {len(sc):6,d} respondents, {len(res.factors)} inputs: uncertainty {t_u:5.1f} s; "
                  f"with sensitivity ({ev:,} evaluations) {t_s:5.1f} s")
        print(f"  total: uncertainty {tot_u:.1f} s, with sensitivity {tot_s:.1f} s "
              f"({'OK' if tot_s <= 30 else 'SLOWER THAN'} target 30 s) ({load()})")

    if args.study:
        parts = [(ix, spec, rows, sc) for ix, spec, rows, sc in study_frames(args.study)]
    else:
        spec, rows, sc = synthetic(args.scale, args.regions)
        parts = [("ikd", spec, rows, sc)]
    for ix, spec, rows, sc in parts:
        times = []
        for region, idx in sc.groupby("region_id").groups.items():
            idx = np.asarray(idx)
            t, _ = timed(sc.loc[idx].reset_index(drop=True), spec, rows.loc[idx].reset_index(drop=True),
                         args.n, True)
            times.append((region, len(idx), t))
        t = np.array([x[2] for x in times])
        n = np.array([x[1] for x in times])
        print(f"scale ({ix}, {len(sc):,} respondents, {len(times)} regions, N = {args.n}, with sensitivity): "
              f"per region {t.mean():.1f} s mean, {t.max():.1f} s max ({n.mean():,.0f} respondents on average); "
              f"{t.sum():.0f} s in all ({load()})")


if __name__ == "__main__":
    main()
