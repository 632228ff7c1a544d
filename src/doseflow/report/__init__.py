"""Reports of a readout: the self-contained HTML page and the output folder.

- :func:`~doseflow.report.html.render_report`: the readout as one HTML page (Jinja2);
- :func:`~doseflow.report.outputs.write_outputs`: report.html, tables/*.csv,
  figures/*.png and *.svg, results.json into a folder.
"""

from doseflow.report.html import REPORT_SECTIONS, render_report, software_versions
from doseflow.report.outputs import ReadoutOutputs, write_outputs

__all__ = ["REPORT_SECTIONS", "ReadoutOutputs", "render_report", "software_versions", "write_outputs"]
