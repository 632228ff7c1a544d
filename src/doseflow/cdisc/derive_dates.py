"""ADaM analysis dates from SDTM ``--DTC`` text: ``<prefix>DT``, ``DTM``, ``DTF``, ``TMF``.

:func:`derive_dt` turns an ISO 8601 ``--DTC`` column into the ADaM timing variables of ADaMIG
v1.3 §3.3.3 (analysis date ``*DT``, date-time ``*DTM``, date imputation flag ``*DTF``, time
imputation flag ``*TMF``), using :func:`doseflow.cdisc.dates.parse_dtc` for the parsing and the
imputation. The prefix follows the ADaM naming of admiral's ``derive_vars_dt``: ``AESTDTC``
-> ``AST`` (ASTDT, ASTDTF), ``AEENDTC`` -> ``AEN``, ``RSDTC`` -> ``A`` (ADT).

Imputation rules (``impute``; see :mod:`doseflow.cdisc.dates`):

* ``None`` (default): a partial date is not completed: ``*DT`` is NaT and the reason
  ("ASTDT: partial date '2014-01' not imputed") is added to the ``flags`` column.
* ``"first"``: missing day -> 1, missing month -> January (start dates: onset is not moved later
  than it could have been).
* ``"mid"``: missing day -> 15, missing month and day -> 30 June.
* ``"last"``: missing day -> last day of the month, missing month -> December (end dates).

``*DTF`` is ``"D"`` when the day was imputed, ``"M"`` when month and day were (ADaMIG v1.3
§3.3.3; the year is never imputed). A missing time is 00:00:00 (23:59:59 for ``"last"``),
flagged in ``*TMF`` as ``"H"``; missing minutes ``"M"``, missing seconds ``"S"``. ``*DT`` is
the date part of ``*DTM``.

Examples
--------
>>> import pandas as pd
>>> ae = pd.DataFrame({"AESTDTC": ["2014-01-03T10:30", "2014-02", "2014", None]})
>>> out = derive_dt(ae, "AESTDTC", impute="first")
>>> out["ASTDT"].dt.strftime("%Y-%m-%d").tolist()[:3], out["ASTDTF"].tolist()
(['2014-01-03', '2014-02-01', '2014-01-01'], [None, 'D', 'M', None])
>>> derive_dt(ae, "AESTDTC")["flags"].tolist()[1]
"ASTDT: partial date '2014-02' not imputed"
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from doseflow.cdisc.dates import Imputation, parse_dtc
from doseflow.cdisc.validate import validate_dtc
from doseflow.errors import ConfigError

__all__ = ["derive_dt"]

_DEFAULT_PREFIX = re.compile(r"^[A-Z]{2}(?P<part>ST|EN)?DTC$")


def _prefix_for(column: str) -> str:
    m = _DEFAULT_PREFIX.match(column)
    if m is None:
        raise ConfigError(
            "prefix",
            f"given, as {column} does not follow the --DTC / --STDTC / --ENDTC naming",
            None,
            'Pass e.g. prefix="TRTS".',
        )
    return "A" + (m["part"] or "")


def derive_dt(
    df: pd.DataFrame,
    dtc_col: str,
    *,
    impute: Imputation = None,
    prefix: str | None = None,
) -> pd.DataFrame:
    """Add ADaM ``<prefix>DT``, ``<prefix>DTM``, ``<prefix>DTF`` and ``<prefix>TMF`` columns.

    Parameters
    ----------
    df : pandas.DataFrame
        A dataset with the ISO 8601 text column ``dtc_col``.
    dtc_col : str
        The ``--DTC`` column, e.g. ``"AESTDTC"``.
    impute : {None, "first", "mid", "last"}
        How to complete partial dates (module docstring). None leaves them missing.
    prefix : str, optional
        Prefix of the new columns; default from ``dtc_col`` (``AESTDTC`` -> ``AST``,
        ``AEENDTC`` -> ``AEN``, ``LBDTC`` -> ``A``).

    Returns
    -------
    pandas.DataFrame
        A copy of ``df`` with ``<prefix>DT`` (datetime64, the date at midnight),
        ``<prefix>DTM`` (datetime64), ``<prefix>DTF`` and ``<prefix>TMF`` (flags or None),
        and, where a date was left missing because it was partial, the reason in ``flags``.

    Raises
    ------
    ConfigError
        If ``dtc_col`` is not a column, ``impute`` is unknown, or no prefix can be derived.
    DataError
        If a value is not ISO 8601 or names a date that does not exist, naming row and value.

    References
    ----------
    CDISC ADaMIG v1.3 (2021) §3.3.3 Timing variables for BDS and imputation flags;
    admiral ``derive_vars_dt`` / ``impute_dtc_dt`` (pharmaverse) for the naming and rules.
    """
    if dtc_col not in df.columns:
        raise ConfigError("dtc_col", "a column of the data frame", dtc_col)
    if impute not in (None, "first", "mid", "last"):
        raise ConfigError("impute", "one of None, 'first', 'mid', 'last'", impute)
    prefix = prefix if prefix is not None else _prefix_for(dtc_col)
    source = df.attrs.get("source", "data")
    first_row = df.attrs.get("first_row", 1)
    values = validate_dtc(df[dtc_col].reset_index(drop=True), dtc_col, source=source, first_row=first_row)
    parsed = parse_dtc(values, impute=impute, where=dtc_col)
    out = df.copy()
    dtm = parsed["dt"].astype("datetime64[ns]").to_numpy()
    out[f"{prefix}DT"] = pd.Series(dtm, index=df.index).dt.normalize()
    out[f"{prefix}DTM"] = pd.Series(dtm, index=df.index)
    partial = (parsed["dtf"] == "partial").to_numpy()
    dtf = parsed["dtf"].where(~partial, None).astype(object).to_numpy()
    out[f"{prefix}DTF"] = pd.Series(dtf, index=df.index, dtype=object)
    tmf = parsed["tmf"].where(~partial & parsed["tmf"].notna(), None).astype(object).to_numpy()
    out[f"{prefix}TMF"] = pd.Series(tmf, index=df.index, dtype=object)
    if partial.any() or "flags" in out.columns:
        reasons = np.full(len(df), None, dtype=object)
        reasons[partial] = [f"{prefix}DT: partial date {v!r} not imputed" for v in values[partial]]
        old = out["flags"].to_numpy(dtype=object) if "flags" in out.columns else np.full(len(df), None, dtype=object)
        out["flags"] = [
            "; ".join(p for p in (a, b) if isinstance(p, str) and p) or None for a, b in zip(old, reasons)
        ]
    return out
