"""Run the service: migrate the database, optionally preload an example, serve with uvicorn."""

from __future__ import annotations

import uvicorn

from doseflow.service.app import create_app
from doseflow.service.example import load_example
from doseflow.service.store.accounts import count_users
from doseflow.service.store.engine import make_engine
from doseflow.service.store.migrate import upgrade_database

__all__ = ["prepare_database", "run_server"]


def prepare_database(url: str, example: str | None = None):  # noqa: ANN201
    """The engine of ``url`` with its schema migrated (and the example preloaded); returns (engine, notes)."""
    engine = make_engine(url)
    upgrade_database(engine)
    notes = []
    if example:
        made = load_example(engine, example)
        notes.append(f"example {example}: " + ("preloaded" if made else "already there"))
    if count_users(engine) == 0:
        notes.append("no user yet: create the first administrator with "
                     "`doseflow users add NAME --name 'Full Name' --admin --db " + url + "`")
    return engine, notes


def run_server(url: str, host: str, port: int, example: str | None = None, secure_cookies: bool = False,
               echo=print) -> None:  # noqa: ANN001
    """Serve ``url``'s database on ``host:port`` until interrupted."""
    engine, notes = prepare_database(url, example)
    for note in notes:
        echo(note)
    echo(f"doseflow conduct service on http://{host}:{port}/ (database {engine.url.render_as_string()})")
    uvicorn.run(create_app(engine, secure_cookies=secure_cookies), host=host, port=port, log_level="warning")
