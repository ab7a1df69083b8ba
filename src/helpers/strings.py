"""Every sentence, label and note a reader sees, in Bahasa Indonesia (``id``) and
English (``en``): the one string catalog of the briefs, the study summary, their
figures and tables, and stage 03's plain-language readings.

Each table maps a language to its strings (``TABLE[lang][key]``); :func:`get`
returns one language's strings with English as the fallback. Templates use
``str.format`` fields; numbers are formatted by :mod:`helpers.fmt` before they
are put in, and codes (factors, groups, tests, unit types) are named by
:mod:`helpers.vocabulary`. A Python module rather than a YAML file: stats and
brief modules import it without I/O, and the pipeline fingerprints it as code.

>>> get("brief", "id")["sections"]["key"], get("summary", "en")["region"]
('Pesan utama', 'Region')
"""
from __future__ import annotations

#: sentences of the brief (:mod:`helpers.brief.text`)
BRIEF = {
    "id": {
        "title": "Ringkasan Kebijakan: {index} {region}",
        "subtitle": "{study} · gelombang {wave} · {n} responden di {units} unit kerja",
        "synthetic": "Data sintetis untuk contoh: angka ini bukan hasil resmi.",
        "headline": "{index} {region} {wave}: {value} pada skala {min}–{max} (kategori {category}), {n} ASN di {units} unit kerja.",
        "target": "Capaian terhadap target {target}: {pct}.",
        "prev": "Dibanding gelombang {wave} ({prev}): {change}{ci}{sig}.",
        "up": "naik {d} poin", "down": "turun {d} poin", "same": "hampir tidak berubah ({d} poin)",
        "change_ci": " [IK 95% {lo}; {hi}]",
        "change_sig": ", perubahan nyata secara statistik", "change_nsig": ", perubahan tidak nyata secara statistik",
        "areas": "{Noun} terkuat: {best} ({best_v}); {noun} terlemah: {worst} ({worst_v}).",
        "of_max": "{v} dari {max}",
        "by_construction": " (menurut definisi: {component} dihitung dari {factor})",
        "ut_real": "Rata-rata jenis unit kerja berbeda nyata ({test}, {p}, {eff}): tertinggi {hi} ({hi_v}), terendah {lo} ({lo_v}).",
        "ut_none": "Rata-rata jenis unit kerja tidak berbeda nyata secara statistik ({test}, {p}).",
        "ut_na": "Uji perbandingan jenis unit belum tersedia; selisih rata-rata di bawah bersifat deskriptif.",
        # a test without a numerator degree of freedom (one group, or scores that do not vary within groups)
        "no_test": "uji tidak dapat dihitung", "no_test_one": "hanya ada satu kelompok",
        "no_test_flat": "skor tidak bervariasi di dalam kelompok", "gap_no_test": "tidak dapat diuji ({why})",
        "ut_no_test": "Jenis unit kerja tidak dapat dibandingkan dengan uji statistik ({why}); selisih rata-rata di bawah bersifat deskriptif.",
        "priority": "Unit prioritas (pasti termasuk {k} terendah, P ≥ {p}): {units}.",
        "priority_none": "Tidak ada unit yang pasti termasuk {k} terendah (P ≥ {p}); peringkat unit berskor rendah masih tidak pasti (lihat interval peringkat).",
        "jp": "{share} ASN {ci} memenuhi 20 JP pelatihan per tahun (dari {n} ASN dengan data jam pelatihan).",
        "gap": "Kesenjangan terbesar menurut {factor} (kelompok ≥ {m} responden): {gap} poin ({hi} {hi_v} vs {lo} {lo_v}){sig}.",
        "gap_each": "Menurut {factor} (kelompok ≥ {m} responden): selisih {gap} poin ({hi} {hi_v} vs {lo} {lo_v}){sig}.",
        "gap_test": " ({test}, {p} Holm)",
        "sig": "; kelompok berbeda nyata secara statistik", "nsig": "; kelompok tidak berbeda nyata secara statistik",
        "training_focus": "Fokus pelatihan: {label}",
        "priority_unit": "{unit} {eb} (peringkat {lo}–{hi} / {of})",
        "jp_ci": "[IK 95% {lo}{sep}{hi}]",
        "sections": {
            "key": "Pesan utama", "headline": "Indeks utama", "areas": "Profil area",
            "ut": "Perbandingan jenis unit kerja", "heat": "Jenis unit × area",
            "priority": "Unit kerja prioritas", "gaps": "Kesenjangan demografis",
            "training": "Prioritas pelatihan", "dq": "Kualitas data", "methods": "Catatan metode",
            "repro": "Reproduksibilitas", "other": "Indeks lain",
        },
    },
    "en": {
        "title": "Policy Brief: {index}, {region}",
        "subtitle": "{study} · wave {wave} · {n} respondents in {units} work units",
        "synthetic": "Synthetic example data: these figures are not official results.",
        "headline": "{index}, {region} {wave}: {value} on a {min}–{max} scale (category {category}), {n} civil servants in {units} work units.",
        "target": "Achievement against the target of {target}: {pct}.",
        "prev": "Compared with wave {wave} ({prev}): {change}{ci}{sig}.",
        "up": "up {d} points", "down": "down {d} points", "same": "almost unchanged ({d} points)",
        "change_ci": " [95% CI {lo}, {hi}]",
        "change_sig": ", a statistically significant change", "change_nsig": ", not a statistically significant change",
        "areas": "Strongest {noun}: {best} ({best_v}); weakest {noun}: {worst} ({worst_v}).",
        "of_max": "{v} of {max}",
        "by_construction": " (by definition: {component} is scored from {factor})",
        "ut_real": "Unit types differ significantly ({test}, {p}, {eff}): highest {hi} ({hi_v}), lowest {lo} ({lo_v}).",
        "ut_none": "Unit types do not differ significantly ({test}, {p}).",
        "ut_na": "The unit-type comparison tests are not available; the differences below are descriptive.",
        "no_test": "the test could not be computed", "no_test_one": "there is only one group",
        "no_test_flat": "the scores do not vary within the groups", "gap_no_test": "no test possible ({why})",
        "ut_no_test": "The unit types cannot be compared by a statistical test ({why}); the differences below are descriptive.",
        "priority": "Priority units (robustly among the {k} lowest, P ≥ {p}): {units}.",
        "priority_none": "No unit is robustly among the {k} lowest (P ≥ {p}); the ranks of the low-scoring units are uncertain (see the rank intervals).",
        "jp": "{share} of staff {ci} meet the 20 training hours (JP) a year (of {n} with training-hour records).",
        "gap": "Largest gap by {factor} (groups of ≥ {m} respondents): {gap} points ({hi} {hi_v} vs {lo} {lo_v}){sig}.",
        "gap_each": "By {factor} (groups of ≥ {m} respondents): a gap of {gap} points ({hi} {hi_v} vs {lo} {lo_v}){sig}.",
        "gap_test": " ({test}, {p} Holm)",
        "sig": "; the groups differ significantly", "nsig": "; the groups do not differ significantly",
        "training_focus": "Training focus: {label}",
        "priority_unit": "{unit} {eb} (rank {lo}–{hi} / {of})",
        "jp_ci": "[95% CI {lo}{sep}{hi}]",
        "sections": {
            "key": "Key messages", "headline": "Headline index", "areas": "Area profile",
            "ut": "Unit-type comparison", "heat": "Unit type × area",
            "priority": "Priority work units", "gaps": "Demographic gaps",
            "training": "Training priorities", "dq": "Data quality", "methods": "Methods note",
            "repro": "Reproducibility", "other": "Further index",
        },
    },
}

#: headers, captions and notes of the brief's sections (:mod:`helpers.brief.render`)
SECTIONS = {
    "id": {"value": "Nilai", "ci": "IK 95%", "category": "Kategori", "target": "Target", "ach": "Capaian",
           "prev": "Gelombang sebelumnya", "change": "Perubahan", "area": "Area / dimensi", "unit": "Unit kerja", "type": "Jenis unit",
           "n": "n", "mean": "Rata-rata", "weakest": "Area terlemah", "focus": "Fokus pelatihan yang disarankan",
           "jp": "Patuh 20 JP", "diff": "Selisih", "pair": "Pasangan", "p": "p (disesuaikan)",
           "raw": "Baris mentah", "files": "Berkas sumber", "clean": "Baris bersih", "rejected": "Ditolak", "rr": "Tingkat respons",
           "reasons": "Alasan penolakan", "units_surveyed": "Unit dengan responden",
           "eb": "Skor EB", "rank": "Peringkat (1 = terendah; interval 90%)", "p_low": "P({k} terendah)",
           "untested": "{types}: masing-masing kurang dari {m} unit, sehingga ditampilkan tetapi tidak diuji sebagai jenis (selisihnya tak dapat dipisahkan dari efek unit itu sendiri).",
           "no_real": "Tidak ada pasangan jenis unit yang berbeda nyata setelah koreksi uji berganda.",
           "real_pairs": "Pasangan yang berbeda nyata (p disesuaikan < {a}):",
           "more_pairs": "{k} selisih terbesar dari {n} pasangan yang berbeda nyata; daftar lengkap di tables.xlsx (lembar pairs).",
           "shared": "Berkas {files} memuat beberapa daerah; angkanya untuk seluruh berkas.",
           "fig_areas": "Rata-rata per area dengan interval kepercayaan 95%.",
           "fig_ut": "Rata-rata per jenis unit dengan IK 95%; garis putus-putus: rata-rata daerah.",
           "fig_heat": "Rata-rata jenis unit × area (makin gelap makin tinggi).",
           "fig_prio": "Unit dengan skor empiris-Bayes terendah (n ≥ {k}): skor yang disusutkan ke rata-rata daerah sesuai ketidakpastiannya, interval peringkat 90% (1 = terendah) dan peluang termasuk {n} terendah. ● = pasti termasuk {n} terendah (P ≥ {p}). Rata-rata unit dan IK 95% (koreksi populasi terbatas) ada di tables.xlsx.",
           "fig_gaps": "Rata-rata indeks per kelompok demografis, dengan IK 95%.",
           "methods": [
               "Skor per responden menurut spesifikasi indeks ({spec}).",
               "Angka pegawai saat ini (daerah, area, jenis unit, unit, kelompok) adalah estimasi berbasis desain: {design}; galat baku linearisasi Taylor dengan koreksi populasi terbatas, IK 95% t (df = responden − unit). Efek desain rata-rata daerah: {deff}.",
               "Jenis unit dibandingkan dengan unit sebagai tingkat replikasi (ICC {icc}, {k} unit): model campuran intersep acak, uji Wald F atas EMM (df = unit − jenis), pasangan sebagai kontras EMM (Holm); jenis dengan kurang dari {m} unit tidak diuji. Kelompok demografis dan daerah: uji Wald F berbasis desain dengan unit sebagai klaster. Uji tingkat responden hanya sebagai analisis sensitivitas (tahap 03).",
               "Keluarga Holm, satu per bagian: jenis unit (indeks + area; pasangan), kesenjangan demografis (faktor × komponen), perubahan antar gelombang (komponen). α = {alpha}.",
               "{change}",
               "Unit prioritas: skor empiris-Bayes model campuran, peringkat disimulasikan; disebut prioritas hanya bila P(termasuk {n} terendah) ≥ {p}.",
               "{model}",
               "{suppress}",
           ],
           "census_ci": "{index}: data lengkap (n = N di setiap unit), sehingga koreksi populasi terbatas meniadakan galat sampling dan IK 95%-nya selebar nol.",
           "change_method": "Perubahan antar gelombang: {linked} responden ditautkan dengan pseudonim; IK memperhitungkan tumpang tindih (linearisasi per orang, tanpa koreksi populasi terbatas).",
           "model_ok": "Model campuran konvergen, tidak di batas ruang parameter.",
           "model_doubtful": "Perhatian: model campuran jenis unit meragukan ({why}); uji jenis unit perlu dibaca dengan hati-hati.",
           "model_boundary": "variansi antarunit diperkirakan 0, sehingga model setara regresi biasa",
           "model_not_converged": "optimasi tidak konvergen",
           "assumptions": "Asumsi yang diungkapkan",
           "same_weakest": "{Noun} terlemah sama di semua jenis unit: {area}. Fokus pelatihan yang disarankan: {focus}.",
           "training_lead": "Area terlemah tiap jenis unit (skor relatif terhadap maksimum area) menentukan fokus pelatihan yang disarankan.",
           "mean_of": "Rata-rata ({area})",
           "assumed": "* komponen yang dihitung dengan asumsi; lihat Catatan metode.",
           "change_note": "Perubahan dari gelombang {wave}: {linked} responden ada di kedua gelombang (ditautkan dengan pseudonim); IK memperhitungkan tumpang tindih ini. Perubahan dalam-individu {within} {wci}; pergantian responden (hanya {wave2} vs hanya {wave}) {turn} {tci}.",
           "change_test": " Uji: {test}, {p}.",
           "reliability": "Reliabilitas (α Cronbach) indeks, gelombang ini: ",
           "reliability_ci": " (IK bootstrap klaster unit)",
           "repro": "Jalankan ulang: <code>{cmd}</code>. Periksa setiap angka: <code>{verify}</code>. Sidik jari input (SHA-256 berkas mentah): <code>{fp}</code>; rincian hash, versi paket dan waktu ada di <code>manifest.json</code> dalam folder laporan ini. Semua angka ada di <code>results.json</code>.",
           },
    "en": {"value": "Value", "ci": "95% CI", "category": "Category", "target": "Target", "ach": "Achievement",
           "prev": "Previous wave", "change": "Change", "area": "Area / dimension", "unit": "Work unit", "type": "Unit type",
           "n": "n", "mean": "Mean", "weakest": "Weakest area", "focus": "Recommended training focus",
           "jp": "20 JP compliant", "diff": "Difference", "pair": "Pair", "p": "p (adjusted)",
           "raw": "Raw rows", "files": "Source files", "clean": "Clean rows", "rejected": "Rejected", "rr": "Response rate",
           "reasons": "Rejection reasons", "units_surveyed": "Units with respondents",
           "eb": "EB score", "rank": "Rank (1 = lowest; 90% interval)", "p_low": "P(lowest {k})",
           "untested": "{types}: fewer than {m} units each, so shown but not tested as a type (their difference cannot be told apart from that unit's own effect).",
           "no_real": "No pair of unit types differs significantly after multiple-testing correction.",
           "real_pairs": "Pairs that differ significantly (adjusted p < {a}):",
           "more_pairs": "The {k} largest of {n} significant differences; the full list is in tables.xlsx (sheet pairs).",
           "shared": "File(s) {files} hold several regions; their figures are for the whole file.",
           "fig_areas": "Mean per area with 95% confidence interval.",
           "fig_ut": "Mean per unit type with 95% CI; dashed line: region mean.",
           "fig_heat": "Mean by unit type × area (darker is higher).",
           "fig_prio": "The units with the lowest empirical-Bayes scores (n ≥ {k}): scores shrunk toward the region mean by their uncertainty, 90% rank interval (1 = lowest) and the probability of being among the {n} lowest. ● = robustly among the {n} lowest (P ≥ {p}). Unit means with 95% CIs (finite population correction) are in tables.xlsx.",
           "fig_gaps": "Index mean per demographic group, with 95% CI.",
           "methods": [
               "Scores per respondent from the index spec ({spec}).",
               "Workforce figures (region, areas, unit types, units, groups) are design-based estimates: {design}; Taylor-linearised SEs with the finite population correction, t-based 95% CIs (df = respondents − units). Design effect of the region mean: {deff}.",
               "Unit types are compared with units as the replication level (ICC {icc}, {k} units): a random-intercept model, a Wald F test of its EMMs (df = units − types), pairs as EMM contrasts (Holm); types of fewer than {m} units are not tested. Demographic groups and regions: design-based Wald F tests with units as clusters. Respondent-level tests only as a sensitivity view (stage 03).",
               "Holm families, one per section: unit types (index + areas; pairs), demographic gaps (factors × components), change between waves (components). α = {alpha}.",
               "{change}",
               "Priority units: empirical-Bayes scores of the mixed model, simulated ranks; named only when P(among the {n} lowest) ≥ {p}.",
               "{model}",
               "{suppress}",
           ],
           "census_ci": "{index}: complete records (n = N in every unit), so the finite population correction leaves no sampling error and its 95% CIs have zero width.",
           "change_method": "Change between waves: {linked} respondents linked by pseudonym; the CI accounts for the overlap (per-person linearisation, no finite population correction).",
           "model_ok": "The mixed model converged and is not at a boundary of the parameter space.",
           "model_doubtful": "Caution: the unit-type mixed model is doubtful ({why}); read the unit-type tests with care.",
           "model_boundary": "the between-unit variance is estimated at 0, so the model equals ordinary regression",
           "model_not_converged": "the optimiser did not converge",
           "assumptions": "Disclosed assumptions",
           "same_weakest": "The weakest {noun} is the same in every unit type: {area}. Recommended training focus: {focus}.",
           "training_lead": "Each unit type's weakest area (score relative to the area's maximum) sets its recommended training focus.",
           "mean_of": "Mean ({area})",
           "assumed": "* component scored with an assumption; see the Methods note.",
           "change_note": "Change since wave {wave}: {linked} respondents answered both waves (linked by pseudonym); the CI accounts for this overlap. Within-person change {within} {wci}; turnover of respondents (only {wave2} vs only {wave}) {turn} {tci}.",
           "change_test": " Test: {test}, {p}.",
           "reliability": "Reliability (Cronbach's α) of the index, this wave: ",
           "reliability_ci": " (cluster bootstrap over units)",
           "repro": "Rerun: <code>{cmd}</code>. Check every number: <code>{verify}</code>. Input fingerprint (SHA-256 of the raw files): <code>{fp}</code>; the per-file hashes, package versions and timings are in <code>manifest.json</code> in this report folder. Every number is in <code>results.json</code>.",
           },
}

#: the rank-uncertainty paragraph
UNCERTAINTY = {
    "id": {"h": "Ketidakpastian peringkat", "type": "Jenis unit", "rank": "Peringkat", "interval": "Rentang 90 %",
           "score": "Nilai (median)",
           "lead": "Peringkat dihitung ulang {n} kali dengan pilihan penyusunan indeks yang berbeda (bobot, agregasi, "
                   "komponen yang ditinggalkan, aturan jawaban minimum) dan dengan bootstrap responden dalam unit. "
                   "Peringkat jenis unit: 1 = tertinggi dari {of}.",
           "driver": "Pilihan penyusunan yang paling menggerakkan nilai daerah: {name} (indeks Sobol total {st} [{lo}; {hi}]).",
           "stable": "Peringkat tetap: {types}.",
           "moving": "Peringkat yang bergeser (interval 90%): {types}.",
           "inputs": {"weights": "bobot komponen", "aggregation": "cara agregasi", "normalisation": "normalisasi",
                      "leave_one_out": "meninggalkan satu komponen", "min_share": "aturan jawaban minimum",
                      "survey_weights": "bobot survei", "sampling": "ketidakpastian sampel"}},
    "en": {"h": "Rank uncertainty", "type": "Unit type", "rank": "Rank", "interval": "90 % interval",
           "score": "Score (median)",
           "lead": "Ranks were recomputed {n} times under different build choices of the index (weights, "
                   "aggregation, leaving a component out, the minimum-answered rule) and a bootstrap of "
                   "respondents within units. Unit-type ranks: 1 = highest of {of}.",
           "driver": "The build choice that moves the region's score most: {name} (total-order Sobol' index {st} [{lo}; {hi}]).",
           "stable": "Ranks that do not move: {types}.",
           "moving": "Ranks that move (90% interval): {types}.",
           "inputs": {"weights": "component weights", "aggregation": "aggregation", "normalisation": "normalisation",
                      "leave_one_out": "leaving one component out", "min_share": "the minimum-answered rule",
                      "survey_weights": "survey weights", "sampling": "sampling uncertainty"}},
}

#: stage 01's rejection rules, as the data-quality box names them
RULES = {
    "id": {"duplicate": "duplikat", "speeder": "terlalu cepat", "straightliner": "jawaban seragam",
           "blank_row": "baris kosong", "other_region": "daerah lain", "out_of_range": "di luar rentang",
           "missing_items": "banyak item kosong", "nip_invalid": "NIP tidak valid", "unknown_unit": "unit tak dikenal"},
    "en": {"duplicate": "duplicate", "speeder": "speeder", "straightliner": "straight-lining",
           "blank_row": "blank row", "other_region": "other region", "out_of_range": "out of range",
           "missing_items": "too many missing items", "nip_invalid": "invalid NIP", "unknown_unit": "unknown unit"},
}

#: what a weak component calls for; components not listed get "training in <label>"
FOCUS = {
    "id": {"*": "pelatihan {label}", "kompetensi": "diklat teknis ≥ 20 JP dan diklat jabatan", "kualifikasi": "tugas belajar / izin belajar",
           "kinerja": "pembinaan kinerja (SKP)", "disiplin": "pembinaan disiplin"},
    "en": {"*": "training in {label}", "kompetensi": "technical training ≥ 20 JP and position training", "kualifikasi": "study leave for degrees",
           "kinerja": "performance coaching (SKP)", "disiplin": "discipline coaching"},
}

#: what an index's components are called (default: area)
NOUNS = {"id": {"ip_asn": "dimensi", "ild": "pilar"}, "en": {"ip_asn": "dimension", "ild": "pillar"}}

#: the study summary (:mod:`helpers.brief.summary`)
SUMMARY = {
    "id": {"title": "Ringkasan Studi: {study}", "region": "Daerah", "index": "Indeks", "wave": "Gelombang",
           "value": "Nilai [IK 95%]", "ci": "IK 95%", "cat": "Kategori", "n": "Responden (unit)", "units": "Unit",
           "weakest": "Area terlemah", "lowest": "Jenis unit terendah", "jp": "Patuh 20 JP",
           "change": "Perubahan", "change_note": "Perubahan: selisih dengan gelombang sebelumnya (tahun dalam kurung); * = nyata secara statistik.",
           "fig": "Nilai indeks per daerah dengan IK 95%.",
           "fig_part": "Nilai indeks dengan IK 95%: {k} daerah terendah dan {k} tertinggi dari {n} daerah; semua daerah ada pada tabel.",
           "chart_gap": "… {m} daerah lain …",
           "lead": "{k} daerah. Angka diambil dari results.json tiap laporan daerah; rincian dan metode ada di ringkasan kebijakan masing-masing daerah.",
           "missing": "Daerah tanpa laporan: {r}.",
           "rank": "Peringkat [IK 90%]",
           "rank_note": "Peringkat antardaerah (1 = tertinggi) dengan interval 90% dari analisis ketidakpastian indeks (pilihan penyusunan indeks dan galat sampling, {n} tarikan).",
           "cmp_h": "Perbandingan antardaerah",
           "cmp_lead": "{index}, gelombang terakhir tiap daerah: {test}. Unit kerja adalah klaster (tingkat replikasi) dan daerah adalah strata.",
           "cmp_pairs": "Pasangan daerah yang berbeda nyata (p dikoreksi Holm atas {pairs} pasangan):",
           "cmp_none": "Tidak ada pasangan daerah yang berbeda nyata (p dikoreksi Holm atas {pairs} pasangan).",
           "cmp_many": "Dengan {k} daerah, pasangan daerah ({pairs} pasangan) tidak diuji satu per satu; tabel di atas memuat nilai tiap daerah dengan IK 95%.",
           "cmp_no_test": "{index}, gelombang terakhir tiap daerah: tidak dapat diuji ({why}).",
           "pair": "Pasangan", "diff": "Selisih", "p": "p (disesuaikan)"},
    "en": {"title": "Study Summary: {study}", "region": "Region", "index": "Index", "wave": "Wave",
           "value": "Value [95% CI]", "ci": "95% CI", "cat": "Category", "n": "Respondents (units)", "units": "Units",
           "weakest": "Weakest area", "lowest": "Lowest unit type", "jp": "20 JP compliant",
           "change": "Change", "change_note": "Change: difference from the previous wave (year in brackets); * = statistically significant.",
           "fig": "Index value per region with 95% CI.",
           "fig_part": "Index value with 95% CI: the {k} lowest and the {k} highest of {n} regions; every region is in the table.",
           "chart_gap": "… {m} other regions …",
           "lead": "{k} regions. Figures come from each regional report's results.json; details and methods are in each region's policy brief.",
           "missing": "Regions without a report: {r}.",
           "rank": "Rank [90% interval]",
           "rank_note": "Rank among the regions (1 = highest) with the 90% interval of the index's uncertainty analysis (build choices and sampling error, {n} draws).",
           "cmp_h": "Regions compared",
           "cmp_lead": "{index}, each region's latest wave: {test}. Work units are the clusters (the replication level) and regions the strata.",
           "cmp_pairs": "Pairs of regions that differ significantly (p Holm-adjusted over {pairs} pairs):",
           "cmp_none": "No pair of regions differs significantly (p Holm-adjusted over {pairs} pairs).",
           "cmp_many": "With {k} regions, the pairs of regions ({pairs} pairs) are not tested one by one; the table above gives each region's value with its 95% CI.",
           "cmp_no_test": "{index}, each region's latest wave: no test possible ({why}).",
           "pair": "Pair", "diff": "Difference", "p": "p (adjusted)"},
}

#: axis labels and legends of the figures (:mod:`helpers.brief.plots`)
CHARTS = {
    "id": {"mean": "Rata-rata (IK 95%)", "region": "Rata-rata daerah", "share": "% dari skor maksimum",
           "target": "Target", "adjusted": "Disesuaikan (model)", "differs": "berbeda nyata dari ≥ 1 jenis lain",
           "same": "tidak berbeda nyata", "untested": "tidak diuji (< 3 unit kerja)", "score": "Skor",
           "rank_axis": "peringkat (1 = terendah), interval 90%"},
    "en": {"mean": "Mean (95% CI)", "region": "Region mean", "share": "% of maximum score",
           "target": "Target", "adjusted": "Adjusted (model)", "differs": "differs significantly from ≥ 1 other type",
           "same": "no significant difference", "untested": "not tested (< 3 units)", "score": "Score",
           "rank_axis": "rank (1 = lowest), 90% interval"},
}

#: the suppression note (:mod:`helpers.brief.disclosure`)
DISCLOSURE = {
    "id": "Kelompok dengan kurang dari {k} responden tidak ditampilkan (kontrol pengungkapan).",
    "en": "Groups with fewer than {k} respondents are not shown (disclosure control).",
}

#: a region below the minimum cell size
REGION_SUPPRESSED = {
    "id": ("Daerah ini hanya memiliki {n} responden dengan skor {index}, kurang dari batas minimum {k}: "
           "tidak ada statistik yang diterbitkan agar tidak ada orang yang dapat dikenali."),
    "en": ("This region has only {n} respondent(s) with a {index} score, fewer than the minimum of {k}: "
           "no statistics are published, so that no person can be recognised."),
}

#: stage 03's plain-language readings of a comparison (:mod:`helpers.stats.readings`)
READINGS = {
    "id": {
        "omega_words": ["sangat kecil", "kecil", "sedang", "besar"], "d_words": ["sangat kecil", "kecil", "sedang", "besar"],
        "unknown": "tidak diketahui",
        "stat": "{test}({df}) = {statistic}, {p}, {symbol} = {effect}",
        "gap_ci": " [IK 95% {lo} s.d. {hi}]",
        "differ": "Skor berbeda menurut {factor} ({stat}; efek {words}): tertinggi {top} ({top_v}), terendah {bottom} "
                  "({bottom_v}), selisih {gap}{ci}.",
        "no_differ": "Tidak ada perbedaan yang jelas menurut {factor} ({stat}; efek {words}); selisih antara {top} "
                     "({top_v}) dan {bottom} ({bottom_v}) bisa karena kebetulan.",
        "paired_units": "{n} unit yang disurvei di kedua gelombang, t({df}) = {t}",
        "linked_change": "{n} responden tertaut antar gelombang, t({df}) = {t}",
        "z": "z = {z}",
        "wave_stat": "{stat}; {p}; g = {g}, efek {words}",
        "wave_ci": "IK 95% {lo} s.d. {hi}",
        "rose": "Dari {before} ke {after} skor naik {d} [{ci}] ({stat}).",
        "fell": "Dari {before} ke {after} skor turun {d} [{ci}] ({stat}).",
        "no_change": "Dari {before} ke {after} tidak ada perubahan yang jelas: {d} [{ci}] ({stat}).",
        "mixed": " Model campuran pada semua responden: {d} [{lo} s.d. {hi}]; {p}.",
        "extremes": "perubahan terbesar {top} ({top_d}), terkecil {bottom} ({bottom_d})",
        "chi": "χ²({df}) = {statistic}; {p}",
        "change_differs": " Perubahan berbeda menurut {factor} ({chi}): {extremes}.",
        "change_no_differ": " Perubahan tidak jelas berbeda menurut {factor} ({chi}); {extremes}.",
        "change_by": " Menurut {factor}: {extremes}.",
        "no_comparison": "Perbandingan tidak dapat dilakukan: {why}.",
        "no_wave_comparison": "Perbandingan antar gelombang tidak dapat dilakukan: {why}.",
    },
    "en": {
        "omega_words": ["negligible", "small", "medium", "large"], "d_words": ["negligible", "small", "medium", "large"],
        "unknown": "unknown",
        "stat": "{test}({df}) = {statistic}, {p}, {symbol} = {effect}",
        "gap_ci": " [95% CI {lo} to {hi}]",
        "differ": "Scores differ by {factor} ({stat}; {words} effect): highest {top} ({top_v}), lowest {bottom} "
                  "({bottom_v}), gap {gap}{ci}.",
        "no_differ": "No clear difference by {factor} ({stat}; {words} effect); the observed gap between {top} "
                     "({top_v}) and {bottom} ({bottom_v}) may be chance.",
        "paired_units": "{n} units surveyed in both waves, t({df}) = {t}",
        "linked_change": "{n} respondents linked across waves, t({df}) = {t}",
        "z": "z = {z}",
        "wave_stat": "{stat}, {p}, g = {g}, {words}",
        "wave_ci": "95% CI {lo} to {hi}",
        "rose": "From {before} to {after} the score rose by {d} [{ci}] ({stat}).",
        "fell": "From {before} to {after} the score fell by {d} [{ci}] ({stat}).",
        "no_change": "From {before} to {after} no clear change: {d} [{ci}] ({stat}).",
        "mixed": " Mixed model on all respondents: {d} [{lo} to {hi}], {p}.",
        "extremes": "largest change {top} ({top_d}), smallest {bottom} ({bottom_d})",
        "chi": "χ²({df}) = {statistic}, {p}",
        "change_differs": " The change differs by {factor} ({chi}): {extremes}.",
        "change_no_differ": " No clear difference in change by {factor} ({chi}); {extremes}.",
        "change_by": " By {factor}: {extremes}.",
        "no_comparison": "No comparison possible: {why}.",
        "no_wave_comparison": "No comparison between waves possible: {why}.",
    },
}

#: headers, sheet names and notes of tables.xlsx (:mod:`helpers.brief.tables`)
XLSX = {
    "id": {
        "title": "Tabel ringkasan kebijakan", "source": "Sumber",
        "source_text": "results.json di folder laporan yang sama: setiap angka di ringkasan",
        "rule": "Aturan penyembunyian",
        "rule_text": ("Kelompok dengan kurang dari {k} responden hanya ditampilkan jumlahnya (n); statistiknya "
                      "dikosongkan agar tidak ada orang yang dapat dikenali."),
        "formats": "Format angka",
        "formats_text": ("Skor 2 desimal, proporsi dalam persen, jumlah dengan pemisah ribuan, p 4 desimal; nilai di "
                         "sel adalah angka penuh."),
        "note": "Catatan", "synthetic": "Data sintetis: tidak ada orang nyata.",
        "sheet": "Lembar", "contents": "Isi", "no_data": "Tidak ada data", "rejected": "Ditolak: ",
        "region": "Daerah", "area": "Area: ",
        "columns": {
            "index": "Indeks", "component": "Komponen", "wave": "Gelombang", "n": "n (responden)",
            "units": "Unit kerja", "mean": "Rata-rata", "ci_low": "Batas bawah 95%", "ci_high": "Batas atas 95%",
            "mean_w": "Rata-rata berbobot", "se": "Galat baku", "deff": "Efek desain", "df": "Derajat bebas",
            "tested": "Diuji (cukup unit kerja)", "effect_size": "Ukuran efek", "frame": "Kerangka inferensi",
            "target": "Target", "achievement_pct": "Capaian target (%)", "category": "Kategori",
            "previous": "Gelombang sebelumnya", "change": "Perubahan",
            "change_ci_low": "Perubahan: batas bawah 95%", "change_ci_high": "Perubahan: batas atas 95%",
            "unit_type": "Jenis unit", "suppressed": "Disembunyikan (n < minimum)", "group_a": "Kelompok A",
            "group_b": "Kelompok B", "diff": "Selisih (A - B)",
            "p_adj": "p (disesuaikan)", "significant": "Bermakna", "test": "Uji", "unit": "Unit kerja",
            "unit_id": "Kode unit", "eb": "Skor empiris-Bayes",
            "rank_low": "Peringkat: batas bawah 90% (1 = terendah)", "rank_high": "Peringkat: batas atas 90%",
            "p_lowest_k": "P(termasuk k terendah)", "robust": "Pasti termasuk k terendah", "factor": "Faktor",
            "group": "Kelompok", "compliance_20jp": "Memenuhi 20 JP",
            "share_of_max": "Persentase dari skor maksimum", "weakest_area": "Area terlemah", "share": "Proporsi",
            "assumption": "Asumsi", "item": "Butir", "value": "Nilai",
        },
        "quality": {
            "raw": "Baris mentah", "clean": "Responden bersih", "rejected": "Baris ditolak",
            "response_rate": "Tingkat respons",
        },
        "sheets": {
            "index": "Skor indeks dan komponennya untuk daerah ini",
            "unit_types": "Skor per jenis unit kerja (dengan skor per area)",
            "pairs": "Perbandingan berpasangan jenis unit (post hoc)",
            "priority_units": "Unit kerja dengan skor terendah", "gaps": "Skor per kelompok demografis",
            "training": "Kebutuhan pelatihan per jenis unit",
            "assumptions": "Asumsi yang dipakai dalam perhitungan",
            "data_quality": "Kualitas data: baris mentah, bersih, ditolak",
            "compliance_20jp": "Kepatuhan pengembangan kompetensi 20 JP",
        },
    },
    "en": {
        "title": "Tables of the policy brief", "source": "Source",
        "source_text": "results.json in the same report folder: every number of the brief",
        "rule": "Suppression rule",
        "rule_text": ("Groups with fewer than {k} respondents show their count (n) only; their statistics are left "
                      "empty so that no person can be recognised."),
        "formats": "Number formats",
        "formats_text": ("Scores with 2 decimals, shares as percentages, counts with thousands separators, p with 4 "
                         "decimals; cells hold the full numbers."),
        "note": "Note", "synthetic": "Synthetic data: no real person.",
        "sheet": "Sheet", "contents": "Contents", "no_data": "No data", "rejected": "Rejected: ",
        "region": "Region", "area": "Area: ",
        "columns": {
            "index": "Index", "component": "Component", "wave": "Wave", "n": "n (respondents)", "units": "Units",
            "mean": "Mean", "ci_low": "95% CI low", "ci_high": "95% CI high", "mean_w": "Weighted mean",
            "se": "Standard error", "deff": "Design effect", "df": "Degrees of freedom",
            "tested": "Tested (enough units)", "effect_size": "Effect size", "frame": "Inferential frame",
            "target": "Target", "achievement_pct": "Target achieved (%)", "category": "Category",
            "previous": "Previous wave", "change": "Change", "change_ci_low": "Change: 95% CI low",
            "change_ci_high": "Change: 95% CI high", "unit_type": "Unit type",
            "suppressed": "Suppressed (n < minimum)", "group_a": "Group A", "group_b": "Group B",
            "diff": "Difference (A - B)", "p_adj": "p (adjusted)",
            "significant": "Significant", "test": "Test", "unit": "Unit", "unit_id": "Unit id",
            "eb": "Empirical-Bayes score", "rank_low": "Rank: 90% low (1 = lowest)",
            "rank_high": "Rank: 90% high", "p_lowest_k": "P(among the k lowest)",
            "robust": "Robustly among the k lowest", "factor": "Factor", "group": "Group",
            "compliance_20jp": "Meets 20 hours", "share_of_max": "Share of the maximum score",
            "weakest_area": "Weakest area", "share": "Share", "assumption": "Assumption", "item": "Item",
            "value": "Value",
        },
        "quality": {
            "raw": "Raw rows", "clean": "Clean respondents", "rejected": "Rejected rows",
            "response_rate": "Response rate",
        },
        "sheets": {
            "index": "Index and component scores of the region",
            "unit_types": "Scores per unit type (with area scores)",
            "pairs": "Pairwise comparisons of unit types (post hoc)",
            "priority_units": "Units with the lowest scores", "gaps": "Scores per demographic group",
            "training": "Training needs per unit type", "assumptions": "Assumptions made in the calculation",
            "data_quality": "Data quality: raw, clean and rejected rows",
            "compliance_20jp": "Compliance with 20 hours of training",
        },
    },
}

TABLES = {"brief": BRIEF, "sections": SECTIONS, "uncertainty": UNCERTAINTY, "rules": RULES, "focus": FOCUS,
          "nouns": NOUNS, "summary": SUMMARY, "charts": CHARTS, "disclosure": DISCLOSURE,
          "region_suppressed": REGION_SUPPRESSED, "readings": READINGS, "xlsx": XLSX}


def get(table: str, lang: str):
    """The strings of ``table`` in ``lang`` (English when the language has none)."""
    t = TABLES[table]
    return t.get(lang, t["en"])
