"""Timing of the in-silico PK + toxicity models (doseflow.insilico), printed to stdout.

Cases (budget from the task): 32 patients x 20 cycles of PK + platelets + AST/ALT (+ AE
hazards and grading) well under 1 s; 32,000 patients (1,000 trials of 32) x 20 cycles
under ~30 s on one core. Run: ``.venv/bin/python benchmarks/insilico_pk_tox.py``.
"""

from __future__ import annotations

import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from doseflow.insilico.models.pk import GQ1001_DEFAULT, PKModel  # noqa: E402
from doseflow.insilico.models.toxicity import GQ1001_TOXICITY, ToxicityModel, simulate_cycle  # noqa: E402

DOSE_MIX = np.repeat([1.2, 2.4, 3.6, 4.8, 6.0, 7.2, 8.4], [3, 3, 3, 4, 4, 8, 7])


def run(n_trials: int, n_cycles: int, seed: int = 1) -> float:
    """Seconds to simulate n_trials x 32 patients over n_cycles 21-day cycles."""
    rng = np.random.default_rng(seed)
    dose = np.tile(DOSE_MIX, n_trials)
    weight = np.exp(rng.normal(np.log(66.0), 0.2, dose.size))
    start = time.perf_counter()
    pk = PKModel.from_population(GQ1001_DEFAULT, weight, rng)
    tox = ToxicityModel(GQ1001_TOXICITY, dose.size, rng)
    state = pk.initial_state([tox])
    for _ in range(n_cycles):
        out = simulate_cycle(pk, tox, state, dose, rng)
        state = out.state
    return time.perf_counter() - start


if __name__ == "__main__":
    run(1, 1)  # warm-up (imports, first allocations)
    for n_trials, budget in ((1, 1.0), (1000, 30.0)):
        seconds = run(n_trials, 20)
        print(f"{n_trials * 32:>6} patients x 20 cycles: {seconds:7.3f} s (budget {budget:g} s)")
