"""Reports of a readout: the self-contained HTML page, its PDF print, the Word tables, the output folder.

- :func:`~doseflow.report.layout.layout_report`: where each analysis goes, numbers, methods;
- :func:`~doseflow.report.html.render_report`: the readout as one HTML page (Jinja2);
- :func:`~doseflow.report.pdf.write_pdf` / :func:`~doseflow.report.docx.write_docx`: PDF and Word;
- :func:`~doseflow.report.outputs.write_outputs`: report.html (and .pdf, .docx), tables/*.csv,
  figures/*.png and *.svg, results.json into a folder.
"""

from doseflow.report.html import render_report, software_versions
from doseflow.report.layout import SECTIONS, ExtraSection
from doseflow.report.outputs import FORMATS, ReadoutOutputs, write_outputs

__all__ = ["FORMATS", "SECTIONS", "ExtraSection", "ReadoutOutputs", "render_report", "software_versions",
           "write_outputs"]
