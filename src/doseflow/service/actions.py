"""The service's operations, shared by the JSON API and the pages: check the role, apply the conduct
operation in one transaction with its audit entry.

Every function takes the :class:`Context` (engine and clock) and the signed-in user; a
trial the user has no role on is :class:`~doseflow.service.store.trials.TrialNotFound`
(the service answers 404, so trials a user may not see stay invisible), an action the
user's roles do not allow is :class:`~doseflow.service.permissions.NotPermitted` (403).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Engine

from doseflow.conduct import patients, protocol, review
from doseflow.conduct.records import Signature
from doseflow.core import DoseLevel, DosePlan
from doseflow.errors import InputError
from doseflow.service.permissions import NotPermitted, require
from doseflow.service.store import accounts
from doseflow.service.store.accounts import User
from doseflow.service.store.trials import StoredTrial, TrialNotFound, change_trial, insert_trial, load_trial

__all__ = ["Context", "utc_now", "access", "create_trial", "enrol", "record_assessment", "correct_assessment",
           "close_window", "sign_decision", "revise_design", "grant_role", "revoke_role", "MEANINGS"]

#: The meaning of an SRC signature (21 CFR 11.50(a)(3)), by what was signed.
MEANINGS = {
    "accept": "Approval: the SRC accepts the design's recommendation",
    "override": "Approval: the SRC overrides the design's recommendation for the reason given",
    "final": "Approval of the final dose-escalation decision and MTD",
}


def utc_now() -> str:
    """The current time as ISO 8601 UTC with seconds (``2024-01-02T09:00:00+00:00``)."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


@dataclass(frozen=True)
class Context:
    """What every operation needs: the database engine and the clock (replaceable in tests)."""

    engine: Engine
    now: Callable[[], str] = utc_now


def access(ctx: Context, user: User, trial_id: int, action: str) -> tuple[StoredTrial, frozenset[str]]:
    """The trial and the user's roles on it, if the user may perform ``action`` there."""
    roles = accounts.roles_on(ctx.engine, user, trial_id)
    if not roles:
        raise TrialNotFound(trial_id)
    require(roles, action)
    return load_trial(ctx.engine, trial_id), roles


def _change(ctx: Context, user: User, trial_id: int, action: str, operation: Callable) -> StoredTrial:
    access(ctx, user, trial_id, action)
    at = ctx.now()
    return change_trial(ctx.engine, trial_id, lambda trial: operation(trial, at))


def build_plan(levels: list[dict[str, Any]]) -> DosePlan:
    """A dose plan from ``[{"label", "amount", "unit"}, ...]``; errors name the level."""
    if not isinstance(levels, list) or not levels or len(levels) > 30:
        raise InputError("levels", "a list of 1 to 30 dose levels", levels)
    out = []
    for i, lv in enumerate(levels, start=1):
        if not isinstance(lv, dict):
            raise InputError(f"levels[{i}]", "a dose level with label, amount and unit", lv)
        label = str(lv.get("label") or f"DL{i}")
        try:
            amount = float(lv.get("amount"))
        except (TypeError, ValueError):
            raise InputError(f"levels[{i}].amount", "a number >= 0", lv.get("amount")) from None
        out.append(DoseLevel(label, amount, str(lv.get("unit") or "")))
    try:
        return DosePlan(tuple(out))
    except InputError as exc:
        raise InputError("levels", exc.expected, exc.value) from None


def create_trial(ctx: Context, user: User, *, protocol_id: str, title: str, levels: list[dict], design: dict,
                 dlt_window_days: float, country: str = "USA", treatment: str = "") -> int:
    """Create a trial (global admins only); the creator becomes the trial's admin."""
    if not user.is_admin:
        raise NotPermitted("creating a trial needs a doseflow administrator")
    at = ctx.now()
    trial, event = protocol.create_trial(protocol_id, title, build_plan(levels), design, dlt_window_days,
                                         actor=user.username, at=at, country=country, treatment=treatment)
    return insert_trial(ctx.engine, trial, [event], [(user.id, user.username)], at)


def enrol(ctx: Context, user: User, trial_id: int, **fields: Any) -> StoredTrial:
    """Enrol a patient; at a level other than the open cohort's the statistician role is needed."""
    stored, roles = access(ctx, user, trial_id, "enrol")
    cohort = stored.trial.cohort
    if fields.get("level") is not None and (cohort is None or fields["level"] != cohort.level):
        require(roles, "enrol_off_level")
    return _change(ctx, user, trial_id, "enrol",
                   lambda t, at: patients.enrol_patient(t, actor=user.username, at=at, **fields))


def record_assessment(ctx: Context, user: User, trial_id: int, patient_id: str, **fields: Any) -> StoredTrial:
    return _change(ctx, user, trial_id, "assess",
                   lambda t, at: patients.record_assessment(t, patient_id, actor=user.username, at=at, **fields))


def correct_assessment(ctx: Context, user: User, trial_id: int, assessment_id: str, **fields: Any) -> StoredTrial:
    return _change(ctx, user, trial_id, "correct",
                   lambda t, at: patients.correct_assessment(t, assessment_id, actor=user.username, at=at, **fields))


def close_window(ctx: Context, user: User, trial_id: int, patient_id: str, day: float | None = None) -> StoredTrial:
    return _change(ctx, user, trial_id, "close_window",
                   lambda t, at: patients.close_window(t, patient_id, actor=user.username, at=at, day=day))


def sign_decision(ctx: Context, user: User, trial_id: int, *, password: str, client: str, accept: bool,
                  next_dose: int | None = None, cohort_size: int | None = None, mtd: int | None = None,
                  reason: str = "") -> StoredTrial:
    """Record the SRC decision, signed: the signer re-enters the password (21 CFR 11.200(a)(1)(i))."""
    access(ctx, user, trial_id, "sign_decision")
    try:
        signer = accounts.sign_in(ctx.engine, user.username, password or "", client)
    except InputError:
        raise InputError("password", "the signer's own password (re-entered to sign)", "***") from None
    if signer.id != user.id:
        raise NotPermitted("a signature must be made by the signed-in user")

    def operation(trial, at):  # noqa: ANN001, ANN202
        rec = review.recommend(trial, at)
        stops = (accept and rec.decision is not None and rec.decision.action == "stop") or \
            (not accept and next_dose is None)
        meaning = MEANINGS["final"] if stops else MEANINGS["accept" if accept else "override"]
        signature = Signature(user.username, user.full_name, at, meaning)
        return review.sign_decision(trial, signature=signature, accept=accept, actor=user.username, at=at,
                                    next_dose=next_dose, cohort_size=cohort_size, mtd=mtd, reason=reason)

    return _change(ctx, user, trial_id, "sign_decision", operation)


def revise_design(ctx: Context, user: User, trial_id: int, design: dict, reason: str) -> StoredTrial:
    return _change(ctx, user, trial_id, "revise_design",
                   lambda t, at: protocol.revise_design(t, design, reason=reason, actor=user.username, at=at))


def grant_role(ctx: Context, user: User, trial_id: int, username: str, role: str) -> None:
    access(ctx, user, trial_id, "manage_roles")
    accounts.grant_role(ctx.engine, trial_id, username, role, actor=user.username, at=ctx.now())


def revoke_role(ctx: Context, user: User, trial_id: int, username: str, role: str, reason: str) -> None:
    access(ctx, user, trial_id, "manage_roles")
    if not (reason or "").strip():
        raise InputError("reason", "given when a role is taken away", reason)
    accounts.revoke_role(ctx.engine, trial_id, username, role, actor=user.username, at=ctx.now(), reason=reason)
