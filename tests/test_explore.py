"""helpers.explore shows one wave at a time with the brief's numbers (the
fixture's Kabupaten A has IKD 2022 and 2023; the brief reports 2023)."""
from __future__ import annotations


import pytest

from _brief_fixture import STUDY_ID
from factories import env


@pytest.fixture(scope="module")
def fx(brief_study):
    root, cfg = brief_study("explore")
    with env(ASN_OUTPUT_ROOT=root, ASN_WORKSPACE=root):
        from helpers import catalog, explore

        yield explore, explore.load(STUDY_ID), cfg, catalog.read(STUDY_ID, "aggregates")


def _agg(agg, level, wave, component="overall", region="kab-a"):
    return agg[(agg["index"] == "ikd") & (agg["level"] == level) & (agg["wave"] == wave)
               & (agg["component"] == component) & (agg["region_id"] == region)]


def test_latest_wave_by_default_with_the_briefs_numbers(fx):
    from helpers.brief.results import build_results

    explore, data, cfg, agg = fx
    brief = build_results(str(cfg), "kab-a", lang="id")["indices"]["ikd"]
    prof = explore.area_profile(data, "ikd")
    assert prof.loc["Kabupaten A", "overall"] == pytest.approx(brief["overall"], rel=1e-12)
    assert prof.loc["Kabupaten A", "overall"] == _agg(agg, "region", 2023)["mean"].item()
    for c, a in brief["areas"].items():
        assert prof.loc["Kabupaten A", c] == pytest.approx(a["mean"], rel=1e-12)
    pooled = _agg(agg, "region", 2022)["mean"].item() / 2 + _agg(agg, "region", 2023)["mean"].item() / 2
    assert prof.loc["Kabupaten A", "overall"] != pytest.approx(pooled)
    ov = explore.overview(data, "ikd").set_index("region_id")
    assert ov.loc["kab-a", "wave"] == 2023 and ov.loc["kab-a", "n"] == brief["n"]["respondents"]


def test_unit_types_and_units_are_one_wave(fx):
    explore, data, cfg, agg = fx
    ut = explore.by_unit_type(data, "ikd", region="kab-a")
    assert set(ut["wave"]) == {2023} and not ut["group"].duplicated().any()
    ref = _agg(agg, "unit_type", 2023).set_index("group")["mean"]
    assert ut.set_index("group")["mean"].to_dict() == pytest.approx(ref.to_dict())
    low = explore.lowest_units(data, "ikd", region="kab-a", n=100, min_n=1)
    assert set(low["wave"]) == {2023} and not low["group"].duplicated().any()


def test_tables_are_the_catalogs_and_an_unknown_name_says_which_exist(fx):
    from helpers.errors import InputError

    explore, data, cfg, agg = fx
    assert {"aggregates", "scores_ikd", "compare_omnibus"} <= set(data.tables)
    assert data["aggregates"].equals(agg)
    with pytest.raises(InputError, match="no processed table 'aggregate'") as e:
        data["aggregate"]
    assert "aggregates" in str(e.value)


def test_a_wave_can_be_chosen(fx):
    explore, data, cfg, agg = fx
    prof = explore.area_profile(data, "ikd", wave=2022)
    assert prof.loc["Kabupaten A", "overall"] == _agg(agg, "region", 2022)["mean"].item()
    assert "Kota B" not in prof.index  # Kota B has no 2022 wave
    both = explore.area_profile(data, "ikd", wave="all")
    assert len(both.loc["Kabupaten A"]) == 2
