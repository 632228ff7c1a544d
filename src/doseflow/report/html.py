"""The readout as one self-contained HTML page, rendered with Jinja2.

The page (template ``templates/report.html``, styles ``templates/report.css``) follows the
:class:`~doseflow.report.layout.ReportLayout`: a table of contents; the summary (paragraph
and key figures); design and conduct; population; safety; PK; efficacy; any section a
workflow adds (the demo's comparison with the published trial); the methods, each stated
once and referenced by number; the appendices, collapsed. CSS is inline and every figure is
embedded as a base64 PNG (with a link to its SVG file written beside the report by
:func:`doseflow.report.outputs.write_outputs`), so the file can be mailed or archived alone.

On screen, wide tables scroll sideways inside their box with the first column and the
pooled column fixed; in print (the browser's, or :mod:`doseflow.report.pdf`) every section
starts a page, a table is never split across pages, wide tables get landscape pages, and
the collapsed listings are left out (they are CSV files). Text is HTML-escaped (Jinja2
autoescape).
"""

from __future__ import annotations

import base64
import platform
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from importlib import metadata

from jinja2 import Environment, PackageLoader, select_autoescape

from doseflow.readout.abstract import compute_headline, write_abstract
from doseflow.readout.key_figures import tabulate_key_figures
from doseflow.readout.pipeline import Readout
from doseflow.report.figures import render_png
from doseflow.report.layout import ExtraSection, ReportLayout, layout_report

__all__ = ["SOFTWARE", "software_versions", "render_report", "build_layout"]

#: Distributions whose versions the report states.
SOFTWARE = ("doseflow", "numpy", "pandas", "scipy", "lifelines", "matplotlib", "jinja2")

_ENV = Environment(loader=PackageLoader("doseflow.report", "templates"),
                   autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
_ENV.filters["base64"] = lambda data: base64.b64encode(data).decode("ascii")


def software_versions() -> dict[str, str]:
    """Python and the installed versions of :data:`SOFTWARE` (``importlib.metadata``)."""
    out = {"python": platform.python_version()}
    for name in SOFTWARE:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def build_layout(readout: Readout, *, figures: Mapping[str, bytes] | None = None, abstract: str | None = None,
                 extra: Sequence[ExtraSection] = ()) -> ReportLayout:
    """The report's layout: figures drawn here unless given (PNG bytes per item name).

    Parameters
    ----------
    readout : Readout
        From :func:`doseflow.readout.pipeline.run_readout`.
    figures : mapping of str to bytes, optional
        PNG of each item (as ``write_outputs`` renders them); by default each result's
        ``figure()`` (and each extra section item's) is drawn here.
    abstract : str, optional
        The summary paragraph; default :func:`~doseflow.readout.abstract.write_abstract`.
    extra : sequence of ExtraSection
        Sections added before the methods.
    """
    headline = compute_headline(readout)
    if figures is None:
        figures = {}
        for name, result in [(i.name, i.result) for i in readout.items] + [it for x in extra for it in x.items]:
            fig = result.figure()
            if fig is not None:
                figures[name] = render_png(fig)
    if abstract is None:
        abstract = write_abstract(headline)
    return layout_report(readout, abstract=abstract, key_figures=tabulate_key_figures(headline), figures=figures,
                         software=software_versions(), extra=extra)


def render_report(readout: Readout, *, figures: Mapping[str, bytes] | None = None, abstract: str | None = None,
                  extra: Sequence[ExtraSection] = (), svg_links: bool = True,
                  layout: ReportLayout | None = None) -> str:
    """Render the readout as a self-contained HTML page.

    Parameters
    ----------
    readout : Readout
        From :func:`doseflow.readout.pipeline.run_readout`.
    figures, abstract, extra
        As for :func:`build_layout` (unused when ``layout`` is given).
    svg_links : bool
        Link each figure to ``figures/<name>.svg`` (written by ``write_outputs``).
    layout : ReportLayout, optional
        An already built layout (``write_outputs`` shares one with the Word document).

    Returns
    -------
    str
        The HTML document.
    """
    layout = layout or build_layout(readout, figures=figures, abstract=abstract, extra=extra)
    versions = software_versions()
    return _ENV.get_template("report.html").render(
        layout=layout, svg_links=svg_links, sdtm_dir=str(readout.sdtm_dir), version=versions["doseflow"],
        created=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))
