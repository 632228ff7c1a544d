"""Start-up time of the ``doseflow`` command line: each command run as a new process, cold.

Each command is started ``--runs`` times (after one warm-up run that fills the operating
system's file cache) with the console script of this checkout's virtual environment; the
median wall time and the median processor time (user + system, of the finished child)
are printed as a Markdown table for benchmarks/RESULTS.md. "Cold" is a new Python process
each time, as a user's shell starts it (imports not cached in the process).

Usage::

    .venv/bin/python benchmarks/cli_startup.py [--runs 7] [--src OTHER/src]

``--src`` measures another source tree with the same environment (``PYTHONPATH``), e.g. an
export of the previous commit (``git archive engine src | tar -x -C /tmp/base``) for a
before/after comparison. The load average is printed with the table: time start-up on a
quiet machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = Path(sys.executable).parent / "doseflow"

#: The commands timed: the design commands must answer in under 0.5 s.
COMMANDS: tuple[tuple[str, ...], ...] = (
    ("--version",),
    ("--help",),
    ("designs",),
    ("boundaries", "boin", "--cohorts", "10"),
    ("next", "boin", "--n", "3,3,6,0,0,0", "--dlt", "0,0,1,0,0,0", "--current", "3"),
    ("mtd", "boin", "--n", "3,3,15,9,0", "--dlt", "0,0,4,4,0"),
    ("next", "3+3", "--n", "3,6,3,0", "--dlt", "0,1,2,0", "--current", "3"),
    ("simulate", "--help"),
)


def time_command(argv: tuple[str, ...], runs: int, env: dict[str, str]) -> tuple[float, float]:
    """Median wall and processor seconds of ``runs`` runs of ``doseflow argv`` (after one warm-up)."""
    walls, cpus = [], []
    for i in range(runs + 1):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        proc = subprocess.run([str(SCRIPT), *argv], env=env, capture_output=True, check=False)
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode != 0:
            raise SystemExit(f"doseflow {' '.join(argv)} failed: {proc.stderr.decode()[-500:]}")
        if i:  # the first run warms the file cache
            walls.append(wall)
            cpus.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs per command (default 7)")
    parser.add_argument("--src", type=Path, default=None, help="measure this source tree instead (PYTHONPATH)")
    args = parser.parse_args()
    env = dict(os.environ, COLUMNS="80")
    if args.src is not None:
        env["PYTHONPATH"] = str(args.src.resolve())
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}; {args.runs} runs per command; "
          f"source: {args.src or ROOT / 'src'}")
    print()
    print("| command | median wall (s) | median cpu (s) |")
    print("|---|---|---|")
    for argv in COMMANDS:
        wall, cpu = time_command(argv, args.runs, env)
        print(f"| `doseflow {' '.join(argv)}` | {wall:.3f} | {cpu:.3f} |", flush=True)
    print()
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
