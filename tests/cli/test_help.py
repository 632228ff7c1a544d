"""Help pages: switches shown as switches, numbers as numbers with their bounds, design names listed, an example each."""

from __future__ import annotations

import re

import pytest
import typer

from doseflow.cli.app import _register, app, main
from doseflow.designs.registry import design_classes


def leaf_commands() -> list[tuple[list[str], object]]:
    """(path, click command) of every command of the application, e.g. (["insilico", "run"], ...)."""
    _register()
    out = []

    def walk(path: list[str], command) -> None:
        subs = getattr(command, "commands", None)
        if subs:
            for name, sub in subs.items():
                walk([*path, name], sub)
        else:
            out.append((path, command))

    walk([], typer.main.get_command(app))
    return out


COMMANDS = leaf_commands()


def help_of(capsys, monkeypatch, path: list[str], columns: int = 100) -> str:
    monkeypatch.setenv("COLUMNS", str(columns))
    assert main([*path, "--help"]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("path, command", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_every_option_shows_what_it_takes(path, command):
    """A switch has no value type; an option that takes a value names it (INTEGER, NUMBER, COUNTS, FILE, ...)."""
    for param in command.params:
        if getattr(param, "param_type_name", "") != "option":
            continue
        if not param.is_flag:
            assert re.fullmatch(r"[A-Z]+(\|[A-Z]+)?|\[\w+(\|\w+)+\]", param.metavar or ""), (path, param.opts)


@pytest.mark.parametrize("path, command", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_help_page_has_no_type_placeholders_and_ends_with_an_example(capsys, monkeypatch, path, command):
    text = help_of(capsys, monkeypatch, path)
    assert "<bool>" not in text and "<int" not in text and "<float" not in text, text
    options_part = text.split("Options")[-1]
    assert "<str>" not in options_part and "<path>" not in options_part, text
    assert f"Example: doseflow {' '.join(path)}" in text or (path == ["scenarios"] and "Example: doseflow" in text)


def test_numbers_show_their_bounds(capsys, monkeypatch):
    text = " ".join(help_of(capsys, monkeypatch, ["boundaries"], columns=200).split())
    assert "--cohorts INTEGER" in text and "a whole number in [1, 100]" in text
    text = " ".join(help_of(capsys, monkeypatch, ["simulate"], columns=200).split())
    for bounds in ("a whole number in [1, 100,000,000]", "a whole number in [0, 2^63 - 1]",
                   "a whole number in [1, 64]", "a number in (0, 3650]", "a number in [0.001, 10000]"):
        assert bounds in text, bounds


@pytest.mark.parametrize("command", ["next", "mtd", "simulate", "paths"])
def test_design_argument_lists_the_designs(capsys, monkeypatch, command):
    text = " ".join(help_of(capsys, monkeypatch, [command], columns=200).split())
    assert "The design: " + ", ".join(design_classes()) in text


def test_boundaries_lists_the_designs_with_a_table(capsys, monkeypatch):
    text = " ".join(help_of(capsys, monkeypatch, ["boundaries"], columns=200).split())
    assert "The design: 3+3, boin, i3+3, keyboard, mtpi2, tite-boin (see" in text


def test_pending_is_documented_for_every_design(capsys, monkeypatch):
    text = " ".join(help_of(capsys, monkeypatch, ["next"], columns=200).split()).replace("│ ", "")
    assert "every design reads it: interval designs (boin, keyboard, mtpi2, i3+3) decide from the evaluated patients" in text


def flat(text: str) -> str:
    return " ".join(text.replace("│", " ").split())


@pytest.mark.parametrize("path, command", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_every_help_text_is_printed_whole(capsys, monkeypatch, path, command):
    """Rich markup would swallow an unescaped "[study]": every option's help must appear as written."""
    text = flat(help_of(capsys, monkeypatch, path, columns=250))
    for param in command.params:
        if param.help:
            assert flat(param.help.replace("\\[", "[")) in text, (path, param.help)
