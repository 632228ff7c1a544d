"""Options several commands share, and numeric options that state and check their bounds.

Every numeric option of the command line is typed as text and converted here, so a value
past its bounds, a non-finite number or text that is not a number all give the same one
line, ``error: --cohorts: must be a whole number in [1, 100]; got 100000.``, never a
traceback, and the bounds are printed in the option's help.

``--seed`` and ``--workers`` mean the same everywhere (``simulate``, ``compare``,
``insilico run``, ``insilico replicate``, ``demo``): the seed is the only source of
randomness, and the number of worker processes never changes a result.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape

from doseflow.errors import InputError

__all__ = [
    "MAX_SEED",
    "MAX_WORKERS",
    "check_database_exists",
    "check_scheduler",
    "database_errors",
    "database_url",
    "db_option",
    "describe_range",
    "json_option",
    "number_option",
    "parse_number",
    "parse_whole_number",
    "report_formats",
    "report_formats_option",
    "scheduler_option",
    "seed_option",
    "whole_number_option",
    "workers_option",
]

#: Largest seed (a signed 64-bit integer, so it fits every file format and database).
MAX_SEED = 2**63 - 1
#: Most local worker processes: more than a machine's processors only costs memory.
MAX_WORKERS = 64


def describe_range(noun: str, minimum: float | None, maximum: float | None, *, exclusive_minimum: bool = False) -> str:
    """``"a whole number in [1, 100]"``, ``"a number in (0, 3,650]"``, ``"a whole number >= 0"``."""
    def fmt(v: float) -> str:
        if not isinstance(v, int):
            return f"{v:g}"
        if v >= 2**32 and (v + 1) & v == 0:  # 2^63 - 1, the largest seed
            return f"2^{(v + 1).bit_length() - 1} - 1"
        return f"{v:,}"

    if minimum is not None and maximum is not None:
        return f"{noun} in {'(' if exclusive_minimum else '['}{fmt(minimum)}, {fmt(maximum)}]"
    if minimum is not None:
        return f"{noun} {'>' if exclusive_minimum else '>='} {fmt(minimum)}"
    if maximum is not None:
        return f"{noun} <= {fmt(maximum)}"
    return noun


def parse_whole_number(text: Any, where: str, minimum: int | None = None, maximum: int | None = None) -> int:
    """The whole number written in ``text``, within [minimum, maximum]; an InputError naming ``where``."""
    expected = describe_range("a whole number", minimum, maximum)
    if isinstance(text, bool):
        raise InputError(where, expected, text)
    if isinstance(text, int):
        value = text
    else:
        try:
            value = int(str(text).strip())
        except ValueError:
            raise InputError(where, expected, text) from None
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise InputError(where, expected, value)
    return value


def parse_number(text: Any, where: str, minimum: float | None = None, maximum: float | None = None, *,
                 exclusive_minimum: bool = False, noun: str = "a number") -> float:
    """The finite number written in ``text``, within its bounds; an InputError naming ``where`` (and ``noun``)."""
    expected = describe_range(noun, minimum, maximum, exclusive_minimum=exclusive_minimum)
    try:
        value = float(str(text).strip())
    except ValueError:
        raise InputError(where, expected, text) from None
    low = minimum is not None and (value <= minimum if exclusive_minimum else value < minimum)
    if not math.isfinite(value) or low or (maximum is not None and value > maximum):
        raise InputError(where, expected, value)
    return value


def _typer_default(default: Any, shown: str) -> Any:
    """What ``typer.Option`` takes as default: ``...`` (required), None, or the default as text."""
    return default if default is None or default is ... else shown


def whole_number_option(default: Any, flag: str, help: str, *, minimum: int | None = None,
                        maximum: int | None = None, **kwargs: Any) -> Any:
    """A ``typer.Option`` for a whole number (default ``...`` if required): bounds in the help, a clear error."""
    bounds = describe_range("a whole number", minimum, maximum)

    def convert(value: Any) -> int | None:
        return None if value is None else parse_whole_number(value, flag, minimum, maximum)

    return typer.Option(_typer_default(default, str(default)), flag, metavar="INTEGER", callback=convert,
                        help=escape(f"{help}; {bounds}."), show_default=default not in (None, ...), **kwargs)


def number_option(default: Any, flag: str, help: str, *, minimum: float | None = None,
                  maximum: float | None = None, exclusive_minimum: bool = False, **kwargs: Any) -> Any:
    """A ``typer.Option`` for a finite number (default ``...`` if required): bounds in the help, a clear error."""
    bounds = describe_range("a number", minimum, maximum, exclusive_minimum=exclusive_minimum)

    def convert(value: Any) -> float | None:
        if value is None:
            return None
        return parse_number(value, flag, minimum, maximum, exclusive_minimum=exclusive_minimum)

    return typer.Option(_typer_default(default, f"{default:g}" if default not in (None, ...) else ""), flag,
                        metavar="NUMBER", callback=convert, help=escape(f"{help}; {bounds}."),
                        show_default=default not in (None, ...), **kwargs)


def json_option(help: str = "Print machine-readable JSON (strict JSON; see the command's description).") -> Any:
    """The ``--json`` switch every command has."""
    return typer.Option(False, "--json", help=help)


def seed_option(default: int | None = 1, help: str = "The seed: the same seed gives the same result") -> Any:
    """``--seed``: the one source of randomness of a command; the same seed gives the same result."""
    return whole_number_option(default, "--seed", help, minimum=0, maximum=MAX_SEED)


def workers_option(default: int | None = 1,
                   help: str = "Local worker processes; the result does not depend on it") -> Any:
    """``--workers``: local worker processes; the result does not depend on it."""
    return whole_number_option(default, "--workers", help, minimum=1, maximum=MAX_WORKERS)


_SCHEDULER = re.compile(r"^[a-z][a-z0-9+.-]*://\S+$")


def check_scheduler(address: str | None) -> str | None:
    """The Dask scheduler address ``SCHEME://HOST:PORT``, or an InputError naming ``--scheduler``."""
    if address is not None and not _SCHEDULER.match(address):
        raise InputError("--scheduler", "the address of a Dask scheduler, e.g. tcp://10.0.0.5:8786", address)
    return address


def scheduler_option() -> Any:
    """``--scheduler``: run on a Dask cluster instead of local processes (same results for the same seed)."""
    return typer.Option(None, "--scheduler", metavar="ADDRESS", callback=check_scheduler,
                        help="Run on a Dask cluster: tcp://HOST:PORT (the same seed gives the same result).")


def db_option() -> Any:
    """``--db``: the conduct service's database; None stands for the service's default SQLite file."""
    return typer.Option(None, "--db", metavar="URL", show_default=False,
                        help="Database URL: a SQLite file (default: sqlite:///doseflow.db, in the working folder) or "
                        "postgresql+psycopg://user:password@host/db.")


def database_url(db: str | None) -> str:
    """The database URL of ``--db``: the service's default when not given (imported only when used)."""
    from doseflow.service.store.engine import DEFAULT_DB

    return DEFAULT_DB if db is None else db


def _shown_url(db: str | None) -> str:
    """The database URL as it may be printed: the password hidden."""
    from sqlalchemy.engine import make_url

    from doseflow.service.store.engine import normalise_url

    return make_url(normalise_url(database_url(db))).render_as_string(hide_password=True)


def check_database_exists(db: str | None) -> None:
    """Refuse a SQLite file that does not exist (reading must not create an empty database)."""
    from sqlalchemy.engine import make_url

    from doseflow.service.store.engine import normalise_url

    url = make_url(normalise_url(database_url(db)))
    if url.get_backend_name() == "sqlite" and not Path(str(url.database)).is_file():
        raise InputError("--db", "an existing doseflow database (create it with `doseflow db upgrade`)", _shown_url(db))


@contextmanager
def database_errors(db: str | None) -> Iterator[None]:
    """Turn a database failure (cannot open, no doseflow schema, server down) into one InputError naming ``--db``."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        yield
    except SQLAlchemyError as exc:
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise InputError("--db", "a doseflow database that can be opened and is up to date (`doseflow db upgrade` "
                         "creates or updates it)", _shown_url(db), f"The database said: {detail}.") from None


def report_formats_option() -> Any:
    """``--format``: the report's extra formats (``analyze`` and ``demo``), checked by :func:`report_formats`."""
    return typer.Option(None, "--format", metavar="[html|pdf|docx]",
                        help="Also write the report as pdf (headless Chromium) or docx (Word); may be repeated.")


def report_formats(formats: list[str] | None) -> tuple[str, ...]:
    """The ``--format`` values, each checked, and headless Chromium found before any work when PDF is asked."""
    from doseflow.checks import check_choice
    from doseflow.report.outputs import FORMATS

    chosen = tuple(check_choice(fmt, "--format", FORMATS, error=InputError) for fmt in formats or ())
    if "pdf" in chosen:
        from doseflow.report.pdf import find_chromium

        find_chromium()
    return chosen
