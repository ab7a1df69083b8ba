"""helpers.io: outputs readable by the group (the umask), stale temporary files
of a killed run removed, a report folder published whole, a read-only folder
refused with one message; .gitignore keeps real studies' raw data out of git."""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from helpers import io
from helpers.errors import InputError

ROOT = Path(__file__).resolve().parents[1]


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


@pytest.mark.parametrize("umask, expected", [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_outputs_follow_the_umask(tmp_path, umask, expected):
    old = os.umask(umask)
    try:
        io.write_json({"a": 1}, tmp_path / "r.json")
        io.write_parquet(pd.DataFrame({"x": [1]}), tmp_path / "t.parquet")
        io.write_csv(pd.DataFrame({"x": [1]}), tmp_path / "t.csv")
        with io.atomic_path(tmp_path / "b.pdf") as tmp:
            tmp.write_bytes(b"%PDF")
        with io.staged_folder(tmp_path / "region") as stage:
            (stage / "figures").mkdir()
            (stage / "figures" / "a.png").write_bytes(b"png")
    finally:
        os.umask(old)
    for name in ("r.json", "t.parquet", "t.csv", "b.pdf", "region/figures/a.png"):
        assert _mode(tmp_path / name) == expected, name


def test_a_killed_runs_temp_files_are_removed_and_live_ones_kept(tmp_path):
    # a process that has exited: its pid is free (wait() reaped it)
    p = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = int(p.stdout)
    stale = tmp_path / f".results.json.{dead}.abc123.tmp"
    stale.write_text("half")
    stale_dir = tmp_path / f".kota-b.{dead}.xyz.tmp"
    stale_dir.mkdir()
    (stale_dir / "brief.pdf").write_text("half")
    live = tmp_path / f".other.json.{os.getpid()}.def456.tmp"
    live.write_text("being written")
    io.write_json({"a": 1}, tmp_path / "results.json")  # writing the file sweeps its own stale temps
    assert not stale.exists() and live.exists() and stale_dir.exists()
    removed = io.remove_stale_temps(tmp_path)
    assert removed == [stale_dir] and not stale_dir.exists() and live.exists()


def test_a_report_folder_is_published_whole_or_not_at_all(tmp_path):
    folder = tmp_path / "kota-b"
    folder.mkdir()
    (folder / "results.json").write_text("old")
    (folder / "brief.pdf").write_text("old")
    with pytest.raises(RuntimeError):
        with io.staged_folder(folder) as stage:
            (stage / "results.json").write_text("new")
            raise RuntimeError("killed while rendering the PDF")
    assert (folder / "results.json").read_text() == "old" and (folder / "brief.pdf").read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["kota-b"]  # no staging folder left behind
    with io.staged_folder(folder) as stage:
        (stage / "results.json").write_text("new")
        (stage / "brief.pdf").write_text("new")
    assert (folder / "results.json").read_text() == "new" and (folder / "brief.pdf").read_text() == "new"


@pytest.mark.skipif(os.geteuid() == 0, reason="running as root: a read-only folder is still writable")
def test_read_only_output_folder_is_one_message(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        with pytest.raises(InputError, match="permission denied") as info:
            io.write_json({"a": 1}, ro / "sub" / "r.json")
        assert "ro" in str(info.value) and "ASN_OUTPUT_ROOT" in str(info.value)
    finally:
        ro.chmod(0o755)


def test_read_only_output_folder_is_one_message_even_as_root(tmp_path, monkeypatch):
    # root ignores permissions; os.access is what the check asks, so make it answer as a user would
    ro = tmp_path / "ro"
    ro.mkdir()
    real = os.access
    monkeypatch.setattr(io.os, "access", lambda p, mode: False if Path(p) == ro else real(p, mode))
    with pytest.raises(InputError) as info:
        io.write_json({"a": 1}, ro / "r.json")
    assert str(info.value).startswith(f"{ro}: cannot write into the output folder (permission denied)")


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_gitignore_keeps_every_real_studys_raw_data_out(tmp_path):
    def ignored(rel: str) -> bool:
        return subprocess.run(["git", "check-ignore", "-q", "--no-index", rel], cwd=ROOT).returncode == 0

    assert ignored("data/raw/mystudy/survey_2024.csv") and ignored("data/raw/kab-x/units.csv")
    assert not ignored("data/raw/sample/units.csv") and not ignored("data/raw/sample/bontang_ikd_2023.csv")
    assert ignored("scratch/sample/kota-bontang/results.json")
