"""Generation speed of the synthetic study at scale.

Usage: python benchmarks/bench_synth.py [N]   (default 1,000,000 respondents)
Writes into a temporary folder (deleted afterwards) and prints rows/s and seconds.
"""
from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

from helpers.synth import generate


def main(n: int = 1_000_000) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="bench_synth_"))
    t0 = time.perf_counter()
    try:
        s = generate(tmp / "study", seed=2023, scale=n, progress=True)
        secs = time.perf_counter() - t0
        size = sum(p.stat().st_size for p in (tmp / "study").rglob("*") if p.is_file())
        print(f"synth scale={n:,}: {s['n_respondents']:,} respondent rows in {s['n_regions']} regions, "
              f"{secs:.1f} s, {s['n_respondents'] / secs:,.0f} rows/s, {size / 2**20:.0f} MB written")
        Path(s["study_file"]).unlink(missing_ok=True)
        return s
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
