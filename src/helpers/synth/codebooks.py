"""Write the sample instruments' codebooks (``config/instruments/*.yaml``) and
the study file (``config/studies/sample.yaml``) from the generator's own
definitions, so headers and labels in the exports and in the config agree.
Run once by a person (``write_config()``); the YAML is then committed config."""
from __future__ import annotations

from pathlib import Path

import yaml

from ..vocabulary import EDUCATION
from . import dialects as D
from .catalog import REGIONS
from .export import SPSS_CODES
from .items import (IKD_AREAS, IKD_COMPETENCES, IKD_LABELS, IKD_LABELS_EN, ILD_LABELS, ILD_LABELS_EN,
                    ILD_PILLARS, ikd_items, ild_items)
from .layout import HR, SURVEYS


def _aliases(field: str, styles: list[str], extra: list[str] = ()) -> list[str]:
    out = [D.HEADERS[s][field] for s in styles if field in D.HEADERS[s]] + list(extra)
    return list(dict.fromkeys(out))


def _values(table_by_dialect: list[dict], extra: dict | None = None) -> dict:
    out: dict = {}
    for t in table_by_dialect:
        for k, v in t.items():
            out.setdefault(k, [])
            out[k] += [x for x in v if x not in out[k]]
    for k, v in (extra or {}).items():
        out.setdefault(k, [])
        out[k] += [x for x in v if x not in out[k]]
    return out


SURVEY_STYLES = ["limesurvey", "gforms", "gforms_ild", "spss", "locale"]


def _survey_fields() -> dict:
    spss_edu = {k: [] for k in EDUCATION}
    for label, code in SPSS_CODES["education"].items():
        key = list(spss_edu)[code - 1]
        spss_edu[key].append(str(code))
    f = {
        "record_id": {"aliases": _aliases("record_id", SURVEY_STYLES)},
        "submitted_at": {"aliases": _aliases("submitted_at", SURVEY_STYLES, ["Timestamp"]), "type": "datetime"},
        "started_at": {"aliases": _aliases("started_at", SURVEY_STYLES), "type": "datetime"},
        "duration_s": {"aliases": _aliases("duration_s", SURVEY_STYLES), "type": "number"},
        "duration_min": {"aliases": _aliases("duration_min", SURVEY_STYLES), "type": "number"},
        "email": {"aliases": _aliases("email", SURVEY_STYLES, ["Email"]), "personal": True},
        "nip": {"aliases": _aliases("nip", SURVEY_STYLES, ["Nomor Induk Pegawai", "NIP/NI PPPK"]), "personal": True},
        "name": {"aliases": _aliases("name", SURVEY_STYLES), "personal": True},
        "sex": {"aliases": _aliases("sex", SURVEY_STYLES),
                "values": _values([D.SEX_SPELL[s] for s in D.SEX_SPELL], {"L": ["1"], "P": ["2"]})},
        "age": {"aliases": _aliases("age", SURVEY_STYLES), "type": "number"},
        "birth_year": {"aliases": _aliases("birth_year", SURVEY_STYLES), "type": "number"},
        "education": {"aliases": _aliases("education", SURVEY_STYLES),
                      "values": _values([D.EDU_SPELL[s] for s in D.EDU_SPELL], spss_edu)},
        "golongan": {"aliases": _aliases("golongan", SURVEY_STYLES)},
        "position_type": {"aliases": _aliases("position_type", SURVEY_STYLES),
                          "values": _values([D.POS_SPELL[s] for s in D.POS_SPELL],
                                            {"struktural": ["1"], "fungsional": ["2"], "pelaksana": ["3"]})},
        "status": {"aliases": _aliases("status", SURVEY_STYLES),
                   "values": _values([D.STATUS_SPELL[s] for s in D.STATUS_SPELL], {"PNS": ["1"], "PPPK": ["2"]})},
        "region": {"aliases": _aliases("region", SURVEY_STYLES)},
        "unit": {"aliases": _aliases("unit", SURVEY_STYLES)},
    }
    return f


def ikd_codebook() -> dict:
    it = ikd_items()
    return {
        "id": "ikd_digcomp22",
        "title": "Indeks Kompetensi Digital ASN (DigComp 2.2), swanilai 1-4",
        "kind": "survey",
        "index": "ikd",
        "scale": {"min": 1, "max": 4},
        "responses": {k: [IKD_LABELS[k], IKD_LABELS_EN[k]] for k in IKD_LABELS},
        "areas": {v[0]: {"no": k, "title": v[1]} for k, v in IKD_AREAS.items()},
        "competences": dict(IKD_COMPETENCES),
        "items": [{"id": r.id, "area": r.area, "competence": r.competence, "text": r.text,
                   "aliases": [r.h_text, r.h_grid, r.h_spss, r.h_code], "reverse": False} for r in it.itertuples()],
        "fields": _survey_fields(),
    }


def ild_codebook() -> dict:
    it = ild_items()
    return {
        "id": "ild_kominfo",
        "title": "Indeks Literasi Digital (Kominfo - Katadata Insight Center), 4 pilar, 1-5",
        "kind": "survey",
        "index": "ild",
        "scale": {"min": 1, "max": 5},
        "responses": {k: [ILD_LABELS[k], ILD_LABELS_EN[k]] for k in ILD_LABELS},
        "areas": {k: {"title": v} for k, v in ILD_PILLARS.items()},
        "items": [{"id": r.id, "area": r.area, "competence": r.competence, "text": r.text,
                   "aliases": [r.h_text, r.h_grid, r.h_spss, r.h_code], "reverse": False} for r in it.itertuples()],
        "fields": _survey_fields(),
    }


def ipasn_codebook() -> dict:
    h = D.HEADERS["hr"]
    san = _values([{"none": D.SANCTION_SPELL["none"], "ringan": D.SANCTION_SPELL["ringan"],
                    "sedang": D.SANCTION_SPELL["sedang"], "berat": D.SANCTION_SPELL["berat"]},
                   D.SANCTION_SPELL_PASER], {"none": ["Tidak", "Tidak Pernah"]})
    return {
        "id": "ipasn_hr",
        "title": "Data kepegawaian untuk Indeks Profesionalitas ASN (PermenPANRB 38/2018, Peraturan BKN 8/2019)",
        "kind": "hr_records",
        "index": "ip_asn",
        "items": [],
        "fields": {
            "record_id": {"aliases": [h["record_id"]]},
            "nip": {"aliases": [h["nip"]], "personal": True},
            "name": {"aliases": [h["name"]], "personal": True},
            "sex": {"aliases": [h["sex"]]},
            "birth_date": {"aliases": [h["birth_date"]], "type": "datetime", "dayfirst": True},
            "education": {"aliases": [h["education"]],
                          "values": _values([D.EDU_SPELL["simpeg"], D.EDU_SPELL["paser"]])},
            "golongan": {"aliases": [h["golongan"]]},
            "position_type": {"aliases": [h["position_type"]]},
            "status": {"aliases": [h["status"]]},
            "unit": {"aliases": [h["unit"]]},
            "leadership_training": {"aliases": [h["leadership_training"]], "type": "bool",
                                    "values": {True: list(D.LEADERSHIP_TRUE), False: list(D.LEADERSHIP_FALSE)}},
            "functional_training": {"aliases": [h["functional_training"]], "type": "bool",
                                    "values": {True: ["Sudah"], False: ["Belum"]}},
            "technical_jp": {"aliases": [h["technical_jp"]], "type": "number"},
            "seminars_2y": {"aliases": [h["seminars_2y"]], "type": "number"},
            "skp_score": {"aliases": [h["skp_score"], "Nilai SKP 2021"], "type": "number"},
            "skp_predikat": {"aliases": [h["skp_predikat"], "Predikat SKP"],
                             "values": {p: [p] for p in D.PREDIKAT} | {"Kurang": ["Kurang", "Kurang/Misconduct", "Misconduct"]}},
            "sanction": {"aliases": [h["sanction"], "Hukdis"], "values": san},
            "submitted_at": {"aliases": [h["submitted_at"], "Tanggal Update"], "type": "datetime", "dayfirst": True},
        },
    }


def study_config() -> dict:
    sources = []
    for s in SURVEYS:
        src = {"file": s.file, "instrument": s.instrument, "region": s.region, "wave": s.wave}
        if s.style == "limesurvey":
            src.update(sheet="Respon", header_row=5)
        if s.style == "locale":
            src.update(delimiter=";", decimal=",", encoding="cp1252")
        sources.append(src)
    for s in HR:
        src = {"file": s.file, "instrument": "ipasn_hr", "region": s.region, "wave": s.wave}
        if s.style == "xlsx":
            src.update(sheet="IP ASN 2022", header_row=4)
        else:
            src.update(delimiter=";", decimal=",")
        sources.append(src)
    return {
        "id": "sample",
        "title": "Studi contoh (data sintetis)",
        "synthetic": True,
        "registry": "units.csv",
        "regions": [{"id": r.id, "name": r.name, "kind": r.kind, "province": "Kalimantan Timur",
                     "aliases": list(r.aliases)} for r in REGIONS],
        "sources": sources,
        "indices": ["ikd", "ip_asn", "ild"],
        "targets": {"kota-bontang": {"ip_asn": {"kualifikasi": 15, "kompetensi": 31, "kinerja": 25,
                                                "disiplin": 4, "overall": 75}}},
        "quality": {"duplicate_keys": ["nip"], "keep": "latest", "speeder_ratio": 0.35,
                    "straightline_min_items": 10, "max_missing_share_area": 0.5,
                    "unit_match_threshold": 88},
        "report": {"min_cell": 5, "lang": "id"},
    }


HEADER = "# Written by helpers.synth.codebooks.write_config() from the generator's definitions.\n"


def _dump(obj: dict, path: Path, note: str = "") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = HEADER + note + yaml.safe_dump(obj, allow_unicode=True, sort_keys=False, width=120)
    path.write_text(text, encoding="utf-8")


def write_config(config_dir: Path) -> list[Path]:
    config_dir = Path(config_dir)
    out = []
    for cb in (ikd_codebook(), ild_codebook(), ipasn_codebook()):
        p = config_dir / "instruments" / f"{cb['id']}.yaml"
        _dump(cb, p)
        out.append(p)
    p = config_dir / "studies" / "sample.yaml"
    _dump(study_config(), p, "# The bundled sample study: synthetic data, see data/raw/sample/README.md.\n")
    out.append(p)
    return out
