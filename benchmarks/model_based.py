"""Simulated trials per second of the model-based and time-to-event designs, beside the per-trial loop.

Run ``.venv/bin/python benchmarks/model_based.py [--quick]`` and copy the table into
benchmarks/RESULTS.md with the machine line it prints. Scenario: 6 levels, true DLT 0.05,
0.15, 0.30, 0.45, 0.60, 0.70 (S1 of Liu and Yuan 2015), cohorts of 3, 30 patients
(``StopAtSampleSize``). Every job runs in a fresh process (nothing cached: the state graph,
the posteriors memoised per state and the tabulated lattices are all built inside the
timing), once per worker count; the per-trial Python loop over the scalar ``decide``
(``doseflow.simulate.reference.run_trial_reference``) runs on the same scenario in the same
run.

- CRM (empiric, skeleton 0.05, 0.10, 0.20, 0.30, 0.45, 0.60, target 0.3): outcomes known
  at once, so Monte Carlo walks the state graph (built once, every distinct state's
  posterior computed once), and exact enumeration is timed too;
- TITE-CRM (same model, linear weights, 28-day window, Poisson arrivals 4 per month):
  calendar time on the general engine, a posterior for every trial at every event;
- BLRM with EWOC (doses 1, 2, 4, 8, 16, 32, reference dose 4): the state graph.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from timing import machine

ROOT = Path(__file__).resolve().parents[1]

S1 = (0.05, 0.15, 0.30, 0.45, 0.60, 0.70)
SKELETON = (0.05, 0.10, 0.20, 0.30, 0.45, 0.60)


def job(name: str):
    """(design, scenario) of a benchmark job."""
    from doseflow.designs import StopAtSampleSize
    from doseflow.designs.model_based.blrm import BLRM
    from doseflow.designs.model_based.crm import CRM
    from doseflow.designs.model_based.tite_crm import TITECRM
    from doseflow.simulate import Scenario

    if name == "crm":
        return StopAtSampleSize(CRM(target=0.3, skeleton=SKELETON), max_n=30), Scenario(S1)
    if name == "tite-crm":
        design = StopAtSampleSize(TITECRM(target=0.3, skeleton=SKELETON, cohort_size=3), max_n=30)
        return design, Scenario(S1, dlt_window=28, arrivals_per_month=4)
    if name == "blrm":
        return StopAtSampleSize(BLRM(doses=(1, 2, 4, 8, 16, 32), reference_dose=4.0), max_n=30), Scenario(S1)
    raise SystemExit(f"unknown job {name!r}")


def run_job(name: str, trials: int, workers: int, exact: bool) -> dict:
    """One timing in this (fresh) process."""
    from doseflow.simulate import simulate

    design, scenario = job(name)
    start = time.perf_counter()
    oc = simulate(design, scenario, exact=True) if exact else simulate(
        design, scenario, n_trials=trials, seed=1, chunk_size=10_000, workers=workers)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "states": oc.n_states, "selection": [round(v, 1) for v in oc.selection_pct]}


def reference_rate(name: str, trials: int) -> float:
    """Trials per second of the per-trial Python loop over the scalar rule (fresh caches)."""
    import numpy as np

    from doseflow.simulate import draw_patients
    from doseflow.simulate.reference import run_trial_reference

    design, scenario = job(name)
    patients = draw_patients(scenario, trials, 30, np.random.default_rng(1))
    start = time.perf_counter()
    for i in range(trials):
        run_trial_reference(design, patients, i, scenario.n_levels)
    return trials / (time.perf_counter() - start)


def in_fresh_process(*argv: str) -> dict:
    out = subprocess.run([sys.executable, __file__, *argv], capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller jobs")
    parser.add_argument("--job", help=argparse.SUPPRESS)
    parser.add_argument("--trials", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--exact", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--reference", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.job:  # a child process: one timing, as JSON
        if args.reference:
            print(json.dumps({"rate": reference_rate(args.job, args.reference)}))
        else:
            print(json.dumps(run_job(args.job, args.trials, args.workers, args.exact)))
        return
    quick = args.quick
    plan = {  # trials of the Monte Carlo jobs, trials of the per-trial loop
        "crm": (200_000 if quick else 1_000_000, 100),
        "tite-crm": (10_000 if quick else 40_000, 20),
        "blrm": (20_000 if quick else 100_000, 10),
    }
    print(f"machine: {machine()}")
    print("\n| design | trials | 1 worker (trials/s) | 2 workers (trials/s) | per-trial Python loop (trials/s) | "
          "note |")
    print("|---|---|---|---|---|---|")
    for name, (trials, loop) in plan.items():
        rates, note = [], ""
        for workers in (1, 2):
            got = in_fresh_process("--job", name, "--trials", str(trials), "--workers", str(workers))
            rates.append(trials / got["seconds"])
        ref = in_fresh_process("--job", name, "--reference", str(loop))["rate"]
        if name != "tite-crm":
            exact = in_fresh_process("--job", name, "--exact")
            note = f"exact OC {exact['seconds']:.1f} s ({exact['states']:,} states)"
        print(f"| {name} | {trials:,} | {rates[0]:,.0f} | {rates[1]:,.0f} | {ref:,.1f} | {note} |", flush=True)


if __name__ == "__main__":
    main()
