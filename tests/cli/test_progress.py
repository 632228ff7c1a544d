"""Long work shows a Rich progress bar on a terminal (standard error) and nothing otherwise."""

from __future__ import annotations

import io
import json
import shutil
import sys

import pytest

from doseflow.cli.app import main
from doseflow.cli.progress import progress_bar

SCENARIO = "0.05,0.15,0.30,0.45,0.60"


class Terminal(io.StringIO):
    """Standard error as a terminal would be: Rich draws its live bar on it."""

    def isatty(self) -> bool:
        return True


def run_on_terminal(monkeypatch, capsys, argv: list[str]) -> tuple[int, str, str]:
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    rc = main(argv)
    return rc, capsys.readouterr().out, terminal.getvalue()


def test_progress_bar_updates_on_a_terminal_and_is_silent_otherwise(monkeypatch):
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with progress_bar("counting", total=4) as update:
        for done in range(1, 5):
            update(done, description="counting sheep")
    assert "counting sheep" in terminal.getvalue() and "4/4" in terminal.getvalue()
    quiet = io.StringIO()
    monkeypatch.setattr(sys, "stderr", quiet)
    with progress_bar("counting", total=4) as update:
        update(4)
    assert quiet.getvalue() == ""


@pytest.mark.parametrize("argv, label", [
    (["simulate", "boin", "--max-n", "30", "--true-dlt", SCENARIO, "--trials", "4000", "--chunk-size", "1000"],
     "simulating"),
    (["simulate", "3+3", "--true-dlt", SCENARIO, "--exact"], "enumerating paths"),
    (["insilico", "replicate", "--trials", "2", "--seed", "1"], "virtual trials"),
], ids=["simulate", "simulate-exact", "insilico-replicate"])
def test_long_commands_show_progress_on_a_terminal_only(monkeypatch, capsys, argv, label):
    rc, out, err = run_on_terminal(monkeypatch, capsys, [*argv, "--json"])
    assert rc == 0 and label in err
    json.loads(out)  # the bar never mixes into standard output
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert main([*argv, "--json"]) == 0
    assert sys.stderr.getvalue() == ""


def test_compare_shows_progress(monkeypatch, capsys, tmp_path):
    study = tmp_path / "study.toml"
    study.write_text('[study]\ntrials = 500\n[designs.A]\ndesign = "3+3"\n[scenarios.S]\ntrue_dlt = [0.1, 0.3]\n')
    rc, _, err = run_on_terminal(monkeypatch, capsys, ["compare", "--config", str(study), "--out", str(tmp_path / "o")])
    assert rc == 0 and "comparing" in err and "1/1" in err


def test_analyze_shows_its_stages(monkeypatch, capsys, tmp_path, pharmaverse_dir):
    for name in ("dm", "ex", "ds"):
        shutil.copy(pharmaverse_dir / f"{name}.csv", tmp_path)
    rc, _, err = run_on_terminal(monkeypatch, capsys, ["analyze", str(tmp_path), "--out", str(tmp_path / "o")])
    assert rc == 0 and "writing report" in err


def test_demo_shows_its_steps(monkeypatch, capsys, tmp_path):
    """The demo's progress callback moves the bar (the demo itself is tested in test_demo_cli.py)."""
    import doseflow.conduct.workflows as workflows

    def fake_demo(out, *, progress, **options):
        for i, step in enumerate(workflows.DEMO_STEPS):
            progress(step, i)
        return {"sdtm": "s", "patients": 0, "reports": {"html": "r"}, "results": {"abstract": ""}}

    monkeypatch.setattr(workflows, "run_demo", fake_demo)
    rc, _, err = run_on_terminal(monkeypatch, capsys, ["demo", "--out", str(tmp_path / "d")])
    assert rc == 0 and workflows.DEMO_STEPS[-1] in err
