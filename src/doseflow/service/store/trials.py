"""Trials in the database: each change is one transaction that locks the trial, applies a conduct
operation, stores the new document with a new row version and appends the audit entry."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, insert, select, update

from doseflow.conduct.audit import AuditEvent
from doseflow.conduct.trial import Trial
from doseflow.errors import InputError
from doseflow.service.store.audit_chain import append_event, canonical_json
from doseflow.service.store.engine import read_transaction, write_transaction
from doseflow.service.store.schema import memberships, trials

__all__ = ["StoredTrial", "insert_trial", "load_trial", "change_trial", "TrialNotFound"]


class TrialNotFound(LookupError):
    """No trial with that id (or none the user may see: the service answers 404 for both)."""


@dataclass(frozen=True, slots=True)
class StoredTrial:
    """A trial with its database id and row version."""

    id: int
    row_version: int
    trial: Trial


def _row_to_trial(row) -> StoredTrial:  # noqa: ANN001
    return StoredTrial(row.id, row.row_version, Trial.from_dict(json.loads(row.document)))


def fetch_trial(conn: Connection, trial_id: int, *, lock: bool = False) -> StoredTrial:
    """The trial ``trial_id`` inside the caller's transaction (``lock``: ``SELECT ... FOR UPDATE``)."""
    query = select(trials).where(trials.c.id == trial_id)
    row = conn.execute(query.with_for_update() if lock else query).one_or_none()
    if row is None:
        raise TrialNotFound(trial_id)
    return _row_to_trial(row)


def load_trial(engine: Engine, trial_id: int) -> StoredTrial:
    with read_transaction(engine) as conn:
        return fetch_trial(conn, trial_id)


def insert_trial(engine: Engine, trial: Trial, events: list[AuditEvent], admins: list[tuple[int, str]],
                 at: str) -> int:
    """Store a new trial with the audit events of its making, give ``admins`` (user id, name) its admin role.

    Returns the trial id.

    Raises
    ------
    InputError
        If the protocol id is taken.
    """
    with write_transaction(engine) as conn:
        taken = conn.execute(select(trials.c.id).where(trials.c.protocol_id == trial.protocol_id)).first()
        if taken is not None:
            raise InputError("protocol_id", "a protocol id not used by another trial", trial.protocol_id)
        trial_id = conn.execute(insert(trials).values(
            protocol_id=trial.protocol_id, row_version=1, document=canonical_json(trial.to_dict()),
            updated_at=at)).inserted_primary_key[0]
        for event in events:
            append_event(conn, trial_id, event)
        for user_id, username in admins:
            conn.execute(insert(memberships).values(user_id=user_id, trial_id=trial_id, role="admin"))
            append_event(conn, trial_id, AuditEvent(events[0].actor, at, "membership", username, "grant", None,
                                                    {"username": username, "role": "admin"}, "trial creator"))
        return int(trial_id)


def change_trial(engine: Engine, trial_id: int, operation: Callable[[Trial], tuple[Trial, AuditEvent]]) -> StoredTrial:
    """Apply ``operation`` to the trial in one transaction: lock, apply, store, audit, commit.

    The trial row is locked first (``FOR UPDATE``; SQLite's ``BEGIN IMMEDIATE``), so the
    operation sees the latest state and no concurrent change interleaves: of two
    enrolments into a cohort's last slot the second finds the cohort full. The row version
    is checked again on update as a second guard.
    """
    with write_transaction(engine) as conn:
        current = fetch_trial(conn, trial_id, lock=True)
        new, event = operation(current.trial)
        done = conn.execute(
            update(trials).where(trials.c.id == trial_id, trials.c.row_version == current.row_version)
            .values(document=canonical_json(new.to_dict()), row_version=current.row_version + 1, updated_at=event.at))
        if done.rowcount != 1:
            raise RuntimeError(f"trial {trial_id} changed during the transaction (row version {current.row_version})")
        append_event(conn, trial_id, event)
        return StoredTrial(trial_id, current.row_version + 1, new)
