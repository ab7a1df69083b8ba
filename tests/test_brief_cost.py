"""What the cheaper brief keeps: figures placed as the constrained layout places
them, greyscale PNGs that hold the same pixels, no degenerate test line, the
short index names in the vocabulary, and a fork server that preloads what a
brief imports."""
from __future__ import annotations

import subprocess
import sys
import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.layout_engine  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from helpers.brief import plots  # noqa: E402
from helpers.brief.text import gap_sentence, omnibus_phrase, unit_type_sentence, untestable  # noqa: E402
from helpers.vocabulary import index_short  # noqa: E402


def _figure(legend: bool):
    plots.style()
    fig, ax = plt.subplots(figsize=(plots.WIDTH, 2.4))
    labels = ["Sekretariat Daerah Kabupaten", "Dinas", "Kecamatan Tenggarong Seberang", "RSUD"]
    ax.errorbar([2.1, 2.4, 2.2, 2.6], range(4), xerr=[[0.1] * 4, [0.2] * 4], fmt="o", color=plots.DARK)
    ax.set_yticks(range(4), labels)
    ax.set_xlabel("Rata-rata (IK 95%)")
    if legend:
        ax.axvline(2.3, color=plots.DARK, ls="--", label="Rata-rata daerah")
        fig.legend(loc="outside lower right", frameon=False)
    return fig, ax


@pytest.mark.parametrize("legend", [False, True])
def test_fit_places_the_axes_where_the_constrained_layout_does(legend):
    fig, ax = _figure(legend)
    fig.canvas.draw()  # the constrained layout (style() turns it on)
    expected = np.array(ax.get_position().bounds) * np.array([fig.bbox.width, fig.bbox.height] * 2)
    plt.close(fig)
    fig, ax = _figure(legend)
    plots._fit(fig)
    fig.canvas.draw()
    got = np.array(ax.get_position().bounds) * np.array([fig.bbox.width, fig.bbox.height] * 2)
    plt.close(fig)
    assert not isinstance(fig.get_layout_engine(), matplotlib.layout_engine.ConstrainedLayoutEngine)
    np.testing.assert_allclose(got, expected, atol=1.0)  # pixels at 150 dpi
    if legend:  # room below the axes for the legend: the axes start higher than without one
        assert expected[1] > 40


def test_a_grey_figure_is_saved_as_greyscale_with_the_same_pixels(tmp_path):
    fig, ax = _figure(legend=True)
    fig.set_facecolor("white")
    path = plots._save(fig, tmp_path / "g.png")
    img = Image.open(path)
    assert img.mode == "L" and img.info.get("dpi", (0,))[0] == pytest.approx(plots.DPI, abs=0.5)
    # the same figure drawn again, as RGBA: every pixel is grey and equals the file's
    fig, ax = _figure(legend=True)
    fig.set_facecolor("white")
    plots._fit(fig)
    fig.canvas.draw()
    rgba = np.asarray(fig.canvas.buffer_rgba())
    plt.close(fig)
    assert (rgba[..., 0] == rgba[..., 1]).all() and (rgba[..., 1] == rgba[..., 2]).all()
    np.testing.assert_array_equal(np.asarray(img), rgba[..., 0])


def test_a_figure_with_colour_keeps_its_colour(tmp_path):
    plots.style()
    fig, ax = plt.subplots(figsize=(2, 1))
    ax.bar([0], [1], color="#cc3311")
    img = Image.open(plots._save(fig, tmp_path / "c.png"))
    assert img.mode == "RGB"
    px = np.asarray(img).reshape(-1, 3)
    assert ((px[:, 0] == 0xCC) & (px[:, 1] == 0x33) & (px[:, 2] == 0x11)).any()


# stage 03's row for IP ASN Kualifikasi by education in kab-paser (sample study):
# Kualifikasi is scored from education, so no group varies and the Wald test has df1 = 0
FLAT = {"test": "svy_wald", "statistic": None, "df1": 0.0, "df2": 53.0, "p": None, "p_adj": None, "k": 10,
        "effect_name": "eta2_w", "effect_size": 1.0, "significant": False}


def test_a_test_without_numerator_df_is_no_test():
    assert untestable(FLAT, "en") == "the scores do not vary within the groups"
    assert untestable(FLAT, "id") == "skor tidak bervariasi di dalam kelompok"
    assert untestable({**FLAT, "k": 1}, "en") == "there is only one group"
    assert untestable({**FLAT, "k": 1}, "id") == "hanya ada satu kelompok"
    real = {"test": "svy_wald", "statistic": 83.51, "df1": 9.0, "df2": 53.0, "p": 4.3e-28, "k": 10}
    assert untestable(real, "en") is None
    assert omnibus_phrase(real, "en")[0].endswith("F(9, 53) = 83.51")


def test_gap_and_unit_type_sentences_say_why_there_is_no_test():
    block = {"areas": {}, "gaps": {"education": {
        "gap": 24.0, "highest": "S3", "lowest": "SD", "min_gap_n": 30, "significant": False, "test": FLAT,
        "groups": {"S3": {"mean": 25.0}, "SD": {"mean": 1.0}}}}}
    en = gap_sentence(block, "en", "education", each=True)
    idn = gap_sentence(block, "id", "education", each=True)
    assert en == ("By education (groups of ≥ 30 respondents): a gap of 24.00 points (S3 25.00 vs SD 1.00); "
                  "no test possible (the scores do not vary within the groups).")
    assert idn.endswith("(S3 25,00 vs SD 1,00); tidak dapat diuji (skor tidak bervariasi di dalam kelompok).")
    for s in (en, idn):
        assert "F(0" not in s and "–" not in s and "not differ" not in s
    ut = unit_type_sentence({"comparison": {"omnibus": {"overall": {**FLAT, "k": 1}}}, "unit_types": {}}, "en")
    assert ut == ("The unit types cannot be compared by a statistical test (there is only one group); "
                  "the differences below are descriptive.")


def test_short_index_names_live_in_the_vocabulary():
    assert [index_short(i) for i in ("ikd", "ip_asn", "ild", "new_index")] == ["IKD", "IP ASN", "ILD", "NEW_INDEX"]
    import helpers.brief.summary as summary

    assert not hasattr(summary, "SHORT")


def test_the_fork_server_preloads_what_a_brief_imports(brief_study):
    """After the fork server's preload, building a brief's outputs imports no
    workspace module and nothing of pandera / rapidfuzz (each forked kernel
    would import them again)."""
    root, _cfg = brief_study("preload")
    code = textwrap.dedent("""
        import importlib, sys, tempfile
        from helpers.pipeline.forkserver import PRELOAD
        for m in PRELOAD:
            importlib.import_module(m)
        before = set(sys.modules)
        from helpers.brief import make_outputs
        make_outputs("brieffix", "kab-a", output_dir=tempfile.mkdtemp())
        new = sorted(set(sys.modules) - before)
        print("\\n".join(new))
    """)
    import os

    env = {**os.environ, "ASN_WORKSPACE": str(root), "ASN_OUTPUT_ROOT": str(root)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True,
                         timeout=300).stdout.split()
    heavy = [m for m in out if m.split(".")[0] in ("helpers", "pandera", "rapidfuzz", "pydantic", "seaborn",
                                                    "scipy", "pandas", "pyarrow", "openpyxl")]
    assert heavy == [], heavy
