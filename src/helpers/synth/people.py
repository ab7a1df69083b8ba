"""The synthetic workforce: one row per ASN of every region, with the
demographics a survey or an HR export shows and the latent traits the response
models use. Everything is drawn in whole arrays (no per-person Python loops).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..vocabulary import EDUCATION
from . import names as name_lists

EDU_LEVELS = np.array(EDUCATION)
# IP ASN kualifikasi points per level (docs/architecture.md, "IP ASN scoring rules")
EDU_POINTS = np.array([1, 1, 5, 5, 5, 10, 15, 15, 20, 25], dtype=float)
# Probability of each level by unit type (synthetic; nurses and midwives make D3
# common in health units, teachers make S1 dominant in education units).
EDU_PROBS = {
    "setda":          [0, .010, .20, .010, .010, .08, .04, .50, .140, .010],
    "setwan":         [0, .020, .30, .010, .010, .08, .03, .45, .100, .000],
    "inspektorat":    [0, .000, .08, .000, .000, .05, .04, .63, .190, .010],
    "badan":          [0, .010, .18, .010, .010, .08, .05, .52, .130, .010],
    "dinas":          [.005, .015, .25, .010, .010, .09, .05, .46, .100, .005],
    "satpol_pp":      [.010, .040, .62, .010, .010, .05, .02, .22, .020, .000],
    "kecamatan":      [.010, .030, .38, .010, .010, .07, .03, .40, .060, .000],
    "rsud":           [0, .010, .08, .010, .010, .45, .08, .30, .050, .010],
    "puskesmas":      [0, .010, .08, .010, .020, .50, .08, .28, .020, .000],
    "upt_pendidikan": [0, .010, .06, .010, .040, .02, .02, .78, .060, .000],
}
UNIT_TYPES = list(EDU_PROBS)
GOLONGAN = np.array(["I/a", "I/b", "I/c", "I/d", "II/a", "II/b", "II/c", "II/d", "III/a", "III/b",
                     "III/c", "III/d", "IV/a", "IV/b", "IV/c", "IV/d", "IV/e"])
GOL_ENTRY = np.array([0, 2, 4, 4, 5, 6, 8, 8, 9, 10])  # starting rank by education level
GOL_CAP = np.array([7, 7, 11, 11, 11, 11, 13, 14, 15, 16])  # highest reachable rank
ENTRY_AGE = np.array([21, 21, 23, 24, 24, 25, 27, 27, 31, 34], dtype=float)
# P(struktural), P(fungsional) for PNS by unit type; the rest are pelaksana
POSITION_P = {
    "setda": (.15, .15), "setwan": (.15, .10), "inspektorat": (.12, .60), "badan": (.15, .25),
    "dinas": (.12, .25), "satpol_pp": (.08, .15), "kecamatan": (.16, .08), "rsud": (.03, .80),
    "puskesmas": (.03, .80), "upt_pendidikan": (.02, .92),
}
P_FEMALE = {"setda": .45, "setwan": .45, "inspektorat": .50, "badan": .48, "dinas": .45,
            "satpol_pp": .15, "kecamatan": .38, "rsud": .68, "puskesmas": .72, "upt_pendidikan": .64}

# Digital-competence latent: effects on the person's general level g
TYPE_EFFECT = {"setda": .20, "setwan": .05, "inspektorat": .30, "badan": .22, "dinas": .05,
               "satpol_pp": -.40, "kecamatan": -.15, "rsud": .15, "puskesmas": -.05,
               "upt_pendidikan": -.10}
EDU_EFFECT = np.array([-.60, -.60, -.35, -.10, -.10, -.10, .05, .05, .30, .40])
POS_EFFECT = {"struktural": .15, "fungsional": .05, "pelaksana": -.10}
AGE_EFFECT_PER_10Y = -0.22
PPPK_EFFECT = -0.10
UNIT_SD = 0.24
RESID_SD = 0.80
REF_DATE = np.datetime64("2023-07-01")


def education_levels(type_idx: np.ndarray, u: np.ndarray, tilt: float = 0.0) -> np.ndarray:
    """Education level index (0 = SD ... 9 = S3) by inverse CDF of the unit type's
    distribution exponentially tilted by ``tilt`` towards higher kualifikasi points.

    With ``u`` held fixed the draw is non-decreasing in ``tilt`` (the tilted
    distributions are ordered by likelihood ratio), so a mean can be solved for
    by bisection.
    """
    p = np.array([EDU_PROBS[t] for t in UNIT_TYPES], dtype=float)
    p = p * np.exp(tilt * EDU_POINTS / 10.0)
    cdf = np.cumsum(p / p.sum(1, keepdims=True), axis=1)
    cdf[:, -1] = 1.0 + 1e-12
    return (u[:, None] > cdf[type_idx]).sum(1)


def bisect(f, target: float, lo: float = -6.0, hi: float = 6.0, iters: int = 60) -> float:
    """Solve ``f(x) = target`` for a non-decreasing step function ``f``: the ``x``
    whose value is closest to the target among the bisection's probes."""
    best, best_err = lo, np.inf
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        v = f(mid)
        if abs(v - target) < best_err:
            best, best_err = mid, abs(v - target)
        if v < target:
            lo = mid
        else:
            hi = mid
    return best


def build_population(registry: pd.DataFrame, regions, rng: np.random.Generator,
                     edu_targets: dict[str, float] | None = None) -> pd.DataFrame:
    """One row per ASN of ``regions`` (headcounts from ``registry``).

    ``edu_targets`` maps a region id to the mean IP ASN kualifikasi points its
    PNS must have (Bontang 2021: 12.13); the education tilt of that region is
    solved for so the target holds exactly on the generated PNS.
    """
    reg = registry[registry["region_id"].isin([r.id for r in regions])].reset_index(drop=True)
    n_pns, n_pppk = reg["headcount_pns"].to_numpy(), reg["headcount_pppk"].to_numpy()
    uidx = np.concatenate([np.repeat(np.arange(len(reg)), n_pns), np.repeat(np.arange(len(reg)), n_pppk)])
    status = np.concatenate([np.repeat("PNS", n_pns.sum()), np.repeat("PPPK", n_pppk.sum())])
    n = len(uidx)
    units = reg.iloc[uidx].reset_index(drop=True)
    utype = units["unit_type"].to_numpy()
    type_idx = pd.Index(UNIT_TYPES).get_indexer(utype)
    pppk = status == "PPPK"

    female = rng.random(n) < pd.Series(utype).map(P_FEMALE).to_numpy()
    sex = np.where(female, "P", "L")

    # education, with a per-region tilt solved for where a kualifikasi target is given
    u_edu = rng.random(n)
    tilt = np.zeros(n)
    for rid, target in (edu_targets or {}).items():
        m = (units["region_id"].to_numpy() == rid) & ~pppk
        t = bisect(lambda x: EDU_POINTS[education_levels(type_idx[m], u_edu[m], x)].mean(), target)
        tilt[m | (units["region_id"].to_numpy() == rid)] = t
    edu = np.empty(n, dtype=int)
    for t in np.unique(tilt):
        m = tilt == t
        edu[m] = education_levels(type_idx[m], u_edu[m], t)

    # age at REF_DATE; PNS entered before 2021 so that every PNS is in the 2021 records
    age = np.where(pppk, np.clip(rng.normal(36, 7, n), 24, 55), np.clip(rng.normal(43, 9.5, n), 24, 58))
    birth = REF_DATE - (age * 365.25).astype("timedelta64[D]") - rng.integers(0, 365, n).astype("timedelta64[D]")
    birth_year = birth.astype("datetime64[Y]").astype(int) + 1970
    birth_frac = birth_year + (birth - birth.astype("datetime64[Y]")).astype(int) / 365.25
    entry = ENTRY_AGE[edu] + rng.normal(0, 3, n)
    entry = np.clip(entry, 18.6, 2020.9 - birth_frac)  # >= 18 years at TMT, TMT <= Dec 2020
    tmt_frac = np.where(pppk, rng.choice([2019.1, 2021.9, 2022.8], n, p=[.25, .45, .30]), birth_frac + entry)
    tmt_year = np.floor(tmt_frac).astype(int)
    tmt_month = np.where(pppk, np.clip(np.round((tmt_frac - tmt_year) * 12), 1, 12),
                         rng.choice(np.arange(1, 13), n, p=np.r_[.30, .05, .25, [.05] * 7, .02, .03] / 1.0)).astype(int)
    # TMT CPNS at month precision: never before the month after the 18th birthday (the
    # month above is drawn apart from the fractional entry age, so it can fall earlier)
    bmonth = pd.DatetimeIndex(birth).month.to_numpy()
    first_ok = (birth_year + 18) * 12 + bmonth  # 0-based month count of the month after
    late = tmt_year * 12 + (tmt_month - 1) < first_ok
    tmt_year = np.where(late, first_ok // 12, tmt_year)
    tmt_month = np.where(late, first_ok % 12 + 1, tmt_month)
    # NIP: birth date, TMT, sex digit, 3-digit sequence unique within the first 15 digits
    bdate = pd.to_datetime(birth).strftime("%Y%m%d").astype("int64").to_numpy()
    prefix = bdate * 10**7 + tmt_year * 10**3 + tmt_month * 10 + np.where(female, 2, 1)
    offset = pd.Series(rng.integers(0, 900, n))
    grp = pd.Series(prefix)
    seq = offset.groupby(grp).transform("first").to_numpy() + grp.groupby(grp).cumcount().to_numpy() + 1
    nip = prefix * 1000 + seq

    # position
    p_str = pd.Series(utype).map({k: v[0] for k, v in POSITION_P.items()}).to_numpy()
    p_fun = pd.Series(utype).map({k: v[1] for k, v in POSITION_P.items()}).to_numpy()
    u_pos = rng.random(n)
    older = np.clip((age - 30) / 20, 0, 1)  # structural posts go to senior staff
    p_str = np.where(pppk, 0.0, p_str * (0.3 + 1.4 * older))
    p_fun = np.where(pppk, 0.85, p_fun)
    position = np.where(u_pos < p_str, "struktural", np.where(u_pos < p_str + p_fun, "fungsional", "pelaksana"))

    service = (2023.5 - tmt_frac)
    gol = GOL_ENTRY[edu] + np.floor(service / 4 + rng.normal(0, 0.7, n)).astype(int) + (position == "struktural")
    gol = np.clip(gol, GOL_ENTRY[edu], GOL_CAP[edu])
    golongan = np.where(pppk, "", GOLONGAN[np.clip(gol, 0, 16)])

    # digital-competence latent g (areas add their own deviations when responding)
    region_eff = units["region_id"].map({r.id: r.effect for r in regions}).to_numpy()
    unit_eff = rng.normal(0, UNIT_SD, len(reg))[uidx]
    g = (region_eff + pd.Series(utype).map(TYPE_EFFECT).to_numpy() + unit_eff
         + AGE_EFFECT_PER_10Y * (age - 40) / 10 + EDU_EFFECT[edu]
         + pd.Series(position).map(POS_EFFECT).to_numpy() + PPPK_EFFECT * pppk
         + rng.normal(0, RESID_SD, n))

    pop = pd.DataFrame({
        "person": np.arange(n), "region_id": units["region_id"], "unit_id": units["unit_id"],
        "unit_type": utype, "status": status, "sex": sex, "birth": birth, "age": np.floor(age).astype(int),
        "education": EDU_LEVELS[edu], "edu_level": edu, "golongan": golongan, "position_type": position,
        "tmt_year": tmt_year, "tmt_month": tmt_month, "nip": nip.astype("int64"), "g": g, "unit_eff": unit_eff,
    })
    pop["name"] = name_lists.full_names(rng, pop)
    return pop


def age_at(birth: np.ndarray, when: np.ndarray) -> np.ndarray:
    """Completed years of age at ``when`` (both datetime64)."""
    b = pd.DatetimeIndex(birth)
    w = pd.DatetimeIndex(when)
    before = (w.month < b.month) | ((w.month == b.month) & (w.day < b.day))
    return (w.year - b.year - before.astype(int)).to_numpy()
