"""Fuzz the JSON API from its OpenAPI spec with schemathesis: no answer is a server error (5xx).

The caller is an administrator holding every role on a trial in progress (so that fuzzed
requests reach the conduct operations, not only the permission checks), authenticated with
an API token. Examples per operation are bounded (hypothesis, derandomised by the project's
profile) to keep the run short.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from conftest import AT, Clock, add_users
from doseflow.service import actions
from doseflow.service.app import create_app
from doseflow.service.server import prepare_database
from doseflow.service.store import accounts

ROLES = ("viewer", "data_manager", "statistician", "safety_reviewer")


@pytest.fixture(scope="module")
def fuzz_world(tmp_path_factory):
    engine, _ = prepare_database(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'doseflow.db'}")
    users = add_users(engine)
    ctx = actions.Context(engine, lambda: AT)
    tid = actions.create_trial(ctx, users["ann"], protocol_id="FUZZ-1", title="", design={"design": "3+3"},
                               levels=[{"amount": a, "unit": "mg"} for a in (1, 2, 3)], dlt_window_days=21)
    for role in ROLES:
        accounts.grant_role(engine, tid, "ann", role, actor="ann", at=AT)
    actions.enrol(ctx, users["ann"], tid, day=0)
    actions.record_assessment(ctx, users["ann"], tid, "P1", dlt=False, term="Nausea", grade=1, onset_day=1)
    token = accounts.create_api_token(engine, users["ann"], "fuzz", AT)
    return create_app(engine, now=Clock()), token


def test_no_server_errors(fuzz_world):
    app, token = fuzz_world
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 25
    calls: list[int] = []

    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=12, suppress_health_check=list(HealthCheck), deadline=None, database=None)
        def call(case):  # noqa: ANN001, ANN202
            if "trial_id" in (case.path_parameters or {}) and case.method.upper() != "GET":
                case.path_parameters["trial_id"] = 1  # aim the changes at the trial in progress
            response = case.call(headers={"Authorization": f"Bearer {token}"})
            calls.append(response.status_code)
            assert response.status_code < 500, \
                f"{case.method} {case.formatted_path}: {response.status_code} {response.text}"

        call()
    assert len(calls) >= 25 * 5
    print(f"\nschemathesis: {len(calls)} requests over {len(operations)} operations, no 5xx; statuses "
          f"{sorted(set(calls))}")
