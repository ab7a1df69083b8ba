"""Speed of the index engine: score N respondents x 45 IKD items (target: 1 million
in at most 10 s on the workspace machine), then aggregate them per unit; with
``--reliability``, also stage 02's reliability table (alpha with its cluster
bootstrap over units, omega, item statistics, per region and for all) in CPU s.

Run: .venv/bin/python benchmarks/bench_indices.py [--n 1000000] [--reliability]
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from helpers.indices import aggregate, load_spec, score
from helpers.indices.reliability import reliability


def make_frame(n: int, seed: int = 0) -> pd.DataFrame:
    spec = load_spec("ikd")
    rng = np.random.default_rng(seed)
    x = rng.integers(1, 5, size=(n, len(spec.items))).astype(float)
    x[rng.random(x.shape) < 0.02] = np.nan            # 2 % missing answers
    df = pd.DataFrame(x, columns=spec.items)
    df["wave"] = 2023
    df["region_id"] = rng.choice([f"r{i:03d}" for i in range(50)], n)
    df["unit_id"] = df["region_id"] + "-" + pd.Series(rng.integers(0, 90, n)).astype(str)
    df["unit_type"] = rng.choice(["dinas", "badan", "kecamatan", "puskesmas"], n)
    df["weight"] = rng.uniform(1, 5, n)
    return df


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--reliability", action="store_true", help="also time the reliability table")
    args = ap.parse_args()
    spec = load_spec("ikd")
    df = make_frame(args.n)
    t0 = time.perf_counter()
    s = score(df, spec)
    t_score = time.perf_counter() - t0
    print(f"score: {args.n:,} respondents x {len(spec.items)} items in {t_score:.2f} s "
          f"({'OK' if t_score <= 10 else 'SLOWER THAN'} target 10 s)")
    frame = pd.concat([df[["wave", "region_id", "unit_id", "unit_type", "weight"]], s], axis=1)
    t0 = time.perf_counter()
    agg = aggregate(frame, ["overall", *spec.components], index="ikd")
    print(f"aggregate: {len(agg):,} rows (3 levels x 6 components) in {time.perf_counter() - t0:.2f} s")
    if args.reliability:
        c0 = time.process_time()
        rel = reliability(df, spec)
        print(f"reliability: {len(rel):,} rows (50 regions + all, 5 areas + overall, 500 bootstrap "
              f"replicates each) in {time.process_time() - c0:.2f} CPU s")


if __name__ == "__main__":
    main()
