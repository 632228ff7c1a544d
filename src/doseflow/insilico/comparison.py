"""The virtual trial beside the published one: each abstract figure, one trial's value and the replicate range.

:meth:`doseflow.insilico.replicate.ReplicateStudy.compare` gives, for each figure the
GQ1001 abstract reports (:data:`doseflow.insilico.headline.PUBLISHED`), the published value,
one virtual trial's value and the distribution over the replicate study; this module shows it:

- :func:`tabulate_comparison`: the rows as a table, numbers with the figure's decimals, and
  whether the published value lies within the central 90% (5th-95th percentile) and the
  central 50% (25th-75th) of the replicates;
- :func:`plot_comparison`: one line per figure, the 5-95% range as a light bar, the 25-75%
  range as a dark bar, the median as a tick, the published value as a diamond (red where it
  falls outside the 5-95% range) and this trial's value as a circle; percentages share one
  axis, each other figure has its own.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from doseflow.insilico.headline import FIGURE_LABELS

__all__ = ["tabulate_comparison", "plot_comparison"]

_OUTSIDE = "#CC0000"


def _fixed(value: float | None, digits: int) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def tabulate_comparison(rows: Sequence[dict]) -> pd.DataFrame:
    """The comparison rows of :meth:`ReplicateStudy.compare` as a table a reader scans.

    Examples
    --------
    >>> row = {"figure": "n_dlt", "label": "Patients with a DLT, n", "published_text": "0", "observed": 0.0,
    ...        "median": 0.0, "p5": 0.0, "p25": 0.0, "p75": 0.0, "p95": 1.0, "inside_90": True, "inside_50": True}
    >>> tabulate_comparison([row]).iloc[0].tolist()
    ['Patients with a DLT, n', '0', '0', '0', '0-0', '0-1', 'yes', 'yes']
    """
    out = []
    for r in rows:
        d = FIGURE_LABELS[r["figure"]][1]
        out.append({
            "Figure": r["label"], "Published": r["published_text"], "This virtual trial": _fixed(r["observed"], d),
            "Replicates: median": _fixed(r["median"], d),
            "Replicates: 25-75%": f"{_fixed(r['p25'], d)}-{_fixed(r['p75'], d)}",
            "Replicates: 5-95%": f"{_fixed(r['p5'], d)}-{_fixed(r['p95'], d)}",
            "Published within: 5-95%": {True: "yes", False: "NO", None: "n/a"}[r["inside_90"]],
            "Published within: 25-75%": {True: "yes", False: "no", None: "n/a"}[r["inside_50"]],
        })
    return pd.DataFrame(out)


def _row(ax, y: float, r: dict) -> None:
    if r["p5"] is not None:
        ax.plot([r["p5"], r["p95"]], [y, y], color="#c6dbef", lw=7, solid_capstyle="butt", zorder=1)
        ax.plot([r["p25"], r["p75"]], [y, y], color="#4292c6", lw=7, solid_capstyle="butt", zorder=2)
        ax.plot([r["median"]] * 2, [y - 0.3, y + 0.3], color="#08306b", lw=1.5, zorder=3)
    colour = _OUTSIDE if r["inside_90"] is False else "black"
    ax.scatter([r["published"]], [y], marker="D", s=34, color=colour, zorder=4)
    if r["observed"] is not None:
        ax.scatter([r["observed"]], [y], marker="o", s=30, facecolors="white", edgecolors="#e6550d", linewidths=1.5,
                   zorder=5)


def plot_comparison(rows: Sequence[dict], *, trials: int) -> Figure:
    """One line per abstract figure: replicate ranges, the published value and this trial's value.

    Parameters
    ----------
    rows : sequence of dict
        :meth:`doseflow.insilico.replicate.ReplicateStudy.compare`.
    trials : int
        Number of replicate trials (for the title).

    Returns
    -------
    matplotlib.figure.Figure
    """
    pct = [r for r in rows if r["figure"].endswith("_pct")]
    other = [r for r in rows if not r["figure"].endswith("_pct")]
    heights = [max(len(pct), 1)] + [1] * len(other)
    fig = Figure(figsize=(9.0, 0.32 * sum(heights) + 1.6 + 0.35 * len(other)), layout="constrained")
    axes = fig.subplots(len(heights), 1, gridspec_kw={"height_ratios": heights}, squeeze=False)[:, 0]
    ax = axes[0]
    for i, r in enumerate(pct):
        _row(ax, len(pct) - 1 - i, r)
    ax.set_yticks(np.arange(len(pct))[::-1], [r["label"].removesuffix(", %") for r in pct], fontsize=8)
    ax.set_xlim(0, 100)
    ax.set_ylim(-0.7, len(pct) - 0.3)
    ax.set_xlabel("Patients (%)", fontsize=8)
    for ax, r in zip(axes[1:], other):
        _row(ax, 0, r)
        ax.set_yticks([0], [r["label"].rsplit(", ", 1)[0]], fontsize=8)
        ax.set_ylim(-0.7, 0.7)
        values = [v for v in (r["p5"], r["p95"], r["published"], r["observed"]) if v is not None]
        lo, hi = min(values), max(values)
        pad = max((hi - lo) * 0.15, 0.6)
        ax.set_xlim(max(lo - pad, 0) if lo >= 0 else lo - pad, hi + pad)
        ax.set_xlabel(r["label"].rsplit(", ", 1)[-1], fontsize=8, labelpad=1)
    for ax in axes:
        ax.tick_params(axis="x", labelsize=8)
        ax.spines[["top", "right"]].set_visible(False)
        ax.grid(axis="x", color="#eeeeee", zorder=0)
    handles = [Line2D([], [], color="#c6dbef", lw=7, label=f"5-95% of {trials} virtual trials"),
               Line2D([], [], color="#4292c6", lw=7, label="25-75%"),
               Line2D([], [], color="#08306b", lw=1.5, label="median"),
               Line2D([], [], marker="D", ls="", color="black", label="published"),
               Line2D([], [], marker="D", ls="", color=_OUTSIDE, label="published, outside 5-95%"),
               Line2D([], [], marker="o", ls="", markerfacecolor="white", markeredgecolor="#e6550d",
                      markeredgewidth=1.5, label="this virtual trial")]
    fig.legend(handles=handles, loc="outside lower center", ncols=3, fontsize=8, frameon=False)
    return fig
