"""Every worked example under docs/examples runs and its own assertions hold."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "docs" / "examples").glob("*.py"))


def test_examples_exist():
    assert [p.name for p in EXAMPLES] == [
        "designs_quickstart.py", "insilico_virtual_trial.py", "model_based_designs.py", "readout_pharmaverse.py",
        "simulation_compare.py"]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(path, capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    runpy.run_path(str(path), run_name="__main__")
    assert capsys.readouterr().out.strip() != ""


def test_readme_python_quick_start_runs(capsys):
    """The README's Python quick start is executed as written."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    block = readme.split("```python\n", 1)[1].split("```", 1)[0]
    exec(compile(block, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "between the escalation boundary 0.236 and the de-escalation boundary 0.359" in out
    assert "3+3.expand" in out
