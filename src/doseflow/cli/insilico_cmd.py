"""``doseflow insilico run | replicate``: one virtual GQ1001-like trial, or a replicate study.

JSON contracts:

- ``insilico run --json``: ``{"seed": int, "preset": str, "out": str, "format": "sdtm-csv"|"sdtm-xpt",
  "files": {name: path}, "patients": int, "dlt": int, "high_dose": int}``
- ``insilico replicate --json``: :meth:`doseflow.insilico.replicate.ReplicateStudy.to_dict`,
  ``{"trials", "seed", "no_dlt_fraction", "medians": {...}, "percentiles": {figure: [p5, p95]},
  "quartiles": {figure: [p25, p75]}, "published": {figure: {"label", "value", "text", "tolerance"}}}``
  (percentages 0-100, PFS in months, exposure in weeks; floats rounded to 3 decimals, null
  where undefined): the figures and tolerances the table shows.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from doseflow.checks import check_choice, check_int
from doseflow.errors import ConfigError

insilico_app = typer.Typer(help="Virtual phase Ia trials of an ADC (in-silico patients).", no_args_is_help=True)
commands = typer.Typer()
commands.add_typer(insilico_app, name="insilico")

console = Console()


@insilico_app.command("run")
def run_cmd(
    seed: int = typer.Option(..., "--seed", help="Seed (>= 0); the same seed gives the same trial."),
    out: Path = typer.Option(..., "--out", help="Folder to write the trial's SDTM datasets to."),
    preset: str = typer.Option("gq1001", "--preset", help="Packaged preset name or a TOML file."),
    fmt: str = typer.Option("csv", "--format", help="SDTM file format: csv or xpt (SAS transport v5)."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary."),
) -> None:
    """Simulate one virtual trial and write it as SDTM (CSV or SAS XPT)."""
    from doseflow.insilico.preset import load_preset
    from doseflow.insilico.sdtm import write_virtual_sdtm
    from doseflow.insilico.trial import simulate_trial

    check_int(seed, "--seed", minimum=0)
    check_choice(fmt, "--format", ("csv", "xpt"))
    if out.exists() and not out.is_dir():
        raise ConfigError("--out", "a folder", str(out))
    p = load_preset(preset)
    data = simulate_trial(p, seed)
    out.mkdir(parents=True, exist_ok=True)
    files = {k: str(v) for k, v in write_virtual_sdtm(data, out, format=fmt).items()}
    pts = data.patients
    summary = {"seed": seed, "preset": p.name, "out": str(out), "format": f"sdtm-{fmt}", "files": files,
               "patients": int(len(pts)), "dlt": int(pts["dlt"].sum()),
               "high_dose": int((pts["dose_mg_kg"] >= p.trial.high_dose_mg_kg - 1e-9).sum())}
    if as_json:
        typer.echo(json.dumps(summary))
        return
    console.print(f"virtual trial (seed {seed}, preset {p.name}): {summary['patients']} patients, "
                  f"{summary['dlt']} DLT, {summary['high_dose']} at >= {p.trial.high_dose_mg_kg:g} mg/kg")
    console.print(f"wrote {len(files)} datasets to {out}")


def _fixed(value: float | None, digits: int) -> str:
    """A figure with ``digits`` decimals; "-" where undefined."""
    return "-" if value is None else f"{value:.{digits}f}"


@insilico_app.command("replicate")
def replicate_cmd(
    trials: int = typer.Option(1000, "--trials", help="Number of virtual trials."),
    seed: int = typer.Option(..., "--seed", help="Seed (>= 0)."),
    workers: int = typer.Option(2, "--workers", help="Worker processes (results do not depend on it)."),
    preset: str = typer.Option("gq1001", "--preset", help="Packaged preset name or a TOML file."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Run on a Dask cluster: tcp://HOST:PORT."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Run many virtual trials and compare their headline figures with the published ones."""
    from doseflow.insilico.headline import FIGURE_LABELS
    from doseflow.insilico.preset import load_preset
    from doseflow.insilico.replicate import run_replicates

    check_int(trials, "--trials", minimum=1)
    check_int(seed, "--seed", minimum=0)
    check_int(workers, "--workers", minimum=1)
    p = load_preset(preset)
    if sys.stderr.isatty() and not as_json:
        with Progress(console=Console(stderr=True), transient=True) as bar:
            task = bar.add_task("virtual trials", total=trials)
            study = run_replicates(p, trials, seed, workers=workers, scheduler=scheduler,
                                   progress=lambda done, total: bar.update(task, completed=done))
    else:
        study = run_replicates(p, trials, seed, workers=workers, scheduler=scheduler)
    if as_json:
        typer.echo(json.dumps(study.to_dict(), allow_nan=False))
        return
    table = Table(title=f"{trials} virtual trials (seed {seed}, preset {p.name}); no DLT in "
                        f"{100 * study.no_dlt_fraction:.0f}% of trials")
    for col in ("figure", "median", "25-75%", "5-95%", "published", "tolerance"):
        table.add_column(col, justify="left" if col == "figure" else "right")
    summary = study.to_dict()
    for fig, med in summary["medians"].items():
        label, digits = FIGURE_LABELS[fig]
        pub = summary["published"].get(fig)
        (p25, p75), (p5, p95) = summary["quartiles"][fig], summary["percentiles"][fig]
        table.add_row(label, _fixed(med, digits), f"{_fixed(p25, digits)}-{_fixed(p75, digits)}",
                      f"{_fixed(p5, digits)}-{_fixed(p95, digits)}",
                      "" if pub is None else pub["text"],
                      "" if pub is None or pub["tolerance"] is None else f"+-{pub['tolerance']:g}")
    console.print(table)
    console.print("published: Lemech et al., AACR 2023, CT178 (GQ1001 phase Ia, 32 patients)")
