"""The ``doseflow`` Typer application and its error contract.

Every command takes ``--json`` for machine-readable output (the JSON keys are part of the
contract, documented per command). Wrong input prints one line ``error: ...`` naming the
option and the value on standard error and exits with status 2, never a traceback.
"""

from __future__ import annotations

import importlib
import sys

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


#: The command-line commands in the order the help lists them, each with the module (one per
#: user task, holding a Typer app of its commands) that declares it. Running one command
#: imports its module only; ``--help``, no command or an unknown one import them all.
#: ``tests/cli/test_startup.py`` checks this table against what the modules declare.
COMMAND_MODULES: dict[str, str] = {
    "designs": "designs_cmd", "boundaries": "designs_cmd", "next": "designs_cmd", "mtd": "designs_cmd",
    "skeleton": "skeleton_cmd", "simulate": "simulate_cmd", "scenarios": "simulate_cmd", "compare": "compare_cmd",
    "paths": "paths_cmd", "insilico": "insilico_cmd", "analyze": "analyze_cmd", "demo": "demo_cmd",
    "serve": "serve_cmd", "db": "db_cmd", "audit": "audit_cmd", "users": "users_cmd",
}
_MODULE_ORDER = tuple(dict.fromkeys(COMMAND_MODULES.values()))
_registered: list[str] = []


def _register(argv: list[str] | None = None) -> None:
    """Add the commands that ``argv`` may run to the application (all of them when ``argv`` is None).

    The command modules import at their top only what declaring their options needs (Typer,
    the design registry); what a command computes with (the simulation engine, the readout,
    the report, pandas, matplotlib) is imported inside the command. Only the module of the
    command being run is imported, so ``doseflow --version`` and the design commands start
    in a fraction of a second (``benchmarks/cli_startup.py``). A module is added once; the
    help lists the commands in the order of :data:`COMMAND_MODULES` whatever was added first.
    """
    if argv is None:
        wanted = set(_MODULE_ORDER)
    elif argv[:1] == ["--version"]:
        wanted = set()
    elif argv and argv[0] in COMMAND_MODULES:
        wanted = {COMMAND_MODULES[argv[0]]}
    else:
        wanted = set(_MODULE_ORDER)
    modules = [name for name in _MODULE_ORDER if name in wanted or name in _registered]
    if modules == _registered:
        return
    app.registered_groups.clear()
    for name in modules:
        app.add_typer(importlib.import_module(f"doseflow.cli.{name}").commands)
    _registered[:] = modules


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
    _register(sys.argv[1:] if argv is None else list(argv))
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

