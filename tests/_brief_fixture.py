"""A small processed study for the brief tests, written with the contract's columns.

Two regions: ``kab-a`` (IKD waves 2022 and 2023 with stage 03's wave test, IP ASN
2023, a Setwan of 3 respondents that must be suppressed) and ``kota-b`` (IKD 2023
only: no previous wave, no IP ASN). Aggregates,
categories and achievement are produced by stage 02's own functions and the
comparison tables by stage 03's own ``compare.run`` from the fixture scores, so
the fixture follows the contract by construction. Half of kab-a's 2022
respondents answer again in 2023 (same pseudonym), as in a real second wave.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from factories import workspace
from helpers import catalog
from helpers.indices import achievement, aggregate, category_distribution, load_spec
from helpers.indices.compliance import compliance_20jp

STUDY_ID = "brieffix"
UNIT_TYPES = {"dinas": 3, "kecamatan": 3, "puskesmas": 2, "setwan": 1}
MEANS = {"dinas": 2.6, "kecamatan": 2.2, "puskesmas": 2.35, "setwan": 2.5}


def _ikd_scores(rng, region, wave, shift=0.0, sizes=None) -> pd.DataFrame:
    spec = load_spec("ikd")
    rows = []
    for ut, k in UNIT_TYPES.items():
        for u in range(k):
            n = (sizes or {}).get(ut, 24)
            base = MEANS[ut] + shift + 0.05 * u
            for _ in range(n):
                areas = np.clip(base + rng.normal(0, 0.35, 5) + np.array([0.2, 0.05, -0.2, -0.05, 0.0]), 1, 4)
                rows.append({"region_id": region, "unit_id": f"{region[:3]}-{ut}-{u}", "unit_type": ut,
                             "wave": wave, "sex": rng.choice(["L", "P"]), "age": int(rng.integers(22, 59)),
                             "education": rng.choice(["S1", "S2", "D3"]),
                             "position_type": rng.choice(["struktural", "fungsional", "pelaksana"]),
                             "status": rng.choice(["PNS", "PPPK"], p=[0.8, 0.2]), "weight": 2.0,
                             "fpc": 2.0 * n,
                             **dict(zip(spec.components, areas))})
    df = pd.DataFrame(rows)
    df.insert(0, "respondent_id", [f"R{i:016x}" for i in rng.integers(0, 2**62, len(df))])
    df["overall"] = df[spec.components].mean(axis=1)
    from helpers.indices.engine import categorise

    df["category"] = np.asarray(categorise(df["overall"], spec)).astype(object)
    return df


def _ip_scores(rng, region) -> pd.DataFrame:
    rows = []
    for ut, k in UNIT_TYPES.items():
        for u in range(k):
            for _ in range(20 if ut != "setwan" else 3):
                rows.append({"region_id": region, "unit_id": f"{region[:3]}-{ut}-{u}", "unit_type": ut,
                             "wave": 2023, "sex": rng.choice(["L", "P"]), "age": int(rng.integers(22, 59)),
                             "education": "S1", "position_type": "pelaksana", "status": "PNS", "weight": 1.0,
                             "fpc": 20.0 if ut != "setwan" else 3.0,
                             "kualifikasi": float(rng.choice([5, 10, 15, 20])),
                             "kompetensi": float(rng.choice([10, 25, 40])),
                             "kinerja": float(rng.choice([15, 25, 30])), "disiplin": float(rng.choice([3, 5])),
                             "technical_jp": float(rng.integers(0, 40))})
    df = pd.DataFrame(rows)
    df.insert(0, "respondent_id", [f"R{i:016x}" for i in rng.integers(0, 2**62, len(df))])
    df["overall"] = df[["kualifikasi", "kompetensi", "kinerja", "disiplin"]].sum(axis=1)
    from helpers.indices.engine import categorise

    df["category"] = np.asarray(categorise(df["overall"], load_spec("ip_asn"))).astype(object)
    return df


def write_fixture(root: Path, seed: int = 7) -> Path:
    """Write the study YAML and processed tables under ``root``; returns the YAML path.
    The caller sets ``ASN_WORKSPACE`` and ``ASN_OUTPUT_ROOT`` to ``root``."""
    rng = np.random.default_rng(seed)
    # a workspace of its own (ASN_WORKSPACE=root): the real config and notebooks
    # linked in, plus this study, so the pipeline finds the study by its id
    workspace(root, config="link", notebooks=True)
    cfg = root / "config" / "studies" / f"{STUDY_ID}.yaml"
    cfg.write_text(
        f"id: {STUDY_ID}\ntitle: Fixture study\nsynthetic: true\nregistry: units.csv\n"
        "regions:\n  - {id: kab-a, name: Kabupaten A, kind: kabupaten, province: Kalimantan Timur}\n"
        "  - {id: kota-b, name: Kota B, kind: kota}\n"
        "sources:\n  - {file: a_ikd.csv, instrument: ikd_digcomp22, region: kab-a, wave: 2023}\n"
        "  - {file: b_ikd.csv, instrument: ikd_digcomp22, region: kota-b, wave: 2023}\n"
        "  - {file: hr.csv, instrument: ip_asn_hr, region: null}\n"
        "indices: [ikd, ip_asn]\n"
        "targets:\n  kab-a: {ip_asn: {kualifikasi: 15, kompetensi: 31, kinerja: 25, disiplin: 4, overall: 75}}\n"
        "report: {min_cell: 5, lang: id}\n", encoding="utf-8")
    out = root / "data" / "processed" / STUDY_ID
    out.mkdir(parents=True, exist_ok=True)
    a23 = _ikd_scores(rng, "kab-a", 2023, sizes={"setwan": 3})
    a22 = _ikd_scores(rng, "kab-a", 2022, shift=-0.15, sizes={"setwan": 3})
    a22.loc[::2, "respondent_id"] = a23.loc[::2, "respondent_id"].to_numpy()  # same rows = same units
    ikd = pd.concat([a23, a22, _ikd_scores(rng, "kota-b", 2023, shift=0.2)], ignore_index=True)
    ip = _ip_scores(rng, "kab-a")
    ikd.to_parquet(catalog.path(out, "scores_ikd"), index=False)
    ip.drop(columns=["technical_jp"]).to_parquet(catalog.path(out, "scores_ip_asn"), index=False)
    targets = {"kab-a": {"ip_asn": {"kualifikasi": 15, "kompetensi": 31, "kinerja": 25, "disiplin": 4,
                                    "overall": 75}}}
    aggs, cats, achs = [], [], []
    for idx, sc in (("ikd", ikd), ("ip_asn", ip)):
        spec = load_spec(idx)
        a = aggregate(sc, ["overall", *spec.components], index=idx)
        aggs.append(a)
        cats.append(category_distribution(sc, spec, index=idx))
        achs.append(achievement(a, spec, targets))
    pd.concat(aggs, ignore_index=True).to_parquet(catalog.path(out, "aggregates"), index=False)
    pd.concat(cats, ignore_index=True).to_parquet(catalog.path(out, "categories"), index=False)
    pd.concat(achs, ignore_index=True).to_parquet(catalog.path(out, "achievement"), index=False)
    compliance_20jp(ip).to_parquet(catalog.path(out, "compliance_20jp"), index=False)
    rr = (ikd[ikd["wave"] == 2023].groupby(["wave", "region_id", "unit_id", "unit_type"]).size()
          .rename("n").reset_index())
    rr["headcount"] = rr["n"] * 2
    rr["response_rate"] = 0.5
    rr["weight"] = 2.0
    rr.insert(0, "index", "ikd")
    # IP ASN is scored from HR records of every PNS: each unit complete (n = headcount = its fpc)
    hr = (ip.groupby(["wave", "region_id", "unit_id", "unit_type"]).agg(n=("fpc", "size"), headcount=("fpc", "first"))
          .reset_index())
    hr["response_rate"] = hr["n"] / hr["headcount"]
    hr["weight"] = 1.0
    hr.insert(0, "index", "ip_asn")
    rr = pd.concat([rr, hr[rr.columns]], ignore_index=True)
    rr.to_parquet(catalog.path(out, "response_rates"), index=False)
    from types import SimpleNamespace

    from helpers import compare

    compare.run(SimpleNamespace(id=STUDY_ID, processed_dir=out, indices=("ikd", "ip_asn"),
                                option=lambda *k, default=None: default))
    summary = {"files": {"a_ikd.csv": {"raw_rows": 260, "kept": 237, "rejected": 23,
                                       "rejected_by_rule": {"duplicate": 12, "speeder": 8, "blank_row": 3,
                                                            "straightliner": 0}},
                         "b_ikd.csv": {"raw_rows": 230, "kept": 216, "rejected": 14,
                                       "rejected_by_rule": {"duplicate": 14}},
                         "hr.csv": {"raw_rows": 190, "kept": 189, "rejected": 1,
                                    "rejected_by_rule": {"nip_invalid": 1}}},
               "total": {"raw_rows": 680, "kept": 642, "rejected": 38}}
    catalog.path(out, "cleaning_summary").write_text(json.dumps(summary), encoding="utf-8")
    catalog.path(out, "respondents").write_bytes(b"")  # presence only; the brief never reads it
    return cfg
