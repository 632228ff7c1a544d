"""When the virtual trial's patients arrive, and its data cut-off.

Vectorised over trials (arrays of shape (trials, patients), patients in arrival order). Who
is treated at which dose, and when, is the simulation engine's
(:func:`doseflow.simulate.engine.run_trials`, in calendar time): this module gives it the
arrivals (:func:`sample_arrival_days`) and takes the cut-off from its enrolment days
(:func:`compute_cutoff_days`).
"""

from __future__ import annotations

import numpy as np

from doseflow.checks import check_int, check_real

__all__ = ["sample_arrival_days", "compute_cutoff_days"]


def sample_arrival_days(n_trials: int, n_patients: int, rate: float, rng: np.random.Generator) -> np.ndarray:
    """Arrival days (since study start) of the patients of many trials, a Poisson process each.

    Notes
    -----
    Inter-arrival times are independent exponentials of mean 1/rate; arrival k is their
    cumulative sum (Ross, Introduction to Probability Models, 11th ed., 2014, section 5.3),
    as :func:`doseflow.insilico.population.sample_enrolment_days`, for all trials at once.

    Examples
    --------
    >>> d = sample_arrival_days(2, 3, 0.05, np.random.default_rng(0))
    >>> d.shape, bool(np.all(np.diff(d, axis=1) > 0))
    ((2, 3), True)
    """
    check_int(n_trials, "n_trials", minimum=0)
    check_int(n_patients, "n_patients", minimum=0)
    rate = check_real(rate, "rate", minimum=0.0, strict=True)
    return np.cumsum(rng.exponential(1.0 / rate, size=(n_trials, n_patients)), axis=1)


def compute_cutoff_days(enrol_day: np.ndarray, *, fixed_cutoff_day: float | None, followup_days: float) -> np.ndarray:
    """Data cut-off of each trial, days since study start.

    The fixed cut-off when given (e.g. 28 Dec 2022 = day 904 of a study started on 7 Jul
    2020), else the last enrolment plus ``followup_days``.

    Examples
    --------
    >>> compute_cutoff_days(np.array([[3.0, 40.0, np.nan]]), fixed_cutoff_day=None, followup_days=180).tolist()
    [220.0]
    """
    e = np.asarray(enrol_day, dtype=float)
    if fixed_cutoff_day is not None:
        return np.full(e.shape[0], float(fixed_cutoff_day))
    last = np.nanmax(np.where(np.isnan(e), -np.inf, e), axis=1)
    return np.where(np.isfinite(last), last, 0.0) + float(followup_days)
