"""Studies of other shapes than the sample, end to end through stages 01-03:
no targets, one index only, no HR records, a single wave. Built from a few of
the sample's raw files (so they stay small and fast); the notebook run of one
of them (stage 02's notebook on an empty achievement table, and a brief) is slow."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from factories import quick_uncertainty

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = yaml.safe_load((ROOT / "config/studies/sample.yaml").read_text(encoding="utf-8"))

SHAPES = {
    # IKD and IP ASN for one region, the study names no target (and the specs have none)
    "no_targets": {"files": ["bontang_ikd_2023.csv", "bontang_ipasn_2021.csv"], "indices": ["ikd", "ip_asn"]},
    "one_index": {"files": ["berau_ikd_2023.csv"], "indices": ["ikd"]},
    "no_hr": {"files": ["bontang_ikd_2023.csv", "balikpapan_ild_2022.csv"], "indices": ["ikd", "ild"]},
    "one_wave": {"files": ["kukar_ikd_2022.csv"], "indices": ["ikd"]},
}


def make_study(root: Path, shape: str) -> str:
    """A workspace at ``root`` with study ``shape`` (config copied, notebooks and
    raw files linked from the repository)."""
    spec = SHAPES[shape]
    shutil.copytree(ROOT / "config", root / "config", ignore=shutil.ignore_patterns("studies", ".pseudonym_key"))
    quick_uncertainty(root)  # the shapes are under test here, not the Monte Carlo (test_uncertainty.py)
    (root / "config/studies").mkdir()
    (root / "notebooks").symlink_to(ROOT / "notebooks")
    raw = root / "data/raw" / shape
    raw.mkdir(parents=True)
    for f in ["units.csv", *spec["files"]]:
        (raw / f).symlink_to(ROOT / "data/raw/sample" / f)
    sources = [s for s in SAMPLE["sources"] if s["file"] in spec["files"]]
    regions = {s.get("region") for s in sources}
    study = {k: v for k, v in SAMPLE.items() if k not in ("targets", "sources", "indices", "regions")}
    study.update(id=shape, title=f"shape {shape}", sources=sources, indices=spec["indices"],
                 regions=[r for r in SAMPLE["regions"] if r["id"] in regions])
    (root / f"config/studies/{shape}.yaml").write_text(yaml.safe_dump(study, sort_keys=False), encoding="utf-8")
    return shape


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    monkeypatch.setenv("ASN_WORKSPACE", str(tmp_path))
    monkeypatch.delenv("ASN_OUTPUT_ROOT", raising=False)
    monkeypatch.setenv("ASN_PSEUDONYM_KEY", "test-key")
    return tmp_path


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_stages_01_to_03_on_study_shape(workspace, shape):
    from helpers import clean, compare, indices
    from helpers.study import load_study

    study = load_study(make_study(workspace, shape))
    c = clean.run(study)
    assert c["respondents"] > 100
    s = indices.run(study)
    assert set(s["indices"]) == set(SHAPES[shape]["indices"])
    out = study.processed_dir
    ach = pd.read_parquet(out / "achievement.parquet")
    assert "achievement_pct" in ach.columns and ach.empty  # no targets in any shape: empty, with columns
    assert ach.query("level == 'region'").empty  # what the 02 notebook asks of it
    agg = pd.read_parquet(out / "aggregates.parquet")
    regions = {r.id for r in study.regions}
    assert set(agg.loc[agg["level"] == "region", "region_id"]) == regions
    for ix in SHAPES[shape]["indices"]:
        sc = pd.read_parquet(out / f"scores_{ix}.parquet")
        assert len(sc) > 0 and sc["overall"].notna().mean() > 0.9
    if "ip_asn" not in SHAPES[shape]["indices"]:
        comp = pd.read_parquet(out / "compliance_20jp.parquet")
        assert comp.empty and "share" in comp.columns  # no HR records: an empty table with its columns
    compare.run(study)
    omni = pd.read_parquet(out / "compare_omnibus.parquet")
    assert set(omni["index"]) == set(SHAPES[shape]["indices"])
    assert "wave" not in set(omni["factor"])  # a single wave per region: no change over waves


@pytest.mark.slow
def test_study_without_targets_runs_notebooks_and_brief_on_dask(workspace):
    """Stage 02's notebook on an empty achievement table, then the brief, through
    ``helpers run`` on a 2-worker LocalCluster."""
    from helpers import pipeline

    sid = make_study(workspace, "no_targets")
    summary = pipeline.run(sid, workers=2, progress=False, echo=lambda *_: None)
    assert summary.ok, [(b.region, b.error) for b in summary.briefs] + [(s.name, s.error) for s in summary.stages]
    assert [s.status for s in summary.stages] == ["ran"] * 3
    folder = workspace / "reports" / sid / "kota-bontang"
    assert (folder / "brief.pdf").exists() and (folder / "results.json").exists()
    assert os.environ.get("ASN_WORKSPACE") == str(workspace)
