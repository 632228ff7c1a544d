"""doseflow benchmarks: wall time of the headline jobs, printed as a Markdown table.

Run with ``make bench`` (or ``.venv/bin/python benchmarks/run.py [--quick]``) and copy the
table into benchmarks/RESULTS.md with the machine line it prints. Each job runs ``repeat``
times and reports the best and median wall time; these are benchmarks, not tests.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from timing import best_of, machine

ROOT = Path(__file__).resolve().parents[1]
PHARMAVERSE = ROOT / ".." / "shared" / "data" / "pharmaverse" / "sdtm"
SCENARIO = [0.05, 0.15, 0.30, 0.45, 0.60]


def jobs(quick: bool) -> list[tuple[str, Callable[[], object], Callable[[object], str]]]:
    from doseflow.designs import BOIN, AcceleratedTitration, StopAtSampleSize, ThreePlusThree
    from doseflow.simulate import simulate
    from doseflow.simulate.graph import build_state_graph

    def exact(design):
        build_state_graph.cache_clear()  # the state graph is built inside every timing
        return simulate(design, SCENARIO, exact=True)

    n = 10_000 if quick else 100_000
    boin = StopAtSampleSize(BOIN(target=0.3), max_n=30)
    out = [
        ("3+3 exact OC (variant B, 5 levels)",
         lambda: exact(ThreePlusThree()),
         lambda r: f"{r.n_states:,} states"),
        ("BOIN exact OC (10 cohorts of 3)",
         lambda: exact(boin),
         lambda r: f"{r.n_states:,} states"),
        (f"3+3 Monte Carlo, {n:,} trials",
         lambda: simulate(ThreePlusThree(), SCENARIO, n_trials=n, seed=1),
         lambda r: f"mean N {r.sample_size_mean:.1f}"),
        (f"BOIN Monte Carlo, {n:,} trials of 30 patients",
         lambda: simulate(boin, SCENARIO, n_trials=n, seed=1),
         lambda r: f"mean N {r.sample_size_mean:.1f}"),
        (f"BOIN Monte Carlo, {n:,} trials, 2 workers",
         lambda: simulate(boin, SCENARIO, n_trials=n, seed=1, workers=2),
         lambda r: "same result as 1 worker (tested)"),
        (f"accelerated 3+3 Monte Carlo, {n:,} trials",
         lambda: simulate(StopAtSampleSize(AcceleratedTitration(ThreePlusThree()), max_n=30), SCENARIO,
                          n_trials=n, seed=1),
         lambda r: f"mean N {r.sample_size_mean:.1f}"),
    ]
    try:
        from doseflow.insilico.replicate import run_replicates  # noqa: F401
        from doseflow.insilico.preset import load_preset
        from doseflow.insilico.trial import simulate_trial

        preset = load_preset("gq1001")
        trials = 100 if quick else 1000
        out += [
            ("in-silico GQ1001 trial, 32 patients, records built",
             lambda: simulate_trial(preset, seed=1),
             lambda r: f"{len(r.patients)} patients"),
            (f"in-silico replicate study, {trials:,} trials, 2 workers",
             lambda: run_replicates(preset, n_trials=trials, seed=1, workers=2),
             lambda r: f"{r.trials} trials; no DLT in {100 * r.no_dlt_fraction:.0f}%"),
        ]
    except ImportError as exc:  # the in-silico trial is optional for this script
        print(f"(in-silico jobs skipped: {exc})")
    if PHARMAVERSE.is_dir():
        from doseflow.readout.pipeline import run_readout

        out.append(("readout of the pharmaverse SDTM folder (no report)",
                    lambda: run_readout(PHARMAVERSE),
                    lambda r: "all analyses"))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller jobs, one repeat")
    parser.add_argument("--only", default="", help="run jobs whose name contains this text")
    args = parser.parse_args()
    repeat = 1 if args.quick else 3
    print(f"machine: {machine()}")
    print()
    print("| job | best (s) | median (s) | note |")
    print("|---|---|---|---|")
    for name, fn, note in jobs(args.quick):
        if args.only and args.only.lower() not in name.lower():
            continue
        best, med, result = best_of(fn, repeat)
        print(f"| {name} | {best:.3f} | {med:.3f} | {note(result)} |", flush=True)


if __name__ == "__main__":
    main()
