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

from pathlib import Path
from typing import Optional

import typer

from doseflow.cli.common_options import (
    json_option,
    report_formats,
    report_formats_option,
    seed_option,
    whole_number_option,
)
from doseflow.cli.help_style import Command
from doseflow.cli.json_output import print_json
from doseflow.cli.outputs import prepare_output_dir
from doseflow.cli.progress import progress_bar

__all__ = ["demo_command", "MAX_REPLICATES"]

#: The commands of this module, added to the application by :mod:`doseflow.cli.app`.
commands = typer.Typer()

#: Most replicates of the demo's comparison (``doseflow.conduct.workflows.DEMO_MAX_REPLICATES``, not imported
#: at start-up; tested equal).
MAX_REPLICATES = 10_000


@commands.command("demo", cls=Command)
def demo_command(
    out: Path = typer.Option(Path("demo-output"), "--out", metavar="FOLDER",
                             help="Folder for the demo's SDTM data and report: absent, empty or an earlier demo's."),
    seed: int = seed_option(),
    preset: str = typer.Option("gq1001", "--preset", metavar="NAME|FILE",
                               help="Packaged preset name or a TOML file."),
    replicates: int = whole_number_option(200, "--replicates", "Virtual trials compared with the published trial "
                                          "(0 leaves the comparison out)", minimum=0, maximum=MAX_REPLICATES),
    formats: Optional[list[str]] = report_formats_option(),
    as_json: bool = json_option("Print a JSON summary instead of the report's location."),
) -> None:
    """Simulate a virtual GQ1001 phase Ia trial, write it as SDTM and read it out into a report.

    Example: doseflow demo --out demo-output
    """
    from doseflow.conduct.workflows import DEMO_STEPS, run_demo, validate_demo_folder

    options = {"seed": seed, "preset": preset, "replicates": replicates, "formats": report_formats(formats)}
    validate_demo_folder(out, "--out")
    prepare_output_dir(out)
    with progress_bar(DEMO_STEPS[0], total=len(DEMO_STEPS)) as update:
        summary = run_demo(out, **options, progress=lambda name, i: update(i, description=name))
    if as_json:
        print_json(summary)
        return
    r = summary["results"]
    typer.echo(f"virtual GQ1001 trial (seed {seed}): {summary['patients']} patients; SDTM in {summary['sdtm']}")
    typer.echo(r.get("abstract", ""))
    typer.echo("report: " + ", ".join(summary["reports"].values()))
