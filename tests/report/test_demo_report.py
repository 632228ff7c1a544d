"""The demo's report: the comparison with the published trial, the escalation replay and the Word document.

The comparison is checked against the replicate study it summarises: the same study is run here
again (same preset, seed and size: a replicate study depends on them alone) and its percentiles
are computed with NumPy; this virtual trial's values are those of its readout (results.json) and
of its SDTM files read with plain pandas.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from markupsafe import escape

from doseflow.insilico.headline import PUBLISHED
from doseflow.insilico.preset import load_preset
from doseflow.insilico.replicate import run_replicates


@pytest.fixture(scope="module")
def results(demo_run):
    summary, out = demo_run
    return json.loads((out / "report" / "results.json").read_text())


@pytest.fixture(scope="module")
def comparison(results):
    return {r["figure"]: r for r in results["extra"]["comparison_published"]["rows"]}


def test_comparison_rows_are_the_replicate_study(comparison, demo_run):
    """Every published figure has a row; its percentiles are those of the same replicate study (NumPy's
    linear interpolation of the trials' values, NaN trials left out), rounded to 3 decimals."""
    study = run_replicates(load_preset("gq1001"), demo_run[0]["replicates"], 1, workers=2)
    assert set(comparison) == set(PUBLISHED)
    for figure, row in comparison.items():
        values = study.figures[figure][~np.isnan(study.figures[figure])]
        p5, p25, med, p75, p95 = np.percentile(values, [5, 25, 50, 75, 95])
        assert (row["p5"], row["p25"], row["median"], row["p75"], row["p95"]) == tuple(
            round(float(v), 3) for v in (p5, p25, med, p75, p95)), figure
        assert row["published"] == PUBLISHED[figure].value
        assert row["inside_90"] == bool(round(p5, 3) <= row["published"] <= round(p95, 3))
        assert row["n_trials"] == values.size


def test_this_trials_values_are_its_readout(comparison, results, demo_run):
    """This virtual trial's column: the readout's figures (results.json), and the AE incidences counted here
    with plain pandas from its SDTM AE file (related TEAE = every simulated AE; subjects once per term)."""
    _, out = demo_run
    assert comparison["trae_any_pct"]["observed"] == pytest.approx(results["trae_any_pct"])
    assert comparison["dcr_high_dose_pct"]["observed"] == pytest.approx(results["dcr_pct"])
    assert comparison["n_evaluable_high_dose"]["observed"] == results["evaluable_n"]
    assert comparison["exposure_median_weeks"]["observed"] == pytest.approx(results["exposure_median_weeks"])
    assert comparison["sd_high_dose_pct"]["observed"] == pytest.approx(
        100 * results["bor_counts"]["SD"] / results["evaluable_n"])
    ae = pd.read_csv(out / "sdtm" / "ae.csv")
    n = pd.read_csv(out / "sdtm" / "dm.csv")["USUBJID"].nunique()
    for figure, term in (("pyrexia_pct", "Pyrexia"), ("nausea_pct", "Nausea")):
        hand = 100 * ae.loc[ae["AEDECOD"] == term, "USUBJID"].nunique() / n
        assert comparison[figure]["observed"] == pytest.approx(hand), figure


def test_comparison_section_in_the_report(demo_run, comparison):
    summary, out = demo_run
    html = Path(summary["report"]).read_text(encoding="utf-8")
    assert '<section id="comparison">' in html and "<h2>Virtual trial vs published</h2>" in html
    assert 'id="comparison_published-figure"' in html
    outside = [r["label"] for r in comparison.values() if r["inside_90"] is False]
    if outside:
        assert str(escape("outside the 5-95% range of the virtual trials for: " + "; ".join(outside))) in html
    assert "75% (24/32)" in html and "4.8 months" in html


def test_escalation_replay_of_the_demo(results, demo_run):
    """The demo gives its preset's design; the cohorts of the virtual trial (SUPPDM COHORT, PART, read here
    with pandas) are replayed: 7 escalation cohorts, single patients at levels 1 and 2 (accelerated
    titration), then cohorts of 3, and the expansion patients apart."""
    _, out = demo_run
    supp = pd.read_csv(out / "sdtm" / "suppdm.csv")
    cohort = supp[supp["QNAM"] == "COHORT"].set_index("USUBJID")["QVAL"].astype(int)
    part = supp[supp["QNAM"] == "PART"].set_index("USUBJID")["QVAL"]
    assert results["n_cohorts"] == cohort[cohort > 0].nunique()
    assert results["n_escalation"] == int((part == "ESCALATION").sum())
    assert results["n_expansion"] == int((part == "EXPANSION").sum())
    assert results["design"] == "3+3 + accelerated(max_single_levels=2)"
    esc = pd.read_csv(out / "report" / "tables" / "conduct_escalation.csv")
    first = esc[esc["Cohort"] != "expansion"]
    assert list(first["Patients"][:2]) == [1, 1] and set(first["Patients"][2:]) <= {3, 6}
    assert first["Reason"].str.len().gt(20).all() and first["Decision after the cohort"].ne("").all()
    assert results["recommended_dose"] is not None


def test_word_document_reads_back(demo_run):
    """python-docx reads the document back: the key figures, the cohort table with its grouped headers, one
    table per body table, and the section headings."""
    from docx import Document

    summary, out = demo_run
    doc = Document(str(out / "report" / "report.docx"))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    for heading in ("Summary", "Design and conduct", "Safety", "Pharmacokinetics", "Efficacy",
                    "Virtual trial vs published", "Methods", "Appendices"):
        assert heading in headings
    html = Path(summary["report"]).read_text(encoding="utf-8")
    n_body = html.count('<p class="caption"><strong>Table ')
    assert len(doc.tables) == n_body + 1  # + the key figures
    assert [c.text for c in doc.tables[0].rows[0].cells] == ["Key figure", "Value"]
    ae = next(t for t in doc.tables if t.rows[0].cells[0].text == "System organ class / preferred term")
    top = [c.text for c in ae.rows[0].cells]
    assert top[-1] == top[-2] == "Overall (N=32)"  # the merged group header of the pooled column
    assert [c.text for c in ae.rows[1].cells][-2:] == ["any grade", "Grade >= 3"]
    captions = [p.text for p in doc.paragraphs if p.style.name == "Caption"]
    assert any(c.startswith("Table 1. ") for c in captions) and any(c.startswith("Figure 1. ") for c in captions)
