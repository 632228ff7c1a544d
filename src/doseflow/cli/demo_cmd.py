"""``doseflow demo``: the README's main job, end to end in one command.

1. simulate one virtual GQ1001 phase Ia trial from the ``gq1001`` preset
   (:func:`doseflow.insilico.trial.simulate_trial`);
2. write it as CDISC SDTM (:func:`doseflow.insilico.sdtm.write_virtual_sdtm`) to
   ``OUT/sdtm``;
3. read it out like any trial's data (:func:`doseflow.readout.pipeline.run_readout`, with
   efficacy in patients at >= 7.2 mg/kg as the GQ1001 abstract reports it) and
   write the report, tables, figures and results.json to ``OUT/report``
   (:func:`doseflow.report.outputs.write_outputs`);
4. print where the report is.

``OUT`` defaults to ``./demo-output``; it must be empty, absent, or an earlier demo's
output (marked by a ``.doseflow-demo`` file), which is replaced. ``--json`` prints
``{"out", "sdtm", "report", "seed", "preset", "patients", "results"}`` where ``results``
is the content of results.json.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from doseflow.checks import check_int
from doseflow.cli.app import app
from doseflow.errors import InputError

__all__ = ["demo_command", "run_demo"]

MARKER = ".doseflow-demo"

#: The readout options of the demo, matching the virtual protocol of the gq1001 preset:
#: efficacy in patients treated at >= 7.2 mg/kg, as the GQ1001 abstract reports it
#: (Lemech et al., AACR 2023, CT178); SD needs a scan at least 35 days after the first dose
#: (the week-6 scan with its +-7-day window); a death more than 84 days (two missed scans)
#: after the last adequate scan is censored for PFS (FDA 2018); exposure runs to the end of
#: the last 21-day cycle, as the in-silico engine counts it.
DEMO_READOUT = """
[population]
exposure_to = "cycle_end"

[efficacy]
evaluable_min_dose = 7.2
evaluable_dose_unit = "mg/kg"
sd_min_days = 35
death_window_days = 84
"""
STEPS = ("virtual trial", "SDTM", "readout", "report")


def _prepare(out: Path) -> None:
    if out.exists():
        if not out.is_dir():
            raise InputError("--out", "a folder (absent, empty, or an earlier demo's output)", str(out))
        if any(out.iterdir()) and not (out / MARKER).exists():
            raise InputError(
                "--out", "an empty folder or an earlier demo's output", str(out),
                "Choose another folder; doseflow demo does not overwrite other files.",
            )
        shutil.rmtree(out)
    out.mkdir(parents=True)
    (out / MARKER).write_text("written by doseflow demo; the folder is replaced by the next demo\n")


def run_demo(out: Path, *, seed: int = 1, preset: str = "gq1001", progress=None) -> dict:
    """Run the demo into ``out`` and return its JSON summary (see the module docstring)."""
    from doseflow.insilico.preset import load_preset
    from doseflow.insilico.sdtm import write_virtual_sdtm
    from doseflow.insilico.trial import simulate_trial
    from doseflow.readout.config import parse_config
    from doseflow.readout.pipeline import run_readout
    from doseflow.report.outputs import write_outputs

    step = progress or (lambda name, index: None)
    check_int(seed, "--seed", minimum=0, error=InputError)
    _prepare(out)
    step(STEPS[0], 0)
    p = load_preset(preset)
    data = simulate_trial(p, seed)
    step(STEPS[1], 1)
    sdtm_dir = out / "sdtm"
    write_virtual_sdtm(data, sdtm_dir)
    step(STEPS[2], 2)
    readout = run_readout(sdtm_dir, parse_config(DEMO_READOUT, source="doseflow demo"))
    step(STEPS[3], 3)
    outputs = write_outputs(readout, out / "report")
    step("done", 4)
    return {
        "out": str(out),
        "sdtm": str(sdtm_dir),
        "report": str(outputs.report),
        "seed": seed,
        "preset": p.name,
        "patients": int(len(data.patients)),
        "results": outputs.results,
    }


@app.command("demo")
def demo_command(
    out: Path = typer.Option(Path("demo-output"), "--out", help="Folder for the demo's SDTM data and report."),
    seed: int = typer.Option(1, "--seed", help="Seed of the virtual trial (>= 0)."),
    preset: str = typer.Option("gq1001", "--preset", help="Packaged preset name or a TOML file."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary instead of the report's location."),
) -> None:
    """Simulate a virtual GQ1001 phase Ia trial, write it as SDTM and read it out into a report."""
    if sys.stderr.isatty() and not as_json:
        columns = (TextColumn("{task.description:<14}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                   TimeElapsedColumn())
        with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
            task = bar.add_task(STEPS[0], total=len(STEPS))
            summary = run_demo(out, seed=seed, preset=preset,
                               progress=lambda name, i: bar.update(task, description=name, completed=i))
    else:
        summary = run_demo(out, seed=seed, preset=preset)
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
        return
    r = summary["results"]
    typer.echo(f"virtual GQ1001 trial (seed {seed}): {summary['patients']} patients; SDTM in {summary['sdtm']}")
    typer.echo(r.get("abstract", ""))
    typer.echo(f"report: {summary['report']}")
