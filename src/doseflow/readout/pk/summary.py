"""Descriptive statistics of NCA parameters by dose level, and dose proportionality.

Summary statistics per parameter and dose level (values that are NaN are counted in
``n_missing``, never silently left out):

- ``n``, arithmetic mean, SD (n - 1 denominator), CV% = 100 SD / mean, median, min, max;
- geometric mean ``exp(mean(log x))`` and geometric CV% ``100 sqrt(exp(s^2) - 1)`` where
  ``s`` is the SD of ``log x`` (Kirkwood 1979; PKNCA ``business.geomean``/``geocv``). They
  are undefined (NaN, flagged) when any value is <= 0, and not computed for times (TMAX,
  TLST, LAMZLL, LAMZUL), which are summarised by median and range as is customary.

Dose proportionality by the power model ``log(P) = a + b log(Dose) + e`` fitted by least
squares over individual values (Gough et al. 1995; Smith et al. 2000). The (1 - alpha) CI
of ``b`` uses the t distribution with n - 2 degrees of freedom. With ``r`` the ratio of the
highest to the lowest dose and acceptance limits ``(theta_L, theta_H)`` (0.80, 1.25 by
default) for the ratio of dose-normalised geometric means, Smith et al. (2000, eq. 5)
give the critical region ``1 + ln(theta_L)/ln(r) < b < 1 + ln(theta_H)/ln(r)``:
proportionality is concluded when the whole CI lies inside it, rejected when the whole CI
lies outside, and inconclusive otherwise. The ratio of dose-normalised geometric means at
the highest and lowest dose is estimated as ``r^(b - 1)`` with CI ``r^(CI(b) - 1)``.

References
----------
Gough K, Hutchison M, Keene O, et al. (1995). Assessment of dose proportionality: report
from the statisticians in the pharmaceutical industry/pharmacokinetics UK joint working
party. Drug Inf J 29:1039-1048.
Smith BP, Vandenhende FR, DeSante KA, et al. (2000). Confidence interval criteria for
assessment of dose proportionality. Pharm Res 17(10):1278-1283.
Kirkwood TBL (1979). Geometric means and measures of dispersion. Biometrics 35:908-909.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from doseflow.checks import check_probability, check_real
from doseflow.errors import DataError, InputError
from doseflow.readout.pk.nca import NCAResult
from doseflow.readout.result import AnalysisResult

__all__ = ["tabulate_pk_summary", "compute_dose_proportionality", "compute_geometric_stats",
           "PKSummaryResult", "DoseProportionalityResult"]

_TIME_PARAMS = {"TMAX", "TLST", "LAMZLL", "LAMZUL"}


def compute_geometric_stats(values: np.ndarray) -> tuple[float, float]:
    """Geometric mean and geometric CV% of positive values.

    Returns (NaN, NaN) if any value is <= 0 or there are no values; the CV% needs two.

    Examples
    --------
    >>> gm, gcv = compute_geometric_stats(np.array([1.0, 10.0, 100.0]))
    >>> round(gm, 10), round(gcv, 2)
    (10.0, 1413.21)
    """
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0 or (x <= 0).any():
        return np.nan, np.nan
    logs = np.log(x)
    gm = float(np.exp(logs.mean()))
    gcv = float(100.0 * np.sqrt(np.expm1(logs.std(ddof=1) ** 2))) if x.size > 1 else np.nan
    return gm, gcv


def _parameters_frame(data: NCAResult | pd.DataFrame) -> pd.DataFrame:
    frame = data.parameters if isinstance(data, NCAResult) else data
    if not isinstance(frame, pd.DataFrame):
        raise DataError("parameters", "an NCAResult or its long parameters frame", type(frame).__name__)
    for col in ("PPTESTCD", "value"):
        if col not in frame.columns:
            raise DataError(f"parameters column {col}", "present (required: PPTESTCD, value)", "missing")
    return frame


@dataclass(frozen=True)
class PKSummaryResult(AnalysisResult):
    """Descriptive statistics of NCA parameters by dose level (see module docstring)."""

    statistics: pd.DataFrame
    by: str
    title: str = "Summary of PK parameters by dose level"
    methods: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    def table(self) -> pd.DataFrame:
        labels = {"n": "n", "n_missing": "n missing", "geo_mean": "Geo. mean", "geo_cv": "Geo. CV%",
                  "mean": "Mean", "sd": "SD", "cv": "CV%", "median": "Median", "min": "Min", "max": "Max"}
        return self.statistics.rename(columns=labels)

    def to_dict(self) -> dict:
        return {"by": self.by, "statistics": self.statistics.to_dict(orient="records")}


def tabulate_pk_summary(data: NCAResult | pd.DataFrame, *, by: str = "dose",
                        parameters: Sequence[str] | None = None) -> PKSummaryResult:
    """Summarise NCA parameters by dose level.

    Parameters
    ----------
    data : NCAResult or pandas.DataFrame
        An NCA result or its long ``parameters`` frame (PPTESTCD, value, unit, ``by``).
    by : str
        Grouping column, e.g. "dose" (EXDOSE of the interval) or "DOSE_GROUP" (from ADSL).
    parameters : sequence of str, optional
        PPTESTCD codes to summarise (default: all present), in that order.

    Returns
    -------
    PKSummaryResult
        ``statistics``: one row per parameter and dose level with n, n_missing,
        geo_mean, geo_cv, mean, sd, cv, median, min, max and flags.

    Raises
    ------
    DataError
        If the frame lacks PPTESTCD, value or the ``by`` column.

    Examples
    --------
    >>> df = pd.DataFrame({"PPTESTCD": "CMAX", "unit": "ng/mL", "dose": [10.0, 10.0, 10.0],
    ...                    "value": [1.0, 10.0, 100.0]})
    >>> s = tabulate_pk_summary(df).statistics.iloc[0]
    >>> int(s["n"]), round(float(s["geo_mean"]), 6), float(s["median"]), float(s["mean"])
    (3, 10.0, 10.0, 37.0)
    """
    frame = _parameters_frame(data)
    if by not in frame.columns:
        raise DataError(f"parameters column {by}", "present to group by", "missing")
    codes = list(parameters) if parameters is not None else list(dict.fromkeys(frame["PPTESTCD"]))
    unknown = [c for c in codes if c not in set(frame["PPTESTCD"])]
    if unknown:
        raise InputError("parameters", "PPTESTCD codes present in the NCA result", unknown)
    sub = frame[frame["PPTESTCD"].isin(codes)].copy()
    sub["value"] = pd.to_numeric(sub["value"], errors="coerce").astype(float)
    if "unit" not in sub:
        sub["unit"] = ""
    grouped = sub.groupby(["PPTESTCD", by], sort=False, dropna=False)
    val = grouped["value"]
    out = pd.DataFrame({
        "n": val.count(),
        "n_missing": val.size() - val.count(),
        "mean": val.mean(),
        "sd": val.std(ddof=1),
        "median": val.median(),
        "min": val.min(),
        "max": val.max(),
        "unit": grouped["unit"].first(),
    })
    out["cv"] = 100.0 * out["sd"] / out["mean"]
    logs = sub.assign(_log=np.log(sub["value"].where(sub["value"] > 0)),
                      _nonpos=(sub["value"] <= 0)).groupby(["PPTESTCD", by], sort=False, dropna=False)
    n_nonpos = logs["_nonpos"].sum()
    out["geo_mean"] = np.exp(logs["_log"].mean())
    out["geo_cv"] = 100.0 * np.sqrt(np.expm1(logs["_log"].std(ddof=1) ** 2))
    flags = np.where(n_nonpos > 0, np.char.mod("geometric statistics undefined: %d value(s) <= 0",
                                               n_nonpos.to_numpy()), "").astype(object)
    out.loc[n_nonpos.to_numpy() > 0, ["geo_mean", "geo_cv"]] = np.nan
    is_time = out.index.get_level_values("PPTESTCD").isin(list(_TIME_PARAMS))
    out.loc[is_time, ["geo_mean", "geo_cv"]] = np.nan
    flags = np.where(is_time, "time parameter: median and range", flags)
    out["flags"] = flags
    out = out.reset_index()
    out["_order"] = out["PPTESTCD"].map({c: i for i, c in enumerate(codes)})
    out = out.sort_values(["_order", by], kind="mergesort").drop(columns="_order").reset_index(drop=True)
    out = out[["PPTESTCD", "unit", by, "n", "n_missing", "geo_mean", "geo_cv", "mean", "sd", "cv",
               "median", "min", "max", "flags"]]
    methods = ("Per parameter and dose level: n, geometric mean exp(mean log x), geometric CV% "
               "100 sqrt(exp(s_log^2) - 1), arithmetic mean, SD, CV%, median, min and max; NaN values "
               "counted as missing; geometric statistics undefined when a value is <= 0 and not "
               "given for times.")
    notes = (f"{int(out['n_missing'].sum())} parameter value(s) missing (NaN) were not summarised.",) \
        if out["n_missing"].sum() else ()
    return PKSummaryResult(statistics=out, by=by, methods=methods, notes=notes)


@dataclass(frozen=True)
class DoseProportionalityResult(AnalysisResult):
    """Power-model dose proportionality per parameter (Smith et al. 2000)."""

    estimates: pd.DataFrame
    data: pd.DataFrame
    level: float
    theta: tuple[float, float]
    title: str = "Dose proportionality (power model)"
    methods: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    def table(self) -> pd.DataFrame:
        return self.estimates

    def to_dict(self) -> dict:
        return {"level": self.level, "theta": list(self.theta),
                "estimates": self.estimates.to_dict(orient="records")}

    def figure(self):
        """log(parameter) against log(dose) with the fitted power model, one panel each."""
        from doseflow.readout.pk.figures import plot_dose_proportionality
        return plot_dose_proportionality(self)


def compute_dose_proportionality(
    data: NCAResult | pd.DataFrame,
    parameters: Sequence[str] = ("CMAX", "AUCLST", "AUCIFO"),
    *,
    level: float = 0.90,
    theta: tuple[float, float] = (0.80, 1.25),
    dose: str = "dose",
) -> DoseProportionalityResult:
    """Fit the power model ``log(P) = a + b log(Dose)`` and judge proportionality (Smith 2000).

    Parameters
    ----------
    data : NCAResult or pandas.DataFrame
        NCA result or its long parameters frame (PPTESTCD, value, ``dose`` column).
    parameters : sequence of str
        PPTESTCD codes to assess (exposure parameters: CMAX, AUCLST, AUCIFO, ...).
    level : float in (0, 1)
        Confidence level of the CI of ``b`` (0.90 as Smith et al. 2000).
    theta : (float, float)
        Acceptance limits (theta_L < 1 < theta_H) for the ratio of dose-normalised
        geometric means of the highest to the lowest dose.
    dose : str
        Column holding the dose (> 0) of each value.

    Returns
    -------
    DoseProportionalityResult
        ``estimates``: parameter, n, n_doses, dose_ratio, intercept, slope (b), se,
        ci_low, ci_high, critical_low, critical_high, ratio (r^(b-1)), ratio_ci_low,
        ratio_ci_high, conclusion ("proportional", "not proportional", "inconclusive"),
        flags. Rows that cannot be estimated (one dose level, fewer than 3 positive
        values) are NaN with the reason in ``flags``.

    Raises
    ------
    InputError
        ``level`` or ``theta`` out of range.
    DataError
        The frame lacks PPTESTCD, value or the dose column.

    Notes
    -----
    ``b`` and its standard error are those of ordinary least squares of ``log P`` on
    ``log Dose``; CI ``b +/- t(1 - alpha/2, n - 2) SE(b)``. Values <= 0 or NaN cannot be
    logged; they are left out and counted in ``flags``.

    References
    ----------
    Smith et al. (2000), Pharm Res 17:1278, equations 3-5; Gough et al. (1995).

    Examples
    --------
    Exactly proportional data give b = 1:

    >>> df = pd.DataFrame({"PPTESTCD": "AUCLST", "dose": [1.0, 2, 4, 1, 2, 4],
    ...                    "value": [3.0, 6, 12, 3, 6, 12]})
    >>> row = compute_dose_proportionality(df, ["AUCLST"]).estimates.iloc[0]
    >>> round(float(row["slope"]), 10), row["conclusion"]
    (1.0, 'proportional')
    """
    level = check_probability(level, "level", error=InputError)
    if not (isinstance(theta, (tuple, list)) and len(theta) == 2):
        raise InputError("theta", "a pair (theta_L, theta_H) with theta_L < 1 < theta_H", theta)
    th_l = check_real(theta[0], "theta[0]", minimum=0.0, maximum=1.0, strict=True, error=InputError)
    th_h = check_real(theta[1], "theta[1]", minimum=1.0, strict=True, error=InputError)
    frame = _parameters_frame(data)
    if dose not in frame.columns:
        raise DataError(f"parameters column {dose}", "present (the dose of each value)", "missing")
    rows, used = [], []
    for code in parameters:  # a handful of parameters, not patients
        sub = frame[frame["PPTESTCD"] == code]
        x = pd.to_numeric(sub[dose], errors="coerce").to_numpy(dtype=float)
        y = pd.to_numeric(sub["value"], errors="coerce").to_numpy(dtype=float)
        ok = np.isfinite(x) & np.isfinite(y) & (x > 0) & (y > 0)
        flags = []
        if (~ok).sum():
            flags.append(f"{int((~ok).sum())} value(s) missing, <= 0 or with dose <= 0 left out")
        lx, ly = np.log(x[ok]), np.log(y[ok])
        n, n_doses = int(ok.sum()), int(np.unique(x[ok]).size)
        r = float(x[ok].max() / x[ok].min()) if n else np.nan
        row = {"parameter": code, "n": n, "n_doses": n_doses, "dose_ratio": r}
        est = dict.fromkeys(["intercept", "slope", "se", "ci_low", "ci_high", "critical_low",
                             "critical_high", "ratio", "ratio_ci_low", "ratio_ci_high"], np.nan)
        conclusion = "not estimable"
        if n_doses < 2:
            flags.append("fewer than 2 dose levels: power model not estimable")
        elif n < 3:
            flags.append("fewer than 3 values: no residual degrees of freedom")
        else:
            xm, ym = lx.mean(), ly.mean()
            sxx = float(((lx - xm) ** 2).sum())
            b = float(((lx - xm) * (ly - ym)).sum() / sxx)
            a = ym - b * xm
            resid = ly - (a + b * lx)
            s2 = float((resid ** 2).sum() / (n - 2))
            se = float(np.sqrt(s2 / sxx))
            tq = float(stats.t.ppf(1.0 - (1.0 - level) / 2.0, n - 2))
            lo, hi = b - tq * se, b + tq * se
            crit_lo, crit_hi = 1.0 + np.log(th_l) / np.log(r), 1.0 + np.log(th_h) / np.log(r)
            est.update(intercept=a, slope=b, se=se, ci_low=lo, ci_high=hi, critical_low=crit_lo,
                       critical_high=crit_hi, ratio=r ** (b - 1.0), ratio_ci_low=r ** (lo - 1.0),
                       ratio_ci_high=r ** (hi - 1.0))
            if crit_lo < lo and hi < crit_hi:
                conclusion = "proportional"
            elif hi <= crit_lo or lo >= crit_hi:
                conclusion = "not proportional"
            else:
                conclusion = "inconclusive"
        row.update(est)
        row["conclusion"] = conclusion
        row["flags"] = "; ".join(flags)
        rows.append(row)
        used.append(pd.DataFrame({"parameter": code, "dose": x[ok], "value": y[ok]}))
    estimates = pd.DataFrame(rows)
    methods = (f"Power model log(P) = a + b log(dose) by least squares (Gough et al. 1995); "
               f"{100 * level:g}% CI of b from the t distribution with n - 2 df; dose proportionality "
               f"concluded when the CI lies within 1 + ln({th_l:g})/ln(r) to 1 + ln({th_h:g})/ln(r), r = "
               "highest/lowest dose (Smith et al. 2000).")
    return DoseProportionalityResult(estimates=estimates, data=pd.concat(used, ignore_index=True),
                                     level=level, theta=(th_l, th_h), methods=methods)
