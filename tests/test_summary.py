"""The study summary at the shape of a national run: its chart of regions keeps
to one page (the lowest and highest regions, the gap marked), its table keeps
every region."""
from __future__ import annotations

from PIL import Image

from helpers.brief import summary


def rows(n: int, index: str = "ikd") -> list[dict]:
    # values not in region order, so the sort is what is tested
    return [{"region": f"r{i:03d}", "region_name": f"Region {i:03d}", "index": index, "index_name": "IKD",
             "overall": 2.0 + ((i * 37) % n) / n, "ci_low": None, "ci_high": None} for i in range(n)]


def test_a_study_of_few_regions_charts_every_region_lowest_first():
    sel, n = summary.chart_regions(rows(summary.CHART_REGIONS), "ikd")
    assert n == summary.CHART_REGIONS and None not in sel
    values = [r["overall"] for r in sel]
    assert values == sorted(values)


def test_a_national_study_charts_its_lowest_and_highest_with_the_gap_marked(tmp_path):
    many = rows(582) + rows(3, "ild")
    sel, n = summary.chart_regions(many, "ikd")
    k = summary.CHART_REGIONS // 2
    assert n == 582 and len(sel) == 2 * k + 1 and sel[k] is None
    ordered = sorted(r["overall"] for r in many if r["index"] == "ikd")
    assert [r["overall"] for r in sel[:k]] == ordered[:k]
    assert [r["overall"] for r in sel[k + 1:]] == ordered[-k:]
    tx = {"fig": "all", "fig_part": "{k} lowest and {k} highest of {n}"}
    assert summary._chart_caption(many, "ikd", tx, "en") == "12 lowest and 12 highest of 582"
    assert summary._chart_caption(many, "ild", tx, "en") == "all"
    # the figure of 582 regions is no taller than that of a study of CHART_REGIONS + 1
    tall = Image.open(summary._chart(many, "ikd", "id", tmp_path / "many.png")).size
    full = Image.open(summary._chart(rows(summary.CHART_REGIONS + 1), "ikd", "id", tmp_path / "few.png")).size
    assert tall == full and tall[1] < 2000


def test_regions_not_compared_pair_by_pair_are_not_said_to_be_equal():
    from helpers import strings

    k = 25
    test = {"test": "svy_wald", "statistic": 5.1, "df1": k - 1.0, "df2": 400.0, "p": 1e-6, "p_adj": 1e-6,
            "frame": "units_replication", "family": None, "k": float(k)}
    for lang in ("id", "en"):
        tx = strings.get("summary", lang)
        html = summary._comparison_html({"ikd": {"test": test, "pairs": None}}, {}, lang, tx)
        # "no pair differs" would be false, and so would "pairs Holm-adjusted": none was tested
        assert tx["cmp_none"].format(pairs="300") not in html and "Holm" not in html
        assert ("25 daerah" if lang == "id" else "25 regions") in html and "300" in html
        pair = {"group_a": "a", "group_b": "b", "diff": 0.1, "ci_low": -0.1, "ci_high": 0.3, "p_adj": 0.4,
                "significant": False}
        few = {"ikd": {"test": {**test, "k": 3.0, "df1": 2.0}, "pairs": [pair]}}
        assert tx["cmp_none"].format(pairs="3") in summary._comparison_html(few, {}, lang, tx)
        few["ikd"]["pairs"] = [{**pair, "p_adj": 0.01, "significant": True}]
        html = summary._comparison_html(few, {}, lang, tx)
        assert tx["cmp_pairs"].format(pairs="3") in html and "Holm" in html
