"""The immutable trial state every design decides from: the dose plan plus the patients so far.

Outcome strings follow the notation of Brock's R package *escalation*: ``"1NNN 2NTN"``
means three patients at level 1 without a DLT, then three at level 2 of whom the second
had a DLT. Each space-separated token is one cohort: a 1-based level followed by one
letter per patient, ``N`` (no DLT), ``T`` (DLT) or ``P`` (pending: still in the DLT window).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from doseflow.checks import check_int
from doseflow.core.dose import DosePlan
from doseflow.core.patient import ROLES, PatientRecord
from doseflow.errors import ConfigError, InputError, StateTransitionError

__all__ = ["TrialState"]

_TOKEN = re.compile(r"^(\d+)([NTP]+)$")
_LETTER = {"N": False, "T": True, "P": None}


@dataclass(frozen=True, slots=True)
class TrialState:
    """The dose plan plus every patient enrolled so far; immutable.

    Updating returns a new state (:meth:`with_cohort`, :meth:`with_record`,
    :meth:`resolve`, :meth:`advance`). Per-level views are 0-based NumPy arrays
    (``n_per_dose[0]`` is level 1); ``current_dose`` is a 1-based level: the level of the
    last *escalation* cohort (backfill and expansion patients do not move it).

    Attributes
    ----------
    plan : DosePlan
    records : tuple of PatientRecord
        In enrolment order.
    current : int or None
        1-based current dose; None before the first patient.
    day : float or None
        The calendar: study day "now" (days since the first patient); None when the trial
        is followed in cohorts without a clock.

    Examples
    --------
    >>> s = TrialState.from_outcomes(DosePlan.of_size(4), "1NNN 2NTN")
    >>> s.n_per_dose.tolist(), s.dlt_per_dose.tolist(), s.current_dose
    ([3, 3, 0, 0], [0, 1, 0, 0], 2)
    """

    plan: DosePlan
    records: tuple[PatientRecord, ...] = ()
    current: int | None = field(default=None)
    day: float | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.plan, DosePlan):
            raise ConfigError("trial state plan", "a DosePlan", type(self.plan).__name__)
        if not isinstance(self.records, tuple):
            object.__setattr__(self, "records", tuple(self.records))
        k = len(self.plan)
        seen: set[str] = set()
        for r in self.records:
            if not isinstance(r, PatientRecord):
                raise ConfigError("trial state records", "PatientRecord objects", type(r).__name__)
            if r.dose_level > k:
                raise ConfigError(f"patient {r.id!r} dose_level", f"a dose level from 1 to {k}", r.dose_level)
            if r.id in seen:
                raise ConfigError(f"patient {r.id!r}", "enrolled once (ids are unique)", r.id)
            seen.add(r.id)
        if self.current is not None:
            self.plan.check_level(self.current, "current dose")
        if self.day is not None:
            d = float(self.day)
            if isinstance(self.day, bool) or not math.isfinite(d) or d < 0:
                raise ConfigError("trial state day", "a finite study day >= 0", self.day)
            object.__setattr__(self, "day", d)

    # ----- construction -------------------------------------------------------------
    @classmethod
    def from_counts(
        cls,
        plan: DosePlan | int,
        n: Sequence[int],
        dlt: Sequence[int],
        current: int | None = None,
        *,
        pending: Sequence[int] | None = None,
        grade2: Sequence[int] | None = None,
    ) -> "TrialState":
        """A state holding ``n[i]`` patients with ``dlt[i]`` DLTs at level ``i + 1``.

        Parameters
        ----------
        plan : DosePlan or int
            The dose plan, or its number of levels.
        n, dlt : sequence of int
            Patients enrolled and DLTs observed per level (lowest level first).
        current : int, optional
            1-based level the last cohort was treated at; by default the highest level
            with patients.
        pending : sequence of int, optional
            How many of ``n[i]`` are still in the DLT window (outcome unknown).
        grade2 : sequence of int, optional
            How many of the patients without a DLT at each level had a treatment-related
            toxicity of grade >= 2 (recorded as ``worst_grade = 2``; the others as 0).
            Without it, ``worst_grade`` is unknown (None) for patients without a DLT.

        Raises
        ------
        ConfigError
            If the counts are inconsistent (naming the level and the counts).
        """
        if isinstance(plan, int):
            plan = DosePlan.of_size(plan)
        k = len(plan)
        pending = [0] * k if pending is None else list(pending)
        for name, seq in (("n", n), ("dlt", dlt), ("pending", pending)) + (
            (("grade2", grade2),) if grade2 is not None else ()
        ):
            if len(seq) != k:
                raise ConfigError(f"counts {name}", f"one count per dose level ({k})", list(seq))
        records: list[PatientRecord] = []
        for i in range(k):
            ni, yi, pi = int(n[i]), int(dlt[i]), int(pending[i])
            gi = int(grade2[i]) if grade2 is not None else 0
            if yi + pi > ni or gi > ni - yi - pi or min(ni, yi, pi, gi) < 0:
                raise ConfigError(
                    f"counts at level {i + 1}",
                    "0 <= DLTs + pending <= patients and grade-2 count <= patients without DLT",
                    {"n": ni, "dlt": yi, "pending": pi, "grade2": gi},
                )
            for j in range(ni):
                if j < yi:
                    outcome, grade = True, (3 if grade2 is not None else None)
                elif j < yi + pi:
                    outcome, grade = None, None
                else:
                    outcome = False
                    grade = None if grade2 is None else (2 if j - yi - pi < gi else 0)
                records.append(PatientRecord(f"L{i + 1}-{j + 1}", i + 1, outcome, cohort=i + 1, worst_grade=grade))
        if current is None and records:
            current = max(r.dose_level for r in records)
        return cls(plan, tuple(records), current)

    @classmethod
    def from_outcomes(cls, plan: DosePlan | int, outcomes: str) -> "TrialState":
        """Parse an outcome string such as ``"1NNN 2NTN"`` (see module docstring)."""
        if isinstance(plan, int):
            plan = DosePlan.of_size(plan)
        if not isinstance(outcomes, str):
            raise InputError("outcome string", "a text such as '1NNN 2NTN'", outcomes)
        state = cls(plan)
        for token in outcomes.split():
            m = _TOKEN.match(token)
            if not m:
                raise InputError(
                    f"outcome string token {token!r}", "a 1-based level followed by N, T or P letters, e.g. '2NTN'",
                    outcomes,
                )
            level = int(m.group(1))
            plan.check_level(level, f"outcome string token {token!r} level")
            state = state.with_cohort(level, [_LETTER[c] for c in m.group(2)])
        return state

    # ----- updates (each returns a new state) -----------------------------------------
    def with_record(self, record: PatientRecord) -> "TrialState":
        """A new state with ``record`` appended; an escalation patient moves the current dose."""
        if any(r.id == record.id for r in self.records):
            raise StateTransitionError(f"patient {record.id!r} is already enrolled")
        current = record.dose_level if record.role == "escalation" else self.current
        return replace(self, records=self.records + (record,), current=current)

    def with_cohort(
        self,
        level: int,
        dlts: Iterable[bool | None],
        *,
        worst_grades: Iterable[int | None] | None = None,
        enrolled_day: float | None = None,
        role: str = "escalation",
    ) -> "TrialState":
        """A new state with one cohort treated at ``level`` (1-based) appended.

        Patients get ids ``P1, P2, ...`` in enrolment order; ``enrolled_day`` defaults to
        the state's clock (0 without one).
        """
        self.plan.check_level(level)
        if role not in ROLES:
            raise ConfigError("role", "one of " + ", ".join(ROLES), role)
        dlts = list(dlts)
        grades = list(worst_grades) if worst_grades is not None else [None] * len(dlts)
        if len(grades) != len(dlts):
            raise ConfigError("worst_grades", f"one grade per patient ({len(dlts)})", grades)
        day = enrolled_day if enrolled_day is not None else (self.day or 0.0)
        cohort = self.n_cohorts + 1
        start = len(self.records)
        new = tuple(
            PatientRecord(
                f"P{start + j + 1}", level, d, cohort=cohort, enrolled_day=day, worst_grade=g, role=role,
                followup_day=0.0 if d is None and self.day is not None else None,
            )
            for j, (d, g) in enumerate(zip(dlts, grades))
        )
        current = level if role == "escalation" else self.current
        return replace(self, records=self.records + new, current=current)

    def record(self, patient_id: str) -> PatientRecord:
        """The record of ``patient_id``; an :class:`InputError` names an unknown id."""
        for r in self.records:
            if r.id == patient_id:
                return r
        raise InputError("patient id", "a patient enrolled in this trial", patient_id)

    def with_updated_record(self, record: PatientRecord) -> "TrialState":
        """A new state in which the patient with ``record.id`` is replaced by ``record``.

        This is how an entry is corrected; the caller keeps the old value (the conduct
        layer writes it to the audit trail). The current dose is unchanged.
        """
        self.record(record.id)
        return replace(self, records=tuple(record if r.id == record.id else r for r in self.records))

    def resolve(
        self, patient_id: str, dlt: bool, *, dlt_day: float | None = None, worst_grade: int | None = None
    ) -> "TrialState":
        """A new state in which a pending patient's DLT outcome is known.

        Raises
        ------
        InputError
            If no patient has that id.
        StateTransitionError
            If the patient's outcome is already known (correct it with
            :meth:`with_updated_record` instead).
        """
        r = self.record(patient_id)
        if not r.pending:
            raise StateTransitionError(
                f"patient {patient_id!r} already has a DLT outcome ({'DLT' if r.dlt else 'no DLT'}); "
                "correct the entry instead of resolving it"
            )
        followup = r.followup_day
        if self.day is not None:
            followup = max(self.day - r.enrolled_day, 0.0)
        updated = r.with_outcome(
            dlt, dlt_day=dlt_day if dlt else None, followup_day=followup,
            worst_grade=worst_grade if worst_grade is not None else r.worst_grade,
        )
        return self.with_updated_record(updated)

    def advance(self, day: float) -> "TrialState":
        """A new state whose clock reads ``day``; pending patients' follow-up is brought up to it.

        ``followup_day`` of a pending patient becomes ``day - enrolled_day`` (never below 0).

        Raises
        ------
        StateTransitionError
            If ``day`` is before the state's clock (time does not run backwards).
        """
        try:
            d = float(day)
        except (TypeError, ValueError):
            raise InputError("day", "a study day (number of days >= 0)", day) from None
        if not math.isfinite(d) or d < 0:
            raise InputError("day", "a finite study day >= 0", day)
        if self.day is not None and d < self.day:
            raise StateTransitionError(f"cannot move the clock back from day {self.day:g} to day {d:g}")
        records = tuple(
            r.with_outcome(None, followup_day=max(d - r.enrolled_day, 0.0)) if r.pending else r for r in self.records
        )
        return replace(self, records=records, day=d)

    # ----- derived views ------------------------------------------------------------
    @property
    def n_levels(self) -> int:
        return len(self.plan)

    @property
    def n_patients(self) -> int:
        return len(self.records)

    @property
    def n_cohorts(self) -> int:
        return max((r.cohort for r in self.records), default=0)

    @property
    def current_dose(self) -> int | None:
        """1-based level of the last escalation cohort (None before the first patient)."""
        return self.current

    def _count(self, predicate: Callable[[PatientRecord], bool]) -> np.ndarray:
        out = np.zeros(len(self.plan), dtype=np.int64)
        for r in self.records:
            if predicate(r):
                out[r.dose_level - 1] += 1
        return out

    @property
    def n_per_dose(self) -> np.ndarray:
        """Patients per level, DLT outcome known or pending (0-based array)."""
        return self._count(lambda r: True)

    @property
    def evaluated_per_dose(self) -> np.ndarray:
        """Patients per level whose DLT outcome is known (0-based array)."""
        return self._count(lambda r: r.dlt is not None)

    @property
    def pending_per_dose(self) -> np.ndarray:
        """Patients per level still in the DLT window (0-based array)."""
        return self._count(lambda r: r.dlt is None)

    @property
    def dlt_per_dose(self) -> np.ndarray:
        """DLTs per level (0-based array)."""
        return self._count(lambda r: r.dlt is True)

    def followup_fraction(self, window_days: float) -> np.ndarray:
        """Per record, the share of the DLT window completed: 1 for a known outcome.

        A pending patient without a recorded follow-up is an error: a time-to-event design
        cannot weight it.
        """
        out = np.ones(len(self.records))
        for i, r in enumerate(self.records):
            if r.pending:
                if r.followup_day is None:
                    raise InputError(
                        f"patient {r.id!r} followup_day", "the days of DLT-window follow-up of a pending patient",
                        None, "Time-to-event designs need the follow-up of every pending patient.",
                    )
                out[i] = min(r.followup_day / window_days, 1.0)
        return out

    def to_outcomes(self) -> str:
        """The outcome string of this state, one token per cohort."""
        tokens: list[str] = []
        last: tuple[int, int] | None = None
        for r in self.records:
            letter = "P" if r.dlt is None else ("T" if r.dlt else "N")
            key = (r.cohort, r.dose_level)
            if key != last:
                tokens.append(str(r.dose_level))
                last = key
            tokens[-1] += letter
        return " ".join(tokens)

    # ----- serialisation ------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """``{"plan", "records", "current", "day"}``: plain values a database row or API body holds.

        Examples
        --------
        >>> s = TrialState.from_outcomes(3, "1NNN 2NTP")
        >>> TrialState.from_dict(s.to_dict()) == s
        True
        """
        return {
            "plan": self.plan.to_dict(),
            "records": [r.to_dict() for r in self.records],
            "current": self.current,
            "day": self.day,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "TrialState":
        """The inverse of :meth:`to_dict`; errors name the bad key or record."""
        if not isinstance(data, dict) or "plan" not in data:
            raise ConfigError("trial state", "a mapping with a 'plan' key", data)
        records = data.get("records", [])
        if not isinstance(records, (list, tuple)):
            raise ConfigError("trial state records", "a list of patient records", records)
        current = data.get("current")
        if current is not None:
            current = check_int(current, "trial state current", minimum=1)
        return cls(
            DosePlan.from_dict(data["plan"]),
            tuple(PatientRecord.from_dict(r) for r in records),
            current,
            data.get("day"),
        )
