"""Tamper tests: edit, delete or reorder an audit row directly in the database; ``doseflow audit
verify`` names the entry. On SQLite and PostgreSQL, after getting round the append-only triggers
the way someone with direct database access could."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from cli_runner import run_cli
from conftest import AT, add_users
from doseflow.service import actions
from doseflow.service.server import prepare_database
from doseflow.service.store.engine import write_transaction


def _trial_with_history(url):
    engine, _ = prepare_database(url)
    users = add_users(engine)
    ctx = actions.Context(engine, lambda: AT)
    tid = actions.create_trial(ctx, users["ann"], protocol_id="TAMPER-1", title="", design={"design": "3+3"},
                               levels=[{"amount": 1, "unit": "mg"}, {"amount": 2, "unit": "mg"}], dlt_window_days=21)
    from doseflow.service.store import accounts
    accounts.grant_role(engine, tid, "ann", "data_manager", actor="ann", at=AT)
    for _ in range(3):
        actions.enrol(ctx, users["ann"], tid, day=0)
    return engine, tid  # chain: 1 create, 2 admin grant, 3 data_manager grant, 4-6 enrolments


def _tamper(engine, statements):
    with write_transaction(engine) as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))  # triggers off (superuser)
        else:
            conn.execute(text("DROP TRIGGER audit_no_update"))
            conn.execute(text("DROP TRIGGER audit_no_delete"))
        for statement in statements:
            conn.execute(text(statement))


CASES = {
    "edit": (["UPDATE audit SET after = replace(after, '\"P2\"', '\"P9\"') WHERE chain = {t} AND seq = 5"], 5,
             "entry 5 does not match its hash: its content was edited"),
    "delete": (["DELETE FROM audit WHERE chain = {t} AND seq = 4"], 4,
               "entry 4 is missing: the sequence jumps from 3 to 5"),
    "reorder": (["UPDATE audit SET seq = -1 WHERE chain = {t} AND seq = 4",
                 "UPDATE audit SET seq = 4 WHERE chain = {t} AND seq = 5",
                 "UPDATE audit SET seq = 5 WHERE chain = {t} AND seq = -1"], 4,
                "entry 4 does not follow entry 3"),
    "delete_last": (["DELETE FROM audit WHERE chain = {t} AND seq = 6"], 5,
                    "the chain ends at entry 5 but its head records entry 6"),
    "edit_actor": (["UPDATE audit SET actor = 'mallory' WHERE chain = {t} AND seq = 1"], 1,
                   "entry 1 does not match its hash"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_audit_verify_names_the_tampered_entry(db_url, case):
    engine, tid = _trial_with_history(db_url)
    result = run_cli("audit", "verify", "--db", db_url)
    assert result.exit_code == 0 and "audit trail intact: 6 entries in 1 chains" in result.stdout
    statements, seq, problem = CASES[case]
    _tamper(engine, [s.format(t=tid) for s in statements])
    result = run_cli("audit", "verify", "--db", db_url)
    assert result.exit_code == 1
    assert f"audit trail broken: trial TAMPER-1, entry {seq}: {problem}" in result.stderr
    out = json.loads(run_cli("audit", "verify", "--db", db_url, "--json").stdout)
    assert (out["ok"], out["broken_protocol"], out["broken_seq"]) == (False, "TAMPER-1", seq)


def test_tampering_with_users_chain_is_named(sqlite_url):
    engine, tid = _trial_with_history(sqlite_url)
    assert run_cli("users", "add", "eve", "--name", "Eve E", "--db", sqlite_url, "--password-stdin",
                   stdin="long enough pw\n").exit_code == 0
    _tamper(engine, ["UPDATE audit SET after = replace(after, 'Eve E', 'Eve Admin') WHERE chain = 0"])
    result = run_cli("audit", "verify", "--db", sqlite_url)
    assert result.exit_code == 1
    assert "audit trail broken: users and rights, entry 1: entry 1 does not match its hash" in result.stderr
