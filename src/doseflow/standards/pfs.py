"""Progression-free survival: the day of each patient's event or censoring (RECIST 1.1; FDA 2018).

One rule for the virtual trial (:func:`doseflow.insilico.models.survival.compute_pfs`) and the
readout (:func:`doseflow.readout.efficacy.survival.derive_pfs` and its duration of response).

The event is the earlier of the first progression (dated at the assessment that shows it;
Eisenhauer et al. 2009, section 4.6) and death from any cause; without either, the patient is
censored at the last adequate assessment, or at the start when there is none (FDA 2018,
Clinical Trial Endpoints for the Approval of Cancer Drugs and Biologics, Appendix 1, table of
PFS censoring). Two sensitivity options of that table: a death, or a progression, more than a
given number of days after the last adequate assessment (after missed assessments) is censored
there instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["PFS_CENSORED", "PFS_DEATH", "PFS_PROGRESSION", "PFSOutcome", "compute_pfs_outcome"]

#: ``PFSOutcome.kind`` codes.
PFS_CENSORED, PFS_PROGRESSION, PFS_DEATH = 0, 1, 2


@dataclass(frozen=True, slots=True)
class PFSOutcome:
    """Per patient: the day of the event or censoring, its kind, and the events set aside.

    Attributes
    ----------
    day : float array
        Day of progression, death or censoring (NaN only without a start day and an
        adequate assessment).
    kind : int array
        :data:`PFS_PROGRESSION`, :data:`PFS_DEATH` or :data:`PFS_CENSORED`.
    late_progression, late_death : bool arrays
        A progression or death (on or after the start) censored by a window option.
    """

    day: np.ndarray
    kind: np.ndarray
    late_progression: np.ndarray
    late_death: np.ndarray

    @property
    def event(self) -> np.ndarray:
        return self.kind != PFS_CENSORED


def compute_pfs_outcome(
    progression_day: np.ndarray,
    death_day: np.ndarray,
    last_adequate_day: np.ndarray,
    start_day: np.ndarray | float = 0.0,
    *,
    death_window_days: float | None = None,
    progression_window_days: float | None = None,
) -> PFSOutcome:
    """Event or censoring of every patient, on one day scale (NaN: no such day).

    Parameters
    ----------
    progression_day : float array
        Day of the first assessment showing progression.
    death_day : float array
        Day of death; a death before ``start_day`` is ignored.
    last_adequate_day : float array
        Day of the last adequate assessment before any progression.
    start_day : float or float array
        Day of the start (first dose or randomisation).
    death_window_days, progression_window_days : float, optional
        Censor a death, or a progression, more than this many days after the last adequate
        assessment (the start without one) at that assessment. None: every one is an event.

    Returns
    -------
    PFSOutcome

    Examples
    --------
    >>> out = compute_pfs_outcome(np.array([84.0, np.nan, np.nan, 200.0]), np.array([np.nan, 50.0, np.nan, 150.0]),
    ...                           np.array([84.0, 42.0, 126.0, 42.0]), death_window_days=90)
    >>> out.day.tolist(), out.kind.tolist(), out.late_death.tolist()
    ([84.0, 50.0, 126.0, 200.0], [1, 2, 0, 1], [False, False, False, True])
    """
    progression = np.asarray(progression_day, dtype=float)
    death = np.asarray(death_day, dtype=float)
    last = np.asarray(last_adequate_day, dtype=float)
    start = np.broadcast_to(np.asarray(start_day, dtype=float), progression.shape)
    anchor = np.where(np.isnan(last), start, last)
    with np.errstate(invalid="ignore"):
        died = death >= start
        death_ok = died.copy()
        if death_window_days is not None:
            death_ok &= death <= anchor + death_window_days
        progressed = ~np.isnan(progression)
        progression_ok = progressed.copy()
        if progression_window_days is not None:
            progression_ok &= progression <= anchor + progression_window_days
        progression_first = progression_ok & (~death_ok | (progression <= death))
    death_first = death_ok & ~progression_first
    kind = np.select([progression_first, death_first], [PFS_PROGRESSION, PFS_DEATH], PFS_CENSORED)
    day = np.where(progression_first, progression, np.where(death_first, death, anchor))
    return PFSOutcome(day, kind, progressed & ~progression_ok, died & ~death_ok)
