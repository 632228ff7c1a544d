"""``doseflow db upgrade --db URL [--json]``: bring a service database to the newest schema.

Runs the Alembic migrations shipped with doseflow (:mod:`doseflow.service.migrations`)
that the database has not had yet; a new database gets every table. ``--json`` prints
``{"db", "revision"}``.
"""

from __future__ import annotations

import json

import typer

from doseflow.service.store.engine import DEFAULT_DB

__all__ = ["commands", "db_app", "upgrade_command"]

db_app = typer.Typer(help="The service database: schema migrations.", no_args_is_help=True)
#: The commands of this module, added to the application by :mod:`doseflow.cli.app`.
commands = typer.Typer()
commands.add_typer(db_app, name="db")


@db_app.command("upgrade")
def upgrade_command(
    db: str = typer.Option(DEFAULT_DB, "--db", help="Database URL (SQLite file or postgresql+psycopg://...)."),
    as_json: bool = typer.Option(False, "--json", help="Print {db, revision} as JSON."),
) -> None:
    """Apply the schema migrations the database has not had yet."""
    from doseflow.service.store.engine import make_engine
    from doseflow.service.store.migrate import upgrade_database

    engine = make_engine(db)
    revision = upgrade_database(engine)
    shown = engine.url.render_as_string(hide_password=True)
    typer.echo(json.dumps({"db": shown, "revision": revision}) if as_json else f"{shown}: schema at revision {revision}")
