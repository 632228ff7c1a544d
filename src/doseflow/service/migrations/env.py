"""Alembic environment: runs the migrations on the connection or URL given by :mod:`doseflow.service.store.migrate`."""

from __future__ import annotations

from alembic import context

from doseflow.service.store.engine import make_engine
from doseflow.service.store.schema import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    with make_engine(config.get_main_option("sqlalchemy.url")).connect() as conn:
        context.configure(connection=conn, target_metadata=metadata)
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=metadata)
    with context.begin_transaction():
        context.run_migrations()
