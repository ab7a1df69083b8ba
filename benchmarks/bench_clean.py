"""Benchmark of stage 01: clean N respondents x 45 items (default 1,000,000).

Builds a throw-away workspace (``$TMPDIR/asn_bench_clean``) with a 45-item
DigComp codebook, a 94-unit registry and one Google-Forms-like CSV export whose
cells are labels ("3 - Mahir"), typed unit names with variants, NIPs (some typed
with spaces, some lost to Excel), and injected duplicates, speeders,
straight-liners; then runs ``helpers.clean.run`` in a fresh process and prints
rows/s and the peak resident memory of that process.

Usage::

    python benchmarks/bench_clean.py            # 1,000,000 rows
    python benchmarks/bench_clean.py --rows 200000

Target (issue 4): 1M x 45 in <= 30 s and <= 4 GB on the 2-core machine.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.synth.smallcodebook import survey_codebook

AREAS = [(1, "information", 3, 7), (2, "communication", 6, 13), (3, "content", 4, 9), (4, "safety", 4, 10),
         (5, "problem_solving", 4, 6)]  # area number, id, competences, items: 7+13+9+10+6 = 45
LABELS = np.array(["1 - Dasar", "2 - Menengah", "3 - Mahir", "4 - Sangat mahir"], dtype=object)
REGION = "kab-kutai-kartanegara"


def _items() -> list[tuple[str, str, str]]:
    out = []
    for a, area, ncomp, nitems in AREAS:
        for k in range(nitems):
            c = 1 + k % ncomp
            out.append((f"ikd_{a}_{c}_{1 + k // ncomp}", area, f"{a}.{c}"))
    return out


def build(root: Path, rows: int, seed: int = 2023) -> None:
    rng = np.random.default_rng(seed)
    items = _items()
    (root / "config/instruments").mkdir(parents=True, exist_ok=True)
    (root / "config/studies").mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text("")
    fields = {"submitted_at": ["Cap waktu"], "duration_s": ["Durasi (detik)"], "nip": ["NIP"], "name": ["Nama"],
              "unit": ["Unit Kerja"], "sex": ["Jenis Kelamin"], "age": ["Usia"],
              "education": ["Pendidikan Terakhir"], "golongan": ["Golongan"], "position_type": ["Jenis Jabatan"],
              "status": ["Status Kepegawaian"]}
    cb = survey_codebook(
        "bench_ikd", [(i, a, c, [f"{c} Pernyataan {i}"]) for i, a, c in items],
        {1: ["Dasar"], 2: ["Menengah"], 3: ["Mahir"], 4: ["Sangat mahir"]},
        {f: {"aliases": al, **({"personal": True} if f in ("nip", "name") else {}),
             **({"required": True} if f == "unit" else {})} for f, al in fields.items()})
    (root / "config/instruments/bench_ikd.yaml").write_text(cb)
    (root / "config/studies/bench.yaml").write_text(textwrap.dedent(f"""\
        id: bench
        title: benchmark
        registry: units.csv
        regions: [{{id: {REGION}, name: Kabupaten Kutai Kartanegara, kind: kabupaten}}]
        sources: [{{file: survey.csv, instrument: bench_ikd, region: {REGION}, wave: 2023}}]
        indices: [ikd]
        """))
    raw = root / "data/raw/bench"
    raw.mkdir(parents=True, exist_ok=True)
    kinds = (["Dinas"] * 24 + ["Badan"] * 7 + ["Kecamatan"] * 18 + ["Puskesmas"] * 18 + ["UPT Pendidikan"] * 20
             + ["RSUD"] * 3 + ["Satpol PP", "Sekretariat Daerah", "Sekretariat DPRD", "Inspektorat"])
    places = ["Tenggarong", "Loa Kulu", "Loa Janan", "Sebulu", "Muara Kaman", "Kota Bangun", "Muara Muntai",
              "Muara Wis", "Kenohan", "Kembang Janggut", "Tabang", "Anggana", "Muara Jawa", "Sanga Sanga",
              "Samboja", "Marang Kayu", "Muara Badak", "Tenggarong Seberang", "Long Iram", "Melak"]
    fields = ["Pendidikan", "Kesehatan", "Perhubungan", "Pertanian", "Pariwisata", "Sosial", "Koperasi",
              "Perikanan", "Kebudayaan", "Lingkungan Hidup", "Pekerjaan Umum", "Perumahan", "Kependudukan",
              "Perindustrian", "Perdagangan", "Kepemudaan", "Ketahanan Pangan", "Komunikasi", "Perpustakaan",
              "Kearsipan", "Tenaga Kerja", "Pemberdayaan Masyarakat", "Penanaman Modal", "Pengendalian Penduduk"]
    names, count = [], {}
    for k in kinds:
        i = count.get(k, 0)
        count[k] = i + 1
        suffix = fields[i % len(fields)] if k in ("Dinas", "Badan") else places[i % len(places)] + (
            f" {i // len(places) + 1}" if i >= len(places) else "")
        names.append(k if k in ("Satpol PP", "Sekretariat Daerah", "Sekretariat DPRD", "Inspektorat")
                     else f"{k} {suffix}")
    reg = pd.DataFrame({"unit_id": [f"kkr-{i:03d}" for i in range(len(names))], "unit_name": names,
                        "unit_type": [k.lower().replace(" ", "_") for k in kinds], "region_id": REGION,
                        "parent_unit_id": "", "headcount_pns": 100, "headcount_pppk": 10, "aliases": ""})
    reg.to_csv(raw / "units.csv", index=False)

    n = rows
    unit = rng.integers(0, len(names), n)
    typed = np.array(names, dtype=object)[unit]
    variant = rng.random(n)
    typed = np.where(variant < 0.05, np.char.upper(typed.astype(str)).astype(object), typed)
    typed = np.where((variant >= 0.05) & (variant < 0.08),
                     pd.Series(typed).str.replace("Kecamatan ", "Kec. ", regex=False).to_numpy(object), typed)
    birth = rng.integers(1965, 2000, n)
    nip = (pd.Series(birth.astype(str)) + pd.Series(rng.integers(1, 13, n)).map("{:02d}".format)
           + pd.Series(rng.integers(1, 29, n)).map("{:02d}".format) + pd.Series(birth + 23).astype(str) + "01"
           + pd.Series(rng.integers(1, 3, n)).astype(str) + pd.Series(np.arange(n) % 999 + 1).map("{:03d}".format))
    nip = nip.to_numpy(object)
    spaced = rng.random(n) < 0.05
    nip[spaced] = [f"{v[:8]} {v[8:14]} {v[14]} {v[15:]}" for v in nip[spaced]]
    lost = rng.random(n) < 0.02
    nip[lost] = "1.98503E+17"
    theta = rng.normal(0, 1, n)
    data = {"Cap waktu": pd.Series(pd.Timestamp("2023-06-01") + pd.to_timedelta(rng.integers(0, 30 * 86400, n), unit="s"))
            .dt.strftime("%d/%m/%Y %H:%M:%S").to_numpy(object),
            "Durasi (detik)": rng.integers(400, 1500, n).astype(str).astype(object),
            "NIP": nip, "Nama": "Anonim", "Unit Kerja": typed,
            "Jenis Kelamin": np.where(pd.Series(nip).str[14].to_numpy(object) == "1", "Laki-laki",
                                      "Perempuan").astype(object),
            "Usia": (2023 - birth).astype(str).astype(object),
            "Pendidikan Terakhir": np.array(["S-1", "Sarjana", "D-III", "SMA/SMK", "S2", "DIV"], dtype=object)[
                rng.integers(0, 6, n)],
            "Golongan": np.array(["III/a", "3b", "III C", "IV/a", "II/c"], dtype=object)[rng.integers(0, 5, n)],
            "Jenis Jabatan": np.array(["Pelaksana", "Fungsional", "Struktural"], dtype=object)[rng.integers(0, 3, n)],
            "Status Kepegawaian": np.where(rng.random(n) < 0.85, "PNS", "PPPK").astype(object)}
    for i, _, c in _items():
        v = np.clip(np.round(2.4 + 0.8 * theta + rng.normal(0, 0.7, n)), 1, 4).astype(int) - 1
        data[f"{c} Pernyataan {i}"] = LABELS[v]
    df = pd.DataFrame(data)
    straight = rng.random(n) < 0.01
    item_cols = [c for c in df.columns if "Pernyataan" in c]
    df.loc[straight, item_cols] = "3 - Mahir"
    speed = rng.random(n) < 0.01
    df.loc[speed, "Durasi (detik)"] = "60"
    dup = df.sample(frac=0.01, random_state=1)
    dup["Cap waktu"] = "30/06/2023 23:00:00"
    df = pd.concat([df.iloc[: n - len(dup)], dup], ignore_index=True)
    df.to_csv(raw / "survey.csv", index=False)


def child(root: Path) -> None:
    os.environ["ASN_WORKSPACE"] = str(root)
    os.environ.setdefault("ASN_PSEUDONYM_KEY", "benchmark-key")
    os.environ["ASN_CLEAN_PROFILE"] = "1"  # per-phase seconds and peak memory on stdout
    from helpers.clean import run
    from helpers.study import load_study

    t = time.perf_counter()
    summary = run(load_study("bench"))
    dt = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2  # KiB -> GiB
    print(json.dumps({"seconds": dt, "peak_gb": peak, "respondents": summary["respondents"],
                      "rejected": summary["rejected"], "log_rows": summary["log_rows"]}))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--root", type=Path, default=Path(tempfile.gettempdir()) / "asn_bench_clean")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    root = args.root / str(args.rows)
    if args.child:
        child(root)
        return 0
    if not (root / "data/raw/bench/survey.csv").exists():
        t = time.perf_counter()
        build(root, args.rows)
        print(f"built input: {args.rows:,} rows x 45 items in {time.perf_counter() - t:.1f} s "
              f"({(root / 'data/raw/bench/survey.csv').stat().st_size / 1e6:.0f} MB CSV)")
    proc = subprocess.run([sys.executable, __file__, "--child", "--rows", str(args.rows), "--root", str(args.root)],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        print(proc.stderr)
        return proc.returncode
    print("\n".join(proc.stdout.strip().splitlines()[:-1]))
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    rate = args.rows / res["seconds"]
    print(f"clean: {args.rows:,} rows x 45 items in {res['seconds']:.1f} s = {rate:,.0f} rows/s; "
          f"peak memory {res['peak_gb']:.2f} GB; kept {res['respondents']:,}, rejected {res['rejected']:,}, "
          f"log rows {res['log_rows']:,}")
    ok = res["seconds"] <= 30 * args.rows / 1_000_000 and res["peak_gb"] <= 4
    print("target (30 s and 4 GB per million rows):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
