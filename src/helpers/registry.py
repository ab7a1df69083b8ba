"""The unit registry (``units.csv``): the one reader every stage uses.

Columns per docs/architecture.md. Cells come back as strings, as in every raw
export (headcounts are converted where they are used, with their own message).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .errors import InputError

REQUIRED = ("unit_id", "unit_name", "unit_type", "region_id")
OPTIONAL = ("parent_unit_id", "headcount_pns", "headcount_pppk", "aliases")


def load_registry(source) -> pd.DataFrame:
    """Read the registry of a study (a :class:`~helpers.study.Study`) or at a path.

    Raises :class:`InputError` when the file is missing or lacks a required column."""
    from .clean.readers import read_table

    path = Path(source.registry_path if hasattr(source, "registry_path") else source)
    if not path.exists():
        raise InputError("unit registry not found", file=path,
                         expected="units.csv with " + ", ".join(REQUIRED + OPTIONAL))
    reg = read_table(path)
    missing = [c for c in REQUIRED if c not in reg.columns]
    if missing:
        raise InputError("unit registry lacks columns", file=path, row=1, column=missing[0],
                         expected=", ".join(REQUIRED + OPTIONAL))
    if "aliases" not in reg.columns:
        reg["aliases"] = pd.NA
    return reg


def unit_names(source) -> dict[str, str]:
    """``unit_id -> unit_name``; empty when the registry cannot be read (names are
    cosmetic: ids are shown instead)."""
    try:
        reg = load_registry(source)
    except InputError:
        return {}
    return dict(zip(reg["unit_id"].astype(str), reg["unit_name"].astype(str)))
