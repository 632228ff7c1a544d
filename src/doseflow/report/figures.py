"""Figures to files: PNG and SVG bytes of a matplotlib ``Figure`` made with the object API.

No backend is chosen and no pyplot state is touched: ``Figure.savefig`` renders through the
canvas matching the file format (Agg for PNG), so importing doseflow never calls
``matplotlib.use``. Figures are saved at their size (``bbox_inches="tight"`` trims the white
margin), so a figure is shown at most at its natural width and stays readable.
"""

from __future__ import annotations

import io

from matplotlib.figure import Figure

__all__ = ["FIGURE_DPI", "render_png", "render_svg"]

#: Resolution of the PNG files and of the figures embedded in the report.
FIGURE_DPI = 110


def render_png(figure: Figure, *, dpi: int = FIGURE_DPI) -> bytes:
    """A figure as PNG bytes."""
    buf = io.BytesIO()
    figure.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    return buf.getvalue()


def render_svg(figure: Figure) -> bytes:
    """A figure as SVG bytes (vector)."""
    buf = io.BytesIO()
    figure.savefig(buf, format="svg", bbox_inches="tight")
    return buf.getvalue()
