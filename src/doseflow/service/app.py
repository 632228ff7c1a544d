"""The FastAPI application: JSON API, pages, static files and the error contract.

Errors map to HTTP as the design says: an :class:`~doseflow.errors.InputError` (and a
request that does not fit the API's schema) is 422 with the message naming the field and
the value; :class:`~doseflow.errors.StateTransitionError` 409; not signed in 401; not
permitted or a bad CSRF token 403; an unknown trial (or one without a role) 404; too many
failed sign-ins 429.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine

from doseflow import __version__
from doseflow.errors import DoseflowError, InputError, StateTransitionError
from doseflow.service import actions
from doseflow.service.api import router as api_router
from doseflow.service.auth import CsrfFailed, NotSignedIn
from doseflow.service.pages import render_error
from doseflow.service.pages import router as pages_router
from doseflow.service.permissions import NotPermitted
from doseflow.service.store.accounts import SignInLimited
from doseflow.service.store.trials import TrialNotFound

__all__ = ["create_app"]

_STATIC = Path(__file__).resolve().parent / "static"


#: Exception -> HTTP status (the first matching class in the exception's MRO wins).
_STATUS: dict[type[Exception], int] = {
    InputError: 422, StateTransitionError: 409, DoseflowError: 422, NotSignedIn: 401, NotPermitted: 403,
    CsrfFailed: 403, TrialNotFound: 404, SignInLimited: 429,
}


def _payload(status: int, message: str, field: str | None = None) -> JSONResponse:
    return JSONResponse({"detail": message, "field": field}, status_code=status)


def _validation_message(exc: RequestValidationError) -> tuple[str, str]:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first.get("loc", ()) if p != "body") or "request"
    return f"{where}: {first.get('msg', 'invalid')}; got {first.get('input')!r}.", where


def create_app(engine: Engine, *, now=actions.utc_now, secure_cookies: bool = False) -> FastAPI:  # noqa: ANN001
    """The application on ``engine`` (whose schema must be migrated: :func:`upgrade_database`).

    Parameters
    ----------
    engine : sqlalchemy.Engine
    now : callable
        The clock (ISO 8601 UTC text); tests replace it.
    secure_cookies : bool
        Add ``Secure`` to the session cookie (serve over HTTPS, e.g. behind a proxy).
    """
    app = FastAPI(title="doseflow conduct service", version=__version__,
                  description="Conduct a dose-escalation trial: enrolment, DLT assessments, the design's "
                  "recommendation, signed SRC decisions and a hash-chained audit trail.")
    app.state.ctx = actions.Context(engine, now)
    app.state.secure_cookies = secure_cookies
    app.include_router(api_router)
    app.include_router(pages_router)
    app.mount("/static", StaticFiles(directory=_STATIC), name="static")

    def respond(request: Request, status: int, message: str, field: str | None = None) -> Response:
        if not request.url.path.startswith("/api/") and request.url.path != "/openapi.json":
            return render_error(request, status, message)
        return _payload(status, message, field)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        message, where = _validation_message(exc)
        return respond(request, 422, message, where)

    def handler(status: int):  # noqa: ANN202
        async def handle(request: Request, exc: Exception) -> Response:
            if isinstance(exc, NotSignedIn):
                if not request.url.path.startswith("/api/"):
                    return RedirectResponse("/signin", status_code=303)
                return _payload(401, str(exc))
            if isinstance(exc, TrialNotFound):
                return respond(request, 404, f"trial {exc.args[0]}: no such trial, or you have no role on it")
            return respond(request, status, str(exc), getattr(exc, "where", None))
        return handle

    for exc_class, status in _STATUS.items():
        app.add_exception_handler(exc_class, handler(status))
    return app
