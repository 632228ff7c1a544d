"""``doseflow serve [--db URL] [--host H] [--port P] [--example gq1001]``: the conduct web service.

Migrates the database to the newest schema first (as ``doseflow db upgrade`` does), then
serves the pages and the JSON API until interrupted. With no ``--db`` the database is
the SQLite file ``./doseflow.db`` (WAL mode); ``--db postgresql+psycopg://user@host/db``
uses PostgreSQL. ``--example gq1001`` preloads the GQ1001 demonstration trial
(:mod:`doseflow.service.example`). A database without users gets a hint to create the
first administrator with ``doseflow users add``.
"""

from __future__ import annotations

from typing import Optional

import typer

from doseflow.cli.common_options import database_errors, database_url, db_option, whole_number_option
from doseflow.cli.help_style import Command

__all__ = ["commands", "serve_command"]

#: The commands of this module, added to the application by :mod:`doseflow.cli.app`.
commands = typer.Typer()


@commands.command("serve", cls=Command)
def serve_command(
    db: Optional[str] = db_option(),
    host: str = typer.Option("127.0.0.1", "--host", metavar="ADDRESS",
                             help="Address to listen on (0.0.0.0: every interface)."),
    port: int = whole_number_option(8000, "--port", "Port to listen on", minimum=1, maximum=65535),
    example: Optional[str] = typer.Option(None, "--example", metavar="NAME",
                                          help="Preload a demonstration trial: gq1001."),
    secure_cookies: bool = typer.Option(False, "--secure-cookies", help="Mark session cookies Secure (when the "
                                        "service is reached over HTTPS, e.g. behind a reverse proxy)."),
) -> None:
    """Serve the conduct pages and JSON API (enrolment, DLTs, SRC decisions, audit trail).

    Example: doseflow serve --db sqlite:///doseflow.db --example gq1001
    """
    from doseflow.service.server import run_server

    with database_errors(db):
        run_server(database_url(db), host, port, example, secure_cookies, echo=typer.echo)
