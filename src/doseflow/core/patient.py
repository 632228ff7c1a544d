"""One patient of a dose-escalation trial: dose, role, DLT outcome (known or pending) and times."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from typing import Any, Literal

from doseflow.checks import check_bool_like, check_int
from doseflow.errors import ConfigError

__all__ = ["PatientRecord", "Role", "ROLES"]

Role = Literal["escalation", "backfill", "expansion"]
#: Why a patient is in the trial: the escalation cohorts the design decides on, backfill
#: patients at levels already cleared (Dehbi et al. 2021), or expansion at the selected dose.
ROLES: tuple[str, ...] = ("escalation", "backfill", "expansion")


@dataclass(frozen=True, slots=True)
class PatientRecord:
    """One patient's dose, role and DLT outcome.

    Attributes
    ----------
    id : str
        Patient identifier.
    dose_level : int
        1-based dose level received.
    dlt : bool or None
        Dose-limiting toxicity in the DLT window; None while pending (the patient is still
        in the window and has had no DLT). Bool-like values (``numpy.bool_``, 0/1 from a
        database, pandas NA for pending) are normalised here; anything else is an error.
    cohort : int
        1-based cohort number.
    enrolled_day : float
        Study day of enrolment (days since the first patient).
    dlt_day : float or None
        Days from enrolment to the DLT, if any.
    followup_day : float or None
        Days of DLT-window follow-up completed so far (time-to-event designs weight a
        pending patient by it); None when not tracked.
    worst_grade : int or None
        Worst CTCAE grade (0-5) of a treatment-related toxicity in the DLT window, if known;
        accelerated titration switches to cohorts on grade >= 2 (Simon et al. 1997).
    role : {"escalation", "backfill", "expansion"}
        Only escalation patients move the current dose; all count in the per-level data.

    Examples
    --------
    >>> import numpy as np
    >>> PatientRecord("P1", 2, np.bool_(True)).dlt
    True
    >>> PatientRecord("P2", 1, None, role="backfill").pending
    True
    """

    id: str
    dose_level: int
    dlt: bool | None
    cohort: int = 1
    enrolled_day: float = 0.0
    dlt_day: float | None = None
    followup_day: float | None = None
    worst_grade: int | None = None
    role: Role = "escalation"

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        where = f"patient {self.id!r}"
        if not isinstance(self.id, str) or not self.id:
            raise ConfigError("patient id", "a non-empty text", self.id)
        set_(self, "dose_level", check_int(self.dose_level, f"{where} dose_level", minimum=1))
        set_(self, "dlt", check_bool_like(self.dlt, f"{where} dlt", allow_none=True))
        set_(self, "cohort", check_int(self.cohort, f"{where} cohort", minimum=1))
        set_(self, "enrolled_day", _day(self.enrolled_day, f"{where} enrolled_day"))
        for name in ("dlt_day", "followup_day"):
            value = getattr(self, name)
            if value is not None:
                set_(self, name, _day(value, f"{where} {name}"))
        if self.worst_grade is not None:
            set_(self, "worst_grade", check_int(self.worst_grade, f"{where} worst_grade", minimum=0, maximum=5))
        if self.role not in ROLES:
            raise ConfigError(f"{where} role", "one of " + ", ".join(ROLES), self.role)
        if self.dlt is not True and self.dlt_day is not None:
            raise ConfigError(f"{where} dlt_day", "None unless the patient had a DLT", self.dlt_day)

    @property
    def pending(self) -> bool:
        """True while the DLT outcome is not known."""
        return self.dlt is None

    def to_dict(self) -> dict:
        """A JSON-ready dict of every field (1-based level)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "PatientRecord":
        """The inverse of :meth:`to_dict`; unknown keys are an error naming them."""
        if not isinstance(data, dict):
            raise ConfigError("patient record", "a mapping (JSON object)", data)
        known = {f.name for f in fields(cls)}
        extra = sorted(set(data) - known)
        if extra:
            raise ConfigError(f"patient record key {extra[0]!r}", "one of " + ", ".join(sorted(known)), None)
        for key in ("id", "dose_level", "dlt"):
            if key not in data:
                raise ConfigError(f"patient record key {key!r}", "present", None)
        return cls(**data)

    def with_outcome(self, dlt: bool | None, **changes: Any) -> "PatientRecord":
        """A copy with a new outcome (and other fields), validated again."""
        return replace(self, dlt=dlt, **changes)


def _day(value: object, where: str) -> float:
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ConfigError(where, "a number of days >= 0", value) from None
    if isinstance(value, bool) or not math.isfinite(v) or v < 0:
        raise ConfigError(where, "a finite number of days >= 0", value)
    return v
