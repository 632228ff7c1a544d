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

from pathlib import Path
from typing import Optional

import typer

from doseflow.checks import check_choice
from doseflow.cli.common_options import (
    json_option,
    scheduler_option,
    seed_option,
    whole_number_option,
    workers_option,
)
from doseflow.cli.console import console
from doseflow.cli.help_style import Command, Group
from doseflow.cli.json_output import print_json
from doseflow.cli.outputs import prepare_output_dir
from doseflow.cli.progress import progress_bar
from doseflow.cli.tables import print_table
from doseflow.errors import InputError

insilico_app = typer.Typer(help="Virtual phase Ia trials of an ADC (in-silico patients).", no_args_is_help=True,
                           cls=Group)
commands = typer.Typer()
commands.add_typer(insilico_app, name="insilico")

#: Most virtual trials of one replicate study (about 20 minutes on 2 workers of the development machine).
MAX_REPLICATES = 100_000


@insilico_app.command("run", cls=Command)
def run_cmd(
    seed: int = seed_option(),
    out: Path = typer.Option(..., "--out", metavar="FOLDER", help="Folder to write the trial's SDTM datasets to: "
                             "absent or empty, unless --force."),
    preset: str = typer.Option("gq1001", "--preset", metavar="NAME|FILE",
                               help="Packaged preset name or a TOML file."),
    fmt: str = typer.Option("csv", "--format", metavar="[csv|xpt]",
                            help="SDTM file format: csv or xpt (SAS transport v5)."),
    force: bool = typer.Option(False, "--force", help="Write into a folder that already holds files, replacing the "
                               "datasets of the same names (dm.csv, ...); other files are left as they are."),
    as_json: bool = json_option(),
) -> None:
    """Simulate one virtual trial and write it as SDTM (CSV or SAS XPT).

    Example: doseflow insilico run --seed 1 --out virtual-sdtm
    """
    from doseflow.insilico.preset import load_preset
    from doseflow.insilico.sdtm import write_virtual_sdtm
    from doseflow.insilico.trial import simulate_trial

    check_choice(fmt, "--format", ("csv", "xpt"), error=InputError)
    if out.is_dir() and any(out.iterdir()) and not force:
        raise InputError("--out", "an absent or empty folder", str(out),
                         "Choose another folder, or give --force to replace the datasets it holds.")
    p = load_preset(preset)
    prepare_output_dir(out)
    data = simulate_trial(p, seed)
    files = {k: str(v) for k, v in write_virtual_sdtm(data, out, format=fmt).items()}
    pts = data.patients
    summary = {"seed": seed, "preset": p.name, "out": str(out), "format": f"sdtm-{fmt}", "files": files,
               "patients": int(len(pts)), "dlt": int(pts["dlt"].sum()),
               "high_dose": int((pts["dose_mg_kg"] >= p.trial.high_dose_mg_kg - 1e-9).sum())}
    if as_json:
        print_json(summary)
        return
    console.print(f"virtual trial (seed {seed}, preset {p.name}): {summary['patients']} patients, "
                  f"{summary['dlt']} DLT, {summary['high_dose']} at >= {p.trial.high_dose_mg_kg:g} mg/kg")
    console.print(f"wrote {len(files)} datasets to {out}")


def _fixed(value: float | None, digits: int) -> str:
    """A figure with ``digits`` decimals; "-" where undefined."""
    return "-" if value is None else f"{value:.{digits}f}"


@insilico_app.command("replicate", cls=Command)
def replicate_cmd(
    trials: int = whole_number_option(1000, "--trials", "Number of virtual trials", minimum=1,
                                      maximum=MAX_REPLICATES),
    seed: int = seed_option(),
    workers: int = workers_option(),
    preset: str = typer.Option("gq1001", "--preset", metavar="NAME|FILE",
                               help="Packaged preset name or a TOML file."),
    scheduler: Optional[str] = scheduler_option(),
    as_json: bool = json_option(),
) -> None:
    """Run many virtual trials and compare their headline figures with the published ones.

    Example: doseflow insilico replicate --trials 1000 --seed 1 --workers 2
    """
    from doseflow.insilico.headline import FIGURE_LABELS
    from doseflow.insilico.preset import load_preset
    from doseflow.insilico.replicate import run_replicates

    p = load_preset(preset)
    with progress_bar("virtual trials", total=trials) as update:
        study = run_replicates(p, trials, seed, workers=workers, scheduler=scheduler, progress=update)
    if as_json:
        print_json(study.to_dict())
        return
    from rich.table import Table

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
    print_table(table)
    console.print("published: Lemech et al., AACR 2023, CT178 (GQ1001 phase Ia, 32 patients)")
