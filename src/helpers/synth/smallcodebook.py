"""A small survey codebook as YAML text, for throw-away workspaces: the
benchmarks (``benchmarks/bench_clean.py``) and the tests' fixture studies
write theirs with it, so both follow the codebook format of
``config/instruments/*.yaml`` (see :mod:`helpers.clean.codebook`) from one place.

>>> text = survey_codebook("mini", [("ikd_1_1_1", "information", "1.1", ["1.1 Pertanyaan 11"])],
...                        {1: ["Dasar"], 2: ["Menengah"]}, {"unit": {"aliases": ["Unit Kerja"], "required": True}},
...                        scale=(1, 2))
>>> import yaml; yaml.safe_load(text)["items"][0]["competence"]
'1.1'
"""
from __future__ import annotations

from typing import Iterable, Mapping

import yaml


def survey_codebook(codebook_id: str, items: Iterable[tuple[str, str, str, list[str]]],
                    responses: Mapping[int, list[str]], fields: Mapping[str, dict], *,
                    scale: tuple[int, int] = (1, 4), index: str = "ikd", kind: str = "survey",
                    safe_columns: list[str] | None = None) -> str:
    """The YAML of a survey codebook: ``items`` as ``(id, area, competence,
    header aliases)``, ``responses`` value -> labels, ``fields`` name -> its
    options (``aliases``, ``personal``, ``required``...), ``scale`` (min, max)."""
    doc = {"id": codebook_id, "kind": kind, "index": index, "scale": {"min": scale[0], "max": scale[1]},
           "responses": {int(k): list(v) for k, v in responses.items()},
           "items": [{"id": i, "area": a, "competence": str(c), "aliases": list(al)} for i, a, c, al in items],
           "fields": {name: dict(opts) for name, opts in fields.items()}}
    if safe_columns:
        doc["safe_columns"] = list(safe_columns)
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=200)
