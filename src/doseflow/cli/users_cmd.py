"""``doseflow users add USERNAME --name "Full Name" [--admin] [--password-stdin] --db URL``.

Creates a user of the conduct service, e.g. the first administrator of a new database
(who then creates the others and gives roles on the service's pages). The password is
asked twice on the terminal, or read from the first line of standard input with
``--password-stdin`` (for scripts). The creation is audited. ``--json`` prints
``{"username", "full_name", "is_admin"}``.
"""

from __future__ import annotations

import sys
from typing import Optional

import typer

from doseflow.cli.common_options import database_errors, database_url, db_option, json_option
from doseflow.cli.help_style import Command, Group
from doseflow.cli.json_output import print_json

__all__ = ["commands", "users_app", "add_command"]

users_app = typer.Typer(help="Users of the conduct service.", no_args_is_help=True, cls=Group)
#: The commands of this module, added to the application by :mod:`doseflow.cli.app`.
commands = typer.Typer()
commands.add_typer(users_app, name="users")


@users_app.command("add", cls=Command)
def add_command(
    username: str = typer.Argument(..., metavar="USERNAME",
                                   help="User name: lower-case letters, digits, '.', '_' or '-'."),
    name: str = typer.Option(..., "--name", metavar="TEXT", show_default=False,
                             help="Full printed name (shown with electronic signatures)."),
    admin: bool = typer.Option(False, "--admin", help="A doseflow administrator (creates users and trials)."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from standard input."),
    db: Optional[str] = db_option(),
    as_json: bool = json_option("Print the new user as JSON."),
) -> None:
    """Create a user (the first one: with --admin).

    Example: doseflow users add admin --name "Ada Admin" --admin --db sqlite:///doseflow.db
    """
    from doseflow.service.actions import utc_now
    from doseflow.service.store.accounts import create_user
    from doseflow.service.store.engine import make_engine
    from doseflow.service.store.migrate import upgrade_database

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    engine = make_engine(database_url(db))
    with database_errors(db):
        upgrade_database(engine)
        user = create_user(engine, username=username, full_name=name, password=password, is_admin=admin,
                           actor="doseflow-cli", at=utc_now())
    out = {"username": user.username, "full_name": user.full_name, "is_admin": user.is_admin}
    if as_json:
        print_json(out)
    else:
        typer.echo(f"created user {user.username} ({user.full_name})" + (", administrator" if user.is_admin else ""))
