"""Figures of the PK readout: concentration-time small multiples and dose proportionality.

- :func:`plot_concentration_time`: one panel per analyte on a log concentration axis; each
  patient's profile in light grey behind the geometric mean of each dose group (coloured by
  dose, :mod:`doseflow.readout.palette`), the legend outside the panels. A geometric mean is
  drawn only at times where every value is > 0 (a BLQ sample, counted as 0, makes it
  undefined); samples <= 0 cannot appear on a log axis and are left off the grey lines.
- :func:`plot_dose_proportionality`: ln(parameter) against ln(dose), one panel per
  parameter, with the power-model fit of
  :func:`~doseflow.readout.pk.proportionality.compute_dose_proportionality` and its slope's
  confidence limits drawn through the centroid of the data; dose ticks at the doses given.

Only records not excluded by :func:`~doseflow.readout.pk.concentrations.derive_pk_concentrations`
are drawn. Axis labels carry the units of the data (time in h, the PCSTRESU unit). Tick labels
are plain numbers (3 significant figures, never "3x10^0"). Figures are made with matplotlib's
object API (no pyplot state, no backend chosen).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, FuncFormatter, LogLocator, NullFormatter

from doseflow.errors import DataError
from doseflow.readout.palette import POOLED_COLOUR, DosePalette
from doseflow.readout.pk.nca import describe_parameter
from doseflow.readout.result import format_significant

__all__ = ["plot_concentration_time", "plot_dose_proportionality", "compute_geometric_profile"]

_GREY = "#c8c8c8"


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


def _tick(value: float, _position: object = None) -> str:
    """A tick label: at most 3 significant figures, no exponent, no trailing zeros ("50", "0.5", "1.2")."""
    text = format_significant(value)
    return text.rstrip("0").rstrip(".") if "." in text else text


def _plain_log_axis(axis) -> None:
    """Log axis with plain tick labels at 1-2-5 steps, no minor labels."""
    axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(FuncFormatter(_tick))
    axis.set_minor_formatter(NullFormatter())


def compute_geometric_profile(conc_frame: pd.DataFrame, *, by: str = "DOSE_GROUP",
                              time: str = "time_nominal") -> pd.DataFrame:
    """Geometric and arithmetic mean concentration by ``by`` and time, n counting patients.

    Parameters
    ----------
    conc_frame : pandas.DataFrame
        Columns USUBJID, ``by``, ``time``, ``conc``; ``excluded`` rows are left out.
    by, time : str
        Group and time columns.

    Returns
    -------
    pandas.DataFrame
        ``by``, ``time``, ``n`` (patients), ``geo_mean`` (NaN unless every value > 0),
        ``mean`` and ``sd`` (BLQ counted as 0), in group then time order.

    Examples
    --------
    >>> f = pd.DataFrame({"USUBJID": ["a", "b", "a", "b"], "DOSE_GROUP": "1 mg", "time_nominal": [1.0, 1, 4, 4],
    ...                   "conc": [2.0, 8.0, 1.0, 0.0]})
    >>> compute_geometric_profile(f)[["n", "geo_mean", "mean"]].values.tolist()
    [[2.0, 4.0, 5.0], [2.0, nan, 0.5]]
    """
    df = _usable(conc_frame, ("USUBJID", by, time, "conc"))
    df = df[df[time].notna() & df["conc"].notna()]
    g = df.assign(_log=np.log(df["conc"].where(df["conc"] > 0)), _pos=df["conc"] > 0).groupby(
        [by, time], observed=True, sort=True)
    out = pd.DataFrame({"n": g["USUBJID"].nunique(), "geo_mean": np.exp(g["_log"].mean()), "all_pos": g["_pos"].all(),
                        "mean": g["conc"].mean(), "sd": g["conc"].std(ddof=1)})
    out.loc[~out["all_pos"], "geo_mean"] = np.nan
    return out.drop(columns="all_pos").reset_index().astype({"n": float})


def plot_concentration_time(conc_frame: pd.DataFrame, *, by: str = "DOSE_GROUP", time: str = "time_nominal",
                            palette: DosePalette | None = None, title: str = "") -> Figure:
    """Concentration-time small multiples: one semi-log panel per analyte.

    Parameters
    ----------
    conc_frame : pandas.DataFrame
        Columns USUBJID, analyte, ``by``, ``time``, ``conc`` (``conc_unit`` for the axis
        label); one profile per patient and analyte (e.g. cycle 1).
    by : str
        Dose group column; groups are drawn in the palette's (dose) order.
    time : str
        Time column (nominal time by default, so that patients line up).
    palette : DosePalette, optional
        The readout's dose colours.
    title : str
        Figure title (e.g. "Cycle 1").

    Returns
    -------
    matplotlib.figure.Figure
        Panels side by side (two per row), grey individual profiles, one coloured geometric
        mean line per dose group, a shared legend on the right.

    Raises
    ------
    DataError
        A required column is missing or no concentration is > 0.
    """
    df = _usable(conc_frame, ("USUBJID", "analyte", by, time, "conc"))
    df = df[df[time].notna() & df["conc"].notna()]
    if not (df["conc"] > 0).any():
        raise DataError("conc_frame", "at least one measurable concentration (> 0) to plot", "none")
    analytes = sorted(df["analyte"].astype(str).unique())
    present = list(dict.fromkeys(df[by].astype(str)))
    palette = palette or DosePalette.from_groups(present)
    groups = [g for g in palette.groups if g in present] + [g for g in present if g not in palette.colours]
    cols = min(2, len(analytes))
    rows = -(-len(analytes) // cols)
    fig = Figure(figsize=(4.3 * cols + 1.6, 3.6 * rows + 0.5), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False).ravel())
    for ax, analyte in zip(axes, analytes):
        a = df[df["analyte"].astype(str) == analyte]
        pos = a[a["conc"] > 0].sort_values(["USUBJID", time])
        for _, one in pos.groupby("USUBJID", sort=False):
            ax.plot(one[time], one["conc"], color=_GREY, lw=0.6, zorder=1)
        prof = compute_geometric_profile(a, by=by, time=time)
        for g in groups:
            p = prof[prof[by].astype(str) == g]
            if len(p):
                ax.plot(p[time], p["geo_mean"], color=palette.colour(g), lw=1.8, marker="o", ms=3, zorder=3)
        ax.set_yscale("log")
        _plain_log_axis(ax.yaxis)
        unit = _unit(a, "conc_unit")
        ax.set_ylabel(f"Concentration ({unit})" if unit else "Concentration")
        ax.set_xlabel("Nominal time since dose (h)" if time == "time_nominal" else "Time since dose (h)")
        ax.set_title(f"{analyte} (n = {a['USUBJID'].nunique()} patients)", fontsize=10, loc="left")
        ax.spines[["top", "right"]].set_visible(False)
    for ax in axes[len(analytes):]:
        ax.set_visible(False)
    handles = [Line2D([], [], color=palette.colour(g), lw=1.8, marker="o", ms=3) for g in groups]
    handles.append(Line2D([], [], color=_GREY, lw=0.8))
    fig.legend(handles, groups + ["individual patients"], loc="outside right upper", fontsize=8,
               title="Geometric mean by dose", title_fontsize=8, frameon=False)
    if title:
        fig.suptitle(title, fontsize=10, x=0.0, ha="left")
    return fig


def plot_dose_proportionality(result) -> Figure:
    """ln(parameter) against ln(dose) with the power model and its slope's CI, one panel per parameter.

    Parameters
    ----------
    result : DoseProportionalityResult
        Its ``data`` (parameter, dose, value) and ``estimates`` (intercept, slope, ci_low,
        ci_high, conclusion) are drawn; its ``dose_colours`` colour the points (the
        readout's dose colours), its ``units`` and ``dose_unit`` label the axes.

    Returns
    -------
    matplotlib.figure.Figure
        Log-log panels: one point per value, the fitted line exp(a) dose^b, and dashed
        lines with the slope's confidence limits through the centroid (mean ln dose, mean
        ln value), which is on the fitted line.
    """
    est = result.estimates
    colours = dict(result.dose_colours)
    dose_unit = result.dose_unit
    n = max(len(est), 1)
    fig = Figure(figsize=(3.6 * n + 0.4, 3.9), layout="constrained")
    axes = fig.subplots(1, n, squeeze=False)[0]
    level = f"{100 * result.level:g}%"
    for ax, (_, row) in zip(axes, est.iterrows()):
        pts = result.data[result.data["parameter"] == row["parameter"]]
        ax.scatter(pts["dose"], pts["value"], s=14, zorder=3, edgecolors="white", linewidths=0.4,
                   color=[colours.get(float(d), POOLED_COLOUR) for d in pts["dose"]])
        name = describe_parameter(row["parameter"], result.units.get(row["parameter"], ""))
        if np.isfinite(row["slope"]) and len(pts):
            grid = np.geomspace(pts["dose"].min(), pts["dose"].max(), 50)
            xm, ym = np.log(pts["dose"]).mean(), np.log(pts["value"]).mean()
            ax.plot(grid, np.exp(row["intercept"]) * grid ** row["slope"], color="black", lw=1.4, label="power model")
            for b in (row["ci_low"], row["ci_high"]):
                ax.plot(grid, np.exp(ym + b * (np.log(grid) - xm)), color="black", lw=0.9, ls="--")
            ax.set_title(f"{name}\nb = {format_significant(row['slope'])} ({level} CI "
                         f"{format_significant(row['ci_low'])} to {format_significant(row['ci_high'])}), "
                         f"{row['conclusion']}", fontsize=9, loc="left")
        else:
            ax.set_title(f"{name}\n{row['flags']}", fontsize=9, loc="left")
        ax.set_xscale("log")
        ax.set_yscale("log")
        doses = sorted(pts["dose"].unique())
        ax.xaxis.set_major_locator(FixedLocator(doses))
        ax.xaxis.set_major_formatter(FuncFormatter(_tick))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.tick_params(axis="x", labelsize=8, labelrotation=45 if len(doses) > 5 else 0)
        _plain_log_axis(ax.yaxis)
        ax.set_xlabel(f"Dose ({dose_unit}, log scale)" if dose_unit else "Dose (log scale)")
        ax.set_ylabel(f"{name}, log scale")
        ax.spines[["top", "right"]].set_visible(False)
    fig.legend([Line2D([], [], color="black", lw=1.4), Line2D([], [], color="black", lw=0.9, ls="--")],
               ["fitted power model", f"{level} confidence limits of the slope b"], loc="outside lower left",
               ncols=2, fontsize=8, frameon=False)
    return fig
