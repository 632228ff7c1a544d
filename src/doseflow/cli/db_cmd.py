"""``doseflow db upgrade --db URL [--json]``: bring a service database to the newest schema.

Runs the Alembic migrations shipped with doseflow (:mod:`doseflow.service.migrations`)
that the database has not had yet; a new database gets every table. ``--json`` prints
``{"db", "revision"}``.
"""

from __future__ import annotations

from typing import Optional

import typer

from doseflow.cli.common_options import database_errors, database_url, db_option, json_option
from doseflow.cli.help_style import Command, Group
from doseflow.cli.json_output import print_json

__all__ = ["commands", "db_app", "upgrade_command"]

db_app = typer.Typer(help="The service database: schema migrations.", no_args_is_help=True, cls=Group)
#: The commands of this module, added to the application by :mod:`doseflow.cli.app`.
commands = typer.Typer()
commands.add_typer(db_app, name="db")


@db_app.command("upgrade", cls=Command)
def upgrade_command(
    db: Optional[str] = db_option(),
    as_json: bool = json_option("Print {db, revision} as JSON."),
) -> None:
    """Apply the schema migrations the database has not had yet.

    Example: doseflow db upgrade --db sqlite:///doseflow.db
    """
    from doseflow.service.store.engine import make_engine
    from doseflow.service.store.migrate import upgrade_database

    engine = make_engine(database_url(db))
    with database_errors(db):
        revision = upgrade_database(engine)
    shown = engine.url.render_as_string(hide_password=True)
    if as_json:
        print_json({"db": shown, "revision": revision})
    else:
        typer.echo(f"{shown}: schema at revision {revision}")
