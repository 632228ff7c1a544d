"""Who is treated at which dose, and when: expansion allocation and the trial calendar.

Vectorised over trials (arrays of shape (trials, patients), patients in arrival order);
the only loop is over cohorts. The escalation itself is
:func:`doseflow.simulate.escalation.run_escalation`; this module adds

- the expansion: patients left after the escalation go to the top cleared levels
  (:func:`assign_expansion`);
- the calendar: Poisson arrivals, each patient enrolled at the later of their arrival and
  the time the design may enrol them (:func:`compute_enrolment_days`);
- the data cut-off (:func:`compute_cutoff_days`).

Examples
--------
>>> import numpy as np
>>> level = np.array([[0, 1, 1, 1, -1, -1, -1]])
>>> assign_expansion(level, np.array([1]), expansion_levels=2)[0].tolist()
[[0, 1, 1, 1, 1, 0, 1]]
"""

from __future__ import annotations

import numpy as np

from doseflow.checks import check_int, check_real
from doseflow.errors import DataError

__all__ = ["sample_arrival_days", "assign_expansion", "compute_enrolment_days", "compute_cutoff_days"]


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


def assign_expansion(level: np.ndarray, mtd: np.ndarray, *, expansion_levels: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Give the patients not used by the escalation to the top cleared levels.

    Parameters
    ----------
    level : int array (trials, patients)
        0-based escalation level per patient, -1 where the escalation did not use them.
    mtd : int array (trials,)
        0-based selected level (the MTD, or the top level when it was not reached); -1 when
        no level is acceptable (no expansion).
    expansion_levels : int
        Number of levels shared by the expansion, from the selected level down (>= 1).

    Returns
    -------
    (level, expansion) : (int array, bool array), both (trials, patients)
        Levels with expansion patients filled in (still -1 where nobody is treated), and
        the expansion flag.

    Notes
    -----
    The k-th expansion patient (k = 0, 1, ...) of a trial goes to level
    ``mtd - (k mod m)`` with ``m = min(expansion_levels, mtd + 1)``: the selected level and
    the one below alternate (m = 2), as in the GQ1001 expansion at 8.4 and 7.2 mg/kg
    (Lemech et al., AACR 2023, CT178). An escalation that stops with no acceptable level
    leaves the remaining patients untreated.

    Examples
    --------
    >>> lv, ex = assign_expansion(np.array([[0, -1, -1], [0, 0, 0]]), np.array([-1, 0]))
    >>> lv.tolist(), ex.tolist()
    ([[0, -1, -1], [0, 0, 0]], [[False, False, False], [False, False, False]])
    """
    lv = np.asarray(level, dtype=np.int64)
    top = np.asarray(mtd, dtype=np.int64)
    if lv.ndim != 2 or top.shape != (lv.shape[0],):
        raise DataError("level/mtd", "arrays of shape (trials, patients) and (trials,)", (lv.shape, top.shape))
    m_levels = check_int(expansion_levels, "expansion_levels", minimum=1)
    free = lv < 0
    k = np.cumsum(free, axis=1) - 1
    m = np.minimum(m_levels, top + 1)[:, None]
    target = top[:, None] - np.mod(k, np.maximum(m, 1))
    expansion = free & (top[:, None] >= 0)
    return np.where(expansion, target, lv), expansion


def compute_enrolment_days(
    arrival: np.ndarray, cohort: np.ndarray, expansion: np.ndarray, *, dlt_window_days: float
) -> np.ndarray:
    """Enrolment (first-dose) day of every treated patient, days since study start.

    Parameters
    ----------
    arrival : float array (trials, patients)
        Arrival days, increasing along each row (patients queue in arrival order).
    cohort : int array (trials, patients)
        1-based escalation cohort; 0 for expansion patients and untreated patients.
    expansion : bool array (trials, patients)
        Expansion patients.
    dlt_window_days : float
        DLT window (days): a cohort may start this long after the previous cohort's last
        enrolment; the expansion this long after the escalation's last enrolment.

    Returns
    -------
    float array (trials, patients)
        Enrolment day; NaN for patients who are not treated.

    Notes
    -----
    Patient i of cohort c is enrolled at max(arrival_i, gate_c, enrolment of patient i-1)
    with gate_1 = 0 and gate_c = (last enrolment of cohort c-1) + window; the expansion's
    gate is the escalation's last enrolment + window. The running maximum keeps the queue
    in arrival order. Loop over cohorts, vectorised over trials.

    Examples
    --------
    >>> arr = np.array([[1.0, 2.0, 3.0, 30.0, 31.0]])
    >>> coh = np.array([[1, 2, 2, 2, 0]])
    >>> compute_enrolment_days(arr, coh, np.array([[False] * 4 + [True]]), dlt_window_days=21).tolist()
    [[1.0, 22.0, 22.0, 30.0, 51.0]]
    """
    arr = np.asarray(arrival, dtype=float)
    coh = np.asarray(cohort, dtype=np.int64)
    exp = np.asarray(expansion, dtype=bool)
    if coh.shape != arr.shape or exp.shape != arr.shape:
        raise DataError("arrival/cohort/expansion", "arrays of one shape (trials, patients)", (arr.shape, coh.shape, exp.shape))
    window = check_real(dlt_window_days, "dlt_window_days", minimum=0.0)
    n_trials = arr.shape[0]
    enrol = np.full(arr.shape, np.nan)
    gate = np.zeros(n_trials)
    last = np.full(n_trials, -np.inf)
    for c in range(1, int(coh.max(initial=0)) + 1):
        m = coh == c
        has = m.any(axis=1)
        day = np.maximum(arr, np.where(has, gate, 0.0)[:, None])
        day = np.where(m, day, -np.inf)
        day = np.maximum.accumulate(np.maximum(day, np.where(m, last[:, None], -np.inf)), axis=1)
        enrol = np.where(m, day, enrol)
        cohort_last = np.where(m, enrol, -np.inf).max(axis=1)
        last = np.where(has, cohort_last, last)
        gate = np.where(has, cohort_last + window, gate)
    exp_gate = np.where(np.isfinite(last), last + window, 0.0)
    day = np.where(exp, np.maximum(arr, exp_gate[:, None]), -np.inf)
    day = np.maximum.accumulate(np.maximum(day, np.where(exp, last[:, None], -np.inf)), axis=1)
    return np.where(exp, day, enrol)


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
