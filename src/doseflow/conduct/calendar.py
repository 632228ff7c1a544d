"""Study days: day 0 is the date of the first enrolment; entries default to "today"."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from doseflow.checks import check_real
from doseflow.conduct.trial import Trial
from doseflow.core import TrialState
from doseflow.errors import InputError

__all__ = ["compute_study_day", "compute_date", "resolve_day", "advance_to"]


def compute_study_day(trial: Trial, at: str) -> float:
    """Whole days from the trial's day 0 (first enrolment date) to the date of ``at``; 0 before it.

    Examples
    --------
    >>> from doseflow.conduct.protocol import create_trial
    >>> from doseflow.core import DosePlan
    >>> t, _ = create_trial("T", "", DosePlan.from_amounts([1], "mg"), {"design": "3+3"}, 21,
    ...                     actor="a", at="2024-01-01T00:00:00+00:00")
    >>> compute_study_day(t.evolve(start_date="2024-01-01"), "2024-01-22T15:00:00+00:00")
    21.0
    """
    if trial.start_date is None:
        return 0.0
    today = datetime.fromisoformat(at).date()
    return float(max((today - date.fromisoformat(trial.start_date)).days, 0))


def resolve_day(trial: Trial, day: object, at: str, where: str) -> float:
    """The study day given (a number >= 0), or today's study day when ``day`` is None."""
    if day is None:
        return compute_study_day(trial, at)
    return check_real(day, where, minimum=0.0, maximum=36500.0, error=InputError)


def advance_to(state: TrialState, day: float) -> TrialState:
    """The state with its clock moved forward to ``day`` (never back: earlier days leave it)."""
    if state.day is not None and day <= state.day:
        return state
    return state.advance(day)


def compute_date(trial: Trial, day: float) -> date | None:
    """Calendar date of study day ``day`` (None before the first enrolment)."""
    if trial.start_date is None:
        return None
    return date.fromisoformat(trial.start_date) + timedelta(days=int(day))
