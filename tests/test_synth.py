"""The synthetic sample study: reproducible, fault ground truth consistent,
calibration targets met, and the structure a study should find.

Calibration is checked with the workspace's real stages: ``helpers.clean.run``
on the committed raw files (the determinism test ties them to the generator),
then ``helpers.indices.score`` and ``aggregate`` on the clean table, against the
published figures of ../shared/DOMAIN.md (Kompas.com 3 Nov 2023 for Kukar IKD
2023; Akurasi.id for Bontang IP ASN 2021). The reliability / clustering test
keeps a small independent reader so that it does not depend on the stages.
"""
from __future__ import annotations

import functools
import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

from helpers import paths
from helpers.study import load_study
from helpers.synth import DEFAULT_SEED, build_world, generate

ROOT = paths.project_root()
COMMITTED = ROOT / "data" / "raw" / "sample"
ROW_FAULTS = {"duplicate", "speeder", "straightliner", "other_region", "blank_row"}
FAULTS = ROW_FAULTS | {"unit_variant", "nip_excel", "nip_formatted", "nip_invalid", "missing_items",
                       "out_of_range", "unknown_label", "whitespace_case"}
KUKAR = {"information": 2.50, "communication": 2.35, "content": 2.10, "safety": 2.28, "problem_solving": 2.35}
BONTANG = {"kualifikasi": 12.13, "kompetensi": 30.57, "kinerja": 23.89, "disiplin": 4.99}
# (reader options, first data row as a spreadsheet row)
FILES = {
    "kukar_ikd_2023.xlsx": ("xlsx", 6), "bontang_ikd_2023.csv": (",", 2),
    "samarinda_ikd_2023.sav": ("sav", 2), "berau_ikd_2023.csv": (";", 2),
    "balikpapan_ild_2022.csv": (",", 2), "kukar_ikd_2022.csv": (",", 2), "bontang_ipasn_2021.csv": (";", 2),
    "paser_ipasn_2022.xlsx": ("xlsx", 5),
}


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("sample")
    return out, generate(out, seed=DEFAULT_SEED, progress=False)


@pytest.fixture(scope="module")
def cleaned(sample_cleaned) -> dict:
    """Stage 01 on the committed sample (the session's shared run)."""
    return sample_cleaned["tables"]


@pytest.fixture(scope="module")
def world():
    return build_world(DEFAULT_SEED)


def stage_scores(resp: pd.DataFrame, index: str, region: str, wave: int) -> pd.DataFrame:
    """Stage 02's scoring of one region and wave: per-respondent scores with ids."""
    from helpers.indices import load_spec, score
    from helpers.indices.run import rows_for
    spec = load_spec(index)
    rows = rows_for(resp, spec)
    rows = rows[(rows["region_id"] == region) & (rows["wave"].astype(int) == wave)]
    ids = rows[["wave", "region_id", "unit_type", "unit_id"]]
    return pd.concat([ids, score(rows, spec)], axis=1)


def region_means(resp: pd.DataFrame, index: str, region: str, wave: int) -> pd.Series:
    """The respondents' plain means (what the published figures are) of the stage-02 scores."""
    from helpers.indices import load_spec
    spec = load_spec(index)
    return stage_scores(resp, index, region, wave)[["overall", *spec.components]].mean()


def read_raw(folder: Path, name: str) -> pd.DataFrame:
    """Every data row of an export as text ('' = empty), index = spreadsheet row."""
    return _read_raw(folder, name).copy()


@functools.lru_cache(maxsize=16)
def _read_raw(folder: Path, name: str) -> pd.DataFrame:
    kind, first = FILES[name]
    p = folder / name
    if kind == "xlsx":
        # calamine reads the same cells as openpyxl (the same text after the
        # formatting below, checked on both sample workbooks) in a tenth of the time
        df = pd.read_excel(p, header=first - 2, dtype=object, engine="calamine")
        df = df.map(lambda v: "" if pd.isna(v) else (f"{v:.15g}" if isinstance(v, float) else str(v)))
    elif kind == "sav":
        import pyreadstat
        df, _ = pyreadstat.read_sav(str(p), apply_value_formats=False)
        df = df.map(lambda v: "" if pd.isna(v) else (f"{v:g}" if isinstance(v, float) else str(v)))
    else:
        enc = "cp1252" if name.startswith("berau") else "utf-8-sig"
        df = pd.read_csv(p, sep=kind, dtype=str, keep_default_na=False, encoding=enc, skip_blank_lines=False)
    df.index = np.arange(first, first + len(df))
    return df


def truth(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    return (pd.read_csv(folder / "_truth" / "faults.csv", keep_default_na=False),
            pd.read_csv(folder / "_truth" / "units_truth.csv", keep_default_na=False))


def clean_rows(folder: Path, name: str) -> pd.DataFrame:
    """The rows cleaning keeps (stand-in for helpers.clean until it lands)."""
    df = read_raw(folder, name)
    faults, _ = truth(folder)
    drop = faults[(faults.source_file == name) & faults.fault.isin(ROW_FAULTS)]["source_row"]
    return df.drop(index=drop.unique())


def label_value(cells: pd.Series, labels: dict[int, list[str]]) -> pd.Series:
    """Response label or number -> value; unknown -> NaN (case, spaces, "3 - " ignored)."""
    norm = cells.str.casefold().str.replace(r"\s+", " ", regex=True).str.strip()
    norm = norm.str.replace(r"^\d+\s*-\s*(?=\D)", "", regex=True)
    lookup = {lab.casefold(): v for v, labs in labels.items() for lab in labs}
    num = pd.to_numeric(norm, errors="coerce")
    val = norm.map(lookup).astype(float)
    lo, hi = min(labels), max(labels)
    return val.fillna(num.where(num.between(lo, hi)))


def codebook(name: str) -> dict:
    return yaml.safe_load((ROOT / "config" / "instruments" / f"{name}.yaml").read_text(encoding="utf-8"))


def item_matrix(df: pd.DataFrame, cb: dict) -> pd.DataFrame:
    """Item columns renamed to item ids (via the codebook aliases), as values."""
    alias = {a.casefold(): it["id"] for it in cb["items"] for a in it["aliases"]}
    cols = {c: alias[c.casefold()] for c in df.columns if c.casefold() in alias}
    labels = {int(k): v for k, v in cb["responses"].items()}
    return pd.DataFrame({iid: label_value(df[c], labels) for c, iid in cols.items()})


def area_means(items: pd.DataFrame, cb: dict) -> dict[str, float]:
    """Mean over respondents of the mean of each area's answered items (stand-in
    for helpers.indices)."""
    out = {}
    for area in dict.fromkeys(it["area"] for it in cb["items"]):
        ids = [it["id"] for it in cb["items"] if it["area"] == area]
        out[area] = float(items[ids].mean(axis=1).mean())
    return out


# --------------------------------------------------------------------------------------------
def nip_valid(nip: pd.Series) -> pd.Series:
    """18 digits, a real birth date, TMT month 1-12 no earlier than the month of the
    18th birthday (counted by month, as UU ASN 5/2014 art. 23 is checked), sex digit
    1/2, sequence 001-999 (DOMAIN.md, "Identifiers")."""
    s = nip.astype(str)
    ok = s.str.fullmatch(r"\d{18}")
    d = s.where(ok, "190001010000000000")
    birth = pd.to_datetime(d.str[:8], format="%Y%m%d", errors="coerce")
    tmt_m = d.str[12:14].astype(int)
    months = (d.str[8:12].astype(int) - d.str[:4].astype(int)) * 12 + tmt_m - d.str[4:6].astype(int)
    return (ok & birth.notna() & tmt_m.between(1, 12) & (months >= 18 * 12) & d.str[14].isin(["1", "2"])
            & (d.str[15:] != "000"))


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def test_reproduces_committed_files(generated):
    out, _ = generated
    committed = sorted(p.relative_to(COMMITTED) for p in COMMITTED.rglob("*") if p.is_file())
    produced = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    assert committed == produced
    differ = [str(p) for p in committed if _sha(COMMITTED / p) != _sha(out / p)]
    assert differ == [], f"regenerated files differ from the committed ones: {differ}"


def test_committed_sample_is_small_and_says_synthetic():
    size = sum(p.stat().st_size for p in COMMITTED.rglob("*") if p.is_file())
    assert size < 15 * 2**20
    text = (COMMITTED / "README.md").read_text(encoding="utf-8")
    assert "SYNTHETIC" in text and "calibrat" in text.lower()


def test_registry_has_the_seed_unit_mix():
    reg = pd.read_csv(COMMITTED / "units.csv", keep_default_na=False)
    assert reg["unit_id"].is_unique and reg["region_id"].nunique() >= 6
    types = yaml.safe_load((ROOT / "config" / "unit_types.yaml").read_text(encoding="utf-8"))
    assert set(reg["unit_type"]) <= set(types)
    kk = reg[reg.region_id == "kab-kutai-kartanegara"]
    assert len(kk) == 94
    assert kk["unit_type"].value_counts().to_dict() == {
        "dinas": 24, "upt_pendidikan": 20, "kecamatan": 18, "puskesmas": 18, "badan": 7, "rsud": 3,
        "setda": 1, "setwan": 1, "inspektorat": 1, "satpol_pp": 1}
    assert abs((kk.headcount_pns + kk.headcount_pppk).sum() - 12500) <= 150
    parents = set(reg["parent_unit_id"]) - {""}
    assert parents <= set(reg["unit_id"])


def test_fault_truth_is_consistent(generated, world):
    out, summary = generated
    faults, units = truth(out)
    assert list(faults.columns) == ["source_file", "source_row", "fault", "detail"]
    assert set(faults["fault"]) == FAULTS
    reg = pd.read_csv(out / "units.csv", keep_default_na=False).set_index("unit_id")
    for name in FILES:
        df = read_raw(out, name)
        f = faults[faults.source_file == name]
        u = units[units.source_file == name].set_index("source_row")["unit_id"]
        assert f["source_row"].isin(df.index).all()
        blank = f[f.fault == "blank_row"]["source_row"]
        assert len(blank) > 0 and (df.loc[blank] == "").all(axis=None)
        # every non-blank row has a true unit; all of them are registry units or outside the study
        assert sorted(u.index) == sorted(set(df.index) - set(blank))
        assert set(u[u != ""]) <= set(reg.index)
        unit_col = next(c for c in df.columns if c.lower().startswith("unit"))
        plain = u.index.difference(f[f.fault.isin(["unit_variant", "other_region"])]["source_row"])
        typed = df.loc[plain, unit_col]
        assert (typed == reg.loc[u[plain], "unit_name"].to_numpy()).all()
        var = f[f.fault == "unit_variant"]["source_row"]
        var = var[(u[var] != "").to_numpy()]
        assert (df.loc[var, unit_col] != reg.loc[u[var], "unit_name"].to_numpy()).all()
        # a typed variant is one of its true unit's variants (HR systems also print capitals),
        # so a record from before a transfer is typed for its older unit
        # (SPSS pads strings and drops trailing spaces, so those are compared without them)
        known = set(zip(world.variants["unit_id"], world.variants["variant"].str.rstrip()))
        known |= set(zip(reg.index, reg["unit_name"].str.upper()))
        typed_var = list(zip(u[var], df.loc[var, unit_col].str.rstrip()))
        assert [t for t in typed_var if t not in known] == [], name
        # NIPs: clean 18 digits; formatted ones keep 18 digits; Excel-mangled and invalid ones do not
        nip = df["NIP" if "NIP" in df else "nip"]
        bad = f[f.fault.str.startswith("nip_")]
        ok = nip.drop(index=bad["source_row"]).drop(index=blank)
        assert ok.str.fullmatch(r"\d{18}").all()
        fmt = nip.loc[bad[bad.fault == "nip_formatted"]["source_row"]].str.replace(r"\D", "", regex=True)
        assert fmt.str.fullmatch(r"\d{18}").all()
        assert not nip_valid(nip.loc[bad[bad.fault == "nip_invalid"]["source_row"]]).any()
        # an NIP that went through Excel as a number keeps at most 15 significant digits
        xl = nip.loc[bad[bad.fault == "nip_excel"]["source_row"]]
        num = pd.to_numeric(xl.str.replace(",", "."), errors="coerce")
        assert (num.isna() | (num.map(lambda x: float(f"{x:.15g}")) == num)).all()
        assert (~nip_valid(xl) | num.notna()).all()
        assert nip_valid(ok).all()
        # the later submission of a duplicate pair: same NIP, later time
        dup = f[f.fault == "duplicate"]
        later = dup["source_row"] + dup["detail"].str.extract(r"row ([+-]\d+)")[0].astype(int)
        assert (nip.loc[dup["source_row"]].to_numpy() == nip.loc[later].to_numpy()).all()
    assert summary["faults"] == faults["fault"].value_counts().sort_index().to_dict()


def test_nip_matches_sex_and_birth_year(generated):
    out, _ = generated
    df = clean_rows(out, "kukar_ikd_2023.xlsx")
    faults, _ = truth(out)
    bad = faults[(faults.source_file == "kukar_ikd_2023.xlsx") & faults.fault.str.startswith("nip_")]
    df = df.drop(index=bad["source_row"], errors="ignore")
    sex = df["Jenis Kelamin"].str.strip().str.casefold().map({"laki-laki": "1", "perempuan": "2"})
    assert (df["NIP"].str[14] == sex).mean() > 0.99  # the rest: whitespace/case variants
    assert (df["NIP"].str[:4] == df["Tahun Lahir"]).all()
    assert nip_valid(df["NIP"]).all()  # TMT in or after the month of the 18th birthday


def test_nobody_answers_before_their_appointment(generated):
    """A survey's respondents (PPPK included) were appointed by its first day: the
    TMT month in the NIP is never after the earliest submission (Balikpapan ILD 2022
    is fielded in Aug-Sep 2022, Kukar IKD 2022 in Aug-Sep 2022)."""
    out, _ = generated
    faults, _ = truth(out)
    for name, tcol in (("balikpapan_ild_2022.csv", "Cap waktu"), ("kukar_ikd_2022.csv", "Cap waktu")):
        df = read_raw(out, name)
        bad = faults[(faults.source_file == name) & faults.fault.isin(["blank_row", "nip_excel", "nip_invalid"])]
        df = df.drop(index=bad["source_row"].unique())
        nip = df["NIP"].str.replace(r"\D", "", regex=True)
        tmt = pd.to_datetime(nip.str[8:14], format="%Y%m")
        first = pd.to_datetime(df[tcol], format="%d/%m/%Y %H:%M:%S").min()
        assert (tmt <= first).all(), name


def test_kukar_ikd_2023_after_clean_and_scoring_matches_published(cleaned):
    """Kompas.com 3 Nov 2023: IKD Kukar 2.3 of 4; areas 2.50 / 2.35 / 2.10 / 2.28 / 2.35."""
    m = region_means(cleaned["respondents"], "ikd", "kab-kutai-kartanegara", 2023)
    for area, target in KUKAR.items():
        assert m[area] == pytest.approx(target, abs=0.02), area
    assert m["overall"] == pytest.approx(2.316, abs=0.02) and round(m["overall"], 1) == 2.3


def test_bontang_ipasn_2021_after_clean_and_scoring_matches_published(cleaned):
    """Akurasi.id: Bontang IP ASN 2021 12.13 / 30.57 / 23.89 / 4.99, total 71.59, Sedang."""
    from helpers.indices import categorise, load_spec
    m = region_means(cleaned["respondents"], "ip_asn", "kota-bontang", 2021)
    for dim, target in BONTANG.items():
        assert m[dim] == pytest.approx(target, abs=0.10), dim
    assert m["overall"] == pytest.approx(71.59, abs=0.10)
    assert categorise([m["overall"]], load_spec("ip_asn"))[0] == "sedang"


def test_kukar_2022_wave_is_lower_and_its_change_follows_the_unit_effects(cleaned, world):
    """The synthetic 2022 wave (not a published figure): overall 2.20, every area below
    2023, and unit-level change correlated with the generating unit effects."""
    resp = cleaned["respondents"]
    m22 = region_means(resp, "ikd", "kab-kutai-kartanegara", 2022)
    m23 = region_means(resp, "ikd", "kab-kutai-kartanegara", 2023)
    assert m22["overall"] == pytest.approx(2.20, abs=0.02)
    assert ((m23 - m22)[list(KUKAR)].between(0.05, 0.20)).all()
    s22 = stage_scores(resp, "ikd", "kab-kutai-kartanegara", 2022).groupby("unit_id")["overall"].mean()
    s23 = stage_scores(resp, "ikd", "kab-kutai-kartanegara", 2023).groupby("unit_id")["overall"].mean()
    assert len(s22) == len(s23) == 94  # same units in both waves
    change = (s23 - s22).dropna()
    effect = world.pop.drop_duplicates("unit_id").set_index("unit_id")["unit_eff"].reindex(change.index)
    r = np.corrcoef(change, effect)[0, 1]
    assert r > 0.4, r


def test_cleaning_finds_no_nip_problem_on_genuine_rows(cleaned):
    """Every NIP the cleaning flags as structurally invalid (TMT before the 18th
    birthday by month, TMT after the survey, ...) is an injected NIP fault."""
    faults, _ = truth(COMMITTED)
    log = cleaned["log"]
    flagged = set(zip(*log.loc[log["rule"] == "nip_invalid", ["source_file", "source_row"]].T.to_numpy()))
    nip_faults = faults[faults["fault"].str.startswith("nip_")]
    injected = set(zip(nip_faults["source_file"], nip_faults["source_row"]))
    assert flagged and flagged <= injected, sorted(flagged - injected)[:10]


def test_structure_reliability_clustering_and_unit_types(generated):
    out, _ = generated
    cb = codebook("ikd_digcomp22")
    df = clean_rows(out, "kukar_ikd_2023.xlsx")
    items = item_matrix(df, cb)
    for area in dict.fromkeys(it["area"] for it in cb["items"]):
        x = items[[it["id"] for it in cb["items"] if it["area"] == area]].dropna()
        k = x.shape[1]
        alpha = k / (k - 1) * (1 - x.var(ddof=1).sum() / x.sum(axis=1).var(ddof=1))
        assert 0.70 <= alpha <= 0.90, (area, alpha)
    _, units = truth(out)
    u = units[units.source_file == "kukar_ikd_2023.xlsx"].set_index("source_row")["unit_id"]
    reg = pd.read_csv(out / "units.csv").set_index("unit_id")
    d = pd.DataFrame({"score": items.mean(axis=1), "unit": u.reindex(df.index).to_numpy()})
    d["type"] = reg.loc[d["unit"], "unit_type"].to_numpy()
    # ICC(1) from the one-way ANOVA mean squares (Shrout & Fleiss 1979), unequal n via n0
    g = d.groupby("unit")["score"]
    n_i, k = g.size().to_numpy(), g.ngroups
    N = n_i.sum()
    msb = (n_i * (g.mean() - d.score.mean()) ** 2).sum() / (k - 1)
    msw = ((d.score - g.transform("mean")) ** 2).sum() / (N - k)
    n0 = (N - (n_i ** 2).sum() / N) / (k - 1)
    icc = (msb - msw) / (msb + (n0 - 1) * msw)
    assert 0.05 <= icc <= 0.20, icc
    groups = [s.to_numpy() for _, s in d.groupby("type")["score"]]
    assert stats.f_oneway(*groups).pvalue < 1e-10
    by_type = d.groupby("type")["score"].mean()
    assert by_type["inspektorat"] > by_type["satpol_pp"] + 0.2


def test_codebooks_cover_every_raw_header(generated):
    out, _ = generated
    books = {"ikd": codebook("ikd_digcomp22"), "ild": codebook("ild_kominfo"), "ipasn": codebook("ipasn_hr")}
    for name in FILES:
        cb = books["ipasn" if "ipasn" in name else "ild" if "ild" in name else "ikd"]
        known = {a.casefold() for it in cb["items"] for a in it["aliases"]}
        known |= {a.casefold() for f in cb["fields"].values() for a in f["aliases"]}
        cols = read_raw(out, name).columns
        assert [c for c in cols if c.casefold() not in known] == [], name


def test_scale_mode_writes_exactly_n_respondents_as_a_loadable_study(tmp_path, monkeypatch):
    # a private workspace: the scale study's config and raw folder go there, not into the repo
    (tmp_path / "config" / "studies").mkdir(parents=True)
    (tmp_path / "pyproject.toml").write_text("")
    monkeypatch.setenv("ASN_WORKSPACE", str(tmp_path))
    s = generate(None, seed=7, scale=3000, progress=False)
    assert s["n_respondents"] == 3000
    study = load_study("sample_scale_3000")
    assert study.id == "sample_scale_3000" and "raw_dir" not in study.raw
    assert study.raw_dir == tmp_path / "data" / "raw" / "sample_scale_3000"
    rows = 0
    for src in study.sources:
        df = pd.read_csv(study.raw_dir / src.file, dtype=str, keep_default_na=False, skip_blank_lines=False)
        rows += int((df != "").any(axis=1).sum())
    assert rows == 3000
    faults = pd.read_csv(study.raw_dir / "_truth" / "faults.csv")
    units = pd.read_csv(study.raw_dir / "_truth" / "units_truth.csv")
    assert len(units) == 3000 and {"duplicate", "unit_variant", "blank_row"} <= set(faults["fault"])
