"""Database engines: a SQLite file (WAL, writers serialised by BEGIN IMMEDIATE) or PostgreSQL (psycopg 3).

SQLite: every connection runs ``PRAGMA journal_mode=WAL`` (readers do not block the
writer), ``synchronous=FULL`` (a committed transaction is on disk), ``foreign_keys=ON``
and a busy timeout; write transactions start with ``BEGIN IMMEDIATE``, which takes the
database's write lock at once, so two enrolments into the last slot of a cohort run one
after the other (SQLite, "BEGIN TRANSACTION": IMMEDIATE starts a write transaction at
once). Read transactions start with a plain ``BEGIN``.

PostgreSQL: write transactions lock the rows they change with ``SELECT ... FOR UPDATE``
(the trial row and the head of its audit chain), which has the same effect.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from doseflow.errors import InputError

__all__ = ["DEFAULT_DB", "normalise_url", "make_engine", "write_transaction", "read_transaction"]

#: ``doseflow serve`` with no ``--db``: a SQLite file in the working folder.
DEFAULT_DB = "sqlite:///doseflow.db"
_READONLY = "doseflow_readonly"


def normalise_url(url: str) -> str:
    """A SQLAlchemy URL from ``url``: a plain path becomes a SQLite file; ``postgresql://`` uses psycopg 3.

    Raises
    ------
    InputError
        For a URL of another database or one SQLAlchemy cannot parse (naming ``--db``).
    """
    text = str(url).strip()
    if "://" not in text:
        text = "sqlite:///" + str(Path(text))
    if text.startswith("postgresql://") or text.startswith("postgres://"):
        text = "postgresql+psycopg://" + text.split("://", 1)[1]
    try:
        parsed = make_url(text)
    except ArgumentError:
        raise InputError("--db", "a database URL such as sqlite:///doseflow.db or postgresql+psycopg://user@host/db",
                         url) from None
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise InputError("--db", "a SQLite or PostgreSQL URL", url)
    if parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:"):
        raise InputError("--db", "a SQLite file (an in-memory database is gone when the server stops)", url)
    return text


def make_engine(url: str) -> Engine:
    """An engine for ``url`` (see :func:`normalise_url`) with the settings of the module docstring."""
    text = normalise_url(url)
    if text.startswith("sqlite"):
        engine = create_engine(text, connect_args={"timeout": 60, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _connect(dbapi_connection, record) -> None:  # noqa: ANN001
            dbapi_connection.isolation_level = None  # transactions are begun below, not by the driver
            cursor = dbapi_connection.cursor()
            for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "busy_timeout=60000"):
                cursor.execute(f"PRAGMA {pragma}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(connection: Connection) -> None:
            readonly = connection.get_execution_options().get(_READONLY, False)
            connection.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")

        return engine
    return create_engine(text, pool_pre_ping=True, pool_size=10, max_overflow=20)


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """One write transaction: committed when the block ends, rolled back on any error."""
    with engine.begin() as conn:
        yield conn


@contextmanager
def read_transaction(engine: Engine) -> Iterator[Connection]:
    """One read-only transaction (a consistent snapshot; it never takes SQLite's write lock)."""
    with engine.connect().execution_options(**{_READONLY: True}) as conn, conn.begin():
        yield conn
