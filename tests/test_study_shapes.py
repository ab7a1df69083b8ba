"""Studies of other shapes than the sample, end to end through stages 01-03:
no targets, one index only, no HR records; every shape has a single wave per
region. Built from a few of the sample's raw files (so they stay small), with a
small Monte Carlo (``factories.quick_uncertainty``). The no-targets study runs
once through ``helpers run`` on a one-worker LocalCluster (stage 02's notebook
on an empty achievement table, and a brief: one region needs no second worker);
its tables are checked like the others' and its report is verified
(``helpers verify``) on the same cluster."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from factories import env, quick_uncertainty

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = yaml.safe_load((ROOT / "config/studies/sample.yaml").read_text(encoding="utf-8"))

SHAPES = {
    # IKD and IP ASN for one region, the study names no target (and the specs have none)
    "no_targets": {"files": ["bontang_ikd_2023.csv", "bontang_ipasn_2021.csv"], "indices": ["ikd", "ip_asn"]},
    # one index, one region, one wave (the single-wave shape of every study here)
    "one_index": {"files": ["berau_ikd_2023.csv"], "indices": ["ikd"]},
    "no_hr": {"files": ["bontang_ikd_2023.csv", "balikpapan_ild_2022.csv"], "indices": ["ikd", "ild"]},
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


@pytest.fixture(scope="module")
def no_targets_run(tmp_path_factory):
    """``(workspace, study id, RunSummary, scheduler address)`` of ``helpers run``
    on the no-targets study on a one-worker LocalCluster, which stays up for the
    module's tests (verify reruns on it: its worker has its imports done and its
    fork server running), as do the variables. (``sample_run`` covers a run
    starting its own two-worker cluster.)"""
    from helpers import cluster, pipeline

    root = tmp_path_factory.mktemp("no_targets")
    with env(ASN_WORKSPACE=root, ASN_OUTPUT_ROOT=None, ASN_PSEUDONYM_KEY="test-key"), \
            cluster.connect(workers=1, echo=lambda *_: None) as client:
        address = client.scheduler.address
        sid = make_study(root, "no_targets")
        summary = pipeline.run(sid, scheduler=address, progress=False, echo=lambda *_: None)
        yield root, sid, summary, address


def check_stage_tables(study, shape: str, respondents: int) -> None:
    """What stages 01-03 must have written for a study of ``shape``."""
    out = study.processed_dir
    assert respondents > 100
    ach = pd.read_parquet(out / "achievement.parquet")
    assert "achievement_pct" in ach.columns and ach.empty  # no targets in any shape: empty, with columns
    assert ach.query("level == 'region'").empty  # what the 02 notebook asks of it
    agg = pd.read_parquet(out / "aggregates.parquet")
    regions = {r.id for r in study.regions}
    assert set(agg.loc[agg["level"] == "region", "region_id"]) == regions
    for ix in SHAPES[shape]["indices"]:
        sc = pd.read_parquet(out / f"scores_{ix}.parquet")
        assert len(sc) > 0 and sc["overall"].notna().mean() > 0.9
    assert {p.name for p in out.glob("scores_*.parquet")} == {f"scores_{ix}.parquet" for ix in SHAPES[shape]["indices"]}
    if "ip_asn" not in SHAPES[shape]["indices"]:
        comp = pd.read_parquet(out / "compliance_20jp.parquet")
        assert comp.empty and "share" in comp.columns  # no HR records: an empty table with its columns
    omni = pd.read_parquet(out / "compare_omnibus.parquet")
    assert set(omni["index"]) == set(SHAPES[shape]["indices"])
    assert "wave" not in set(omni["factor"])  # a single wave per region: no change over waves


@pytest.mark.parametrize("shape", sorted(set(SHAPES) - {"no_targets"}))
def test_stages_01_to_03_on_study_shape(workspace, shape):
    from helpers import clean, compare, indices
    from helpers.study import load_study

    study = load_study(make_study(workspace, shape))
    c = clean.run(study)
    s = indices.run(study)
    assert set(s["indices"]) == set(SHAPES[shape]["indices"])
    compare.run(study)
    check_stage_tables(study, shape, c["respondents"])


@pytest.mark.slow
def test_study_without_targets_runs_notebooks_and_brief_on_dask(no_targets_run):
    """Stage 02's notebook on an empty achievement table, then the brief, through
    ``helpers run`` on a LocalCluster; the tables as for the other shapes."""
    from helpers import catalog
    from helpers.study import load_study

    root, sid, summary, _ = no_targets_run
    assert summary.ok, [(b.region, b.error) for b in summary.briefs] + [(s.name, s.error) for s in summary.stages]
    assert [s.status for s in summary.stages] == ["ran"] * 3
    folder = root / "reports" / sid / "kota-bontang"
    assert (folder / "brief.pdf").exists() and (folder / "results.json").exists()
    assert os.environ.get("ASN_WORKSPACE") == str(root)
    study = load_study(sid)
    check_stage_tables(study, "no_targets", len(catalog.read(study, "respondents", columns=["respondent_id"])))


@pytest.mark.slow
def test_verify_reproduces_every_number_and_catches_a_changed_one(no_targets_run, tmp_path):
    """One rerun from the manifest checks both ways: a report whose results.json
    was altered in one place shows exactly that one difference (so every other
    value, the Monte Carlo's included, matched), and an input whose SHA-256 no
    longer matches the manifest is named."""
    from helpers.pipeline import flatten_numbers, verify

    root, sid, summary, address = no_targets_run
    assert summary.ok, summary.failed
    report = tmp_path / "kota-bontang"
    shutil.copytree(root / "reports" / sid / "kota-bontang", report)
    results = json.loads((report / "results.json").read_text())
    key, value = next((k, v) for k, v in flatten_numbers(results).items()
                      if isinstance(v, float) and "[" not in k)
    node = results
    for part in key.split(".")[:-1]:
        node = node[part]
    node[key.split(".")[-1]] = value + 0.01
    (report / "results.json").write_text(json.dumps(results))
    manifest = json.loads((report / "manifest.json").read_text())
    tampered = next(k for k in manifest["inputs"] if k.endswith("bontang_ipasn_2021.csv"))
    digest = manifest["inputs"][tampered]
    manifest["inputs"][tampered] = "0" * 64  # as if the file had changed since the report
    (report / "manifest.json").write_text(json.dumps(manifest))

    res = verify(report, echo=lambda *_: None, scheduler=address)
    assert res.input_problems == [f"{tampered}: input changed since the report (sha256 000000000000... -> "
                                  f"{digest[:12]}...)"]
    assert res.differences == [f"{key}: {value + 0.01!r} in the report, {value!r} in the rerun"]
    assert res.n_numbers > 20
