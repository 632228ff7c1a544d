"""Tables as a reader sees them: grouped columns, rounded numbers, names readers know.

:func:`build_display_table` turns a result's table (a pandas frame, full precision, CDISC
codes in its headers) into a :class:`DisplayTable` that the HTML report and the Word
document render alike:

- **grouped columns**: a header ``"8.4 mg/kg (N=8): any grade"`` is the sub-column "any
  grade" of the group "8.4 mg/kg (N=8)"; groups of two or more columns get a spanning header;
- **the pooled column stays in view**: the columns of the pooled group ("Overall", "All
  active", :mod:`doseflow.readout.groups`) are marked sticky on the right, the first column
  sticky on the left (the HTML scrolls the columns between them);
- **names readers know**: a PK code in a header or a "Parameter" cell ("CMAX (ug/mL)")
  becomes "Cmax (ug/mL)" with the CDISC code as its tooltip
  (:data:`doseflow.readout.pk.nca.READER_NAMES`);
- **rounding** (:data:`doseflow.readout.result.ROUNDING_RULE`): floats to 3 significant
  figures, columns of percentages ("%" in the header) to 1 decimal, counts (integers, and
  whole floats below :data:`WHOLE_LIMIT`) exactly;
- **AE tables**: "System organ class" and "Preferred term" become one column, the preferred
  terms indented under their class;
- **flags on every row** (an NCA listing where every profile had its time 0 imputed) are
  lifted out of the column into one note.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from doseflow.readout.groups import ALL_ACTIVE, OVERALL
from doseflow.readout.pk.nca import READER_NAMES
from doseflow.readout.result import format_significant

__all__ = ["Cell", "DisplayTable", "build_display_table", "format_cell"]

#: Labels that start the pooled column's header.
POOLED_LABELS = (OVERALL, ALL_ACTIVE)
#: A table with more columns than this is printed on a landscape page.
WIDE_COLUMNS = 8
#: A whole float below this is a count and is shown exactly; measured values get 3 significant figures.
WHOLE_LIMIT = 100_000
#: Cells longer than this (a reason, a meaning) wrap; shorter ones (numbers, "n (%)") stay on one line.
WRAP_CHARS = 32
_CODE = re.compile(r"^([A-Z][A-Z0-9]{1,7})(\s*\(.*\))?$")


@dataclass(frozen=True)
class Cell:
    """One cell: its text, a tooltip (the CDISC code), how many columns or rows it spans, its classes."""

    text: str
    tooltip: str = ""
    colspan: int = 1
    rowspan: int = 1
    classes: tuple[str, ...] = ()


@dataclass
class DisplayTable:
    """A table ready to render.

    Attributes
    ----------
    header : list of list of Cell
        One or two header rows (two when columns are grouped).
    rows : list of list of Cell
    n_columns : int
    sticky_right : int
        Trailing columns that stay in view (the pooled group).
    total_rows : int
        Rows of the full table (more than ``len(rows)`` when only the first are shown).
    notes : list of str
        Flags lifted out of the table.
    """

    header: list[list[Cell]]
    rows: list[list[Cell]]
    n_columns: int
    sticky_right: int = 0
    total_rows: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def wide(self) -> bool:
        """Whether the table needs a landscape page in print."""
        return self.n_columns > WIDE_COLUMNS

    @property
    def truncated(self) -> bool:
        return self.total_rows > len(self.rows)


def _reader_name(text: str) -> tuple[str, str]:
    """A PK code with its unit as a reader knows it, and the code as tooltip: ("CMAX (ug/mL)") -> ("Cmax (ug/mL)", ...)."""
    m = _CODE.match(text.strip())
    if m and m.group(1) in READER_NAMES:
        return READER_NAMES[m.group(1)] + (m.group(2) or ""), f"CDISC PPTESTCD {m.group(1)}"
    return text, ""


def format_cell(value: object, *, percent: bool = False) -> str:
    """A value as the table shows it (:data:`doseflow.readout.result.ROUNDING_RULE`).

    Examples
    --------
    >>> format_cell(13884.2), format_cell(32.365122), format_cell(7.0), format_cell(37.5, percent=True)
    ('13,900', '32.4', '7', '37.5')
    >>> format_cell(1191), format_cell(np.int64(254)), format_cell(2388.0)
    ('1191', '254', '2388')
    >>> format_cell(float("nan")), format_cell(None), format_cell(True), format_cell("3 (9.4%)")
    ('', '', 'yes', '3 (9.4%)')
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, (int, np.integer)):
        return str(int(value))  # a count is exact
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if math.isnan(v):
            return ""
        if percent:
            return f"{v:.1f}"
        if v.is_integer() and abs(v) < WHOLE_LIMIT:
            return str(int(v))  # a count stored as a float
        return format_significant(v)
    return str(value)


def _combine_soc_term(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[tuple[str, ...]]]:
    """AE tables: one column "System organ class / preferred term", terms indented under their class."""
    soc, pt = frame["System organ class"].astype(str), frame["Preferred term"].fillna("").astype(str)
    label = [t if t else s for s, t in zip(soc, pt)]
    classes = [("indent",) if t else ("group-row",) for t in pt]
    out = frame.drop(columns=["System organ class", "Preferred term"])
    out.insert(0, "System organ class / preferred term", label)
    return out, classes


def _lift_flags(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Flags every row has become a note; the column keeps the others ("a; b" per row)."""
    col = next((c for c in frame.columns if str(c).lower() == "flags"), None)
    if col is None or not len(frame):
        return frame, []
    parts = [set(filter(None, (p.strip() for p in str(v).split(";")))) if isinstance(v, str) else set()
             for v in frame[col]]
    common = set.intersection(*parts) if parts else set()
    out = frame.copy()
    if common:
        out[col] = ["; ".join(p for p in str(v).split("; ") if p.strip() not in common) if isinstance(v, str) else v
                    for v in frame[col]]
    if not any(isinstance(v, str) and v.strip() for v in out[col]):
        out = out.drop(columns=col)
    return out, [f"Every row: {flag}." for flag in sorted(common)]


def build_display_table(frame: pd.DataFrame, *, max_rows: int | None = None) -> DisplayTable:
    """The :class:`DisplayTable` of a result's table (module docstring).

    Parameters
    ----------
    frame : pandas.DataFrame
        The result's table (``display_table()``).
    max_rows : int, optional
        Show only the first rows (the full table is elsewhere: the appendix, the CSV).

    Returns
    -------
    DisplayTable

    Examples
    --------
    >>> t = build_display_table(pd.DataFrame({"Category": ["Any TEAE"], "1 mg (N=3): any grade": ["2 (66.7%)"],
    ...     "1 mg (N=3): Grade >= 3": ["0"], "Overall (N=3): any grade": ["2 (66.7%)"],
    ...     "Overall (N=3): Grade >= 3": ["0"]}))
    >>> [c.text for c in t.header[0]], [c.text for c in t.header[1]], t.sticky_right
    (['Category', '1 mg (N=3)', 'Overall (N=3)'], ['any grade', 'Grade >= 3', 'any grade', 'Grade >= 3'], 2)
    """
    row_classes: list[tuple[str, ...]] = [()] * len(frame)
    if {"System organ class", "Preferred term"} <= set(frame.columns):
        frame, row_classes = _combine_soc_term(frame)
    frame, notes = _lift_flags(frame)
    total = len(frame)
    if max_rows is not None and total > max_rows:
        frame, row_classes = frame.head(max_rows), row_classes[:max_rows]
    names = [str(c) for c in frame.columns]
    split = [n.split(": ", 1) if ": " in n else [n] for n in names]
    groups = [s[0] if len(s) == 2 else None for s in split]
    grouped = any(g is not None and groups.count(g) > 1 for g in groups)
    top: list[Cell] = []
    sub: list[Cell] = []
    i = 0
    while i < len(names):
        g = groups[i]
        if grouped and g is not None and groups.count(g) > 1:
            span = 1
            while i + span < len(names) and groups[i + span] == g:
                span += 1
            text, tip = _reader_name(g)
            top.append(Cell(text, tip, colspan=span, classes=("group",)))
            for j in range(i, i + span):
                sub.append(Cell(split[j][1]))
            i += span
            continue
        text, tip = _reader_name(names[i])
        top.append(Cell(text, tip, rowspan=2 if grouped else 1))
        i += 1
    header = [top, sub] if grouped else [top]
    pooled = [k for k, n in enumerate(names) if n.startswith(POOLED_LABELS)]
    sticky = len(names) - pooled[0] if pooled and pooled[-1] == len(names) - 1 and len(names) - pooled[0] <= 2 else 0
    param_cols = {k for k, n in enumerate(names) if n in ("Parameter", "parameter")}
    percent_cols = {k for k, n in enumerate(names) if "%" in n}
    rows = []
    for r, (values, classes) in enumerate(zip(frame.itertuples(index=False), row_classes)):
        cells = []
        for k, v in enumerate(values):
            if k in param_cols and isinstance(v, str):
                text, tip = _reader_name(v)
                cells.append(Cell(text, tip))
            else:
                text = format_cell(v, percent=k in percent_cols)
                cells.append(Cell(text, classes=("wrap",) if len(text) > WRAP_CHARS else ()))
        if classes:
            cells[0] = Cell(cells[0].text, cells[0].tooltip, classes=classes + cells[0].classes)
        rows.append(cells)
    return DisplayTable(header=header, rows=rows, n_columns=len(names), sticky_right=sticky, total_rows=total,
                        notes=notes)
