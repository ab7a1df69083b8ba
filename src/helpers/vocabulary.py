"""The workspace's vocabulary in one place: the orders and labels every stage,
table and brief uses (one ordering rule, as seaborn has one).

- ``EDUCATION``: education levels, lowest first (the codebooks' canonical codes);
- ``AGE_BINS`` / ``AGE_LABELS``: age bands of the comparisons and briefs
  (left-closed: 30 is in "30-39");
- :func:`unit_types`: unit-type ids in the order of ``config/unit_types.yaml``
  with their labels in ``id`` / ``en``.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
import yaml

from . import paths

EDUCATION = ["SD", "SMP", "SMA", "D1", "D2", "D3", "D4", "S1", "S2", "S3"]
AGE_BINS = [-np.inf, 30, 40, 50, np.inf]
AGE_LABELS = ["<30", "30-39", "40-49", "50+"]


def age_band(age: pd.Series) -> pd.Series:
    """Age bands (``AGE_LABELS``) of ages in years; missing or unreadable ages stay missing."""
    return pd.cut(pd.to_numeric(age, errors="coerce"), AGE_BINS, right=False, labels=AGE_LABELS)


@lru_cache(maxsize=8)
def _unit_types(path: str) -> dict:
    try:
        return yaml.safe_load(open(path, encoding="utf-8").read()) or {}
    except OSError:
        return {}


def unit_types(lang: str | None = None) -> dict[str, str] | list[str]:
    """Unit-type ids in the configured order; with ``lang``, ``{id: label}``."""
    data = _unit_types(str(paths.config_dir() / "unit_types.yaml"))
    if lang is None:
        return list(data)
    return {k: ((v or {}).get(lang) or (v or {}).get("en") or k) for k, v in data.items()}
