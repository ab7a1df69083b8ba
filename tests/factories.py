"""Factories for the tests: environments, workspaces (small studies) and score tables.

One way to set environment variables: :func:`env` (a ``pytest.MonkeyPatch``
context, for module- and session-scoped fixtures; a test uses the ``env`` or
``monkeypatch`` fixture). One writer of each small study: :func:`make_fixture`
(the stage-01 fixture study ``fx`` with the mini codebook and known faults),
``_brief_fixture.write_fixture`` (a processed study for the brief), and
:func:`workspace` (a workspace folder with the real configuration).
"""
from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]


# ----------------------------------------------------------------------------- environment

def set_env(mp: pytest.MonkeyPatch, **variables) -> None:
    """Set each variable (a value, made a string) or unset it (``None``) on ``mp``."""
    for name, value in variables.items():
        if value is None:
            mp.delenv(name, raising=False)
        else:
            mp.setenv(name, str(value))


@contextlib.contextmanager
def env(**variables):
    """Environment variables for the body of the ``with`` (``None`` unsets one);
    the previous values come back afterwards, also on error.

    >>> with env(ASN_WORKSPACE=root, ASN_OUTPUT_ROOT=None):   # doctest: +SKIP
    ...     ...
    """
    with pytest.MonkeyPatch.context() as mp:
        set_env(mp, **variables)
        yield


def cli(*args: str, cwd: Path | None = None, **variables) -> subprocess.CompletedProcess:
    """``python -m helpers *args`` run in this process (``helpers.__main__.main``),
    in ``cwd`` with the environment ``variables`` for its duration; its exit code
    and what it printed, as :func:`subprocess.run` gives them. An exception
    ``main`` does not turn into a message fails the test with its traceback.

    A new interpreter per call (~3 CPU s of imports) is what the command-line
    tests of ``test_foundation`` check once; the rest call ``main`` directly."""
    from helpers.__main__ import main

    out, err = io.StringIO(), io.StringIO()
    with env(**variables), contextlib.chdir(cwd or os.getcwd()), \
            contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return subprocess.CompletedProcess(["python", "-m", "helpers", *args], code, out.getvalue(), err.getvalue())


# ----------------------------------------------------------------------------- workspaces

def workspace(root: Path, config: str | None = "copy", notebooks: bool = False,
              raw: dict[str, list[str] | None] | None = None) -> Path:
    """A workspace folder at ``root`` (point ``ASN_WORKSPACE`` at it).

    ``config``: ``"copy"`` the real config/ (so a test may edit it; no studies'
    pseudonym key), ``"link"`` its shared parts (indices, instruments, unit
    types; a new ``studies/`` folder) or ``None`` (an empty ``config/studies``).
    ``notebooks`` links the real notebooks. ``raw`` maps a study id to the
    names of the sample's raw files to link into ``data/raw/<id>/`` (``None``:
    every file). A ``pyproject.toml`` marks the folder as a project root."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").touch()
    if config == "copy":
        shutil.copytree(ROOT / "config", root / "config", ignore=shutil.ignore_patterns(".pseudonym_key"),
                        dirs_exist_ok=True)
    elif config == "link":
        (root / "config" / "studies").mkdir(parents=True, exist_ok=True)
        for name in ("indices", "instruments", "unit_types.yaml"):
            if not (root / "config" / name).exists():
                (root / "config" / name).symlink_to(ROOT / "config" / name)
    else:
        (root / "config" / "studies").mkdir(parents=True, exist_ok=True)
    if notebooks and not (root / "notebooks").exists():
        (root / "notebooks").symlink_to(ROOT / "notebooks")
    for study, files in (raw or {}).items():
        folder = root / "data" / "raw" / study
        folder.mkdir(parents=True, exist_ok=True)
        sample = ROOT / "data" / "raw" / "sample"
        for f in files if files is not None else [p.name for p in sample.iterdir()]:
            (folder / f).symlink_to(sample / f)
    return root


#: the Monte Carlo of a test workspace's index specs: enough draws for every
#: uncertainty table (sensitivity indices included) and brief section to be made,
#: not enough to cost minutes. The analysis itself is tested in test_uncertainty.py.
QUICK_UNCERTAINTY = {"n": 40, "sensitivity_n": 8, "ci_resamples": 10}


def quick_uncertainty(root: Path, **overrides) -> None:
    """Rewrite the ``uncertainty:`` block of every index spec copied into the
    workspace at ``root`` (``config/indices/*.yaml``) with
    :data:`QUICK_UNCERTAINTY` (and ``overrides``); the seed and the varied build
    choices stay the spec's. Only a copy (``workspace(config="copy")``) may be
    rewritten: the real specs are never touched."""
    import yaml

    folder = root / "config" / "indices"
    if folder.is_symlink() or not folder.is_dir() or folder.resolve() == (ROOT / "config" / "indices").resolve():
        raise ValueError(f"{folder}: not a copied config/indices folder")
    for f in sorted(folder.glob("*.yaml")):
        data = yaml.safe_load(f.read_text(encoding="utf-8"))
        data["uncertainty"] = {**(data.get("uncertainty") or {}), **QUICK_UNCERTAINTY, **overrides}
        f.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


# ----------------------------------------------------------------------------- the stage-01 fixture study

ITEM_AREAS = [(1, "information"), (2, "communication"), (3, "content")]
LABELS = {1: "Dasar", 2: "Menengah", 3: "Mahir", 4: "Sangat mahir"}
REGION = "kab-kutai-kartanegara"


def _codebook() -> str:
    items = "".join(
        f"  - {{id: ikd_{a}_{c}_1, area: {area}, competence: '{a}.{c}', aliases: ['{a}.{c} Pertanyaan {a}{c}']}}\n"
        for a, area in ITEM_AREAS for c in range(1, 5))
    return textwrap.dedent("""\
        id: mini
        kind: survey
        index: ikd
        scale: {min: 1, max: 4}
        responses:
          1: [Dasar, Foundation]
          2: [Menengah, Intermediate]
          3: [Mahir, Advanced]
          4: [Sangat mahir, Highly specialised]
        items:
        """) + items + textwrap.dedent("""\
        fields:
          submitted_at: {aliases: [Cap waktu]}
          duration_s: {aliases: [Durasi (detik)]}
          nip: {aliases: [NIP], personal: true}
          name: {aliases: [Nama], personal: true}
          unit: {aliases: [Unit Kerja], required: true}
          region: {aliases: [Instansi]}
          sex: {aliases: [Jenis Kelamin]}
          age: {aliases: [Usia]}
          education: {aliases: [Pendidikan terakhir]}
          golongan: {aliases: [Golongan]}
          position_type: {aliases: [Jenis jabatan]}
          status: {aliases: [Status kepegawaian]}
        """)


STUDY = textwrap.dedent(f"""\
    id: fx
    title: fixture
    registry: units.csv
    regions:
      - {{id: {REGION}, name: Kabupaten Kutai Kartanegara, kind: kabupaten, aliases: [Pemkab Kukar]}}
    sources:
      - {{file: survey.csv, instrument: mini, region: {REGION}, wave: 2023}}
      - {{file: survey2.xlsx, instrument: mini, region: {REGION}, wave: 2023}}
    indices: [ikd]
    quality: {{speeder: {{ratio: 0.3, min_rows: 5}}, straightliner: {{min_items: 8}}}}
    """)

UNITS = ["Dinas Pendidikan", "Dinas Kesehatan", "Kecamatan Loa Janan"]


def _nip(i: int, rng, day: int = 1) -> str:
    year = 1965 + i % 30
    return f"{year}0{1 + i % 9}{day}{i % 9}{year + 25}0{1 + i % 9}{1 + i % 2}{i % 999 + 1:03d}"


def make_fixture(root: Path, n: int = 80, seed: int = 7) -> dict:
    """Write a fixture workspace; return the injected faults by (file, row)."""
    rng = np.random.default_rng(seed)
    (root / "config/instruments").mkdir(parents=True)
    (root / "config/studies").mkdir(parents=True)
    (root / "pyproject.toml").write_text("")
    (root / "config/instruments/mini.yaml").write_text(_codebook())
    (root / "config/studies/fx.yaml").write_text(STUDY)
    raw = root / "data/raw/fx"
    raw.mkdir(parents=True)
    pd.DataFrame({"unit_id": ["u1", "u2", "u3", "x1"], "unit_name": UNITS + ["Dinas Pendidikan Kutai Timur"],
                  "unit_type": ["dinas", "dinas", "kecamatan", "dinas"],
                  "region_id": [REGION] * 3 + ["kab-kutai-timur"], "parent_unit_id": [""] * 4,
                  "headcount_pns": [100, 80, 20, 50], "headcount_pppk": [10, 5, 2, 5],
                  "aliases": ["Disdik", "Dinkes|Dinas Kes", "", ""]}).to_csv(raw / "units.csv", index=False)
    heads = [f"{a}.{c} Pertanyaan {a}{c}" for a, _ in ITEM_AREAS for c in range(1, 5)]
    rows = []
    for i in range(n):
        vals = rng.integers(1, 5, size=12)
        vals[0] = 1 + (vals[1] % 4) if vals[0] == vals[1] else vals[0]  # never straight by chance
        nip = _nip(i, rng)
        row = {"Cap waktu": f"{1 + i % 27:02d}/06/2023 10:{i % 60:02d}:00",
               "Durasi (detik)": str(int(rng.integers(500, 900))), "NIP": nip, "Nama": f"Orang {i}",
               "Unit Kerja": UNITS[i % 3], "Instansi": "Pemkab Kukar",
               "Jenis Kelamin": "Laki-laki" if nip[14] == "1" else "Perempuan",
               "Usia": "", "Pendidikan terakhir": ["S-1", "Sarjana", "D III", "SMA"][i % 4],
               "Golongan": ["III/a", "3b", "IV a"][i % 3], "Jenis jabatan": "Pelaksana", "Status kepegawaian": "PNS"}
        for h, v in zip(heads, vals):
            row[h] = LABELS[int(v)] if i % 2 else f"{v} - {LABELS[int(v)]}"
        rows.append(row)
    df = pd.DataFrame(rows)
    faults = {}
    df.loc[5, heads] = "Mahir"; faults[5] = "straightliner"
    df.loc[7, "Durasi (detik)"] = "60"; faults[7] = "speeder"
    df.loc[12, heads[0]] = "Entah"; faults[12] = "unknown_label"
    df.loc[13, heads[1]] = "7"; faults[13] = "out_of_range"
    df.loc[14, "Unit Kerja"] = "Dinas Pendidkan"; faults[14] = "unit_fuzzy"
    df.loc[15, "Unit Kerja"] = "Dinas Pendidikan Kutai Timur"; faults[15] = "other_region"
    df.loc[16, "Unit Kerja"] = "Kantor Antah Berantah"; faults[16] = "unit_review"
    df.loc[17, "NIP"] = "1.98503E+17"; faults[17] = "nip_unrecoverable"
    df.loc[18, "Instansi"] = "Pemkab Kutai Timur"; faults[18] = "other_region"
    df.loc[19, heads[:8]] = None; faults[19] = "missing_items"
    df.loc[20, "NIP"] = " ".join([df.loc[20, "NIP"][:8], df.loc[20, "NIP"][8:14], df.loc[20, "NIP"][14:]])
    # the same person submits again later and completely: the first is the duplicate
    again = df.loc[[10]].copy()
    again["Cap waktu"] = "28/06/2023 11:00:00"
    blank = pd.DataFrame([{c: None for c in df.columns}])
    df = pd.concat([df, again, blank], ignore_index=True)
    faults[10] = "duplicate"
    faults[n + 1] = "blank_row"
    df.to_csv(raw / "survey.csv", index=False)
    # the second export: Excel with a title row, duplicated person across files
    x = df.iloc[30:40].copy()
    x["NIP"] = [_nip(i, rng, day=2) for i in range(10)]
    x.iloc[0, x.columns.get_loc("NIP")] = df.loc[31, "NIP"]  # person 31 answered in both files
    x.iloc[0, x.columns.get_loc("Cap waktu")] = "01/07/2023 09:00:00"
    faults[31] = "duplicate"
    with pd.ExcelWriter(raw / "survey2.xlsx") as xw:
        pd.DataFrame([["Rekap survei IKD"]]).to_excel(xw, index=False, header=False, startrow=0)
        x.to_excel(xw, index=False, startrow=2)
    return {("survey.csv", r + 2): f for r, f in faults.items()}


# ----------------------------------------------------------------------------- score tables

AREAS = ["information", "communication", "content", "safety", "problem_solving"]
TYPES = ["setda", "dinas", "kecamatan", "puskesmas"]


def ikd_scores(n=800, regions=("kota-bontang", "kab-berau"), seed=0) -> pd.DataFrame:
    """A stage-02 IKD score table (``scores_ikd``): 24 units over ``regions``, four
    unit types, puskesmas +0.5 above the others, one wave (2023), equal weights;
    two respondents of the first region are in a tiny type (``rsud``)."""
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
