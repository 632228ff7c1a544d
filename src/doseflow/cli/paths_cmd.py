"""``doseflow paths DESIGN``: the dose-transition pathways of the next cohorts, as a table and a tree.

JSON: ``{"design": str, "from": str, "nodes": [{"node", "parent", "cohort", "outcomes", "path",
"action", "next_dose", "cohort_size", "rule", "reason"}]}``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from doseflow.cli.console import console
from doseflow.cli.design_options import DESIGN_ARGUMENT, with_design_options
from doseflow.core import DosePlan, TrialState
from doseflow.designs.registry import design_from_options

__all__ = ["paths_command"]

#: The commands of this module, added to the application by :mod:`doseflow.cli.app`.
commands = typer.Typer()


@commands.command("paths")
@with_design_options
def paths_command(
    design: str = DESIGN_ARGUMENT,
    cohorts: int = typer.Option(2, "--cohorts", min=1, max=6, help="Cohorts ahead [1-6]."),
    levels: int = typer.Option(5, "--levels", min=1, max=30, help="Dose levels of the plan [1-30]."),
    start: str = typer.Option("", "--from", help="The trial so far as an outcome string, e.g. '1NNN 2NTN' "
                              "(default: before the first patient)."),
    plot: Optional[Path] = typer.Option(None, "--plot", help="Write the tree as a PNG (or SVG) to this file."),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
    design_options: dict = None,  # type: ignore[assignment]
) -> None:
    """Every decision of the design over the next cohorts, for each number of DLTs.

    Example: doseflow paths boin --target 0.3 --from "1NNN" --cohorts 2 --plot paths.png
    """
    from doseflow.simulate.paths import compute_dose_paths, plot_dose_paths, records_of_paths, tabulate_dose_paths

    d = design_from_options(design, design_options)
    state = TrialState.from_outcomes(DosePlan.of_size(levels), start)
    nodes = compute_dose_paths(d, state, cohorts)
    table = tabulate_dose_paths(nodes)
    if plot is not None:
        from doseflow.cli.outputs import save_figure

        save_figure(plot_dose_paths(nodes, f"{d.label}: dose-transition pathways"), plot, "--plot")
    if as_json:
        typer.echo(json.dumps({"design": d.label, "from": start, "nodes": records_of_paths(nodes)}, indent=2,
                              allow_nan=False))
        return
    from rich.table import Table

    t = Table("cohort", "path", "next", "rule", title=f"{d.label}: dose-transition pathways")
    for row in table.itertuples():
        nxt = "stop" if row.action == "stop" else (f"stay at {int(row.next_dose)}" if row.action == "stay" else f"{row.action} to {int(row.next_dose)}")
        t.add_row(str(row.cohort), row.path or "(start)", nxt, row.rule)
    console.print(t)
