"""``doseflow skeleton``: a CRM skeleton calibrated by indifference intervals (Lee and Cheung 2009).

JSON contract: ``{"skeleton": [...], "halfwidth", "target", "prior_mtd", "levels", "model",
"intercept"}`` (probabilities per level, lowest first; levels 1-based), floats to 6 decimals.
"""

from __future__ import annotations

import typer

from doseflow.cli.common_options import json_option, number_option, whole_number_option
from doseflow.cli.console import console
from doseflow.cli.help_style import Command
from doseflow.cli.json_output import print_json
from doseflow.errors import ConfigError, InputError

__all__ = ["skeleton_command"]

#: The commands of this module, added to the application by :mod:`doseflow.cli.app`.
commands = typer.Typer()

# The design package is imported when the command runs, not when the application starts; these
# mirror doseflow.designs.model_based.crm_model's CRM_MODELS and DEFAULT_INTERCEPT (a test checks).
MODELS = ("empiric", "logistic")
INTERCEPT = 3.0


@commands.command("skeleton", cls=Command)
def skeleton_command(
    halfwidth: float = number_option(..., "--halfwidth", "Half-width of the indifference interval around the "
                                     "target, e.g. 0.05", minimum=0, maximum=0.5, exclusive_minimum=True),
    target: float = number_option(..., "--target", "Target DLT probability, e.g. 0.3", minimum=0,
                                  maximum=1, exclusive_minimum=True),
    prior_mtd: int = whole_number_option(..., "--prior-mtd", "1-based level guessed to be the MTD, its skeleton "
                                         "value the target", minimum=1, maximum=100),
    levels: int = whole_number_option(..., "--levels", "Number of dose levels", minimum=1, maximum=100),
    model: str = typer.Option("empiric", "--model", metavar="[" + "|".join(MODELS) + "]",
                              help="Working model: " + " or ".join(MODELS) + "."),
    intercept: float = number_option(INTERCEPT, "--intercept", "Intercept of the logistic model"),
    as_json: bool = json_option(),
) -> None:
    """The CRM skeleton whose indifference interval is target +- halfwidth at every level (dfcrm getprior).

    Example: doseflow skeleton --halfwidth 0.05 --target 0.3 --prior-mtd 3 --levels 6
    """
    from doseflow.designs.model_based.skeleton import compute_crm_skeleton

    try:
        skeleton = compute_crm_skeleton(halfwidth, target, prior_mtd, levels, model, intercept)
    except ConfigError as exc:  # name the flag, not the argument
        raise InputError("--" + str(exc.where).replace("_", "-"), exc.expected, exc.value, exc.hint) from None
    values = [float(v) for v in skeleton]
    if as_json:
        print_json({"skeleton": values, "halfwidth": halfwidth, "target": target, "prior_mtd": prior_mtd,
                    "levels": levels, "model": model, "intercept": intercept})
        return
    from rich.table import Table

    console.print(f"CRM skeleton ({model} model) whose indifference interval is {target:g} +- {halfwidth:g} at every "
                  f"level, level {prior_mtd} at the target (Lee and Cheung 2009):", highlight=False)
    table = Table("level", "skeleton")
    for i, v in enumerate(values, start=1):
        table.add_row(str(i), f"{v:.4f}")
    console.print(table)
    console.print("--skeleton " + ",".join(f"{v:.4f}" for v in values), highlight=False)
