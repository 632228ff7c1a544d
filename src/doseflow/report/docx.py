"""The report's tables and figures as a Word document, for pasting into a clinical study report.

:func:`write_docx` writes the :class:`~doseflow.report.layout.ReportLayout` with python-docx:
the title, the summary paragraph and key figures, each section with its numbered tables
(grouped column headers as merged cells, numbers rounded as in the report) and figures
(the same PNGs), each with its caption and methods reference, the methods, and the list of
appendix listings (their rows are in the CSV files). Wide tables get landscape pages.
"""

from __future__ import annotations

import io
from pathlib import Path

from doseflow.errors import InputError
from doseflow.report.display import DisplayTable
from doseflow.report.layout import ReportLayout

__all__ = ["write_docx"]


def _table(doc, t: DisplayTable, *, font_pt: float) -> None:
    from docx.shared import Pt

    n_header = len(t.header)
    table = doc.add_table(rows=n_header + len(t.rows), cols=t.n_columns)
    table.style = "Table Grid"
    taken: set[tuple[int, int]] = set()
    for r, hrow in enumerate(t.header):
        c = 0
        for cell in hrow:
            while (r, c) in taken:
                c += 1
            target = table.cell(r, c)
            if cell.colspan > 1 or cell.rowspan > 1:
                target = target.merge(table.cell(r + cell.rowspan - 1, c + cell.colspan - 1))
            for rr in range(r, r + cell.rowspan):
                for cc in range(c, c + cell.colspan):
                    taken.add((rr, cc))
            target.text = cell.text
            for run in target.paragraphs[0].runs:
                run.bold = True
            c += cell.colspan
    for r, row in enumerate(t.rows, start=n_header):
        for c, cell in enumerate(row):
            target = table.cell(r, c)
            target.text = ("    " if "indent" in cell.classes else "") + cell.text
            if "group-row" in cell.classes:
                for run in target.paragraphs[0].runs:
                    run.bold = True
    for row in table.rows:
        for cell in row.cells:
            for par in cell.paragraphs:
                for run in par.runs:
                    run.font.size = Pt(font_pt)


def _orientation(doc, landscape: bool) -> None:
    """Start a new section (page) in landscape or portrait orientation."""
    from docx.enum.section import WD_ORIENT, WD_SECTION

    current = doc.sections[-1]
    if (current.orientation == WD_ORIENT.LANDSCAPE) == landscape:
        return
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    width, height = current.page_width, current.page_height
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (max(width, height), min(width, height)) if landscape else \
        (min(width, height), max(width, height))


def write_docx(layout: ReportLayout, path: Path) -> Path:
    """Write ``layout`` as a Word document at ``path`` and return the path.

    Raises
    ------
    InputError
        python-docx is not installed, or the file cannot be written.
    """
    try:
        from docx import Document
        from docx.shared import Cm
    except ImportError:
        raise InputError("--format docx", "the python-docx package", "not installed", "pip install python-docx") \
            from None
    doc = Document()
    doc.add_heading(layout.title, level=0)
    for s in layout.sections:
        doc.add_heading(s.heading, level=1)
        if s.id == "summary":
            doc.add_paragraph(layout.abstract)
            doc.add_paragraph("Key figures", style="Caption")
            _table(doc, layout.key_figures, font_pt=9)
            doc.add_paragraph(layout.rounding)
            continue
        for p in s.paragraphs:
            doc.add_paragraph(p)
        for e in s.entries:
            doc.add_heading(e.title, level=2)
            if e.table is not None:
                _orientation(doc, e.table.wide)
                doc.add_paragraph(f"{e.table_label}. {e.title}", style="Caption")
                _table(doc, e.table, font_pt=7 if e.table.wide else 8)
                source = f"{e.table_label}: " + (f"first {len(e.table.rows)} of {e.table.total_rows} rows"
                                                  if e.table.truncated else f"{e.table.total_rows} rows")
                doc.add_paragraph(source + f"; CSV {e.csv}" + (f"; methods {e.method}" if e.method else ""))
                _orientation(doc, False)
            if e.figure is not None:
                doc.add_picture(io.BytesIO(e.figure), width=Cm(16))
                doc.add_paragraph(f"{e.figure_label}. {e.title}" + (f" (methods {e.method})" if e.method else ""),
                                  style="Caption")
            for note in e.notes:
                doc.add_paragraph(note, style="List Bullet")
    doc.add_heading("Methods", level=1)
    doc.add_paragraph(layout.rounding)
    for m in layout.methods:
        p = doc.add_paragraph()
        p.add_run(f"{m.id} (used by {', '.join(m.used_by)}). ").bold = True
        p.add_run((f"As {m.base}, and: " if m.base else "") + m.text)
    doc.add_heading("Appendices", level=1)
    doc.add_paragraph("The listings are in the HTML report and, row by row, in the CSV files:")
    for a in layout.listings:
        doc.add_paragraph(f"Listing {a.id}. {a.title} ({a.table.total_rows} rows)"
                          + (f": {a.csv}" if a.csv else ""), style="List Bullet")
    try:
        doc.save(str(path))
    except OSError as err:
        raise InputError("--format docx", "a writable file", str(path), str(err)) from None
    return Path(path)
