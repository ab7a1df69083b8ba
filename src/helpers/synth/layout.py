"""Which export each region sends in the sample study, and in what dialect."""
from __future__ import annotations

from .hr import HRSpec
from .survey import SurveySpec

# Published figures the sample is calibrated to (../shared/DOMAIN.md).
KUKAR_IKD_2023 = {"information": 2.50, "communication": 2.35, "content": 2.10, "safety": 2.28,
                  "problem_solving": 2.35}
BONTANG_IPASN_2021 = {"kualifikasi": 12.13, "kompetensi": 30.57, "kinerja": 23.89, "disiplin": 4.99}
# ILD: national 2022 pillar profile (skills 3.52, ethics 3.68, safety 3.12, culture 3.84; mean 3.54)
# shifted to Kalimantan Timur's 2022 index 3.62 (+0.08). Not a published ASN figure.
BALIKPAPAN_ILD_2022 = {"skills": 3.60, "ethics": 3.76, "safety": 3.20, "culture": 3.92}
# Kukar IKD 2022, the earlier wave: a synthetic level a little below 2023 (NOT a published figure).
KUKAR_IKD_2022_OVERALL = 2.20

SURVEYS = (
    SurveySpec("kukar_ikd_2023.xlsx", "kab-kutai-kartanegara", "ikd_digcomp22", 2023, "limesurvey", 0.69,
               "2023-08-07", "2023-09-15", "h_text", "num_label", "limesurvey", "full", "plain", "plain",
               "slash", timed=True),
    SurveySpec("bontang_ikd_2023.csv", "kota-bontang", "ikd_digcomp22", 2023, "gforms", 0.55,
               "2023-07-10", "2023-08-11", "h_grid", "label", "typed", "full", "plain", "p3k", "typed",
               timed=False),
    SurveySpec("samarinda_ikd_2023.sav", "kota-samarinda", "ikd_digcomp22", 2023, "spss", 0.43,
               "2023-09-04", "2023-10-13", "h_spss", "number", "limesurvey", "full", "plain", "plain",
               "slash", timed=True),
    SurveySpec("berau_ikd_2023.csv", "kab-berau", "ikd_digcomp22", 2023, "locale", 0.37,
               "2023-10-02", "2023-11-10", "h_code", "number", "berau", "short", "old", "plain", "slash",
               timed=True),
    SurveySpec("balikpapan_ild_2022.csv", "kota-balikpapan", "ild_kominfo", 2022, "gforms_ild", 0.40,
               "2022-08-15", "2022-09-30", "h_grid", "number", "dropdown", "pria", "long", "plain", "slash",
               timed=False, median_s=420.0),
    SurveySpec("kukar_ikd_2022.csv", "kab-kutai-kartanegara", "ikd_digcomp22", 2022, "gforms", 0.52,
               "2022-08-01", "2022-09-09", "h_grid", "number", "typed", "full", "plain", "p3k", "typed",
               timed=False, earlier_than="kukar_ikd_2023.xlsx", overall=KUKAR_IKD_2022_OVERALL),
)
HR = (
    HRSpec("bontang_ipasn_2021.csv", "kota-bontang", 2021, "2021-12-31", "skp_score", "csv_locale", "simpeg",
           "default", targets=BONTANG_IPASN_2021),
    HRSpec("paser_ipasn_2022.xlsx", "kab-paser", 2022, "2022-12-31", "skp_predikat", "xlsx", "paser", "paser"),
)
