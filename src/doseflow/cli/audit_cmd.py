"""``doseflow audit verify --db URL [--json]``: check the hash chain of the audit trail.

Recomputes every entry's SHA-256 chain hash (:func:`doseflow.service.store.audit_chain.verify_audit`)
and names the first broken entry: its trial, sequence number and what is wrong (edited,
deleted, reordered, or the chain's head not matching). Exit status 0 when the trail is
intact, 1 when it is broken (2 for a bad option, as everywhere). ``--json`` prints
``{"ok", "entries", "chains", "broken_chain", "broken_protocol", "broken_seq", "problem"}``.
"""

from __future__ import annotations

import json

import typer
from sqlalchemy import select

from doseflow.service.store.engine import DEFAULT_DB

__all__ = ["commands", "audit_app", "verify_command"]

audit_app = typer.Typer(help="The audit trail of the service database.", no_args_is_help=True)
#: The commands of this module, added to the application by :mod:`doseflow.cli.app`.
commands = typer.Typer()
commands.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def verify_command(
    db: str = typer.Option(DEFAULT_DB, "--db", help="Database URL (SQLite file or postgresql+psycopg://...)."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Check the audit trail's hash chain; name the first broken entry."""
    from doseflow.service.store.audit_chain import verify_audit
    from doseflow.service.store.engine import make_engine, read_transaction
    from doseflow.service.store.schema import SYSTEM_CHAIN, trials

    with read_transaction(make_engine(db)) as conn:
        result = verify_audit(conn)
        protocol = None
        if result.broken_chain not in (None, SYSTEM_CHAIN):
            protocol = conn.execute(select(trials.c.protocol_id).where(trials.c.id == result.broken_chain)).scalar()
    out = {**result.to_dict(), "broken_protocol": protocol}
    if as_json:
        typer.echo(json.dumps(out))
    elif result.ok:
        typer.echo(f"audit trail intact: {result.entries} entries in {result.chains} chains")
    else:
        chain = "users and rights" if result.broken_chain == SYSTEM_CHAIN else \
            f"trial {protocol or result.broken_chain}"
        typer.echo(f"audit trail broken: {chain}, entry {result.broken_seq}: {result.problem}", err=True)
    if not result.ok:
        raise typer.Exit(1)
