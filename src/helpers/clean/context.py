"""What stage 01 computes once per run and shares with every source: the
quality options, the unit registry and its matchers, manual unit decisions,
the pseudonym key, region names and the codebooks (loaded on first use).
"""
from __future__ import annotations

import os
import resource
import time
from dataclasses import dataclass

import pandas as pd

from ..registry import load_registry
from ..study import Study
from . import nip as nipmod
from . import quality as q
from .codebook import Codebook, load_codebook
from .readers import read_table
from .units import UnitMatcher, load_manual_aliases, manual_aliases_path, region_lookup, unit_matchers

READER_OPTS = {"header_row", "delimiter", "encoding", "decimal"}


_CHECKPOINT = {"t": None, "cpu": None}


def checkpoint(label: str) -> None:
    """With ``ASN_CLEAN_PROFILE=1``, print wall and CPU seconds since the last
    checkpoint and the peak memory so far (for benchmarks/bench_clean.py)."""
    if not os.environ.get("ASN_CLEAN_PROFILE"):
        return
    now, cpu = time.perf_counter(), time.process_time()
    if _CHECKPOINT["t"] is not None:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2
        print(f"  {label:28s} {now - _CHECKPOINT['t']:6.2f} s  cpu {cpu - _CHECKPOINT['cpu']:6.2f} s   "
              f"peak {peak:5.2f} GB", flush=True)
    _CHECKPOINT["t"], _CHECKPOINT["cpu"] = now, cpu


@dataclass
class RunContext:
    """What is per run, per registry, per instrument or per region: built once by
    :func:`context`, shared by every source (``clean_batch`` is then linear in
    the source's rows)."""

    study: Study
    opts: dict
    registry: pd.DataFrame
    manual: pd.DataFrame
    key: bytes
    regions: dict[str, str]  # slug -> region id
    codebooks: dict[str, Codebook]
    inside: UnitMatcher  # units of the study's regions
    outside: UnitMatcher | None  # units of other regions (rows that become other_region)
    utype: dict[str, str]

    def codebook(self, instrument: str) -> Codebook:
        if instrument not in self.codebooks:
            self.codebooks[instrument] = load_codebook(instrument)
        return self.codebooks[instrument]


def context(study: Study, create_key: bool = True) -> RunContext:
    """Load the registry, manual unit decisions, pseudonym key and region names
    once for the run; codebooks are loaded on first use and kept. Without
    ``create_key`` a missing key file is an error instead of a new key."""
    opts = q.options(study.option("quality", default={}))
    registry = load_registry(study)
    manual = load_manual_aliases(manual_aliases_path(study.id), registry)
    inside, outside = unit_matchers(study, registry, manual, opts)
    return RunContext(study=study, opts=opts, registry=registry, manual=manual, key=nipmod.load_key(create=create_key),
                      regions=region_lookup(study), codebooks={}, inside=inside, outside=outside,
                      utype=dict(zip(registry["unit_id"].astype("string"), registry["unit_type"])))


def read_raw(study: Study, src) -> pd.DataFrame:
    path = study.raw_dir / src.file
    ropts = {k: v for k, v in src.options.items() if k in READER_OPTS}
    return read_table(path, sheet=src.sheet, **ropts)
