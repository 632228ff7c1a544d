"""``doseflow audit verify --db URL [--json]``: check the hash chain of the audit trail.

Recomputes every entry's SHA-256 chain hash (:func:`doseflow.service.store.audit_chain.verify_audit`)
and names the first broken entry: its trial, sequence number and what is wrong (edited,
deleted, reordered, or the chain's head not matching). Exit status 0 when the trail is
intact, 1 when it is broken (2 for a bad option, as everywhere). ``--json`` prints
``{"ok", "entries", "chains", "broken_chain", "broken_protocol", "broken_seq", "problem"}``.
"""

from __future__ import annotations

from typing import Optional

import typer

from doseflow.cli.common_options import (
    check_database_exists,
    database_errors,
    database_url,
    db_option,
    json_option,
)
from doseflow.cli.help_style import Command, Group
from doseflow.cli.json_output import print_json

__all__ = ["commands", "audit_app", "verify_command"]

audit_app = typer.Typer(help="The audit trail of the service database.", no_args_is_help=True, cls=Group)
#: The commands of this module, added to the application by :mod:`doseflow.cli.app`.
commands = typer.Typer()
commands.add_typer(audit_app, name="audit")


@audit_app.command("verify", cls=Command)
def verify_command(
    db: Optional[str] = db_option(),
    as_json: bool = json_option("Print the result as JSON."),
) -> None:
    """Check the audit trail's hash chain; name the first broken entry.

    Example: doseflow audit verify --db sqlite:///doseflow.db
    """
    from sqlalchemy import select

    from doseflow.service.store.audit_chain import verify_audit
    from doseflow.service.store.engine import make_engine, read_transaction
    from doseflow.service.store.schema import SYSTEM_CHAIN, trials

    check_database_exists(db)
    with database_errors(db), read_transaction(make_engine(database_url(db))) as conn:
        result = verify_audit(conn)
        protocol = None
        if result.broken_chain not in (None, SYSTEM_CHAIN):
            protocol = conn.execute(select(trials.c.protocol_id).where(trials.c.id == result.broken_chain)).scalar()
    out = {**result.to_dict(), "broken_protocol": protocol}
    if as_json:
        print_json(out)
    elif result.ok:
        typer.echo(f"audit trail intact: {result.entries} entries in {result.chains} chains")
    else:
        chain = "users and rights" if result.broken_chain == SYSTEM_CHAIN else \
            f"trial {protocol or result.broken_chain}"
        typer.echo(f"audit trail broken: {chain}, entry {result.broken_seq}: {result.problem}", err=True)
    if not result.ok:
        raise typer.Exit(1)
