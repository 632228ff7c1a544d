"""Alembic environment: runs the migrations on the connection or URL given by :mod:`doseflow.service.store.migrate`.

Alembic executes this file with its context set up; a plain import (pytest's doctest
collection, an IDE) finds no context and does nothing.
"""

from __future__ import annotations

from alembic import context

from doseflow.service.store.engine import make_engine
from doseflow.service.store.schema import metadata


def run_migrations(config) -> None:  # noqa: ANN001
    """Run the pending migrations on the connection handed over by the caller, or on the configured URL."""
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=metadata)
        with context.begin_transaction():
            context.run_migrations()
        return
    with make_engine(config.get_main_option("sqlalchemy.url")).connect() as conn:
        context.configure(connection=conn, target_metadata=metadata)
        with context.begin_transaction():
            context.run_migrations()


if getattr(context, "config", None) is not None:
    run_migrations(context.config)
