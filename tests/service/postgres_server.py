"""A throwaway PostgreSQL server for the test session: initdb + pg_ctl in a temporary folder.

Debian's ``postgresql`` package (installed by ``make test`` when missing) provides the
binaries under ``/usr/lib/postgresql/<version>/bin``. PostgreSQL refuses to run as root,
so when the tests run as root (as CI does) the cluster belongs to the unprivileged
``postgres`` user that the package creates (or to ``doseflow-pg``, created here if
neither exists) and every server command runs through ``runuser``.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["PostgresServer", "start_postgres", "free_port"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    which = shutil.which("pg_ctl")
    if which:
        return Path(which).parent
    raise RuntimeError("PostgreSQL not found: run `make test`, which installs Debian's postgresql package")


def _os_user() -> str | None:
    """The unprivileged user that runs the server when we are root (None otherwise)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "doseflow-pg"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "doseflow-pg"],
                   check=True)
    return "doseflow-pg"


@dataclass
class PostgresServer:
    folder: Path
    port: int
    bin_dir: Path
    user: str | None

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [str(self.bin_dir / args[0]), *args[1:]]
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        return subprocess.run(cmd, check=check, capture_output=True, text=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://doseflow@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=doseflow dbname=postgres", autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "immediate", "stop", check=False)
        shutil.rmtree(self.folder, ignore_errors=True)


def start_postgres() -> PostgresServer:
    """initdb a cluster in a new temporary folder and start it on a free local port."""
    bin_dir = _bin_dir()
    user = _os_user()
    folder = Path(tempfile.mkdtemp(prefix="doseflow-pg-"))
    if user:
        entry = pwd.getpwnam(user)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    server = PostgresServer(folder, free_port(), bin_dir, user)
    server._run("initdb", "-D", str(folder / "data"), "-U", "doseflow", "--auth=trust", "-E", "UTF8", "--no-sync",
                "--locale=C")
    options = f"-p {server.port} -k {folder} -c listen_addresses=127.0.0.1 -c max_connections=200"
    started = server._run("pg_ctl", "-D", str(folder / "data"), "-o", options, "-l", str(folder / "log"), "-w",
                          "-t", "60", "start", check=False)
    if started.returncode != 0:
        log = (folder / "log").read_text() if (folder / "log").exists() else ""
        raise RuntimeError(f"PostgreSQL did not start: {started.stderr}\n{log}")
    deadline = time.time() + 30
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", server.port)) == 0:
                return server
        time.sleep(0.1)
    raise RuntimeError("PostgreSQL did not open its port")
