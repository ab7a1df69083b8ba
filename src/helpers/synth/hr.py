"""IP ASN HR records (one row per PNS) and their calibration.

Scoring follows docs/architecture.md, "IP ASN scoring rules". Each dimension
comes from a latent draw plus a region shift; with the draws held fixed every
dimension mean is non-decreasing in its shift, so the published Bontang 2021
figures are met by bisection on the generated PNS.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..vocabulary import EDUCATION
from . import dialects as D
from .people import EDU_POINTS, bisect

SKP_GAPS = ((50, 51), (60, 61), (75, 76), (90, 91))
PREDIKAT_POINTS = {"Sangat Baik": 30, "Baik": 25, "Butuh Perbaikan": 15, "Kurang": 5, "Sangat Kurang": 1}
SANCTION_POINTS = {"none": 5, "ringan": 3, "sedang": 2, "berat": 1}
CATEGORIES = ((91, "Sangat Tinggi"), (81, "Tinggi"), (71, "Sedang"), (61, "Rendah"), (-1, "Sangat Rendah"))


@dataclass(frozen=True)
class HRSpec:
    file: str
    region: str
    wave: int
    as_of: str  # date of the extract
    kinerja: str  # "skp_score" (old SKP, 0-100) | "skp_predikat" (2022)
    style: str  # "csv_locale" | "xlsx"
    edu: str
    sanction: str  # "default" | "paser"
    targets: dict | None = None  # {kompetensi, kinerja, disiplin}; kualifikasi is set in the population


def skp_points(score: np.ndarray) -> np.ndarray:
    s = np.asarray(score, float)
    return np.select([s >= 91, s >= 76, s >= 61, s >= 51], [30, 25, 15, 5], 1).astype(float)


def ipasn_points(df: pd.DataFrame) -> pd.DataFrame:
    """IP ASN dimension points from canonical HR fields (docs/architecture.md).

    ``kualifikasi`` from education, ``kompetensi`` = 15 x position training
    (leadership for struktural, functional otherwise) + 15 x (technical JP >= 20)
    + 10 x (seminars in 2 years >= 1), ``kinerja`` from the SKP score or predikat,
    ``disiplin`` from the sanction; ``total`` is their sum.
    """
    edu_idx = pd.Index(EDUCATION).get_indexer(df["education"])
    out = pd.DataFrame(index=df.index)
    out["kualifikasi"] = EDU_POINTS[edu_idx]
    pos = np.where(df["position_type"] == "struktural", df["leadership_training"], df["functional_training"])
    out["kompetensi"] = (15.0 * pos.astype(bool) + 15.0 * (df["technical_jp"].to_numpy() >= 20)
                         + 10.0 * (df["seminars_2y"].to_numpy() >= 1))
    if "skp_score" in df and df["skp_score"].notna().any():
        out["kinerja"] = skp_points(df["skp_score"].to_numpy())
    else:
        out["kinerja"] = df["skp_predikat"].map(PREDIKAT_POINTS).astype(float)
    out["disiplin"] = df["sanction"].map(SANCTION_POINTS).astype(float)
    out["total"] = out[["kualifikasi", "kompetensi", "kinerja", "disiplin"]].sum(axis=1)
    return out


def category(total: float) -> str:
    for lo, name in CATEGORIES:
        if total >= lo:
            return name
    return CATEGORIES[-1][1]


def hr_values(pns: pd.DataFrame, spec: HRSpec, rng: np.random.Generator) -> pd.DataFrame:
    """Canonical HR fields for every PNS of the region, calibrated to ``spec.targets``."""
    n = len(pns)
    pos = pns["position_type"].to_numpy()
    struk = pos == "struktural"
    z = rng.standard_normal((n, 6))
    base_pos = np.select([struk, pos == "fungsional"], [1.0, 1.2], 0.4)

    def kompetensi(d):
        pt = z[:, 0] + base_pos + d > 0
        jp = np.where(z[:, 5] < -1.6, 0.0, np.round(2 * np.exp(3.05 + 0.6 * z[:, 1] + 0.25 * d)) / 2)
        sem = np.floor(np.maximum(0, np.exp(0.7 + 0.8 * z[:, 2] + 0.3 * d) - 0.6))
        return pt, jp, sem

    def komp_mean(d):
        pt, jp, sem = kompetensi(d)
        return float((15 * pt + 15 * (jp >= 20) + 10 * (sem >= 1)).mean())

    def skp(d):
        s = np.clip(83 + 5.5 * z[:, 3] + 2 * struk + 1.5 * d, 42, 99.5).round(2)
        for lo, hi in SKP_GAPS:  # no scores strictly between two bands: both readings agree
            m = (s > lo) & (s < hi)
            s[m] = np.where(s[m] < (lo + hi) / 2, lo, hi)
        return s

    def predikat(d):
        q = z[:, 3] + 0.3 * struk + d
        return np.select([q > 0.85, q > -1.6, q > -2.2, q > -2.6], D.PREDIKAT[:4], D.PREDIKAT[4])

    def sanction(d):
        s = z[:, 4] - d
        return np.select([s < 2.55, s < 2.9, s < 3.2], ["none", "ringan", "sedang"], "berat")

    t = spec.targets or {}
    d_komp = bisect(komp_mean, t["kompetensi"]) if "kompetensi" in t else 0.0
    if spec.kinerja == "skp_score":
        d_kin = bisect(lambda d: skp_points(skp(d)).mean(), t["kinerja"]) if "kinerja" in t else 0.0
    else:
        d_kin = 0.0
    d_dis = bisect(lambda d: pd.Series(sanction(d)).map(SANCTION_POINTS).mean(), t["disiplin"]) \
        if "disiplin" in t else 0.0
    pt, jp, sem = kompetensi(d_komp)
    lead = np.where(struk, pt, rng.random(n) < 0.04)
    func = np.where(struk, rng.random(n) < 0.2, pt)
    out = pns[["person", "nip", "name", "sex", "birth", "education", "golongan", "position_type",
               "status", "unit_id", "region_id"]].reset_index(drop=True).copy()
    out["leadership_training"] = lead
    out["functional_training"] = func
    out["technical_jp"] = jp
    out["seminars_2y"] = sem.astype(int)
    if spec.kinerja == "skp_score":
        out["skp_score"] = skp(d_kin)
        out["skp_predikat"] = None
    else:
        out["skp_score"] = np.nan
        out["skp_predikat"] = predikat(d_kin)
    out["sanction"] = sanction(d_dis)
    return out
