"""Timing of the batched model-based posteriors (doseflow.designs.model_based), to stdout.

Cases (6 levels, up to 30 patients = 10 cohorts of 3):

1. 10,000 trials with random count states (almost all distinct: the worst case) for the
   CRM (empiric and logistic), the TITE-CRM (three pending patients each) and the BLRM;
2. a vectorised mock simulation of 10,000 CRM and BLRM trials (10 cohorts of 3, start at
   level 1, no skipping, CRM: dfcrm's level, BLRM: EWOC with at most doubling), posteriors
   computed once per distinct count state of each cohort (``compute_once_per_state``),
   tabulated lattices reused within a run (``lattice_cache``): the posterior part of a
   real simulation, with its trials per second (each run starts with an empty cache).

Run: ``.venv/bin/python benchmarks/model_based_posteriors.py`` (one core: BLAS threads set
to 1 unless set in the environment). Timings are the best of three runs, wall clock.
"""

from __future__ import annotations

import functools
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from doseflow.designs.model_based import (  # noqa: E402
    BLRMPrior,
    compute_blrm_posterior,
    compute_crm_posterior,
    compute_crm_recommended_level,
    compute_ewoc_next_level,
    compute_once_per_state,
    find_distinct_states,
)

SKELETON = np.array([0.05, 0.10, 0.20, 0.35, 0.50, 0.70])
TRUTH = np.array([0.05, 0.10, 0.20, 0.30, 0.45, 0.60])
DOSES = np.array([1.0, 2.0, 4.0, 8.0, 16.0, 32.0])
PRIOR = BLRMPrior(np.log(0.25 / 0.75), 0.0, 2.0, 1.0)
TARGET = 0.25


def best_of(run, repeats: int = 3) -> float:
    """Best wall time of ``repeats`` calls of ``run()``, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def random_states(trials: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Counts of 10 cohorts of 3 put at random levels, DLTs drawn from TRUTH."""
    rng = np.random.default_rng(seed)
    level = rng.integers(0, 6, size=(trials, 10))
    n = np.zeros((trials, 6), dtype=np.int64)
    for j in range(10):
        np.add.at(n, (np.arange(trials), level[:, j]), 3)
    return n, rng.binomial(n, TRUTH)


def simulate(trials: int, choose, seed: int = 2) -> tuple[float, int]:
    """Seconds to run 10 cohorts of 3 for ``trials`` trials, and the posteriors computed.

    ``choose(n, y, highest)`` returns the next 0-based level per trial (-1: stop).
    """
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    n = np.zeros((trials, 6), dtype=np.int64)
    y = np.zeros((trials, 6), dtype=np.int64)
    current = np.zeros(trials, dtype=np.int64)
    highest = np.zeros(trials, dtype=np.int64)
    active = np.ones(trials, dtype=bool)
    computed = 0
    for cohort in range(10):
        rows = np.flatnonzero(active)
        n[rows, current[rows]] += 3
        y[rows, current[rows]] += rng.binomial(3, TRUTH[current[rows]])
        highest = np.maximum(highest, current)
        if cohort == 9:
            break
        computed += len(find_distinct_states(n[rows], y[rows])[0])
        following = choose(n[rows], y[rows], highest[rows])
        stop = following < 0
        active[rows[stop]] = False
        current[rows] = np.where(stop, current[rows], np.minimum(following, highest[rows] + 1))
    return time.perf_counter() - start, computed


def crm_chooser():
    """dfcrm's level from the posterior of each distinct state (lattices cached per run)."""
    posterior = functools.partial(compute_crm_posterior, SKELETON, credible_intervals=False, lattice_cache={})

    def choose(n: np.ndarray, y: np.ndarray, highest: np.ndarray) -> np.ndarray:
        return compute_crm_recommended_level(compute_once_per_state(posterior, n, y).toxicity_plugin, TARGET)

    return choose


def blrm_chooser():
    """EWOC (at most doubling) from the posterior of each distinct state (lattices cached per run)."""
    posterior = functools.partial(compute_blrm_posterior, DOSES, 8.0, prior=PRIOR, lattice_cache={})

    def choose(n: np.ndarray, y: np.ndarray, highest: np.ndarray) -> np.ndarray:
        probabilities = compute_once_per_state(posterior, n, y).interval_probabilities
        return compute_ewoc_next_level(probabilities, DOSES, highest)

    return choose


def main() -> None:
    trials = 10_000
    n, y = random_states(trials)
    distinct = len(find_distinct_states(n, y)[0])
    rng = np.random.default_rng(3)
    pending_level = rng.integers(0, 6, size=(trials, 3))
    pending_weight = rng.random((trials, 3))
    print(f"1. {trials:,} random count states ({distinct:,} distinct), 6 levels, n = 30")
    cases = {
        "CRM empiric": lambda: compute_crm_posterior(SKELETON, n, y, credible_intervals=False),
        "CRM logistic": lambda: compute_crm_posterior(SKELETON, n, y, model="logistic", credible_intervals=False),
        "CRM empiric + 90% credible intervals": lambda: compute_crm_posterior(SKELETON, n, y),
        "TITE-CRM empiric, 3 pending patients": lambda: compute_crm_posterior(
            SKELETON, n, y, pending_level=pending_level, pending_weight=pending_weight, credible_intervals=False
        ),
        "BLRM (interval probabilities, moments)": lambda: compute_blrm_posterior(DOSES, 8.0, n, y, PRIOR),
    }
    for name, run in cases.items():
        seconds = best_of(run, 3 if "BLRM" not in name else 2)
        print(f"   {name:42s} {seconds:7.3f} s  ({1e6 * seconds / trials:6.1f} us per trial)")
    print(f"2. mock simulation of {trials:,} trials, 10 cohorts of 3, posteriors once per distinct state")
    for name, chooser in (("CRM empiric", crm_chooser), ("BLRM + EWOC", blrm_chooser)):
        seconds, computed = min(simulate(trials, chooser()) for _ in range(2))
        print(
            f"   {name:42s} {seconds:7.3f} s  {computed:,} posteriors for {9 * trials:,} decisions"
            f"  ({trials / seconds:,.0f} trials/s)"
        )


if __name__ == "__main__":
    main()
