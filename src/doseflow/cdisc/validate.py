"""Validate a dataset against its specification and give every variable its type.

:func:`validate_domain` is the one gate every SDTM/ADaM dataset passes, whether read from a
file (:mod:`doseflow.cdisc.read`) or about to be written (:mod:`doseflow.cdisc.write`). It
returns a clean frame: ``num`` variables as float64 (ADaM dates as datetime64), ``char``
variables as object with None for missing; columns the specification does not list are kept
(text, empty -> None). The first violation raises :class:`doseflow.errors.DataError` naming
the file, the row, the column and the value, e.g.::

    pc.csv row 17, column PCSTRESN: must be a number; got 'BLQ'.

Rows are numbered as a person finds them: in a CSV file the line number (the header is line
1, so the first record is row 2; this assumes no quoted field spans lines), in an XPT file or a
data frame the 1-based record number.

Rules, in the order they are checked:

1. every Req variable of the specification is present (SDTMIG v3.4 §4.1.5; ADaMIG v1.3 §3.1);
2. ``DOMAIN`` (SDTM) holds the domain's name on every row; a SUPPxx dataset's ``RDOMAIN``
   is xx (SDTMIG v3.4 §8.4.1);
3. ``num`` variables hold numbers (``"42.0"`` is fine; ``"BLQ"``, ``"NaN"``, ``"inf"`` are
   not); ADaM ``DATE9.``/``DATETIME20.`` variables hold ISO 8601 dates or SAS date values;
4. ``char`` variables hold text (a numeric XPT column for a char variable is an error);
5. every ``--DTC`` variable (any column whose name ends in ``DTC``) is ISO 8601, possibly
   partial, and names a date that exists (SDTMIG v3.4 §4.4.1), checked with
   :func:`doseflow.cdisc.dates.parse_dtc`;
6. values of variables with a codelist the standard fixes are in that codelist (CDISC CT),
   and so are the QVAL of known QNAMs in SUPP-- datasets;
7. in SDTM and SUPP--, Req variables are never null (SDTMIG v3.4 §4.1.5);
8. the key variables identify one record (e.g. USUBJID + AESEQ: ``--SEQ`` is unique within a
   subject and domain, SDTMIG v3.4 --SEQ definition; DM and ADSL have one record per subject).

Examples
--------
>>> import pandas as pd
>>> raw = pd.DataFrame({"STUDYID": ["S1"], "DOMAIN": ["AE"], "USUBJID": ["S1-001"],
...                     "AESEQ": ["1.0"], "AETERM": ["Nausea"], "AEDECOD": ["NAUSEA"],
...                     "AESER": [""]})
>>> clean = validate_domain(raw, "AE", source="ae.csv", first_row=2)
>>> clean["AESEQ"].tolist(), clean["AESER"].tolist()
([1.0], [None])
>>> raw.loc[0, "AESEQ"] = "one"
>>> validate_domain(raw, "AE", source="ae.csv", first_row=2)
Traceback (most recent call last):
...
doseflow.errors.DataError: ae.csv row 2, column AESEQ: must be a number; got 'one'.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from doseflow.cdisc.dates import parse_dtc
from doseflow.cdisc.spec import DomainSpec, VariableSpec, find_spec, load_codelist
from doseflow.errors import DataError

__all__ = ["validate_domain", "validate_dtc", "detect_domain", "MissingVariables"]

_SAS_EPOCH = pd.Timestamp("1960-01-01")


class MissingVariables(tuple):
    """The required variables a dataset lacks; shown in messages as ``no column AEDECOD``."""

    def __repr__(self) -> str:
        return ("no column " if len(self) == 1 else "no columns ") + ", ".join(self)


def _stripped(s: pd.Series) -> pd.Series:
    """Text with surrounding blanks removed, None where missing (computed per distinct value)."""
    codes, uniques = pd.factorize(s.astype(object), use_na_sentinel=True)
    clean = np.array([str(v).strip() for v in uniques] + [None], dtype=object)
    return pd.Series(clean[codes], index=s.index, dtype=object)


def _missing_mask(s: pd.Series) -> np.ndarray:
    """True where a cell is missing: None/NaN or text that is empty after stripping."""
    if s.dtype != object:
        return s.isna().to_numpy()
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    blank = np.array([not str(v).strip() for v in uniques] + [True], dtype=bool)
    return blank[codes]


def _fail(where: str, expected: str, value: object, hint: str = "") -> DataError:
    return DataError(where, expected, value, hint)


class _Rows:
    """Names rows the way a person finds them (file line or record number)."""

    def __init__(self, source: str, first_row: int) -> None:
        self.source = source
        self.first_row = first_row

    def at(self, position: int, column: str) -> str:
        return f"{self.source} row {position + self.first_row}, column {column}"


def _as_text(s: pd.Series, var: str, rows: _Rows) -> pd.Series:
    if pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_datetime64_any_dtype(s.dtype):
        if s.notna().any():
            raise _fail(
                f"{rows.source} column {var}",
                "a character variable (text)",
                str(s.dtype),
                "The specification says char; write it as text.",
            )
        return pd.Series([None] * len(s), index=s.index, dtype=object)
    out = s.astype(object)
    return out.where(~_missing_mask(out), None)


def _as_number(s: pd.Series, var: str, rows: _Rows) -> pd.Series:
    if pd.api.types.is_bool_dtype(s.dtype):
        raise _fail(f"{rows.source} column {var}", "a numeric variable", str(s.dtype))
    if pd.api.types.is_numeric_dtype(s.dtype):
        num = s.astype("float64")
        bad = np.isinf(num.to_numpy())
    else:
        miss = _missing_mask(s)
        text = s.astype(object).where(~miss, None)
        num = pd.to_numeric(text, errors="coerce").astype("float64")
        bad = ~miss & ~np.isfinite(num.to_numpy())
    if bad.any():
        pos = int(np.argmax(bad))
        raise _fail(rows.at(pos, var), "a number", s.iloc[pos])
    return num


def _as_datetime(s: pd.Series, spec: VariableSpec, rows: _Rows) -> pd.Series:
    """ADaM numeric dates: ISO 8601 text, datetime64, or SAS day/second counts from 1960."""
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return s.astype("datetime64[ns]")
    if pd.api.types.is_numeric_dtype(s.dtype):
        unit = "D" if spec.format == "DATE9." else "s"
        return _SAS_EPOCH + pd.to_timedelta(s.astype("float64"), unit=unit)
    miss = _missing_mask(s)
    text = s.astype(object).where(~miss, None)
    parsed = pd.to_datetime(text, format="ISO8601", errors="coerce")
    bad = ~miss & parsed.isna().to_numpy()
    if bad.any():
        pos = int(np.argmax(bad))
        what = "an ISO 8601 date such as 2014-01-02" if spec.format == "DATE9." else (
            "an ISO 8601 date-time such as 2014-01-02T11:45:00"
        )
        raise _fail(rows.at(pos, spec.name), what, s.iloc[pos])
    return parsed.astype("datetime64[ns]")


_MONTH = r"^\d{4}-(\d{2})"


def validate_dtc(values: pd.Series, column: str, *, source: str = "data", first_row: int = 1) -> pd.Series:
    """Return ``values`` if every non-missing one is an ISO 8601 date that exists.

    Partial dates (``2014``, ``2014-01``) are valid; the month of a partial date must still be
    01-12. Checked on the distinct values with :func:`doseflow.cdisc.dates.parse_dtc`.

    Raises
    ------
    DataError
        ``"<source> row <n>, column <column>: must be ...; got '<value>'."`` for the first
        invalid value, ``n`` counted from ``first_row``.
    """
    text = _stripped(values)
    present = text.dropna()
    if present.empty:
        return values
    month = pd.to_numeric(present.str.extract(_MONTH, expand=False), errors="coerce")
    bad_month = ((month < 1) | (month > 12)).to_numpy()
    if bad_month.any():
        value = present.to_numpy()[bad_month][0]
        expected = "a calendar date that exists"
    else:
        try:
            parse_dtc(pd.Series(pd.unique(present), dtype=object), impute="first", where=column)
            return values
        except DataError as err:
            value, expected = err.value, err.expected
    pos = int(np.argmax((text == value).to_numpy()))
    raise _fail(f"{source} row {pos + first_row}, column {column}", expected, value)


def _check_codelist(s: pd.Series, var: str, codelist: str, rows: _Rows, extra: str = "") -> None:
    cl = load_codelist(codelist)
    bad = s.notna().to_numpy() & ~s.isin(cl.values).to_numpy()
    if bad.any():
        pos = int(np.argmax(bad))
        code = f", {cl.code}" if cl.code else ""
        allowed = ", ".join(repr(v) for v in cl.values)
        raise _fail(rows.at(pos, var), f"one of {allowed} (codelist {cl.name}{code}){extra}", s.iloc[pos])


def _check_domain_column(df: pd.DataFrame, spec: DomainSpec, rows: _Rows) -> None:
    if spec.kind == "sdtm" and "DOMAIN" in df.columns:
        column, expected = "DOMAIN", spec.name
    elif spec.kind == "supp" and spec.name != "SUPPQUAL" and "RDOMAIN" in df.columns:
        column, expected = "RDOMAIN", spec.name[4:]
    else:
        return
    s = df[column]
    bad = s.notna().to_numpy() & (s != expected).to_numpy()
    if bad.any():
        pos = int(np.argmax(bad))
        raise _fail(rows.at(pos, column), repr(expected), s.iloc[pos], "A dataset holds one domain.")


def _check_qualifiers(df: pd.DataFrame, spec: DomainSpec, rows: _Rows) -> None:
    if not spec.qualifiers or not {"QNAM", "QVAL"} <= set(df.columns):
        return
    for qnam, q in spec.qualifiers.items():
        mask = (df["QNAM"] == qnam).to_numpy()
        if not mask.any():
            continue
        qval = df["QVAL"].where(mask, None)
        if q.codelist is not None:
            _check_codelist(qval, "QVAL", q.codelist, rows, f" for QNAM {qnam}")
        if q.type == "num":
            _as_number(qval, "QVAL", rows)


def _check_required_values(df: pd.DataFrame, spec: DomainSpec, rows: _Rows) -> None:
    for name in spec.required:
        miss = df[name].isna().to_numpy()
        if miss.any():
            pos = int(np.argmax(miss))
            raise _fail(
                rows.at(pos, name),
                f"non-empty ({name} is a required variable of {spec.name})",
                "",
            )


def _check_keys(df: pd.DataFrame, spec: DomainSpec, rows: _Rows) -> None:
    keys = list(spec.keys)
    if not keys or any(k not in df.columns for k in keys):
        return
    dup = df.duplicated(keys, keep="first").to_numpy()
    if not dup.any():
        return
    pos = int(np.argmax(dup))
    target = tuple(v.item() if isinstance(v, np.generic) else v for v in df[keys].iloc[pos])
    same = np.ones(len(df), dtype=bool)
    for k, v in zip(keys, target):
        same &= (df[k].isna() if pd.isna(v) else df[k] == v).to_numpy()
    first = int(np.argmax(same))
    raise _fail(
        f"{rows.source} row {pos + rows.first_row}, columns {', '.join(keys)}",
        f"a key no other record has (row {first + rows.first_row} has the same)",
        target if len(target) > 1 else target[0],
    )


def detect_domain(df: pd.DataFrame, stem: str | None = None) -> str | None:
    """The domain of a dataset: its DOMAIN value, SUPP + RDOMAIN, or the file stem's prefix.

    A file whose stem names an ADaM dataset (``adae``, ``adrs_onco``) is that ADaM dataset,
    even when it keeps the SDTM variable DOMAIN, as admiral's ADAE and admiralonco's ADRS
    do. A SUPP-- dataset whose RDOMAIN holds several domains is ``"SUPPQUAL"``. Without
    DOMAIN or RDOMAIN values, the stem's part before the first ``"_"`` names the domain
    (``adsl`` -> ``ADSL``, ``rs_onco`` -> ``RS``). Returns None if nothing names a domain.

    Examples
    --------
    >>> import pandas as pd
    >>> detect_domain(pd.DataFrame({"RDOMAIN": ["AE"], "QNAM": ["AETRTEM"]}), "suppae")
    'SUPPAE'
    >>> detect_domain(pd.DataFrame({"USUBJID": ["1"]}), "adtte_pfs")
    'ADTTE'
    >>> detect_domain(pd.DataFrame({"DOMAIN": ["AE"], "USUBJID": ["1"]}), "adae")
    'ADAE'
    """
    if stem:
        named = find_spec(stem.split("_")[0])
        if named is not None and named.kind == "adam":
            return named.name
    columns = set(df.columns)
    if {"RDOMAIN", "QNAM"} <= columns:
        values = [str(v).strip() for v in pd.unique(df["RDOMAIN"].dropna()) if str(v).strip()]
        if len(values) == 1:
            return "SUPP" + values[0].upper()
        if len(values) > 1:
            return "SUPPQUAL"
    elif "DOMAIN" in columns:
        values = [str(v).strip() for v in pd.unique(df["DOMAIN"].dropna()) if str(v).strip()]
        if values:
            return values[0].upper()
    if stem:
        return stem.split("_")[0].upper()
    return None


def validate_domain(
    df: pd.DataFrame,
    domain: str | DomainSpec | None = None,
    *,
    source: str | None = None,
    first_row: int = 1,
) -> pd.DataFrame:
    """Check ``df`` against its dataset specification and return it with typed columns.

    Parameters
    ----------
    df : pandas.DataFrame
        The dataset, as text (from CSV) or typed (from XPT or code).
    domain : str or DomainSpec, optional
        The domain (``"AE"``, ``"ADSL"``, ``"SUPPAE"``) or its specification; by default
        detected with :func:`detect_domain`.
    source : str, optional
        How to name the dataset in messages, e.g. ``"ae.csv"``; default ``"<DOMAIN> data"``.
    first_row : int
        Row number of the first record in messages: 2 for a CSV file (line numbers, header
        = line 1), 1 for XPT files and data frames.

    Returns
    -------
    pandas.DataFrame
        A new frame (RangeIndex, same column order) following the rules of the module
        docstring; ``attrs`` holds ``source``, ``first_row`` and ``domain``.

    Raises
    ------
    DataError
        On the first rule broken, naming file, row, column and value.
    """
    spec = domain if isinstance(domain, DomainSpec) else find_spec(domain or detect_domain(df) or "")
    rows = _Rows(source or f"{spec.name if spec else 'unknown'} data", first_row)
    if spec is None:
        raise _fail(rows.source, "a dataset of a known domain", domain or detect_domain(df))
    if len(set(df.columns)) != len(df.columns):
        dup = next(c for i, c in enumerate(df.columns) if c in list(df.columns)[:i])
        raise _fail(f"{rows.source} header", "a list of distinct variable names", dup)
    missing = [v for v in spec.required if v not in df.columns]
    if missing:
        raise _fail(
            rows.source,
            f"a dataset with every required variable of {spec.name} ({', '.join(spec.required)})",
            MissingVariables(missing),
            f"See {spec.source.split(':')[0]}.",
        )
    df = df.reset_index(drop=True)
    out: dict[str, pd.Series] = {}
    for column in df.columns:
        var = spec.variable(column)
        s = df[column]
        if var is None or var.type == "char":
            out[column] = _as_text(s, column, rows) if var or s.dtype == object else s
        elif var.format is not None:
            out[column] = _as_datetime(s, var, rows)
        else:
            out[column] = _as_number(s, column, rows)
    clean = pd.DataFrame(out, index=df.index, columns=df.columns)
    _check_domain_column(clean, spec, rows)
    for column in clean.columns:
        if column.endswith("DTC") and clean[column].dtype == object:
            validate_dtc(clean[column], column, source=rows.source, first_row=rows.first_row)
    for var in spec.variables:
        if var.codelist is not None and var.name in clean.columns:
            _check_codelist(clean[var.name], var.name, var.codelist, rows)
    _check_qualifiers(clean, spec, rows)
    if spec.nonnull_required:
        _check_required_values(clean, spec, rows)
    _check_keys(clean, spec, rows)
    clean.attrs = {"source": rows.source, "first_row": first_row, "domain": spec.name}
    return clean
