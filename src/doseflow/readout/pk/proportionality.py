"""Dose proportionality by the power model, on one value per patient or on repeated profiles.

The power model ``log(P) = a + b log(Dose) + e`` (Gough et al. 1995; Smith et al. 2000):

- **one value per patient** (e.g. cycle 1, the default of the readout): ``a`` and ``b`` by
  ordinary least squares; the (1 - alpha) CI of ``b`` from the t distribution with n - 2
  degrees of freedom;
- **repeated profiles of a patient** (several cycles, when the user asks for them): the
  values of one patient are not independent, so the model has a random intercept per
  patient, ``log(P_ij) = a + b log(Dose_ij) + u_i + e_ij`` with ``u_i ~ N(0, s_u^2)`` and
  ``e_ij ~ N(0, s_e^2)``, fitted by REML (statsmodels ``MixedLM``; Smith et al. 2000 sec.
  "Statistical analysis" fit the power model with a subject random effect the same way).
  The CI of ``b`` uses the t distribution with (patients - 2) degrees of freedom: in an
  escalation the dose varies between patients, and the between-patient error carries the
  slope (containment degrees of freedom). For balanced data this is exactly the least-squares
  fit of the patients' mean log values on their log dose.

With ``r`` the ratio of the highest to the lowest dose and acceptance limits
``(theta_L, theta_H)`` (0.80, 1.25 by default) for the ratio of dose-normalised geometric
means, Smith et al. (2000, eq. 5) give the critical region
``1 + ln(theta_L)/ln(r) < b < 1 + ln(theta_H)/ln(r)``: proportionality is concluded when the
whole CI lies inside it, rejected when the whole CI lies outside, and inconclusive otherwise.
The ratio of dose-normalised geometric means at the highest and lowest dose is estimated as
``r^(b - 1)`` with CI ``r^(CI(b) - 1)``.

References
----------
Gough K, Hutchison M, Keene O, et al. (1995). Assessment of dose proportionality: report
from the statisticians in the pharmaceutical industry/pharmacokinetics UK joint working
party. Drug Inf J 29:1039-1048.
Smith BP, Vandenhende FR, DeSante KA, et al. (2000). Confidence interval criteria for
assessment of dose proportionality. Pharm Res 17(10):1278-1283.
Laird NM, Ware JH (1982). Random-effects models for longitudinal data. Biometrics 38:963-974.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.regression.mixed_linear_model import MixedLM

from doseflow.checks import check_probability, check_real
from doseflow.errors import DataError, InputError
from doseflow.readout.pk.nca import NCAResult
from doseflow.readout.result import AnalysisResult, format_significant

__all__ = ["DoseProportionalityResult", "compute_dose_proportionality"]


@dataclass(frozen=True)
class DoseProportionalityResult(AnalysisResult):
    """Power-model dose proportionality per parameter (Smith et al. 2000).

    ``units`` (parameter code -> unit), ``dose_unit`` and ``dose_colours`` (dose -> colour)
    only label and colour the figure.
    """

    estimates: pd.DataFrame
    data: pd.DataFrame
    level: float
    theta: tuple[float, float]
    title: str = "Dose proportionality (power model)"
    methods: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)
    units: dict[str, str] = field(default_factory=dict)
    dose_unit: str = ""
    dose_colours: dict[float, str] = field(default_factory=dict)

    def table(self) -> pd.DataFrame:
        """Every estimate, at full precision (one row per parameter)."""
        return self.estimates

    def display_table(self) -> pd.DataFrame:
        """Per parameter: n, dose ratio, slope b with its CI, the acceptance range, the conclusion."""
        e = self.estimates
        conf = f"{100 * self.level:g}% CI"

        def pair(lo, hi) -> str:
            return "" if not (np.isfinite(lo) and np.isfinite(hi)) else \
                f"{format_significant(lo)} to {format_significant(hi)}"

        return pd.DataFrame({
            "Parameter": e["parameter"], "Patients": e["n_subjects"], "Values": e["n"],
            "Dose ratio (highest/lowest)": e["dose_ratio"], "Slope b": e["slope"],
            f"b, {conf}": [pair(lo, hi) for lo, hi in zip(e["ci_low"], e["ci_high"])],
            f"Proportional if the CI is within ({self.theta[0]:g}-{self.theta[1]:g} rule)":
                [pair(lo, hi) for lo, hi in zip(e["critical_low"], e["critical_high"])],
            "Conclusion": e["conclusion"], "Flags": e["flags"]})

    def to_dict(self) -> dict:
        return {"level": self.level, "theta": list(self.theta),
                "estimates": self.estimates.to_dict(orient="records")}

    def figure(self):
        """log(parameter) against log(dose) with the fitted power model, one panel each."""
        from doseflow.readout.pk.figures import plot_dose_proportionality
        return plot_dose_proportionality(self)


def _parameters_frame(data: NCAResult | pd.DataFrame) -> pd.DataFrame:
    frame = data.parameters if isinstance(data, NCAResult) else data
    if not isinstance(frame, pd.DataFrame):
        raise DataError("parameters", "an NCAResult or its long parameters frame", type(frame).__name__)
    for col in ("PPTESTCD", "value"):
        if col not in frame.columns:
            raise DataError(f"parameters column {col}", "present (required: PPTESTCD, value)", "missing")
    return frame


def _ols(lx: np.ndarray, ly: np.ndarray) -> tuple[float, float, float, int]:
    """Intercept, slope, SE of the slope and residual degrees of freedom of least squares."""
    n = lx.size
    xm, ym = lx.mean(), ly.mean()
    sxx = float(((lx - xm) ** 2).sum())
    b = float(((lx - xm) * (ly - ym)).sum() / sxx)
    a = ym - b * xm
    s2 = float(((ly - (a + b * lx)) ** 2).sum() / (n - 2))
    return a, b, float(np.sqrt(s2 / sxx)), n - 2


def _mixed(lx: np.ndarray, ly: np.ndarray, subject: np.ndarray, notes: list[str], code: str
           ) -> tuple[float, float, float, int]:
    """REML random-intercept fit: intercept, slope, SE of the slope, (subjects - 2) degrees of freedom."""
    exog = np.column_stack([np.ones_like(lx), lx])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = MixedLM(ly, exog, groups=subject).fit(reml=True)
    if caught:
        notes.append(f"{code}: the mixed model's fit reported: " + "; ".join(
            sorted({str(w.message).split(".")[0] for w in caught})) + ".")
    a, b = (float(v) for v in np.asarray(fit.fe_params))
    return a, b, float(np.asarray(fit.bse_fe)[1]), int(np.unique(subject).size) - 2


def compute_dose_proportionality(
    data: NCAResult | pd.DataFrame,
    parameters: Sequence[str] = ("CMAX", "AUCLST", "AUCIFO"),
    *,
    level: float = 0.90,
    theta: tuple[float, float] = (0.80, 1.25),
    dose: str = "dose",
    subject: str | None = None,
) -> DoseProportionalityResult:
    """Fit the power model ``log(P) = a + b log(Dose)`` and judge proportionality (Smith 2000).

    Parameters
    ----------
    data : NCAResult or pandas.DataFrame
        NCA result or its long parameters frame (PPTESTCD, value, ``dose`` column, and
        ``subject`` when given).
    parameters : sequence of str
        PPTESTCD codes to assess (exposure parameters: CMAX, AUCLST, AUCIFO, ...).
    level : float in (0, 1)
        Confidence level of the CI of ``b`` (0.90 as Smith et al. 2000).
    theta : (float, float)
        Acceptance limits (theta_L < 1 < theta_H) for the ratio of dose-normalised
        geometric means of the highest to the lowest dose.
    dose : str
        Column holding the dose (> 0) of each value.
    subject : str, optional
        Column naming the patient of each value (e.g. "USUBJID"). When a patient has more
        than one value (several cycles), the model has a random intercept per patient (see
        the module docstring); without it, or with one value per patient, least squares.

    Returns
    -------
    DoseProportionalityResult
        ``estimates``: parameter, model ("least squares" or "mixed, random intercept per
        patient"), n (values), n_subjects, n_doses, dose_ratio, intercept, slope (b), se,
        df, ci_low, ci_high, critical_low, critical_high, ratio (r^(b-1)), ratio_ci_low,
        ratio_ci_high, conclusion ("proportional", "not proportional", "inconclusive"),
        flags. Rows that cannot be estimated (one dose level, too few values or patients)
        are NaN with the reason in ``flags``.

    Raises
    ------
    InputError
        ``level`` or ``theta`` out of range.
    DataError
        The frame lacks PPTESTCD, value, the dose or the subject column.

    Notes
    -----
    CI ``b +/- t(1 - alpha/2, df) SE(b)``. Values <= 0 or NaN cannot be logged; they are left
    out and counted in ``flags``.

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
    for col, what in ((dose, "the dose of each value"), (subject, "the patient of each value")):
        if col is not None and col not in frame.columns:
            raise DataError(f"parameters column {col}", f"present ({what})", "missing")
    rows, used, notes = [], [], []
    repeated = False
    for code in parameters:  # a handful of parameters, not patients
        sub = frame[frame["PPTESTCD"] == code]
        x = pd.to_numeric(sub[dose], errors="coerce").to_numpy(dtype=float)
        y = pd.to_numeric(sub["value"], errors="coerce").to_numpy(dtype=float)
        who = sub[subject].astype(str).to_numpy() if subject else np.arange(len(sub)).astype(str)
        ok = np.isfinite(x) & np.isfinite(y) & (x > 0) & (y > 0)
        flags = []
        if (~ok).sum():
            flags.append(f"{int((~ok).sum())} value(s) missing, <= 0 or with dose <= 0 left out")
        lx, ly, who = np.log(x[ok]), np.log(y[ok]), who[ok]
        n, n_doses, n_subj = int(ok.sum()), int(np.unique(x[ok]).size), int(np.unique(who).size)
        mixed = n_subj < n
        repeated |= mixed
        r = float(x[ok].max() / x[ok].min()) if n else np.nan
        row = {"parameter": code, "model": "mixed, random intercept per patient" if mixed else "least squares",
               "n": n, "n_subjects": n_subj, "n_doses": n_doses, "dose_ratio": r}
        est = dict.fromkeys(["intercept", "slope", "se", "df", "ci_low", "ci_high", "critical_low",
                             "critical_high", "ratio", "ratio_ci_low", "ratio_ci_high"], np.nan)
        conclusion = "not estimable"
        if n_doses < 2:
            flags.append("fewer than 2 dose levels: power model not estimable")
        elif n_subj < 3:
            flags.append("fewer than 3 patients: no degrees of freedom for the slope's CI")
        else:
            a, b, se, df = _mixed(lx, ly, who, notes, code) if mixed else _ols(lx, ly)
            tq = float(stats.t.ppf(1.0 - (1.0 - level) / 2.0, df))
            lo, hi = b - tq * se, b + tq * se
            crit_lo, crit_hi = 1.0 + np.log(th_l) / np.log(r), 1.0 + np.log(th_h) / np.log(r)
            est.update(intercept=a, slope=b, se=se, df=df, ci_low=lo, ci_high=hi, critical_low=crit_lo,
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
        used.append(pd.DataFrame({"parameter": code, "dose": x[ok], "value": y[ok], "subject": who}))
    estimates = pd.DataFrame(rows)
    methods = (f"Power model log(P) = a + b log(dose) (Gough et al. 1995) "
               + ("with a random intercept per patient, fitted by REML, as a patient contributes several "
                  "profiles (Smith et al. 2000), " if repeated else "by least squares on one value per patient, ")
               + f"{100 * level:g}% CI of b from the t distribution with "
               + ("(patients - 2)" if repeated else "n - 2")
               + f" degrees of freedom; dose proportionality concluded when the CI lies within 1 + ln({th_l:g})/ln(r) "
               f"to 1 + ln({th_h:g})/ln(r), r = highest/lowest dose (Smith et al. 2000).")
    return DoseProportionalityResult(estimates=estimates, data=pd.concat(used, ignore_index=True),
                                     level=level, theta=(th_l, th_h), methods=methods, notes=tuple(notes))
