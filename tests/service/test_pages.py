"""Pages without a browser: redirects, CSRF on forms, refused changes re-rendered with their message,
the create-trial form generated from the registry for every design and wrapper, the example trial."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from fastapi.testclient import TestClient

from conftest import PASSWORD
from doseflow.designs.registry import design_classes, options_of, wrapper_classes
from doseflow.service import actions
from doseflow.service.example import build_example
from doseflow.service.store import accounts


def _browser(app, username):
    client = TestClient(app)
    r = client.post("/signin", data={"username": username, "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 303 and "HttpOnly" in r.headers["set-cookie"]
    return client


def _csrf(html: str) -> str:
    return html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def test_pages_need_sign_in_and_csrf(service):
    app, engine, users = service
    anonymous = TestClient(app)
    assert anonymous.get("/trials/1", follow_redirects=False).headers["location"] == "/signin"
    r = anonymous.post("/signin", data={"username": "ann", "password": "wrong password!"})
    assert r.status_code == 401 and "username or password: must be those of a doseflow user" in r.text
    ann = _browser(app, "ann")
    home = ann.get("/")
    r = ann.post("/admin/users", data={"username": "zed", "full_name": "Zed", "password": PASSWORD})
    assert r.status_code == 403 and "CSRF token is missing" in r.text
    r = ann.post("/admin/users", data={"username": "zed", "full_name": "Zed", "password": PASSWORD,
                                       "csrf_token": _csrf(home.text)}, follow_redirects=False)
    assert r.status_code == 303
    viewer = _browser(app, "viewer")
    assert viewer.get("/admin/users").status_code == 403
    assert viewer.get("/trials/999").status_code == 404


def test_refused_changes_are_shown_on_the_page(service):
    app, engine, users = service
    ctx = app.state.ctx
    tid = actions.create_trial(ctx, users["ann"], protocol_id="PG-1", title="", design={"design": "3+3"},
                               levels=[{"amount": 1, "unit": "mg"}, {"amount": 2, "unit": "mg"}], dlt_window_days=21)
    accounts.grant_role(engine, tid, "data-manager", "data_manager", actor="ann", at=ctx.now())
    dm = _browser(app, "data-manager")
    page = dm.get(f"/trials/{tid}")
    assert "Enrol 3 more patients into cohort 1 at level 1 (0 of 3 enrolled)." in page.text
    token = _csrf(page.text)
    r = dm.post(f"/trials/{tid}/enrol", data={"csrf_token": token, "day": "0", "age": "old"})
    assert r.status_code == 422 and "age: must be a whole number; got &#39;old&#39;." in r.text
    r = dm.post(f"/trials/{tid}/enrol", data={"csrf_token": token, "day": "0", "level": "2", "reason": "x"})
    assert r.status_code == 403 and "enrol off level needs one of the roles statistician" in r.text
    assert dm.post(f"/trials/{tid}/enrol", data={"csrf_token": token, "day": "0"}).status_code == 200
    r = dm.post(f"/trials/{tid}/patients/P1/assess", data={"csrf_token": token, "dlt": "yes", "term": "Rash",
                                                           "grade": "7", "onset_day": "2"})
    assert r.status_code == 422 and "grade: must be a whole number &lt;= 5; got 7." in r.text
    assert 'value="Rash"' in r.text  # what was typed is kept
    r = dm.post(f"/trials/{tid}/decide", data={"csrf_token": token, "choice": "accept", "password": PASSWORD})
    assert r.status_code == 403


@pytest.mark.parametrize("design", sorted(design_classes()))
def test_create_trial_form_for_every_design(service, design):
    app, engine, users = service
    ann = _browser(app, "ann")
    wrappers = list(wrapper_classes())
    page = ann.get("/trials/new", params=[("design", design)] + [("wrapper", w) for w in wrappers])
    assert page.status_code == 200
    form = {"csrf_token": _csrf(page.text), "protocol_id": f"F-{design}", "amounts": "1, 2, 3, 4", "unit": "mg",
            "dlt_window_days": "28", "country": "AUS", "design": design, "wrappers": "",
            "opt.target": "0.25"}
    if "opt.target" not in page.text:
        form.pop("opt.target")
    r = ann.post("/trials/new", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text
    trial = ann.get(r.headers["location"].replace("/trials/", "/api/trials/")).json()["trial"]
    assert trial["design_spec"]["design"] == design and trial["state"]["plan"]["levels"][3]["amount"] == 4
    for w in wrappers:  # every wrapper's options are on the form
        own = [s.name for s in options_of(wrapper_classes()[w]) if s.kind != "design"]
        assert all(f'name="w.{w}.{name}"' in page.text for name in own)


@pytest.mark.parametrize("design", ["tite-boin", "tite-crm"])
def test_a_time_to_event_design_weighs_follow_up_over_the_trials_dlt_window(service, design):
    """The form leaves the design's window empty (the trial's DLT window); a different one typed
    in is refused with the reason, and what was typed is kept."""
    app, engine, users = service
    ann = _browser(app, "ann")
    page = ann.get("/trials/new", params=[("design", design)])
    assert '<input name="opt.window" value=""' in page.text and "Empty: the trial&#39;s DLT window." in page.text
    form = {"csrf_token": _csrf(page.text), "protocol_id": f"W-{design}", "amounts": "1, 2, 3", "unit": "mg",
            "dlt_window_days": "21", "country": "AUS", "design": design, "wrappers": "", "opt.target": "0.25",
            "opt.window": "28"}
    r = ann.post("/trials/new", data=form, follow_redirects=False)
    assert r.status_code == 422 and (f"dlt_window_days: must be the DLT window of the design {design} (28 days); "
                                     "got 21.0.") in r.text
    assert 'name="opt.window" value="28"' in r.text
    r = ann.post("/trials/new", data={**form, "opt.window": ""}, follow_redirects=False)
    assert r.status_code == 303, r.text
    trial = ann.get(r.headers["location"].replace("/trials/", "/api/trials/")).json()["trial"]
    assert trial["design_spec"]["window"] == 21
    text = ann.get(r.headers["location"]).text
    assert ("Enrol up to 1 patient into cohort 1" if design == "tite-crm" else "Enrol up to 3 patients into cohort 1") \
        in text


def test_gq1001_example_follows_the_design():
    trial, events = build_example(datetime(2025, 6, 1, tzinfo=timezone.utc))
    rules = [d.recommendation["rule"] for d in trial.decisions]
    # Simon et al. (1997) titration capped at 2 single-patient levels, then 3+3 (Storer 1989)
    assert rules == ["accelerated.titrate", "accelerated.switch", "3+3.escalate"]
    assert (trial.cohort.number, trial.cohort.level, trial.cohort.size) == (4, 4, 3)
    assert trial.state.to_outcomes() == "1N 2N 3NNN 4PP"
    assert trial.start_date == "2025-03-13" and events[0].at.startswith("2025-03-12")
    assert all(e.actor == "doseflow-example" for e in events)
