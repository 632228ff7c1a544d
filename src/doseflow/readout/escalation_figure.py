"""The escalation figure: first-dose date against dose level, one marker per patient.

Drawn from an :class:`~doseflow.readout.escalation.EscalationResult` (its ``patients``,
``cohorts``, ``selection``, ``cutoff`` and ``palette``) with matplotlib's object API.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

__all__ = ["has_dlt", "plot_escalation"]

_DLT_COLOUR = "#CC0000"


def has_dlt(dlt: pd.Series) -> pd.Series:
    """True where a patient had a DLT (None or NA, not recorded, counts as no)."""
    return dlt.map(lambda v: v is not None and not pd.isna(v) and bool(v)).astype(bool)


#: Vertical offsets of patients at one level whose first doses are close in time, in turn.
_OFFSETS = np.array([0.0, 0.13, -0.13, 0.26, -0.26, 0.39, -0.39])


def _spread(p: pd.DataFrame, close_days: float) -> np.ndarray:
    """An offset per patient: the k-th patient within ``close_days`` of earlier ones at its level moves by _OFFSETS[k]."""
    out = np.zeros(len(p))
    for _, idx in p.groupby("DOSE_LEVEL").indices.items():
        day = p["day"].to_numpy()[idx]
        crowd = np.array([np.sum(np.abs(day[:i] - day[i]) < close_days) for i in range(len(idx))], dtype=int)
        out[idx] = _OFFSETS[crowd % len(_OFFSETS)]
    return out


def plot_escalation(result) -> Figure:
    """First-dose date (x) against dose level (y), one marker per patient; DLTs red; the recommended dose marked.

    Escalation patients are circles, expansion patients squares; a patient who was not
    DLT-evaluable is an open marker. Patients at the same level within a few days are spread
    vertically so that each stays visible. The recommended (or MTD) level is a grey band;
    the latest date in the data a dotted vertical line.
    """
    p = result.patients
    levels = p.drop_duplicates("DOSE_LEVEL").sort_values("DOSE_LEVEL")
    fig = Figure(figsize=(9.5, 1.3 + 0.45 * max(len(levels), 4)), layout="constrained")
    ax = fig.subplots()
    y = p["DOSE_LEVEL"].astype(float).to_numpy() + _spread(p, max(float(p["day"].max()), 1.0) / 60)
    x = p["TRTSDT"].to_numpy()
    colour = np.array([result.palette.colour(g) for g in p["DOSE_GROUP"]])
    recorded = p["dlt"].notna().any()
    expansion = (p["part"] == "expansion").to_numpy()
    evaluable = p["evaluable"].to_numpy(dtype=bool) | (not recorded)
    dlt = has_dlt(p["dlt"]).to_numpy()
    for marker, sel in (("o", ~expansion), ("s", expansion)):
        full = sel & evaluable
        ax.scatter(x[full], y[full], marker=marker, s=46, c=list(colour[full]), edgecolors="black", linewidths=0.5,
                   zorder=3)
        empty = sel & ~evaluable
        ax.scatter(x[empty], y[empty], marker=marker, s=46, facecolors="white", edgecolors=list(colour[empty]),
                   linewidths=1.2, zorder=3)
    ax.scatter(x[dlt], y[dlt], marker="x", s=70, color=_DLT_COLOUR, linewidths=2.0, zorder=4)
    ax.set_yticks(levels["DOSE_LEVEL"].astype(float), [f"{int(lv)}: {g}" for lv, g in
                                                       zip(levels["DOSE_LEVEL"], levels["DOSE_GROUP"])])
    ax.set_ylim(levels["DOSE_LEVEL"].min() - 0.7, levels["DOSE_LEVEL"].max() + 0.7)
    ax.set_ylabel("Dose level")
    ax.set_xlabel("Date of first dose")
    locator = AutoDateLocator(maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    known = p["part"].ne("").any()
    handles = [Line2D([], [], marker="o", ls="", color="#888888", markeredgecolor="black",
                      label="escalation patient" if known else "patient")]
    if expansion.any():
        handles.append(Line2D([], [], marker="s", ls="", color="#888888", markeredgecolor="black",
                              label="expansion patient"))
    if recorded:
        handles += [Line2D([], [], marker="o", ls="", markerfacecolor="white", markeredgecolor="#888888",
                           label="not DLT-evaluable"),
                    Line2D([], [], marker="x", ls="", color=_DLT_COLOUR, markeredgewidth=2, label="DLT")]
    if result.selection is not None and result.selection.dose is not None:
        ax.axhspan(result.selection.dose - 0.45, result.selection.dose + 0.45, color="#e8e8e8", zorder=0)
        handles.append(Line2D([], [], color="#e8e8e8", lw=8, label="recommended dose\n(design's selection)"))
    if not pd.isna(result.cutoff):
        ax.axvline(result.cutoff, ls=":", color="#555555", lw=1)
        handles.append(Line2D([], [], ls=":", color="#555555", label="latest date in the data"))
    fig.legend(handles=handles, loc="outside right upper", fontsize=8, frameon=False)
    n_cohorts = len(result.cohorts)
    ax.set_title(f"{len(p)} patients by dose level and date of first dose"
                 + (f"; {n_cohorts} escalation cohorts" if n_cohorts else ""), fontsize=10, loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", color="#eeeeee", zorder=0)
    return fig
