"""Patients and the immutable trial state every design decides from.

Outcome strings follow the notation of Brock's R package *escalation*: ``"1NNN 2NTN"``
means three patients at level 1 without a DLT, then three at level 2 of whom the second
had a DLT. Each space-separated token is one cohort: a 1-based level followed by one
letter per patient, ``N`` (no DLT), ``T`` (DLT) or ``P`` (pending: still in the DLT window).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from doseflow.core.dose import DosePlan
from doseflow.errors import ConfigError, InputError, StateTransitionError

__all__ = ["PatientRecord", "TrialState"]

_TOKEN = re.compile(r"^(\d+)([NTP]+)$")


@dataclass(frozen=True, slots=True)
class PatientRecord:
    """One patient's dose and DLT outcome.

    Attributes
    ----------
    id : str
        Patient identifier.
    dose_level : int
        1-based dose level received.
    dlt : bool or None
        Dose-limiting toxicity in the DLT window; None while pending.
    cohort : int
        1-based cohort number.
    enrolled_day : float
        Study day of enrolment (days since the first patient).
    dlt_day : float or None
        Days from enrolment to the DLT, if any.
    followup_day : float or None
        Days of DLT-window follow-up completed (for time-to-event designs).
    worst_grade : int or None
        Worst CTCAE grade (0-5) of a treatment-related toxicity in the DLT window, if
        known; accelerated titration switches to 3+3 on grade >= 2 (Simon et al. 1997).
    """

    id: str
    dose_level: int
    dlt: bool | None
    cohort: int = 1
    enrolled_day: float = 0.0
    dlt_day: float | None = None
    followup_day: float | None = None
    worst_grade: int | None = None

    def __post_init__(self) -> None:
        if isinstance(self.dose_level, bool) or not isinstance(self.dose_level, int) or self.dose_level < 1:
            raise ConfigError(f"patient {self.id!r} dose_level", "a 1-based dose level", self.dose_level)
        if self.dlt is not None and not isinstance(self.dlt, (bool, np.bool_)):
            raise ConfigError(f"patient {self.id!r} dlt", "True, False or None (pending)", self.dlt)
        if self.worst_grade is not None and self.worst_grade not in range(6):
            raise ConfigError(f"patient {self.id!r} worst_grade", "a CTCAE grade 0-5", self.worst_grade)


@dataclass(frozen=True, slots=True)
class TrialState:
    """The dose plan plus every patient enrolled so far; immutable.

    Updating returns a new state (:meth:`with_cohort`, :meth:`with_record`). Per-level
    views are 0-based NumPy arrays (``n_per_dose[0]`` is level 1); ``current_dose`` is a
    1-based level.

    Examples
    --------
    >>> s = TrialState.from_outcomes(DosePlan.of_size(4), "1NNN 2NTN")
    >>> s.n_per_dose.tolist(), s.dlt_per_dose.tolist(), s.current_dose
    ([3, 3, 0, 0], [0, 1, 0, 0], 2)
    """

    plan: DosePlan
    records: tuple[PatientRecord, ...] = ()
    current: int | None = field(default=None)

    def __post_init__(self) -> None:
        if not isinstance(self.records, tuple):
            object.__setattr__(self, "records", tuple(self.records))
        k = len(self.plan)
        for r in self.records:
            if r.dose_level > k:
                raise ConfigError(
                    f"patient {r.id!r} dose_level", f"a dose level from 1 to {k}", r.dose_level
                )
        if self.current is not None:
            self.plan.check_level(self.current, "current dose")

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

        Counts must already be checked (:func:`doseflow.checks.check_counts`); this
        raises :class:`ConfigError` if they are inconsistent.
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
                records.append(
                    PatientRecord(f"L{i + 1}-{j + 1}", i + 1, outcome, cohort=i + 1, worst_grade=grade)
                )
        if current is None and records:
            current = max(r.dose_level for r in records)
        return cls(plan, tuple(records), current)

    @classmethod
    def from_outcomes(cls, plan: DosePlan | int, outcomes: str) -> "TrialState":
        """Parse an outcome string such as ``"1NNN 2NTN"`` (see module docstring)."""
        if isinstance(plan, int):
            plan = DosePlan.of_size(plan)
        state = cls(plan)
        for token in outcomes.split():
            m = _TOKEN.match(token)
            if not m:
                raise InputError(
                    f"outcome string token {token!r}",
                    "a 1-based level followed by N, T or P letters, e.g. '2NTN'",
                    outcomes,
                )
            level = int(m.group(1))
            plan.check_level(level, f"outcome string token {token!r} level")
            state = state.with_cohort(level, [{"N": False, "T": True, "P": None}[c] for c in m.group(2)])
        return state

    def with_record(self, record: PatientRecord) -> "TrialState":
        """A new state with ``record`` appended; the current dose becomes its level."""
        if any(r.id == record.id for r in self.records):
            raise StateTransitionError(f"patient {record.id!r} is already enrolled")
        return TrialState(self.plan, self.records + (record,), record.dose_level)

    def with_cohort(
        self,
        level: int,
        dlts: Iterable[bool | None],
        *,
        worst_grades: Iterable[int | None] | None = None,
        enrolled_day: float = 0.0,
    ) -> "TrialState":
        """A new state with one cohort treated at ``level`` (1-based) appended."""
        self.plan.check_level(level)
        dlts = list(dlts)
        grades = list(worst_grades) if worst_grades is not None else [None] * len(dlts)
        if len(grades) != len(dlts):
            raise ConfigError("worst_grades", f"one grade per patient ({len(dlts)})", grades)
        cohort = self.n_cohorts + 1
        start = len(self.records)
        new = tuple(
            PatientRecord(
                f"P{start + j + 1}", level, d, cohort=cohort, enrolled_day=enrolled_day, worst_grade=g
            )
            for j, (d, g) in enumerate(zip(dlts, grades))
        )
        return TrialState(self.plan, self.records + new, level)

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
        """1-based level of the last cohort (None before the first patient)."""
        return self.current

    def _count(self, predicate) -> np.ndarray:
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
