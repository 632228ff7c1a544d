"""Checks every readout analysis applies to its input frames, with errors that point at the file.

Each check returns the value it accepts (admiraldev's assertions: fail fast at the public
boundary, name the argument, show the offending value) and raises
:class:`~doseflow.errors.DataError` otherwise.

Where a row is named
--------------------
A frame read by :func:`doseflow.cdisc.read_sdtm` carries ``attrs["source"]`` (the file name,
``"pc.csv"``) and ``attrs["first_row"]`` (2 for CSV, whose header is line 1; 1 for XPT), and a
RangeIndex of its records. A row is then named as a person finds it in the file:
``pc.csv row 40, column PCSTRESN`` is line 40 of pc.csv. Filtering keeps the index (and pandas
keeps ``attrs``), so the readout filters frames but never renumbers them before checking.
A frame built in Python has no source: its rows are named by the domain given to the check
and the 1-based record number (``pc row 3``).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from doseflow.errors import DataError

__all__ = [
    "source_of",
    "describe_row",
    "fail_at_first",
    "validate_columns",
    "validate_numeric",
    "validate_subjects",
    "upper_text",
    "calendar_date",
]


def source_of(frame: pd.DataFrame, default: str) -> tuple[str, int]:
    """The file name and the number of the first record, as the reader set them (else ``default``, 1)."""
    return str(frame.attrs.get("source", default)), int(frame.attrs.get("first_row", 1))


def describe_row(frame: pd.DataFrame, pos: int, column: str, default: str) -> str:
    """Where the ``pos``-th row (0-based position) of ``frame`` is: ``"pc.csv row 40, column PCSTRESN"``.

    With ``attrs["source"]`` the row is the file's line (index label + ``first_row``); without
    it, ``default`` and the 1-based position.

    Examples
    --------
    >>> f = pd.DataFrame({"X": [1, 2, 3]})
    >>> f.attrs = {"source": "pc.csv", "first_row": 2}
    >>> describe_row(f[f["X"] > 1], 1, "X", "pc")
    'pc.csv row 4, column X'
    >>> describe_row(pd.DataFrame({"X": [1]}), 0, "X", "pc")
    'pc row 1, column X'
    """
    if "source" in frame.attrs:
        label = frame.index[pos]
        if isinstance(label, (int, np.integer)):
            return f"{frame.attrs['source']} row {int(label) + int(frame.attrs.get('first_row', 1))}, column {column}"
    return f"{default} row {pos + 1}, column {column}"


def fail_at_first(frame: pd.DataFrame, default: str, mask: np.ndarray | pd.Series, column: str, expected: str,
                  hint: str = "", value: object = None) -> None:
    """Raise a DataError naming the first row of ``mask`` (file, row, column, value); nothing if none.

    ``value`` replaces the cell's value in the message (e.g. the number it was read as).
    """
    mask = np.asarray(mask, dtype=bool)
    if mask.any():
        pos = int(np.flatnonzero(mask)[0])
        shown = frame[column].iloc[pos] if value is None else value
        raise DataError(describe_row(frame, pos, column, default), expected,
                        shown.item() if isinstance(shown, np.generic) else shown, hint)


def validate_columns(frame: object, domain: str, columns: Iterable[str]) -> pd.DataFrame:
    """Return ``frame`` if it is a DataFrame holding every variable of ``columns``.

    Raises
    ------
    DataError
        Naming the file (or domain) and the first missing variable, e.g.
        ``"ex.csv variable EXDOSE: must be present (required: USUBJID, EXDOSE); got 'missing'."``
    """
    columns = tuple(columns)
    if not isinstance(frame, pd.DataFrame):
        raise DataError(domain, "a pandas DataFrame of the SDTM domain", type(frame).__name__)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        name, _ = source_of(frame, domain)
        raise DataError(f"{name} variable {missing[0]}", "present (required: " + ", ".join(columns) + ")",
                        "missing")
    return frame


def validate_numeric(frame: pd.DataFrame, domain: str, column: str, *, minimum: float | None = None) -> pd.Series:
    """Return ``frame[column]`` as float64; missing stays NaN, text that is no number raises.

    Parameters
    ----------
    frame : pandas.DataFrame
    domain : str
        How to name the rows of a frame without ``attrs["source"]``.
    column : str
    minimum : float, optional
        Values below it are an error (e.g. 0 for a dose or a concentration).

    Raises
    ------
    DataError
        Naming the file's row (see the module docstring) and the offending value.

    Examples
    --------
    >>> validate_numeric(pd.DataFrame({"EXDOSE": ["54", "", None]}), "ex", "EXDOSE").tolist()
    [54.0, nan, nan]
    >>> validate_numeric(pd.DataFrame({"EXDOSE": [54.0, -54.0]}), "ex", "EXDOSE", minimum=0)
    Traceback (most recent call last):
    ...
    doseflow.errors.DataError: ex row 2, column EXDOSE: must be a number >= 0; got -54.0.
    """
    values = frame[column]
    out = pd.to_numeric(values, errors="coerce").astype(float)
    text = values.astype("object").where(values.notna(), "").astype(str).str.strip()
    fail_at_first(frame, domain, (out.isna() & (text != "")).to_numpy(), column, "a number")
    fail_at_first(frame, domain, ~np.isfinite(out.to_numpy()) & out.notna().to_numpy(), column, "a finite number")
    if minimum is not None:
        below = (out < minimum).to_numpy()
        fail_at_first(frame, domain, below, column, f"a number >= {minimum:g}",
                      value=float(out.to_numpy()[below][0]) if below.any() else None)
    return out


def validate_subjects(frame: pd.DataFrame, domain: str, known: Iterable[str], *,
                      reference: str = "ADSL", on_unknown: str = "error", hint: str = "") -> list[str]:
    """Return the sorted USUBJIDs of ``frame`` that are not among ``known``.

    Parameters
    ----------
    on_unknown : {"error", "note"}
        ``"error"`` raises when there are any; ``"note"`` returns them for the caller to
        report in its notes.

    Raises
    ------
    DataError
        ``"<file> row <n>, column USUBJID: must be a subject of ADSL; got '...'"`` at the first
        unknown subject's row, saying how many subjects are unknown (and when the value is a
        known subject with blanks around it).
    """
    keys = frame["USUBJID"].astype("object")
    known_set = {str(k) for k in known}
    bad = keys.notna().to_numpy() & ~keys.astype(str).isin(known_set).to_numpy()
    unknown = sorted(set(keys[bad].astype(str)))
    if unknown and on_unknown == "error":
        more = "" if len(unknown) == 1 else (
            f"{len(unknown)} subjects of {source_of(frame, domain)[0]} are not in {reference} "
            f"({', '.join(repr(u) for u in unknown[:5])}{' ...' if len(unknown) > 5 else ''}).")
        first = str(keys[bad].iloc[0])
        if first != first.strip() and first.strip() in known_set:
            more += f" It differs from the subject {first.strip()!r} only by blanks."
        fail_at_first(frame, domain, bad, "USUBJID", f"a subject of {reference}", f"{more} {hint}".strip())
    return unknown


def upper_text(values: pd.Series) -> pd.Series:
    """Stripped upper-case text with missing and empty values as NaN (object dtype)."""
    s = values.astype("object")
    s = s.where(s.notna(), "").astype(str).str.strip().str.upper()
    return s.where(s != "", np.nan).astype("object")


def calendar_date(values: pd.Series) -> pd.Series:
    """Date-times truncated to their calendar day (NaT stays NaT)."""
    return pd.to_datetime(values).dt.normalize()
