"""Run ``doseflow`` in-process through its console entry point (:func:`doseflow.cli.app.main`)."""

from __future__ import annotations

import contextlib
import io
import sys
from dataclasses import dataclass

from doseflow.cli.app import main

__all__ = ["CliResult", "run_cli"]


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


def run_cli(*args: str, stdin: str = "") -> CliResult:
    """``doseflow ARGS`` with ``stdin`` as standard input: exit status, standard output and error."""
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(args))
    finally:
        sys.stdin = saved
    return CliResult(code, out.getvalue(), err.getvalue())
