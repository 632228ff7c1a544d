"""The result object every readout analysis returns.

An analysis (safety incidence, DLT table, NCA, response rate, ...) is a function from
validated data frames to a result object. The object carries everything a report needs:

- ``title``: one line naming the analysis and the population;
- ``table()``: a presentation-ready :class:`pandas.DataFrame` (columns labelled for people);
- ``figure()``: a matplotlib ``Figure``, or None when the analysis has no figure;
- ``to_dict()``: headline numbers, JSON-serialisable (NaN becomes None);
- ``methods``: a plain-text paragraph naming each rule applied and its source;
- ``notes``: plain sentences on anything skipped, imputed or flagged;
- ``summary`` / ``print_summary()`` / ``_repr_html_()``: the object prints itself, in the
  manner of lifelines' ``StatisticalResult`` (Davidson-Pilon 2019).

Subclasses are usually frozen dataclasses that hold the computed frames and implement
``table`` and ``to_dict``; ``figure`` defaults to None.

Examples
--------
>>> import pandas as pd
>>> from dataclasses import dataclass, field
>>> @dataclass(frozen=True)
... class CountResult(AnalysisResult):
...     counts: pd.DataFrame
...     title: str = "Subjects per group"
...     methods: str = "Subjects are counted once per group."
...     notes: tuple = ()
...     def table(self):
...         return self.counts.rename(columns={"n": "Subjects"})
...     def to_dict(self):
...         return {"n": self.counts["n"].tolist()}
>>> r = CountResult(pd.DataFrame({"group": ["A", "B"], "n": [3, 6]}))
>>> r.to_json()
'{"title": "Subjects per group", "n": [3, 6]}'
>>> print(r.summary.splitlines()[0])
Subjects per group
"""

from __future__ import annotations

import html
import json
import math
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["AnalysisResult", "to_json_ready", "format_n_pct", "format_significant", "format_pct",
           "ROUNDING_RULE"]

#: The rounding rule of every table, figure label and sentence the readout shows.
ROUNDING_RULE = ("Measured values (PK parameters and concentrations, doses, ratios) are shown to 3 significant "
                 "figures; percentages with 1 decimal; counts as whole numbers. The CSV tables and results.json "
                 "keep full precision.")


def to_json_ready(value: Any) -> Any:
    """Return ``value`` with NumPy/pandas scalars made plain and NaN/NaT made None.

    Parameters
    ----------
    value : object
        Nested dicts, lists, tuples, NumPy arrays and scalars, pandas timestamps.

    Returns
    -------
    object
        Built of dict, list, str, int, float, bool and None only.

    Examples
    --------
    >>> to_json_ready({"a": np.int64(3), "b": [np.nan, 1.5], "c": pd.Timestamp("2014-01-02")})
    {'a': 3, 'b': [None, 1.5], 'c': '2014-01-02'}
    """
    if isinstance(value, Mapping):
        return {str(k): to_json_ready(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return [to_json_ready(v) for v in value.tolist()]
    if isinstance(value, (list, tuple)):
        return [to_json_ready(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(float(value)) else float(value)
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    if value is None or value is pd.NaT or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value if isinstance(value, str) else str(value)


def format_n_pct(n: int, denominator: int, *, digits: int = 1) -> str:
    """Format a count with its percentage of ``denominator``: ``"12 (37.5%)"``.

    A zero denominator gives ``"0"`` (no percentage can be computed); a zero count gives
    ``"0"`` as clinical tables print it.

    Examples
    --------
    >>> format_n_pct(12, 32), format_n_pct(0, 32), format_n_pct(0, 0)
    ('12 (37.5%)', '0', '0')
    """
    if denominator <= 0 or n == 0:
        return str(int(n))
    return f"{int(n)} ({100.0 * n / denominator:.{digits}f}%)"


def format_significant(value: float | None, digits: int = 3) -> str:
    """``value`` to ``digits`` significant figures, without an exponent (:data:`ROUNDING_RULE`).

    Trailing zeros that are significant are kept; thousands are separated by commas; NaN and
    None give "".

    Examples
    --------
    >>> [format_significant(v) for v in (23312.4, 1.843, 0.000123456, 99.96, 32.0, 0.0, -1.25e-2)]
    ['23,300', '1.84', '0.000123', '100', '32.0', '0', '-0.0125']
    >>> format_significant(float("nan"))
    ''
    """
    if value is None:
        return ""
    v = float(value)
    if not math.isfinite(v):
        return ""
    if v == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(v)))
    rounded = round(v, digits - 1 - magnitude)
    if rounded != 0 and math.floor(math.log10(abs(rounded))) > magnitude:  # 99.96 -> 100: one digit fewer
        magnitude += 1
        rounded = round(v, digits - 1 - magnitude)
    decimals = max(digits - 1 - magnitude, 0)
    return f"{rounded:,.{decimals}f}"


def format_pct(value: float | None, digits: int = 1) -> str:
    """A percentage (0-100) with ``digits`` decimals and a % sign; NaN and None give "".

    Examples
    --------
    >>> format_pct(37.5), format_pct(100 / 3), format_pct(None)
    ('37.5%', '33.3%', '')
    """
    if value is None or not math.isfinite(float(value)):
        return ""
    return f"{float(value):.{digits}f}%"


class AnalysisResult(ABC):
    """Base of readout results: a table, an optional figure, headline numbers, methods, notes.

    Subclasses provide the attributes ``title`` (str), ``methods`` (str) and ``notes``
    (sequence of str), and implement :meth:`table` and :meth:`to_dict`; they may override
    :meth:`figure`.
    """

    title: str
    methods: str
    notes: Sequence[str]

    @abstractmethod
    def table(self) -> pd.DataFrame:
        """The presentation-ready table, columns labelled for people."""

    @abstractmethod
    def to_dict(self) -> dict:
        """Headline numbers as plain Python values (see :meth:`to_json`)."""

    def figure(self):
        """A matplotlib Figure of the result, or None when the analysis has none."""
        return None

    def display_table(self) -> pd.DataFrame:
        """The table a report shows; :meth:`table` (every column, full precision) by default.

        A result whose full table is too wide to read (a listing of every NCA parameter)
        returns the columns a reader needs here; the CSV keeps :meth:`table`.
        """
        return self.table()

    def to_json(self, **kwargs: Any) -> str:
        """``to_dict()`` with the title, as JSON text (NaN written as null)."""
        return json.dumps({"title": self.title, **to_json_ready(self.to_dict())}, **kwargs)

    @property
    def summary(self) -> str:
        """Plain-text rendering: title, table, notes and methods."""
        lines = [self.title, "=" * len(self.title), self.table().to_string(index=False)]
        if self.notes:
            lines += ["", "Notes:"] + [f"- {n}" for n in self.notes]
        lines += ["", "Methods: " + self.methods]
        return "\n".join(lines)

    def print_summary(self) -> None:
        """Print :attr:`summary`."""
        print(self.summary)

    def _repr_html_(self) -> str:
        parts = [f"<h3>{html.escape(self.title)}</h3>", self.table().to_html(index=False, na_rep="")]
        if self.notes:
            items = "".join(f"<li>{html.escape(n)}</li>" for n in self.notes)
            parts.append(f"<p><b>Notes</b></p><ul>{items}</ul>")
        parts.append(f"<p><b>Methods.</b> {html.escape(self.methods)}</p>")
        return "\n".join(parts)

    def __str__(self) -> str:
        return self.summary
