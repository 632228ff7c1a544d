"""The ``doseflow`` Typer application and its error contract.

Every command takes ``--json`` for machine-readable output (the JSON keys are part of the
contract, documented per command). Wrong input prints one line ``error: ...`` naming the
option and the value on standard error and exits with status 2, never a traceback.
"""

from __future__ import annotations

import functools

import typer

from doseflow import __version__
from doseflow.cli.help_style import Group
from doseflow.errors import DoseflowError

app = typer.Typer(
    name="doseflow",
    help="Design, simulate and read out first-in-human dose-escalation trials.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=Group,
)

EXIT_INPUT = 2
#: Exit status after Ctrl-C (128 + SIGINT, the shells' convention).
EXIT_INTERRUPTED = 130


def _version(value: bool) -> None:
    if value:
        typer.echo(f"doseflow {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
) -> None:
    """Design, simulate and read out first-in-human dose-escalation trials."""


@functools.cache
def _register() -> None:
    """Add the commands, once: each module of one user task holds a Typer app of its commands.

    The modules import at their top only what declaring their options needs (Typer, the
    design registry); what a command computes with (the simulation engine, the readout,
    the report, pandas, matplotlib) is imported inside the command, so that
    ``doseflow --version`` and the design commands start in a fraction of a second
    (``benchmarks/cli_startup.py``).
    """
    from doseflow.cli import (
        analyze_cmd,
        audit_cmd,
        compare_cmd,
        db_cmd,
        demo_cmd,
        designs_cmd,
        insilico_cmd,
        paths_cmd,
        serve_cmd,
        simulate_cmd,
        skeleton_cmd,
        users_cmd,
    )

    for module in (designs_cmd, skeleton_cmd, simulate_cmd, compare_cmd, paths_cmd, insilico_cmd, analyze_cmd, demo_cmd,
                   serve_cmd, db_cmd, audit_cmd, users_cmd):
        app.add_typer(module.commands)


def _usage_error_line(exc: BaseException) -> str | None:
    """The one-line message of a command-line usage error (Typer's click), else None.

    Typer vendors click in recent releases and used the click package before, so usage
    errors are recognised by their interface (``format_message`` and exit code 2), not
    by a class from one or the other.
    """
    if getattr(exc, "exit_code", None) == EXIT_INPUT and hasattr(exc, "format_message"):
        return " ".join(str(exc.format_message()).split())
    return None


def main(argv: list[str] | None = None) -> int:
    """Console entry point: run the app, turning every input error into one line and exit 2.

    A file or folder that cannot be read or written (``OSError``) is an input error too,
    named by its path; Ctrl-C ends with one line and status 130.
    """
    _register()
    try:
        rc = app(args=argv, standalone_mode=False)
    except DoseflowError as exc:
        typer.echo(f"error: {exc}", err=True)
        return EXIT_INPUT
    except OSError as exc:
        where = exc.filename if exc.filename is not None else "file"
        typer.echo(f"error: {where}: {exc.strerror or exc}.", err=True)
        return EXIT_INPUT
    except KeyboardInterrupt:
        typer.echo("error: interrupted", err=True)
        return EXIT_INTERRUPTED
    except Exception as exc:  # usage errors, Exit and Abort of Typer's click
        name = type(exc).__name__
        if name == "NoArgsIsHelpError":
            typer.echo(exc.format_message(), err=True)  # type: ignore[attr-defined]
            return 0
        line = _usage_error_line(exc)
        if line is not None:
            typer.echo(f"error: {line}", err=True)
            return EXIT_INPUT
        if name == "Exit":
            return int(getattr(exc, "exit_code", 0))
        if name == "Abort":  # click's form of Ctrl-C (and of end of input at a prompt)
            typer.echo("error: interrupted", err=True)
            return EXIT_INTERRUPTED
        raise
    return rc if isinstance(rc, int) else 0

