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
    cfg = tmp_path / "readout.toml"
    cfg.write_text('[population]\ndose_by = "arm"\n')
    assert main(["analyze", str(small_folder), "--out", str(tmp_path / "o"), "--config", str(cfg), "--json"]) == 0
    levels = json.loads(capsys.readouterr().out)["dose_levels"]
    assert [(lv["label"], lv["n"]) for lv in levels] == [("Placebo", 86), ("Xanomeline Low Dose", 96),
                                                        ("Xanomeline High Dose", 72)]


@pytest.mark.parametrize("case, expected", [
    ("missing_folder", "error: SDTM_DIR: must be an existing folder of SDTM .csv or .xpt files; got '"),
    ("bad_toml", "error: readout.toml: must be valid TOML; got "),
    ("bad_value", "error: readout.toml [efficacy] conf_type: must be one of 'log', 'log-log'; got 'plain'."),
    ("no_dm", "error: "),
    ("bad_data", "error: ex.csv row 2, column EXDOSE: must be "),
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
    rc = main(["analyze", str(folder), "--out", str(tmp_path / "o"), *args])
    err = capsys.readouterr().err
    assert rc == 2
    assert err.startswith(expected) and err.count("\n") == 1, err
