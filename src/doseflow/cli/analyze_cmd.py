"""``doseflow analyze SDTM_DIR --out DIR [--config readout.toml] [--format pdf|docx] [--json]``: the readout of a trial.

Reads the SDTM folder, runs every analysis whose data are present
(:func:`doseflow.readout.pipeline.run_readout`) and writes DIR/report.html, DIR/tables/,
DIR/figures/ and DIR/results.json (:func:`doseflow.report.outputs.write_outputs`); ``--format
pdf`` adds DIR/report.pdf (printed by headless Chromium), ``--format docx`` DIR/report.docx
(the tables and figures as a Word document); the option may be given twice. On a
terminal a Rich progress bar shows the stages; otherwise nothing is printed but the result
line. ``--json`` prints the content of results.json (its keys are documented in
:mod:`doseflow.report.outputs`) instead of the line saying where the report is.

Wrong input (a missing folder, an empty ``--out``, bad TOML, a configuration value that does
not fit the data, data that break their specification) raises a
:class:`~doseflow.errors.DoseflowError`; the app prints ``error: ...`` on one line and exits
with status 2. Tables and figures an earlier readout left in ``--out`` are removed, and the
result line says how many.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from doseflow.errors import InputError
from doseflow.readout.config import read_config
from doseflow.readout.pipeline import STAGES, run_readout
from doseflow.report.outputs import write_outputs

__all__ = ["analyze_command"]

#: The commands of this module, added to the application by :mod:`doseflow.cli.app`.
commands = typer.Typer()


def _run(sdtm_dir: Path, out: Path, config: Optional[Path], show_progress: bool, formats: tuple[str, ...]):
    cfg = read_config(config)
    if not show_progress:
        readout = run_readout(sdtm_dir, cfg)
        return write_outputs(readout, out, formats=formats)
    columns = (TextColumn("{task.description:<16}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
               TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("readout", total=len(STAGES) + 1)

        def progress(stage: str, index: int, total: int) -> None:
            bar.update(task, description=stage, completed=index)

        readout = run_readout(sdtm_dir, cfg, progress=progress)
        bar.update(task, description="writing report", completed=len(STAGES))
        outputs = write_outputs(readout, out, formats=formats)
        bar.update(task, completed=len(STAGES) + 1)
    return outputs


@commands.command("analyze")
def analyze_command(
    sdtm_dir: Path = typer.Argument(..., help="Folder of SDTM datasets (.csv or .xpt); DM and EX are required."),
    out: str = typer.Option(..., "--out", help="Folder for report.html, tables/, figures/ and results.json."),
    config: Optional[Path] = typer.Option(None, "--config", help="Readout options as TOML (see docs/readout.md)."),
    formats: Optional[list[str]] = typer.Option(
        None, "--format", help="Also write the report as pdf (headless Chromium) or docx (Word); may be repeated."),
    as_json: bool = typer.Option(False, "--json", help="Print results.json instead of the report's location."),
) -> None:
    """Read out a trial from its SDTM data: tables, figures, an HTML report and the headline figures."""
    from doseflow.checks import check_choice
    from doseflow.report.outputs import FORMATS

    for fmt in formats or ():
        check_choice(fmt, "--format", FORMATS, error=InputError)
    if "pdf" in (formats or ()):
        from doseflow.report.pdf import find_chromium

        find_chromium()  # before the work, not after it
    if not sdtm_dir.is_dir():
        raise InputError("SDTM_DIR", "an existing folder of SDTM .csv or .xpt files", str(sdtm_dir))
    if not out.strip():  # pathlib reads "" as ".", the current folder
        raise InputError("--out", "a folder path (an empty one would write into the current folder)", out)
    outputs = _run(sdtm_dir, Path(out), config, show_progress=sys.stderr.isatty() and not as_json,
                   formats=tuple(formats or ()))
    if as_json:
        typer.echo(json.dumps(outputs.results, indent=2))
        return
    typer.echo(f"report: {', '.join(str(p) for p in (outputs.reports or {'html': outputs.report}).values())}"
               + (f" ({len(outputs.removed)} file(s) of an earlier readout removed)" if outputs.removed else ""))
