"""Concentration-time figures of the PK readout (matplotlib, Agg backend).

- :func:`plot_mean_concentration`: arithmetic mean (+/- SD on the linear panel) and
  geometric mean concentration against nominal time, one line per dose level, linear and
  log scale side by side. BLQ samples count as 0 in the arithmetic mean (the usual
  presentation convention, e.g. PKNCA's and admiral's mean plots); a geometric mean is
  drawn only at times where every value is > 0. Zero or negative points cannot appear on
  a log axis and are left off that panel only.
- :func:`plot_individual_profiles`: one line per subject (spaghetti), log scale, one
  panel per dose level; BLQ samples are left off (log scale) and marked in the caption.
- :func:`plot_dose_proportionality`: log(parameter) against log(dose) with the power-model
  fit of :func:`~doseflow.readout.pk.proportionality.compute_dose_proportionality`.

Only records not excluded by :func:`~doseflow.readout.pk.concentrations.derive_pk_concentrations`
are drawn. Axis labels carry the units of the data (time in h, the PCSTRESU unit). Figures are
made with matplotlib's object API (no pyplot state, no backend chosen). Groups are drawn in the
order of ``by`` (a categorical keeps its order: the readout passes dose groups in dose order).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from doseflow.errors import DataError

__all__ = ["plot_mean_concentration", "plot_individual_profiles", "plot_dose_proportionality"]


def _usable(frame: pd.DataFrame, needed: tuple[str, ...]) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise DataError("conc_frame", "a pandas DataFrame of concentrations", type(frame).__name__)
    for col in needed:
        if col not in frame.columns:
            raise DataError(f"conc_frame column {col}", "present (required: " + ", ".join(needed) + ")",
                            "missing")
    df = frame
    if "excluded" in df.columns:
        df = df[~df["excluded"].fillna(False).astype(bool)]
    return df


def _unit(frame: pd.DataFrame, col: str) -> str:
    if col not in frame.columns:
        return ""
    units = [u for u in frame[col].dropna().astype(str).unique() if u]
    return units[0] if len(units) == 1 else ("mixed units" if units else "")


def _dose_label(value: object, unit: str) -> str:
    if isinstance(value, (int, float, np.floating)) and np.isfinite(value):
        return f"{value:g} {unit}".strip()
    return str(value)


def plot_mean_concentration(conc_frame: pd.DataFrame, *, by: str = "dose",
                            time: str = "time_nominal") -> Figure:
    """Mean and geometric mean concentration-time by dose level, linear and log panels.

    Parameters
    ----------
    conc_frame : pandas.DataFrame
        Output of ``derive_pk_concentrations`` (columns ``by``, ``time``, ``conc``).
    by : str
        Dose-level column (default the interval dose).
    time : str
        Time column to average over; nominal time by default so that subjects line up.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes: linear scale (mean +/- SD, geometric mean dashed) and log scale.

    Raises
    ------
    DataError
        If a required column is missing or no record is usable.
    """
    df = _usable(conc_frame, (by, time, "conc"))
    df = df[df[time].notna() & df["conc"].notna()]
    if df.empty:
        raise DataError("conc_frame", "at least one usable concentration to plot", "none")
    cu, du = _unit(df, "conc_unit"), _unit(df, "dose_unit")
    grouped = df.groupby([by, time], observed=True)["conc"]
    stats_ = pd.DataFrame({"mean": grouped.mean(), "sd": grouped.std(ddof=1),
                           "all_pos": df.assign(_p=df["conc"] > 0).groupby([by, time], observed=True)["_p"].all()})
    logmean = df.assign(_l=np.log(df["conc"].where(df["conc"] > 0))).groupby([by, time], observed=True)["_l"].mean()
    stats_["geo_mean"] = np.where(stats_["all_pos"], np.exp(logmean), np.nan)
    fig = Figure(figsize=(11, 4.5), constrained_layout=True)
    ax_lin, ax_log = fig.subplots(1, 2)
    for i, (level, s) in enumerate(stats_.groupby(level=0, observed=True)):
        s = s.droplevel(0)
        color = f"C{i}"
        label = _dose_label(level, du)
        ax_lin.errorbar(s.index, s["mean"], yerr=s["sd"].fillna(0), color=color, marker="o", ms=3,
                        capsize=2, label=f"{label} mean (SD)")
        ax_lin.plot(s.index, s["geo_mean"], color=color, ls="--", label=f"{label} geo. mean")
        pos = s["mean"] > 0
        ax_log.plot(s.index[pos], s["mean"][pos], color=color, marker="o", ms=3, label=f"{label} mean")
        ax_log.plot(s.index, s["geo_mean"], color=color, ls="--", label=f"{label} geo. mean")
    ax_log.set_yscale("log")
    for ax, scale in ((ax_lin, "linear"), (ax_log, "log")):
        ax.set_xlabel("Nominal time since dose (h)" if time == "time_nominal" else "Time since dose (h)")
        ax.set_ylabel(f"Concentration ({cu})" if cu else "Concentration")
        ax.set_title(f"Mean concentration-time ({scale} scale)")
        ax.legend(fontsize=7)
    fig.text(0.01, 0.005, "BLQ counted as 0 in the arithmetic mean; geometric mean shown where all values > 0.",
             fontsize=7)
    return fig


def plot_individual_profiles(conc_frame: pd.DataFrame, *, by: str = "dose", time: str = "time") -> Figure:
    """Individual concentration-time profiles (spaghetti plot), log scale, one panel per dose level.

    Parameters
    ----------
    conc_frame : pandas.DataFrame
        Columns USUBJID, ``by``, ``time``, ``conc`` (BLQ as 0 are not drawn on the log axis).
    by : str
        Dose-level column.
    time : str
        Time column (actual time by default).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    DataError
        If a required column is missing or no record is usable.
    """
    df = _usable(conc_frame, ("USUBJID", by, time, "conc"))
    df = df[df[time].notna() & (df["conc"] > 0)]
    if df.empty:
        raise DataError("conc_frame", "at least one measurable concentration to plot", "none")
    cu, du = _unit(df, "conc_unit"), _unit(df, "dose_unit")
    levels = list(pd.unique(df[by]))
    fig = Figure(figsize=(5 * len(levels), 4.2), constrained_layout=True)
    axes = fig.subplots(1, len(levels), squeeze=False, sharey=True)
    keys = ["USUBJID"] + [k for k in ("analyte", "dose_number") if k in df.columns]
    for ax, level in zip(axes[0], levels):
        sub = df[df[by] == level].sort_values(keys + [time])
        # one polyline with a NaN break between profiles draws every subject in one call
        new_prof = sub[keys].ne(sub[keys].shift()).any(axis=1).to_numpy()
        x = np.insert(sub[time].to_numpy(dtype=float), np.flatnonzero(new_prof)[1:], np.nan)
        y = np.insert(sub["conc"].to_numpy(dtype=float), np.flatnonzero(new_prof)[1:], np.nan)
        ax.plot(x, y, lw=0.7, alpha=0.6, marker=".", ms=2, color="C0")
        ax.set_yscale("log")
        ax.set_title(f"Dose {_dose_label(level, du)} (n = {sub['USUBJID'].nunique()})")
        ax.set_xlabel("Time since dose (h)")
    axes[0][0].set_ylabel(f"Concentration ({cu}, log scale)" if cu else "Concentration (log scale)")
    fig.text(0.01, 0.005, "BLQ samples are not shown (log scale).", fontsize=7)
    return fig


def plot_dose_proportionality(result) -> Figure:
    """log(parameter) against log(dose) with the fitted power model, one panel per parameter.

    Parameters
    ----------
    result : DoseProportionalityResult

    Returns
    -------
    matplotlib.figure.Figure
    """
    est = result.estimates
    fig = Figure(figsize=(4.5 * max(len(est), 1), 4), constrained_layout=True)
    axes = fig.subplots(1, max(len(est), 1), squeeze=False)
    for ax, (_, row) in zip(axes[0], est.iterrows()):
        pts = result.data[result.data["parameter"] == row["parameter"]]
        ax.scatter(pts["dose"], pts["value"], s=10)
        if np.isfinite(row["slope"]):
            grid = np.geomspace(pts["dose"].min(), pts["dose"].max(), 50)
            ax.plot(grid, np.exp(row["intercept"]) * grid ** row["slope"], color="k")
            ax.set_title(f"{row['parameter']}: b = {row['slope']:.3f} "
                         f"({row['ci_low']:.3f}, {row['ci_high']:.3f}), {row['conclusion']}", fontsize=8)
        else:
            ax.set_title(f"{row['parameter']}: {row['flags']}", fontsize=8)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("Dose (log scale)")
        ax.set_ylabel(f"{row['parameter']} (log scale)")
    return fig
