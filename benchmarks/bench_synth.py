"""Generation speed of the synthetic study at scale.

Usage: python benchmarks/bench_synth.py [N]   (default 1,000,000 respondents)
Writes into a temporary workspace (deleted afterwards) and prints rows/s and seconds.
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from helpers.synth import generate


def main(n: int = 1_000_000) -> dict:
    # a throw-away workspace (ASN_WORKSPACE): the study file and raw folder never touch the repo
    tmp = Path(tempfile.mkdtemp(prefix="bench_synth_"))
    (tmp / "config" / "studies").mkdir(parents=True)
    (tmp / "pyproject.toml").write_text("")
    old = os.environ.get("ASN_WORKSPACE")
    os.environ["ASN_WORKSPACE"] = str(tmp)
    t0 = time.perf_counter()
    try:
        s = generate(None, seed=2023, scale=n, progress=True)
        secs = time.perf_counter() - t0
        size = sum(p.stat().st_size for p in Path(s["out_dir"]).rglob("*") if p.is_file())
        print(f"synth scale={n:,}: {s['n_respondents']:,} respondent rows in {s['n_regions']} regions, "
              f"{secs:.1f} s, {s['n_respondents'] / secs:,.0f} rows/s, {size / 2**20:.0f} MB written")
        return s
    finally:
        if old is None:
            os.environ.pop("ASN_WORKSPACE", None)
        else:
            os.environ["ASN_WORKSPACE"] = old
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
