"""The trial engine's benchmark: trials per second, exact enumeration, calendar time, memory.

Run ``.venv/bin/python benchmarks/engine.py [--quick]`` on a quiet machine and copy the
tables into benchmarks/RESULTS.md with the machine line. Every throughput is measured beside
the per-trial Python loop over the scalar ``decide`` (``doseflow.simulate.reference``) in
the same run. Scenario: 6 levels, true DLT 0.05, 0.15, 0.30, 0.45, 0.60, 0.70 (S1 of Liu and
Yuan 2015), target 0.3, cohorts of 3, 10 cohorts (30 patients).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np
from timing import best_of, machine

S1 = (0.05, 0.15, 0.30, 0.45, 0.60, 0.70)


def designs():
    from doseflow.designs import BOIN, MTPI2, I3Plus3, Keyboard, StopAtSampleSize, ThreePlusThree

    return {
        "BOIN": StopAtSampleSize(BOIN(target=0.3), max_n=30),
        "keyboard": StopAtSampleSize(Keyboard(target=0.3), max_n=30),
        "mTPI-2": StopAtSampleSize(MTPI2(target=0.3), max_n=30),
        "i3+3": StopAtSampleSize(I3Plus3(target=0.3), max_n=30),
        "3+3": StopAtSampleSize(ThreePlusThree(), max_n=30),
    }


def reference_rate(design, scenario, trials: int) -> float:
    """Trials per second of the per-trial Python loop over the scalar decide."""
    from doseflow.simulate import draw_patients
    from doseflow.simulate.reference import run_trial_reference

    capacity = design.max_sample_size(scenario.n_levels)
    patients = draw_patients(scenario, trials, capacity, np.random.default_rng(1))
    t0 = time.perf_counter()
    for i in range(trials):
        run_trial_reference(design, patients, i, scenario.n_levels)
    return trials / (time.perf_counter() - t0)


def throughput_table(designs_by_name: dict, scenario, n: int, repeat: int, reference_trials: int) -> None:
    """Trials per second with 1 and 2 workers (chunks of 20,000) beside the per-trial Python loop."""
    from doseflow.simulate import simulate

    print("| design | 1 worker (trials/s) | 2 workers (trials/s) | per-trial Python loop (trials/s) |")
    print("|---|---|---|---|")
    for name, design in designs_by_name.items():
        rates = []
        for workers in (1, 2):
            simulate(design, scenario, n_trials=20_000, seed=1, chunk_size=20_000, workers=workers)  # warm up
            best, _, _ = best_of(lambda: simulate(design, scenario, n_trials=n, seed=1, chunk_size=20_000,
                                                  workers=workers), repeat)
            rates.append(n / best)
        ref = reference_rate(design, scenario, reference_trials)
        print(f"| {name} | {rates[0]:,.0f} | {rates[1]:,.0f} | {ref:,.0f} |", flush=True)


def monte_carlo(quick: bool, repeat: int) -> None:
    from doseflow.simulate import Scenario

    n = 200_000 if quick else 2_000_000
    print(f"\n### Monte Carlo, outcomes known at once ({n:,} trials, chunks of 20,000)\n")
    throughput_table(designs(), Scenario(S1), n, repeat, 300)


def exact(repeat: int) -> None:
    from doseflow.designs import BOIN, StopAtSampleSize
    from doseflow.simulate import simulate
    from doseflow.simulate.graph import build_state_graph

    print("\n### Exact operating characteristics (BOIN, 10 cohorts of 3)\n")
    print("| job | best (s) | median (s) | states |")
    print("|---|---|---|---|")
    design = StopAtSampleSize(BOIN(target=0.3), max_n=30)

    def run():
        build_state_graph.cache_clear()
        return simulate(design, S1, exact=True)

    best, med, _ = best_of(run, repeat)
    print(f"| exact OC, 6 levels (graph built anew each time) | {best:.3f} | {med:.3f} | {run().n_states:,} |")


def calendar(quick: bool, repeat: int) -> None:
    from doseflow.designs import BOIN, RollingSix, StopAtSampleSize
    from doseflow.simulate import Scenario

    n = 100_000 if quick else 1_000_000
    print(f"\n### Calendar time: Poisson arrivals 4 per month, 28-day DLT window ({n:,} trials)\n")
    throughput_table({"rolling six": RollingSix(),
                      "BOIN (cohorts of 3)": StopAtSampleSize(BOIN(target=0.3), max_n=30)},
                     Scenario(S1, dlt_window=28, arrivals_per_month=4), n, repeat, 200)


def memory(quick: bool) -> None:
    print("\n### Peak memory (maximum resident set of a fresh process; BOIN, 1 worker, chunks of 20,000)\n")
    print("| trials | peak RSS (MB) | wall (s) |")
    print("|---|---|---|")
    for n in ([10_000, 1_000_000] if quick else [10_000, 1_000_000, 10_000_000]):
        code = (
            "import resource, time, json\n"
            "from doseflow.designs import BOIN, StopAtSampleSize\n"
            "from doseflow.simulate import simulate\n"
            "t = time.perf_counter()\n"
            f"simulate(StopAtSampleSize(BOIN(target=0.3), max_n=30), {list(S1)}, n_trials={n}, chunk_size=20000)\n"
            "print(json.dumps([resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, time.perf_counter() - t]))\n"
        )
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        rss, wall = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"| {n:,} | {rss:.0f} | {wall:.1f} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller jobs, one repeat")
    parser.add_argument("--only", choices=["mc", "exact", "calendar", "memory"], default=None)
    args = parser.parse_args()
    repeat = 1 if args.quick else 3
    print(f"machine: {machine()}")
    for key, job in (("mc", lambda: monte_carlo(args.quick, repeat)), ("exact", lambda: exact(repeat)),
                     ("calendar", lambda: calendar(args.quick, repeat)), ("memory", lambda: memory(args.quick))):
        if args.only in (None, key):
            job()
    print(f"\npeak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
