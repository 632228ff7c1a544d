"""How the help pages show options: a switch as a switch, a value by its metavar.

Typer's rich help prints a type after every option, ``<bool>`` after a switch too (``--json
<bool>``, ``--help <bool>``), as if it took a value. Every doseflow command and group is
made with the classes here, which give each switch an empty metavar, so ``--json`` shows
alone. Options that take a value carry an explicit metavar where they are declared
(``INTEGER``, ``NUMBER``, ``NUMBERS``, ``COUNTS``, ``TEXT``, ``FILE``, ``FOLDER``).
"""

from __future__ import annotations

from typing import Any

from typer.core import TyperCommand, TyperGroup

__all__ = ["Command", "Group"]


def _switches_as_switches(params: list[Any]) -> list[Any]:
    for param in params:
        if getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = ""
    return params


class Command(TyperCommand):
    """A command whose help shows switches without a value type."""

    def get_params(self, ctx: Any) -> list[Any]:
        return _switches_as_switches(super().get_params(ctx))


class Group(TyperGroup):
    """A group of commands whose help shows switches without a value type."""

    def get_params(self, ctx: Any) -> list[Any]:
        return _switches_as_switches(super().get_params(ctx))
