"""Tables fit the terminal: at 80 columns and at 40 nothing is cut ("...") and no table is printed empty."""

from __future__ import annotations

import pytest

from doseflow.cli.app import main
from doseflow.cli.tables import ELLIPSIS


def output(capsys, monkeypatch, columns: int, *argv: str) -> str:
    monkeypatch.setenv("COLUMNS", str(columns))
    assert main(list(argv)) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("columns", [80, 40, 20])
def test_boundaries_prints_every_row_whole(capsys, monkeypatch, columns):
    """BOIN target 0.3, cohorts of 3, 2 cohorts: n = 1..6 with e, d, x of ../shared/reference/boin.md."""
    text = output(capsys, monkeypatch, columns, "boundaries", "boin", "--cohorts", "2")
    assert ELLIPSIS not in text
    assert all(len(line) <= columns for line in text.splitlines())
    expected = [["1", "0", "1", "-"], ["2", "0", "1", "-"], ["3", "0", "2", "3"], ["4", "0", "2", "3"],
                ["5", "1", "2", "4"], ["6", "1", "3", "4"]]
    if columns >= 40:  # a table: one row per n
        rows = [line.split() for line in text.splitlines() if line.split()[:1] and line.split()[0].isdigit()]
        assert rows == expected
    else:  # too narrow for the four columns: one block of "column: value" lines per n
        pairs = [line.split(": ") for line in text.splitlines() if ": " in line]
        values = [v.strip() for k, v in pairs if k in ("n", "escalate", "de-escalate", "eliminate")]
        assert [values[i:i + 4] for i in range(0, len(values), 4)] == expected


@pytest.mark.parametrize("argv", [["designs"], ["scenarios"], ["paths", "boin", "--from", "1NNN", "--cohorts", "1"]],
                         ids=["designs", "scenarios", "paths"])
@pytest.mark.parametrize("columns", [80, 40])
def test_wide_tables_are_never_cut(capsys, monkeypatch, argv, columns):
    text = output(capsys, monkeypatch, columns, *argv)
    assert ELLIPSIS not in text and text.strip()
    assert all(len(line) <= columns for line in text.splitlines())


def test_designs_reads_at_80_columns(capsys, monkeypatch):
    """Every design's name, options and citation on the page at 80 columns, as a table."""
    text = output(capsys, monkeypatch, 80, "designs")
    assert "options: --target, --cohort-size, --start-dose" in text and "Liu S, Yuan Y (2015)" in text
    assert "wrappers: add to any design" in text
