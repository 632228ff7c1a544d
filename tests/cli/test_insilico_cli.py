"""``doseflow insilico run | replicate``: JSON contracts and one-line errors."""

import json

from doseflow.cli.app import main
from doseflow.insilico.headline import HEADLINE_FIGURES


def test_replicate_json_keys(capsys):
    rc = main(["insilico", "replicate", "--trials", "2", "--seed", "1", "--workers", "1", "--json"])
    assert rc == 0
    d = json.loads(capsys.readouterr().out)
    assert set(d) == {"trials", "seed", "no_dlt_fraction", "medians", "percentiles", "quartiles", "published"}
    assert set(d["medians"]) == set(HEADLINE_FIGURES) and d["published"]["pfs_median_months"]["value"] == 4.8
    assert d["trials"] == 2 and d["seed"] == 1


def test_replicate_table(capsys):
    assert main(["insilico", "replicate", "--trials", "2", "--seed", "1", "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert "Confirmed" in out and "75% (24/32)" in out


def test_run_writes_sdtm(tmp_path, capsys):
    out = tmp_path / "trial"
    assert main(["insilico", "run", "--seed", "1", "--out", str(out), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert {"seed", "preset", "out", "format", "files", "patients", "dlt", "high_dose"} <= set(d)
    assert d["patients"] == 32
    from pathlib import Path

    assert d["files"] and all(Path(f).exists() for f in d["files"].values())
    assert (out / "dm.csv").exists() or (out / "patients.csv").exists()


def test_errors_exit_2_with_one_line(tmp_path, capsys):
    assert main(["insilico", "replicate", "--trials", "0", "--seed", "1", "--json"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --trials") and err.count("\n") == 1
    assert main(["insilico", "run", "--seed", "1", "--out", str(tmp_path), "--preset", "nope.toml"]) == 2
    assert "error: --preset" in capsys.readouterr().err


def test_run_writes_xpt_that_the_readout_reads(tmp_path, capsys):
    """--format xpt writes SAS transport files; `doseflow analyze` reads them like the CSV ones."""
    assert main(["insilico", "run", "--seed", "1", "--out", str(tmp_path / "xpt"), "--format", "xpt", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["format"] == "sdtm-xpt" and all(f.endswith(".xpt") for f in summary["files"].values())
    assert main(["analyze", str(tmp_path / "xpt"), "--out", str(tmp_path / "report"), "--json"]) == 0
    results = json.loads(capsys.readouterr().out)
    assert results["n_treated"] == summary["patients"] == 32
    assert main(["insilico", "run", "--seed", "1", "--out", str(tmp_path / "x"), "--format", "sas"]) == 2
    assert capsys.readouterr().err.strip() == "error: --format: must be one of 'csv', 'xpt'; got 'sas'."
