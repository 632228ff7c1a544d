"""Kaplan-Meier estimates per group from ADTTE, with Greenwood intervals and the Brookmeyer-Crowley median CI.

The rules (Kaplan and Meier 1958; Greenwood 1926; median and its confidence limits by R's
``quantile.survfit`` and Brookmeyer and Crowley 1982) are those of
:mod:`doseflow.standards.kaplan_meier`, which the virtual trial applies too; this module applies
them to ADTTE frames, per group. Times are in the unit of ``AVAL`` (days); months = days /
30.4375 for presentation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter

from doseflow.checks import check_choice, check_probability
from doseflow.errors import DataError
from doseflow.readout.result import AnalysisResult
from doseflow import DAYS_PER_MONTH
from doseflow.standards.kaplan_meier import compute_km_median, compute_km_table

__all__ = ["KaplanMeierResult", "estimate_km"]


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
