"""What every command prints with: one Rich console on standard output (plain text when not a terminal)."""

from __future__ import annotations

from rich.console import Console

__all__ = ["console"]

console = Console(highlight=False)
