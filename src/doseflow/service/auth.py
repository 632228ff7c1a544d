"""Who is calling: a session cookie (pages, with CSRF tokens) or an API token (scripts).

Session cookies are HttpOnly (not readable by scripts in the page) and SameSite=Strict
(not sent with requests started by other sites); ``Secure`` is added when the service is
configured for HTTPS. Every state-changing request made with a session cookie must carry
the session's CSRF token (form field ``csrf_token`` or header ``X-CSRF-Token``), compared
in constant time. API tokens come in ``Authorization: Bearer <token>`` and need no CSRF
token, since a browser never adds that header by itself.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from fastapi import Request

from doseflow.service.store import accounts
from doseflow.service.store.accounts import User

__all__ = ["COOKIE", "Caller", "NotSignedIn", "CsrfFailed", "identify", "check_csrf"]

COOKIE = "doseflow_session"


class NotSignedIn(Exception):
    """No valid session or token (HTTP 401; pages redirect to the sign-in page)."""


class CsrfFailed(Exception):
    """A cookie-authenticated change without the session's CSRF token (HTTP 403)."""


@dataclass(frozen=True)
class Caller:
    user: User
    csrf_token: str | None  # None for API tokens
    session_token: str | None


def identify(request: Request) -> Caller:
    """The caller of ``request``, from its bearer token or session cookie."""
    engine = request.app.state.ctx.engine
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        user = accounts.token_user(engine, header[7:].strip())
        if user is None:
            raise NotSignedIn("the API token is not valid")
        return Caller(user, None, None)
    token = request.cookies.get(COOKIE)
    found = accounts.session_user(engine, token) if token else None
    if found is None:
        raise NotSignedIn("sign in first")
    return Caller(found[0], found[1], token)


def check_csrf(caller: Caller, supplied: str | None) -> None:
    """Refuse a cookie-authenticated change whose CSRF token is missing or wrong."""
    if caller.csrf_token is None:
        return
    if not supplied or not hmac.compare_digest(caller.csrf_token, supplied):
        raise CsrfFailed("the form's CSRF token is missing or stale: reload the page and try again")
