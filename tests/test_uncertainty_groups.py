"""The Monte Carlo's grouped evaluation (helpers.indices.uncertainty) against a
respondent-by-respondent re-implementation of its documented definition.

The engine sums per stratum x answer pattern x survey weight, takes the bootstrap's
count-weighted sums as sparse products and the geometric mean from per-value
exponential tables; the reference below does none of that: for every draw it
recomputes each respondent's index (weighted arithmetic or geometric mean of the
answered components, the minimum-data rule), its Rao-Wu-Yue multiplier from the
replicate's own random stream, the re-post-stratified weight, and each entity's
weighted mean, in plain loops."""
import numpy as np
import pandas as pd
import pytest

from helpers.indices.spec import UncertaintySpec, load_spec
from helpers.indices import uncertainty as unc
from helpers.indices.uncertainty import monte_carlo

SPEC = {"id": "toy", "scale": {"min": 1, "max": 4},
        "index": {"aggregation": "mean", "min_share": 0.6,
                  "children": [{"id": "a", "items": ["a1"]}, {"id": "b", "items": ["b1"]},
                               {"id": "c", "items": ["c1"]}]}}
COMPS = ["a", "b", "c"]


def scores_frame(seed: int = 0) -> pd.DataFrame:
    """Two regions; units of 1 to 9 respondents; weights that vary within units
    (so every replicate is re-post-stratified); some components missing."""
    rng = np.random.default_rng(seed)
    rows = []
    for region, units in (("r1", {"u1": 9, "u2": 1, "u3": 6, "u4": 4}), ("r2", {"v1": 7, "v2": 5, "v3": 2})):
        for unit, size in units.items():
            for _ in range(size):
                vals = rng.choice([1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0], 3)
                if rng.random() < 0.2:
                    vals[rng.integers(3)] = np.nan  # one component missing: still scored (2 of 3 >= 0.6 x 3)
                if rng.random() < 0.05:
                    vals[:2] = np.nan  # one of three: no index
                rows.append({"wave": 2023, "region_id": region, "unit_id": unit, "unit_type": f"t_{unit[0]}",
                             "weight": float(rng.choice([1.5, 2.0, 3.0])), **dict(zip(COMPS, vals))})
    return pd.DataFrame(rows)


def reference_entity_scores(df: pd.DataFrame, draws: pd.DataFrame, seed: int, min_share: float) -> dict:
    """{(level, group): array of the entity's score under each draw}, respondent by respondent."""
    # strata as the engine orders them (wave, region, unit, unit type), respondents stable within
    key = df[["wave", "region_id", "unit_id", "unit_type"]].astype(str).agg("|".join, axis=1)
    order = np.argsort(key.to_numpy(), kind="stable")
    d = df.iloc[order].reset_index(drop=True)
    strata = list(dict.fromkeys(key.iloc[order]))
    members = [np.flatnonzero(key.iloc[order].to_numpy() == s) for s in strata]
    z = d[COMPS].to_numpy(float)
    w = d["weight"].to_numpy(float)
    out = {}
    for _, dr in draws.iterrows():
        wts = np.array([dr[f"w_{c}"] for c in COMPS])
        if dr["leave_one_out"] is not None and not pd.isna(dr["leave_one_out"]):
            wts[COMPS.index(dr["leave_one_out"])] = 0.0
        included = wts > 0
        x = np.full(len(d), np.nan)
        for i in range(len(d)):
            ans = ~np.isnan(z[i]) & included
            if ans.sum() == 0 or ans.sum() < min_share * included.sum() - 1e-9:
                continue
            if dr["aggregation"] == "geometric":
                x[i] = np.exp(np.sum(wts[ans] * np.log(z[i, ans])) / np.sum(wts[ans]))
            else:
                x[i] = np.sum(wts[ans] * z[i, ans]) / np.sum(wts[ans])
        # Rao-Wu-Yue multipliers: m = n - 1 draws with replacement per stratum, one stream per replicate
        u = np.random.default_rng([seed, int(dr["replicate"])])
        slots = sum(len(m) - 1 for m in members if len(m) > 1)
        uniform = iter(u.random(slots))
        wstar = np.empty(len(d))
        for m in members:
            n_s = len(m)
            counts = np.zeros(n_s)
            if n_s > 1:
                for _ in range(n_s - 1):
                    counts[int(next(uniform) * n_s)] += 1
                lam = np.sqrt(1 - n_s / w[m].sum())  # fpc: f = n / N, N = the stratum's headcount
                r = 1 - lam + lam * n_s / (n_s - 1) * counts
            else:
                r = np.ones(1)
            wstar[m] = r * w[m] * w[m].sum() / np.sum(r * w[m])
        for level, col in (("region", "region_id"), ("unit", "unit_id")):
            for g in d[col].unique():
                sel = (d[col] == g).to_numpy() & ~np.isnan(x)
                val = np.sum(wstar[sel] * x[sel]) / np.sum(wstar[sel]) if sel.any() else np.nan
                out.setdefault((level, g), []).append(val)
    return {k: np.array(v) for k, v in out.items()}


@pytest.mark.parametrize("seed, tables", [(0, False), (1, False), (0, True)])
def test_grouped_monte_carlo_equals_respondent_level_definition(seed, tables, monkeypatch):
    # tables: the geometric draws from per-value exponential tables (used on large frames)
    monkeypatch.setattr(unc, "TABLES_MAX_SHARE", 100.0 if tables else 0.0)
    df = scores_frame(seed)
    u = UncertaintySpec(n=48, seed=123 + seed, sensitivity=False, weights={"method": "uniform", "spread": 0.25},
                        aggregation=["arithmetic", "geometric"], normalisation=None, leave_one_out=True,
                        min_share=None, band_edges=None, survey_weights=False,
                        sampling={"method": "bootstrap", "fpc": True})
    res = monte_carlo(df, load_spec(SPEC), u=u)
    assert set(res.draws["aggregation"]) == {"arithmetic", "geometric"}
    assert res.draws["leave_one_out"].notna().any() and res.draws["replicate"].nunique() == 48
    ref = reference_entity_scores(df, res.draws, u.seed, min_share=0.6)
    t = res.table.set_index(["level", "group"])
    checked = 0
    for (level, group), vals in ref.items():
        row = t.loc[(level, group)]
        q = np.nanquantile(vals, [0.5, 0.05, 0.95])
        np.testing.assert_allclose(row[["score_median", "score_p05", "score_p95"]].to_numpy(float), q,
                                   rtol=1e-10, err_msg=f"{level} {group}")
        checked += 1
    assert checked == 2 + 7
    # the one-respondent unit has no sampling variance: its spread is the build choices' only
    assert t.loc[("unit", "u2"), "n"] == 1


def test_baseline_is_the_weighted_mean_of_the_arithmetic_index():
    df = scores_frame(2)
    u = UncertaintySpec(n=8, seed=5, sensitivity=False, weights=None, aggregation=None, normalisation=None,
                        leave_one_out=False, min_share=None, band_edges=None, survey_weights=False, sampling=None)
    t = monte_carlo(df, load_spec(SPEC), u=u).table.set_index(["level", "group"])
    z = df[COMPS].to_numpy(float)
    ok = (~np.isnan(z)).sum(axis=1) >= 2
    x = np.where(ok, np.nanmean(z, axis=1), np.nan)
    for unit, g in df.assign(x=x).groupby("unit_id"):
        g = g[g["x"].notna()]
        expect = np.average(g["x"], weights=g["weight"]) if len(g) else np.nan
        assert t.loc[("unit", unit), "baseline_score"] == pytest.approx(expect, rel=1e-12, nan_ok=True)


def test_shared_variance_estimators_are_salibs():
    from SALib.analyze.sobol import first_order, total_order

    from helpers.indices.uncertainty import _Estimators

    rng = np.random.default_rng(7)
    a, ab, b = rng.normal(size=(64, 30, 4)), rng.normal(size=(64, 30, 4)), rng.normal(size=(64, 30, 4))
    est = _Estimators(a, b)
    np.testing.assert_array_equal(est.first_order(ab), first_order(a, ab, b))
    np.testing.assert_array_equal(est.total_order(ab), total_order(a, ab, b))
    const = np.ones((16, 3))
    with pytest.warns(UserWarning):
        expect = first_order(const, const + 1, const)
    np.testing.assert_array_equal(_Estimators(const, const).first_order(const + 1), expect)
