"""Printing tables that fit the terminal: a Rich table when it fits, one block per row when not.

A table too wide for the terminal is squeezed by Rich into cells that end in "..." where
their words do not fit. Each table is therefore laid out first; if any cell would be cut,
it is printed instead as one block of ``column: value`` lines per row, so no value is ever
cut and nothing is printed empty. Output that is not a terminal is laid out for 80
columns (or ``COLUMNS``).
"""

from __future__ import annotations

from typing import Any

from doseflow.cli.console import console

__all__ = ["print_table"]

#: What Rich ends a cut cell with.
ELLIPSIS = "\u2026"


def print_table(table: Any) -> None:
    """Print a ``rich.table.Table`` on the shared console, as a table if no cell is cut, else row by row."""
    from rich.text import Text

    with console.capture() as capture:
        console.print(table)
    rendered = capture.get()
    if ELLIPSIS not in rendered:
        console.file.write(rendered)
        return
    if table.title:
        console.print(Text.from_markup(str(table.title), style="bold"))
    headers = [Text.from_markup(str(c.header)).plain for c in table.columns]
    for row in zip(*(list(c.cells) for c in table.columns)):
        console.print()
        for header, cell in zip(headers, row):
            text = cell if isinstance(cell, Text) else Text.from_markup(str(cell))
            console.print(Text.assemble((f"{header}: ", "bold"), text))
    if table.caption:
        console.print()
        console.print(Text.from_markup(str(table.caption), style="dim"))
