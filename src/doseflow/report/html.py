"""The readout as one self-contained HTML page, rendered with Jinja2.

The page (template ``templates/report.html``) has a table of contents and the sections
summary, population, safety, PK, efficacy, methods, inputs, notes and software. CSS is
inline and every figure is embedded as a base64 PNG (with a link to its SVG file written
beside the report by :func:`doseflow.report.outputs.write_outputs`), so the file can be
mailed or archived alone. Tables longer than ``max_rows`` show their first rows and point
to the full CSV. Text is HTML-escaped (Jinja2 autoescape; pandas ``to_html`` escapes cells).
"""

from __future__ import annotations

import base64
import io
import platform
from collections.abc import Mapping
from datetime import datetime, timezone
from importlib import metadata

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from jinja2 import Environment, PackageLoader, select_autoescape  # noqa: E402
from markupsafe import Markup  # noqa: E402

from doseflow.readout.abstract import compute_headline, write_abstract  # noqa: E402
from doseflow.readout.pipeline import SECTIONS, Readout  # noqa: E402

__all__ = ["REPORT_SECTIONS", "SOFTWARE", "software_versions", "render_png", "render_report"]

#: Section id -> heading, in page order (the browser test checks every heading).
REPORT_SECTIONS: dict[str, str] = {
    "summary": "Summary", "population": "Population and exposure", "safety": "Safety",
    "pk": "Pharmacokinetics", "efficacy": "Efficacy", "methods": "Methods", "inputs": "Inputs",
    "notes": "Notes and warnings", "software": "Software",
}
#: Distributions whose versions the report states.
SOFTWARE = ("doseflow", "numpy", "pandas", "scipy", "lifelines", "matplotlib", "jinja2")

_ENV = Environment(loader=PackageLoader("doseflow.report", "templates"),
                   autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)


def software_versions() -> dict[str, str]:
    """Python and the installed versions of :data:`SOFTWARE` (``importlib.metadata``)."""
    out = {"python": platform.python_version()}
    for name in SOFTWARE:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def render_png(figure, *, dpi: int = 100) -> bytes:
    """A matplotlib figure as PNG bytes (the figure is closed)."""
    buf = io.BytesIO()
    figure.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(figure)
    return buf.getvalue()


def _table_html(frame, max_rows: int) -> tuple[Markup, int]:
    shown = frame.head(max_rows)
    html = shown.to_html(index=False, na_rep="", border=0, classes="data", float_format=lambda v: f"{v:.4g}")
    return Markup(html), len(frame)


def render_report(readout: Readout, *, figures: Mapping[str, bytes] | None = None, abstract: str | None = None,
                  svg_links: bool = True, max_rows: int = 60) -> str:
    """Render the readout as a self-contained HTML page.

    Parameters
    ----------
    readout : Readout
        From :func:`doseflow.readout.pipeline.run_readout`.
    figures : mapping of str to bytes, optional
        PNG bytes per item name, when already rendered (as ``write_outputs`` does); by
        default each result's ``figure()`` is drawn here.
    abstract : str, optional
        The summary paragraph; default :func:`~doseflow.readout.abstract.write_abstract`.
    svg_links : bool
        Link each figure to ``figures/<name>.svg`` (written by ``write_outputs``).
    max_rows : int
        Rows of a table shown on the page; the CSV has all of them.

    Returns
    -------
    str
        The HTML document.
    """
    if figures is None:
        figures = {}
        for item in readout.items:
            fig = item.result.figure()
            if fig is not None:
                figures[item.name] = render_png(fig)
    if abstract is None:
        abstract = write_abstract(compute_headline(readout))
    sections = {}
    for sec in SECTIONS:
        entries = []
        for item in readout.section(sec):
            table, n_rows = _table_html(item.result.table(), max_rows)
            png = figures.get(item.name)
            entries.append({"name": item.name, "title": item.result.title, "table": table, "n_rows": n_rows,
                            "max_rows": max_rows, "notes": list(item.result.notes),
                            "png": base64.b64encode(png).decode("ascii") if png else None})
        sections[sec] = entries
    files = [{"stem": stem, "name": f.path.name, "domain": f.domain or "", "format": f.format, "rows": f.rows,
              "sha256": f.sha256, "used": readout.chosen.get((f.domain or "").lower()) == stem}
             for stem, f in sorted(readout.files.items())]
    studies = readout.adsl["STUDYID"].dropna().astype(str).unique() if "STUDYID" in readout.adsl else []
    study = ", ".join(studies) if len(studies) else readout.sdtm_dir.name
    template = _ENV.get_template("report.html")
    return template.render(
        title=f"Readout of {study}", headings=REPORT_SECTIONS, abstract=abstract,
        sections=sections, items=readout.items, files=files, dataset_notes=readout.dataset_notes,
        notes=readout.notes, config=readout.config.to_dict(), software=software_versions(),
        svg_links=svg_links, sdtm_dir=str(readout.sdtm_dir),
        created=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))
