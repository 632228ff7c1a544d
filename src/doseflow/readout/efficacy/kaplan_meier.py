"""Kaplan-Meier estimates with Greenwood confidence intervals and the Brookmeyer-Crowley median CI.

* Curve: Kaplan and Meier (1958, JASA 53:457-481), fitted with lifelines'
  ``KaplanMeierFitter`` (Davidson-Pilon 2019); the table keeps every distinct time
  (events and censorings), as R's ``survfit`` does.
* Pointwise confidence interval of S(t) from Greenwood's variance (Greenwood 1926) of the
  cumulative hazard, ``se(t) = sqrt(sum_{t_i <= t} d_i / (n_i (n_i - d_i)))``:

  - ``"log"`` (R ``survival::survfit`` default, ``conf.type = "log"``):
    ``S exp(-z se) .. min(1, S exp(z se))``;
  - ``"log-log"`` (SAS PROC LIFETEST default ``CONFTYPE=LOGLOG``; Kalbfleisch and Prentice
    2002, eq. 1.10): ``S^exp(z se / |log S|) .. S^exp(-z se / |log S|)``;

  where z is the 1 - alpha/2 normal quantile. Before the first event (S = 1) both bands
  are 1; where S = 0 the bands are undefined (NaN). lifelines' own
  ``confidence_interval_`` is the log-log ("exponential Greenwood") interval; the log one
  is computed here from the KM table.
* Median: the smallest t with S(t) <= 0.5. When S(t) equals 0.5 exactly on a flat
  segment, the midpoint of that segment (to the next time the curve drops, or to the last
  observed time when the curve ends flat at 0.5), as R's ``quantile.survfit`` documents
  ("a horizontal segment at exactly 1-k ... the midpoint of the horizontal segment is
  returned"), with the tolerance sqrt(machine epsilon).
* 95% CI of the median: Brookmeyer and Crowley (1982, Biometrics 38:29-41): the set of t
  whose pointwise interval for S(t) contains 0.5. Its lower limit is where the lower band
  first reaches 0.5, its upper limit where the upper band does (same midpoint rule); a
  band that never reaches 0.5 gives NaN ("not reached"), flagged. Where S(t) = 0 the lower
  band is taken as 0 for this search (its limit), so the lower limit is never after the median.

Times are in the unit of ``AVAL`` (days); months = days / 30.4375 for presentation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter
from scipy.stats import norm

from doseflow.checks import check_choice, check_probability
from doseflow.errors import DataError
from doseflow.readout.result import DAYS_PER_MONTH, AnalysisResult

__all__ = ["DAYS_PER_MONTH", "compute_km_table", "compute_km_median", "KaplanMeierResult", "estimate_km"]

_TOL = float(np.sqrt(np.finfo(float).eps))


def compute_km_table(time: Any, event: Any, *, conf_type: Literal["log", "log-log"] = "log",
                     alpha: float = 0.05) -> pd.DataFrame:
    """Kaplan-Meier table with Greenwood standard error and pointwise confidence bands.

    Parameters
    ----------
    time : array of float, >= 0
        Event or censoring times.
    event : array of {0, 1}
        1 = event observed, 0 = censored.
    conf_type : {"log", "log-log"}
        Transform of the pointwise interval (module docstring).
    alpha : float in (0, 1)
        1 - confidence level.

    Returns
    -------
    pandas.DataFrame
        One row per distinct time: time, n_risk, n_event, n_censor, surv, std_err (of the
        cumulative hazard, R's ``std.err``), lower, upper.

    Raises
    ------
    DataError
        Lengths differ, a time is negative or missing, an event indicator is not 0/1.

    Examples
    --------
    >>> t = compute_km_table([1, 2, 2, 3], [1, 1, 0, 1])
    >>> t["surv"].round(4).tolist()
    [0.75, 0.5, 0.0]
    """
    check_choice(conf_type, "conf_type", ("log", "log-log"))
    alpha = check_probability(alpha, "alpha")
    t = np.asarray(time, dtype=float)
    e = np.asarray(event, dtype=float)
    if t.shape != e.shape or t.ndim != 1:
        raise DataError("time, event", "two 1-D arrays of equal length", (t.shape, e.shape))
    if t.size == 0:
        raise DataError("time", "at least one observation", [])
    if np.isnan(t).any() or (t < 0).any():
        raise DataError("time", "numbers >= 0", t[np.isnan(t) | (t < 0)][0])
    if not np.isin(e, (0.0, 1.0)).all():
        raise DataError("event", "0 (censored) or 1 (event)", e[~np.isin(e, (0.0, 1.0))][0])
    kmf = KaplanMeierFitter().fit(t, event_observed=e)
    et = kmf.event_table
    et = et.loc[et["removed"] > 0]
    n = et["at_risk"].to_numpy(dtype=float)
    d = et["observed"].to_numpy(dtype=float)
    times = et.index.to_numpy(dtype=float)
    surv = kmf.survival_function_.iloc[:, 0].reindex(times).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        var = np.cumsum(np.where(d > 0, d / (n * (n - d)), 0.0))
    se = np.sqrt(var)
    z = norm.ppf(1 - alpha / 2)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if conf_type == "log":
            lower = surv * np.exp(-z * se)
            upper = np.minimum(1.0, surv * np.exp(z * se))
        else:
            ll = np.abs(np.log(surv))
            lower = surv ** np.exp(z * se / ll)
            upper = surv ** np.exp(-z * se / ll)
    none_yet = np.cumsum(d) == 0
    lower = np.where(none_yet, 1.0, np.where(surv > 0, lower, np.nan))
    upper = np.where(none_yet, 1.0, np.where(surv > 0, upper, np.nan))
    return pd.DataFrame({"time": times, "n_risk": n.astype(int), "n_event": d.astype(int),
                         "n_censor": (et["censored"].to_numpy()).astype(int), "surv": surv,
                         "std_err": np.where(surv > 0, se, np.nan), "lower": lower, "upper": upper})


def _first_crossing(x: np.ndarray, y: np.ndarray, p: float = 0.5) -> float:
    """Smallest x with y <= p (y a step function), midpoint rule on a flat exactly at p."""
    xmax = x[-1] if x.size else np.nan
    ok = ~np.isnan(y)
    x, y = x[ok], y[ok]
    below = np.flatnonzero(y <= p + _TOL)
    if below.size == 0:
        return float("nan")
    k = below[0]
    if abs(y[k] - p) < _TOL:
        drop = np.flatnonzero((y < y[k] - _TOL) & (np.arange(y.size) > k))
        return float((x[k] + (x[drop[0]] if drop.size else xmax)) / 2)
    return float(x[k])


def compute_km_median(table: pd.DataFrame) -> tuple[float, float, float]:
    """Median survival and its Brookmeyer-Crowley confidence limits from a KM table.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`compute_km_table` (time, surv, lower, upper).

    Returns
    -------
    (float, float, float)
        Median, lower and upper confidence limit; NaN where not reached.

    Notes
    -----
    Median = min{t: S(t) <= 0.5}, midpoint of a flat segment at exactly 0.5 (R
    ``quantile.survfit``). Limits (Brookmeyer and Crowley 1982): first t where the lower
    band <= 0.5, and first t where the upper band <= 0.5. Where S(t) = 0 the pointwise band
    is undefined (Greenwood's variance is infinite); its lower limit is taken as 0, the limit
    of S exp(-z se) as S -> 0, so the lower confidence limit of the median is never after
    the median. R's ``quantile.survfit`` drops the undefined band instead, and reports no
    lower limit when the curve falls to 0 at the median (a lower limit "not reached" above
    a reached median).

    Examples
    --------
    >>> compute_km_median(compute_km_table([1, 2, 3, 4], [1, 1, 1, 1]))[0]
    2.5
    """
    x = table["time"].to_numpy(dtype=float)
    surv = table["surv"].to_numpy(dtype=float)
    lower = np.where(surv == 0, 0.0, table["lower"].to_numpy(dtype=float))
    return (_first_crossing(x, surv), _first_crossing(x, lower),
            _first_crossing(x, table["upper"].to_numpy(dtype=float)))


@dataclass(frozen=True)
class KaplanMeierResult(AnalysisResult):
    """Kaplan-Meier estimates per group.

    Attributes
    ----------
    data : pandas.DataFrame
        One row per group: GROUP, N, EVENTS, MEDIAN, LCL, UCL (time unit of AVAL),
        MEDIAN_MONTHS, LCL_MONTHS, UCL_MONTHS, FLAGS ("median not reached", ...).
    km_table : pandas.DataFrame
        GROUP plus the columns of :func:`compute_km_table`.
    fitters : dict
        GROUP -> fitted lifelines ``KaplanMeierFitter`` (for plotting).
    """

    data: pd.DataFrame
    km_table: pd.DataFrame
    fitters: dict[str, Any]
    settings: dict[str, Any]
    title: str = "Kaplan-Meier estimate"
    methods: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    def table(self) -> pd.DataFrame:
        """Presentation table: N, events, median (months) with its CI per group."""
        d = self.data
        conf = int(round(100 * (1 - self.settings["alpha"])))

        def f(v: float) -> str:
            return "NR" if np.isnan(v) else f"{v:.1f}"

        return pd.DataFrame({
            "Group": d["GROUP"], "N": d["N"], "Events": d["EVENTS"],
            "Median (months)": [f(v) for v in d["MEDIAN_MONTHS"]],
            f"{conf}% CI (months)": [f"{f(a)}, {f(b)}" for a, b in zip(d["LCL_MONTHS"], d["UCL_MONTHS"])],
        })

    def figure(self):
        """KM curves by group with numbers at risk."""
        from doseflow.readout.efficacy.figures import plot_km

        return plot_km(self)

    def to_dict(self) -> dict[str, Any]:
        """Settings and one record per group (median and limits in days and months)."""
        return {"settings": dict(self.settings), "groups": self.data.to_dict(orient="records")}


def estimate_km(
    adtte: pd.DataFrame,
    *,
    by: str | None = None,
    conf_type: Literal["log", "log-log"] = "log",
    alpha: float = 0.05,
    time_col: str = "AVAL",
    censor_col: str = "CNSR",
    title: str | None = None,
) -> KaplanMeierResult:
    """Kaplan-Meier curves, medians and Brookmeyer-Crowley CIs from an ADTTE frame.

    Parameters
    ----------
    adtte : pandas.DataFrame
        One row per subject with ``time_col`` (days, >= 0) and ``censor_col`` (ADaM CNSR:
        0 event, 1 censored), e.g. from :func:`~doseflow.readout.efficacy.survival.derive_pfs`.
    by : str, optional
        Grouping column (DOSE_GROUP is ordered by DOSE_LEVEL when present).
    conf_type : {"log", "log-log"}
        Pointwise CI transform: "log" = R survfit default, "log-log" = SAS LIFETEST default.
    alpha : float in (0, 1)
        1 - confidence level.
    time_col, censor_col : str
        Column names.
    title : str, optional
        Title of the result (default "Kaplan-Meier estimate of <PARAM>").

    Returns
    -------
    KaplanMeierResult

    Raises
    ------
    DataError
        A column is missing, CNSR is not 0/1 or a time is negative.

    Notes
    -----
    Rows with a missing time are left out and counted in ``notes`` (never silently).

    References
    ----------
    Kaplan EL, Meier P (1958) JASA 53:457-481. Greenwood M (1926) Reports on Public Health
    33. Brookmeyer R, Crowley J (1982) Biometrics 38:29-41. Therneau T, R package survival,
    ``survfit``, ``quantile.survfit``.

    Examples
    --------
    >>> adtte = pd.DataFrame({"AVAL": [1, 2, 3, 4], "CNSR": [0, 0, 0, 0]})
    >>> float(estimate_km(adtte).data["MEDIAN"].iloc[0])
    2.5
    """
    check_choice(conf_type, "conf_type", ("log", "log-log"))
    alpha = check_probability(alpha, "alpha")
    for col in (time_col, censor_col, *((by,) if by else ())):
        if col not in adtte.columns:
            raise DataError("adtte", f"a table with column {col}", sorted(map(str, adtte.columns)))
    notes: list[str] = []
    usable = adtte[time_col].notna()
    if (~usable).any():
        notes.append(f"{int((~usable).sum())} record(s) with missing {time_col} left out (see their FLAGS).")
    d = adtte.loc[usable]
    groups: list[tuple[str, pd.DataFrame]]
    if by:
        key = d.dropna(subset=[by]).drop_duplicates(by)
        key = key.sort_values("DOSE_LEVEL" if by == "DOSE_GROUP" and "DOSE_LEVEL" in key else by)
        groups = [(str(g), d.loc[d[by] == g]) for g in key[by]]
    else:
        groups = [("All", d)]
    rows, tables, fitters = [], [], {}
    for name, g in groups:
        cnsr = g[censor_col].to_numpy(dtype=float)
        if not np.isin(cnsr, (0.0, 1.0)).all():
            raise DataError(f"adtte column {censor_col}", "0 (event) or 1 (censored)", cnsr[~np.isin(cnsr, (0, 1))][0])
        time = g[time_col].to_numpy(dtype=float)
        tab = compute_km_table(time, 1.0 - cnsr, conf_type=conf_type, alpha=alpha)
        med, lcl, ucl = compute_km_median(tab)
        flags = [msg for v, msg in ((med, "median not reached"), (lcl, "lower limit not reached"),
                                    (ucl, "upper limit not reached")) if np.isnan(v)]
        rows.append({"GROUP": name, "N": len(g), "EVENTS": int((cnsr == 0).sum()), "MEDIAN": med,
                     "LCL": lcl, "UCL": ucl, "MEDIAN_MONTHS": med / DAYS_PER_MONTH,
                     "LCL_MONTHS": lcl / DAYS_PER_MONTH, "UCL_MONTHS": ucl / DAYS_PER_MONTH,
                     "FLAGS": "; ".join(flags)})
        tables.append(tab.assign(GROUP=name))
        fitters[name] = KaplanMeierFitter(label=name).fit(time, event_observed=1.0 - cnsr)
    param = str(adtte["PARAM"].iloc[0]) if "PARAM" in adtte.columns and len(adtte) else time_col
    conf = 100 * (1 - alpha)
    methods = (f"Kaplan-Meier estimate (Kaplan and Meier 1958) of {param}; pointwise {conf:g}% CI by Greenwood's "
               f"variance on the {conf_type} scale; median = smallest time with S(t) <= 0.5 (midpoint of a flat "
               f"segment at 0.5, as R quantile.survfit); median CI by Brookmeyer and Crowley (1982). "
               f"Months = days / {DAYS_PER_MONTH}.")
    km_table = pd.concat(tables, ignore_index=True)
    km_table = km_table[["GROUP", *[c for c in km_table.columns if c != "GROUP"]]]
    return KaplanMeierResult(
        data=pd.DataFrame(rows), km_table=km_table, fitters=fitters,
        settings={"by": by, "conf_type": conf_type, "alpha": alpha, "time_col": time_col,
                  "censor_col": censor_col},
        title=title or f"Kaplan-Meier estimate of {param}", methods=methods, notes=tuple(notes))
