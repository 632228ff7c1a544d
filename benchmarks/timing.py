"""What every benchmark prints and how it times: the machine line and best-of-N wall time.

Imported by the scripts beside it (run as ``python benchmarks/<script>.py``, which puts this
folder first on ``sys.path``).
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

__all__ = ["machine", "best_of"]


def machine() -> str:
    """CPU model, cores, Python and NumPy versions, kernel and the 1-minute load average."""
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, NumPy {np.__version__}, "
            f"{platform.system()} {platform.release()}, load average {load:.2f}")


def best_of(fn: Callable[[], object], repeat: int) -> tuple[float, float, object]:
    """Best and median wall time of ``repeat`` calls of ``fn``, and its last result."""
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times), out
