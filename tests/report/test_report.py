"""The output folder of a pharmaverse readout: report.html, tables, figures and results.json.

The pipeline runs once per session (the same cached run as tests/readout/test_pipeline.py).
Expected numbers are plain-pandas facts of the pharmaverse files (306 subjects in DM, 254
treated, 3 deaths, 168 with measurable xanomeline; data README) and SHA-256 digests computed
here with hashlib.
"""

from __future__ import annotations

import base64
import hashlib
import html as html_lib
import json
import re

import pandas as pd
from markupsafe import escape

from doseflow.readout.abstract import HEADLINE_KEYS, write_abstract
from doseflow.report.html import SOFTWARE
from doseflow.report.layout import SECTIONS
from doseflow.report.outputs import RESULTS_EXTRA_KEYS


def _reject_nan(token):
    raise AssertionError(f"results.json holds {token}")


def _text(html: str) -> str:
    """The page's text, tags removed and entities decoded."""
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", html))


def test_every_table_and_figure_file_exists(pharmaverse_run):
    readout, out, _ = pharmaverse_run
    for item in readout.items:
        table = out.folder / "tables" / f"{item.name}.csv"
        assert table.is_file(), table
        assert len(pd.read_csv(table)) == len(item.result.table())
    assert set(out.figures) >= {"conduct_escalation", "efficacy_pfs", "efficacy_waterfall", "efficacy_spider",
                                "efficacy_swimmer", "pk_concentration_time", "safety_trae", "safety_grade3_trae"}
    assert "pk_nca_xan" not in out.figures  # the 7-panel individual-profile strip is gone (issue 8)
    for name in out.figures:
        png = (out.folder / "figures" / f"{name}.png").read_bytes()
        svg = (out.folder / "figures" / f"{name}.svg").read_text()
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and "<svg" in svg


def test_results_json_keys_and_values(pharmaverse_run):
    _, out, _ = pharmaverse_run
    results = json.loads(out.results_json.read_text(), parse_constant=_reject_nan)
    assert set(results) == set(HEADLINE_KEYS) | set(RESULTS_EXTRA_KEYS)
    assert (results["n_subjects"], results["n_treated"], results["n_placebo"], results["deaths_n"]) == (
        306, 254, 86, 3)
    assert results["dlt_n"] is None and results["dlt_recorded"] is False
    assert results["pk"]["XAN"]["n_subjects"] == 168
    assert [(d["group"], d["dose"], d["n"]) for d in results["pk"]["XAN"]["by_dose"]] == [
        ("Xanomeline Low Dose", 54.0, 96), ("Xanomeline High Dose", 54.0, 72)]
    assert results["exposure_median_weeks"] is not None and results["evaluable_n"] > 0
    assert results["inputs"]["rs_onco"]["used"] and not results["inputs"]["rs_onco_recist"]["used"]
    assert results["abstract"] == write_abstract(results)
    assert results["software"]["python"] and set(SOFTWARE) <= set(results["software"])
    assert any("rs_onco" in n for n in results["notes"])
    # no design, no cohort variable: said so, never guessed
    assert results["design"] is None and results["n_cohorts"] is None and results["recommended_dose"] is None
    assert results["reports"] == {"html": "report.html"}


def test_data_cutoff_is_the_latest_date_in_the_data(pharmaverse_run, pharmaverse_dir):
    """Plain pandas: the latest of DM.DTHDTC and every date the readout uses for the last date known alive
    is on or before the cut-off reported; the latest DS/AE/LB/EX date is not after it either."""
    _, out, _ = pharmaverse_run
    cutoff = pd.Timestamp(out.results["data_cutoff"])
    dm = pd.read_csv(pharmaverse_dir / "dm.csv", dtype=str)
    deaths = pd.to_datetime(dm["DTHDTC"].dropna().str[:10])
    ex = pd.read_csv(pharmaverse_dir / "ex.csv", dtype=str)
    assert deaths.max() <= cutoff
    assert pd.to_datetime(ex["EXENDTC"].dropna().str[:10]).max() <= cutoff


def test_report_sections_abstract_and_figures(pharmaverse_run):
    readout, out, _ = pharmaverse_run
    html = out.report.read_text(encoding="utf-8")
    for sid, heading in SECTIONS.items():
        assert f'<section id="{sid}">' in html and f"<h2>{heading}</h2>" in html
        assert f'<a href="#{sid}">{heading}</a>' in html
    assert str(escape(out.results["abstract"])) in html
    images = re.findall(r'<img src="data:image/png;base64,([^"]+)"', html)
    assert all(base64.b64decode(i)[:8] == b"\x89PNG\r\n\x1a\n" for i in images)
    shown = re.findall(r'<figure class="fig" id="([a-z0-9_]+)-figure">', html)
    assert len(images) == len(shown) and set(shown) <= set(out.figures)
    for name in shown:
        assert f'href="figures/{name}.svg"' in html
    assert "<script" not in html and "<link rel=\"stylesheet\"" not in html  # self-contained, no code


def test_the_escalation_story_is_told(pharmaverse_run):
    """Issue 8: the words cohort, escalation, expansion, recommended dose and data cut-off, the MTD
    statement the readout computes, and the escalation figure."""
    readout, out, _ = pharmaverse_run
    text = _text(out.report.read_text(encoding="utf-8"))
    for words in ("cohort", "escalation", "expansion", "Recommended dose", "Data cut-off",
                  "No design was given"):
        assert words in text, words
    assert readout.get("safety_dlt").statement in text
    assert 'id="conduct_escalation-figure"' in out.report.read_text(encoding="utf-8")


def test_each_methods_paragraph_is_stated_once(pharmaverse_run):
    """Issue 8: the AE methods paragraph was repeated under six headings; now each distinct paragraph is
    one M-number in the methods section and every table refers to it."""
    readout, out, _ = pharmaverse_run
    html = out.report.read_text(encoding="utf-8")
    paragraphs = re.findall(r"<dd>(.*?)</dd>", html, re.S)
    assert len(paragraphs) == len(set(paragraphs))
    for item in readout.items:  # every sentence of every analysis' methods is in the methods section
        for sentence in filter(None, (x.strip() for x in item.result.methods.split(". "))):
            assert str(escape(sentence)) in html, (item.name, sentence)
    for name in ("safety_teae", "efficacy_spider"):  # stated once though other tables extend them
        assert html.count(str(escape(readout.get(name).methods))) == 1, name
    assert 'As <a href="#M' in html
    refs = re.findall(r'methods <a href="#(M\d+)">', html)
    defined = set(re.findall(r'<dt id="(M\d+)">', html))
    assert refs and set(refs) <= defined


def test_tables_are_rounded_and_named_for_readers(pharmaverse_run):
    """No exponent and no more than 3 significant figures in a cell (1.388e+04 and 32.36512288 were shown);
    PK parameters by the names readers know with the CDISC code as tooltip; the pooled column sticky."""
    _, out, _ = pharmaverse_run
    html = out.report.read_text(encoding="utf-8")
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", html)
    assert not [c for c in cells if re.search(r"\d\.?\d*e[+-]\d", c)]
    long = [c for c in cells if re.fullmatch(r"-?\d+\.\d+", c.replace(",", ""))
            and len(c.replace(",", "").replace("-", "").replace(".", "").lstrip("0")) > 3]
    assert not long, long[:10]
    assert '<th title="CDISC PPTESTCD CMAX" class="group" colspan="2">Cmax (ug/mL)</th>' in html \
        or 'title="CDISC PPTESTCD CMAX"' in html
    assert ">Cmax (" in html and ">t1/2 (h)<" in html
    assert 'class="data sticky-r2"' in html  # AE tables: "All active" (any grade, grade >= 3) stays in view


def test_report_inputs_methods_notes_software(pharmaverse_run, pharmaverse_dir):
    """Inputs list every file with its SHA-256 (hashlib here) and rows; methods name their sources."""
    readout, out, _ = pharmaverse_run
    html = out.report.read_text(encoding="utf-8")
    for path in sorted(pharmaverse_dir.glob("*.csv")):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        rows = len(pd.read_csv(path, dtype=str))
        assert re.search(rf"<td>{path.name}</td>.*?<td>{rows}</td>.*?<td[^>]*>{digest}</td>", html, re.S), path.name
    for source in ("Eisenhauer", "Clopper", "Brookmeyer", "Storer", "CTCAE", "admiral", "PKNCA"):
        assert source in html
    assert "AESEV" in html and "No DLT variable (AEDLT)" in html
    assert f"<td>numpy</td><td>{out.results['software']['numpy']}</td>" in html
    assert re.findall(r'<details id="A\d+" class="listing">', html)  # appendices collapsed by default
    assert "<details open" not in html
