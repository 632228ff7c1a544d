"""``simulate``: operating characteristics of a design in a scenario, exact or by Monte Carlo.

Monte Carlo runs trials in chunks of fixed size; chunk k draws its patients from the k-th
child of ``numpy.random.SeedSequence(seed)``, so the result depends on (seed, chunk size)
alone: not on the backend (local processes or a Dask cluster), the number of workers, or
the order in which chunks finish. Each chunk is reduced to sums at once, so memory is
bounded by the chunk size, not the number of trials. Designs whose trials form a state
graph (cohort outcomes known at once, decisions from counts) walk the graph, which gives
the same trials as the general engine and is faster.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from doseflow.checks import check_int
from doseflow.designs.wrappers import StopAtSampleSize
from doseflow.errors import ConfigError
from doseflow.simulate.backends import Backend, make_backend
from doseflow.simulate.engine import ENGINE_RULES, check_followup_window, run_trials
from doseflow.simulate.exact import compute_exact_oc
from doseflow.simulate.graph import build_state_graph, graph_supports, walk_state_graph
from doseflow.simulate.metrics import ChunkSummary, OperatingCharacteristics, combine_summaries, summarise_runs
from doseflow.simulate.patients import draw_patients
from doseflow.simulate.scenario import Scenario

__all__ = ["simulate", "prepare", "Prepared", "MAX_PATIENTS", "MAX_TRIALS"]

#: Largest patient capacity of one simulated trial.
MAX_PATIENTS = 2_000
#: Largest number of simulated trials in one call.
MAX_TRIALS = 100_000_000


@dataclass(frozen=True)
class Prepared:
    """A design ready to simulate: wrapped with the user's sample-size cap, with its capacity and target."""

    design: object
    scenario: Scenario
    capacity: int
    target: float | None
    graph: bool
    draw_capacity: int


def as_scenario(scenario: Scenario | Sequence[float]) -> Scenario:
    """A :class:`Scenario` from itself or from true DLT probabilities."""
    return scenario if isinstance(scenario, Scenario) else Scenario(tuple(scenario))


def prepare(design, scenario: Scenario | Sequence[float], *, max_n: int | None = None) -> Prepared:
    """Check that ``design`` can be simulated in ``scenario`` and fix its patient capacity.

    ``max_n`` caps the sample size (a :class:`~doseflow.designs.wrappers.StopAtSampleSize`
    around the design; the trials it cuts are counted in ``stop_reasons``). A design that
    never stops by itself needs one.
    """
    scenario = as_scenario(scenario)
    if max_n is not None:
        design = StopAtSampleSize(design, max_n=check_int(max_n, "max_n", minimum=1, maximum=MAX_PATIENTS))
    capacity = design.max_sample_size(scenario.n_levels)
    if capacity is None:
        raise ConfigError("max_n", f"a maximum sample size: {design.name} does not stop by itself", None,
                          "Give --max-n (e.g. 30), or wrap the design in StopAtSampleSize.")
    if capacity > MAX_PATIENTS:
        raise ConfigError("max_n", f"at most {MAX_PATIENTS:,} patients per trial", capacity)
    if getattr(design, "needs_calendar", False) and not scenario.timed:
        name = getattr(design, "innermost", design).name
        raise ConfigError("scenario", f"a DLT window and an arrival rate for {name} (it enrols while outcomes "
                          "are pending)", None, "Give --dlt-window and --arrivals-per-month.")
    if scenario.timed:
        check_followup_window(design, scenario.dlt_window)
    target = scenario.target if scenario.target is not None else design.target
    return Prepared(design, scenario, int(capacity), target, graph_supports(design, scenario.timed), int(capacity))


def run_chunk(job: tuple) -> ChunkSummary:
    """Simulate one chunk: draw its patients from its seed, run the trials, reduce them to sums."""
    prepared, n_trials, seed_seq = job
    rng = np.random.default_rng(seed_seq)
    patients = draw_patients(prepared.scenario, n_trials, prepared.draw_capacity, rng)
    k = prepared.scenario.n_levels
    if prepared.graph:
        runs = walk_state_graph(build_state_graph(prepared.design, k, prepared.capacity), patients)
    else:
        runs = run_trials(prepared.design, patients, k)
    return summarise_runs(runs, prepared.scenario, prepared.target)


def simulate(
    design,
    scenario: Scenario | Sequence[float],
    *,
    n_trials: int = 10_000,
    seed: int = 1,
    exact: bool = False,
    max_n: int | None = None,
    chunk_size: int = 10_000,
    workers: int = 1,
    scheduler: str | None = None,
    client=None,
    backend: Backend | None = None,
    progress: Callable[[int, int], None] | None = None,
    patients_per_trial: int | None = None,
) -> OperatingCharacteristics:
    """Operating characteristics of ``design`` in ``scenario``.

    Parameters
    ----------
    design
        Any doseflow design (with its wrappers).
    scenario : Scenario or sequence of float
        The truth (true DLT probability per level, optionally time).
    n_trials : int
        Monte Carlo: number of simulated trials (1 to 10^8).
    seed : int >= 0
        Monte Carlo: the seed, the only source of randomness.
    exact : bool
        Enumerate every outcome path instead (no Monte Carlo error).
    max_n : int, optional
        Cap on the sample size; required for designs that do not stop by themselves.
    chunk_size : int
        Trials per chunk: part of the random-number layout (same seed and chunk size, same
        result) and the bound on memory.
    workers : int
        Local worker processes (ignored with a Dask scheduler or client).
    scheduler : str, optional
        Address of a Dask scheduler (``tcp://HOST:PORT``).
    client : dask.distributed.Client, optional
        A Dask client to run on.
    backend : Backend, optional
        Any object with ``map`` (overrides ``workers``/``scheduler``/``client``).
    progress : callable, optional
        ``progress(done, total)`` as chunks finish.
    patients_per_trial : int, optional
        Simulated patients drawn per trial (default: the design's largest sample size). The
        patients of a seed depend on it: designs compared with the same value (and seed and
        chunk size) meet the same patients.

    Returns
    -------
    OperatingCharacteristics

    Examples
    --------
    >>> from doseflow.designs import BOIN
    >>> oc = simulate(BOIN(target=0.3), [0.05, 0.15, 0.30, 0.45, 0.60], n_trials=2_000, max_n=30, seed=7)
    >>> oc.n_trials, len(oc.selection_pct), round(sum(oc.selection_pct) + oc.no_mtd_pct)
    (2000, 5, 100)
    """
    prepared = prepare(design, scenario, max_n=max_n)
    if exact:
        return compute_exact_oc(prepared.design, prepared.scenario, prepared.capacity, target=prepared.target)
    n_trials = check_int(n_trials, "n_trials", minimum=1, maximum=MAX_TRIALS)
    seed = check_int(seed, "seed", minimum=0, maximum=2**63 - 1)
    chunk_size = check_int(chunk_size, "chunk_size", minimum=1, maximum=1_000_000)
    workers = check_int(workers, "workers", minimum=1, maximum=256)
    if patients_per_trial is not None:
        draw = check_int(patients_per_trial, "patients_per_trial", minimum=prepared.capacity, maximum=MAX_PATIENTS)
        prepared = replace(prepared, draw_capacity=draw)
    if prepared.graph:
        try:  # built here once; forked local workers inherit it
            build_state_graph(prepared.design, prepared.scenario.n_levels, prepared.capacity)
        except ConfigError:
            prepared = replace(prepared, graph=False)
    n_chunks = -(-n_trials // chunk_size)
    children = np.random.SeedSequence(seed).spawn(n_chunks)
    jobs = [(prepared, min(chunk_size, n_trials - i * chunk_size), children[i]) for i in range(n_chunks)]
    runner = backend or make_backend(workers, scheduler, client)
    finished = []

    def report(chunk: int) -> None:
        finished.append(chunk)
        progress(len(finished), n_chunks)

    try:
        parts = runner.map(run_chunk, jobs, None if progress is None else report)
    finally:
        if backend is None:
            runner.close()
    return OperatingCharacteristics.from_summary(
        combine_summaries(parts), prepared.design, prepared.scenario, tuple(prepared.design.rules) + ENGINE_RULES,
        target=prepared.target, seed=seed, chunk_size=chunk_size,
    )
