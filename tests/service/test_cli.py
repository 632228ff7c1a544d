"""The service's commands: db upgrade, users add, audit verify, serve (a real process)."""

from __future__ import annotations

import json

import httpx

from cli_runner import run_cli
from conftest import ServerProcess


def test_db_upgrade_and_users_add(sqlite_url):
    result = run_cli("db", "upgrade", "--db", sqlite_url, "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["revision"] == "0001"
    result = run_cli("users", "add", "ann", "--name", "Ann Admin", "--admin", "--db", sqlite_url, "--password-stdin",
                     "--json", stdin="correct horse battery\n")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {"username": "ann", "full_name": "Ann Admin", "is_admin": True}
    again = run_cli("users", "add", "ann", "--name", "Ann", "--db", sqlite_url, "--password-stdin", stdin="x" * 12)
    assert (again.exit_code, again.stderr) == (2, "error: username: must be a user name not yet taken; got 'ann'.\n")
    short = run_cli("users", "add", "bob", "--name", "Bob", "--db", sqlite_url, "--password-stdin", stdin="short\n")
    assert short.exit_code == 2 and short.stderr.startswith("error: password: must be 10 to 200 characters")
    bad = run_cli("db", "upgrade", "--db", "mysql://u@h/db")
    assert (bad.exit_code, bad.stderr) == (2, "error: --db: must be a SQLite or PostgreSQL URL; got 'mysql://u@h/db'.\n")
    assert run_cli("audit", "verify", "--db", sqlite_url).stdout.strip() == "audit trail intact: 1 entries in 1 chains"


def test_serve_with_example_and_sign_in(sqlite_url, tmp_path):
    assert run_cli("users", "add", "ann", "--name", "Ann Admin", "--admin", "--db", sqlite_url, "--password-stdin",
                   stdin="correct horse battery\n").exit_code == 0
    from doseflow.service.server import prepare_database
    engine, notes = prepare_database(sqlite_url, "gq1001")
    assert notes == ["example gq1001: preloaded"]
    server = ServerProcess(sqlite_url).start()
    try:
        with httpx.Client(base_url=server.base) as client:
            assert client.get("/", follow_redirects=False).headers["location"] == "/signin"
            r = client.post("/signin", data={"username": "ann", "password": "correct horse battery"},
                            follow_redirects=True)
            assert r.status_code == 200 and "GQ1001-DEMO" in r.text
            trial = client.get("/api/trials/1").json()
            assert trial["summary"]["recommendation"]["reason"] == \
                "Enrol 1 more patient into cohort 4 at level 4 (2 of 3 enrolled)."
            assert [lv["n"] for lv in trial["summary"]["levels"]] == [1, 1, 3, 2, 0, 0, 0]
    finally:
        server.stop()


def test_db_upgrade_on_a_path_that_a_url_escapes(tmp_path):
    """A path with ',', '%' or a non-ASCII letter is escaped with '%' in the URL; Alembic's
    configparser once read those as interpolation and every command crashed."""
    folder = tmp_path / "trial, 100% é"
    folder.mkdir()
    url = f"sqlite:///{folder / 'doseflow.db'}"
    result = run_cli("db", "upgrade", "--db", url, "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["revision"] == "0001"
    assert run_cli("audit", "verify", "--db", url).stdout.strip() == "audit trail intact: 0 entries in 0 chains"
