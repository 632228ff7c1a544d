"""Fixtures of the service tests: a throwaway PostgreSQL server, fresh databases on both engines,
an application with users of every role, and a real server process (``run_server``)."""

from __future__ import annotations

import functools
import itertools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import insert

from doseflow.service.app import create_app
from doseflow.service.server import prepare_database
from doseflow.service.store import accounts
from doseflow.service.store.engine import write_transaction
from doseflow.service.store.schema import users

sys.path.insert(0, str(Path(__file__).parent))
from postgres_server import free_port, start_postgres  # noqa: E402

AT = "2024-03-01T09:00:00+00:00"
PASSWORD = "correct horse battery"
ROLES = ("viewer", "data_manager", "statistician", "safety_reviewer", "admin")
_counter = itertools.count(1)


@pytest.fixture(scope="session")
def postgres():
    server = start_postgres()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    """A fresh, empty database URL on each engine."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'trial.db'}"
    return request.getfixturevalue("postgres").create_database(f"t{os.getpid()}_{next(_counter)}")


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'doseflow.db'}"


@functools.lru_cache(maxsize=1)
def _password_hash() -> str:
    return PasswordHasher().hash(PASSWORD)


def add_users(engine) -> dict[str, accounts.User]:
    """An administrator ``ann`` plus one user per role (``viewer``, ``data-manager``, ...) and ``outsider``.

    All with the password :data:`PASSWORD`, whose argon2 hash is computed once per session
    and inserted directly (``create_user`` itself is tested through the API and the CLI).
    """
    names = [("ann", "Ann Admin", True)] + [(n, n.replace("_", " ").title(), False) for n in (*ROLES, "outsider")]
    made = {}
    with write_transaction(engine) as conn:
        for key, full_name, admin in names:
            username = key.replace("_", "-")
            uid = conn.execute(insert(users).values(username=username, full_name=full_name, is_admin=admin,
                                                    password_hash=_password_hash(), created_at=AT)
                               ).inserted_primary_key[0]
            made[key] = accounts.User(int(uid), username, full_name, admin)
    return made


class Clock:
    """A settable clock for the app (ISO 8601 UTC)."""

    def __init__(self, at: str = AT) -> None:
        self.at = at

    def __call__(self) -> str:
        return self.at


def sign_in(client: TestClient, username: str) -> dict[str, str]:
    """Sign ``client`` in; returns the CSRF header for its changes."""
    r = client.post("/api/session", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"X-CSRF-Token": r.json()["csrf_token"]}


@pytest.fixture
def service(sqlite_url):
    """(app, engine, users) on a migrated SQLite database."""
    engine, _ = prepare_database(sqlite_url)
    users = add_users(engine)
    app = create_app(engine, now=Clock())
    return app, engine, users


class ServerProcess:
    """``doseflow serve --db URL --port P`` in a child process, killable with SIGKILL."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> "ServerProcess":
        return self.launch().wait()

    def launch(self) -> "ServerProcess":
        self.proc = subprocess.Popen([sys.executable, "-m", "doseflow", "serve", "--db", self.url, "--port",
                                      str(self.port)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        return self

    def wait(self) -> "ServerProcess":
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.proc.stderr.read().decode()}")
            try:
                if httpx.get(self.base + "/signin", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
