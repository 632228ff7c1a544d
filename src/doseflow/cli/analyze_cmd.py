"""``doseflow analyze SDTM_DIR --out DIR [--config readout.toml] [--format pdf|docx] [--json]``: the readout of a trial.

Reads the SDTM folder, runs every analysis whose data are present
(:func:`doseflow.readout.pipeline.run_readout`) and writes DIR/report.html, DIR/tables/,
DIR/figures/ and DIR/results.json (:func:`doseflow.report.outputs.write_outputs`); ``--format
pdf`` adds DIR/report.pdf (printed by headless Chromium), ``--format docx`` DIR/report.docx
(the tables and figures as a Word document); the option may be given twice. On a
terminal a Rich progress bar shows the stages; otherwise nothing is printed but the result
line. ``--json`` prints the content of results.json (its keys are documented in
:mod:`doseflow.report.outputs`; floats to 6 decimals, :mod:`doseflow.cli.json_output`)
instead of the line saying where the report is.

Wrong input (a missing folder, an empty ``--out``, bad TOML, a configuration value that does
not fit the data, data that break their specification) raises a
:class:`~doseflow.errors.DoseflowError`; the app prints ``error: ...`` on one line and exits
with status 2. Tables and figures an earlier readout left in ``--out`` are removed, and the
result line says how many.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from doseflow.cli.common_options import json_option, report_formats, report_formats_option
from doseflow.cli.help_style import Command
from doseflow.cli.json_output import print_json
from doseflow.cli.progress import progress_bar
from doseflow.errors import InputError

__all__ = ["analyze_command"]

#: The commands of this module, added to the application by :mod:`doseflow.cli.app`.
commands = typer.Typer()


def _run(sdtm_dir: Path, out: Path, config: Optional[Path], formats: tuple[str, ...]):
    from doseflow.readout.config import read_config
    from doseflow.readout.pipeline import STAGES, run_readout
    from doseflow.report.outputs import write_outputs

    cfg = read_config(config)
    with progress_bar("readout", total=len(STAGES) + 1) as update:
        readout = run_readout(sdtm_dir, cfg, progress=lambda stage, index, total: update(index, description=stage))
        update(len(STAGES), description="writing report")
        return write_outputs(readout, out, formats=formats)


@commands.command("analyze", cls=Command)
def analyze_command(
    sdtm_dir: Path = typer.Argument(..., metavar="SDTM_DIR",
                                    help="Folder of SDTM datasets (.csv or .xpt); DM and EX are required."),
    out: str = typer.Option(..., "--out", metavar="FOLDER",
                            help="Folder for report.html, tables/, figures/ and results.json."),
    config: Optional[Path] = typer.Option(None, "--config", metavar="FILE",
                                          help="Readout options as TOML (see docs/readout.md)."),
    formats: Optional[list[str]] = report_formats_option(),
    as_json: bool = json_option("Print results.json instead of the report's location."),
) -> None:
    """Read out a trial from its SDTM data: tables, figures, an HTML report and the headline figures.

    Example: doseflow analyze ../shared/data/pharmaverse/sdtm --out readout --format docx
    """
    chosen = report_formats(formats)
    if not sdtm_dir.is_dir():
        raise InputError("SDTM_DIR", "an existing folder of SDTM .csv or .xpt files", str(sdtm_dir))
    if not out.strip():  # pathlib reads "" as ".", the current folder
        raise InputError("--out", "a folder path (an empty one would write into the current folder)", out)
    outputs = _run(sdtm_dir, Path(out), config, formats=chosen)
    if as_json:
        print_json(outputs.results)
        return
    typer.echo(f"report: {', '.join(str(p) for p in (outputs.reports or {'html': outputs.report}).values())}"
               + (f" ({len(outputs.removed)} file(s) of an earlier readout removed)" if outputs.removed else ""))
