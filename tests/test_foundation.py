"""The workspace's plumbing: study files, errors, atomic writes, the command line."""
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from factories import cli
from helpers import io
from helpers.errors import ConfigError, InputError
from helpers.pipeline import compare_results, flatten_numbers
from helpers.study import load_study, slugify

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args, **kw):
    """The real command line, a new interpreter (the other command-line tests run
    ``helpers.__main__.main`` in this process: ``factories.cli``)."""
    return subprocess.run([sys.executable, "-m", "helpers", *args], capture_output=True,
                          text=True, cwd=ROOT, **kw)


def test_input_error_names_file_row_column_and_expectation():
    err = InputError("not a number", file="x.csv", row=12, column="Usia", expected="an age in years",
                     found="tiga puluh")
    assert str(err) == ("x.csv, row 12, column 'Usia': not a number "
                        "(expected an age in years, found 'tiga puluh')")


def test_slugify():
    assert slugify("Kabupaten Kutai Kartanegara") == "kabupaten-kutai-kartanegara"
    assert slugify("Kota  Bontang (2021)") == "kota-bontang-2021"


def test_sample_study_loads_with_its_regions_and_sources():
    s = load_study("sample")
    ids = [r.id for r in s.regions]
    assert len(ids) >= 6 and "kab-kutai-kartanegara" in ids and "kota-bontang" in ids
    assert all((s.raw_dir / src.file).exists() for src in s.sources)
    assert s.registry_path.exists()


def test_study_errors_are_clear(tmp_path):
    with pytest.raises(ConfigError, match="study file not found"):
        load_study("no_such_study")
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nregions: []\nsources:\n  - {file: a.csv, instrument: i, region: nowhere}\n")
    with pytest.raises(ConfigError) as e:
        load_study(bad)
    assert "sources[0].region" in str(e.value) and "nowhere" in str(e.value)


def test_atomic_write_keeps_previous_file_when_writing_fails(tmp_path):
    target = tmp_path / "t.parquet"
    io.write_parquet(pd.DataFrame({"a": [1, 2]}), target)

    class Boom:  # to_parquet on this fails half-way
        def to_parquet(self, path, index=False):
            Path(path).write_bytes(b"partial")
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        io.write_parquet(Boom(), target)
    assert pd.read_parquet(target)["a"].tolist() == [1, 2]
    assert [p.name for p in tmp_path.iterdir()] == ["t.parquet"]  # no temp file left


def test_write_json_is_stable_and_turns_nan_into_null(tmp_path):
    p = io.write_json({"b": float("nan"), "a": [1.5, None]}, tmp_path / "r.json")
    assert p.read_text() == '{\n  "a": [\n    1.5,\n    null\n  ],\n  "b": null\n}\n'


def test_compare_results_lists_every_difference():
    a = {"index": {"overall": 2.3162, "category": "cukup"}, "n": {"respondents": 100}}
    b = {"index": {"overall": 2.3163, "category": "cukup"}, "n": {"respondents": 100, "units": 4}}
    assert flatten_numbers(a) == {"index.overall": 2.3162, "index.category": "cukup",
                                  "n.respondents": 100}
    assert compare_results(a, b) == [
        "index.overall: 2.3162 in the report, 2.3163 in the rerun",
        "n.units: missing in the report, 4 in the rerun",
    ]
    assert compare_results(a, json.loads(json.dumps(a))) == []


def test_cli_help_lists_the_four_commands():
    out = run_cli("--help")
    assert out.returncode == 0
    for cmd in ("run", "verify", "synth", "validate"):
        assert cmd in out.stdout


def test_cli_reports_bad_input_in_one_line_without_traceback(tmp_path):
    out = cli("run", "--study", "no_such_study", cwd=ROOT)
    assert out.returncode == 2
    assert out.stderr.startswith("error: ") and "study file not found" in out.stderr
    assert "Traceback" not in out.stderr
    out = cli("verify", tmp_path, cwd=ROOT)
    assert out.returncode == 2 and "no manifest.json" in out.stderr


def test_cli_rejects_unknown_region():
    out = cli("run", "--study", "sample", "--region", "kota-atlantis", cwd=ROOT)
    assert out.returncode == 2
    assert "unknown region 'kota-atlantis'" in out.stderr and "kota-bontang" in out.stderr
