"""The tables of the service database (SQLAlchemy Core); Alembic migrations create them.

Trial data live in one JSON document per trial (``trials.document``, the
:class:`doseflow.conduct.trial.Trial` as ``to_dict`` gives it) with a row version that
every change increments; each change also appends one row to ``audit``, in the same
transaction. ``audit`` is append-only: the code never updates or deletes it, and database
triggers refuse UPDATE and DELETE on both SQLite and PostgreSQL.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Float, ForeignKey, Integer, MetaData, String, Table, Text

__all__ = ["metadata", "users", "sessions", "api_tokens", "signin_failures", "trials", "memberships", "audit",
           "audit_heads", "SYSTEM_CHAIN"]

#: The audit chain of events that belong to no trial (users, their admin rights).
SYSTEM_CHAIN = 0

metadata = MetaData()

users = Table(
    "users", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("full_name", String(200), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("is_admin", Boolean, nullable=False, default=False),
    Column("created_at", String(40), nullable=False),
)

sessions = Table(
    "sessions", metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("expires_at", Float, nullable=False),
)

api_tokens = Table(
    "api_tokens", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("created_at", String(40), nullable=False),
)

signin_failures = Table(
    "signin_failures", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(200), nullable=False, index=True),
    Column("at", Float, nullable=False),
)

trials = Table(
    "trials", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("protocol_id", String(40), nullable=False, unique=True),
    Column("row_version", Integer, nullable=False),
    Column("document", Text, nullable=False),
    Column("updated_at", String(40), nullable=False),
)

memberships = Table(
    "memberships", metadata,
    Column("user_id", Integer, ForeignKey("users.id"), primary_key=True),
    Column("trial_id", Integer, ForeignKey("trials.id"), primary_key=True),
    Column("role", String(32), primary_key=True),
)

audit = Table(
    "audit", metadata,
    Column("chain", Integer, primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("at", String(40), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("entity", String(32), nullable=False),
    Column("entity_id", String(64), nullable=False),
    Column("action", String(32), nullable=False),
    Column("before", Text, nullable=False),
    Column("after", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

audit_heads = Table(
    "audit_heads", metadata,
    Column("chain", Integer, primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
)
