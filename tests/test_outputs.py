"""Output naming and reruns: a brief in another language goes beside the
default one, the manifest's rerun command is complete and shell-quoted, a brief
run by hand writes to scratch/, and fingerprints cover only the configuration
the study uses."""
from __future__ import annotations

import hashlib
import json
import shlex
import shutil
from pathlib import Path

import pytest

from _brief_fixture import STUDY_ID
from factories import env

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def cfg_ws(tmp_path, monkeypatch):
    """A workspace with a copy of the real config (so files can be added to it)."""
    shutil.copytree(ROOT / "config", tmp_path / "config", ignore=shutil.ignore_patterns(".pseudonym_key"))
    (tmp_path / "pyproject.toml").write_text("")
    shutil.copytree(ROOT / "data/raw/sample", tmp_path / "data/raw/sample",
                    ignore=shutil.ignore_patterns("*.csv", "*.xlsx", "*.sav"))
    shutil.copy(ROOT / "data/raw/sample/units.csv", tmp_path / "data/raw/sample/units.csv")
    monkeypatch.setenv("ASN_WORKSPACE", str(tmp_path))
    monkeypatch.delenv("ASN_OUTPUT_ROOT", raising=False)
    return tmp_path


def test_fingerprints_cover_only_the_studys_configuration(cfg_ws):
    from helpers import pipeline
    from helpers.study import load_study

    study = load_study("sample")
    files = {p.relative_to(cfg_ws).as_posix() for p in pipeline.study_config_files(study)}
    assert files == {"config/studies/sample.yaml", "config/instruments/ikd_digcomp22.yaml",
                     "config/instruments/ild_kominfo.yaml", "config/instruments/ipasn_hr.yaml",
                     "config/indices/ikd.yaml", "config/indices/ip_asn.yaml", "config/indices/ild.yaml",
                     "config/unit_types.yaml", "config/unit_aliases/sample.csv"}
    params = {"study": "sample", "stage": "01_clean"}
    before = pipeline.fingerprint(study, params)
    (cfg_ws / "config/studies/other.yaml").write_text("id: other\n")
    (cfg_ws / "config/indices/bfi.yaml").write_text("# edited: another study's index\n")
    assert pipeline.fingerprint(study, params) == before
    cb = cfg_ws / "config/instruments/ikd_digcomp22.yaml"
    cb.write_text(cb.read_text() + "\n# a codebook the study uses\n")
    assert pipeline.fingerprint(study, params) != before


def test_rerun_command_is_complete_and_shell_quoted(cfg_ws):
    from helpers.pipeline import rerun_command
    from helpers.study import load_study

    study = load_study("sample")
    assert rerun_command(study, "kota-bontang") == "python -m helpers run --study sample --region kota-bontang"
    assert rerun_command(study, "kota-bontang", "en").endswith("--region kota-bontang --lang en")
    odd = cfg_ws / "my studies" / "studi baru.yaml"
    odd.parent.mkdir()
    odd.write_text((cfg_ws / "config/studies/sample.yaml").read_text().replace("id: sample", "id: studi baru"))
    cmd = rerun_command(load_study(odd), "kota-bontang", "en")
    assert shlex.split(cmd)[4:] == ["--study", str(odd), "--region", "kota-bontang", "--lang", "en"]


def test_names_carry_a_non_default_language(cfg_ws):
    from helpers.brief import lang_suffix, output_names

    assert lang_suffix("sample", "id") == "" and lang_suffix("sample", None) == ""
    names = output_names(lang_suffix("sample", "en"))
    assert names["pdf"] == "brief.en.pdf" and names["results"] == "results.en.json"
    assert names["manifest"] == "manifest.en.json" and names["figures"] == "figures.en"


@pytest.fixture(scope="module")
def brief_ws(brief_study):
    root, cfg = brief_study("outputs")
    with env(ASN_OUTPUT_ROOT=root, ASN_WORKSPACE=root):
        yield root, cfg


def test_a_brief_run_by_hand_writes_to_scratch(brief_ws):
    from helpers.brief import make_outputs

    root, _ = brief_ws
    _, _, folder = make_outputs(STUDY_ID, "kab-a", lang="id")
    assert folder == root / "scratch" / STUDY_ID / "kab-a" and (folder / "results.json").exists()
    assert not (root / "reports").exists()


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir() if p.is_file()}


@pytest.mark.slow
def test_english_brief_goes_beside_the_default_one(brief_ws):
    from helpers.brief.summary import make_summary
    from helpers.pipeline import make_brief

    root, _ = brief_ws
    idb = make_brief(STUDY_ID, "kab-a", lang="id", force=True, output_root=str(root))
    assert idb.status == "ran", idb.error
    before = _digest(idb.folder)
    make_summary(STUDY_ID)
    enb = make_brief(STUDY_ID, "kab-a", lang="en", force=True, output_root=str(root))
    assert enb.status == "ran", enb.error
    after = _digest(enb.folder)
    for name, digest in before.items():
        assert after[name] == digest, f"{name} was overwritten by the English brief"
    for name in ("brief.en.html", "brief.en.pdf", "brief.en.ipynb", "results.en.json", "tables.en.xlsx",
                 "manifest.en.json"):
        assert name in after, name
    assert json.loads((enb.folder / "results.en.json").read_text())["meta"]["lang"] == "en"
    man = json.loads((enb.folder / "manifest.en.json").read_text())
    assert man["command"] == f"python -m helpers run --study {STUDY_ID} --region kab-a --lang en"
    assert json.loads((enb.folder / "manifest.json").read_text())["parameters"]["lang"] == "id"
    # one study summary per language
    summary_id = (root / "reports" / STUDY_ID / "summary.json").read_bytes()
    out = make_summary(STUDY_ID, lang="en")
    assert out["json"].name == "summary.en.json" and out["pdf"].name == "summary.en.pdf"
    assert (root / "reports" / STUDY_ID / "summary.json").read_bytes() == summary_id
    assert json.loads(out["json"].read_text())["lang"] == "en"
    # no staging folder left behind
    assert not list((root / "reports" / STUDY_ID).glob(".*.tmp"))


def _tags_and_text(html: str) -> tuple[list, str]:
    """The element structure (tag, sorted attributes) and the text of an HTML
    fragment: what a layout engine sees, whatever the serialiser's attribute order."""
    from html.parser import HTMLParser

    class P(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.tags, self.text = [], []

        def handle_starttag(self, tag, attrs):
            self.tags.append((tag, tuple(sorted(attrs))))

        def handle_endtag(self, tag):
            self.tags.append(("/" + tag, ()))

        def handle_data(self, data):
            self.text.append(data)

    p = P()
    p.feed(html)
    return p.tags, "".join(p.text)


def _notebook(cells):
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    nb = new_notebook()
    for kind, payload, tags in cells:
        if kind == "markdown":
            c = nbformat.v4.new_markdown_cell(payload)
        else:
            c = new_code_cell("display(HTML(S['x']))",
                              outputs=[new_output("display_data", data={"text/html": h, "text/plain": "<HTML>"})
                                       for h in payload])
        c.metadata["tags"] = tags
        nb.cells.append(c)
    return json.loads(nbformat.writes(nb))


def test_the_brief_html_is_the_basic_templates_page_without_nbconvert():
    """The brief's cells only display HTML: its page is built from the notebook's
    JSON with the blocks nbconvert's basic template gives each code cell (so the
    PDF lays out the same), removed cells left out; any other notebook still goes
    through nbconvert (a markdown cell is rendered, not dropped)."""
    from helpers import export

    nb = _notebook([("markdown", "# set-up", ["remove"]), ("code", [], ["parameters"]),
                    ("code", ['<section class="a"><h2>Judul</h2><p>2,50 &lt; 3</p></section>'], []),
                    ("code", ['<p class="note">satu</p>', "<p>dua</p>"], []), ("code", [""], []),
                    ("code", ["<p>set-up</p>"], ["remove"])])
    direct = export.displayed_html(nb["cells"])
    via_nbconvert = export._nbconvert_html(nb)
    assert _tags_and_text(direct) == _tags_and_text(via_nbconvert)
    assert "Judul" in direct and "set-up" not in direct and "celltag_parameters" in direct
    page = export.notebook_to_html(nb, title="Kota A", lang="id")
    assert page.startswith('<!DOCTYPE html>\n<html lang="id">') and "<title>Kota A</title>" in page
    assert '<main class="brief">\n' + direct in page and "@page" in page  # the print stylesheet
    # a markdown cell that stays, or a printed stream: nbconvert renders the page
    md = _notebook([("markdown", "Ringkasan **tebal**", []), ("code", ["<p>x</p>"], [])])
    assert export.displayed_html(md["cells"]) is None
    assert "<strong>tebal</strong>" in export.notebook_to_html(md, title="t", lang="en")
    md["cells"][1]["outputs"].append({"output_type": "stream", "name": "stderr", "text": ["peringatan\n"]})
    assert export.displayed_html(md["cells"]) is None


def test_an_iri_format_check_still_works_after_the_deferred_import():
    """helpers.pipeline.execute defers jsonschema's IRI grammar (rfc3987_syntax,
    ~2 CPU s at import) until an IRI is checked; the check then gives the real answers."""
    import subprocess
    import sys

    code = ("import sys, helpers.pipeline.execute, nbformat\n"
            "m = sys.modules.get('rfc3987_syntax')\n"
            "deferred = m is None or getattr(m, '__asn_deferred__', False)\n"
            "from jsonschema import Draft7Validator as V\n"
            "v = V({'format': 'iri'}, format_checker=V.FORMAT_CHECKER)\n"
            "print(deferred, v.is_valid('http://a.example/p?q=1'), v.is_valid('http://a b'),"
            " v.is_valid('http://ü.example/ä'))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    try:
        import rfc3987_syntax  # noqa: F401
    except ImportError:
        pytest.skip("rfc3987_syntax is not installed: nothing is deferred")
    assert out == ["True", "True", "False", "True"]
