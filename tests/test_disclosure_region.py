"""A region with fewer scored respondents than the minimum cell size publishes
no statistic of its own (not only its small unit types), and its brief says why."""
from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from _brief_fixture import STUDY_ID
from factories import env


@pytest.fixture(scope="module")
def tiny_region(brief_study):
    from helpers.indices import aggregate
    from helpers.indices.spec import load_spec

    root, cfg = brief_study("tiny")
    with env(ASN_OUTPUT_ROOT=root, ASN_WORKSPACE=root):
        out = root / "data/processed" / STUDY_ID
        sc = pd.read_parquet(out / "scores_ikd.parquet")
        one = sc[sc["region_id"] == "kota-b"].head(1)
        sc = pd.concat([sc[sc["region_id"] != "kota-b"], one], ignore_index=True)
        sc.to_parquet(out / "scores_ikd.parquet", index=False)
        spec = load_spec("ikd")
        agg = pd.read_parquet(out / "aggregates.parquet")
        agg = pd.concat([agg[~((agg["index"] == "ikd") & (agg["region_id"] == "kota-b"))],
                         aggregate(one, ["overall", *spec.components], index="ikd")], ignore_index=True)
        agg.to_parquet(out / "aggregates.parquet", index=False)
        yield root, cfg, one


def test_a_one_person_region_publishes_no_score(tiny_region):
    from helpers.brief.results import build_results

    root, cfg, one = tiny_region
    r = build_results(str(cfg), "kota-b", lang="en")
    b = r["indices"]["ikd"]
    assert b["suppressed"] and b["n"]["respondents"] == 1
    assert b["overall"] is None and all(a["mean"] is None for a in b["areas"].values())
    assert b["unit_types"] == {} and b["priority_units"] == [] and b["gaps"] == {}
    assert "fewer than the minimum of 5" in b["suppressed_note"]
    # none of the person's scores appears anywhere in results.json
    blob = json.dumps(r)
    for c in ["overall", "information", "communication", "content", "safety", "problem_solving"]:
        assert str(float(one[c].iloc[0])) not in blob, c


def test_the_brief_of_a_one_person_region_says_why(tiny_region):
    from helpers.brief import make_outputs
    from helpers.brief.render import sections

    root, cfg, one = tiny_region
    results, figures, folder = make_outputs(str(cfg), "kota-b", lang="en", output_dir=root / "out")
    html = " ".join(sections(results, figures).values())
    assert "no statistics are published" in html
    assert f"{float(one['overall'].iloc[0]):.2f}" not in re.sub(r"<[^>]+>", " ", html)
    # English is not the fixture study's default (id): the files carry the language
    saved = json.loads((folder / "results.en.json").read_text())
    assert saved["indices"]["ikd"]["suppressed"] and not (folder / "results.json").exists()


def test_region_compliance_below_the_minimum_is_not_published():
    from helpers.brief.disclosure import suppress_small_compliance

    c = {"n": 3, "n_compliant": 2, "share": 2 / 3, "ci_low": 0.2, "ci_high": 0.94, "threshold_jp": 20.0,
         "unit_types": {}}
    s = suppress_small_compliance(c, 5)
    assert s["suppressed"] and s["share"] is None and s["n_compliant"] is None and s["n"] == 3
    assert suppress_small_compliance({**c, "n": 5}, 5)["share"] == pytest.approx(2 / 3)
    assert suppress_small_compliance(None, 5) is None
