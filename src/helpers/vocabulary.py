"""The workspace's vocabulary in one place: the codes every stage, table and
brief uses, their order and their labels in Bahasa Indonesia (``id``) and
English (``en``) (one ordering rule, as seaborn has one).

- ``EDUCATION``: education levels, lowest first (the codebooks' canonical codes);
- ``AGE_BINS`` / ``AGE_LABELS``: age bands of the comparisons and briefs
  (left-closed: 30 is in "30-39");
- :func:`unit_types`: unit-type ids in the order of ``config/unit_types.yaml``
  with their labels;
- :func:`factor_label`, :func:`group_label`: the demographic factors and their
  group codes (``L`` / ``P``, ``struktural``, ``<30``) as a reader names them;
- ``POSTHOC_FOR``, :func:`test_label`, ``EFFECT_SYMBOLS``, :func:`statistic_symbol`: the tests stage 03
  writes (the ``test`` column of its tables), the post-hoc test of each omnibus
  test, and their names in a sentence;
- :func:`index_short`: an index's short name in a table or heading (``IP ASN``;
  acronyms, the same in both languages).

>>> factor_label("age_band", "en"), group_label("P", "id"), test_label("welch", "en")
('age group', 'Perempuan', 'Welch ANOVA')
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from . import paths

# libyaml's parser (same safe constructor) when installed: ~10x faster than the pure-Python one
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

EDUCATION = ["SD", "SMP", "SMA", "D1", "D2", "D3", "D4", "S1", "S2", "S3"]
AGE_BINS = [-np.inf, 30, 40, 50, np.inf]
AGE_LABELS = ["<30", "30-39", "40-49", "50+"]


def age_band(age: pd.Series) -> pd.Series:
    """Age bands (``AGE_LABELS``) of ages in years; missing or unreadable ages stay missing."""
    return pd.cut(pd.to_numeric(age, errors="coerce"), AGE_BINS, right=False, labels=AGE_LABELS)


@lru_cache(maxsize=8)
def _unit_types(path: str) -> dict:
    try:
        return yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_YAML_LOADER) or {}
    except OSError:
        return {}


def unit_types(lang: str | None = None) -> dict[str, str] | list[str]:
    """Unit-type ids in the configured order; with ``lang``, ``{id: label}``."""
    data = _unit_types(str(paths.config_dir() / "unit_types.yaml"))
    if lang is None:
        return list(data)
    return {k: ((v or {}).get(lang) or (v or {}).get("en") or k) for k, v in data.items()}


# ----------------------------------------------------------------------------- factors and groups

#: factor column -> label in a sentence (lower case; a table header capitalises it)
FACTOR_LABELS: dict[str, dict[str, str]] = {
    "unit_type": {"id": "jenis unit", "en": "unit type"},
    "region_id": {"id": "wilayah", "en": "region"},
    "sex": {"id": "jenis kelamin", "en": "sex"},
    "age_band": {"id": "kelompok umur", "en": "age group"},
    "education": {"id": "pendidikan", "en": "education"},
    "position_type": {"id": "jenis jabatan", "en": "position type"},
    "status": {"id": "status kepegawaian", "en": "employment status"},
    "golongan": {"id": "golongan", "en": "rank (golongan)"},
}
#: group code -> label; codes not listed (education levels, statuses) are shown as they are
GROUP_LABELS: dict[str, dict[str, str]] = {
    "L": {"id": "Laki-laki", "en": "Men"}, "P": {"id": "Perempuan", "en": "Women"},
    "struktural": {"id": "Struktural", "en": "Structural"}, "fungsional": {"id": "Fungsional", "en": "Functional"},
    "pelaksana": {"id": "Pelaksana", "en": "Administrative"},
    **{a: {"id": a.replace("<", "< ") + " th", "en": a.replace("<", "< ") + " y"} for a in AGE_LABELS},
}


def _pick(labels: dict[str, str], lang: str, default: str) -> str:
    return labels.get(lang) or labels.get("en") or default


def factor_label(factor: str, lang: str = "en") -> str:
    """``age_band`` -> ``kelompok umur`` / ``age group``; an unknown factor as it is."""
    return _pick(FACTOR_LABELS.get(factor, {}), lang, factor)


def group_label(group: str, lang: str = "en") -> str:
    """``P`` -> ``Perempuan`` / ``Women``, ``<30`` -> ``< 30 th`` / ``< 30 y``."""
    return _pick(GROUP_LABELS.get(group, {}), lang, group)


# ----------------------------------------------------------------------------- tests

#: the post-hoc test that goes with each omnibus test (stage 03 and the brief)
POSTHOC_FOR = {"anova": "tukey", "welch": "games_howell", "kruskal": "dunn",
               "mixed_emm": "emm_contrast", "svy_wald": "svy_contrast"}

#: the ``test`` values stage 03 writes -> their name in a sentence
TEST_LABELS: dict[str, dict[str, str]] = {
    "anova": {"en": "ANOVA"}, "welch": {"en": "Welch ANOVA"}, "kruskal": {"en": "Kruskal-Wallis"},
    "tukey": {"en": "Tukey HSD"}, "games_howell": {"en": "Games-Howell"}, "dunn": {"en": "Dunn-Holm"},
    "levene": {"en": "Levene"}, "brown_forsythe": {"en": "Brown-Forsythe"},
    "paired_units": {"en": "paired t (unit means)", "id": "uji t berpasangan (rata-rata unit)"},
    "wilcoxon_units": {"en": "Wilcoxon (unit means)", "id": "Wilcoxon (rata-rata unit)"},
    "mixed_wave": {"en": "mixed model (wave)", "id": "model campuran (gelombang)"},
    "mixed_wave_x_group": {"en": "mixed model (wave × unit type)", "id": "model campuran (gelombang × jenis unit)"},
    "mixed_emm": {"en": "mixed model (units as replication)", "id": "model campuran (unit sebagai replikasi)"},
    "emm_contrast": {"en": "contrasts of the mixed model's EMMs, Holm", "id": "kontras EMM model campuran, Holm"},
    "svy_wald": {"en": "design-based Wald", "id": "uji Wald berbasis desain"},
    "svy_contrast": {"en": "design-based contrasts, Holm", "id": "kontras berbasis desain, Holm"},
    "linked_change": {"en": "linked change (respondents matched across waves)",
                      "id": "perubahan tertaut (responden dicocokkan antar gelombang)"},
    "within_person": {"en": "within-person change", "id": "perubahan dalam-individu"},
    "turnover": {"en": "turnover (only-later vs only-earlier respondents)", "id": "pergantian responden"},
}
#: effect-size column ``effect_name`` -> its symbol
#: short names of the indices in tables and headings (the spec's ``name`` is the long one)
INDEX_SHORT = {"ikd": "IKD", "ip_asn": "IP ASN", "ild": "ILD"}


def index_short(index: str) -> str:
    """``"ip_asn"`` -> ``"IP ASN"``; an index without a short name: its id in capitals."""
    return INDEX_SHORT.get(index, str(index).upper())


EFFECT_SYMBOLS = {"omega2": "ω²", "eta2": "η²", "epsilon2": "ε²", "r2_group": "R²", "eta2_w": "η²"}


def statistic_symbol(test: str | None) -> str:
    """The letter of a test's statistic in a sentence: ``H`` for Kruskal-Wallis,
    ``χ²`` for a chi-squared test, ``F`` for the F tests (classic, Welch, the mixed
    model's and the design-based Wald F).

    >>> statistic_symbol("welch"), statistic_symbol("kruskal")
    ('F', 'H')
    """
    return "H" if "kruskal" in str(test) else ("χ²" if "chi" in str(test) else "F")


def test_label(test: str | None, lang: str = "en") -> str:
    """The name of a test in a sentence (``welch`` -> ``Welch ANOVA``); a test
    without its own Indonesian name keeps the English one (a proper name)."""
    if not test:
        return ""
    return _pick(TEST_LABELS.get(str(test), {}), lang, str(test))
