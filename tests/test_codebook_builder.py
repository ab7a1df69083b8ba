"""helpers.synth.smallcodebook: the YAML a throw-away workspace's codebook is
written with (benchmarks and fixture studies), read back by the real loader."""
from __future__ import annotations

import yaml

from factories import ITEM_AREAS, _codebook
from helpers.clean.codebook import load_codebook
from helpers.synth.smallcodebook import survey_codebook


def _mini() -> str:
    items = [(f"ikd_{a}_{c}_1", area, f"{a}.{c}", [f"{a}.{c} Pertanyaan {a}{c}"])
             for a, area in ITEM_AREAS for c in range(1, 5)]
    heads = {"submitted_at": "Cap waktu", "duration_s": "Durasi (detik)", "nip": "NIP", "name": "Nama",
             "unit": "Unit Kerja", "region": "Instansi", "sex": "Jenis Kelamin", "age": "Usia",
             "education": "Pendidikan terakhir", "golongan": "Golongan", "position_type": "Jenis jabatan",
             "status": "Status kepegawaian"}
    fields = {f: {"aliases": [h], **({"personal": True} if f in ("nip", "name") else {}),
                  **({"required": True} if f == "unit" else {})} for f, h in heads.items()}
    return survey_codebook("mini", items, {1: ["Dasar", "Foundation"], 2: ["Menengah", "Intermediate"],
                                           3: ["Mahir", "Advanced"], 4: ["Sangat mahir", "Highly specialised"]},
                           fields)


def test_builder_writes_the_fixture_codebook():
    # the same document as the fixture study's hand-written YAML (tests/factories.py)
    assert yaml.safe_load(_mini()) == yaml.safe_load(_codebook())


def test_builder_output_loads_as_a_codebook(tmp_path):
    path = tmp_path / "mini.yaml"
    path.write_text(_mini(), encoding="utf-8")
    cb = load_codebook(path)
    assert cb.id == "mini" and cb.kind == "survey" and (cb.scale_min, cb.scale_max) == (1, 4)
    assert len(cb.item_ids) == 12 and cb.fields["nip"].personal and "Unit Kerja" in cb.fields["unit"].aliases
    assert cb.map_headers(["1.2 Pertanyaan 12", "Unit Kerja"]) == {"1.2 Pertanyaan 12": "ikd_1_2_1",
                                                                    "Unit Kerja": "unit"}
