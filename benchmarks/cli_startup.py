"""Start-up time of the ``doseflow`` command line: each command run as a new process, cold.

Each command is started ``--runs`` times (after one warm-up run that fills the operating
system's file cache) with the console script of this checkout's virtual environment; the
median wall time and the median processor time (user + system, of the finished child)
are printed as a Markdown table for benchmarks/RESULTS.md. "Cold" is a new Python process
each time, as a user's shell starts it (nothing cached in the process).

Usage::

    .venv/bin/python benchmarks/cli_startup.py [--runs 7] [--before OTHER/src]

``--before`` times another source tree too (with the same environment, by ``PYTHONPATH``),
e.g. an export of the branch before a change (``git archive engine src | tar -x -C
/tmp/before``): the two are run in turn, before, after, before, after..., so that a change
in the machine's load during the measurement touches both alike, and the table gives both
medians and their ratio. The load average is printed with the table: the machine is shared,
and a loaded one stretches every time.
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
    # The model-based designs' posterior lattice needs scipy.special (the sine integral).
    ("next", "crm", "--n", "3,3,6,0,0,0", "--dlt", "0,0,1,0,0,0", "--current", "3",
     "--skeleton", "0.05,0.1,0.2,0.3,0.45,0.6"),
    ("next", "blrm", "--n", "3,3,6,0,0,0", "--dlt", "0,0,1,0,0,0", "--current", "3", "--doses", "1,2,4,8,16,32"),
)


def run_once(argv: tuple[str, ...], env: dict[str, str]) -> tuple[float, float]:
    """Wall and processor seconds of one run of ``doseflow argv``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run([str(SCRIPT), *argv], env=env, capture_output=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"doseflow {' '.join(argv)} failed: {proc.stderr.decode()[-500:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def time_commands(envs: dict[str, dict[str, str]], runs: int) -> dict[tuple[str, ...], dict[str, tuple[float, float]]]:
    """Median (wall, cpu) per command and source tree, the trees' runs interleaved."""
    out = {}
    for argv in COMMANDS:
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in envs}
        for i in range(runs + 1):
            for name, env in envs.items():
                measured = run_once(argv, env)
                if i:  # the first round warms the file cache
                    times[name].append(measured)
        out[argv] = {name: (statistics.median(w for w, _ in t), statistics.median(c for _, c in t))
                     for name, t in times.items()}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs per command (default 7)")
    parser.add_argument("--before", type=Path, default=None, help="also time this source tree (PYTHONPATH)")
    args = parser.parse_args()
    envs = {"after": dict(os.environ, COLUMNS="80")}
    if args.before is not None:
        envs = {"before": dict(os.environ, COLUMNS="80", PYTHONPATH=str(args.before.resolve())), **envs}
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}; {args.runs} runs per command "
          f"and source tree; {os.cpu_count()} processors")
    results = time_commands(envs, args.runs)
    print()
    if args.before is None:
        print("| command | median wall (s) | median cpu (s) |")
        print("|---|---|---|")
        for argv, r in results.items():
            print(f"| `doseflow {' '.join(argv)}` | {r['after'][0]:.3f} | {r['after'][1]:.3f} |")
    else:
        print("| command | before: wall (s) | before: cpu (s) | after: wall (s) | after: cpu (s) | after / before |")
        print("|---|---|---|---|---|---|")
        for argv, r in results.items():
            (bw, bc), (aw, ac) = r["before"], r["after"]
            print(f"| `doseflow {' '.join(argv)}` | {bw:.3f} | {bc:.3f} | {aw:.3f} | {ac:.3f} | {aw / bw:.2f} |")
    print()
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
