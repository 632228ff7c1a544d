"""Efficacy figures: waterfall, spider, swimmer, Kaplan-Meier with numbers at risk, BOR bars.

Conventions of oncology early-phase reporting (e.g. the waterfall plot of best percent
change with RECIST 1.1 reference lines at -30% (PR threshold, Eisenhauer et al. 2009, sec.
4.3.1) and +20% (PD threshold)); time axes in months = days / 30.4375. Every function
returns a matplotlib ``Figure`` made with the object API (no pyplot state, no backend chosen).
The functions take frames and result objects by their attributes; they import no result
module, so the result modules can call them from their ``figure()``.
"""

from __future__ import annotations

from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter
from lifelines.plotting import add_at_risk_counts
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from doseflow import DAYS_PER_MONTH
from doseflow.errors import DataError

__all__ = ["BOR_COLOURS", "plot_waterfall", "plot_spider", "plot_swimmer", "plot_km", "plot_bor_distribution"]

#: One colour per best overall response, in RECIST order CR > PR > SD > NON-CR/NON-PD > PD > NE >
#: MISSING (colour-blind-safe Okabe-Ito palette).
BOR_COLOURS = {"CR": "#0072B2", "PR": "#56B4E9", "SD": "#009E73", "NON-CR/NON-PD": "#F0E442",
               "PD": "#D55E00", "NE": "#999999", "MISSING": "#DDDDDD"}


def _need(frame: pd.DataFrame, name: str, columns: tuple[str, ...]) -> None:
    for c in columns:
        if c not in frame.columns:
            raise DataError(name, f"a table with column {c}", sorted(map(str, frame.columns)))


def _done(fig: Figure) -> Figure:
    fig.tight_layout()
    return fig


def _figure(width: float, height: float) -> tuple[Figure, Any]:
    fig = Figure(figsize=(width, height))
    return fig, fig.subplots()


def plot_waterfall(best: pd.DataFrame, bor: Any = None) -> Figure:
    """Waterfall plot: one bar per subject, best percent change in the sum of diameters.

    Parameters
    ----------
    best : pandas.DataFrame
        Output of :func:`~doseflow.readout.efficacy.tumour.derive_best_percent_change`.
    bor : BestOverallResponse or DataFrame, optional
        Colours the bars by best overall response (USUBJID, AVALC).

    Returns
    -------
    matplotlib.figure.Figure
        Bars in decreasing order, dashed lines at +20% and -30%; subjects without an
        evaluable post-baseline sum are counted in the subtitle, not drawn.
    """
    _need(best, "best", ("USUBJID", "BEST_PCHG"))
    d = best.loc[best["BEST_PCHG"].notna()].copy()
    n_missing = int(best["BEST_PCHG"].isna().sum())
    if bor is not None:
        bd = bor.data if hasattr(bor, "data") else bor
        d = d.merge(bd[["USUBJID", "AVALC"]], on="USUBJID", how="left")
    else:
        d["AVALC"] = None
    d = d.sort_values("BEST_PCHG", ascending=False, kind="stable").reset_index(drop=True)
    fig, ax = _figure(max(6.0, 0.12 * len(d) + 2), 4.5)
    colours = [BOR_COLOURS.get(v, "#4C72B0") if isinstance(v, str) else "#4C72B0" for v in d["AVALC"]]
    ax.bar(np.arange(len(d)), d["BEST_PCHG"], color=colours, width=0.85)
    ax.axhline(20, ls="--", lw=1, color="#D55E00")
    ax.axhline(-30, ls="--", lw=1, color="#0072B2")
    ax.axhline(0, lw=0.8, color="black")
    ax.set_xticks([])
    ax.set_xlabel(f"Subjects (n = {len(d)})")
    ax.set_ylabel("Best change from baseline in sum of diameters (%)")
    ax.set_title("Best percent change in target lesions"
                 + (f"\n{n_missing} subject(s) without an evaluable post-baseline sum not shown" if n_missing else ""),
                 fontsize=10)
    if bor is not None:
        present = [k for k in BOR_COLOURS if k in set(d["AVALC"].dropna())]
        handles = [Rectangle((0, 0), 1, 1, color=BOR_COLOURS[k]) for k in present]
        if handles:
            ax.legend(handles, present, title="BOR", fontsize=8, loc="upper right")
    return _done(fig)


def plot_spider(changes: pd.DataFrame, *, by: str | None = None) -> Figure:
    """Spider plot: percent change from baseline over time (months), one line per subject.

    Parameters
    ----------
    changes : pandas.DataFrame
        Output of :func:`~doseflow.readout.efficacy.tumour.derive_tumour_change` (USUBJID,
        ADY, PCHG); rows without ADY or PCHG are skipped (count in the title).
    by : str, optional
        Column to colour lines by (e.g. DOSE_GROUP merged in by the caller).

    Returns
    -------
    matplotlib.figure.Figure
    """
    _need(changes, "changes", ("USUBJID", "ADY", "PCHG", *((by,) if by else ())))
    d = changes.loc[changes["ADY"].notna() & changes["PCHG"].notna()].sort_values(["USUBJID", "ADY"])
    skipped = len(changes) - len(d)
    fig, ax = _figure(7, 4.5)
    groups = sorted(d[by].dropna().astype(str).unique()) if by else []
    cmap = matplotlib.colormaps["tab10"]
    colour_of = {g: cmap(i % 10) for i, g in enumerate(groups)}
    for subj, g in d.groupby("USUBJID", sort=False):
        colour = colour_of.get(str(g[by].iloc[0]), "#4C72B0") if by else "#4C72B0"
        ax.plot((g["ADY"] - 1) / DAYS_PER_MONTH, g["PCHG"], marker="o", ms=2.5, lw=0.8, alpha=0.7, color=colour)
    ax.axhline(20, ls="--", lw=1, color="#D55E00")
    ax.axhline(-30, ls="--", lw=1, color="#0072B2")
    ax.axhline(0, lw=0.8, color="black")
    ax.set_xlabel("Months from first dose")
    ax.set_ylabel("Change from baseline in sum of diameters (%)")
    ax.set_title("Percent change in target lesions over time"
                 + (f"\n{skipped} record(s) without date or value not shown" if skipped else ""), fontsize=10)
    if groups:
        ax.legend([Line2D([], [], color=colour_of[g]) for g in groups], groups, fontsize=8)
    return _done(fig)


def plot_swimmer(bor: Any, adsl: pd.DataFrame, *, reference: str = "TRTSDT",
                 end: str = "TRTEDT") -> Figure:
    """Swimmer plot: time on treatment per subject with response assessments as markers.

    Parameters
    ----------
    bor : BestOverallResponse
        Its ``assessments`` give the markers (response recorded at each assessment).
    adsl : pandas.DataFrame
        USUBJID, ``reference`` and ``end`` dates; DTHDT marks deaths when present.
    reference, end : str
        Bar from ``reference`` (day 1) to ``end`` (inclusive), in months.

    Returns
    -------
    matplotlib.figure.Figure
        Subjects sorted by bar length; bar colour = best overall response.
    """
    _need(adsl, "adsl", ("USUBJID", reference, end))
    s = adsl[["USUBJID", reference, end, *(("DTHDT",) if "DTHDT" in adsl.columns else ())]].copy()
    s["START"] = pd.to_datetime(s[reference])
    s["DUR"] = ((pd.to_datetime(s[end]) - s["START"]) / pd.Timedelta(days=1) + 1) / DAYS_PER_MONTH
    s = s.merge(bor.data[["USUBJID", "AVALC"]], on="USUBJID", how="left")
    s = s.loc[s["DUR"].notna()].sort_values("DUR", kind="stable").reset_index(drop=True)
    s["Y"] = np.arange(len(s))
    fig, ax = _figure(7, max(3.0, 0.12 * len(s) + 1.5))
    ax.barh(s["Y"], s["DUR"], color=[BOR_COLOURS.get(v, "#DDDDDD") for v in s["AVALC"]], height=0.8)
    a = bor.assessments.merge(s[["USUBJID", "START", "Y"]], on="USUBJID", how="inner")
    a["X"] = ((a["ADT"] - a["START"]) / pd.Timedelta(days=1) + 1) / DAYS_PER_MONTH
    markers = {"CR": "*", "PR": "^", "SD": "o", "NON-CR/NON-PD": "s", "PD": "X", "NE": "."}
    for resp, mk in markers.items():
        m = a.loc[a["AVALC"] == resp]
        if len(m):
            ax.scatter(m["X"], m["Y"], marker=mk, s=18, color="black", label=resp, zorder=3)
    if "DTHDT" in s.columns:
        dead = s.loc[s["DTHDT"].notna()]
        x = ((pd.to_datetime(dead["DTHDT"]) - dead["START"]) / pd.Timedelta(days=1) + 1) / DAYS_PER_MONTH
        if len(dead):
            ax.scatter(x, dead["Y"], marker="D", s=18, color="#CC0000", label="death", zorder=3)
    ax.set_yticks([])
    ax.set_ylabel(f"Subjects (n = {len(s)})")
    ax.set_xlabel("Months on treatment")
    ax.set_title("Time on treatment and responses (bar colour: best overall response)", fontsize=10)
    if len(a) or "DTHDT" in s.columns:
        ax.legend(fontsize=7, loc="lower right")
    return _done(fig)


def plot_km(result: Any, *, show_ci: bool = True) -> Figure:
    """Kaplan-Meier curves (months) by group with censoring ticks and numbers at risk below.

    Parameters
    ----------
    result : KaplanMeierResult
        From :func:`~doseflow.readout.efficacy.kaplan_meier.estimate_km`.
    show_ci : bool
        Shade lifelines' pointwise (log-log) confidence band.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = _figure(7, 5)
    fitted = []
    for name, kmf in result.fitters.items():
        months = KaplanMeierFitter(label=name).fit(np.asarray(kmf.durations) / DAYS_PER_MONTH,
                                                   event_observed=np.asarray(kmf.event_observed))
        months.plot_survival_function(ax=ax, ci_show=show_ci, show_censors=True,
                                      censor_styles={"ms": 5, "marker": "|"})
        fitted.append(months)
    ax.axhline(0.5, ls=":", lw=0.8, color="grey")
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("Months")
    ax.set_ylabel("Probability")
    ax.set_title(result.title, fontsize=10)
    if fitted:
        add_at_risk_counts(*fitted, ax=ax, fig=fig, rows_to_show=["At risk"])
    return _done(fig)


def plot_bor_distribution(bor: Any) -> Figure:
    """Stacked bars: percentage of subjects per best overall response, by dose group."""
    counts = bor.counts()
    pct = 100 * counts / counts.sum(axis=0).replace(0, np.nan)
    fig, ax = _figure(max(5.0, 1.0 * counts.shape[1] + 3), 4.5)
    bottom = np.zeros(counts.shape[1])
    for cat in counts.index:
        vals = pct.loc[cat].fillna(0).to_numpy()
        ax.bar(counts.columns, vals, bottom=bottom, color=BOR_COLOURS[cat], label=cat)
        bottom += vals
    ax.set_ylabel("Subjects (%)")
    ax.set_title(bor.title, fontsize=10)
    ax.legend(fontsize=7, bbox_to_anchor=(1.01, 1), loc="upper left")
    ax.tick_params(axis="x", labelrotation=30)
    return _done(fig)
