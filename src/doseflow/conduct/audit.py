"""The audit event every conduct operation returns: who, when, what, before, after, why.

21 CFR 11.10(e) asks for "secure, computer-generated, time-stamped audit trails to
independently record the date and time of operator entries and actions that create,
modify, or delete electronic records", where "record changes shall not obscure previously
recorded information". An :class:`AuditEvent` carries exactly that for one change; the
service appends it to its hash-chained audit table in the transaction of the change.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from doseflow.errors import InputError

__all__ = ["AuditEvent", "check_timestamp"]


def check_timestamp(value: object, where: str = "at") -> str:
    """Return ``value`` if it is an ISO 8601 date-time with a UTC offset (``2024-01-02T09:00:00+00:00``)."""
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        parsed = None
    if not isinstance(value, str) or parsed is None or parsed.tzinfo is None:
        raise InputError(where, "an ISO 8601 date-time with a UTC offset, e.g. '2024-01-02T09:00:00+00:00'", value)
    return value


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """One change to a trial, as the audit trail records it.

    Attributes
    ----------
    actor : str
        User name of the person (or API token's owner) who made the change.
    at : str
        ISO 8601 date-time of the change (UTC).
    entity : str
        What changed: "trial", "design", "patient", "assessment", "decision", "user",
        "membership".
    entity_id : str
        Its identifier (protocol id, patient id, assessment id, decision number, ...).
    action : str
        The operation: "create", "enrol", "record", "correct", "close_window", "sign",
        "revise", ...
    before : dict or None
        The entity before the change (None when it is created).
    after : dict or None
        The entity after the change.
    reason : str
        Why (required for corrections, overrides, off-level enrolment and design changes).
    """

    actor: str
    at: str
    entity: str
    entity_id: str
    action: str
    before: dict | None
    after: dict | None
    reason: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.actor, str) or not self.actor:
            raise InputError("actor", "the user name of the person making the change", self.actor)
        check_timestamp(self.at)

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}
