"""Stage 01 cleans consecutive files of one instrument and header as a batch
(helpers.clean.steps.clean_batch). A batch must give exactly the outputs of the
same files cleaned one by one, including what is per file: the date format a
file's cells choose, the speeder median, the wave's reference dates, names
foreign to the study, files without names, NIP-looking columns."""
from __future__ import annotations

import importlib

import numpy as np
import pandas as pd
import pytest

from factories import REGION, make_fixture
from helpers import clean
from helpers.clean import steps
from helpers.clean.context import context
from helpers.study import load_study

clean_run = importlib.import_module("helpers.clean.run")  # the module (helpers.clean.run is also the function)


def _variants(raw_dir):
    """Four more exports with survey.csv's header, each different in a per-file way."""
    base = pd.read_csv(raw_dir / "survey.csv", dtype=str, keep_default_na=False, na_values=[""])
    base["Catatan"] = "catatan"  # a safe column: kept in rejected rows, masked where it holds NIPs
    base.to_csv(raw_dir / "survey.csv", index=False)
    # b: ISO times, slower people (another speeder median), a unit of another region
    b = base.copy()
    t = pd.to_datetime(b["Cap waktu"], format="%d/%m/%Y %H:%M:%S", errors="coerce")
    b["Cap waktu"] = t.dt.strftime("%Y-%m-%d %H:%M:%S").where(t.notna())
    b["Durasi (detik)"] = (pd.to_numeric(b["Durasi (detik)"]) * 3).astype("Int64").astype("string")
    b.loc[3, "Durasi (detik)"] = "400"  # not fast in a, fast here (median ~2100 s)
    b.loc[4, "Unit Kerja"] = "Dinas Pendidikan Kutai Timur"
    b["NIP"] = b["NIP"].str.replace(r"^(\d{8})", lambda m: str(int(m[1]) + 1), regex=True)
    # c: nobody typed a name; a column of NIPs under a safe header (masked in rejected rows)
    c = base.copy()
    c["Nama"] = None
    c["Catatan"] = c["NIP"]
    c["NIP"] = c["NIP"].str.replace(r"(\d{3})$", lambda m: f"{(int(m[1]) + 500) % 1000:03d}", regex=True)
    # d: month first ("06/28/2023"), where survey.csv is day first: each file's cells choose
    d = base.copy()
    d["Cap waktu"] = [f"0{1 + i % 6}/{1 + i % 27:02d}/2023 09:{i % 60:02d}:00" for i in range(len(d))]
    d["NIP"] = d["NIP"].str.replace(r"^(\d{4})", lambda m: str(int(m[1]) - 3), regex=True)
    # e: a row the reader cannot split (an unclosed quote): cleaned alone
    e = base.iloc[:30].copy()
    for name, frame in (("b.csv", b), ("c.csv", c), ("d.csv", d)):
        frame.to_csv(raw_dir / name, index=False)
    text = e.to_csv(index=False).splitlines()
    text[5] = text[5].replace(",", ',"', 1)
    (raw_dir / "e.csv").write_text("\n".join(text) + "\n")


@pytest.fixture
def fx5(tmp_path, monkeypatch):
    monkeypatch.setenv("ASN_WORKSPACE", str(tmp_path))
    monkeypatch.setenv("ASN_PSEUDONYM_KEY", "test-key")
    make_fixture(tmp_path)
    _variants(tmp_path / "data/raw/fx")
    study_file = tmp_path / "config/studies/fx.yaml"
    extra = "".join(f"  - {{file: {f}, instrument: mini, region: {REGION}, wave: {w}}}\n"
                    for f, w in (("b.csv", 2022), ("c.csv", 2023), ("d.csv", 2023), ("e.csv", 2023)))
    text = study_file.read_text().replace("  - {file: survey2.xlsx", extra + "  - {file: survey2.xlsx")
    text = text.replace("quality: {", "quality: {duplicate: {fallback: {enabled: true}}, ")
    study_file.write_text(text)
    (tmp_path / "config/instruments/mini.yaml").write_text(
        (tmp_path / "config/instruments/mini.yaml").read_text() + "safe_columns: [Catatan]\n")
    return load_study("fx")


def _tables(study):
    out = clean.run(study, write=False, return_tables=True)
    return out["tables"], out["files"]


def test_batches_are_planned_and_joined(fx5):
    plan = clean_run.plan(fx5, batch_bytes=10 ** 9)
    names = [[fx5.sources[i].file for i in b] for b in plan]
    assert names == [["survey.csv", "b.csv", "c.csv", "d.csv", "e.csv", "survey2.xlsx"]]
    assert [len(b) for b in clean_run.plan(fx5, batch_bytes=0)] == [1] * 6
    ctx = context(fx5)
    batches = steps.clean_batch(ctx, [fx5.sources[i] for i in plan[0]], [i << 32 for i in plan[0]])
    # e.csv has a row the reader could not split: cleaned alone, the other four together;
    # the xlsx (a title row above its header) has other columns
    assert [[r.file for r in b.results] for b in batches] == [["survey.csv", "b.csv", "c.csv", "d.csv"], ["e.csv"],
                                                              ["survey2.xlsx"]]
    b = batches[0]
    assert b.bounds[1] == (b.bounds[0][1], b.bounds[0][1] + len(b.results[1].frame))
    assert len(b.frame) == sum(len(r.frame) for r in b.results)


def test_batch_outputs_equal_file_by_file(fx5, monkeypatch):
    monkeypatch.setenv("ASN_CLEAN_BATCH_MB", "0")  # every file a batch alone
    alone, files_alone = _tables(fx5)
    monkeypatch.setenv("ASN_CLEAN_BATCH_MB", "1000")
    together, files_together = _tables(fx5)
    for name in ("respondents", "rejected", "log", "review", "unit_rows"):
        pd.testing.assert_frame_equal(alone[name], together[name], check_exact=True, obj=name)
    assert files_alone == files_together

    # what differs per file really differed here (else the test proves little)
    summ = files_together
    assert summ["b.csv"]["notes"]["speeder"] != summ["survey.csv"]["notes"]["speeder"]
    rej = together["rejected"]
    speed = rej[rej["reasons"].str.contains("speeder")]
    assert ("b.csv", "5") in set(zip(speed["source_file"], speed["source_row"].astype(str)))
    other = rej[rej["reasons"].str.contains("other_region")]
    assert ("b.csv", 6) in set(zip(other["source_file"], other["source_row"]))
    kept = rej.dropna(subset=["raw:Catatan"])
    note = {f: set(g) for f, g in kept.groupby("source_file")["raw:Catatan"]}
    assert note["c.csv"] == {"<NIP>"} and note["survey.csv"] == {"catatan"} and note["b.csv"] == {"catatan"}
    resp = together["respondents"]
    raw = {f: pd.read_csv(fx5.raw_dir / f, dtype=str)["Cap waktu"] for f in ("survey.csv", "d.csv")}
    for f, fmt in (("survey.csv", "%d/%m/%Y %H:%M:%S"), ("d.csv", "%m/%d/%Y %H:%M:%S")):
        got = resp[resp["source_file"] == f].set_index("source_row")["submitted_at"]
        want = pd.to_datetime(raw[f], format=fmt).set_axis(raw[f].index + 2)
        assert len(got) > 50 and (got == want.loc[got.index]).all(), f
    assert np.isin(["survey.csv", "b.csv", "c.csv", "d.csv", "e.csv", "survey2.xlsx"],
                   resp["source_file"].unique()).all()


def test_batches_on_dask_equal_in_process(fx5, monkeypatch, recwarn):
    """The one fan-out: batches as tasks of helpers.cluster.map_regions on a
    2-worker LocalCluster write what the in-process run writes (every batch
    cleaned on a worker: none fell back to this process)."""
    monkeypatch.setenv("ASN_CLEAN_BATCH_MB", "0")  # six batches: enough tasks for both workers
    monkeypatch.setenv("ASN_CLEAN_DASK_FROM", "2")
    here = clean.run(fx5, write=False, return_tables=True)
    there = clean.run(fx5, write=False, return_tables=True, workers=2)
    assert not [w for w in recwarn if "failed on Dask" in str(w.message)]
    for name in ("respondents", "rejected", "log", "review"):
        pd.testing.assert_frame_equal(here["tables"][name], there["tables"][name], check_exact=True, obj=name)
    assert here["files"] == there["files"]


def test_a_worker_with_another_pseudonym_key_or_none_refuses_the_batch(fx5, monkeypatch):
    """A batch task checks the worker's key against the sender's check value (the
    key is never sent): another key would give the same person another id, and a
    worker without one must not make one up."""
    from helpers.clean import nip
    from helpers.errors import InputError

    label = clean_run.batch_label([0])
    mine = nip.key_check(b"test-key")
    assert mine == nip.key_check(b"test-key") != nip.key_check(b"test-key2") and len(mine) == 16
    monkeypatch.setenv("ASN_PSEUDONYM_KEY", "another-key")
    with pytest.raises(InputError, match="pseudonym key differs"):
        clean_run.clean_batch_task(label, fx5, "unused", False, "run-a", mine)
    monkeypatch.delenv("ASN_PSEUDONYM_KEY")
    with pytest.raises(InputError, match="has no pseudonym key"):
        clean_run.clean_batch_task(label, fx5, "unused", False, "run-b", mine)
    assert not nip.key_path().exists()  # no key created on the worker
