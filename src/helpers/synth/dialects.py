"""How each export spells its columns and labels (its "dialect").

A dialect maps a canonical field to the raw header the export uses and each
canonical value to the spellings people pick or type there. The codebooks list
every header and spelling used here (tests check it)."""
from __future__ import annotations

EDU_SPELL = {
    "limesurvey": {"SD": ["SD"], "SMP": ["SMP"], "SMA": ["SMA/SMK"], "D1": ["D-I"], "D2": ["D-II"],
                   "D3": ["D-III"], "D4": ["D-IV"], "S1": ["S-1"], "S2": ["S-2"], "S3": ["S-3"]},
    "typed": {"SD": ["SD", "Sekolah Dasar"], "SMP": ["SMP", "SLTP"], "SMA": ["SMA", "SMK", "SLTA", "SMA/SMK"],
              "D1": ["D1", "D-1", "Diploma 1"], "D2": ["D2", "D-2", "D II"], "D3": ["D3", "D-III", "D III", "Diploma 3", "DIII"],
              "D4": ["D4", "DIV", "D-IV", "Sarjana Terapan"], "S1": ["S1", "S-1", "Sarjana", "strata 1", "S.1", "Strata I"],
              "S2": ["S2", "S-2", "Magister", "Strata 2"], "S3": ["S3", "Doktor"]},
    "berau": {"SD": ["SD"], "SMP": ["SLTP"], "SMA": ["SLTA"], "D1": ["D.I"], "D2": ["D.II"], "D3": ["D.III"],
              "D4": ["D.IV"], "S1": ["S1"], "S2": ["S2"], "S3": ["S3"]},
    "dropdown": {"SD": ["SD"], "SMP": ["SMP"], "SMA": ["SMA/SMK"], "D1": ["Diploma I"], "D2": ["Diploma II"],
                 "D3": ["Diploma III"], "D4": ["Diploma IV"], "S1": ["Sarjana (S1)"], "S2": ["Magister (S2)"],
                 "S3": ["Doktor (S3)"]},
    "simpeg": {"SD": ["SD"], "SMP": ["SLTP"], "SMA": ["SLTA", "SMA", "SMK"], "D1": ["D-I"], "D2": ["D-II"],
               "D3": ["D-III"], "D4": ["D-IV"], "S1": ["S-1"], "S2": ["S-2"], "S3": ["S-3"]},
    "paser": {"SD": ["Sekolah Dasar"], "SMP": ["SLTP"], "SMA": ["SLTA/Sederajat"], "D1": ["Diploma I"],
              "D2": ["Diploma II"], "D3": ["Diploma III"], "D4": ["Diploma IV"], "S1": ["Strata 1"],
              "S2": ["Strata 2"], "S3": ["Strata 3"]},
}
SEX_SPELL = {"full": {"L": ["Laki-laki"], "P": ["Perempuan"]}, "short": {"L": ["L"], "P": ["P"]},
             "pria": {"L": ["Pria"], "P": ["Wanita"]}}
POS_SPELL = {"plain": {"struktural": ["Struktural"], "fungsional": ["Fungsional"], "pelaksana": ["Pelaksana"]},
             "old": {"struktural": ["Struktural"], "fungsional": ["Fungsional Tertentu"],
                     "pelaksana": ["Fungsional Umum"]},
             "long": {"struktural": ["Jabatan Pimpinan Tinggi/Administrator/Pengawas"],
                      "fungsional": ["Jabatan Fungsional"], "pelaksana": ["Jabatan Pelaksana"]}}
STATUS_SPELL = {"plain": {"PNS": ["PNS"], "PPPK": ["PPPK"]}, "p3k": {"PNS": ["PNS"], "PPPK": ["P3K", "PPPK"]}}
GOL_STYLE = ("slash", "typed", "compact")  # III/a | III/a, III a, 3a, III-A | IIIa

SANCTION_SPELL = {"none": ["Tidak Ada", "Nihil"], "ringan": ["Ringan"], "sedang": ["Sedang"], "berat": ["Berat"]}
SANCTION_SPELL_PASER = {"none": ["Tidak Pernah"], "ringan": ["Hukuman Disiplin Ringan"],
                        "sedang": ["Hukuman Disiplin Sedang"], "berat": ["Hukuman Disiplin Berat"]}
LEADERSHIP_TRUE = ["Diklatpim IV", "Diklatpim III", "PKP", "PKA", "PKN Tk. II"]
LEADERSHIP_FALSE = ["Belum", "Tidak Ada"]
FUNCTIONAL_SPELL = {True: ["Sudah"], False: ["Belum"]}
PREDIKAT = ["Sangat Baik", "Baik", "Butuh Perbaikan", "Kurang", "Sangat Kurang"]

# survey column headers by export style; canonical field -> raw header
HEADERS = {
    "limesurvey": {"record_id": "ID respon", "started_at": "Waktu mulai", "submitted_at": "Waktu selesai",
                   "nip": "NIP", "name": "Nama Lengkap", "sex": "Jenis Kelamin", "birth_year": "Tahun Lahir",
                   "education": "Pendidikan Terakhir", "golongan": "Golongan/Ruang", "position_type": "Jenis Jabatan",
                   "status": "Status Kepegawaian", "region": "Instansi", "unit": "Unit Kerja"},
    "gforms": {"submitted_at": "Cap waktu", "email": "Alamat email", "nip": "NIP", "name": "Nama",
               "sex": "Jenis Kelamin", "age": "Usia", "education": "Pendidikan Terakhir", "golongan": "Golongan",
               "position_type": "Jenis Jabatan", "status": "Status Kepegawaian", "region": "Instansi",
               "unit": "Unit Kerja"},
    "gforms_ild": {"submitted_at": "Cap waktu", "nip": "NIP", "name": "Nama Lengkap", "sex": "Jenis Kelamin",
                   "birth_year": "Tahun Lahir", "education": "Pendidikan Terakhir", "golongan": "Golongan/Ruang",
                   "position_type": "Jenis Jabatan", "status": "Status Kepegawaian", "region": "Instansi",
                   "unit": "Unit Kerja / Perangkat Daerah"},
    "spss": {"nip": "nip", "name": "nama", "sex": "jk", "age": "umur", "education": "pend", "golongan": "gol",
             "position_type": "jabatan", "status": "status", "region": "instansi", "unit": "unit",
             "submitted_at": "tgl_isi", "duration_s": "durasi"},
    "locale": {"record_id": "No", "submitted_at": "Tanggal Pengisian", "duration_min": "Lama Pengisian (menit)",
               "nip": "NIP", "name": "Nama", "sex": "L/P", "age": "Usia", "education": "Pendidikan",
               "golongan": "Gol", "position_type": "Jenis Jabatan", "status": "Status", "region": "Instansi",
               "unit": "Unit Kerja"},
    "hr": {"record_id": "No", "nip": "NIP", "name": "Nama", "sex": "Jenis Kelamin", "birth_date": "Tanggal Lahir",
           "education": "Pendidikan Terakhir", "golongan": "Golongan", "position_type": "Jenis Jabatan",
           "status": "Status Pegawai", "unit": "Unit Kerja", "leadership_training": "Diklat Kepemimpinan",
           "functional_training": "Diklat Fungsional", "technical_jp": "Diklat Teknis (JP)",
           "seminars_2y": "Seminar/Workshop (2 Tahun Terakhir)", "skp_score": "Nilai SKP",
           "skp_predikat": "Predikat Kinerja", "sanction": "Hukuman Disiplin", "submitted_at": "Tgl Update"},
}
SPSS_LABELS = {"nip": "NIP", "nama": "Nama lengkap", "jk": "Jenis Kelamin", "umur": "Usia (tahun)",
               "pend": "Pendidikan terakhir", "gol": "Golongan/Ruang", "jabatan": "Jenis jabatan",
               "status": "Status kepegawaian", "instansi": "Instansi", "unit": "Unit kerja",
               "tgl_isi": "Tanggal pengisian", "durasi": "Durasi pengisian (detik)"}
UNKNOWN_LABELS = ["Tidak tahu", "Cukup", "Lumayan", "2 atau 3", "Ahli", "?"]
