"""``doseflow skeleton``: a CRM skeleton calibrated by indifference intervals (Lee and Cheung 2009).

JSON contract: ``{"skeleton": [...], "halfwidth", "target", "prior_mtd", "levels", "model",
"intercept"}`` (probabilities per level, lowest first; levels 1-based).
"""

from __future__ import annotations

import json

import typer

from doseflow.cli.console import console
from doseflow.designs.model_based.crm_model import CRM_MODELS, DEFAULT_INTERCEPT
from doseflow.designs.model_based.skeleton import compute_crm_skeleton
from doseflow.errors import ConfigError, InputError

__all__ = ["skeleton_command"]

#: The commands of this module, added to the application by :mod:`doseflow.cli.app`.
commands = typer.Typer()


@commands.command("skeleton")
def skeleton_command(
    halfwidth: float = typer.Option(..., "--halfwidth", help="Half-width of the indifference interval around the "
                                    "target, e.g. 0.05.", show_default=False),
    target: float = typer.Option(..., "--target", help="Target DLT probability, e.g. 0.3.", show_default=False),
    prior_mtd: int = typer.Option(..., "--prior-mtd", help="1-based level guessed to be the MTD (its skeleton "
                                  "value is the target).", show_default=False),
    levels: int = typer.Option(..., "--levels", help="Number of dose levels (1 to 100).", show_default=False),
    model: str = typer.Option("empiric", "--model", help="Working model: " + " or ".join(CRM_MODELS) + "."),
    intercept: float = typer.Option(DEFAULT_INTERCEPT, "--intercept", help="Intercept of the logistic model."),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """The CRM skeleton whose indifference interval is target +- halfwidth at every level (dfcrm getprior).

    Example: doseflow skeleton --halfwidth 0.05 --target 0.3 --prior-mtd 3 --levels 6
    """
    if not 1 <= levels <= 100:
        raise InputError("--levels", "a whole number from 1 to 100", levels)
    try:
        skeleton = compute_crm_skeleton(halfwidth, target, prior_mtd, levels, model, intercept)
    except ConfigError as exc:  # name the flag, not the argument
        raise InputError("--" + str(exc.where).replace("_", "-"), exc.expected, exc.value, exc.hint) from None
    values = [float(v) for v in skeleton]
    if as_json:
        typer.echo(json.dumps({"skeleton": values, "halfwidth": halfwidth, "target": target, "prior_mtd": prior_mtd,
                               "levels": levels, "model": model, "intercept": intercept}, indent=2, allow_nan=False))
        return
    from rich.table import Table

    console.print(f"CRM skeleton ({model} model) whose indifference interval is {target:g} +- {halfwidth:g} at every "
                  f"level, level {prior_mtd} at the target (Lee and Cheung 2009):", highlight=False)
    table = Table("level", "skeleton")
    for i, v in enumerate(values, start=1):
        table.add_row(str(i), f"{v:.4f}")
    console.print(table)
    console.print("--skeleton " + ",".join(f"{v:.4f}" for v in values), highlight=False)
