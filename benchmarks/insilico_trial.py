"""Benchmark of the virtual phase Ia trial engine (doseflow.insilico.trial, replicate).

Budgets (task): one virtual trial of 32 patients with full PK, platelet and tumour
trajectories and records under 1 s; 1,000 replicate trials under 60 s with 2 workers.
Prints the machine, the timings and the replicate medians beside the published figures.
Run: ``.venv/bin/python benchmarks/insilico_trial.py [n_trials]``
"""

from __future__ import annotations

import os
import platform
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from doseflow.insilico.preset import load_preset  # noqa: E402
from doseflow.insilico.replicate import run_replicates  # noqa: E402
from doseflow.insilico.trial import simulate_trial  # noqa: E402


def main(n_trials: int = 1000) -> None:
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.platform()}")
    preset = load_preset("gq1001")
    simulate_trial(preset, 0)  # warm-up
    times = []
    for seed in range(1, 4):
        start = time.perf_counter()
        simulate_trial(preset, seed)
        times.append(time.perf_counter() - start)
    print(f"one trial with records (32 patients), seeds 1-3: best {min(times):.2f} s, median {sorted(times)[1]:.2f} s, "
          f"worst {max(times):.2f} s (budget 1 s)")
    start = time.perf_counter()
    study = run_replicates(preset, n_trials, 1, workers=2)
    print(f"{n_trials} replicate trials, 2 workers: {time.perf_counter() - start:.1f} s (budget 60 s)")
    print(f"no DLT in {100 * study.no_dlt_fraction:.1f}% of trials")
    print(f"{'figure':24s} {'median':>8s} {'5%':>8s} {'95%':>8s} {'published':>9s}")
    for fig, med, p5, p95, pub, tol in study.table():
        print(f"{fig:24s} {med:8.2f} {p5:8.2f} {p95:8.2f} {'' if pub is None else f'{pub:9.1f}'}")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
