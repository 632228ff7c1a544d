"""Enrol a patient, record or correct a toxicity assessment, close a DLT window (resolve a pending outcome).

Each operation takes the current :class:`~doseflow.conduct.trial.Trial` and returns the
new trial and its :class:`~doseflow.conduct.audit.AuditEvent`; bad input is an
:class:`~doseflow.errors.InputError` naming the field and value, an operation the trial's
state does not allow a :class:`~doseflow.errors.StateTransitionError`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from doseflow.conduct.audit import AuditEvent
from doseflow.conduct.calendar import advance_to, resolve_day
from doseflow.conduct.records import Assessment, Subject, check_patient_id
from doseflow.conduct.review import open_slots
from doseflow.conduct.trial import Trial, derive_patient_record
from doseflow.core import PatientRecord
from doseflow.errors import InputError, StateTransitionError

__all__ = ["enrol_patient", "record_assessment", "correct_assessment", "close_window"]


def _next_patient_id(trial: Trial) -> str:
    taken = {s.patient_id for s in trial.subjects}
    n = len(trial.subjects) + 1
    while f"P{n}" in taken:
        n += 1
    return f"P{n}"


def enrol_patient(
    trial: Trial,
    *,
    actor: str,
    at: str,
    patient_id: str | None = None,
    level: int | None = None,
    day: float | None = None,
    sex: str = "U",
    age: int | None = None,
    site: str = "01",
    country: str | None = None,
    reason: str = "",
) -> tuple[Trial, AuditEvent]:
    """Enrol one patient into the open cohort, at its level unless another is given with a reason.

    Parameters
    ----------
    trial : Trial
    actor, at : str
        Who enrols and when (ISO 8601 with offset).
    patient_id : str, optional
        Subject identifier; ``"P<n>"`` by default.
    level : int, optional
        1-based dose level; the open cohort's level by default. Another level needs
        ``reason`` (the service also requires the statistician role).
    day : float, optional
        Study day of enrolment (first dose); today's study day by default. The first
        enrolment fixes study day 0 (``start_date``).
    sex, age, site, country
        Demographics for SDTM DM (country defaults to the trial's).
    reason : str
        Why the patient is enrolled at another level than the cohort's.

    Raises
    ------
    StateTransitionError
        When the trial is stopped, no cohort is open (the SRC has not decided yet) or
        the cohort is full: two people enrolling into the last slot cannot both get it.
    InputError
        A level outside the plan, an off-level enrolment without reason, a patient id
        already used, bad demographics.
    """
    if trial.status != "open":
        raise StateTransitionError(f"trial {trial.protocol_id} is stopped: no more enrolment")
    cohort = trial.cohort
    if cohort is None:
        raise StateTransitionError(
            f"no cohort of trial {trial.protocol_id} is open: the next cohort opens with the SRC's signed decision")
    if open_slots(trial, at)[0] == 0:
        raise StateTransitionError(
            f"cohort {cohort.number} at level {cohort.level} is full ({trial.enrolled_in_cohort()} enrolled); "
            "the next cohort opens with the SRC's signed decision")
    level = cohort.level if level is None else trial.check_level(level)
    reason = (reason or "").strip()
    if level != cohort.level and not reason:
        raise InputError("reason", f"given when enrolling at level {level} instead of the cohort's level "
                         f"{cohort.level}", reason)
    pid = _next_patient_id(trial) if patient_id in (None, "") else check_patient_id(patient_id)
    if any(s.patient_id == pid for s in trial.subjects):
        raise InputError("patient_id", f"an identifier not yet used in trial {trial.protocol_id}", pid)
    enrolled_day = resolve_day(trial, day, at, "day")
    start_date = trial.start_date
    if start_date is None:
        start_date = (datetime.fromisoformat(at).date() - timedelta(days=int(enrolled_day))).isoformat()
    subject = Subject(pid, sex, age, site, trial.country if country in (None, "") else country, at, None,
                      reason if level != cohort.level else "")
    state = advance_to(trial.state, enrolled_day)
    record = PatientRecord(pid, level, None, cohort=cohort.number, enrolled_day=enrolled_day,
                           followup_day=max((state.day or enrolled_day) - enrolled_day, 0.0), role=cohort.role)
    new = trial.evolve(state=state.with_record(record), subjects=trial.subjects + (subject,), start_date=start_date)
    return new, AuditEvent(actor, at, "patient", pid, "enrol", None, new.patient_view(pid), reason)


def _validated(trial: Trial, assessment: Assessment) -> Assessment:
    record = trial.state.record(trial.subject(assessment.patient_id).patient_id)
    start = record.enrolled_day
    if assessment.onset_day < start:
        raise InputError("onset_day", f"on or after patient {record.id}'s enrolment (study day {start:g})",
                         assessment.onset_day)
    end = start + trial.dlt_window_days
    if assessment.dlt and assessment.onset_day > end:
        raise InputError("onset_day", f"inside patient {record.id}'s DLT window (study days {start:g} to {end:g}) "
                         "for a DLT", assessment.onset_day, "A toxicity after the window is not dose-limiting.")
    return assessment


def _with_outcome(trial: Trial, patient_id: str, day: float) -> Trial:
    """The trial with its clock at ``day`` and the patient's record derived again from the assessments."""
    moved = trial.evolve(state=advance_to(trial.state, day))
    return moved.evolve(state=moved.state.with_updated_record(derive_patient_record(moved, patient_id)))


def _snapshot(trial: Trial, assessment: Assessment) -> dict:
    return {"assessment": assessment.to_dict(), "record": trial.state.record(assessment.patient_id).to_dict()}


def record_assessment(
    trial: Trial, patient_id: str, *, dlt: bool, term: str, grade: int, onset_day: float, actor: str, at: str,
) -> tuple[Trial, AuditEvent]:
    """Record one toxicity of a patient; a DLT resolves the patient's pending outcome at once.

    Raises
    ------
    InputError
        For a patient not in the trial, a grade outside 1-5, an onset before the
        enrolment, or a DLT with onset after the DLT window.
    """
    trial.subject(patient_id)
    assessment = _validated(trial, Assessment(f"A{len(trial.assessments) + 1}", patient_id, dlt, term, grade,
                                              onset_day))
    new = _with_outcome(trial.evolve(assessments=trial.assessments + (assessment,)), patient_id, onset_day)
    return new, AuditEvent(actor, at, "assessment", assessment.id, "record", None, _snapshot(new, assessment))


def correct_assessment(
    trial: Trial, assessment_id: str, *, dlt: bool, term: str, grade: int, onset_day: float, reason: str,
    actor: str, at: str,
) -> tuple[Trial, AuditEvent]:
    """Replace an assessment's values, with a reason; the old values stay in the audit event's ``before``.

    Raises
    ------
    InputError
        For an unknown assessment, a missing reason or an invalid value (as for recording).
    """
    old = trial.assessment(assessment_id)
    reason = (reason or "").strip()
    if not reason:
        raise InputError("reason", "given for a correction (the old value stays in the audit trail)", reason)
    fixed = _validated(trial, replace(old, dlt=dlt, term=term, grade=grade, onset_day=onset_day))
    if fixed == old:
        raise InputError("correction", "a change to at least one value of the assessment", fixed.to_dict())
    changed = trial.evolve(assessments=tuple(fixed if a.id == assessment_id else a for a in trial.assessments))
    new = _with_outcome(changed, old.patient_id, onset_day)
    return new, AuditEvent(actor, at, "assessment", assessment_id, "correct", _snapshot(trial, old),
                           _snapshot(new, fixed), reason)


def close_window(
    trial: Trial, patient_id: str, *, actor: str, at: str, day: float | None = None,
) -> tuple[Trial, AuditEvent]:
    """Resolve a pending patient as "no DLT": the DLT window is complete without a dose-limiting toxicity.

    Parameters
    ----------
    day : float, optional
        Study day of the closing assessment (today's by default); on or after the last
        day of the window (enrolment day + DLT window), since a patient can only be
        declared DLT-free once the whole window has been observed.

    Raises
    ------
    StateTransitionError
        If the patient's outcome is already known.
    InputError
        For an unknown patient or a day before the end of the window.
    """
    subject = trial.subject(patient_id)
    record = trial.state.record(patient_id)
    if not record.pending:
        raise StateTransitionError(
            f"patient {patient_id} already has a DLT outcome ({'DLT' if record.dlt else 'no DLT'}); "
            "correct an assessment instead")
    closing = resolve_day(trial, day, at, "day")
    end = record.enrolled_day + trial.dlt_window_days
    if closing < end:
        raise InputError("day", f"on or after study day {end:g}, the end of patient {patient_id}'s "
                         f"{trial.dlt_window_days:g}-day DLT window", closing,
                         "A patient is DLT-free only once the whole window has been observed.")
    before = trial.patient_view(patient_id)
    subjects = tuple(replace(s, window_closed_day=closing) if s is subject else s for s in trial.subjects)
    new = _with_outcome(trial.evolve(subjects=subjects), patient_id, closing)
    return new, AuditEvent(actor, at, "patient", patient_id, "close_window", before, new.patient_view(patient_id))

