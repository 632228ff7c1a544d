"""Create a trial and change its design: frozen at the first enrolment, then versioned with a reason."""

from __future__ import annotations

import math
from typing import Any

from doseflow.conduct.audit import AuditEvent
from doseflow.conduct.records import Cohort
from doseflow.conduct.trial import Trial, design_of
from doseflow.core import Decision, DosePlan, TrialState
from doseflow.designs.registry import design_classes
from doseflow.errors import InputError

__all__ = ["create_trial", "revise_design", "validate_design_spec", "cohort_from_decision"]


def validate_design_spec(spec: Any, plan: DosePlan) -> dict:
    """Return ``spec`` if the registry builds a design from it that can run on ``plan``.

    The design is built (:func:`doseflow.designs.registry.build_design`, whose errors name
    the option and value) and asked for its first decision on the empty trial, which checks
    plan-dependent options (a start dose above the top level, a skeleton of the wrong length).
    """
    if not isinstance(spec, dict):
        raise InputError("design", "a mapping such as {'design': '3+3'}", spec)
    design = design_of(spec)
    design.decide(TrialState(plan))
    return spec


def cohort_from_decision(number: int, decision: Decision) -> Cohort | None:
    """The cohort a decision opens (None for a stop or a wait)."""
    if decision.next_dose is None or not decision.cohort_size:
        return None
    return Cohort(number, decision.next_dose, decision.cohort_size, decision.role, decision.cohort_kind or "exact")


def create_trial(
    protocol_id: str,
    title: str,
    plan: DosePlan,
    design_spec: dict,
    dlt_window_days: float,
    *,
    actor: str,
    at: str,
    country: str = "USA",
    treatment: str = "",
) -> tuple[Trial, AuditEvent]:
    """A new trial, its first cohort open at the design's start dose.

    Parameters
    ----------
    protocol_id : str
        Protocol identifier (1-40 characters).
    title : str
    plan : DosePlan
    design_spec : dict
        The design in registry form; validated against ``plan``.
    dlt_window_days : float
        DLT window in days, > 0 and at most 365.
    actor, at : str
        Who creates the trial and when (ISO 8601 with offset).
    country : str
        Default ISO 3166-1 alpha-3 country of subjects.
    treatment : str
        Treatment name for SDTM EX.EXTRT (default: the protocol id).

    Raises
    ------
    InputError
        Naming the field and value (an unknown design option, a window of 0 days, ...).
    """
    try:
        window = float(dlt_window_days)
    except (TypeError, ValueError):
        window = math.nan
    if isinstance(dlt_window_days, bool) or not (0 < window <= 365):
        raise InputError("dlt_window_days", "a number of days in (0, 365]", dlt_window_days)
    spec = validate_design_spec(_window_from_trial(design_spec, window), plan)
    design = design_of(spec)
    _check_window(design, window)
    first = design.decide(TrialState(plan))
    trial = Trial(
        protocol_id=protocol_id, title=str(title), design_spec=spec, dlt_window_days=window,
        state=TrialState(plan), country=country, treatment=treatment or protocol_id,
        cohort=cohort_from_decision(1, first),
        versions=({"version": 1, "design_spec": spec, "at": at, "by": actor, "reason": "initial protocol"},),
    )
    event = AuditEvent(actor, at, "trial", protocol_id, "create", None, trial.to_dict())
    return trial, event


def revise_design(trial: Trial, design_spec: dict, *, reason: str, actor: str, at: str) -> tuple[Trial, AuditEvent]:
    """Change the design; after the first enrolment this is a new protocol version and needs a reason.

    Before any patient is enrolled the design is replaced in version 1 (the first cohort is
    opened again from the new design). Once a patient is enrolled the design is frozen: a
    change makes protocol version ``version + 1``, keeps the enrolled patients and the open
    cohort, and requires ``reason``.

    Raises
    ------
    InputError
        For an invalid design, or a missing reason after the first enrolment.
    """
    spec = validate_design_spec(_window_from_trial(design_spec, trial.dlt_window_days), trial.plan)
    _check_window(design_of(spec), trial.dlt_window_days)
    if spec == trial.design_spec:
        raise InputError("design", "different from the current design", spec)
    reason = (reason or "").strip()
    frozen = trial.design_frozen
    if frozen and not reason:
        raise InputError("reason", "given: the design is frozen since the first enrolment, so a change is a new "
                         "protocol version with its reason", reason)
    if trial.status != "open":
        raise InputError("design", "changed only while the trial is open", trial.status)
    version = trial.version + 1 if frozen else trial.version
    entry = {"version": version, "design_spec": spec, "at": at, "by": actor, "reason": reason or "before enrolment"}
    versions = trial.versions + (entry,) if frozen else trial.versions[:-1] + (entry,)
    cohort = trial.cohort
    if not frozen:
        cohort = cohort_from_decision(1, design_of(spec).decide(TrialState(trial.plan)))
    new = trial.evolve(design_spec=spec, version=version, versions=versions, cohort=cohort)
    before = {"version": trial.version, "design_spec": trial.design_spec}
    after = {"version": version, "design_spec": spec}
    return new, AuditEvent(actor, at, "design", trial.protocol_id, "revise", before, after, reason)


def _window_from_trial(spec: Any, window_days: float) -> Any:
    """The spec with a time-to-event design's ``window`` set to the trial's DLT window when not given.

    Wrappers hold the design they wrap under ``base``; the window belongs to the innermost.
    """
    if not isinstance(spec, dict):
        return spec
    if isinstance(spec.get("base"), dict):
        return {**spec, "base": _window_from_trial(spec["base"], window_days)}
    cls = design_classes().get(spec.get("design"))
    if cls is not None and cls.uses_followup and "window" not in spec:
        return {**spec, "window": window_days}
    return spec


def _check_window(design, window_days: float) -> None:
    """Refuse a time-to-event design whose DLT window is not the trial's (its weights would be wrong)."""
    if design.followup_window_differs(window_days):
        own, name = design.followup_window, getattr(design, "innermost", design).name
        raise InputError(
            "dlt_window_days", f"the DLT window of the design {name} ({own:g} days)", window_days,
            f"Give the trial a {own:g}-day DLT window, or the design a window of {window_days:g} days.",
        )

