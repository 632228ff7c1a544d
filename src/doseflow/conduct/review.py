"""Ask the design for its decision and record the SRC's signed decision.

After each cohort's DLT window the design recommends the next dose with its reason; the
safety review committee (SRC) accepts it or overrides it with a reason, and a member
signs electronically. The signed decision opens the next cohort or, for a stop, ends the
escalation with the SRC's MTD.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from doseflow.conduct.audit import AuditEvent
from doseflow.conduct.calendar import advance_to, compute_study_day
from doseflow.conduct.protocol import cohort_from_decision
from doseflow.conduct.records import Signature, SrcDecision
from doseflow.conduct.trial import Trial
from doseflow.core import Decision, MTDSelection
from doseflow.errors import InputError, StateTransitionError

__all__ = ["Recommendation", "open_slots", "recommend", "sign_decision", "to_plain"]

#: What the trial needs next: enrolment into the open cohort, waiting for DLT outcomes, an
#: SRC decision, or nothing (stopped).
KINDS = ("enrol", "wait", "decide", "stopped")


def to_plain(value: Any) -> Any:
    """``value`` with NumPy scalars and arrays turned into plain JSON values."""
    def default(obj: Any) -> Any:
        if isinstance(obj, np.generic):
            return obj.item()
        if isinstance(obj, np.ndarray):
            return obj.tolist()
        if isinstance(obj, tuple):
            return list(obj)
        raise TypeError(f"not JSON: {type(obj).__name__}")
    return json.loads(json.dumps(value, default=default, allow_nan=False))


@dataclass(frozen=True, slots=True)
class Recommendation:
    """What the trial needs next, with the design's decision and MTD estimate.

    Attributes
    ----------
    kind : {"enrol", "wait", "decide", "stopped"}
    reason : str
        One plain sentence.
    decision : Decision or None
        The design's decision (present when ``kind`` is "decide" or "wait" by the design).
    mtd : MTDSelection
        The design's MTD selection on the data so far.
    day : float
        The study day the recommendation is for.
    """

    kind: str
    reason: str
    decision: Decision | None
    mtd: MTDSelection
    day: float

    def to_dict(self) -> dict[str, Any]:
        return to_plain({"kind": self.kind, "reason": self.reason, "day": self.day,
                         "decision": None if self.decision is None else self.decision.to_dict(),
                         "mtd": self.mtd.to_dict()})


def _state_on(trial: Trial, at: str):  # noqa: ANN202
    day = max(compute_study_day(trial, at), trial.state.day or 0.0)
    return day, (advance_to(trial.state, day) if trial.state.n_patients else trial.state)


def open_slots(trial: Trial, at: str) -> tuple[int, str]:
    """How many patients the open cohort still takes, with the sentence that says why.

    An "exact" cohort takes its size less those enrolled. An "up_to" cohort (rolling six,
    time-to-event designs: enrolment goes on while outcomes are pending) takes what the
    design allows now: asked again on the state of today, it must still treat patients
    at the cohort's level (Skolnik et al. 2008); otherwise the cohort is closed and the
    SRC decides.
    """
    cohort = trial.cohort
    if trial.status != "open" or cohort is None:
        return 0, ""
    taken = trial.enrolled_in_cohort()
    if cohort.kind != "up_to":
        left = max(cohort.size - taken, 0)
        return left, (f"Enrol {left} more patient{'s' if left != 1 else ''} into cohort {cohort.number} at level "
                      f"{cohort.level} ({taken} of {cohort.size} enrolled).")
    if taken == 0:
        return cohort.size, (f"Enrol up to {cohort.size} patient{'s' if cohort.size != 1 else ''} into cohort "
                             f"{cohort.number} at level {cohort.level}.")
    decision = trial.design.decide(_state_on(trial, at)[1])
    if decision.next_dose == cohort.level and decision.cohort_kind in ("up_to", "exact") and decision.cohort_size:
        return int(decision.cohort_size), f"{decision.reason} Enrol up to {decision.cohort_size} more at level " \
            f"{cohort.level} (cohort {cohort.number}, {taken} enrolled)."
    return 0, ""


def recommend(trial: Trial, at: str) -> Recommendation:
    """What the trial needs next, as of ``at``.

    Rules:

    1. stopped trial: nothing;
    2. open cohort with free slots (:func:`open_slots`): enrol into it;
    3. escalation patients still in their DLT window and a design that decides on complete
       data only (``needs_calendar`` false: 3+3, BOIN, ...): wait;
    4. otherwise the design decides on the state at today's study day; a decision to wait
       (cohort size 0) is a wait, anything else is due for an SRC decision.
    """
    day, state = _state_on(trial, at)
    design = trial.design
    mtd = design.select_mtd(state)
    if trial.status == "stopped":
        final = trial.decisions[-1] if trial.decisions else None
        mtd_text = "no MTD" if final is None or final.mtd is None else f"MTD level {final.mtd}"
        return Recommendation("stopped", f"The SRC stopped the escalation ({mtd_text}).", None, mtd, day)
    slots, reason = open_slots(trial, at)
    if slots:
        return Recommendation("enrol", reason, None, mtd, day)
    pending = [r for r in state.records if r.pending and r.role == "escalation"]
    if pending and not design.needs_calendar:
        ids = ", ".join(r.id for r in pending)
        return Recommendation(
            "wait", f"Wait: {len(pending)} patient{'s' if len(pending) != 1 else ''} ({ids}) still in the DLT "
            f"window; {design.title.split(':')[0]} decides on complete cohorts.", None, mtd, day)
    decision = design.decide(state)
    if decision.cohort_kind == "wait":
        return Recommendation("wait", decision.reason, decision, mtd, day)
    return Recommendation("decide", decision.reason, decision, mtd, day)


def _override_action(trial: Trial, next_dose: int | None) -> str:
    if next_dose is None:
        return "stop"
    current = trial.state.current_dose or 0
    return "escalate" if next_dose > current else "de-escalate" if next_dose < current else "stay"


def _level_or_none(trial: Trial, value: object, where: str) -> int | None:
    return None if value is None else trial.check_level(value, where)


def sign_decision(
    trial: Trial,
    *,
    signature: Signature,
    accept: bool,
    actor: str,
    at: str,
    next_dose: int | None = None,
    cohort_size: int | None = None,
    mtd: int | None = None,
    reason: str = "",
) -> tuple[Trial, AuditEvent]:
    """Record the SRC's signed decision: accept the recommendation or override it with a reason.

    Parameters
    ----------
    signature : Signature
        The signer's printed name, user name, date-time and meaning (the caller has
        verified the signer's password: 21 CFR 11.200(a)(1)).
    accept : bool
        True: do what the design recommends (for a stop, its MTD selection is the MTD).
    next_dose, cohort_size : int, optional
        For an override: the next cohort's level and size; ``next_dose`` None stops the
        escalation.
    mtd : int, optional
        For an override that stops: the MTD the SRC declares (None: no MTD).
    reason : str
        Why; required for an override.

    Raises
    ------
    StateTransitionError
        When no decision is due (patients to enrol, outcomes pending, trial stopped).
    InputError
        For an override without reason, a level outside the plan or a cohort size outside 1-12.
    """
    rec = recommend(trial, at)
    if rec.kind != "decide" or rec.decision is None:
        raise StateTransitionError(f"no SRC decision is due for trial {trial.protocol_id}: {rec.reason}")
    if not signature.meaning.strip() or not signature.printed_name.strip():
        raise InputError("signature", "a printed name and the meaning of the signature", signature.to_dict())
    decision = rec.decision
    reason = (reason or "").strip()
    if accept:
        action, level, size = decision.action, decision.next_dose, decision.cohort_size
        role, kind = decision.role, decision.cohort_kind
        final_mtd = rec.mtd.dose if action == "stop" else None
    else:
        if not reason:
            raise InputError("reason", "given when the SRC overrides the design's recommendation", reason)
        level = _level_or_none(trial, next_dose, "next_dose")
        action = _override_action(trial, level)
        if level is None:
            size, final_mtd, role, kind = None, _level_or_none(trial, mtd, "mtd"), "escalation", None
        else:
            if isinstance(cohort_size, bool) or not isinstance(cohort_size, int) or not 1 <= cohort_size <= 12:
                raise InputError("cohort_size", "a whole number of patients from 1 to 12", cohort_size)
            size, final_mtd, role, kind = cohort_size, None, "escalation", "exact"
    number = len(trial.decisions) + 1
    record = SrcDecision(number, rec.day, to_plain(decision.to_dict()), to_plain(rec.mtd.to_dict()), bool(accept),
                         action, level, size, final_mtd, reason, signature.to_dict())
    cohort = None
    if level is not None:
        chosen = Decision(action, level, reason or decision.reason, (), decision.rule, size, kind, (), role)
        cohort = cohort_from_decision(trial.state.n_cohorts + 1, chosen)
    new = trial.evolve(decisions=trial.decisions + (record,), cohort=cohort,
                       status="stopped" if action == "stop" else "open", state=advance_to(trial.state, rec.day))
    return new, AuditEvent(actor, at, "decision", str(number), "sign", None, record.to_dict(), reason)
