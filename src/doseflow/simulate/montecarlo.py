"""Operating characteristics by Monte Carlo, reproducible for a seed whatever the chunking.

Trials run in chunks of fixed size; chunk ``k`` draws its simulated patients from the
``k``-th child of ``numpy.random.SeedSequence(seed)``, so a result depends on the seed
alone, not on how chunks are scheduled or how many worker processes run them.
Each simulated patient has one latent uniform ``u``; the patient has a DLT at level ``j``
if ``u < p_j`` (true DLT probabilities), which makes toxicity monotone in dose for every
patient and lets designs be compared on the same patients (Brock's *escalation* package
does the same through its patient samples).
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from doseflow.checks import check_int, check_probability
from doseflow.simulate.escalation import run_escalation

__all__ = ["SimulatedOC", "simulate_oc"]


@dataclass(frozen=True)
class SimulatedOC:
    """Monte Carlo operating characteristics of a design in one scenario.

    Percentages are 0-100; ``*_se`` are Monte Carlo standard errors of the same units.
    ``selection_pct[j]`` is the % of trials selecting level ``j + 1`` as MTD.
    """

    design: str
    true_dlt: tuple[float, ...]
    target: float | None
    n_trials: int
    seed: int
    selection_pct: np.ndarray
    selection_se: np.ndarray
    no_mtd_pct: float
    patients_per_dose: np.ndarray
    dlts_per_dose: np.ndarray
    mean_n: float
    mean_n_se: float
    mean_dlts: float
    early_stop_pct: float
    overdosed_pct: float
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "design": self.design,
            "true_dlt": list(self.true_dlt),
            "n_trials": self.n_trials,
            "seed": self.seed,
            "selection_pct": self.selection_pct.round(2).tolist(),
            "no_mtd_pct": round(self.no_mtd_pct, 2),
            "patients_per_dose": self.patients_per_dose.round(3).tolist(),
            "dlts_per_dose": self.dlts_per_dose.round(3).tolist(),
            "mean_n": round(self.mean_n, 3),
            "mean_dlts": round(self.mean_dlts, 3),
            "early_stop_pct": round(self.early_stop_pct, 2),
            "overdosed_pct": round(self.overdosed_pct, 2),
        }

    def __repr__(self) -> str:
        sel = " ".join(f"{v:5.1f}" for v in self.selection_pct)
        return (
            f"<SimulatedOC {self.design}: {self.n_trials} trials, seed {self.seed}; "
            f"selection % {sel}, none {self.no_mtd_pct:.1f}; mean N {self.mean_n:.2f}>"
        )


def _run_chunk(args) -> dict:
    design, p, max_n, n_trials, seed_seq, start_level = args
    rng = np.random.default_rng(seed_seq)
    u = rng.random((n_trials, max_n))
    outcomes = u[:, :, None] < p[None, None, :]
    run = run_escalation(design, outcomes, max_n=max_n, start_level=start_level)
    k = len(p)
    sel = np.bincount(run.mtd + 1, minlength=k + 1)  # index 0 = no MTD
    return {
        "sel": sel,
        "n": run.n.sum(axis=0),
        "y": run.y.sum(axis=0),
        "ss": run.sample_size.astype(float),
        "early": int((run.stopped_early & (run.mtd < 0)).sum()),
        "n_levels_patients": run.n,
    }


def simulate_oc(
    design,
    true_dlt,
    *,
    n_trials: int = 10_000,
    max_n: int = 30,
    seed: int = 1,
    target: float | None = None,
    chunk_size: int = 1_000,
    workers: int = 1,
    start_level: int = 0,
) -> SimulatedOC:
    """Simulate ``n_trials`` trials of ``design`` under true DLT probabilities ``true_dlt``.

    Parameters
    ----------
    design
        Any doseflow design.
    true_dlt : sequence of float
        True DLT probability per level (lowest first), each in [0, 1].
    n_trials, max_n : int
        Number of simulated trials and the maximum sample size per trial.
    seed : int
        The only source of randomness (see module docstring).
    target : float, optional
        Target DLT rate; levels with true DLT probability above it count as overdoses in
        ``overdosed_pct`` (% of patients treated above the target). Defaults to the
        design's ``target`` if it has one.
    chunk_size : int
        Trials per chunk. Part of the random-number layout: the same seed and chunk size
        give the same result.
    workers : int
        Worker processes; the result does not depend on it.

    Returns
    -------
    SimulatedOC
    """
    p = np.array([check_probability(v, f"true_dlt level {i + 1}", open_interval=False) for i, v in enumerate(true_dlt)])
    n_trials = check_int(n_trials, "n_trials", minimum=1)
    max_n = check_int(max_n, "max_n", minimum=1)
    chunk_size = check_int(chunk_size, "chunk_size", minimum=1)
    workers = check_int(workers, "workers", minimum=1)
    if target is None:
        target = getattr(design, "target", None)
    n_chunks = -(-n_trials // chunk_size)
    children = np.random.SeedSequence(seed).spawn(n_chunks)
    sizes = [min(chunk_size, n_trials - i * chunk_size) for i in range(n_chunks)]
    jobs = [(design, p, max_n, sizes[i], children[i], start_level) for i in range(n_chunks)]
    if workers == 1 or n_chunks == 1:
        parts = [_run_chunk(j) for j in jobs]
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            parts = list(pool.map(_run_chunk, jobs))
    k = len(p)
    sel = sum(part["sel"] for part in parts)
    frac = sel / n_trials
    se = np.sqrt(frac * (1 - frac) / n_trials) * 100
    ss = np.concatenate([part["ss"] for part in parts])
    n_tot = sum(part["n"] for part in parts)
    y_tot = sum(part["y"] for part in parts)
    over = 0.0
    if target is not None:
        over = float(n_tot[p > target].sum() / max(n_tot.sum(), 1) * 100)
    return SimulatedOC(
        design=getattr(design, "name", type(design).__name__),
        true_dlt=tuple(float(v) for v in p),
        target=target,
        n_trials=n_trials,
        seed=seed,
        selection_pct=frac[1:] * 100,
        selection_se=se[1:],
        no_mtd_pct=float(frac[0] * 100),
        patients_per_dose=n_tot / n_trials,
        dlts_per_dose=y_tot / n_trials,
        mean_n=float(ss.mean()),
        mean_n_se=float(ss.std(ddof=1) / np.sqrt(n_trials)) if n_trials > 1 else 0.0,
        mean_dlts=float(y_tot.sum() / n_trials),
        early_stop_pct=float(sum(part["early"] for part in parts) / n_trials * 100),
        overdosed_pct=over,
    )
