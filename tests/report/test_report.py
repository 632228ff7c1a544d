"""The output folder of a pharmaverse readout: report.html, tables, figures and results.json.

The pipeline runs once per session (the same cached run as tests/readout/test_pipeline.py).
Expected numbers are plain-pandas facts of the pharmaverse files (306 subjects in DM, 254
treated, 3 deaths, 168 with measurable xanomeline; data README) and SHA-256 digests computed
here with hashlib.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re

import pandas as pd
from markupsafe import escape

from doseflow.readout.abstract import HEADLINE_KEYS, write_abstract
from doseflow.report.html import REPORT_SECTIONS, SOFTWARE
from doseflow.report.outputs import RESULTS_EXTRA_KEYS




def _reject_nan(token):
    raise AssertionError(f"results.json holds {token}")


def test_every_table_and_figure_file_exists(pharmaverse_run):
    readout, out, _ = pharmaverse_run
    for item in readout.items:
        table = out.folder / "tables" / f"{item.name}.csv"
        assert table.is_file(), table
        assert len(pd.read_csv(table)) == len(item.result.table())
    assert set(out.figures) >= {"efficacy_pfs", "efficacy_waterfall", "efficacy_spider", "efficacy_swimmer",
                                "pk_nca_xan", "pk_mean_concentration_xan", "safety_trae"}
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


def test_report_sections_abstract_and_figures(pharmaverse_run):
    readout, out, _ = pharmaverse_run
    html = out.report.read_text(encoding="utf-8")
    for sid, heading in REPORT_SECTIONS.items():
        assert f'<section id="{sid}">' in html and f"<h2>{heading}</h2>" in html
        assert f'<a href="#{sid}">{heading}</a>' in html
    assert str(escape(out.results["abstract"])) in html
    images = re.findall(r'<img src="data:image/png;base64,([^"]+)"', html)
    assert len(images) == len(out.figures)
    assert all(base64.b64decode(i)[:8] == b"\x89PNG\r\n\x1a\n" for i in images)
    for name in out.figures:
        assert f'href="figures/{name}.svg"' in html
    assert "<script" not in html and "<link rel=\"stylesheet\"" not in html  # self-contained, no code


def test_report_inputs_methods_notes_software(pharmaverse_run, pharmaverse_dir):
    """Inputs list every file with its SHA-256 (hashlib here) and rows; methods name their sources."""
    readout, out, _ = pharmaverse_run
    html = out.report.read_text(encoding="utf-8")
    for path in sorted(pharmaverse_dir.glob("*.csv")):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        rows = len(pd.read_csv(path, dtype=str))
        assert re.search(rf"<td>{path.name}</td>.*?<td>{rows}</td>.*?<code>{digest}</code>", html, re.S), path.name
    for source in ("Eisenhauer", "Clopper", "Brookmeyer", "Storer", "CTCAE", "admiral", "PKNCA"):
        assert source in html
    for item in readout.items:
        assert f'<dt><a href="#{item.name}">' in html
    assert "AESEV" in html and "No DLT variable (AEDLT)" in html
    assert f"<td>numpy</td><td>{out.results['software']['numpy']}</td>" in html
