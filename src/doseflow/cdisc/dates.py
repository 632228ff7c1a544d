"""ISO 8601 date-times of SDTM ``--DTC`` variables, partial dates and their imputation.

SDTM stores dates as ISO 8601 text that may be partial (``"2014"``, ``"2014-01"``,
``"2014-01-02"``, ``"2014-01-02T11:45"``). Analyses need a date-time, so a partial date is
either left missing or completed by a documented imputation rule, and the imputation is
flagged, as ADaM does with ``--DTF`` (date imputation flag: ``"Y"`` year, ``"M"`` month,
``"D"`` day imputed) and ``--TMF`` (time imputation flag).

Imputation rules (admiral's ``impute_dtc_dt`` conventions, CDISC ADaM IG 1.3 §3.3.3):

``"first"``
    the first day of the missing period: ``2014-01`` -> 2014-01-01, ``2014`` -> 2014-01-01.
    Used for start dates (AE onset) so an event is not made later than it could be.
``"mid"``
    the middle: month 06-30 for a missing month and day, day 15 for a missing day.
``"last"``
    the last day of the missing period: ``2014-02`` -> 2014-02-28. Used for end dates.
``None``
    no imputation: a partial date stays missing (NaT) and is flagged ``"partial"``.

A missing time is midnight (time flag ``"H"``) unless ``impute`` is ``"last"``, where it
is 23:59:59.

Examples
--------
>>> import pandas as pd
>>> out = parse_dtc(pd.Series(["2014-01-02T11:45", "2014-02", "2014", ""]), impute="first")
>>> out["dt"].dt.strftime("%Y-%m-%d %H:%M").tolist()[:3]
['2014-01-02 11:45', '2014-02-01 00:00', '2014-01-01 00:00']
>>> out["dtf"].tolist()
[None, 'D', 'M', None]
"""

from __future__ import annotations

import calendar
import re
from typing import Literal

import pandas as pd

from doseflow.errors import DataError

__all__ = ["parse_dtc", "Imputation"]

Imputation = Literal["first", "mid", "last"] | None

_DTC = re.compile(
    r"^(?P<y>\d{4})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2})"
    r"(?:T(?P<H>\d{2})(?::(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d+)?)?)?)?)?)?$"
)


def _impute_one(text: str, impute: Imputation, where: str) -> tuple[pd.Timestamp | None, str | None, str | None]:
    m = _DTC.match(text)
    if not m:
        raise DataError(where, "an ISO 8601 date such as 2014-01-02 or 2014-01-02T11:45", text)
    y = int(m["y"])
    month, day = m["m"], m["d"]
    if month is not None and not 1 <= int(month) <= 12:
        raise DataError(where, "a calendar date that exists", text)
    dtf: str | None = None
    if month is None or day is None:
        if impute is None:
            return None, "partial", None
        dtf = "M" if month is None else "D"
        if month is None:
            mo = {"first": 1, "mid": 6, "last": 12}[impute]
        else:
            mo = int(month)
        if day is None:
            last = calendar.monthrange(y, mo)[1]
            d = {"first": 1, "mid": 30 if month is None else 15, "last": last}[impute]
        else:
            d = int(day)
    else:
        mo, d = int(month), int(day)
    if not 1 <= mo <= 12 or not 1 <= d <= calendar.monthrange(y, mo)[1]:
        raise DataError(where, "a calendar date that exists", text)
    tmf: str | None = None
    if m["H"] is None:
        hh, mm, ss = (23, 59, 59) if impute == "last" else (0, 0, 0)
        tmf = "H"
    else:
        hh = int(m["H"])
        mm = int(m["M"]) if m["M"] is not None else (59 if impute == "last" else 0)
        ss = int(m["S"]) if m["S"] is not None else (59 if impute == "last" else 0)
        if m["M"] is None:
            tmf = "M"
        elif m["S"] is None:
            tmf = "S"
        if hh > 23 or mm > 59 or ss > 59:
            raise DataError(where, "a valid time of day", text)
    return pd.Timestamp(y, mo, d, hh, mm, ss), dtf, tmf


def parse_dtc(
    values: pd.Series, *, impute: Imputation = None, where: str = "--DTC"
) -> pd.DataFrame:
    """Parse ISO 8601 ``--DTC`` text into date-times with imputation flags.

    Parameters
    ----------
    values : pandas.Series
        ISO 8601 text; empty strings and missing values stay missing.
    impute : {"first", "mid", "last", None}
        How to complete a partial date (see the module docstring). None leaves partial
        dates missing with ``dtf = "partial"``.
    where : str
        Used in error messages, e.g. ``"ae.csv column AESTDTC"``; the row (1-based data
        row, as in a spreadsheet below the header) is appended.

    Returns
    -------
    pandas.DataFrame
        Same index as ``values``; columns ``dt`` (datetime64, NaT where missing), ``dtf``
        (date imputation flag: None, "D", "M" or "partial") and ``tmf`` (time imputation
        flag: None, "H", "M" or "S").

    Raises
    ------
    DataError
        If a value is not ISO 8601 or names a date that does not exist, naming the row
        and value.
    """
    dts: list[pd.Timestamp | None] = []
    dtfs: list[str | None] = []
    tmfs: list[str | None] = []
    for row, v in enumerate(values.tolist(), start=1):
        if v is None or (isinstance(v, float) and pd.isna(v)) or (isinstance(v, str) and v.strip() == ""):
            dts.append(None)
            dtfs.append(None)
            tmfs.append(None)
            continue
        dt, dtf, tmf = _impute_one(str(v).strip(), impute, f"{where} row {row}")
        dts.append(dt)
        dtfs.append(dtf)
        tmfs.append(tmf)
    return pd.DataFrame(
        {"dt": pd.to_datetime(pd.Series(dts, index=values.index, dtype="object")), "dtf": dtfs, "tmf": tmfs},
        index=values.index,
    )
