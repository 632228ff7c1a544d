"""``doseflow analyze``: outputs, --json, quiet when not a terminal, one-line errors with exit 2.

Runs on the pharmaverse DM, EX and DS only (fast); the full pharmaverse folder is covered by
tests/readout/test_pipeline.py and tests/report/. Expected numbers: 306 subjects in DM, 254
treated (plain pandas facts of the files, data README).
"""

from __future__ import annotations

import json
import shutil

import pytest

from doseflow.cli.app import main


@pytest.fixture(scope="module")
def small_folder(tmp_path_factory, pharmaverse_dir):
    folder = tmp_path_factory.mktemp("cli_sdtm")
    for name in ("dm", "ex", "ds"):
        shutil.copy(pharmaverse_dir / f"{name}.csv", folder)
    return folder


def test_analyze_writes_outputs_and_says_where(small_folder, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["analyze", str(small_folder), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == f"report: {out / 'report.html'}"
    assert captured.err == ""  # not a terminal: no progress bar
    assert (out / "report.html").is_file() and (out / "results.json").is_file()
    assert (out / "tables" / "population_sets.csv").is_file()


def test_analyze_json_prints_results(small_folder, tmp_path, capsys):
    assert main(["analyze", str(small_folder), "--out", str(tmp_path / "o"), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads((tmp_path / "o" / "results.json").read_text())
    assert (printed["n_subjects"], printed["n_treated"]) == (306, 254)
    assert printed["orr_pct"] is None and any("no RS dataset" in n for n in printed["notes"])


def test_analyze_reads_the_config(small_folder, tmp_path, capsys):
    """By default the groups are the arms (the low and high dose arms both start at 54 mg);
    ``dose_by = "first_dose"`` in the config groups by the first dose instead."""
    cfg = tmp_path / "readout.toml"
    cfg.write_text('[population]\ndose_by = "first_dose"\n')
    assert main(["analyze", str(small_folder), "--out", str(tmp_path / "o"), "--config", str(cfg), "--json"]) == 0
    levels = json.loads(capsys.readouterr().out)["dose_levels"]
    assert [(lv["label"], lv["n"]) for lv in levels] == [("Placebo", 86), ("54 mg", 168)]


def test_rerun_into_an_old_folder_removes_its_stale_tables(small_folder, tmp_path, capsys):
    """Issue 7: re-running into an earlier output folder left its tables (e.g. the safety tables of a
    readout with AE) beside the new ones; now they are removed and the result line counts them."""
    out = tmp_path / "out"
    (out / "tables").mkdir(parents=True)
    (out / "figures").mkdir()
    for stale in ("tables/safety_teae.csv", "figures/safety_teae.png", "figures/safety_teae.svg"):
        (out / stale).write_text("from an earlier run")
    (out / "tables" / "my_notes.txt").write_text("not ours")
    assert main(["analyze", str(small_folder), "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip() == (f"report: {out / 'report.html'} (3 file(s) of an earlier "
                                               "readout removed)")
    assert not (out / "tables" / "safety_teae.csv").exists() and not (out / "figures" / "safety_teae.png").exists()
    assert (out / "tables" / "my_notes.txt").exists() and (out / "tables" / "population_sets.csv").exists()
    notes = json.loads((out / "results.json").read_text())["notes"]
    assert notes[-1].startswith("3 file(s) of an earlier readout in")


@pytest.mark.parametrize("case, expected", [
    ("missing_folder", "error: SDTM_DIR: must be an existing folder of SDTM .csv or .xpt files; got '"),
    ("bad_toml", "error: readout.toml: must be valid TOML; got "),
    ("bad_value", "error: readout.toml [efficacy] conf_type: must be one of 'log', 'log-log'; got 'plain'."),
    ("no_dm", "error: "),
    ("bad_data", "error: ex.csv row 2, column EXDOSE: must be "),
    ("empty_out", "error: --out: must be a folder path (an empty one would write into the current folder); got ''."),
])
def test_wrong_input_is_one_line_and_exit_2(case, expected, small_folder, tmp_path, capsys):
    folder, args = small_folder, []
    cfg = tmp_path / "readout.toml"
    if case == "missing_folder":
        folder = tmp_path / "absent"
    elif case == "bad_toml":
        cfg.write_text("[efficacy\n")
        args = ["--config", str(cfg)]
    elif case == "bad_value":
        cfg.write_text('[efficacy]\nconf_type = "plain"\n')
        args = ["--config", str(cfg)]
    elif case == "empty_out":
        pass
    elif case == "no_dm":
        folder = tmp_path / "sdtm"
        folder.mkdir()
        shutil.copy(small_folder / "ex.csv", folder)
    else:
        folder = tmp_path / "sdtm"
        folder.mkdir()
        for name in ("dm", "ds"):
            shutil.copy(small_folder / f"{name}.csv", folder)
        lines = (small_folder / "ex.csv").read_text().splitlines()
        head, first = lines[0].split(","), lines[1].split(",")
        first[head.index("EXDOSE")] = "fifty"
        (folder / "ex.csv").write_text("\n".join([lines[0], ",".join(first), *lines[2:]]) + "\n")
    out = "" if case == "empty_out" else str(tmp_path / "o")
    rc = main(["analyze", str(folder), "--out", out, *args])
    err = capsys.readouterr().err
    assert rc == 2
    assert err.startswith(expected) and err.count("\n") == 1, err
