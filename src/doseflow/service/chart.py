"""The escalation history chart: each patient at their dose level on their enrolment day, DLTs marked.

Drawn with matplotlib's object API (``matplotlib.figure.Figure``, no pyplot, no
``matplotlib.use``) and served as SVG. Cohorts are joined left to right by a step line
through their levels, so escalation and de-escalation read as steps.
"""

from __future__ import annotations

import io

from matplotlib.figure import Figure

from doseflow.conduct.trial import Trial

__all__ = ["plot_escalation_history", "render_escalation_svg"]

_MARKERS = {True: ("X", "#c0392b", "DLT"), False: ("o", "#2e86c1", "no DLT"), None: ("o", "#bbbbbb", "pending")}


def plot_escalation_history(trial: Trial) -> Figure:
    """The chart as a :class:`matplotlib.figure.Figure` (study day on x, dose level on y)."""
    fig = Figure(figsize=(7.5, 3.2), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    plan = trial.plan
    records = trial.state.records
    cohorts: dict[int, list] = {}
    for r in records:
        cohorts.setdefault(r.cohort, []).append(r)
    path = [(min(r.enrolled_day for r in rs), rs[0].dose_level) for _, rs in sorted(cohorts.items())]
    if path:
        days, levels = zip(*path)
        ax.step(days, levels, where="post", color="#999999", linewidth=1, zorder=1)
    stacked: dict[tuple[float, int], int] = {}
    positions = []
    for r in records:  # patients of one day and level stacked upwards
        key = (r.enrolled_day, r.dose_level)
        stacked[key] = stacked.get(key, -1) + 1
        positions.append((r, r.dose_level + 0.12 * stacked[key]))
    for outcome, (marker, colour, label) in _MARKERS.items():
        chosen = [(r.enrolled_day, y) for r, y in positions if r.dlt is outcome]
        if not chosen:
            continue
        xs, ys = zip(*chosen)
        face = colour if outcome is not None else "white"
        ax.scatter(xs, ys, marker=marker, s=60, c=face, edgecolors=colour, label=label, zorder=2)
    ax.set_yticks(range(1, len(plan) + 1), [f"{i}: {lv}" for i, lv in enumerate(plan.levels, start=1)])
    ax.set_ylim(0.5, len(plan) + 0.7)
    ax.set_xlabel("study day of enrolment")
    ax.set_ylabel("dose level")
    ax.grid(axis="y", color="#eeeeee")
    if records:
        ax.legend(loc="upper left", frameon=False, fontsize=8)
    else:
        ax.text(0.5, 0.5, "no patient enrolled yet", transform=ax.transAxes, ha="center", color="#777777")
    return fig


def render_escalation_svg(trial: Trial) -> str:
    """The chart as SVG text, for embedding in a page or serving as ``image/svg+xml``."""
    buffer = io.StringIO()
    plot_escalation_history(trial).savefig(buffer, format="svg")
    text = buffer.getvalue()
    return text[text.index("<svg"):]
