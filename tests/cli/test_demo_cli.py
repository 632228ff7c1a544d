"""`doseflow demo`: virtual trial -> SDTM -> readout -> report, in one command."""

from __future__ import annotations

import json

from doseflow.cli.app import main
from doseflow.conduct.workflows import MARKER


def test_demo_writes_sdtm_and_report_and_replaces_its_own_output(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out), "--seed", "1", "--replicates", "4", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert set(summary) == {"out", "sdtm", "report", "reports", "seed", "preset", "patients", "replicates", "results"}
    assert summary["replicates"] == 4 and summary["reports"] == {"html": summary["report"]}
    assert summary["patients"] == 32 and summary["preset"] == "gq1001"
    for name in ("dm", "ex", "ae", "suppae", "lb", "pc", "tu", "tr", "rs", "ds", "suppdm"):
        assert (out / "sdtm" / f"{name}.csv").is_file(), name
    assert (out / "report" / "report.html").is_file() and (out / "report" / "results.json").is_file()
    results = summary["results"]
    assert results["n_treated"] == 32
    assert [lv["dose"] for lv in results["dose_levels"]] == [1.2, 2.4, 3.6, 4.8, 6.0, 7.2, 8.4]
    assert results["evaluable_min_dose"] == 7.2
    assert (out / MARKER).is_file()
    # the same folder again: an earlier demo's output is replaced, the same seed gives the same trial
    (out / "report" / "stale.txt").write_text("old")
    assert main(["demo", "--out", str(out), "--seed", "1", "--replicates", "0", "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert not (out / "report" / "stale.txt").exists()
    assert again["results"]["abstract"] == results["abstract"]


def test_demo_bad_replicates_and_format_are_one_line_errors(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path / "d"), "--replicates", "-1"]) == 2
    assert capsys.readouterr().err == "error: --replicates: must be a whole number >= 0; got -1.\n"
    assert main(["demo", "--out", str(tmp_path / "d"), "--replicates", "10001"]) == 2
    assert capsys.readouterr().err == "error: --replicates: must be a whole number <= 10000; got 10001.\n"
    assert main(["demo", "--out", str(tmp_path / "d"), "--format", "odt"]) == 2
    assert capsys.readouterr().err == "error: --format: must be one of 'html', 'pdf', 'docx'; got 'odt'.\n"
    assert not (tmp_path / "d").exists()  # nothing written before the options are checked


def test_demo_refuses_a_folder_with_other_files(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    assert main(["demo", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: --out: must be an empty folder or an earlier demo's output; got '{tmp_path}'.")
    assert (tmp_path / "notes.txt").read_text() == "mine"
