"""Progress of long work: a Rich bar on standard error when it is a terminal, nothing otherwise.

One bar for every long command (``simulate``, ``compare``, ``insilico replicate``,
``analyze``, ``demo``), so they look and behave alike: description, bar, done/total,
elapsed and remaining time; the bar is removed when the work ends. Standard output is never
touched, so ``--json`` output piped or redirected stays clean while a person at the terminal
still sees the work advance. Rich is imported only when a bar is shown.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["progress_bar", "shows_progress", "Update"]

#: ``update(done, total=None, description=None)``: move the bar (``total`` None keeps it).
Update = Callable[..., None]


def shows_progress() -> bool:
    """Whether a bar would be shown: standard error is a terminal."""
    isatty = getattr(sys.stderr, "isatty", None)
    return bool(isatty and isatty())


def _ignore(done: int, total: int | None = None, description: str | None = None) -> None:
    """The update of a run with no terminal: nothing to show."""


@contextmanager
def progress_bar(description: str, total: int | None = None) -> Iterator[Update]:
    """A progress bar on standard error for the work inside the ``with`` block.

    Yields ``update(done, total=None, description=None)``, which moves the bar on a
    terminal and does nothing otherwise. A ``total`` of None shows a pulsing bar until an
    update gives one.
    """
    if not shows_progress():
        yield _ignore
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (TextColumn("{task.description:<16}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(description, total=total)

        def update(done: int, total: int | None = None, description: str | None = None) -> None:
            changes: dict = {"completed": done}
            if total is not None:
                changes["total"] = total
            if description is not None:
                changes["description"] = description
            bar.update(task, **changes)

        yield update
