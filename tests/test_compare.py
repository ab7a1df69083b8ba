"""helpers.compare.run on a small synthetic scores table (stage 02 is built in parallel)."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from helpers import compare
from helpers.errors import InputError

AREAS = ["information", "communication", "content", "safety", "problem_solving"]
TYPES = ["setda", "dinas", "kecamatan", "puskesmas"]


def scores(n=800, regions=("kota-bontang", "kab-berau"), seed=0):
    rng = np.random.default_rng(seed)
    unit = rng.integers(0, 24, n)
    reg = np.array(regions)[unit * len(regions) // 24]
    ut = np.array(TYPES)[unit % 4]
    base = 2.5 + np.where(ut == "puskesmas", 0.5, 0.0) + rng.normal(0, 0.1, 24)[unit]
    d = pd.DataFrame({
        "respondent_id": [f"R{i:016x}" for i in range(n)], "region_id": reg,
        "unit_id": [f"u{k}" for k in unit], "unit_type": ut, "wave": 2023,
        "sex": rng.choice(["L", "P"], n), "age": rng.integers(22, 58, n).astype(float),
        "education": rng.choice(["SMA", "S1", "S2"], n), "status": rng.choice(["PNS", "PPPK"], n),
        "position_type": rng.choice(["struktural", "fungsional", "pelaksana"], n), "weight": 1.0})
    for a in AREAS:
        d[a] = np.clip(base + rng.normal(0, 0.5, n), 1, 4)
    d["overall"] = d[AREAS].mean(axis=1)
    d["category"] = "Sedang"
    d.loc[d.index[d["region_id"] == regions[0]][:2], "unit_type"] = "rsud"  # a tiny group: left out with a note
    return d


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    out = tmp_path_factory.mktemp("processed")
    scores().to_parquet(out / "scores_ikd.parquet")
    study = SimpleNamespace(id="t", processed_dir=out, indices=("ikd", "ip_asn"),
                            option=lambda *k, default=None: default)
    summary = compare.run(study)
    return out, summary


def test_run_writes_the_four_tables_with_contract_columns(ran):
    out, summary = ran
    for name, cols in [("compare_descriptives", compare.DESC_COLUMNS), ("compare_omnibus", compare.OMNIBUS_COLUMNS),
                       ("compare_posthoc", compare.POSTHOC_COLUMNS), ("compare_models", compare.MODEL_COLUMNS)]:
        t = pd.read_parquet(Path(out) / f"{name}.parquet")
        assert list(t.columns) == cols and len(t) > 0
    assert summary["indices_missing"] == ["ip_asn"]
    # 2 regions x 6 components x 6 factors + regions against each other (6 components)
    assert summary["comparisons"] == 2 * 6 * 6 + 6


def test_every_region_component_factor_present_and_planted_gap_found(ran):
    out, _ = ran
    om = pd.read_parquet(Path(out) / "compare_omnibus.parquet")
    prim = om[om["primary"]]
    assert set(prim["component"]) == {"overall", *AREAS}
    assert set(prim["factor"]) >= {"unit_type", "sex", "age_band", "education", "position_type", "status"}
    ut = prim[(prim["factor"] == "unit_type") & (prim["region_id"] == "kota-bontang")]
    assert (ut["p_adj"] < 0.001).all()
    assert ut["reading_en"].str.contains("highest puskesmas").all()
    assert ut["reading_id"].str.contains("jenis unit").all()
    assert ut["note"].str.contains("rsud").all()  # tiny group reported, not silently dropped
    assert set(om.loc[om["region_id"] == "all", "factor"]) == {"region_id"}


def test_holm_across_components(ran):
    out, _ = ran
    om = pd.read_parquet(Path(out) / "compare_omnibus.parquet")
    fam = om[(om["region_id"] == "kab-berau") & (om["factor"] == "sex") & (om["test"] == "kruskal")]
    p = np.sort(fam["p"].to_numpy())
    m = len(p)
    holm = np.minimum(1, np.maximum.accumulate(p * (m - np.arange(m))))
    np.testing.assert_allclose(np.sort(fam["p_adj"].to_numpy()), holm)
    ph = pd.read_parquet(Path(out) / "compare_posthoc.parquet")
    assert (ph["p_adj"] >= ph["p"] - 1e-12).all()


def test_descriptives_have_emm_for_unit_type_and_models_table(ran):
    out, _ = ran
    de = pd.read_parquet(Path(out) / "compare_descriptives.parquet")
    ut = de[(de["factor"] == "unit_type") & (de["region_id"] == "kota-bontang")]
    assert ut["emm"].notna().all() and (ut["ci_low"] < ut["mean"]).all()
    mo = pd.read_parquet(Path(out) / "compare_models.parquet")
    assert {"fixed", "variance", "icc"} <= set(mo["kind"])


def test_missing_scores_is_a_clear_error(tmp_path):
    study = SimpleNamespace(id="t", processed_dir=tmp_path, indices=("ikd",), option=lambda *k, default=None: default)
    with pytest.raises(InputError, match="no scores to compare"):
        compare.run(study)
