"""A live trial: protocol, dose plan, design, DLT window, state, open cohort and history.

:class:`Trial` is immutable; every operation of :mod:`doseflow.conduct` takes one and
returns a new one together with its :class:`~doseflow.conduct.audit.AuditEvent`. The
whole trial serialises to one JSON document (:meth:`Trial.to_dict`), which the service
stores and the export writes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from doseflow.conduct.records import Assessment, Cohort, SrcDecision, Subject, check_country, from_plain
from doseflow.core import DosePlan, PatientRecord, TrialState
from doseflow.designs.registry import build_design
from doseflow.errors import InputError

__all__ = ["Trial", "STATUSES", "derive_patient_record", "design_of"]

#: A trial is open for enrolment until the SRC stops the escalation.
STATUSES: tuple[str, ...] = ("open", "stopped")


@lru_cache(maxsize=256)
def _design_from_json(text: str) -> Any:
    return build_design(json.loads(text))


def design_of(spec: dict) -> Any:
    """The design object of a registry spec (``{"design": "3+3", ...}``), built once per spec."""
    return _design_from_json(json.dumps(spec, sort_keys=True))


@dataclass(frozen=True, slots=True)
class Trial:
    """Everything about one trial that conduct operations read and change.

    Attributes
    ----------
    protocol_id : str
        The protocol identifier, e.g. "GQ1001-101" (SDTM STUDYID).
    title : str
    version : int
        Protocol version: 1 at creation, +1 for each design change after the first
        enrolment (the design is frozen once a patient is enrolled).
    design_spec : dict
        The design in registry form (``{"design": "3+3", "variant": "B"}``; wrappers hold
        their ``base``), built by :func:`doseflow.designs.registry.build_design`.
    dlt_window_days : float
        Length of the DLT assessment window in days (e.g. 21: cycle 1).
    country : str
        Default ISO 3166-1 alpha-3 country of new subjects.
    treatment : str
        Name of the treatment (SDTM EX.EXTRT).
    state : TrialState
        The dose plan and the patients (dose, outcome, times) as the designs read them.
    subjects : tuple of Subject
        Conduct data per patient, in enrolment order.
    assessments : tuple of Assessment
        Toxicity assessments, current values (corrections replace; the audit trail keeps
        the old ones).
    cohort : Cohort or None
        The cohort open for enrolment (None while waiting for the SRC, or after stop).
    decisions : tuple of SrcDecision
        The signed SRC decisions, in order.
    start_date : str or None
        ISO date of study day 0 (the first enrolment); None before it.
    status : {"open", "stopped"}
    """

    protocol_id: str
    title: str
    design_spec: dict
    dlt_window_days: float
    state: TrialState
    version: int = 1
    country: str = "USA"
    treatment: str = ""
    subjects: tuple[Subject, ...] = ()
    assessments: tuple[Assessment, ...] = ()
    cohort: Cohort | None = None
    decisions: tuple[SrcDecision, ...] = ()
    start_date: str | None = None
    status: str = "open"
    versions: tuple[dict, ...] = field(default=())

    def __post_init__(self) -> None:
        if not isinstance(self.protocol_id, str) or not self.protocol_id.strip() or len(self.protocol_id) > 40:
            raise InputError("protocol_id", "a protocol identifier of 1 to 40 characters", self.protocol_id)
        check_country(self.country)
        if self.status not in STATUSES:
            raise InputError("status", "one of " + ", ".join(STATUSES), self.status)

    # ----- derived ---------------------------------------------------------------------
    @property
    def plan(self) -> DosePlan:
        return self.state.plan

    @property
    def design(self) -> Any:
        """The design object (built from ``design_spec`` by the registry)."""
        return design_of(self.design_spec)

    @property
    def design_frozen(self) -> bool:
        """The design may change only by a new protocol version once a patient is enrolled."""
        return self.state.n_patients > 0

    def subject(self, patient_id: str) -> Subject:
        """The subject ``patient_id``; an :class:`InputError` names an unknown id."""
        for s in self.subjects:
            if s.patient_id == patient_id:
                return s
        raise InputError("patient_id", f"a patient enrolled in trial {self.protocol_id}", patient_id)

    def check_level(self, value: object, where: str = "level") -> int:
        """Return ``value`` if it is a 1-based level of the plan, else an :class:`InputError` naming ``where``."""
        k = len(self.plan)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= k:
            raise InputError(where, f"a dose level of the plan, 1 to {k}", value)
        return value

    def assessment(self, assessment_id: str) -> Assessment:
        for a in self.assessments:
            if a.id == assessment_id:
                return a
        raise InputError("assessment_id", f"an assessment of trial {self.protocol_id}", assessment_id)

    def assessments_of(self, patient_id: str) -> tuple[Assessment, ...]:
        return tuple(a for a in self.assessments if a.patient_id == patient_id)

    def enrolled_in_cohort(self) -> int:
        """Patients enrolled in the open cohort so far."""
        if self.cohort is None:
            return 0
        return sum(1 for r in self.state.records if r.cohort == self.cohort.number)

    def patient_view(self, patient_id: str) -> dict[str, Any]:
        """The patient's record, subject data and assessments as one plain dict (audit before/after)."""
        return {
            "record": self.state.record(patient_id).to_dict(),
            "subject": self.subject(patient_id).to_dict(),
            "assessments": [a.to_dict() for a in self.assessments_of(patient_id)],
        }

    # ----- serialisation -----------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The trial as one JSON-ready document (:meth:`from_dict` is the inverse)."""
        return {
            "protocol_id": self.protocol_id,
            "title": self.title,
            "version": self.version,
            "design_spec": self.design_spec,
            "dlt_window_days": self.dlt_window_days,
            "country": self.country,
            "treatment": self.treatment,
            "state": self.state.to_dict(),
            "subjects": [s.to_dict() for s in self.subjects],
            "assessments": [a.to_dict() for a in self.assessments],
            "cohort": None if self.cohort is None else self.cohort.to_dict(),
            "decisions": [d.to_dict() for d in self.decisions],
            "start_date": self.start_date,
            "status": self.status,
            "versions": list(self.versions),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Trial":
        """Rebuild a trial from :meth:`to_dict`; errors name the bad key.

        Examples
        --------
        >>> from doseflow.conduct.protocol import create_trial
        >>> trial, _ = create_trial("T-1", "Demo", DosePlan.from_amounts([1, 2], "mg"), {"design": "3+3"},
        ...                         21, actor="ann", at="2024-01-02T09:00:00+00:00")
        >>> Trial.from_dict(trial.to_dict()) == trial
        True
        """
        if not isinstance(data, dict):
            raise InputError("trial document", "a mapping (JSON object)", type(data).__name__)
        for key in ("protocol_id", "design_spec", "dlt_window_days", "state"):
            if key not in data:
                raise InputError(f"trial document key {key!r}", "present", None)
        cohort = data.get("cohort")
        return cls(
            protocol_id=data["protocol_id"],
            title=data.get("title", ""),
            design_spec=data["design_spec"],
            dlt_window_days=float(data["dlt_window_days"]),
            state=TrialState.from_dict(data["state"]),
            version=int(data.get("version", 1)),
            country=data.get("country", "USA"),
            treatment=data.get("treatment", ""),
            subjects=tuple(from_plain(Subject, s, "trial document subject") for s in data.get("subjects", [])),
            assessments=tuple(from_plain(Assessment, a, "trial document assessment")
                              for a in data.get("assessments", [])),
            cohort=None if cohort is None else from_plain(Cohort, cohort, "trial document cohort"),
            decisions=tuple(from_plain(SrcDecision, d, "trial document decision") for d in data.get("decisions", [])),
            start_date=data.get("start_date"),
            status=data.get("status", "open"),
            versions=tuple(data.get("versions", ())),
        )

    def evolve(self, **changes: Any) -> "Trial":
        """A copy with ``changes`` (validated again)."""
        return replace(self, **changes)


def derive_patient_record(trial: Trial, patient_id: str) -> PatientRecord:
    """A patient's DLT outcome from the trial's assessments: the one place this rule lives.

    Rules (the protocol's DLT definition is applied by the person who records ``dlt``):

    - any assessment with ``dlt`` true: the patient had a DLT; ``dlt_day`` is the earliest
      DLT onset minus the enrolment day;
    - otherwise, a DLT window closed without a DLT: no DLT, follow-up = the whole window;
    - otherwise: pending (``dlt`` None), follow-up as the core clock has it.

    ``worst_grade`` is the highest grade assessed (0 once the window is closed without any
    toxicity; None while pending without one). Accelerated titration reads it (Simon et
    al. 1997: switch at the first grade >= 2 toxicity).
    """
    record = trial.state.record(patient_id)
    subject = trial.subject(patient_id)
    found = trial.assessments_of(patient_id)
    grades = [a.grade for a in found]
    dlt_onsets = [a.onset_day for a in found if a.dlt]
    worst = max(grades) if grades else None
    if dlt_onsets:
        dlt_day = min(dlt_onsets) - record.enrolled_day
        return record.with_outcome(True, dlt_day=dlt_day, followup_day=dlt_day, worst_grade=worst)
    if subject.window_closed_day is not None:
        return record.with_outcome(False, dlt_day=None, followup_day=trial.dlt_window_days,
                                   worst_grade=worst if worst is not None else 0)
    day = trial.state.day
    followup = None if day is None else max(day - record.enrolled_day, 0.0)
    return record.with_outcome(None, dlt_day=None, followup_day=followup, worst_grade=worst)
