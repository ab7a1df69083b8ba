"""Item banks of the sample instruments (Bahasa Indonesia) and the generating
parameters of each item (loading, difficulty).

The codebooks in ``config/instruments/`` are written from these definitions by
:func:`helpers.synth.codebooks.write_codebooks`, so the headers the generator
writes and the aliases the cleaner reads cannot drift apart.
"""
from __future__ import annotations

import pandas as pd

IKD_AREAS = {  # area number -> (component id, Indonesian title used in Google-Forms grids)
    1: ("information", "Literasi Informasi dan Data"),
    2: ("communication", "Komunikasi dan Kolaborasi"),
    3: ("content", "Pembuatan Konten Digital"),
    4: ("safety", "Keamanan Digital"),
    5: ("problem_solving", "Pemecahan Masalah"),
}
IKD_COMPETENCES = {
    "1.1": "Menjelajah, mencari, dan menyaring data, informasi, dan konten digital",
    "1.2": "Mengevaluasi data, informasi, dan konten digital",
    "1.3": "Mengelola data, informasi, dan konten digital",
    "2.1": "Berinteraksi melalui teknologi digital",
    "2.2": "Berbagi melalui teknologi digital",
    "2.3": "Berpartisipasi sebagai warga melalui teknologi digital",
    "2.4": "Berkolaborasi melalui teknologi digital",
    "2.5": "Netiket",
    "2.6": "Mengelola identitas digital",
    "3.1": "Mengembangkan konten digital",
    "3.2": "Mengintegrasikan dan mengolah ulang konten digital",
    "3.3": "Hak cipta dan lisensi",
    "3.4": "Pemrograman",
    "4.1": "Melindungi perangkat",
    "4.2": "Melindungi data pribadi dan privasi",
    "4.3": "Melindungi kesehatan dan kesejahteraan",
    "4.4": "Melindungi lingkungan",
    "5.1": "Menyelesaikan masalah teknis",
    "5.2": "Mengidentifikasi kebutuhan dan respons teknologi",
    "5.3": "Menggunakan teknologi digital secara kreatif",
    "5.4": "Mengidentifikasi kesenjangan kompetensi digital",
}
# (competence, text, difficulty b, loading a); difficulty is relative within the area
# (the area's intercept is solved for by calibration).
IKD_ITEMS = [
    ("1.1", "Saya dapat menggunakan mesin pencari dengan kata kunci yang tepat untuk menemukan informasi pekerjaan.", -0.55, 0.85),
    ("1.1", "Saya dapat menyaring hasil pencarian (tanggal, jenis berkas, situs) untuk menemukan informasi yang relevan.", 0.15, 0.85),
    ("1.1", "Saya dapat menemukan data dan dokumen resmi di portal pemerintah (JDIH, portal data, situs kementerian).", 0.05, 0.75),
    ("1.2", "Saya dapat menilai kredibilitas sumber informasi daring sebelum menggunakannya.", 0.10, 0.80),
    ("1.2", "Saya dapat mengenali berita bohong (hoaks) dan informasi yang menyesatkan di media sosial.", -0.25, 0.70),
    ("1.3", "Saya dapat menyimpan dan menata berkas digital dalam folder dan penyimpanan awan secara teratur.", 0.00, 0.85),
    ("1.3", "Saya dapat mengolah data sederhana dengan lembar kerja (mengurutkan, menyaring, menjumlahkan).", 0.35, 0.85),
    ("2.1", "Saya dapat menggunakan surel (email) dinas untuk berkorespondensi secara resmi.", -0.10, 0.70),
    ("2.1", "Saya dapat memimpin atau mengikuti rapat daring (Zoom, Google Meet, Teams) termasuk berbagi layar.", -0.20, 0.70),
    ("2.1", "Saya dapat memilih saluran komunikasi digital yang sesuai dengan keperluan dan lawan bicara.", -0.15, 0.65),
    ("2.2", "Saya dapat membagikan dokumen melalui tautan dengan pengaturan hak akses yang tepat.", 0.30, 0.70),
    ("2.2", "Saya dapat mencantumkan sumber ketika membagikan informasi atau konten.", 0.05, 0.60),
    ("2.3", "Saya dapat menggunakan layanan pemerintahan digital (SPBE, layanan publik elektronik) untuk pekerjaan.", 0.10, 0.70),
    ("2.3", "Saya dapat membantu masyarakat menggunakan layanan publik digital.", 0.20, 0.65),
    ("2.4", "Saya dapat menyunting dokumen bersama rekan kerja secara bersamaan (Google Docs, Office 365).", 0.45, 0.70),
    ("2.4", "Saya dapat menggunakan aplikasi kolaborasi untuk membagi tugas dan memantau pekerjaan tim.", 0.40, 0.70),
    ("2.5", "Saya menerapkan etika berkomunikasi di grup percakapan dan media sosial kedinasan.", -0.45, 0.55),
    ("2.5", "Saya dapat menyesuaikan gaya komunikasi digital dengan keragaman budaya dan usia penerima.", -0.10, 0.60),
    ("2.6", "Saya dapat mengelola identitas digital dan jejak digital saya sebagai ASN.", 0.05, 0.65),
    ("2.6", "Saya dapat memisahkan akun pribadi dan akun kedinasan dengan baik.", -0.30, 0.60),
    ("3.1", "Saya dapat membuat dokumen, bahan tayang, dan infografis untuk keperluan dinas.", -0.45, 0.85),
    ("3.1", "Saya dapat membuat konten video atau audio sederhana untuk sosialisasi layanan.", 0.15, 0.85),
    ("3.2", "Saya dapat memperbarui dan menggabungkan konten yang sudah ada menjadi konten baru.", -0.25, 0.85),
    ("3.2", "Saya dapat menyesuaikan templat dan format dokumen digital sesuai kebutuhan.", -0.45, 0.80),
    ("3.3", "Saya memahami aturan hak cipta dan lisensi (misalnya Creative Commons) saat memakai konten orang lain.", 0.05, 0.70),
    ("3.3", "Saya dapat memilih gambar, musik, atau perangkat lunak yang boleh dipakai secara legal.", 0.00, 0.70),
    ("3.4", "Saya dapat membuat rumus, makro, atau otomatisasi sederhana di lembar kerja.", 0.35, 0.75),
    ("3.4", "Saya dapat menulis atau mengubah kode program sederhana (misalnya skrip atau kueri basis data).", 0.60, 0.65),
    ("4.1", "Saya dapat melindungi perangkat dengan kata sandi, pembaruan sistem, dan antivirus.", -0.25, 0.80),
    ("4.1", "Saya dapat mengenali tautan atau lampiran berbahaya (phishing, malware).", 0.15, 0.80),
    ("4.2", "Saya dapat melindungi data pribadi masyarakat yang saya kelola dalam pekerjaan.", -0.10, 0.75),
    ("4.2", "Saya dapat mengatur privasi akun media sosial dan aplikasi yang saya gunakan.", -0.20, 0.75),
    ("4.2", "Saya menggunakan autentikasi dua faktor pada akun-akun penting.", 0.40, 0.70),
    ("4.3", "Saya dapat mengatur waktu penggunaan gawai agar tidak mengganggu kesehatan fisik dan mental.", -0.10, 0.60),
    ("4.3", "Saya dapat mengenali dan menghindari perundungan siber (cyberbullying).", -0.05, 0.65),
    ("4.4", "Saya memahami dampak lingkungan dari penggunaan perangkat digital (energi, limbah elektronik).", 0.20, 0.60),
    ("4.4", "Saya menerapkan kebiasaan hemat kertas dan energi dengan memanfaatkan teknologi digital.", -0.05, 0.60),
    ("5.1", "Saya dapat mengatasi masalah teknis sederhana pada komputer, pencetak, atau jaringan.", 0.20, 0.85),
    ("5.1", "Saya dapat mencari solusi masalah teknis melalui forum, panduan, atau video tutorial.", -0.15, 0.80),
    ("5.2", "Saya dapat memilih aplikasi atau perangkat yang tepat untuk menyelesaikan tugas tertentu.", -0.05, 0.85),
    ("5.2", "Saya dapat menyesuaikan pengaturan aplikasi sesuai kebutuhan kerja saya.", 0.00, 0.85),
    ("5.3", "Saya dapat menggunakan teknologi digital untuk memperbaiki proses layanan di unit kerja.", 0.15, 0.80),
    ("5.3", "Saya dapat mengusulkan inovasi layanan berbasis digital.", 0.30, 0.75),
    ("5.4", "Saya dapat mengenali kompetensi digital yang masih perlu saya tingkatkan.", -0.30, 0.70),
    ("5.4", "Saya aktif mengikuti pelatihan daring untuk meningkatkan kompetensi digital.", -0.10, 0.70),
]
IKD_LABELS = {1: "Dasar", 2: "Menengah", 3: "Mahir", 4: "Sangat Mahir"}
IKD_LABELS_EN = {1: "Foundation", 2: "Intermediate", 3: "Advanced", 4: "Highly specialised"}

ILD_PILLARS = {
    "skills": "Kecakapan Digital",
    "ethics": "Etika Digital",
    "safety": "Keamanan Digital",
    "culture": "Budaya Digital",
}
ILD_ITEMS = [
    ("skills", "Saya mampu menggunakan perangkat keras dan sistem operasi komputer atau ponsel pintar.", -0.35, 0.90),
    ("skills", "Saya mampu mencari dan memilah informasi di internet dengan mesin pencari.", -0.15, 0.90),
    ("skills", "Saya mampu menggunakan aplikasi percakapan dan media sosial untuk berkomunikasi.", -0.40, 0.80),
    ("skills", "Saya mampu menggunakan dompet digital, lokapasar, dan transaksi daring.", 0.35, 0.80),
    ("skills", "Saya mampu mengunggah dan mengunduh berkas serta mengelola penyimpanan awan.", 0.20, 0.85),
    ("ethics", "Saya menyadari bahwa interaksi di dunia digital tetap harus menjaga sopan santun.", -0.30, 0.75),
    ("ethics", "Saya tidak menyebarkan informasi yang belum jelas kebenarannya.", -0.10, 0.80),
    ("ethics", "Saya tidak menggunakan ujaran kebencian atau kata kasar di media sosial.", -0.25, 0.80),
    ("ethics", "Saya mencantumkan sumber ketika membagikan karya orang lain.", 0.30, 0.75),
    ("ethics", "Saya berhati-hati dalam berkomentar tentang suku, agama, ras, dan antargolongan.", 0.05, 0.75),
    ("safety", "Saya membuat kata sandi yang kuat dan berbeda untuk setiap akun.", 0.25, 0.85),
    ("safety", "Saya mampu mengenali pesan penipuan dan tautan berbahaya.", -0.10, 0.85),
    ("safety", "Saya tidak membagikan data pribadi (NIK, alamat, nomor telepon) di media sosial.", -0.20, 0.75),
    ("safety", "Saya mencadangkan data penting secara berkala.", 0.30, 0.80),
    ("safety", "Saya memeriksa izin akses aplikasi sebelum memasangnya.", 0.15, 0.80),
    ("culture", "Saya menggunakan internet untuk mempelajari dan melestarikan budaya Indonesia.", 0.10, 0.75),
    ("culture", "Saya menghargai keberagaman pendapat di ruang digital.", -0.20, 0.75),
    ("culture", "Saya menggunakan produk dan layanan digital buatan dalam negeri.", 0.15, 0.70),
    ("culture", "Saya memanfaatkan teknologi digital untuk kegiatan yang bermanfaat bagi masyarakat.", 0.00, 0.80),
    ("culture", "Saya menerapkan nilai Pancasila dalam berinteraksi di dunia digital.", -0.15, 0.75),
]
ILD_LABELS = {1: "Sangat Tidak Setuju", 2: "Tidak Setuju", 3: "Netral", 4: "Setuju", 5: "Sangat Setuju"}
ILD_LABELS_EN = {1: "Strongly disagree", 2: "Disagree", 3: "Neutral", 4: "Agree", 5: "Strongly agree"}


def ikd_items() -> pd.DataFrame:
    """One row per IKD item: ``id, area_no, area, competence, k, text, b, a`` and the
    raw headers used by the sample exports (``h_text, h_grid, h_spss, h_code``)."""
    rows, count = [], {}
    for comp, text, b, a in IKD_ITEMS:
        count[comp] = count.get(comp, 0) + 1
        area_no, c = (int(x) for x in comp.split("."))
        k = count[comp]
        rows.append(dict(id=f"ikd_{area_no}_{c}_{k}", area_no=area_no, area=IKD_AREAS[area_no][0],
                         competence=comp, k=k, text=text, b=b, a=a,
                         h_text=text, h_grid=f"{IKD_AREAS[area_no][1]} [{text}]",
                         h_spss=f"P{area_no}_{c}_{k}", h_code=f"P{area_no}.{c}.{k}"))
    return pd.DataFrame(rows)


def ild_items() -> pd.DataFrame:
    """One row per ILD item, as :func:`ikd_items`."""
    rows, count = [], {}
    for pillar, text, b, a in ILD_ITEMS:
        count[pillar] = count.get(pillar, 0) + 1
        k = count[pillar]
        rows.append(dict(id=f"ild_{pillar}_{k}", area=pillar, competence=pillar, k=k, text=text,
                         b=b, a=a, h_text=text, h_grid=f"{ILD_PILLARS[pillar]} [{text}]",
                         h_spss=f"{pillar.upper()}{k}", h_code=f"{ILD_PILLARS[pillar].split()[0].upper()}_{k}"))
    return pd.DataFrame(rows)
