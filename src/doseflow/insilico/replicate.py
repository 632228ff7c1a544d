"""Replicate study: many virtual trials of a preset, their headline figures and distributions.

Trials run in chunks of fixed size; chunk k uses the k-th child of
``numpy.random.SeedSequence(seed)`` (design.md, "Simulation"), and chunks run in worker
processes (:class:`concurrent.futures.ProcessPoolExecutor`), so the result depends on the
seed and the chunk size alone, never on the number of workers or on scheduling. No
per-trial records are built; the headline figures are computed vectorised per chunk
(:func:`doseflow.insilico.headline.compute_headline`).

Examples
--------
>>> from doseflow.insilico.preset import load_preset
>>> study = run_replicates(load_preset("gq1001"), n_trials=4, seed=1, workers=1, chunk_size=2)
>>> study.to_dict()["trials"], sorted(study.to_dict())
(4, ['medians', 'no_dlt_fraction', 'percentiles', 'seed', 'trials'])
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass

import numpy as np

from doseflow.checks import check_int
from doseflow.insilico.headline import HEADLINE_FIGURES, PUBLISHED
from doseflow.insilico.trial import simulate_trials

__all__ = ["SUMMARY_FIGURES", "ReplicateStudy", "run_replicates"]

#: Figures reported in :meth:`ReplicateStudy.to_dict` (the calibration targets).
SUMMARY_FIGURES: tuple[str, ...] = (
    "trae_any_pct", "ast_increased_pct", "thrombocytopenia_pct", "alt_increased_pct", "pyrexia_pct",
    "grade3_trae_pct", "orr_high_dose_pct", "pfs_median_months", "exposure_median_weeks",
)


def _run_chunk(preset, n_trials: int, seed_seq: np.random.SeedSequence) -> dict[str, np.ndarray]:
    """Headline figures of one chunk (runs in a worker process)."""
    batch = simulate_trials(preset, n_trials, rng=np.random.default_rng(seed_seq))
    return batch.headline


@dataclass(frozen=True)
class ReplicateStudy:
    """Headline figures of ``trials`` virtual trials and their distribution.

    Attributes
    ----------
    trials : int
    seed : int
    figures : dict of str to float array (trials,)
        Each headline figure per trial (NaN where not computable, e.g. a PFS median not
        reached; see ``flags``).
    flags : dict of str to str array (trials,)
        Why a figure is NaN ("" where it is a number).
    """

    trials: int
    seed: int
    figures: dict[str, np.ndarray]
    flags: dict[str, np.ndarray]

    @property
    def no_dlt_fraction(self) -> float:
        """Fraction of trials without any DLT."""
        return float(np.mean(self.figures["n_dlt"] == 0))

    def summary(self, figure: str) -> tuple[float, float, float]:
        """Median, 5th and 95th percentile across trials (NaN trials left out)."""
        v = self.figures[figure]
        v = v[~np.isnan(v)]
        if v.size == 0:
            return (float("nan"),) * 3
        med, p5, p95 = np.percentile(v, [50, 5, 95])
        return float(med), float(p5), float(p95)

    def to_dict(self) -> dict:
        """JSON-able summary: trials, seed, no_dlt_fraction, medians and 5-95% percentiles."""
        medians, pct = {}, {}
        for f in SUMMARY_FIGURES:
            med, p5, p95 = self.summary(f)
            medians[f] = med
            pct[f] = [p5, p95]
        return {"trials": self.trials, "seed": self.seed, "no_dlt_fraction": self.no_dlt_fraction,
                "medians": medians, "percentiles": pct}

    def table(self) -> list[tuple[str, float, float, float, float | None, float | None]]:
        """Rows (figure, median, p5, p95, published, tolerance) for every headline figure."""
        rows = []
        for f in HEADLINE_FIGURES:
            pub, tol = PUBLISHED.get(f, (None, None))
            rows.append((f, *self.summary(f), pub, tol))
        return rows


def run_replicates(
    preset,
    n_trials: int,
    seed: int,
    *,
    workers: int = 2,
    chunk_size: int = 25,
    progress: Callable[[int, int], None] | None = None,
) -> ReplicateStudy:
    """Simulate ``n_trials`` virtual trials of ``preset`` in chunks, in parallel.

    Parameters
    ----------
    preset : doseflow.insilico.preset.Preset
        Components, design and trial configuration.
    n_trials : int
        Number of trials (>= 1).
    seed : int
        Seed (>= 0) of ``numpy.random.SeedSequence``; chunk k uses its k-th child.
    workers : int
        Worker processes (>= 1); 1 runs in this process. Results do not depend on it.
    chunk_size : int
        Trials per chunk (>= 1); part of the random stream's definition (changing it changes
        the trials simulated, as a different seed would).
    progress : callable, optional
        Called as ``progress(done_trials, n_trials)`` after each chunk (e.g. a Rich bar).

    Returns
    -------
    ReplicateStudy

    Raises
    ------
    ConfigError
        If a number is not a whole number in range.
    """
    n_trials = check_int(n_trials, "--trials", minimum=1)
    seed = check_int(seed, "--seed", minimum=0)
    workers = check_int(workers, "--workers", minimum=1)
    chunk_size = check_int(chunk_size, "chunk_size", minimum=1)
    sizes = [chunk_size] * (n_trials // chunk_size) + ([n_trials % chunk_size] if n_trials % chunk_size else [])
    children = np.random.SeedSequence(seed).spawn(len(sizes))
    results: list[dict[str, np.ndarray] | None] = [None] * len(sizes)
    done = 0
    if workers == 1 or len(sizes) == 1:
        for k, (size, child) in enumerate(zip(sizes, children)):
            results[k] = _run_chunk(preset, size, child)
            done += size
            if progress is not None:
                progress(done, n_trials)
    else:
        with ProcessPoolExecutor(max_workers=min(workers, len(sizes))) as pool:
            futures = {pool.submit(_run_chunk, preset, size, child): k for k, (size, child) in enumerate(zip(sizes, children))}
            for fut in as_completed(futures):
                k = futures[fut]
                results[k] = fut.result()
                done += sizes[k]
                if progress is not None:
                    progress(done, n_trials)
    figures = {f: np.concatenate([r[f] for r in results]) for f in HEADLINE_FIGURES}
    flags = {}
    for f, v in figures.items():
        reason = "median PFS not reached" if f == "pfs_median_months" else "no patient in the denominator"
        flags[f] = np.where(np.isnan(v), reason, "")
    return ReplicateStudy(n_trials, seed, figures, flags)
