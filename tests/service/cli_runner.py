"""Run doseflow's service commands in-process with Typer's runner (the commands of this issue)."""

from __future__ import annotations

from typer.testing import CliRunner

from doseflow.cli import audit_cmd, db_cmd, serve_cmd, users_cmd  # noqa: F401  (register the commands)
from doseflow.cli.app import app

__all__ = ["run_cli"]


def run_cli(*args: str, stdin: str | None = None):
    """The result (exit_code, stdout, stderr) of ``doseflow ARGS``."""
    return CliRunner().invoke(app, list(args), input=stdin)
