"""``doseflow paths DESIGN``: the dose-transition pathways of the next cohorts, as a table and a tree.

JSON: ``{"design": str, "from": str, "nodes": [{"node", "parent", "cohort", "outcomes", "path",
"action", "next_dose", "cohort_size", "rule", "reason"}]}``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Optional

import typer

from doseflow.cli.common_options import json_option, whole_number_option
from doseflow.cli.design_options import design_argument, with_design_options
from doseflow.cli.designs_cmd import MAX_TRIAL_PATIENTS
from doseflow.cli.help_style import Command
from doseflow.cli.json_output import print_json
from doseflow.cli.tables import print_table
from doseflow.core import DosePlan, TrialState
from doseflow.designs.registry import design_from_options
from doseflow.errors import InputError

__all__ = ["paths_command"]

#: The commands of this module, added to the application by :mod:`doseflow.cli.app`.
commands = typer.Typer()


def _trial_so_far(levels: int, outcomes: str) -> TrialState:
    """The ``--from`` outcome string as a state, at most MAX_TRIAL_PATIENTS patients."""
    patients = len(re.findall(r"[NTP]", outcomes))
    if patients > MAX_TRIAL_PATIENTS:
        raise InputError("--from", f"a trial of at most {MAX_TRIAL_PATIENTS:,} patients", f"{patients:,} patients")
    return TrialState.from_outcomes(DosePlan.of_size(levels), outcomes)


@commands.command("paths", cls=Command)
@with_design_options
def paths_command(
    design: str = design_argument(),
    cohorts: int = whole_number_option(2, "--cohorts", "Cohorts ahead (the tree grows as (cohort size + 1)^cohorts; "
                                       "at most 20,000 decisions)", minimum=1, maximum=6),
    levels: int = whole_number_option(5, "--levels", "Dose levels of the plan", minimum=1, maximum=30),
    start: str = typer.Option("", "--from", metavar="OUTCOMES", help="The trial so far as an outcome string, e.g. "
                              "'1NNN 2NTN' (level, then N: no DLT, T: DLT, P: pending; default: before the first "
                              "patient)."),
    plot: Optional[Path] = typer.Option(None, "--plot", metavar="FILE",
                                        help="Write the tree as a PNG (or SVG) to this file."),
    as_json: bool = json_option(),
    design_options: dict = None,  # type: ignore[assignment]
) -> None:
    """Every decision of the design over the next cohorts, for each number of DLTs.

    Example: doseflow paths boin --target 0.3 --from "1NNN" --cohorts 2 --plot paths.png
    """
    from doseflow.simulate.paths import compute_dose_paths, plot_dose_paths, records_of_paths, tabulate_dose_paths

    d = design_from_options(design, design_options)
    nodes = compute_dose_paths(d, _trial_so_far(levels, start), cohorts)
    table = tabulate_dose_paths(nodes)
    if plot is not None:
        from doseflow.cli.outputs import save_figure

        save_figure(plot_dose_paths(nodes, f"{d.label}: dose-transition pathways"), plot, "--plot")
    if as_json:
        print_json({"design": d.label, "from": start, "nodes": records_of_paths(nodes)})
        return
    from rich import box
    from rich.table import Table

    t = Table("cohort", "path", "next", "rule", title=f"{d.label}: dose-transition pathways", box=box.SIMPLE_HEAD)
    for row in table.itertuples():
        nxt = "stop" if row.action == "stop" else (f"stay at {int(row.next_dose)}" if row.action == "stay" else f"{row.action} to {int(row.next_dose)}")
        t.add_row(str(row.cohort), row.path or "(start)", nxt, row.rule)
    print_table(t)
