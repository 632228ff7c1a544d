"""Users, passwords (argon2id), sessions, API tokens, the sign-in rate limit and roles per trial.

Passwords are hashed with argon2id (Biryukov, Dinu and Khovratovich 2016; RFC 9106) by
argon2-cffi with its default parameters. Session and API tokens are random 256-bit
strings (``secrets.token_urlsafe``) stored only as SHA-256 digests, so a copy of the
database does not hold usable tokens.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine, delete, func, insert, select

from doseflow.conduct.audit import AuditEvent
from doseflow.errors import InputError
from doseflow.service.store.audit_chain import append_event
from doseflow.service.store.engine import read_transaction, write_transaction
from doseflow.service.store.schema import SYSTEM_CHAIN, api_tokens, memberships, sessions, signin_failures, trials, users

__all__ = ["ROLES", "User", "create_user", "find_user", "count_users", "check_password", "validate_password",
           "start_session", "session_user", "end_session", "create_api_token", "token_user", "grant_role",
           "revoke_role", "roles_on", "trials_of", "members_of", "SignInLimited", "sign_in", "SESSION_SECONDS",
           "MAX_FAILURES", "FAILURE_WINDOW_SECONDS"]

#: Roles a user can hold on a trial.
ROLES: tuple[str, ...] = ("viewer", "data_manager", "statistician", "safety_reviewer", "admin")
SESSION_SECONDS = 8 * 3600
#: Sign-in rate limit: this many failures for one user name (or one client address) in the
#: window block further attempts until the oldest failure leaves the window.
MAX_FAILURES = 5
FAILURE_WINDOW_SECONDS = 15 * 60
MIN_PASSWORD = 10
_USERNAME = re.compile(r"^[a-z][a-z0-9._-]{1,63}$")
_hasher = PasswordHasher()


@dataclass(frozen=True, slots=True)
class User:
    id: int
    username: str
    full_name: str
    is_admin: bool


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _user(row) -> User:  # noqa: ANN001
    return User(row.id, row.username, row.full_name, bool(row.is_admin))


def validate_password(password: object) -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD or len(password) > 200:
        raise InputError("password", f"{MIN_PASSWORD} to 200 characters", "***" if password else password)
    return password


def create_user(engine: Engine, *, username: str, full_name: str, password: str, is_admin: bool, actor: str,
                at: str) -> User:
    """Create a user (audited in the system chain).

    Raises
    ------
    InputError
        For a user name that is not 2-64 lower-case letters, digits, ``.``, ``_`` or ``-``
        starting with a letter, a taken user name, an empty full name or a password of
        fewer than 10 characters.
    """
    if not isinstance(username, str) or not _USERNAME.match(username):
        raise InputError("username", "2 to 64 lower-case letters, digits, '.', '_' or '-', starting with a letter",
                         username)
    if not isinstance(full_name, str) or not full_name.strip() or len(full_name) > 200:
        raise InputError("full_name", "the person's printed name (1 to 200 characters)", full_name)
    validate_password(password)
    digest = _hasher.hash(password)
    with write_transaction(engine) as conn:
        if conn.execute(select(users.c.id).where(users.c.username == username)).first() is not None:
            raise InputError("username", "a user name not yet taken", username)
        uid = conn.execute(insert(users).values(username=username, full_name=full_name.strip(), password_hash=digest,
                                                is_admin=bool(is_admin), created_at=at)).inserted_primary_key[0]
        after = {"username": username, "full_name": full_name.strip(), "is_admin": bool(is_admin)}
        append_event(conn, SYSTEM_CHAIN, AuditEvent(actor, at, "user", username, "create", None, after))
        return User(int(uid), username, full_name.strip(), bool(is_admin))


def find_user(conn: Connection, username: str) -> User | None:
    row = conn.execute(select(users).where(users.c.username == username)).one_or_none()
    return None if row is None else _user(row)


def count_users(engine: Engine) -> int:
    with read_transaction(engine) as conn:
        return int(conn.execute(select(func.count()).select_from(users)).scalar_one())


def check_password(engine: Engine, username: str, password: str) -> User | None:
    """The user if ``password`` is theirs (argon2 verification), else None."""
    with read_transaction(engine) as conn:
        row = conn.execute(select(users).where(users.c.username == username)).one_or_none()
    if row is None:
        _hasher.hash("doseflow-timing-equaliser")  # same work for unknown names
        return None
    try:
        _hasher.verify(row.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    return _user(row)


class SignInLimited(Exception):
    """Too many failed sign-ins: the message says for whom and how long to wait."""


def sign_in(engine: Engine, username: str, password: str, client: str) -> User:
    """Check a sign-in against the rate limit and the password; record a failure.

    Raises
    ------
    SignInLimited
        When the user name or the client address has :data:`MAX_FAILURES` failures in the
        last :data:`FAILURE_WINDOW_SECONDS`.
    InputError
        For a wrong user name or password (one message for both).
    """
    now = time.time()
    keys = (f"user:{username}", f"client:{client}")
    with write_transaction(engine) as conn:
        conn.execute(delete(signin_failures).where(signin_failures.c.at < now - FAILURE_WINDOW_SECONDS))
        for key in keys:
            times = conn.execute(select(signin_failures.c.at).where(signin_failures.c.key == key)).scalars().all()
            if len(times) >= MAX_FAILURES:
                wait = int(min(times) + FAILURE_WINDOW_SECONDS - now) // 60 + 1
                who = f"user name {username!r}" if key.startswith("user:") else "this address"
                raise SignInLimited(f"too many failed sign-ins for {who}: try again in {wait} minutes")
    user = check_password(engine, username, password)
    if user is None:
        with write_transaction(engine) as conn:
            for key in keys:
                conn.execute(insert(signin_failures).values(key=key, at=now))
        raise InputError("username or password", "those of a doseflow user", username)
    return user


def start_session(engine: Engine, user: User) -> tuple[str, str]:
    """A new session for ``user``: (session token for the cookie, CSRF token for forms)."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    with write_transaction(engine) as conn:
        conn.execute(delete(sessions).where(sessions.c.expires_at < time.time()))
        conn.execute(insert(sessions).values(token_hash=_digest(token), user_id=user.id, csrf_token=csrf,
                                             expires_at=time.time() + SESSION_SECONDS))
    return token, csrf


def session_user(engine: Engine, token: str) -> tuple[User, str] | None:
    """(user, CSRF token) of a live session, else None."""
    with read_transaction(engine) as conn:
        row = conn.execute(select(users, sessions.c.csrf_token).join(sessions, sessions.c.user_id == users.c.id)
                           .where(sessions.c.token_hash == _digest(token), sessions.c.expires_at > time.time())
                           ).one_or_none()
    return None if row is None else (_user(row), row.csrf_token)


def end_session(engine: Engine, token: str) -> None:
    with write_transaction(engine) as conn:
        conn.execute(delete(sessions).where(sessions.c.token_hash == _digest(token)))


def create_api_token(engine: Engine, user: User, name: str, at: str) -> str:
    """A new API token for scripts (``Authorization: Bearer <token>``); shown once, stored hashed."""
    if not isinstance(name, str) or not name.strip() or len(name) > 100:
        raise InputError("name", "a name for the token (1 to 100 characters)", name)
    token = "dft_" + secrets.token_urlsafe(32)
    with write_transaction(engine) as conn:
        conn.execute(insert(api_tokens).values(token_hash=_digest(token), user_id=user.id, name=name.strip(),
                                               created_at=at))
        append_event(conn, SYSTEM_CHAIN, AuditEvent(user.username, at, "api_token", name.strip(), "create", None,
                                                    {"username": user.username, "name": name.strip()}))
    return token


def token_user(engine: Engine, token: str) -> User | None:
    with read_transaction(engine) as conn:
        row = conn.execute(select(users).join(api_tokens, api_tokens.c.user_id == users.c.id)
                           .where(api_tokens.c.token_hash == _digest(token))).one_or_none()
    return None if row is None else _user(row)


def roles_on(engine: Engine, user: User, trial_id: int) -> frozenset[str]:
    with read_transaction(engine) as conn:
        return frozenset(conn.execute(select(memberships.c.role).where(
            memberships.c.user_id == user.id, memberships.c.trial_id == trial_id)).scalars())


def trials_of(engine: Engine, user: User) -> list[tuple[int, str, frozenset[str]]]:
    """(trial id, protocol id, roles) of every trial the user has a role on."""
    with read_transaction(engine) as conn:
        rows = conn.execute(select(trials.c.id, trials.c.protocol_id, memberships.c.role)
                            .join(memberships, memberships.c.trial_id == trials.c.id)
                            .where(memberships.c.user_id == user.id).order_by(trials.c.id)).all()
    out: dict[int, tuple[str, set[str]]] = {}
    for tid, pid, role in rows:
        out.setdefault(tid, (pid, set()))[1].add(role)
    return [(tid, pid, frozenset(r)) for tid, (pid, r) in out.items()]


def members_of(engine: Engine, trial_id: int) -> list[tuple[str, str, str]]:
    """(user name, full name, role) of every role on the trial."""
    with read_transaction(engine) as conn:
        return [tuple(r) for r in conn.execute(
            select(users.c.username, users.c.full_name, memberships.c.role)
            .join(memberships, memberships.c.user_id == users.c.id)
            .where(memberships.c.trial_id == trial_id).order_by(users.c.username, memberships.c.role))]


def _check_role(role: object) -> str:
    if role not in ROLES:
        raise InputError("role", "one of " + ", ".join(ROLES), role)
    return str(role)


def grant_role(engine: Engine, trial_id: int, username: str, role: str, *, actor: str, at: str) -> None:
    """Give ``username`` the ``role`` on the trial (audited in the trial's chain)."""
    role = _check_role(role)
    with write_transaction(engine) as conn:
        user = find_user(conn, username)
        if user is None:
            raise InputError("username", "an existing user", username)
        exists = conn.execute(select(memberships).where(memberships.c.user_id == user.id,
                                                        memberships.c.trial_id == trial_id,
                                                        memberships.c.role == role)).first()
        if exists is not None:
            raise InputError("role", f"a role {username} does not hold yet", role)
        conn.execute(insert(memberships).values(user_id=user.id, trial_id=trial_id, role=role))
        append_event(conn, trial_id, AuditEvent(actor, at, "membership", username, "grant", None,
                                                {"username": username, "role": role}))


def revoke_role(engine: Engine, trial_id: int, username: str, role: str, *, actor: str, at: str, reason: str) -> None:
    """Take ``role`` on the trial from ``username`` (audited, with its reason)."""
    role = _check_role(role)
    with write_transaction(engine) as conn:
        user = find_user(conn, username)
        gone = None if user is None else conn.execute(delete(memberships).where(
            memberships.c.user_id == user.id, memberships.c.trial_id == trial_id, memberships.c.role == role))
        if gone is None or gone.rowcount != 1:
            raise InputError("role", f"a role {username} holds on this trial", role)
        append_event(conn, trial_id, AuditEvent(actor, at, "membership", username, "revoke",
                                                {"username": username, "role": role}, None, reason))
