"""``doseflow simulate DESIGN``: operating characteristics of a design in a scenario.

Exact (``--exact``: every outcome path, for designs that decide from counts with outcomes
known at once) or Monte Carlo (``--trials``; the same ``--seed`` and ``--chunk-size`` give
the same figures with any ``--workers`` or on a Dask cluster given by ``--scheduler``). A
scenario is the true DLT probability per level (``--true-dlt``) or a published scenario
(``--scenario NAME``), optionally in calendar time (``--dlt-window`` and
``--arrivals-per-month``). JSON: :meth:`doseflow.simulate.OperatingCharacteristics.to_dict`.

Bounds that keep a run finite: at most 10^8 trials; at most 10^11 trials x (largest sample
size)^2 in one local run (the general engine's cost grows with the square of the sample
size: about half an hour of one core of the development machine at the bound, from
10^8 trials of 3+3 or BOIN with 30 patients to 25,000 trials of 2,000 patients); at most
2 x 10^7 patients per chunk (memory: the default chunk of 10,000 trials of the largest
trial, 2,000 patients) and at most 100,000 chunks (each has its own seed); exact enumeration refuses designs whose state graph passes its
budget (:data:`doseflow.simulate.graph.MAX_STATES`) within a few seconds.

A ``--max-n`` that is not a multiple of the cohort size (``--max-n 2`` with cohorts of 3)
is accepted, as the design takes it: the cohort that would pass the cap is cut to fit
(rule ``stop_at_sample_size.cut``, :class:`~doseflow.designs.wrappers.StopAtSampleSize`),
and the printed summary says so.
"""

from __future__ import annotations

from typing import Optional

import typer

from doseflow.cli.common_options import (
    json_option,
    number_option,
    scheduler_option,
    seed_option,
    whole_number_option,
    workers_option,
)
from doseflow.cli.console import console
from doseflow.cli.design_options import design_argument, parse_numbers, with_design_options
from doseflow.cli.help_style import Command
from doseflow.cli.json_output import print_json
from doseflow.cli.progress import progress_bar
from doseflow.cli.tables import print_table
from doseflow.designs.registry import design_from_options
from doseflow.errors import InputError

__all__ = ["simulate_command", "scenario_from_options", "check_simulation_size", "MAX_TRIALS",
           "MAX_WORK", "MAX_CHUNK_PATIENTS"]

#: The commands of this module, added to the application by :mod:`doseflow.cli.app`.
commands = typer.Typer()

#: Most simulated trials (``doseflow.simulate.run.MAX_TRIALS``, not imported at start-up; tested equal).
MAX_TRIALS = 100_000_000
#: Most trials x (largest sample size)^2 of one local run: about half an hour of one core.
MAX_WORK = 10**11
#: Most patients drawn per chunk (trials per chunk x largest sample size): the memory bound.
MAX_CHUNK_PATIENTS = 20_000_000
#: Most trials per chunk.
MAX_CHUNK_SIZE = 1_000_000
#: Most chunks of one run (each has its own seed and job: memory and scheduling overhead).
MAX_CHUNKS = 100_000

_SCENARIO = "Scenario"
#: The choices of ``doseflow.simulate.scenario`` (importing it here would load the engine at
#: start-up; tests/cli/test_simulate_cli.py checks that they are the same).
DLT_TIME_DISTRIBUTIONS = ("uniform", "late", "early")
ARRIVAL_PROCESSES = ("poisson", "uniform")


def scenario_from_options(true_dlt: Optional[str], scenario: Optional[str], target: Optional[float],
                          dlt_window: Optional[float], arrivals_per_month: Optional[float], dlt_time: str,
                          arrival: str):
    """The scenario of the command line: ``--true-dlt`` or a published ``--scenario``, with time if given."""
    from doseflow.simulate.scenario import Scenario

    if (true_dlt is None) == (scenario is None):
        raise InputError("--true-dlt", "given, or --scenario, but not both", true_dlt or scenario,
                         "E.g. --true-dlt 0.05,0.15,0.30,0.45,0.60.")
    if scenario is not None:
        from doseflow.simulate.library import load_scenario

        base = load_scenario(scenario)
        probs, name, source = base.true_dlt, base.name, base.source
        target = target if target is not None else base.target
    else:
        probs = tuple(parse_numbers(true_dlt, "--true-dlt", 0.0, 1.0, noun="a probability"))
        name, source = "", ""
    for flag, value, choices in (("--dlt-time", dlt_time, DLT_TIME_DISTRIBUTIONS), ("--arrival", arrival,
                                                                                     ARRIVAL_PROCESSES)):
        if value not in choices:
            raise InputError(flag, "one of " + ", ".join(choices), value)
    return Scenario(probs, name=name, target=target, dlt_window=dlt_window, arrivals_per_month=arrivals_per_month,
                    dlt_time=dlt_time, arrival=arrival, source=source)


def check_simulation_size(trials: int, chunk_size: int, capacity: int, scheduler: Optional[str], *, runs: int = 1,
                          trials_option: str = "--trials", chunk_option: str = "--chunk-size") -> None:
    """Refuse Monte Carlo work that would exhaust memory (a chunk) or run for hours (all ``runs`` runs of ``trials``).

    ``capacity`` is the largest sample size of a simulated trial; errors name the options
    (or study-file keys) ``trials_option`` and ``chunk_option``.
    """
    if -(-trials // chunk_size) * runs > MAX_CHUNKS:
        raise InputError(chunk_option, f"at least {-(-trials * runs // MAX_CHUNKS):,} trials per chunk for "
                         f"{trials:,} trials{'' if runs == 1 else f' in {runs} runs'} (at most {MAX_CHUNKS:,} chunks)",
                         chunk_size)
    if chunk_size * capacity > MAX_CHUNK_PATIENTS:
        most = MAX_CHUNK_PATIENTS // capacity
        raise InputError(chunk_option, f"at most {most:,} trials for trials of up to {capacity:,} patients "
                         f"({MAX_CHUNK_PATIENTS:,} simulated patients per chunk bound the memory)", chunk_size)
    if scheduler is None and runs * trials * capacity**2 > MAX_WORK:
        most = MAX_WORK // (runs * capacity**2)
        per = f" in each of {runs} runs" if runs > 1 else ""
        raise InputError(trials_option, f"at most {most:,}{per} for trials of up to {capacity:,} patients (a local "
                         "run is bounded to 10^11 trials x patients^2, about half an hour of one core)", trials,
                         "Run fewer trials, or on a Dask cluster with --scheduler.")


@commands.command("simulate", cls=Command)
@with_design_options
def simulate_command(
    design: str = design_argument(),
    true_dlt: Optional[str] = typer.Option(None, "--true-dlt", metavar="NUMBERS", rich_help_panel=_SCENARIO,
                                           help="True DLT probability per level, lowest first, e.g. "
                                                "0.05,0.15,0.3,0.45,0.6 (each in [0, 1]; at most 100 levels)."),
    scenario: Optional[str] = typer.Option(None, "--scenario", metavar="NAME", rich_help_panel=_SCENARIO,
                                           help="A published scenario by name (see `doseflow scenarios`)."),
    target_rate: Optional[float] = number_option(None, "--overdose-target", "DLT rate above which a level is an "
                                                 "overdose in the figures (default: the design's target)",
                                                 minimum=0.0, maximum=1.0, exclusive_minimum=True,
                                                 rich_help_panel=_SCENARIO),
    dlt_window: Optional[float] = number_option(None, "--dlt-window", "Calendar time: DLT window in days",
                                                minimum=0.0, maximum=3650.0, exclusive_minimum=True,
                                                rich_help_panel=_SCENARIO),
    arrivals_per_month: Optional[float] = number_option(None, "--arrivals-per-month", "Calendar time: mean patient "
                                                        "arrivals per month", minimum=0.001, maximum=10_000.0,
                                                        rich_help_panel=_SCENARIO),
    dlt_time: str = typer.Option("uniform", "--dlt-time", metavar="[" + "|".join(DLT_TIME_DISTRIBUTIONS) + "]",
                                 rich_help_panel=_SCENARIO, help="Calendar time: day of a DLT in the window."),
    arrival: str = typer.Option("poisson", "--arrival", metavar="[" + "|".join(ARRIVAL_PROCESSES) + "]",
                                rich_help_panel=_SCENARIO, help="Calendar time: arrival process."),
    exact: bool = typer.Option(False, "--exact", help="Enumerate every outcome path (no Monte Carlo error); for "
                               "designs that decide from counts with outcomes known at once, up to a state budget."),
    trials: Optional[int] = whole_number_option(None, "--trials", "Monte Carlo: simulated trials (default 10,000; "
                                                "trials x largest sample size^2 at most 10^11 locally)",
                                                minimum=1, maximum=MAX_TRIALS),
    seed: int = seed_option(),
    chunk_size: int = whole_number_option(10_000, "--chunk-size", "Monte Carlo: trials per chunk; with the seed it "
                                          "fixes the result (chunk x largest sample size at most 2 x 10^7)",
                                          minimum=1, maximum=MAX_CHUNK_SIZE),
    workers: int = workers_option(),
    scheduler: Optional[str] = scheduler_option(),
    as_json: bool = json_option(),
    design_options: dict = None,  # type: ignore[assignment]
) -> None:
    """A design's operating characteristics, simulated or exact, on true DLT rates.

    Selection %, patients and DLTs per level, sample size, overdoses, how trials end, duration.
    Each Monte Carlo figure comes with its standard error.

    Example: doseflow simulate boin --target 0.3 --max-n 30 --true-dlt 0.05,0.15,0.3,0.45,0.6 --trials 100000
    """
    from doseflow.simulate.run import prepare, simulate

    d = design_from_options(design, design_options)
    sc = scenario_from_options(true_dlt, scenario, target_rate, dlt_window, arrivals_per_month, dlt_time, arrival)
    if exact and (trials is not None or scheduler is not None or workers != 1):
        raise InputError("--exact", "used without --trials, --workers or --scheduler (exact enumeration has no Monte "
                         "Carlo error)", True)
    n_trials = 10_000 if trials is None else trials
    if not exact:
        check_simulation_size(n_trials, chunk_size, prepare(d, sc).capacity, scheduler)
    with progress_bar("enumerating paths" if exact else "simulating") as update:
        oc = simulate(d, sc, n_trials=n_trials, seed=seed, exact=exact, chunk_size=chunk_size, workers=workers,
                      scheduler=scheduler, progress=update)
    if as_json:
        print_json(oc.to_dict())
        return
    console.print(oc.summary(), soft_wrap=True)
    max_n = design_options.get("--max-n")
    if max_n is not None and max_n % d.first_cohort_size:
        console.print(f"note: --max-n {max_n} is not a multiple of the cohort size {d.first_cohort_size}: the cohort "
                      "that would pass it is cut to fit (rule stop_at_sample_size.cut).")


@commands.command("scenarios", cls=Command)
def scenarios_command(as_json: bool = json_option()) -> None:
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
        print_json(rows)
        return
    from rich import box
    from rich.table import Table

    t = Table("name", "true DLT per level", "target", "source", title="Published scenarios", box=box.SIMPLE_HEAD)
    for r in rows:
        t.add_row(r["name"], ", ".join(f"{p:g}" for p in r["true_dlt"]), f"{r['target']:g}" if r["target"] else "",
                  r["source"])
    print_table(t)
