"""Lay out a rendered survey or HR table as its export file. Returns the
spreadsheet row of the first data record (header row + 1)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from . import dialects as D
from .writers import write_csv, write_sav, write_xlsx

KUKAR_TITLES = ["REKAPITULASI SURVEI INDEKS KOMPETENSI DIGITAL (IKD) ASN",
                "Pemerintah Kabupaten Kutai Kartanegara - Tahun 2023",
                "Sumber: LimeSurvey BKPSDM Kukar, diunduh 16/09/2023 08:12"]
PASER_TITLES = ["DATA PENGUKURAN INDEKS PROFESIONALITAS ASN (IP ASN) TAHUN 2022",
                "BKPSDM KABUPATEN PASER"]
SURVEY_FIELDS = {  # canonical field order and value kind per export style
    "limesurvey": [("record_id", "int"), ("started_at", "datetime"), ("submitted_at", "datetime"),
                   ("nip", "text"), ("name", "text"), ("sex", "text"), ("birth_year", "int"),
                   ("education", "text"), ("golongan", "text"), ("position_type", "text"),
                   ("status", "text"), ("region", "text"), ("unit", "text")],
    "gforms": [("submitted_at", "datetime"), ("email", "text"), ("nip", "text"), ("name", "text"),
               ("sex", "text"), ("age", "int"), ("education", "text"), ("golongan", "text"),
               ("position_type", "text"), ("status", "text"), ("region", "text"), ("unit", "text")],
    "gforms_ild": [("submitted_at", "datetime"), ("nip", "text"), ("name", "text"), ("sex", "text"),
                   ("birth_year", "int"), ("education", "text"), ("golongan", "text"),
                   ("position_type", "text"), ("status", "text"), ("region", "text"), ("unit", "text")],
    "spss": [("nip", "text"), ("name", "text"), ("sex", "code"), ("age", "int"), ("education", "code"),
             ("golongan", "text"), ("position_type", "code"), ("status", "code"), ("region", "text"),
             ("unit", "text"), ("submitted_at", "datetime"), ("duration_s", "float")],
    "locale": [("record_id", "int"), ("submitted_at", "datetime"), ("duration_min", "float"),
               ("nip", "text"), ("name", "text"), ("sex", "text"), ("age", "int"), ("education", "text"),
               ("golongan", "text"), ("position_type", "text"), ("status", "text"), ("region", "text"),
               ("unit", "text")],
}
SPSS_CODES = {
    "sex": {"Laki-laki": 1, "Perempuan": 2},
    "education": {"SD": 1, "SMP": 2, "SMA/SMK": 3, "D-I": 4, "D-II": 5, "D-III": 6, "D-IV": 7, "S-1": 8,
                  "S-2": 9, "S-3": 10},
    "position_type": {"Struktural": 1, "Fungsional": 2, "Pelaksana": 3},
    "status": {"PNS": 1, "PPPK": 2},
}


def _record_ids(table: pd.DataFrame) -> pd.Series:
    ids = pd.Series(np.nan, index=table.index)
    ids[~table["_blank"]] = np.arange(1, (~table["_blank"]).sum() + 1)
    return ids


def write_survey(path: Path, spec, table: pd.DataFrame, items: pd.DataFrame, labels: dict) -> int:
    table = table.copy()
    table["record_id"] = _record_ids(table)
    fields = SURVEY_FIELDS[spec.style]
    headers = D.HEADERS[spec.style]
    item_kind = "text" if spec.labelled else ("code" if spec.style == "spss" else "float")
    cols = [(f, headers[f], kind) for f, kind in fields]
    cols += [(h, h, item_kind) for h in items[spec.item_header]]
    if spec.style == "limesurvey":
        write_xlsx(path, table, cols, title_rows=KUKAR_TITLES, sheet="Respon")
        return len(KUKAR_TITLES) + 3
    if spec.style in ("gforms", "gforms_ild"):
        write_csv(path, table, cols, dt_format="%d/%m/%Y %H:%M:%S")
        return 2
    if spec.style == "locale":
        write_csv(path, table, cols, sep=";", decimal=",", encoding="cp1252", dt_format="%d/%m/%Y %H:%M")
        return 2
    if spec.style == "spss":
        for f, codes in SPSS_CODES.items():
            table[f] = table[f].map(codes)
        value_labels = {headers[f]: {v: k for k, v in codes.items()} for f, codes in SPSS_CODES.items()}
        for h in items[spec.item_header]:
            value_labels[h] = {float(k): v for k, v in labels.items()}
        col_labels = {**D.SPSS_LABELS, **dict(zip(items["h_spss"], items["text"]))}
        write_sav(path, table, cols, column_labels=col_labels, value_labels=value_labels,
                  file_label="Survei IKD ASN Kota Samarinda 2023")
        return 2
    raise ValueError(spec.style)


def write_hr(path: Path, spec, table: pd.DataFrame) -> int:
    table = table.copy()
    table["record_id"] = _record_ids(table)
    h = D.HEADERS["hr"]
    perf = ("skp_score", "float") if spec.kinerja == "skp_score" else ("skp_predikat", "text")
    fields = [("record_id", "int"), ("nip", "text"), ("name", "text"), ("sex", "text"),
              ("birth_date", "datetime"), ("education", "text"), ("golongan", "text"),
              ("position_type", "text")]
    if spec.style == "xlsx":
        fields.append(("status", "text"))
    fields += [("unit", "text"), ("leadership_training", "text"), ("functional_training", "text"),
               ("technical_jp", "float"), ("seminars_2y", "int"), perf, ("sanction", "text"),
               ("submitted_at", "datetime")]
    cols = [(f, h[f], kind) for f, kind in fields]
    if spec.style == "xlsx":
        write_xlsx(path, table, cols, title_rows=PASER_TITLES, sheet="IP ASN 2022")
        return len(PASER_TITLES) + 3
    # SIMPEG export opened and saved by Excel in an Indonesian locale: ';' and decimal commas
    write_csv(path, table, cols, sep=";", decimal=",", encoding="utf-8-sig", dt_format="%d-%m-%Y")
    return 2
