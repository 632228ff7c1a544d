"""Efficacy figures: waterfall, spider, swimmer, Kaplan-Meier with numbers at risk, BOR bars.

Conventions of oncology early-phase reporting (e.g. the waterfall plot of best percent
change with RECIST 1.1 reference lines at -30% (PR threshold, Eisenhauer et al. 2009, sec.
4.3.1) and +20% (PD threshold)); time axes in months = days / 30.4375. Every function
returns a matplotlib ``Figure`` made with the object API (no pyplot state, no backend chosen).
The functions take frames and result objects by their attributes; they import no result
module, so the result modules can call them from their ``figure()``.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter
from lifelines.plotting import add_at_risk_counts
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from doseflow import DAYS_PER_MONTH
from doseflow.errors import DataError
from doseflow.readout.palette import POOLED_COLOUR, DosePalette

__all__ = ["BOR_COLOURS", "plot_waterfall", "plot_spider", "plot_swimmer", "plot_km", "plot_bor_distribution"]

#: One colour per best overall response, in RECIST order CR > PR > SD > NON-CR/NON-PD > PD > NE >
#: MISSING (colour-blind-safe Okabe-Ito palette).
BOR_COLOURS = {"CR": "#0072B2", "PR": "#56B4E9", "SD": "#009E73", "NON-CR/NON-PD": "#F0E442",
               "PD": "#D55E00", "NE": "#999999", "MISSING": "#DDDDDD"}
#: Marker of each overall response at an assessment (swimmer plot).
_MARKERS = {"CR": "*", "PR": "^", "SD": "o", "NON-CR/NON-PD": "s", "PD": "P", "NE": "."}


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
    fig, ax = _figure(min(10.0, max(6.5, 0.12 * len(d) + 2)), 4.5)
    colours = [BOR_COLOURS.get(v, "#4C72B0") if isinstance(v, str) else "#4C72B0" for v in d["AVALC"]]
    ax.bar(np.arange(len(d)), d["BEST_PCHG"], color=colours, width=0.85)
    _recist_lines(ax)
    ax.set_xticks([])
    ax.set_xlabel(f"Subjects (n = {len(d)})")
    ax.set_ylabel("Best change from baseline in sum of diameters (%)")
    ax.set_title("Best percent change in target lesions"
                 + (f"\n{n_missing} subject(s) without an evaluable post-baseline sum not shown" if n_missing else ""),
                 fontsize=10, loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    if bor is not None:
        present = [k for k in BOR_COLOURS if k in set(d["AVALC"].dropna())]
        handles = [Rectangle((0, 0), 1, 1, color=BOR_COLOURS[k]) for k in present]
        if handles:
            ax.legend(handles, present, title="Best overall\nresponse", fontsize=8, loc="upper left",
                      bbox_to_anchor=(1.08, 1.0), frameon=False)
    return _done(fig)


def plot_spider(changes: pd.DataFrame, *, by: str | None = None, palette: DosePalette | None = None) -> Figure:
    """Spider plot: percent change from baseline over time (months), one line per subject.

    Parameters
    ----------
    changes : pandas.DataFrame
        Output of :func:`~doseflow.readout.efficacy.tumour.derive_tumour_change` (USUBJID,
        ADY, PCHG); rows without ADY or PCHG are skipped (count in the title).
    by : str, optional
        Column to colour lines by (e.g. DOSE_GROUP merged in by the caller).
    palette : DosePalette, optional
        The readout's dose colours (:mod:`doseflow.readout.palette`); by default one is made
        from the groups present, in their order of appearance.

    Returns
    -------
    matplotlib.figure.Figure
        Lines coloured by group, the legend outside the axes on the right.
    """
    _need(changes, "changes", ("USUBJID", "ADY", "PCHG", *((by,) if by else ())))
    d = changes.loc[changes["ADY"].notna() & changes["PCHG"].notna()].sort_values(["USUBJID", "ADY"])
    skipped = len(changes) - len(d)
    fig = Figure(figsize=(8.5, 4.6), layout="constrained")
    ax = fig.subplots()
    present = list(dict.fromkeys(d[by].dropna().astype(str))) if by else []
    palette = palette or DosePalette.from_groups(present)
    groups = [g for g in palette.groups if g in present] + [g for g in present if g not in palette.colours]
    for subj, g in d.groupby("USUBJID", sort=False):
        colour = palette.colour(g[by].iloc[0]) if by else POOLED_COLOUR
        ax.plot((g["ADY"] - 1) / DAYS_PER_MONTH, g["PCHG"], marker="o", ms=2.5, lw=0.9, alpha=0.8, color=colour)
    _recist_lines(ax)
    ax.set_xlabel("Months since first dose")
    ax.set_ylabel("Change from baseline in sum of diameters (%)")
    ax.set_title("Percent change in target lesions over time"
                 + (f"\n{skipped} record(s) without date or value not shown" if skipped else ""), fontsize=10, loc="left")
    if groups:
        ax.legend([Line2D([], [], color=palette.colour(g)) for g in groups], groups, fontsize=8, title="Dose group",
                  loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def _recist_lines(ax) -> None:
    """Reference lines of RECIST 1.1: +20% (PD) and -30% (PR), and 0."""
    ax.axhline(20, ls="--", lw=1, color="#D55E00")
    ax.axhline(-30, ls="--", lw=1, color="#0072B2")
    ax.axhline(0, lw=0.8, color="black")
    ax.text(1.0, 20, " +20% PD", transform=ax.get_yaxis_transform(), va="center", ha="left", fontsize=7,
            color="#D55E00", clip_on=False)
    ax.text(1.0, -30, " -30% PR", transform=ax.get_yaxis_transform(), va="center", ha="left", fontsize=7,
            color="#0072B2", clip_on=False)


def _short_ids(ids: pd.Series) -> pd.Series:
    """Subject IDs without the prefix they all share up to a separator ("GQ1001-VIRTUAL-007" -> "007")."""
    text = ids.astype(str)
    prefix = os.path.commonprefix(text.tolist())
    cut = max(prefix.rfind(sep) for sep in "-_/ .") + 1 if len(text) > 1 else 0
    return text.str[cut:] if cut and (text.str.len() > cut).all() else text


def plot_swimmer(bor: Any, adsl: pd.DataFrame, *, reference: str = "TRTSDT", end: str = "TRTEDT",
                 palette: DosePalette | None = None, max_subjects: int = 40) -> Figure:
    """Swimmer plot: time on treatment per subject, follow-up to death, response assessments.

    Parameters
    ----------
    bor : BestOverallResponse
        Its ``assessments`` give the markers (response recorded at each assessment) and its
        ``data`` the best overall response written at the end of each bar.
    adsl : pandas.DataFrame
        USUBJID, ``reference`` and ``end`` dates; DOSE_GROUP colours the bars, DTHDT marks
        deaths and LSTALVDT (or DTHDT) ends the follow-up line when present.
    reference, end : str
        Bar from ``reference`` (day 1) to ``end`` (inclusive), in months (days / 30.4375).
    palette : DosePalette, optional
        The readout's dose colours.
    max_subjects : int
        At most this many bars, the subjects with the longest treatment (the title says so),
        so that every label stays readable.

    Returns
    -------
    matplotlib.figure.Figure
        One labelled bar per subject (subject ID on the axis), sorted by time on treatment;
        a thin line from the end of treatment to death or the last date known alive.
    """
    _need(adsl, "adsl", ("USUBJID", reference, end))
    palette = palette or DosePalette()
    cols = ["USUBJID", reference, end] + [c for c in ("DTHDT", "LSTALVDT", "DOSE_GROUP") if c in adsl.columns]
    s = adsl[cols].copy()
    s["START"] = pd.to_datetime(s[reference])

    def months(dates) -> pd.Series:
        return ((pd.to_datetime(dates) - s["START"]) / pd.Timedelta(days=1) + 1) / DAYS_PER_MONTH

    s["DUR"] = months(s[end])
    s["DEATH"] = months(s["DTHDT"]) if "DTHDT" in s.columns else np.nan
    last = pd.concat([pd.to_datetime(s[c]) for c in ("LSTALVDT", "DTHDT") if c in s.columns], axis=1).max(axis=1) \
        if {"LSTALVDT", "DTHDT"} & set(s.columns) else pd.Series(pd.NaT, index=s.index)
    s["LAST"] = months(last)
    s = s.merge(bor.data[["USUBJID", "AVALC"]], on="USUBJID", how="left")
    s = s.loc[s["DUR"].notna()].sort_values("DUR", kind="stable").reset_index(drop=True)
    total = len(s)
    if total > max_subjects:
        s = s.iloc[total - max_subjects:].reset_index(drop=True)
    s["Y"] = np.arange(len(s))
    present = set(s["DOSE_GROUP"].dropna().astype(str)) if "DOSE_GROUP" in s.columns else set()
    groups = [g for g in palette.groups if g in present] + sorted(present - set(palette.groups))
    fig = Figure(figsize=(8.5, 0.24 * len(s) + 1.9), layout="constrained")
    ax = fig.subplots()
    colours = [palette.colour(g) for g in s["DOSE_GROUP"]] if groups else [POOLED_COLOUR] * len(s)
    follow = s["LAST"].where(s["LAST"] > s["DUR"])
    ax.hlines(s["Y"], s["DUR"], follow, color="#999999", lw=1.0, zorder=1)
    ax.barh(s["Y"], s["DUR"], color=colours, height=0.62, zorder=2)
    a = bor.assessments.merge(s[["USUBJID", "START", "Y"]], on="USUBJID", how="inner")
    a["X"] = ((a["ADT"] - a["START"]) / pd.Timedelta(days=1) + 1) / DAYS_PER_MONTH
    handles, labels = [], []
    for resp, mk in _MARKERS.items():
        m = a.loc[a["AVALC"] == resp]
        if len(m):
            h = ax.scatter(m["X"], m["Y"], marker=mk, s=22, color="white", edgecolors="black", linewidths=0.7,
                           zorder=3)
            handles.append(h)
            labels.append(f"{resp} at an assessment")
    dead = s.loc[s["DEATH"].notna()]
    if len(dead):
        handles.append(ax.scatter(dead["DEATH"], dead["Y"], marker="X", s=30, color="#CC0000", zorder=3))
        labels.append("death")
    right = float(np.nanmax([s["DUR"].max(), s["LAST"].max(), s["DEATH"].max(), a["X"].max() if len(a) else 0]))
    for y, dur, bor_text in zip(s["Y"], s["DUR"], s["AVALC"]):
        if isinstance(bor_text, str):
            ax.text(right * 1.02, y, bor_text, va="center", fontsize=7)
    ax.set_xlim(0, right * 1.1 + 0.1)
    ax.set_ylim(-0.7, len(s) - 0.3)
    ax.set_yticks(s["Y"], _short_ids(s["USUBJID"]).tolist(), fontsize=7)
    ax.set_ylabel("Subject")
    ax.set_xlabel("Months since first dose (bar: on treatment; grey line: follow-up)")
    shown = f"the {len(s)} subjects treated longest of {total}" if total > len(s) else f"{total} subjects"
    ax.set_title(f"Time on treatment and responses, {shown} (best overall response at the right)", fontsize=10,
                 loc="left")
    handles += [Rectangle((0, 0), 1, 1, color=palette.colour(g)) for g in groups]
    labels += groups
    if handles:
        ax.legend(handles, labels, fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def plot_km(result: Any, *, show_ci: bool = True, palette: DosePalette | None = None) -> Figure:
    """Kaplan-Meier curves (months) by group with censoring ticks and numbers at risk below.

    Parameters
    ----------
    result : KaplanMeierResult
        From :func:`~doseflow.readout.efficacy.kaplan_meier.estimate_km`.
    show_ci : bool
        Shade lifelines' pointwise (log-log) confidence band.
    palette : DosePalette, optional
        The readout's dose colours; groups not in it (the pooled group) are near-black.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = _figure(8.0, 5.2)
    palette = palette or DosePalette()
    fitted = []
    for name, kmf in result.fitters.items():
        months = KaplanMeierFitter(label=name).fit(np.asarray(kmf.durations) / DAYS_PER_MONTH,
                                                   event_observed=np.asarray(kmf.event_observed))
        months.plot_survival_function(ax=ax, ci_show=show_ci, show_censors=True, color=palette.colour(name),
                                      ci_alpha=0.15, censor_styles={"ms": 6, "marker": "|"})
        fitted.append(months)
    ax.axhline(0.5, ls=":", lw=0.8, color="grey")
    ax.set_ylim(0, 1.02)
    ax.set_xlim(left=0)
    ax.set_xlabel("Months since first dose")
    ax.set_ylabel("Probability without the event")
    ax.set_title(result.title, fontsize=10, loc="left")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    if fitted:
        add_at_risk_counts(*fitted, ax=ax, fig=fig, rows_to_show=["At risk"])
    return _done(fig)


def plot_bor_distribution(bor: Any) -> Figure:
    """Stacked bars: percentage of subjects per best overall response, by dose group."""
    counts = bor.counts()
    pct = 100 * counts / counts.sum(axis=0).replace(0, np.nan)
    fig, ax = _figure(max(5.0, 1.0 * counts.shape[1] + 3), 4.5)
    bottom = np.zeros(counts.shape[1])
    for cat in counts.index[counts.sum(axis=1) > 0]:  # a category nobody has gets no legend entry
        vals = pct.loc[cat].fillna(0).to_numpy()
        ax.bar(counts.columns, vals, bottom=bottom, color=BOR_COLOURS[cat], label=cat)
        bottom += vals
    ax.set_ylabel("Patients (%)")
    ax.set_xlabel("Dose group")
    ax.set_ylim(0, 102)
    ax.set_title(bor.title, fontsize=10, loc="left")
    ax.legend(fontsize=8, bbox_to_anchor=(1.01, 1), loc="upper left", frameon=False, title="Best overall\nresponse")
    ax.tick_params(axis="x", labelrotation=30)
    ax.spines[["top", "right"]].set_visible(False)
    return _done(fig)
