"""Server-rendered pages (Jinja2): sign-in, trials, the dashboard, patients, SRC decisions, audit, roles.

Plain HTML forms posting to the server (no JavaScript framework; no page needs htmx):
every form carries the session's CSRF token, every change goes through
:mod:`doseflow.service.actions` like the API, and a refused change re-renders its page
with the message (422/409/403) instead of losing what was typed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from doseflow.conduct.review import recommend
from doseflow.conduct.summary import summarise_trial
from doseflow.errors import DoseflowError, InputError, StateTransitionError
from doseflow.service import actions
from doseflow.service.auth import COOKIE, Caller, check_csrf, identify
from doseflow.service.chart import render_escalation_svg
from doseflow.service.forms import design_form, parse_design_form
from doseflow.service.params import AssessmentId, PatientId, TrialId
from doseflow.service.permissions import PERMISSIONS, NotPermitted, allowed
from doseflow.service.store import accounts
from doseflow.service.store.audit_chain import read_chain
from doseflow.service.store.engine import read_transaction
from doseflow.designs.registry import design_classes, wrapper_classes

__all__ = ["router", "templates", "render_error"]

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).resolve().parent / "templates"))
templates.env.filters["tojson_pretty"] = lambda v: json.dumps(v, indent=1, sort_keys=True)


def _ctx(request: Request) -> actions.Context:
    return request.app.state.ctx


def _page(request: Request, name: str, who: Caller | None, status: int = 200, **values: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, name, {"who": who, "csrf": who.csrf_token if who else "",
                                                      **values}, status_code=status)


def render_error(request: Request, status: int, message: str) -> HTMLResponse:
    """An error page (used by the application's error handlers for page URLs)."""
    try:
        who = identify(request)
    except Exception:  # noqa: BLE001 - the error page must render for anyone
        who = None
    return _page(request, "error.html", who, status, message=message, status_code=status)


def _status(exc: Exception) -> int:
    if isinstance(exc, StateTransitionError):
        return 409
    if isinstance(exc, NotPermitted):
        return 403
    return 422


async def _form(request: Request) -> tuple[Caller, dict[str, str]]:
    who = identify(request)
    form = {k: str(v) for k, v in (await request.form()).items()}
    check_csrf(who, form.get("csrf_token"))
    return who, form


def _number(form: dict[str, str], key: str, kind: Callable = float) -> Any:
    text = form.get(key, "").strip()
    if text == "":
        return None
    try:
        return kind(text)
    except ValueError:
        raise InputError(key, "a whole number" if kind is int else "a number", text) from None


def _dashboard_values(request: Request, who: Caller, trial_id: int) -> dict[str, Any]:
    stored, roles = actions.access(_ctx(request), who.user, trial_id, "view")
    trial = stored.trial
    return {"trial_id": trial_id, "trial": trial, "roles": roles, "summary": summarise_trial(trial, _ctx(request).now()),
            "can": {a: allowed(roles, a) for a in PERMISSIONS}, "chart": render_escalation_svg(trial)}


# ----- sign-in ---------------------------------------------------------------------------
@router.get("/signin", response_class=HTMLResponse)
def signin_page(request: Request) -> HTMLResponse:
    return _page(request, "signin.html", None)


@router.post("/signin")
async def signin_submit(request: Request) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items()}
    engine = _ctx(request).engine
    client = request.client.host if request.client else "unknown"
    try:
        user = await run_in_threadpool(accounts.sign_in, engine, form.get("username", ""), form.get("password", ""),
                                       client)
    except (InputError, accounts.SignInLimited) as exc:
        status = 429 if isinstance(exc, accounts.SignInLimited) else 401
        return _page(request, "signin.html", None, status, error=str(exc), username=form.get("username", ""))
    token, _ = await run_in_threadpool(accounts.start_session, engine, user)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", secure=request.app.state.secure_cookies,
                        max_age=accounts.SESSION_SECONDS)
    return response


@router.post("/signout")
async def signout(request: Request) -> Response:
    who, _ = await _form(request)
    if who.session_token:
        await run_in_threadpool(accounts.end_session, _ctx(request).engine, who.session_token)
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(COOKIE)
    return response


# ----- trials ----------------------------------------------------------------------------
@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    who = identify(request)
    mine = accounts.trials_of(_ctx(request).engine, who.user)
    return _page(request, "trials.html", who, trials=mine)


def _new_trial_form(request: Request, who: Caller, form: dict[str, str], status: int = 200,
                    error: str = "") -> HTMLResponse:
    design = form.get("design") or "3+3"
    wrappers = [w for w in form.get("wrappers", "").split(",") if w]
    return _page(request, "new_trial.html", who, status, error=error, form=form,
                 shape=design_form(design, wrappers), designs=design_classes(), all_wrappers=wrapper_classes(),
                 chosen_wrappers=wrappers)


@router.get("/trials/new", response_class=HTMLResponse)
def new_trial_page(request: Request) -> HTMLResponse:
    who = identify(request)
    if not who.user.is_admin:
        raise NotPermitted("creating a trial needs a doseflow administrator")
    form = dict(request.query_params)
    chosen = request.query_params.getlist("wrapper")
    if chosen:
        form["wrappers"] = ",".join(chosen)
    try:
        return _new_trial_form(request, who, form)
    except InputError as exc:
        return _new_trial_form(request, who, {}, 422, str(exc))


def _levels(form: dict[str, str]) -> list[dict[str, Any]]:
    labels = [v.strip() for v in form.get("labels", "").split(",")]
    amounts = [v.strip() for v in form.get("amounts", "").split(",") if v.strip()]
    out = []
    for i, text in enumerate(amounts):
        try:
            amount = float(text)
        except ValueError:
            raise InputError(f"amounts item {i + 1}", "a number", text) from None
        label = labels[i] if i < len(labels) and labels[i] else f"DL{i + 1}"
        out.append({"label": label, "amount": amount, "unit": form.get("unit", "").strip()})
    return out


@router.post("/trials/new")
async def new_trial_submit(request: Request) -> Response:
    who, form = await _form(request)
    try:
        spec = parse_design_form(form)
        trial_id = await run_in_threadpool(
            lambda: actions.create_trial(_ctx(request), who.user, protocol_id=form.get("protocol_id", "").strip(),
                                         title=form.get("title", ""), levels=_levels(form), design=spec,
                                         dlt_window_days=_number(form, "dlt_window_days"),
                                         country=form.get("country", "USA").strip().upper(),
                                         treatment=form.get("treatment", "").strip()))
    except (DoseflowError, NotPermitted) as exc:
        return _new_trial_form(request, who, form, _status(exc), str(exc))
    return RedirectResponse(f"/trials/{trial_id}", status_code=303)


@router.get("/trials/{trial_id}", response_class=HTMLResponse)
def dashboard(request: Request, trial_id: TrialId) -> HTMLResponse:
    who = identify(request)
    return _page(request, "dashboard.html", who, **_dashboard_values(request, who, trial_id),
                 message=request.query_params.get("done", ""))


async def _act(request: Request, trial_id: int, run: Callable[[Caller, dict[str, str]], Any], done: str,
               back: Callable[[Caller, dict[str, str], int, str], HTMLResponse] | None = None) -> Response:
    """Run a form's action; on success redirect to ``done``, else re-render (``back``, or the dashboard)."""
    who, form = await _form(request)
    try:
        await run_in_threadpool(run, who, form)
    except (DoseflowError, NotPermitted) as exc:
        if back is not None:
            return back(who, form, _status(exc), str(exc))
        values = await run_in_threadpool(_dashboard_values, request, who, trial_id)
        return _page(request, "dashboard.html", who, _status(exc), error=str(exc), form=form, **values)
    return RedirectResponse(done, status_code=303)


@router.post("/trials/{trial_id}/enrol")
async def enrol_submit(request: Request, trial_id: TrialId) -> Response:
    def run(who: Caller, form: dict[str, str]) -> None:
        actions.enrol(_ctx(request), who.user, trial_id, patient_id=form.get("patient_id", "").strip() or None,
                      level=_number(form, "level", int), day=_number(form, "day"), sex=form.get("sex", "U"),
                      age=_number(form, "age", int), site=form.get("site", "01").strip() or "01",
                      country=form.get("country", "").strip().upper() or None, reason=form.get("reason", ""))
    return await _act(request, trial_id, run, f"/trials/{trial_id}?done=enrolled")


# ----- patients and assessments -------------------------------------------------------------
def _patient_values(request: Request, who: Caller, trial_id: int, patient_id: str) -> dict[str, Any]:
    values = _dashboard_values(request, who, trial_id)
    trial = values["trial"]
    values.update(subject=trial.subject(patient_id), record=trial.state.record(patient_id),
                  assessments=trial.assessments_of(patient_id))
    return values


@router.get("/trials/{trial_id}/patients/{patient_id}", response_class=HTMLResponse)
def patient_page(request: Request, trial_id: TrialId, patient_id: PatientId) -> HTMLResponse:
    who = identify(request)
    return _page(request, "patient.html", who, **_patient_values(request, who, trial_id, patient_id),
                 message=request.query_params.get("done", ""))


def _assessment_fields(form: dict[str, str]) -> dict[str, Any]:
    return {"dlt": form.get("dlt") == "yes", "term": form.get("term", "").strip(),
            "grade": _number(form, "grade", int), "onset_day": _number(form, "onset_day")}


def _patient_back(request: Request, trial_id: int, patient_id: str):  # noqa: ANN202
    def back(who: Caller, form: dict[str, str], status: int, error: str) -> HTMLResponse:
        return _page(request, "patient.html", who, status, error=error, form=form,
                     **_patient_values(request, who, trial_id, patient_id))
    return back


@router.post("/trials/{trial_id}/patients/{patient_id}/assess")
async def assess_submit(request: Request, trial_id: TrialId, patient_id: PatientId) -> Response:
    def run(who: Caller, form: dict[str, str]) -> None:
        actions.record_assessment(_ctx(request), who.user, trial_id, patient_id, **_assessment_fields(form))
    return await _act(request, trial_id, run, f"/trials/{trial_id}/patients/{patient_id}?done=recorded",
                      _patient_back(request, trial_id, patient_id))


@router.post("/trials/{trial_id}/patients/{patient_id}/close")
async def close_submit(request: Request, trial_id: TrialId, patient_id: PatientId) -> Response:
    def run(who: Caller, form: dict[str, str]) -> None:
        actions.close_window(_ctx(request), who.user, trial_id, patient_id, _number(form, "day"))
    return await _act(request, trial_id, run, f"/trials/{trial_id}?done=window+closed",
                      _patient_back(request, trial_id, patient_id))


@router.post("/trials/{trial_id}/assessments/{assessment_id}/correct")
async def correct_submit(request: Request, trial_id: TrialId, assessment_id: AssessmentId) -> Response:
    patient_id = request.query_params.get("patient", "")

    def run(who: Caller, form: dict[str, str]) -> None:
        actions.correct_assessment(_ctx(request), who.user, trial_id, assessment_id, reason=form.get("reason", ""),
                                   **_assessment_fields(form))
    return await _act(request, trial_id, run, f"/trials/{trial_id}/patients/{patient_id}?done=corrected",
                      _patient_back(request, trial_id, patient_id))


# ----- SRC decisions ----------------------------------------------------------------------
@router.get("/trials/{trial_id}/decide", response_class=HTMLResponse)
def decide_page(request: Request, trial_id: TrialId) -> HTMLResponse:
    who = identify(request)
    values = _dashboard_values(request, who, trial_id)
    rec = recommend(values["trial"], _ctx(request).now())
    return _page(request, "decide.html", who, rec=rec, meanings=actions.MEANINGS, **values)


@router.post("/trials/{trial_id}/decide")
async def decide_submit(request: Request, trial_id: TrialId) -> Response:
    client = request.client.host if request.client else "unknown"

    def run(who: Caller, form: dict[str, str]) -> None:
        accept = form.get("choice") == "accept"
        stop = form.get("next_dose", "") == "stop"
        actions.sign_decision(_ctx(request), who.user, trial_id, password=form.get("password", ""), client=client,
                              accept=accept, next_dose=None if accept or stop else _number(form, "next_dose", int),
                              cohort_size=None if accept or stop else _number(form, "cohort_size", int),
                              mtd=None if accept else _number(form, "mtd", int), reason=form.get("reason", ""))

    def back(who: Caller, form: dict[str, str], status: int, error: str) -> HTMLResponse:
        values = _dashboard_values(request, who, trial_id)
        rec = recommend(values["trial"], _ctx(request).now())
        form.pop("password", None)
        return _page(request, "decide.html", who, status, error=error, form=form, rec=rec, meanings=actions.MEANINGS,
                     **values)
    return await _act(request, trial_id, run, f"/trials/{trial_id}/decisions?done=signed", back)


@router.get("/trials/{trial_id}/decisions", response_class=HTMLResponse)
def decisions_page(request: Request, trial_id: TrialId) -> HTMLResponse:
    who = identify(request)
    return _page(request, "decisions.html", who, **_dashboard_values(request, who, trial_id),
                 message=request.query_params.get("done", ""))


# ----- audit, roles, design ------------------------------------------------------------------
@router.get("/trials/{trial_id}/audit", response_class=HTMLResponse)
def audit_page(request: Request, trial_id: TrialId) -> HTMLResponse:
    who = identify(request)
    values = _dashboard_values(request, who, trial_id)
    with read_transaction(_ctx(request).engine) as conn:
        entries = read_chain(conn, trial_id)
    for e in entries:
        e["before_value"], e["after_value"] = json.loads(e["before"]), json.loads(e["after"])
    return _page(request, "audit.html", who, entries=entries, **values)


def _members_page(request: Request, who: Caller, trial_id: int, status: int = 200, error: str = "",
                  form: dict | None = None) -> HTMLResponse:
    values = _dashboard_values(request, who, trial_id)
    return _page(request, "members.html", who, status, error=error, form=form or {}, roles_all=accounts.ROLES,
                 members=accounts.members_of(_ctx(request).engine, trial_id), **values)


@router.get("/trials/{trial_id}/members", response_class=HTMLResponse)
def members_page(request: Request, trial_id: TrialId) -> HTMLResponse:
    return _members_page(request, identify(request), trial_id)


@router.post("/trials/{trial_id}/members")
async def members_submit(request: Request, trial_id: TrialId) -> Response:
    def run(who: Caller, form: dict[str, str]) -> None:
        if form.get("revoke"):
            actions.revoke_role(_ctx(request), who.user, trial_id, form.get("username", ""), form.get("role", ""),
                                form.get("reason", ""))
        else:
            actions.grant_role(_ctx(request), who.user, trial_id, form.get("username", "").strip(),
                               form.get("role", ""))
    return await _act(request, trial_id, run, f"/trials/{trial_id}/members",
                      lambda who, form, status, error: _members_page(request, who, trial_id, status, error, form))


def _design_page(request: Request, who: Caller, trial_id: int, form: dict[str, str], status: int = 200,
                 error: str = "") -> HTMLResponse:
    values = _dashboard_values(request, who, trial_id)
    spec = values["trial"].design_spec
    wrappers, inner = [], spec
    while "base" in inner:
        wrappers.append(inner["design"])
        inner = inner["base"]
    design = form.get("design") or inner["design"]
    chosen = [w for w in form.get("wrappers", ",".join(reversed(wrappers))).split(",") if w]
    return _page(request, "design.html", who, status, error=error, form=form, shape=design_form(design, chosen),
                 designs=design_classes(), all_wrappers=wrapper_classes(), chosen_wrappers=chosen, **values)


@router.get("/trials/{trial_id}/design", response_class=HTMLResponse)
def design_page(request: Request, trial_id: TrialId) -> HTMLResponse:
    form = dict(request.query_params)
    chosen = request.query_params.getlist("wrapper")
    if "design" in form:
        form["wrappers"] = ",".join(chosen)
    return _design_page(request, identify(request), trial_id, form)


@router.post("/trials/{trial_id}/design")
async def design_submit(request: Request, trial_id: TrialId) -> Response:
    def run(who: Caller, form: dict[str, str]) -> None:
        actions.revise_design(_ctx(request), who.user, trial_id, parse_design_form(form), form.get("reason", ""))
    return await _act(request, trial_id, run, f"/trials/{trial_id}?done=design+changed",
                      lambda who, form, status, error: _design_page(request, who, trial_id, form, status, error))


# ----- users and tokens ----------------------------------------------------------------------
@router.get("/admin/users", response_class=HTMLResponse)
def users_page(request: Request) -> HTMLResponse:
    who = identify(request)
    if not who.user.is_admin:
        raise NotPermitted("managing users needs a doseflow administrator")
    return _page(request, "users.html", who, message=request.query_params.get("done", ""))


@router.post("/admin/users")
async def users_submit(request: Request) -> Response:
    who, form = await _form(request)
    try:
        if not who.user.is_admin:
            raise NotPermitted("managing users needs a doseflow administrator")
        await run_in_threadpool(lambda: accounts.create_user(
            _ctx(request).engine, username=form.get("username", "").strip(), full_name=form.get("full_name", ""),
            password=form.get("password", ""), is_admin=form.get("is_admin") == "on", actor=who.user.username,
            at=_ctx(request).now()))
    except (DoseflowError, NotPermitted) as exc:
        form.pop("password", None)
        return _page(request, "users.html", who, _status(exc), error=str(exc), form=form)
    return RedirectResponse(f"/admin/users?done=created+{form.get('username', '')}", status_code=303)


@router.get("/account/tokens", response_class=HTMLResponse)
def tokens_page(request: Request) -> HTMLResponse:
    return _page(request, "tokens.html", identify(request))


@router.post("/account/tokens", response_class=HTMLResponse)
async def tokens_submit(request: Request) -> HTMLResponse:
    who, form = await _form(request)
    try:
        token = await run_in_threadpool(accounts.create_api_token, _ctx(request).engine, who.user,
                                        form.get("name", ""), _ctx(request).now())
    except InputError as exc:
        return _page(request, "tokens.html", who, 422, error=str(exc))
    return _page(request, "tokens.html", who, token=token)
