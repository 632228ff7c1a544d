"""Every endpoint and every permission: each role tried on each trial action, allowed or refused.

The expected table is written out here by hand (not read from ``PERMISSIONS``), so a
change to the permissions must change this test too.
"""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from fastapi.testclient import TestClient

from conftest import PASSWORD, ROLES, Clock, add_users, sign_in
from doseflow.service import actions
from doseflow.service.app import create_app
from doseflow.service.server import prepare_database
from doseflow.service.store import accounts
from doseflow.service.store.audit_chain import read_chain
from doseflow.service.store.engine import read_transaction

#: action -> roles allowed (by hand, from the issue: viewers read; data managers enter data;
#: the statistician enrols off-level and changes the design; safety reviewers sign; admins manage roles).
EXPECTED = {
    "view": set(ROLES),
    "export": set(ROLES),
    "export_sdtm": set(ROLES),
    "chart": set(ROLES),
    "audit": set(ROLES),
    "members": set(ROLES),
    "enrol": {"data_manager", "statistician"},
    "enrol_off_level": {"statistician"},
    "assess": {"data_manager"},
    "correct": {"data_manager"},
    "close_window": {"data_manager"},
    "sign_decision": {"safety_reviewer"},
    "revise_design": {"statistician"},
    "grant_role": {"admin"},
    "revoke_role": {"admin"},
}
STATUS = {"enrol": 201, "enrol_off_level": 201, "assess": 201, "sign_decision": 201, "grant_role": 201}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('perm') / 'doseflow.db'}"
    engine, _ = prepare_database(url)
    users = add_users(engine)
    users["helper"] = accounts.create_user(engine, username="helper", full_name="Helper", password=PASSWORD,
                                           is_admin=False, actor="test", at="2024-03-01T09:00:00+00:00")
    with read_transaction(engine) as conn:  # created through create_user: audited
        assert json.loads(read_chain(conn, 0)[-1]["after"])["username"] == "helper"
    app = create_app(engine, now=Clock())
    clients = {}
    for name in (*ROLES, "outsider", "ann"):
        client = TestClient(app)
        clients[name] = (client, sign_in(client, users[name].username))
    return app, engine, users, clients


def _trial(world, ready_for: str) -> int:
    """A new trial on which every role user holds their role, brought to the state ``ready_for`` needs."""
    app, engine, users, _ = world
    ctx = app.state.ctx
    tid = actions.create_trial(ctx, users["ann"], protocol_id=f"P-{ready_for}-{len(accounts.trials_of(engine, users['ann']))}",
                               title="", levels=[{"amount": a, "unit": "mg"} for a in (1, 2, 3)],
                               design={"design": "3+3"}, dlt_window_days=21)
    for role in ROLES:
        if role != "admin":
            accounts.grant_role(engine, tid, users[role].username, role, actor="ann", at=ctx.now())
        accounts.grant_role(engine, tid, "helper", role, actor="ann", at=ctx.now())
    accounts.grant_role(engine, tid, users["admin"].username, "admin", actor="ann", at=ctx.now())
    helper = users["helper"]
    if ready_for in ("assess", "correct", "close_window"):
        actions.enrol(ctx, helper, tid, day=0)
    if ready_for == "correct":
        actions.record_assessment(ctx, helper, tid, "P1", dlt=False, term="Nausea", grade=1, onset_day=2)
    if ready_for == "sign_decision":
        for _ in range(3):
            actions.enrol(ctx, helper, tid, day=0)
        for pid in ("P1", "P2", "P3"):
            actions.close_window(ctx, helper, tid, pid, 21)
    return tid


def _call(client: TestClient, csrf: dict, action: str, tid: int):
    base = f"/api/trials/{tid}"
    if action == "view":
        return client.get(base)
    if action == "export":
        return client.get(base + "/export")
    if action == "export_sdtm":
        return client.get(base + "/export/sdtm")
    if action == "chart":
        return client.get(base + "/chart.svg")
    if action == "audit":
        return client.get(base + "/audit")
    if action == "members":
        return client.get(base + "/members")
    if action == "enrol":
        return client.post(base + "/patients", json={"day": 0}, headers=csrf)
    if action == "enrol_off_level":
        return client.post(base + "/patients", json={"day": 0, "level": 2, "reason": "sponsor request"}, headers=csrf)
    if action == "assess":
        return client.post(base + "/patients/P1/assessments",
                           json={"dlt": True, "term": "Neutropenia", "grade": 4, "onset_day": 5}, headers=csrf)
    if action == "correct":
        return client.put(base + "/assessments/A1", json={"dlt": False, "term": "Nausea", "grade": 2, "onset_day": 2,
                                                          "reason": "grade misread"}, headers=csrf)
    if action == "close_window":
        return client.post(base + "/patients/P1/close-window", json={"day": 21}, headers=csrf)
    if action == "sign_decision":
        return client.post(base + "/decisions", json={"password": PASSWORD, "accept": True}, headers=csrf)
    if action == "revise_design":
        return client.put(base + "/design", json={"design": {"design": "3+3", "variant": "A"}, "reason": ""},
                          headers=csrf)
    if action == "grant_role":
        return client.post(base + "/members", json={"username": "outsider", "role": "viewer"}, headers=csrf)
    if action == "revoke_role":
        return client.delete(base + "/members/viewer/viewer", params={"reason": "left the team"}, headers=csrf)
    raise AssertionError(action)


@pytest.mark.parametrize("action", list(EXPECTED))
@pytest.mark.parametrize("role", [*ROLES, "outsider"])
def test_each_role_on_each_action(world, role, action):
    tid = _trial(world, action)
    client, csrf = world[3][role]
    r = _call(client, csrf, action, tid)
    if role == "outsider":
        assert r.status_code == 404, r.text  # a trial without a role on it is invisible
    elif role in EXPECTED[action]:
        assert r.status_code == STATUS.get(action, 200), r.text
    else:
        assert r.status_code == 403, r.text
        assert "needs one of the roles" in r.json()["detail"]


def test_admin_only_endpoints(world):
    app, engine, users, clients = world
    for name in (*ROLES, "outsider"):
        client, csrf = clients[name]
        assert client.post("/api/users", json={"username": "x" + name.replace("_", ""), "full_name": "X",
                                               "password": PASSWORD}, headers=csrf).status_code == 403
        assert client.post("/api/trials", json={"protocol_id": "N", "levels": [{"amount": 1}], "design":
                                                {"design": "3+3"}, "dlt_window_days": 21}, headers=csrf).status_code == 403
        assert client.post("/api/trials/import", content=b"", headers=csrf).status_code == 403
    client, csrf = clients["ann"]
    r = client.post("/api/users", json={"username": "newbie", "full_name": "New Bie", "password": PASSWORD},
                    headers=csrf)
    assert r.status_code == 201 and r.json()["username"] == "newbie"
    r = client.post("/api/trials", json={"protocol_id": "NEW-1", "levels": [{"amount": 1, "unit": "mg"}],
                                         "design": {"design": "boin", "target": 0.25}, "dlt_window_days": 28},
                    headers=csrf)
    assert r.status_code == 201
    tid = r.json()["id"]
    assert client.get(f"/api/trials/{tid}").json()["roles"] == ["admin"]
    bundle = client.get(f"/api/trials/{tid}/export").content
    assert client.post("/api/trials/import", content=bundle, headers=csrf).status_code == 422  # protocol id taken


def test_every_api_path_needs_sign_in(world):
    app = world[0]
    anonymous = TestClient(app)
    for route in app.routes:
        path = getattr(route, "path", "")
        if not path.startswith("/api/") or path in ("/api/session", "/api/designs"):
            continue
        for method in route.methods - {"HEAD"}:
            url = path.replace("{trial_id}", "1").replace("{patient_id}", "P1").replace("{assessment_id}", "A1") \
                .replace("{username}", "viewer").replace("{role}", "viewer")
            r = anonymous.request(method, url, params={"reason": "x"})
            assert r.status_code in (401, 422), (method, url, r.status_code)
            if r.status_code == 422:  # body validation runs first; with a valid body it is 401
                assert method in ("POST", "PUT")


def test_me_tokens_and_csrf(world):
    app, engine, users, clients = world
    client, csrf = clients["data_manager"]
    me = client.get("/api/me").json()
    assert me["username"] == "data-manager" and not me["is_admin"]
    token = client.post("/api/tokens", json={"name": "script"}, headers=csrf).json()["token"]
    script = TestClient(app)
    assert script.get("/api/me", headers={"Authorization": f"Bearer {token}"}).json()["username"] == "data-manager"
    assert script.get("/api/me", headers={"Authorization": "Bearer dft_wrong"}).status_code == 401
    tid = _trial(world, "enrol")
    # a change made with the session cookie but without the CSRF token is refused
    assert client.post(f"/api/trials/{tid}/patients", json={"day": 0}).status_code == 403
    assert client.post(f"/api/trials/{tid}/patients", json={"day": 0}, headers={"X-CSRF-Token": "x"}).status_code == 403
    # the bearer token needs none
    r = script.post(f"/api/trials/{tid}/patients", json={"day": 0}, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 201
    audit = client.get(f"/api/trials/{tid}/audit").json()
    assert audit[-1]["actor"] == "data-manager" and audit[-1]["action"] == "enrol"
    assert client.delete("/api/session", headers=csrf).status_code == 200
    assert client.get("/api/me").status_code == 401
    clients["data_manager"] = (client, sign_in(client, "data-manager"))


def test_session_cookie_flags(world):
    client = TestClient(world[0])
    r = client.post("/api/session", json={"username": "viewer", "password": PASSWORD})
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert client.get("/api/designs").json()["designs"]["3+3"]["options"][0]["option"] == "variant"


def test_sign_in_rate_limit(world):
    client = TestClient(world[0])
    for attempt in range(5):
        r = client.post("/api/session", json={"username": "statistician", "password": "wrong password"})
        assert r.status_code == 422 and r.json()["field"] == "username or password"
    r = client.post("/api/session", json={"username": "statistician", "password": PASSWORD})
    assert r.status_code == 429 and "too many failed sign-ins for user name 'statistician'" in r.json()["detail"]


def test_validation_messages_name_field_and_value(world):
    app, engine, users, clients = world
    client, csrf = clients["data_manager"]
    tid = _trial(world, "assess")
    base = f"/api/trials/{tid}"
    cases = [
        (f"{base}/patients/P9/assessments", {"dlt": True, "term": "x", "grade": 3, "onset_day": 1},
         "patient_id: must be a patient enrolled in trial", "'P9'"),
        (f"{base}/patients/P1/assessments", {"dlt": True, "term": "x", "grade": 6, "onset_day": 1},
         "grade: must be a whole number <= 5", "6"),
        (f"{base}/patients/P1/assessments", {"dlt": True, "term": "x", "grade": 0, "onset_day": 1},
         "grade: must be a whole number >= 1", "0"),
        (f"{base}/patients/P1/assessments", {"dlt": True, "term": "x", "grade": 3, "onset_day": -2},
         "onset_day", "-2"),
        (f"{base}/patients/P1/assessments", {"dlt": True, "term": "x", "grade": 3, "onset_day": 40},
         "onset_day: must be inside patient P1's DLT window (study days 0 to 21)", "40"),
        (f"{base}/patients/P1/assessments", {"dlt": True, "term": "x", "grade": "severe", "onset_day": 1},
         "grade", "'severe'"),
    ]
    for url, body, where, value in cases:
        r = client.post(url, json=body, headers=csrf)
        assert r.status_code == 422, r.text
        assert where in r.json()["detail"] and value in r.json()["detail"], r.json()
    stat_client, stat_csrf = clients["statistician"]
    r = stat_client.post(f"{base}/patients", json={"level": 9, "reason": "x"}, headers=stat_csrf)
    assert r.status_code == 422 and r.json()["detail"] == "level: must be a dose level of the plan, 1 to 3; got 9."


def test_export_bundle_contents(world):
    app, engine, users, clients = world
    client, _ = clients["viewer"]
    tid = _trial(world, "sign_decision")
    data = client.get(f"/api/trials/{tid}/export").content
    names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    assert names == {"trial.json", "patients.csv", "assessments.csv", "decisions.csv", "audit.csv"}
    sdtm = zipfile.ZipFile(io.BytesIO(client.get(f"/api/trials/{tid}/export/sdtm").content)).namelist()
    # no toxicity recorded: no AE file; the windows followed to their end: DS milestones
    assert sorted(sdtm) == ["dm.csv", "ds.csv", "ex.csv"]
