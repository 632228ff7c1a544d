"""Write an SDTM/ADaM dataset as CSV or SAS transport (XPT v5), validated first.

:func:`write_domain` checks the frame against its specification with exactly the rules and
messages of reading (:mod:`doseflow.cdisc.validate`), then writes it, so whatever doseflow
writes (e.g. the virtual SDTM of the in-silico trial) reads back equal with
:func:`doseflow.cdisc.read.read_sdtm`.

CSV
    UTF-8, comma-separated, header line of variable names, missing values as empty fields,
    numbers in Python's shortest round-trip form (``1.0``, ``0.1``), ``--DTC`` as the ISO 8601
    text it is, ADaM dates as ``YYYY-MM-DD`` and date-times as ``YYYY-MM-DDTHH:MM:SS``.
SAS XPT v5
    Written with ``pyreadstat.write_xport(..., file_format_version=5)``; the SAS V5 transport
    format limits (SAS Institute, TS-140 "The record layout of a data set in SAS transport
    (XPORT) format"; FDA Study Data Technical Conformance Guide §3.3) are checked first:
    variable and dataset names of at most 8 characters (letters, digits, underscore), labels
    of at most 40, character values of at most 200 ASCII bytes. Variable labels come from the
    specification (or ``df.attrs["labels"]`` for extra columns), the dataset label is the
    specification's, ADaM dates get the format ``DATE9.`` and date-times ``DATETIME20.``.
    Trailing blanks of text are not kept (SAS pads character values with blanks).

The file name is used as given (``AE.xpt`` or ``ae.csv``).

Examples
--------
>>> import pandas as pd, tempfile, pathlib
>>> from doseflow.cdisc.read import read_domain
>>> ae = pd.DataFrame({"STUDYID": ["S1"], "DOMAIN": ["AE"], "USUBJID": ["S1-001"],
...                    "AESEQ": [1.0], "AETERM": ["Nausea"], "AEDECOD": ["NAUSEA"],
...                    "AESTDTC": ["2024-03-01"]})
>>> path = write_domain(ae, pathlib.Path(tempfile.mkdtemp()) / "ae.xpt")
>>> read_domain(path).equals(ae)
True
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import pandas as pd
import pyreadstat

from doseflow.cdisc.spec import DomainSpec, find_spec
from doseflow.cdisc.validate import detect_domain, validate_domain
from doseflow.errors import ConfigError, DataError

__all__ = ["write_domain"]

_FORMATS = {".csv": "csv", ".xpt": "xpt"}
_SAS_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,7}$")
_SAS_EPOCH = pd.Timestamp("1960-01-01")
_ISO = {"DATE9.": "%Y-%m-%d", "DATETIME20.": "%Y-%m-%dT%H:%M:%S"}


def _formatted_dates(df: pd.DataFrame, spec: DomainSpec) -> pd.DataFrame:
    out = df.copy()
    for var in spec.variables:
        if var.format is not None and var.name in out.columns:
            s = out[var.name]
            out[var.name] = s.dt.strftime(_ISO[var.format]).astype(object).where(s.notna(), None)
    return out


def _check_xpt(df: pd.DataFrame, spec: DomainSpec, name: str, labels: dict[str, str]) -> None:
    for column in df.columns:
        if not _SAS_NAME.match(column):
            raise DataError(
                f"{name} column {column}",
                "a SAS XPT v5 variable name (at most 8 letters, digits or _, not starting with a digit)",
                column,
            )
        label = labels.get(column)
        if label is not None and len(label) > 40:
            raise DataError(f"{name} column {column} label", "at most 40 characters (SAS XPT v5)", label)
        s = df[column]
        if s.dtype != object:
            continue
        text = s.dropna().astype(str)
        bad = ~text.map(str.isascii) | (text.str.len() > 200)
        if bad.any():
            pos = int(df.index.get_loc(bad.idxmax()))
            raise DataError(
                f"{name} row {pos + 1}, column {column}",
                "ASCII text of at most 200 characters (SAS XPT v5)",
                s.iloc[pos],
            )


def write_domain(
    df: pd.DataFrame,
    path: str | Path,
    *,
    domain: str | None = None,
    format: Literal["csv", "xpt"] | None = None,
) -> Path:
    """Validate ``df`` against its specification and write it as CSV or SAS XPT v5.

    Parameters
    ----------
    df : pandas.DataFrame
        The dataset, typed or as text (it is validated and typed first).
    path : str or Path
        The file to write; its case is kept. The suffix ``.csv`` / ``.xpt`` sets the format
        unless ``format`` is given.
    domain : str, optional
        The domain (``"AE"``, ``"ADSL"``, ``"SUPPAE"``); by default from DOMAIN / RDOMAIN /
        the file stem, as when reading.
    format : {"csv", "xpt"}, optional
        Output format; must agree with a ``.csv``/``.xpt`` suffix.

    Returns
    -------
    Path
        The path written.

    Raises
    ------
    DataError
        If the data break the specification (same messages as reading, rows numbered as in
        the file to be written) or the XPT v5 limits.
    ConfigError
        If the format is unknown or disagrees with the file name.
    """
    path = Path(path)
    by_suffix = _FORMATS.get(path.suffix.lower())
    fmt = format or by_suffix
    if fmt not in ("csv", "xpt"):
        raise ConfigError("format", "'csv' or 'xpt' (or a file name ending in .csv or .xpt)", format or path.name)
    if by_suffix is not None and by_suffix != fmt:
        raise ConfigError("format", f"{by_suffix!r} to match the file name {path.name}", fmt)
    domain = domain or detect_domain(df, path.stem.lower())
    spec = find_spec(domain or "")
    if spec is None:
        raise DataError(path.name, "a dataset of a known SDTM/ADaM domain", domain)
    clean = validate_domain(df, spec, source=path.name, first_row=2 if fmt == "csv" else 1)
    if fmt == "csv":
        _formatted_dates(clean, spec).to_csv(path, index=False, na_rep="", lineterminator="\n", encoding="utf-8")
        return path
    labels = {**df.attrs.get("labels", {}), **{v.name: v.label for v in spec.variables}}
    labels = {c: labels[c] for c in clean.columns if c in labels}
    _check_xpt(clean, spec, path.name, labels)
    stem = path.stem.upper()
    table = stem if _SAS_NAME.match(stem) else spec.name[:8]
    out = clean.copy()
    for column in out.columns:
        if out[column].dtype == object:
            out[column] = out[column].where(out[column].notna(), "").astype(str)
    formats = {v.name: v.format for v in spec.variables if v.format and v.name in out.columns}
    for column, sas_format in formats.items():
        unit = pd.Timedelta(days=1) if sas_format == "DATE9." else pd.Timedelta(seconds=1)
        out[column] = (out[column] - _SAS_EPOCH) / unit  # SAS dates count days (times seconds) from 1960
    pyreadstat.write_xport(
        out,
        str(path),
        file_label=spec.label,
        column_labels=[labels.get(c) for c in out.columns],
        table_name=table,
        file_format_version=5,
        variable_format=formats or None,
    )
    return path

