"""The JSON API (``/api/...``): the same operations as the pages, for scripts; OpenAPI at ``/openapi.json``.

Authenticate with a session (``POST /api/session``; changes then need the
``X-CSRF-Token`` header) or an API token (``Authorization: Bearer <token>``, made with
``POST /api/tokens``). Errors: 401 not signed in, 403 not allowed, 404 no such trial (or
none you have a role on), 409 not allowed in the trial's state, 422 invalid input naming
the field and the value, 429 too many failed sign-ins.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Header, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from doseflow.conduct.summary import summarise_trial
from doseflow.service import actions
from doseflow.service.auth import COOKIE, Caller, check_csrf, identify
from doseflow.service.chart import render_escalation_svg
from doseflow.service.exchange import export_bundle, export_sdtm, import_bundle
from doseflow.service.forms import registry_metadata
from doseflow.service.params import AssessmentId, PatientId, TrialId
from doseflow.service.permissions import NotPermitted
from doseflow.service.store import accounts
from doseflow.service.store.audit_chain import read_chain
from doseflow.service.store.engine import read_transaction

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["api"])
Role = Literal["viewer", "data_manager", "statistician", "safety_reviewer", "admin"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SignIn(Strict):
    username: str = Field(max_length=64)
    password: str = Field(max_length=200)


class NewUser(Strict):
    username: str = Field(max_length=64)
    full_name: str = Field(max_length=200)
    password: str = Field(max_length=200)
    is_admin: bool = False


class NewToken(Strict):
    name: str = Field(max_length=100)


class Level(Strict):
    label: str = Field("", max_length=40)
    amount: float = Field(ge=0, le=1e9)
    unit: str = Field("", max_length=20)


class NewTrial(Strict):
    protocol_id: str = Field(max_length=40)
    title: str = Field("", max_length=200)
    levels: list[Level] = Field(min_length=1, max_length=30)
    design: dict[str, Any] = Field(description="A design in registry form, e.g. {\"design\": \"3+3\"}; "
                                   "see GET /api/designs.")
    dlt_window_days: float = Field(gt=0, le=365)
    country: str = Field("USA", max_length=3)
    treatment: str = Field("", max_length=200)


class Enrolment(Strict):
    patient_id: str | None = Field(None, max_length=40)
    level: int | None = Field(None, description="1-based level; another than the cohort's needs a reason and "
                              "the statistician role.")
    day: float | None = Field(None, ge=0, le=36500)
    sex: Literal["F", "M", "U"] = "U"
    age: int | None = Field(None, ge=0, le=120)
    site: str = Field("01", max_length=20)
    country: str | None = Field(None, max_length=3)
    reason: str = Field("", max_length=2000)


class AssessmentIn(Strict):
    dlt: bool
    term: str = Field(max_length=200)
    grade: int = Field(description="NCI CTCAE v5 grade, 1-5.")
    onset_day: float = Field(ge=0, le=36500)


class Correction(AssessmentIn):
    reason: str = Field(max_length=2000)


class CloseWindow(Strict):
    day: float | None = Field(None, ge=0, le=36500)


class SrcDecisionIn(Strict):
    password: str = Field(max_length=200, description="The signer re-enters the password to sign.")
    accept: bool
    next_dose: int | None = None
    cohort_size: int | None = None
    mtd: int | None = None
    reason: str = Field("", max_length=2000)


class DesignChange(Strict):
    design: dict[str, Any]
    reason: str = Field("", max_length=2000)


class Grant(Strict):
    username: str = Field(max_length=64)
    role: Role


def caller(request: Request, x_csrf_token: str | None = Header(None)) -> Caller:
    """The signed-in caller; changes made with a session cookie must carry ``X-CSRF-Token``."""
    found = identify(request)
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        check_csrf(found, x_csrf_token)
    return found


def _ctx(request: Request) -> actions.Context:
    return request.app.state.ctx


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _trial_out(request: Request, stored) -> dict[str, Any]:  # noqa: ANN001
    return {"id": stored.id, "row_version": stored.row_version, "trial": stored.trial.to_dict(),
            "summary": summarise_trial(stored.trial, _ctx(request).now())}


@router.post("/session", summary="Sign in (sets the session cookie; returns the CSRF token)")
def sign_in(body: SignIn, request: Request, response: Response) -> dict[str, str]:
    engine = _ctx(request).engine
    user = accounts.sign_in(engine, body.username, body.password, _client(request))
    token, csrf = accounts.start_session(engine, user)
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", secure=request.app.state.secure_cookies,
                        max_age=accounts.SESSION_SECONDS)
    return {"username": user.username, "csrf_token": csrf}


@router.delete("/session", summary="Sign out")
def sign_out(request: Request, response: Response, who: Caller = Depends(caller)) -> dict[str, str]:
    if who.session_token:
        accounts.end_session(_ctx(request).engine, who.session_token)
    response.delete_cookie(COOKIE)
    return {"signed_out": who.user.username}


@router.get("/me", summary="The signed-in user and their trials")
def me(request: Request, who: Caller = Depends(caller)) -> dict[str, Any]:
    mine = accounts.trials_of(_ctx(request).engine, who.user)
    return {"username": who.user.username, "full_name": who.user.full_name, "is_admin": who.user.is_admin,
            "trials": [{"id": t, "protocol_id": p, "roles": sorted(r)} for t, p, r in mine]}


@router.post("/tokens", status_code=201, summary="Create an API token (shown once)")
def new_token(body: NewToken, request: Request, who: Caller = Depends(caller)) -> dict[str, str]:
    return {"token": accounts.create_api_token(_ctx(request).engine, who.user, body.name, _ctx(request).now())}


@router.post("/users", status_code=201, summary="Create a user (administrators)")
def new_user(body: NewUser, request: Request, who: Caller = Depends(caller)) -> dict[str, Any]:
    if not who.user.is_admin:
        raise NotPermitted("creating users needs a doseflow administrator")
    user = accounts.create_user(_ctx(request).engine, username=body.username, full_name=body.full_name,
                                password=body.password, is_admin=body.is_admin, actor=who.user.username,
                                at=_ctx(request).now())
    return {"id": user.id, "username": user.username, "full_name": user.full_name, "is_admin": user.is_admin}


@router.get("/designs", summary="Every design and wrapper with its options (type, bounds, help)")
def designs() -> dict[str, Any]:
    return registry_metadata()


@router.get("/trials", summary="The trials you have a role on")
def list_trials(request: Request, who: Caller = Depends(caller)) -> list[dict[str, Any]]:
    return [{"id": t, "protocol_id": p, "roles": sorted(r)} for t, p, r in accounts.trials_of(_ctx(request).engine,
                                                                                             who.user)]


@router.post("/trials", status_code=201, summary="Create a trial (administrators); you become its admin")
def new_trial(body: NewTrial, request: Request, who: Caller = Depends(caller)) -> dict[str, int]:
    trial_id = actions.create_trial(_ctx(request), who.user, protocol_id=body.protocol_id, title=body.title,
                                    levels=[lv.model_dump() for lv in body.levels], design=body.design,
                                    dlt_window_days=body.dlt_window_days, country=body.country,
                                    treatment=body.treatment)
    return {"id": trial_id}


@router.post("/trials/import", status_code=201, summary="Import an export bundle (zip) as a new trial")
async def import_trial(request: Request, who: Caller = Depends(caller)) -> dict[str, int]:
    if not who.user.is_admin:
        raise NotPermitted("importing a trial needs a doseflow administrator")
    data = await request.body()
    return {"id": import_bundle(_ctx(request).engine, data, who.user, _ctx(request).now())}


@router.get("/trials/{trial_id}", summary="The trial, its per-level summary, recommendation and MTD")
def get_trial(trial_id: TrialId, request: Request, who: Caller = Depends(caller)) -> dict[str, Any]:
    stored, roles = actions.access(_ctx(request), who.user, trial_id, "view")
    return {**_trial_out(request, stored), "roles": sorted(roles)}


@router.get("/trials/{trial_id}/recommendation", summary="What the trial needs next, with the design's decision")
def get_recommendation(trial_id: TrialId, request: Request, who: Caller = Depends(caller)) -> dict[str, Any]:
    stored, _ = actions.access(_ctx(request), who.user, trial_id, "view")
    return summarise_trial(stored.trial, _ctx(request).now())["recommendation"]


@router.post("/trials/{trial_id}/patients", status_code=201, summary="Enrol a patient into the open cohort")
def enrol(trial_id: TrialId, body: Enrolment, request: Request, who: Caller = Depends(caller)) -> dict[str, Any]:
    return _trial_out(request, actions.enrol(_ctx(request), who.user, trial_id, **body.model_dump()))


@router.post("/trials/{trial_id}/patients/{patient_id}/assessments", status_code=201,
             summary="Record a toxicity assessment (a DLT resolves the patient)")
def assess(trial_id: TrialId, patient_id: PatientId, body: AssessmentIn, request: Request,
           who: Caller = Depends(caller)) -> dict[str, Any]:
    return _trial_out(request, actions.record_assessment(_ctx(request), who.user, trial_id, patient_id,
                                                         **body.model_dump()))


@router.put("/trials/{trial_id}/assessments/{assessment_id}", summary="Correct an assessment, with a reason")
def correct(trial_id: TrialId, assessment_id: AssessmentId, body: Correction, request: Request,
            who: Caller = Depends(caller)) -> dict[str, Any]:
    return _trial_out(request, actions.correct_assessment(_ctx(request), who.user, trial_id, assessment_id,
                                                          **body.model_dump()))


@router.post("/trials/{trial_id}/patients/{patient_id}/close-window",
             summary="Close a patient's DLT window without DLT (resolve the pending outcome)")
def close(trial_id: TrialId, patient_id: PatientId, body: CloseWindow, request: Request,
          who: Caller = Depends(caller)) -> dict[str, Any]:
    return _trial_out(request, actions.close_window(_ctx(request), who.user, trial_id, patient_id, body.day))


@router.post("/trials/{trial_id}/decisions", status_code=201, summary="Sign the SRC decision (re-enter password)")
def decide(trial_id: TrialId, body: SrcDecisionIn, request: Request, who: Caller = Depends(caller)) -> dict[str, Any]:
    fields = body.model_dump()
    stored = actions.sign_decision(_ctx(request), who.user, trial_id, client=_client(request), **fields)
    return _trial_out(request, stored)


@router.get("/trials/{trial_id}/decisions", summary="The signed SRC decisions")
def decisions(trial_id: TrialId, request: Request, who: Caller = Depends(caller)) -> list[dict[str, Any]]:
    stored, _ = actions.access(_ctx(request), who.user, trial_id, "view")
    return [d.to_dict() for d in stored.trial.decisions]


@router.put("/trials/{trial_id}/design", summary="Change the design (a new protocol version after enrolment)")
def revise(trial_id: TrialId, body: DesignChange, request: Request, who: Caller = Depends(caller)) -> dict[str, Any]:
    return _trial_out(request, actions.revise_design(_ctx(request), who.user, trial_id, body.design, body.reason))


@router.get("/trials/{trial_id}/members", summary="Users and their roles on the trial")
def members(trial_id: TrialId, request: Request, who: Caller = Depends(caller)) -> list[dict[str, str]]:
    actions.access(_ctx(request), who.user, trial_id, "view")
    return [{"username": u, "full_name": f, "role": r} for u, f, r in accounts.members_of(_ctx(request).engine,
                                                                                        trial_id)]


@router.post("/trials/{trial_id}/members", status_code=201, summary="Give a user a role on the trial")
def grant(trial_id: TrialId, body: Grant, request: Request, who: Caller = Depends(caller)) -> dict[str, str]:
    actions.grant_role(_ctx(request), who.user, trial_id, body.username, body.role)
    return {"username": body.username, "role": body.role}


@router.delete("/trials/{trial_id}/members/{username}/{role}", summary="Take a role away, with a reason")
def revoke(trial_id: TrialId, username: str, role: Role, reason: str, request: Request,
           who: Caller = Depends(caller)) -> dict[str, str]:
    actions.revoke_role(_ctx(request), who.user, trial_id, username, role, reason)
    return {"username": username, "revoked": role}


@router.get("/trials/{trial_id}/audit", summary="The trial's audit trail, oldest first")
def trial_audit(trial_id: TrialId, request: Request, who: Caller = Depends(caller)) -> list[dict[str, Any]]:
    actions.access(_ctx(request), who.user, trial_id, "view")
    with read_transaction(_ctx(request).engine) as conn:
        return [{k: v for k, v in e.items() if k != "chain"} for e in read_chain(conn, trial_id)]


@router.get("/trials/{trial_id}/chart.svg", summary="The escalation history chart (SVG)",
            response_class=Response, responses={200: {"content": {"image/svg+xml": {}}}})
def chart(trial_id: TrialId, request: Request, who: Caller = Depends(caller)) -> Response:
    stored, _ = actions.access(_ctx(request), who.user, trial_id, "view")
    return Response(render_escalation_svg(stored.trial), media_type="image/svg+xml")


def _zip(data: bytes, name: str) -> Response:
    return Response(data, media_type="application/zip", headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/trials/{trial_id}/export", summary="Export bundle: trial.json, CSV tables, audit trail (zip)",
            response_class=Response, responses={200: {"content": {"application/zip": {}}}})
def export(trial_id: TrialId, request: Request, who: Caller = Depends(caller)) -> Response:
    stored, _ = actions.access(_ctx(request), who.user, trial_id, "export")
    return _zip(export_bundle(_ctx(request).engine, trial_id), f"{stored.trial.protocol_id}-export.zip")


@router.get("/trials/{trial_id}/export/sdtm", summary="SDTM DM, EX, AE, SUPPAE as CSV (zip)",
            response_class=Response, responses={200: {"content": {"application/zip": {}}}})
def export_sdtm_zip(trial_id: TrialId, request: Request, who: Caller = Depends(caller)) -> Response:
    stored, _ = actions.access(_ctx(request), who.user, trial_id, "export")
    return _zip(export_sdtm(stored.trial), f"{stored.trial.protocol_id}-sdtm.zip")

