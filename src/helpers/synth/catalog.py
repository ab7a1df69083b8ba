"""The sample study's world: regions of Kalimantan Timur and their work units.

Names follow PP 18/2016 unit types and the real kecamatan of each region; the
Kutai Kartanegara list has the seed article's 94 units (7 badan, 24 dinas,
Satpol PP, Setda, Setwan, 18 kecamatan, 3 RSUD, 18 puskesmas, 20 UPT pendidikan,
Inspektorat). Headcounts are synthetic, scaled to the totals in ``REGIONS``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class RegionSpec:
    id: str
    name: str
    kind: str
    code: str
    short: str
    asn: int  # total ASN headcount (PNS + PPPK)
    effect: float  # region random effect on the digital-competence latent
    n_dinas: int
    n_badan: int
    kecamatan: tuple[str, ...]
    rsud: tuple[str, ...]
    n_upt: int
    aliases: tuple[str, ...] = ()  # how respondents type the "Instansi" field
    in_study: bool = True
    extra_puskesmas: tuple[str, ...] = field(default=())


KUKAR_KEC = ("Tenggarong", "Tenggarong Seberang", "Loa Kulu", "Loa Janan", "Sebulu",
             "Muara Kaman", "Kota Bangun", "Muara Muntai", "Muara Wis", "Kenohan",
             "Kembang Janggut", "Tabang", "Anggana", "Muara Jawa", "Sanga-Sanga", "Samboja",
             "Marang Kayu", "Muara Badak")

REGIONS: tuple[RegionSpec, ...] = (
    RegionSpec("kab-kutai-kartanegara", "Kabupaten Kutai Kartanegara", "kabupaten", "kkr", "Kukar",
               12500, 0.00, 24, 7, KUKAR_KEC,
               ("RSUD Aji Muhammad Parikesit", "RSUD Dayaku Raja", "RSUD Aji Batara Agung Dewa Sakti"),
               20, ("Pemerintah Kabupaten Kutai Kartanegara", "Pemkab Kutai Kartanegara",
                    "Kabupaten Kutai Kartanegara", "Kab. Kutai Kartanegara", "Pemkab Kukar", "Kukar")),
    RegionSpec("kota-bontang", "Kota Bontang", "kota", "btg", "Bontang", 3350, 0.22, 16, 5,
               ("Bontang Utara", "Bontang Selatan", "Bontang Barat"), ("RSUD Taman Husada",), 5,
               ("Pemerintah Kota Bontang", "Pemkot Bontang", "Kota Bontang", "Bontang"),
               extra_puskesmas=("Bontang Utara II", "Bontang Selatan II", "Bontang Lestari")),
    RegionSpec("kota-samarinda", "Kota Samarinda", "kota", "smd", "Samarinda", 9800, 0.18, 20, 6,
               ("Samarinda Ulu", "Samarinda Ilir", "Samarinda Utara", "Samarinda Seberang",
                "Sungai Kunjang", "Sambutan", "Sungai Pinang", "Samarinda Kota", "Palaran",
                "Loa Janan Ilir"), ("RSUD Inche Abdoel Moeis",), 8,
               ("Pemerintah Kota Samarinda", "Pemkot Samarinda", "Kota Samarinda", "Samarinda")),
    RegionSpec("kota-balikpapan", "Kota Balikpapan", "kota", "bpp", "Balikpapan", 7600, 0.28, 18, 6,
               ("Balikpapan Utara", "Balikpapan Selatan", "Balikpapan Timur", "Balikpapan Barat",
                "Balikpapan Tengah", "Balikpapan Kota"), ("RSUD Beriman", "RSUD Sayang Ibu"), 6,
               ("Pemerintah Kota Balikpapan", "Pemkot Balikpapan", "Kota Balikpapan", "Balikpapan")),
    RegionSpec("kab-berau", "Kabupaten Berau", "kabupaten", "brw", "Berau", 5600, -0.12, 18, 6,
               ("Tanjung Redeb", "Gunung Tabur", "Sambaliung", "Teluk Bayur", "Segah", "Kelay",
                "Talisayan", "Biduk-Biduk", "Pulau Derawan", "Maratua", "Tabalar", "Biatan",
                "Batu Putih"), ("RSUD dr. Abdul Rivai",), 6,
               ("Pemerintah Kabupaten Berau", "Pemkab Berau", "Kabupaten Berau", "Kab. Berau", "Berau")),
    RegionSpec("kab-paser", "Kabupaten Paser", "kabupaten", "psr", "Paser", 4300, -0.18, 17, 6,
               ("Tanah Grogot", "Kuaro", "Long Ikis", "Long Kali", "Batu Sopang", "Muara Komam",
                "Muara Samu", "Pasir Belengkong", "Tanjung Harapan", "Batu Engau"),
               ("RSUD Panglima Sebaya",), 6,
               ("Pemerintah Kabupaten Paser", "Pemkab Paser", "Kabupaten Paser", "Kab. Paser", "Paser")),
)

# Regions whose staff sometimes answer another region's survey; not in the study,
# so their units are not in the registry.
OUTSIDE_REGIONS: tuple[RegionSpec, ...] = (
    RegionSpec("kab-kutai-timur", "Kabupaten Kutai Timur", "kabupaten", "ktm", "Kutim", 1500, 0.0, 10, 4,
               ("Sangatta Utara", "Sangatta Selatan", "Bengalon"), ("RSUD Kudungga",), 2,
               ("Pemerintah Kabupaten Kutai Timur", "Pemkab Kutai Timur"), in_study=False),
    RegionSpec("prov-kalimantan-timur", "Provinsi Kalimantan Timur", "provinsi", "kaltim", "Kaltim",
               1500, 0.1, 10, 4, (), ("RSUD Abdul Wahab Sjahranie",), 2,
               ("Pemerintah Provinsi Kalimantan Timur", "Pemprov Kaltim"), in_study=False),
)

# (name, registry aliases) in the order used to pick the first n of each region.
DINAS = (
    ("Dinas Pendidikan dan Kebudayaan", "Disdikbud|Dinas Pendidikan"),
    ("Dinas Kesehatan", "Dinkes"),
    ("Dinas Pekerjaan Umum dan Penataan Ruang", "DPUPR|Dinas PU"),
    ("Dinas Sosial", "Dinsos"),
    ("Dinas Kependudukan dan Pencatatan Sipil", "Disdukcapil"),
    ("Dinas Perhubungan", "Dishub"),
    ("Dinas Komunikasi dan Informatika", "Diskominfo"),
    ("Dinas Lingkungan Hidup", "DLH"),
    ("Dinas Perumahan dan Kawasan Permukiman", "Disperkim"),
    ("Dinas Tenaga Kerja dan Transmigrasi", "Disnakertrans"),
    ("Dinas Pemberdayaan Perempuan dan Perlindungan Anak", "DP3A"),
    ("Dinas Pengendalian Penduduk dan Keluarga Berencana", "DPPKB"),
    ("Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu", "DPMPTSP"),
    ("Dinas Koperasi dan Usaha Kecil Menengah", "Diskop UKM"),
    ("Dinas Pemuda dan Olahraga", "Dispora"),
    ("Dinas Perpustakaan dan Kearsipan", "Dispusip"),
    ("Dinas Pariwisata", "Dispar"),
    ("Dinas Perindustrian dan Perdagangan", "Disperindag"),
    ("Dinas Pertanian dan Peternakan", "Distanak"),
    ("Dinas Perikanan dan Kelautan", "Diskanla"),
    ("Dinas Pemberdayaan Masyarakat dan Desa", "DPMD"),
    ("Dinas Perkebunan", "Disbun"),
    ("Dinas Ketahanan Pangan", "DKP"),
    ("Dinas Pemadam Kebakaran dan Penyelamatan", "Damkar|DPKP"),
)
BADAN = (
    ("Badan Perencanaan Pembangunan Daerah", "Bappeda"),
    ("Badan Pengelolaan Keuangan dan Aset Daerah", "BPKAD"),
    ("Badan Kepegawaian dan Pengembangan Sumber Daya Manusia", "BKPSDM|BKPSDMD"),
    ("Badan Pendapatan Daerah", "Bapenda"),
    ("Badan Penanggulangan Bencana Daerah", "BPBD"),
    ("Badan Kesatuan Bangsa dan Politik", "Kesbangpol"),
    ("Badan Riset dan Inovasi Daerah", "BRIDA|Balitbangda"),
)

# Relative size of one unit of each type (before scaling to the region's ASN
# total) and the PPPK share, both synthetic but in the usual proportions
# (teachers and health staff are the largest groups and most PPPK).
TYPE_SIZE = {"setda": 260, "setwan": 75, "inspektorat": 65, "badan": 75, "dinas": 120,
             "satpol_pp": 220, "kecamatan": 32, "rsud": 380, "puskesmas": 48, "upt_pendidikan": 260}
TYPE_PPPK = {"setda": 0.04, "setwan": 0.04, "inspektorat": 0.03, "badan": 0.05, "dinas": 0.08,
             "satpol_pp": 0.06, "kecamatan": 0.05, "rsud": 0.22, "puskesmas": 0.26,
             "upt_pendidikan": 0.34}


def _slug(text: str) -> str:
    import re
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def region_units(r: RegionSpec) -> list[dict]:
    """The unit list of one region (no headcounts yet)."""
    c = r.code
    rows: list[dict] = []

    def add(uid, name, utype, aliases="", parent=""):
        rows.append(dict(unit_id=f"{c}-{uid}", unit_name=name, unit_type=utype,
                         region_id=r.id, parent_unit_id=parent, aliases=aliases))

    add("setda", "Sekretariat Daerah", "setda", "Setda|Setkab" if r.kind == "kabupaten" else "Setda|Setkot")
    add("setwan", "Sekretariat DPRD", "setwan", "Setwan|Sekwan")
    add("inspektorat", "Inspektorat Daerah", "inspektorat", "Inspektorat|Itda")
    add("satpol-pp", "Satuan Polisi Pamong Praja", "satpol_pp", "Satpol PP")
    for name, al in BADAN[: r.n_badan]:
        add(_slug(al.split("|")[0]), name, "badan", al)
    for name, al in DINAS[: r.n_dinas]:
        add(_slug(al.split("|")[0]), name, "dinas", al)
    dinkes, disdik = f"{c}-dinkes", f"{c}-disdikbud"
    for k in r.kecamatan:
        add(f"kec-{_slug(k)}", f"Kecamatan {k}", "kecamatan")
    for name in r.rsud:
        add(f"rsud-{_slug(name.replace('RSUD ', ''))}", name, "rsud", "")
    for k in r.kecamatan + r.extra_puskesmas:
        add(f"pkm-{_slug(k)}", f"Puskesmas {k}", "puskesmas", "", dinkes)
    upt = [f"UPT Pendidikan Kecamatan {k}" for k in r.kecamatan][: r.n_upt]
    if len(upt) < r.n_upt:
        upt += ["UPT Sanggar Kegiatan Belajar", "UPT Pendidikan Khusus dan Layanan Khusus",
                "UPT Pendidikan Anak Usia Dini"][: r.n_upt - len(upt)]
    for name in upt:
        add(f"upt-{_slug(name.replace('UPT ', '').replace('Pendidikan Kecamatan ', ''))}", name,
            "upt_pendidikan", "", disdik)
    return rows


def build_registry(rng: np.random.Generator, regions=REGIONS) -> pd.DataFrame:
    """Unit registry with synthetic headcounts summing to each region's ASN total."""
    frames = []
    for r in regions:
        u = pd.DataFrame(region_units(r))
        base = u["unit_type"].map(TYPE_SIZE).to_numpy(float)
        size = base * rng.lognormal(0.0, 0.35, len(u))
        # the main dinas of education and health are big offices
        size[u["unit_id"].str.endswith(("-disdikbud", "-dinkes")).to_numpy()] *= 1.8
        size = np.maximum(12, np.round(size / size.sum() * r.asn)).astype(int)
        pppk_share = u["unit_type"].map(TYPE_PPPK).to_numpy(float) * rng.uniform(0.7, 1.3, len(u))
        pppk = np.round(size * pppk_share).astype(int)
        u["headcount_pns"] = size - pppk
        u["headcount_pppk"] = pppk
        frames.append(u)
    reg = pd.concat(frames, ignore_index=True)
    cols = ["unit_id", "unit_name", "unit_type", "region_id", "parent_unit_id",
            "headcount_pns", "headcount_pppk", "aliases"]
    return reg[cols]
