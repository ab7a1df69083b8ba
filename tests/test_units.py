"""helpers.clean.units: registry matching, review file, honoured manual decisions."""
from __future__ import annotations

import pandas as pd
import pytest

from helpers.errors import ConfigError
from helpers.clean.units import load_manual_aliases, match_units, normalise_unit_name, review_table

REG = pd.DataFrame({
    "unit_id": ["u1", "u2", "u3", "u4", "u5", "u6", "v1"],
    "unit_name": ["Dinas Pendidikan dan Kebudayaan", "Dinas Kesehatan", "Kecamatan Loa Janan",
                  "Kecamatan Loa Kulu", "Puskesmas Tenggarong", "Puskesmas Tenggarong Seberang",
                  "Dinas Pendidikan dan Kebudayaan"],
    "unit_type": ["dinas", "dinas", "kecamatan", "kecamatan", "puskesmas", "puskesmas", "dinas"],
    "region_id": ["r"] * 6 + ["s"],
    "aliases": ["Disdikbud|Dinas Pendidikan", "Dinkes", None, None, "PKM Tenggarong", None, "Disdikbud"],
})


def q(names, region="r"):
    return pd.DataFrame({"raw_name": names, "region_id": region})


def test_normalise():
    assert normalise_unit_name(pd.Series(["Kec. Loa-Janan", "DINAS  Pendidikan & Kebudayaan"])).tolist() == \
        ["kecamatan loa janan", "dinas pendidikan dan kebudayaan"]


def test_each_matching_step():
    m = match_units(q(["Dinas Kesehatan", "dinas kesehatan ", "Kec. Loa Janan", "DISDIKBUD",
                       "Dinas Kesehatn", "Dinas Pendidikan & Kebudayaan"]), REG).set_index("raw_name")
    assert m.loc["Dinas Kesehatan", ["unit_id", "method"]].tolist() == ["u2", "exact"]
    assert m.loc["dinas kesehatan ", "method"] == "normalised"
    assert m.loc["Kec. Loa Janan", ["unit_id", "method"]].tolist() == ["u3", "normalised"]
    assert m.loc["DISDIKBUD", ["unit_id", "method"]].tolist() == ["u1", "alias"]  # region r only
    assert m.loc["Dinas Kesehatn", ["unit_id", "method"]].tolist() == ["u2", "fuzzy"]
    assert m.loc["Dinas Kesehatn", "score"] >= 90
    assert m.loc["Dinas Pendidikan & Kebudayaan", "unit_id"] == "u1"


def test_region_suffix_phrases_and_long_forms():
    reg = pd.concat([REG, pd.DataFrame({"unit_id": ["u7", "u8"], "unit_name": ["RSUD Aji Batara", "Satuan Polisi Pamong Praja"],
                                        "unit_type": ["rsud", "satpol_pp"], "region_id": ["r", "r"],
                                        "aliases": [None, None]})], ignore_index=True)
    names = {"r": ["Kabupaten Kutai Kartanegara", "Kukar", "Kab. Kutai Kartanegara"]}
    m = match_units(q(["Dinas Kesehatan Kab. Kutai Kartanegara", "Dinas Kesehatan Kukar", "Kantor Camat Loa Kulu",
                       "Rumah Sakit Umum Daerah Aji Batara", "RS Aji Batara", "Satuan Polisi Pamong Prraja"]),
                    reg, region_names=names).set_index("raw_name")["unit_id"]
    assert m.tolist() == ["u2", "u2", "u4", "u7", "u7", "u8"]


def test_nothing_matched_silently_below_threshold():
    m = match_units(q(["Puskesmas Tenggarong Sbrg", "Kecamatan Loa", "Kantor Camat", "Puskesmas"]), REG)
    assert m["unit_id"].isna().all() and (m["method"] == "review").all()
    assert set(m["reason"]) <= {"below_threshold", "ambiguous"}
    # the candidates a person needs are listed, best first
    first = m.set_index("raw_name").loc["Puskesmas Tenggarong Sbrg", "candidates"].split("; ")[0]
    assert first.startswith("u6:Puskesmas Tenggarong Seberang")


def test_ambiguous_same_name_in_two_regions_without_region():
    m = match_units(pd.DataFrame({"raw_name": ["Disdikbud"], "region_id": [pd.NA]}), REG)
    assert m.loc[0, "method"] == "review" and m.loc[0, "reason"] == "ambiguous"
    assert "u1" in m.loc[0, "candidates"] and "v1" in m.loc[0, "candidates"]


def test_manual_mapping_is_honoured(tmp_path):
    names = q(["Kantor Lurah Jahitan Layang", "Kantor Lurah Jahitan Layang"])
    first = match_units(names, REG)
    counts = names.groupby(["raw_name", "region_id"]).size().rename("n_rows").reset_index()
    review = review_table(first, counts, REG)
    assert review.loc[0, "n_rows"] == 2 and pd.isna(review.loc[0, "unit_id"])
    review.loc[0, "unit_id"] = "u3"  # the person's decision
    path = tmp_path / "study.csv"
    review.to_csv(path, index=False)
    manual = load_manual_aliases(path, REG)
    again = match_units(names, REG, manual)
    assert again.loc[0, ["unit_id", "method"]].tolist() == ["u3", "manual"]


def test_manual_mapping_with_unknown_unit_is_an_error(tmp_path):
    path = tmp_path / "m.csv"
    pd.DataFrame({"raw_name": ["x", "y"], "region_id": ["r", "r"], "unit_id": ["u1", "nope"]}).to_csv(path, index=False)
    with pytest.raises(ConfigError) as info:
        load_manual_aliases(path, REG)
    assert info.value.row == 3 and info.value.column == "unit_id"


def test_missing_name():
    m = match_units(q([None, ""]), REG)
    assert (m["method"] == "missing").all()


def test_pair_codes_number_distinct_name_region_pairs_in_order_of_first_row():
    # place_units matches each distinct (typed name, region) once; missing is a value of its own
    from helpers.clean.steps import pair_codes

    names = pd.Series(["Disdik", "Disdik", None, "Disdik", None, "Bappeda"], dtype="string")
    regions = pd.Series(["r1", "r2", "r1", "r1", "r1", None], dtype=object)
    codes, first = pair_codes(names, regions)
    assert codes.tolist() == [0, 1, 2, 0, 2, 3]
    assert first.tolist() == [0, 1, 2, 5]
