"""One vocabulary (helpers.vocabulary), one string catalog (helpers.strings) and
one number formatter (helpers.fmt): reference strings written out by hand from
the style rules (APA 7th ed. for p-values; the Indonesian decimal comma), not
produced by the code under test."""
from __future__ import annotations

import re
import string
from pathlib import Path

import pandas as pd
import pytest

from helpers import fmt, strings, vocabulary
from helpers.stats.readings import d_words, effect_words, reading, wave_reading

SRC = Path(__file__).resolve().parents[1] / "src" / "helpers"


@pytest.mark.parametrize("p, lang, expected", [
    (0.0004, "id", "p < 0,001"), (0.0004, "en", "p < .001"), (0.001, "en", "p = .001"),
    (0.0312, "id", "p = 0,031"), (0.0312, "en", "p = .031"), (0.9996, "en", "p = 1.000"),
    (None, "en", "p = –"), (float("nan"), "id", "p = –"),
])
def test_p_values_follow_apa_in_each_language(p, lang, expected):
    assert fmt.pvalue(p, lang) == expected


def test_signed_numbers_carry_a_true_minus_and_zero_is_plus_minus():
    assert fmt.signed(0.153, "id") == "+0,15" and fmt.signed(-0.083, "en") == "−0.08"
    assert fmt.signed(0.004, "id") == "±0,00" and fmt.signed(-0.005, "en") == "−0.01"
    assert fmt.signed(1234.5, "id") == "+1.234,50" and fmt.signed(None, "id") == fmt.DASH


def test_degrees_of_freedom_have_no_thousands_separator():
    assert fmt.dof(1759, "id") == "1759" and fmt.dof(1759.0, "en") == "1759"
    assert fmt.dof(110.53, "id") == "110,5" and fmt.dof(12345.67, "en") == "12345.7"


def test_a_reading_is_formatted_as_the_brief_formats_numbers():
    rid, ren = reading(("jenis unit", "unit type"), "F", 41.2, 2, 110.53, 0.0004, 0.21, "ω²",
                       ("Setda", 2.5), ("Dinas", 2.1), (-0.5, -0.3))
    assert ren == ("Scores differ by unit type (F(2, 110.5) = 41.20, p < .001, ω² = 0.210; large effect): "
                   "highest Setda (2.50), lowest Dinas (2.10), gap 0.40 [95% CI 0.30 to 0.50].")
    assert rid == ("Skor berbeda menurut jenis unit (F(2; 110,5) = 41,20, p < 0,001, ω² = 0,210; efek besar): "
                   "tertinggi Setda (2,50), terendah Dinas (2,10), selisih 0,40 [IK 95% 0,30 s.d. 0,50].")
    _, ren = reading("sex", "F", 1.2, 1, 47, 0.31, 0.005, "ω²", ("P", 2.5), ("L", 2.4), None)
    assert ren == ("No clear difference by sex (F(1, 47) = 1.20, p = .310, ω² = 0.005; negligible effect); "
                   "the observed gap between P (2.50) and L (2.40) may be chance.")


def test_a_wave_reading_uses_the_signed_formatter():
    primary = pd.Series({"test": "linked_change", "p": 0.2, "p_adj": 0.4, "diff": -0.083, "ci_low": -0.21,
                         "ci_high": 0.04, "effect_size": -0.1, "n_clusters": 120, "df1": 119, "statistic": -1.31})
    rid, ren = wave_reading(2022, 2023, primary, None, None, None, ("jenis unit", "unit type"), g=-0.12)
    assert ren == ("From 2022 to 2023 no clear change: −0.08 [95% CI −0.21 to +0.04] (120 respondents linked "
                   "across waves, t(119) = -1.31, p = .400, g = -0.12, negligible).")
    assert rid == ("Dari 2022 ke 2023 tidak ada perubahan yang jelas: −0,08 [IK 95% −0,21 s.d. +0,04] (120 "
                   "responden tertaut antar gelombang, t(119) = -1,31; p = 0,400; g = -0,12, efek sangat kecil).")


def test_effect_words_follow_cohen():
    # omega^2: < .01 negligible, < .06 small, < .14 medium (a negative estimate is negligible)
    assert [effect_words(x)[0] for x in (-0.02, 0.009, 0.05, 0.13, 0.14)] == \
        ["negligible", "negligible", "small", "medium", "large"]
    assert [d_words(x)[0] for x in (0.1, -0.3, 0.6, -0.9)] == ["negligible", "small", "medium", "large"]
    assert d_words(float("nan")) == ("unknown", "tidak diketahui")


def _fields(s: str) -> set[str]:
    # case-blind: a sentence may start with the capitalised field ({Noun}) in one language only
    return {f.lower() for _, f, _, _ in string.Formatter().parse(s) if f}


def _leaves(d, path=()):
    if isinstance(d, dict):
        for k, v in d.items():
            yield from _leaves(v, (*path, k))
    elif isinstance(d, list):
        for i, v in enumerate(d):
            yield from _leaves(v, (*path, i))
    else:
        yield path, d


@pytest.mark.parametrize("table", sorted(strings.TABLES))
def test_every_string_exists_in_both_languages_with_the_same_fields(table):
    t = strings.TABLES[table]
    ids, ens = dict(_leaves(t["id"])), dict(_leaves(t["en"]))
    assert set(ids) == set(ens), set(ids) ^ set(ens)
    for key, s in ids.items():
        assert _fields(s) == _fields(ens[key]), (table, key)


def test_every_test_stage_03_pairs_has_a_name():
    for omnibus, posthoc in vocabulary.POSTHOC_FOR.items():
        assert omnibus in vocabulary.TEST_LABELS and posthoc in vocabulary.TEST_LABELS
    assert vocabulary.test_label("welch", "id") == "Welch ANOVA"
    assert vocabulary.test_label("linked_change", "id") == "perubahan tertaut (responden dicocokkan antar gelombang)"


def test_labels_of_factors_and_groups():
    assert vocabulary.factor_label("age_band", "id") == "kelompok umur"
    assert vocabulary.group_label("<30", "id") == "< 30 th" and vocabulary.group_label("50+", "en") == "50+ y"
    assert vocabulary.group_label("S1", "en") == "S1"  # an education code is its own label
    bands = vocabulary.age_band(pd.Series([29.9, 30, 49, 50]))
    assert list(bands) == ["<30", "30-39", "40-49", "50+"]  # left-closed: 30 is in 30-39


def test_no_copy_of_the_vocabulary_is_left_in_src():
    edu = re.compile(r'"SD",\s*"SMP",\s*"SMA",\s*"D1"')
    posthoc = re.compile(r'"welch":\s*"games_howell"')
    for path in SRC.rglob("*.py"):
        if path.name == "vocabulary.py":
            continue
        text = path.read_text(encoding="utf-8")
        assert not edu.search(text), f"{path}: education order written out (use helpers.vocabulary.EDUCATION)"
        assert not posthoc.search(text), f"{path}: post-hoc map written out (use helpers.vocabulary.POSTHOC_FOR)"
