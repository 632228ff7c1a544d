"""``doseflow demo``: the README's main job, end to end in one command.

A thin command around :func:`doseflow.conduct.workflows.run_demo` (virtual trial -> SDTM ->
readout -> replicate study -> report into ``OUT``, default ``./demo-output``), with a Rich
progress bar on a terminal. ``--format pdf`` / ``--format docx`` also write the report as PDF
or Word (as ``doseflow analyze``); ``--replicates N`` sets the size of the replicate study of
the report's "Virtual trial vs published" (0 leaves it out). ``--json`` prints ``{"out",
"sdtm", "report", "reports", "seed", "preset", "patients", "replicates", "results"}`` where
``results`` is the content of results.json.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from doseflow.checks import check_int
from doseflow.errors import InputError

__all__ = ["demo_command"]

#: The commands of this module, added to the application by :mod:`doseflow.cli.app`.
commands = typer.Typer()


@commands.command("demo")
def demo_command(
    out: Path = typer.Option(Path("demo-output"), "--out", help="Folder for the demo's SDTM data and report."),
    seed: int = typer.Option(1, "--seed", help="Seed of the virtual trial (>= 0)."),
    preset: str = typer.Option("gq1001", "--preset", help="Packaged preset name or a TOML file."),
    replicates: int = typer.Option(200, "--replicates", help="Virtual trials compared with the published trial "
                                   "(0-10000; 0 leaves the comparison out)."),
    formats: Optional[list[str]] = typer.Option(
        None, "--format", help="Also write the report as pdf (headless Chromium) or docx (Word); may be repeated."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary instead of the report's location."),
) -> None:
    """Simulate a virtual GQ1001 phase Ia trial, write it as SDTM and read it out into a report."""
    from doseflow.checks import check_choice
    from doseflow.conduct.workflows import DEMO_MAX_REPLICATES, DEMO_STEPS, run_demo, validate_demo_folder
    from doseflow.report.outputs import FORMATS

    check_int(seed, "--seed", minimum=0, error=InputError)
    check_int(replicates, "--replicates", minimum=0, maximum=DEMO_MAX_REPLICATES, error=InputError)
    for fmt in formats or ():
        check_choice(fmt, "--format", FORMATS, error=InputError)
    if "pdf" in (formats or ()):
        from doseflow.report.pdf import find_chromium

        find_chromium()  # before the work, not after it
    options = {"seed": seed, "preset": preset, "replicates": replicates, "formats": tuple(formats or ())}
    validate_demo_folder(out, "--out")
    if sys.stderr.isatty() and not as_json:
        columns = (TextColumn("{task.description:<14}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                   TimeElapsedColumn())
        with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
            task = bar.add_task(DEMO_STEPS[0], total=len(DEMO_STEPS))
            summary = run_demo(out, **options,
                               progress=lambda name, i: bar.update(task, description=name, completed=i))
    else:
        summary = run_demo(out, **options)
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
        return
    r = summary["results"]
    typer.echo(f"virtual GQ1001 trial (seed {seed}): {summary['patients']} patients; SDTM in {summary['sdtm']}")
    typer.echo(r.get("abstract", ""))
    typer.echo("report: " + ", ".join(summary["reports"].values()))
