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


def test_the_driver_is_the_variance_weighted_total_order_index():
    """Two outputs (unit-type ranks) with variances 1 and 3: input ``a`` has ST
    0.2 and 0.6 -> (0.2 + 3 * 0.6) / 4 = 0.5, input ``b`` 0.7 and 0.1 -> 0.25,
    so ``a`` drives; with both variances 0 the plain means (0.4 each) tie and the
    first input in sorted order is named, as the groupby it replaces did."""
    import pandas as pd

    from helpers.indices.uncertainty import _driver

    s = pd.DataFrame({"input": ["b", "a", "b", "a", "sampling"], "output_variance": [1.0, 1.0, 3.0, 3.0, 2.0],
                      "S1": [0.5, 0.1, 0.05, 0.4, 0.9], "ST": [0.7, 0.2, 0.1, 0.6, 0.95],
                      "ST_ci_low": [0.6, 0.1, 0.0, 0.5, 0.9], "ST_ci_high": [0.8, 0.3, 0.2, 0.7, 1.0]})
    d = _driver(s, build_only=True)
    assert d["input"] == "a" and d["n_outputs"] == 2
    assert d["ST"] == pytest.approx(0.5) and d["S1"] == pytest.approx((0.1 + 3 * 0.4) / 4)
    assert d["ST_ci_low"] == pytest.approx((0.1 + 3 * 0.5) / 4) and d["ST_ci_high"] == pytest.approx(0.6)
    assert _driver(s, build_only=False)["input"] == "sampling"
    flat = _driver(s.assign(output_variance=0.0), build_only=True)
    assert flat["input"] == "a" and flat["ST"] == pytest.approx(0.4) and flat["n_outputs"] == 0
    assert _driver(s.assign(ST=np.nan), build_only=False) is None


def _png(mode: str, **save) -> bytes:
    import io

    rng = np.random.default_rng(3)
    shape = (40, 90) if mode == "L" else (40, 90, 3 if mode == "RGB" else 4)
    img = Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8), mode=mode)
    buf = io.BytesIO()
    img.save(buf, format="png", **save)
    return buf.getvalue()


def _with_ihdr(data: bytes, depth: int | None = None, interlace: int | None = None) -> bytes:
    """``data`` with its IHDR's bit depth or interlace method changed (valid CRC)."""
    import struct
    import zlib

    w, h, d, colour, comp, filt, inter = struct.unpack(">IIBBBBB", data[16:29])
    body = b"IHDR" + struct.pack(">IIBBBBB", w, h, depth or d, colour, comp, filt,
                                 inter if interlace is None else interlace)
    return data[:12] + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF) + data[33:]


def test_a_figures_own_idat_is_what_weasyprint_would_encode_again():
    """The IDAT chunks of an 8-bit grey or RGB PNG (as the brief's figures are
    written) are the bytes WeasyPrint's re-encoding produces; a PNG with alpha,
    interlacing or damage is left to WeasyPrint."""
    import io

    from weasyprint.images import RasterImage

    from helpers.export import _png_passthrough, png_idat

    _png_passthrough()
    encode = RasterImage._get_png_data.__wrapped__  # WeasyPrint's own
    for mode in ("L", "RGB"):
        data = _png(mode, dpi=(150, 150))
        assert png_idat(data) == encode(Image.open(io.BytesIO(data)))
        assert RasterImage._get_png_data(Image.open(io.BytesIO(data))) == png_idat(data)
    assert png_idat(_png("RGBA")) is None
    assert png_idat(_with_ihdr(_png("L"), interlace=1)) is None
    assert png_idat(_with_ihdr(_png("L"), depth=16)) is None
    damaged = bytearray(_png("L"))
    damaged[60] ^= 0xFF
    assert png_idat(bytes(damaged)) is None
    assert png_idat(b"GIF89a") is None


def test_the_pdf_is_byte_identical_with_the_figures_idat_passed_through(tmp_path):
    """The same page with a grey and an RGB figure: the PDF WeasyPrint writes
    when it re-encodes the PNGs and the one with their IDAT passed through are
    the same bytes."""
    import base64

    from weasyprint import HTML
    from weasyprint.images import RasterImage

    from helpers.export import _font_config, _png_passthrough

    imgs = "".join(f'<img src="data:image/png;base64,{base64.b64encode(_png(m, dpi=(150, 150))).decode()}">'
                   for m in ("L", "RGB"))
    html = f"<html><body><p>2,50</p>{imgs}</body></html>"
    _png_passthrough()
    patched = RasterImage.__dict__["_get_png_data"]
    try:
        RasterImage._get_png_data = staticmethod(patched.__func__.__wrapped__)
        plain = HTML(string=html).write_pdf(font_config=_font_config())
    finally:
        RasterImage._get_png_data = patched
    assert HTML(string=html).write_pdf(font_config=_font_config()) == plain


def test_the_fork_server_preloads_the_kernels_debugger():
    """ipykernel resolves its debugger class (debugpy, pydevd) whenever a kernel
    object is made: the fork server imports it, so no forked kernel does."""
    from ipykernel.ipkernel import IPythonKernel

    from helpers.pipeline.forkserver import PRELOAD

    debugger = IPythonKernel.class_traits()["debugger_class"].default_value
    assert debugger.rsplit(".", 1)[0] in PRELOAD


def test_the_primary_test_of_a_factor_is_the_first_row_of_each_component():
    """``compare_omnibus`` rows of one index marked primary, read once per brief:
    per component the first such row (components in the order they appear), a
    'none' test (too few groups) left out, another index's rows ignored."""
    import pandas as pd

    from helpers.brief.inputs import RegionInputs
    from helpers.brief.results import _omnibus

    om = pd.DataFrame({
        "index": ["ikd", "ikd", "ikd", "ikd", "ild", "ikd"],
        "factor": ["sex", "sex", "sex", "sex", "sex", "unit_type"],
        "component": ["overall", "overall", "k1", "k2", "overall", "overall"],
        "primary": [False, True, True, True, True, True],
        "test": ["f", "wald_f", "wald_f", "none", "wald_f", "lmm"],
        "statistic": [9.0, 4.0, 1.5, np.nan, 7.0, 3.0], "df1": [1.0] * 6, "df2": [30.0] * 6,
        "p": [0.001, 0.04, 0.2, np.nan, 0.01, 0.05], "p_adj": [np.nan, 0.08, np.nan, np.nan, np.nan, np.nan]})
    inp = RegionInputs(study=None, region="r", tables={"compare_omnibus": om})
    sex = _omnibus(inp, "ikd", "sex", 0.05)
    assert list(sex) == ["overall", "k1"]
    assert sex["overall"]["statistic"] == 4.0 and sex["overall"]["p_adj"] == 0.08
    assert sex["overall"]["significant"] is False and sex["k1"]["significant"] is False  # p_adj 0.08, p 0.2
    assert _omnibus(inp, "ikd", "unit_type", 0.06)["overall"]["significant"] is True
    assert _omnibus(inp, "ikd", "age_band", 0.05) == {}
    inp.tables["compare_omnibus"] = om.iloc[0:0]  # read once: the brief's later questions use the same rows
    assert list(_omnibus(inp, "ikd", "sex", 0.05)) == ["overall", "k1"]


def _registry(folder, rows):
    import pandas as pd

    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows, columns=["unit_id", "unit_name", "unit_type", "region_id"]).to_csv(folder / "units.csv",
                                                                                          index=False)
    from types import SimpleNamespace

    return SimpleNamespace(registry_path=folder / "units.csv", processed_dir=folder / "processed")


def test_a_brief_reads_its_units_names_from_a_copy_the_first_brief_keeps(tmp_path, monkeypatch):
    """The registry is read once per run: the next brief takes its units' names
    from ``.stamps/unit_names.parquet``; an edited registry is read again."""
    import os

    import helpers.brief.inputs as inputs

    st = _registry(tmp_path, [["a-1", "Dinas A", "dinas", "kab-a"], ["a-2", "Badan A", "badan", "kab-a"],
                              ["b-1", "Dinas B", "dinas", "kab-b"]])
    assert inputs.region_unit_names(st, ["a-2", "a-1", "zz"]) == {"a-1": "Dinas A", "a-2": "Badan A"}
    assert (tmp_path / "processed" / ".stamps" / "unit_names.parquet").exists()

    def no_registry(_):
        raise AssertionError("the registry was read again")

    with monkeypatch.context() as m:
        m.setattr(inputs, "unit_names", no_registry)
        assert inputs.region_unit_names(st, {"b-1"}) == {"b-1": "Dinas B"}
        assert inputs.region_unit_names(st, []) == {}  # no units asked for: none, as on the first read
    _registry(tmp_path, [["a-1", "Dinas Pendidikan A", "dinas", "kab-a"]])
    os.utime(tmp_path / "units.csv", ns=(1, 1))  # a different mtime even within the clock's resolution
    assert inputs.region_unit_names(st, ["a-1", "a-2"]) == {"a-1": "Dinas Pendidikan A"}


def test_unit_names_without_a_writable_processed_folder_are_still_right(tmp_path, monkeypatch):
    """Where the cache cannot be written (``atomic_path`` refuses, as on a
    read-only folder) the names come from the registry itself."""
    import helpers.brief.inputs as inputs
    import helpers.io
    from helpers.errors import InputError

    def refuse(path):
        raise InputError("cannot write the output file (permission denied)", file=path)

    monkeypatch.setattr(helpers.io, "atomic_path", refuse)
    st = _registry(tmp_path, [["a-1", "Dinas A", "dinas", "kab-a"], ["b-1", "Dinas B", "dinas", "kab-b"]])
    assert inputs.region_unit_names(st, ["a-1"]) == {"a-1": "Dinas A"}
    assert not (tmp_path / "processed" / ".stamps" / "unit_names.parquet").exists()


def test_the_pdf_page_takes_the_figure_files_with_the_same_pixels(tmp_path):
    """The page WeasyPrint lays out points at the figures' files (the HTML file
    keeps them embedded); both give the same pixels on every page."""
    import base64
    import shutil

    from weasyprint import HTML

    from helpers.export import _font_config, with_figure_files

    figs = tmp_path / "figures"
    figs.mkdir()
    (figs / "a b.png").write_bytes(_png("L", dpi=(150, 150)))
    (figs / "unused.png").write_bytes(_png("RGB"))
    uri = "data:image/png;base64," + base64.b64encode((figs / "a b.png").read_bytes()).decode()
    html = f'<html><body><p>2,50</p><figure><img src="{uri}" style="width:80%"></figure></body></html>'
    page = with_figure_files(html, figs, tmp_path)
    assert 'src="figures/a%20b.png"' in page and "base64" not in page
    assert with_figure_files("<p>no figures</p>", figs, tmp_path) == "<p>no figures</p>"
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm not installed")
    pixels = []
    for name, h in (("embedded", html), ("files", page)):
        pdf = tmp_path / f"{name}.pdf"
        HTML(string=h, base_url=str(tmp_path)).write_pdf(str(pdf), font_config=_font_config())
        subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(tmp_path / name)], check=True)
        pixels.append([p.read_bytes() for p in sorted(tmp_path.glob(f"{name}-*.png"))])
    assert pixels[0] and pixels[0] == pixels[1]
