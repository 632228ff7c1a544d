"""``doseflow simulate DESIGN``: operating characteristics of a design in a scenario.

Exact (``--exact``: every outcome path, for designs that decide from counts with outcomes
known at once) or Monte Carlo (``--trials``; the same ``--seed`` and ``--chunk-size`` give
the same figures with any ``--workers`` or on a Dask cluster given by ``--scheduler``). A
scenario is the true DLT probability per level (``--true-dlt``) or a published scenario
(``--scenario NAME``), optionally in calendar time (``--dlt-window`` and
``--arrivals-per-month``). JSON: :meth:`doseflow.simulate.OperatingCharacteristics.to_dict`.
"""

from __future__ import annotations

import json
import sys
from typing import Optional

import typer

from doseflow.checks import check_int
from doseflow.cli.console import console
from doseflow.cli.design_options import DESIGN_ARGUMENT, parse_numbers, with_design_options
from doseflow.designs.registry import design_from_options
from doseflow.errors import InputError
from doseflow.simulate.scenario import ARRIVAL_PROCESSES, DLT_TIME_DISTRIBUTIONS, Scenario

__all__ = ["simulate_command", "scenario_from_options", "run_with_progress"]

#: The commands of this module, added to the application by :mod:`doseflow.cli.app`.
commands = typer.Typer()

#: Beyond this many states exact enumeration is refused before it starts (Monte Carlo instead).
TIME_PANEL = "Scenario"


def scenario_from_options(true_dlt: Optional[str], scenario: Optional[str], target: Optional[float],
                          dlt_window: Optional[float], arrivals_per_month: Optional[float], dlt_time: str,
                          arrival: str) -> Scenario:
    """The scenario of the command line: ``--true-dlt`` or a published ``--scenario``, with time if given."""
    if (true_dlt is None) == (scenario is None):
        raise InputError("--true-dlt", "given, or --scenario, but not both", true_dlt or scenario,
                         "E.g. --true-dlt 0.05,0.15,0.30,0.45,0.60.")
    if scenario is not None:
        from doseflow.simulate.library import load_scenario

        base = load_scenario(scenario)
        probs, name, source = base.true_dlt, base.name, base.source
        target = target if target is not None else base.target
    else:
        probs = tuple(parse_numbers(true_dlt, "--true-dlt"))
        for i, v in enumerate(probs, start=1):
            if not 0.0 <= v <= 1.0:
                raise InputError(f"--true-dlt item {i}", "a probability in [0, 1]", v)
        name, source = "", ""
    return Scenario(probs, name=name, target=target, dlt_window=dlt_window, arrivals_per_month=arrivals_per_month,
                    dlt_time=dlt_time, arrival=arrival, source=source)


def run_with_progress(task: str, quiet: bool, fn):
    """Run ``fn(progress)`` with a Rich progress bar on a terminal (standard error), silent otherwise."""
    if quiet or not sys.stderr.isatty():
        return fn(None)
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        handle = bar.add_task(task, total=None)

        def update(done: int, total: int) -> None:
            bar.update(handle, completed=done, total=total)

        return fn(update)


@commands.command("simulate")
@with_design_options
def simulate_command(
    design: str = DESIGN_ARGUMENT,
    true_dlt: Optional[str] = typer.Option(None, "--true-dlt", metavar="NUMBERS", rich_help_panel=TIME_PANEL,
                                           help="True DLT probability per level, e.g. 0.05,0.15,0.3,0.45,0.6."),
    scenario: Optional[str] = typer.Option(None, "--scenario", rich_help_panel=TIME_PANEL,
                                           help="A published scenario by name (see `doseflow scenarios`)."),
    target_rate: Optional[float] = typer.Option(None, "--overdose-target", rich_help_panel=TIME_PANEL,
                                                help="DLT rate above which a level is an overdose in the figures "
                                                     "(default: the design's target)."),
    dlt_window: Optional[float] = typer.Option(None, "--dlt-window", rich_help_panel=TIME_PANEL,
                                               help="Calendar time: DLT window in days (more than 0, at most 3650)."),
    arrivals_per_month: Optional[float] = typer.Option(None, "--arrivals-per-month", rich_help_panel=TIME_PANEL,
                                                       help="Calendar time: mean patient arrivals per month "
                                                            "(0.001 to 10,000)."),
    dlt_time: str = typer.Option("uniform", "--dlt-time", rich_help_panel=TIME_PANEL,
                                 help="Day of a DLT in the window: " + ", ".join(DLT_TIME_DISTRIBUTIONS) + "."),
    arrival: str = typer.Option("poisson", "--arrival", rich_help_panel=TIME_PANEL,
                                help="Arrival process: " + ", ".join(ARRIVAL_PROCESSES) + "."),
    exact: bool = typer.Option(False, "--exact", help="Enumerate every outcome path (no Monte Carlo error)."),
    trials: Optional[int] = typer.Option(None, "--trials", help="Monte Carlo: simulated trials (1 to 10^8; "
                                         "default 10,000)."),
    seed: int = typer.Option(1, "--seed", help="Monte Carlo: the seed (a whole number >= 0)."),
    chunk_size: int = typer.Option(10_000, "--chunk-size", help="Monte Carlo: trials per chunk (1 to 10^6; with "
                                   "the seed, it fixes the result)."),
    workers: int = typer.Option(1, "--workers", help="Monte Carlo: local worker processes (1 to 256)."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Monte Carlo on a Dask cluster: tcp://HOST:PORT."),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
    design_options: dict = None,  # type: ignore[assignment]
) -> None:
    """Operating characteristics: selection % per level, patients and DLTs per level, sample size,
    overdoses, how trials end, duration; each Monte Carlo figure with its standard error.

    Example: doseflow simulate boin --target 0.3 --max-n 30 --true-dlt 0.05,0.15,0.3,0.45,0.6 --trials 100000
    """
    from doseflow.simulate.run import simulate

    for flag, value, lo, hi in (("--trials", trials, 1, 100_000_000), ("--seed", seed, 0, 2**63 - 1),
                                ("--chunk-size", chunk_size, 1, 1_000_000), ("--workers", workers, 1, 256)):
        if value is not None:
            check_int(value, flag, minimum=lo, maximum=hi, error=InputError)
    d = design_from_options(design, design_options)
    sc = scenario_from_options(true_dlt, scenario, target_rate, dlt_window, arrivals_per_month, dlt_time, arrival)
    if exact and (trials is not None or scheduler is not None or workers != 1):
        raise InputError("--exact", "used without --trials, --workers or --scheduler (exact enumeration has no Monte "
                         "Carlo error)", True)
    oc = run_with_progress(
        "simulating", as_json,
        lambda progress: simulate(d, sc, n_trials=trials or 10_000, seed=seed, exact=exact, chunk_size=chunk_size,
                                  workers=workers, scheduler=scheduler, progress=progress),
    )
    if as_json:
        typer.echo(json.dumps(oc.to_dict(), indent=2, allow_nan=False))
        return
    console.print(oc.summary())


@commands.command("scenarios")
def scenarios_command(as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON.")) -> None:
    """The published simulation scenarios, by name, with their sources (use them with --scenario).

    Example: doseflow simulate boin --max-n 30 --scenario zhao-2024/3
    """
    from doseflow.simulate.library import list_scenarios, load_scenario

    rows = []
    for name, description, source in list_scenarios():
        s = load_scenario(name)
        rows.append({"name": name, "true_dlt": list(s.true_dlt), "target": s.target, "description": description,
                     "source": source})
    if as_json:
        typer.echo(json.dumps(rows, indent=2, allow_nan=False))
        return
    from rich.table import Table

    t = Table("name", "true DLT per level", "target", "source", title="Published scenarios")
    for r in rows:
        t.add_row(r["name"], ", ".join(f"{p:g}" for p in r["true_dlt"]), f"{r['target']:g}" if r["target"] else "",
                  r["source"])
    console.print(t)
