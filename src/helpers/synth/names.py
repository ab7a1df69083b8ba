"""Synthetic Indonesian personal names (common given names and family names of
Kalimantan Timur's Banjar, Bugis, Kutai, Javanese and Batak communities) with
the academic titles HR lists carry. No real person is meant."""
from __future__ import annotations

import numpy as np
import pandas as pd

MALE = np.array("""Ahmad Muhammad Budi Agus Andi Rudi Hendra Dedi Eko Fajar Rizky Yusuf Arif Bambang
Hadi Irfan Joko Wahyu Syamsul Ma’ruf Abdul Hasan Rahmat Darmawan Iwan Slamet Sugeng Teguh Yudi
Zainal Dimas Aditya Bayu Rizal Fahmi Firdaus Haris Ilham Taufik Akbar Awang Aji Syahrir Rusdi
Jumadi Herman Suparno Mulyadi Samsudin Ridwan Kurniawan Anwar Hamdan Nasrullah Sultan Daeng""".split())
FEMALE = np.array("""Siti Nur Dewi Sri Rina Wati Ani Fitri Indah Lestari Ratna Yuni Eka Putri Ayu Dian
Nurul Rahmawati Nur’aini Kartika Mega Novi Maya Intan Wulan Sari Lina Susanti Endang Winarti
Hasnah Jumiati Rusmini Mariana Fatimah Aisyah Hartati Yuliana Rosdiana Herlina Normah Syarifah
Noor Rabiatul Erna Sulastri Murni Heni Nanik Dayang""".split())
FAMILY = np.array("""Saputra Wijaya Pratama Hidayat Kurniawan Setiawan Nugroho Santoso Rahman Hakim
Siregar Nasution Lubis Harahap Simanjuntak Rahayu Wulandari Susilo Ramadhan Syahputra Fauzi Anwar
Tanjung Sembiring Effendi Aminah Hasibuan Mahmud Baharuddin Mappanyukki Pattiasina Lamba Syahrani
Hairuddin Kaswadi Arsyad Fahrani Noor Gunawan Hamzah Yusran Latif Irawan Permana Sulaiman
Suryadi Prasetyo Utomo Handayani Safitri Ningsih Anggraini""".split())

# titles by education level index (people.EDU_LEVELS) and unit type
_S1 = {"upt_pendidikan": ["S.Pd.", "S.Pd.", "S.Pd.I."], "puskesmas": ["S.Kep., Ns.", "S.KM.", "S.Farm."],
       "rsud": ["S.Kep., Ns.", "S.Farm.", "S.KM."], "default": ["S.E.", "S.Sos.", "S.T.", "S.H.", "S.Kom.", "S.AP."]}
_D3 = {"puskesmas": ["A.Md.Keb.", "A.Md.Kep."], "rsud": ["A.Md.Kep.", "A.Md.Keb.", "A.Md.AK."],
       "default": ["A.Md.", "A.Md.Kom."]}
_S2 = ["M.Si.", "M.M.", "M.Pd.", "M.AP.", "M.Kes."]


def _pick(rng, arrays: np.ndarray, n: int) -> np.ndarray:
    return arrays[rng.integers(0, len(arrays), n)]


def full_names(rng: np.random.Generator, pop: pd.DataFrame) -> np.ndarray:
    """A name per person, consistent with sex, education and unit type."""
    n = len(pop)
    female = pop["sex"].to_numpy() == "P"
    first = np.where(female, _pick(rng, FEMALE, n), _pick(rng, MALE, n))
    middle = np.where(female, _pick(rng, FEMALE, n), _pick(rng, MALE, n))
    fam = _pick(rng, FAMILY, n)
    shape = rng.random(n)
    name = np.where(shape < 0.45, first + " " + fam,
                    np.where(shape < 0.8, first + " " + middle + " " + fam, first + " " + middle))
    edu, utype = pop["edu_level"].to_numpy(), pop["unit_type"].to_numpy()
    title = np.full(n, "", dtype=object)
    for table, level in ((_D3, 5), (_S1, 7)):
        m_level = edu == level
        for key, opts in table.items():
            m = m_level & ((utype == key) if key != "default" else ~np.isin(utype, list(table)))
            title[m] = _pick(rng, np.array(opts, dtype=object), int(m.sum()))
    title[edu == 6] = "S.Tr."
    m = edu >= 8
    title[m] = _pick(rng, np.array(_S2, dtype=object), int(m.sum()))
    doctor = (utype == "rsud") & (edu == 7) & (rng.random(n) < 0.15)
    name = np.where(doctor, "dr. " + name, name)
    title[doctor] = ""
    with_title = (title != "") & (rng.random(n) < 0.8)
    return np.where(with_title, name + ", " + title.astype(str), name)
