"""The whole pipeline on the sample study, as `make reports` runs it. (``helpers
verify`` reruns a smaller study's report: test_study_shapes.py.)"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.pipeline import kernel_name
from helpers.study import load_study

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
REPORT_FILES = ["brief.html", "brief.pdf", "brief.ipynb", "tables.xlsx", "results.json",
                "manifest.json"]


def test_every_region_gets_a_complete_report_folder(sample_run):
    root, summary = sample_run
    assert summary.ok, summary.failed
    study = load_study("sample")
    for region in study.regions:
        folder = root / "reports" / "sample" / region.id
        missing = [f for f in REPORT_FILES if not (folder / f).exists()]
        assert not missing, f"{region.id}: missing {missing}"
        assert list((folder / "figures").glob("*.png")), f"{region.id}: no figures"
        html = (folder / "brief.html").read_text(encoding="utf-8")
        assert 'class="input' not in html and "import " not in html  # no code cells
        assert "src=\"data:image/png;base64," in html  # figures embedded, self-contained


def test_manifest_records_inputs_parameters_versions_and_timing(sample_run):
    root, _ = sample_run
    m = json.loads((root / "reports/sample/kota-bontang/manifest.json").read_text())
    study = load_study("sample")
    assert set(m["inputs"]) == {str(p.relative_to(ROOT)) for p in study.input_files()}
    assert all(len(h) == 64 for h in m["inputs"].values())
    assert m["parameters"]["region"] == "kota-bontang"
    assert {"pandas", "papermill", "python"} <= set(m["packages"])
    assert m["duration_s"] > 0 and m["started"] <= m["finished"]


def test_second_run_skips_unchanged_work(sample_run, monkeypatch):
    from helpers import pipeline

    root, _ = sample_run
    monkeypatch.setenv("ASN_OUTPUT_ROOT", str(root))
    again = pipeline.run("sample", regions=["kota-bontang"], progress=False, echo=lambda *_: None)
    assert [s.status for s in again.stages] == ["skipped"] * 3
    assert [b.status for b in again.briefs] == ["skipped"]


def test_explore_notebook_runs_on_the_processed_tables(sample_run, tmp_path):
    root, _ = sample_run
    env = {**os.environ, "ASN_OUTPUT_ROOT": str(root)}
    out = subprocess.run([sys.executable, "-m", "papermill", "--no-progress-bar",
                          str(ROOT / "notebooks/00_explore.ipynb"), str(tmp_path / "explore.ipynb"),
                          "--cwd", str(ROOT / "notebooks"), "-k", kernel_name()],
                         capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
