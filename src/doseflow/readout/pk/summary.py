"""Descriptive statistics of NCA parameters and of concentrations, by cycle and dose group.

Summary statistics per parameter (or nominal time) and group; values that are NaN are
counted in ``n_missing``, never silently left out:

- ``n`` is a count of **patients** (USUBJID with a value); ``n_values`` the number of values
  (profiles, or samples) behind them, which is larger only when a patient contributes more
  than one (e.g. cycles pooled): the table then shows both;
- arithmetic mean, SD (n - 1 denominator), CV% = 100 SD / mean, median, min, max;
- geometric mean ``exp(mean(log x))`` and geometric CV% ``100 sqrt(exp(s^2) - 1)`` where
  ``s`` is the SD of ``log x`` (Kirkwood 1979; PKNCA ``business.geomean``/``geocv``). They
  are undefined (NaN, flagged) when any value is <= 0, and not computed for times (TMAX,
  TLST, LAMZLL, LAMZUL), which are summarised by median and range as is customary.

:func:`tabulate_pk_summary` summarises NCA parameters (by default by dose; the readout uses
cycle and assigned dose group); :func:`tabulate_concentrations` summarises the samples of
profiles that are not full profiles (peak and trough, sparse) at each nominal time, where a
sample is a concentration, not a parameter of a profile (:mod:`doseflow.readout.pk.sampling`).

References
----------
Kirkwood TBL (1979). Geometric means and measures of dispersion. Biometrics 35:908-909.
Denney W, Duvvuri S, Buckeridge C (2015). PKNCA, summary statistics (``PKNCA.set.summary``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from doseflow.errors import DataError, InputError
from doseflow.readout.pk.nca import NCAResult
from doseflow.readout.result import AnalysisResult, format_significant

__all__ = ["tabulate_pk_summary", "tabulate_concentrations", "tabulate_pk_overview", "compute_geometric_stats",
           "PKSummaryResult", "PKOverviewResult"]

_TIME_PARAMS = {"TMAX", "TLST", "LAMZLL", "LAMZUL"}
_LABELS = {"n": "n (patients)", "n_values": "n values", "n_missing": "n missing", "n_blq": "n BLQ",
           "geo_mean": "Geo. mean", "geo_cv": "Geo. CV%", "mean": "Mean", "sd": "SD", "cv": "CV%",
           "median": "Median", "min": "Min", "max": "Max", "dose_number": "Cycle (dose number)",
           "DOSE_LEVEL": "Dose level", "DOSE_GROUP": "Dose group", "time_nominal": "Nominal time (h)",
           "PPTESTCD": "Parameter", "unit": "Unit", "analyte": "Analyte", "flags": "Flags"}


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


def _describe(frame: pd.DataFrame, keys: list[str], *, subject: str | None, no_geo: pd.Series | None = None
              ) -> pd.DataFrame:
    """The statistics of the module docstring of ``frame["value"]`` per ``keys`` (in first-seen order)."""
    grouped = frame.groupby(keys, sort=False, dropna=False)
    val = grouped["value"]
    present = frame.assign(_who=frame[subject] if subject else np.arange(len(frame)))
    present = present[present["value"].notna()]
    out = pd.DataFrame({
        "n": present.groupby(keys, sort=False, dropna=False)["_who"].nunique(),
        "n_values": val.count(),
        "n_missing": val.size() - val.count(),
        "mean": val.mean(), "sd": val.std(ddof=1), "median": val.median(), "min": val.min(), "max": val.max(),
    })
    out["n"] = out["n"].reindex(out.index).fillna(0).astype(int)
    out["cv"] = 100.0 * out["sd"] / out["mean"]
    logs = frame.assign(_log=np.log(frame["value"].where(frame["value"] > 0)),
                        _nonpos=(frame["value"] <= 0)).groupby(keys, sort=False, dropna=False)
    n_nonpos = logs["_nonpos"].sum()
    out["geo_mean"] = np.exp(logs["_log"].mean())
    out["geo_cv"] = 100.0 * np.sqrt(np.expm1(logs["_log"].std(ddof=1) ** 2))
    flags = np.where(n_nonpos > 0, np.char.mod("geometric statistics undefined: %d value(s) <= 0",
                                               n_nonpos.to_numpy()), "").astype(object)
    out.loc[n_nonpos.to_numpy() > 0, ["geo_mean", "geo_cv"]] = np.nan
    if no_geo is not None:
        mask = no_geo.reindex(out.index).fillna(False).to_numpy(dtype=bool)
        out.loc[mask, ["geo_mean", "geo_cv"]] = np.nan
        flags = np.where(mask, "time parameter: median and range", flags)
    out["flags"] = flags
    return out.reset_index()


@dataclass(frozen=True)
class PKSummaryResult(AnalysisResult):
    """Descriptive statistics of NCA parameters or concentrations by group (see module docstring)."""

    statistics: pd.DataFrame
    by: tuple[str, ...]
    title: str = "Summary of PK parameters by dose level"
    methods: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    def table(self) -> pd.DataFrame:
        """Statistics with labelled columns; "n values" only where a patient contributes several values."""
        out = self.statistics
        if (out["n_values"] == out["n"]).all():
            out = out.drop(columns="n_values")
        return out.rename(columns=_LABELS)

    def to_dict(self) -> dict:
        return {"by": list(self.by), "statistics": self.statistics.to_dict(orient="records")}


def _by(by: str | Sequence[str]) -> list[str]:
    return [by] if isinstance(by, str) else list(by)


def tabulate_pk_summary(data: NCAResult | pd.DataFrame, *, by: str | Sequence[str] = "dose",
                        parameters: Sequence[str] | None = None, subject: str = "USUBJID") -> PKSummaryResult:
    """Summarise NCA parameters by group (by default by dose).

    Parameters
    ----------
    data : NCAResult or pandas.DataFrame
        An NCA result or its long ``parameters`` frame (PPTESTCD, value, unit, the ``by``
        columns, and ``subject`` when present).
    by : str or sequence of str
        Grouping columns, e.g. "dose" (EXDOSE of the interval) or ``["dose_number",
        "DOSE_GROUP"]`` (cycle and assigned dose group, as the readout does).
    parameters : sequence of str, optional
        PPTESTCD codes to summarise (default: all present), in that order.
    subject : str
        Column identifying the patient; ``n`` counts its distinct values (each value counts
        as a patient when the frame has no such column).

    Returns
    -------
    PKSummaryResult
        ``statistics``: one row per parameter and group with n (patients), n_values,
        n_missing, geo_mean, geo_cv, mean, sd, cv, median, min, max and flags.

    Raises
    ------
    DataError
        If the frame lacks PPTESTCD, value or a ``by`` column.

    Examples
    --------
    >>> df = pd.DataFrame({"PPTESTCD": "CMAX", "unit": "ng/mL", "dose": [10.0, 10.0, 10.0],
    ...                    "USUBJID": ["a", "b", "c"], "value": [1.0, 10.0, 100.0]})
    >>> s = tabulate_pk_summary(df).statistics.iloc[0]
    >>> int(s["n"]), round(float(s["geo_mean"]), 6), float(s["median"]), float(s["mean"])
    (3, 10.0, 10.0, 37.0)
    """
    frame = data.parameters if isinstance(data, NCAResult) else data
    if not isinstance(frame, pd.DataFrame):
        raise DataError("parameters", "an NCAResult or its long parameters frame", type(frame).__name__)
    keys = _by(by)
    for col in ("PPTESTCD", "value", *keys):
        if col not in frame.columns:
            raise DataError(f"parameters column {col}", "present to group by" if col in keys else
                            "present (required: PPTESTCD, value)", "missing")
    codes = list(parameters) if parameters is not None else list(dict.fromkeys(frame["PPTESTCD"]))
    unknown = [c for c in codes if c not in set(frame["PPTESTCD"])]
    if unknown:
        raise InputError("parameters", "PPTESTCD codes present in the NCA result", unknown)
    sub = frame[frame["PPTESTCD"].isin(codes)].copy()
    sub["value"] = pd.to_numeric(sub["value"], errors="coerce").astype(float)
    if "unit" not in sub:
        sub["unit"] = ""
    units = sub.groupby(["PPTESTCD", *keys], sort=False, dropna=False)["unit"].first()
    time_param = pd.Series(units.index.get_level_values("PPTESTCD").isin(list(_TIME_PARAMS)), index=units.index)
    out = _describe(sub, ["PPTESTCD", *keys], subject=subject if subject in sub.columns else None,
                    no_geo=time_param)
    out["unit"] = units.to_numpy()
    out["_order"] = out["PPTESTCD"].map({c: i for i, c in enumerate(codes)})
    out = out.sort_values(["_order", *keys], kind="mergesort").drop(columns="_order").reset_index(drop=True)
    out = out[["PPTESTCD", "unit", *keys, "n", "n_values", "n_missing", "geo_mean", "geo_cv", "mean", "sd", "cv",
               "median", "min", "max", "flags"]]
    methods = ("Per parameter and group: n patients (and the number of values when a patient has several), "
               "geometric mean exp(mean log x), geometric CV% 100 sqrt(exp(s_log^2) - 1), arithmetic mean, SD, CV%, "
               "median, min and max; NaN values counted as missing; geometric statistics undefined when a value is "
               "<= 0 and not given for times (Kirkwood 1979).")
    notes = (f"{int(out['n_missing'].sum())} parameter value(s) missing (NaN) were not summarised.",) \
        if out["n_missing"].sum() else ()
    return PKSummaryResult(statistics=out, by=tuple(keys), methods=methods, notes=notes)


def tabulate_concentrations(conc_frame: pd.DataFrame, *, by: str | Sequence[str] = ("dose_number", "DOSE_GROUP"),
                            time: str = "time_nominal", subject: str = "USUBJID") -> PKSummaryResult:
    """Summarise concentrations at each nominal time, per group: n patients, n BLQ, geometric and arithmetic stats.

    Parameters
    ----------
    conc_frame : pandas.DataFrame
        Samples (e.g. those of peak-and-trough profiles) with ``conc``, ``blq``, ``time``,
        the ``by`` columns and ``subject``; rows marked ``excluded`` are left out, except
        pre-dose samples (nominal time < 0), which are the troughs.
    by : str or sequence of str
        Grouping columns before the time.
    time : str
        Nominal time column (h).
    subject : str
        Patient column; ``n`` counts patients.

    Returns
    -------
    PKSummaryResult
        ``statistics``: analyte, the ``by`` columns, ``time_nominal``, n, n_values, n_blq,
        n_missing, the statistics of the module docstring (BLQ samples count as 0: they make
        the geometric statistics undefined, flagged), and the concentration unit.

    Examples
    --------
    >>> f = pd.DataFrame({"USUBJID": ["a", "b", "a", "b"], "analyte": "X", "dose_number": 2,
    ...                   "DOSE_GROUP": "1 mg", "time_nominal": [-0.5, -0.5, 0.5, 0.5], "conc": [1.0, 4.0, 10.0, 40.0],
    ...                   "blq": False, "excluded": [True, True, False, False], "conc_unit": "ug/mL"})
    >>> s = tabulate_concentrations(f).statistics
    >>> s["time_nominal"].tolist(), s["n"].tolist(), s["geo_mean"].round(9).tolist()
    ([-0.5, 0.5], [2, 2], [2.0, 20.0])
    """
    keys = _by(by)
    if not isinstance(conc_frame, pd.DataFrame):
        raise DataError("conc_frame", "a pandas DataFrame of concentrations", type(conc_frame).__name__)
    for col in (subject, time, "conc", *keys):
        if col not in conc_frame.columns:
            raise DataError(f"conc_frame column {col}", "present", "missing")
    df = conc_frame.copy()
    if "analyte" not in df:
        df["analyte"] = ""
    nominal = pd.to_numeric(df[time], errors="coerce")
    excluded = df["excluded"].fillna(False).astype(bool) if "excluded" in df else pd.Series(False, index=df.index)
    trough = excluded & (nominal < 0) & df["exclusion_reason"].astype(str).str.startswith("sample before the dose") \
        if "exclusion_reason" in df else excluded & (nominal < 0)
    df = df[(~excluded | trough) & nominal.notna()]
    df = df.assign(value=pd.to_numeric(df["conc"], errors="coerce"), _blq=df["blq"].fillna(False).astype(bool)
                   if "blq" in df else False)
    keys = ["analyte", *keys, time]
    df = df.sort_values(keys, kind="mergesort")
    out = _describe(df, keys, subject=subject)
    out["n_blq"] = df.groupby(keys, sort=False, dropna=False)["_blq"].sum().to_numpy().astype(int)
    out["unit"] = df.groupby(keys, sort=False, dropna=False)["conc_unit"].first().to_numpy() \
        if "conc_unit" in df else ""
    out = out[[*keys, "unit", "n", "n_values", "n_blq", "n_missing", "geo_mean", "geo_cv", "mean", "sd", "cv",
               "median", "min", "max", "flags"]]
    methods = ("Concentrations at each nominal time (a pre-dose sample is the trough of the previous interval), "
               "per group: n patients, BLQ samples (counted as 0), geometric mean and CV% (undefined with a BLQ or "
               "0 value), arithmetic mean, SD, median and range (Kirkwood 1979). These samples do not make a "
               "profile, so no Cmax or AUC is derived from them.")
    return PKSummaryResult(statistics=out, by=tuple(keys), title="Concentrations by nominal time",
                           methods=methods)


@dataclass(frozen=True)
class PKOverviewResult(AnalysisResult):
    """The main PK table: per analyte, cycle and dose group, the geometric statistics and tmax.

    Attributes
    ----------
    statistics : pandas.DataFrame
        The rows of :func:`tabulate_pk_summary` of every analyte (with ``analyte``), grouped
        by cycle (``dose_number``), ``DOSE_LEVEL`` and ``DOSE_GROUP``.
    parameters : tuple of str
        PPTESTCD codes shown, in order.
    """

    statistics: pd.DataFrame
    parameters: tuple[str, ...]
    title: str = "PK parameters by analyte, cycle and dose group"
    methods: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    def table(self) -> pd.DataFrame:
        """One row per analyte, cycle and dose group: n patients; per parameter "CODE (unit): statistic".

        Exposure parameters give the geometric mean and geometric CV%; times (tmax) the
        median and range. A parameter whose n differs from the row's n (AUCinf and t1/2 need
        a lambda z) gets its own n column.
        """
        st = self.statistics
        keys = ["analyte", "dose_number", "DOSE_LEVEL", "DOSE_GROUP"]
        base = st[st["PPTESTCD"] == self.parameters[0]].set_index(keys)["n"]
        own_n = set()
        for code in self.parameters[1:]:
            n_code = st[st["PPTESTCD"] == code].set_index(keys)["n"]
            if (n_code != base.reindex(n_code.index)).any():
                own_n.add(code)
        rows = []
        for key, g in st.groupby(keys, sort=False, observed=True):
            by = g.set_index("PPTESTCD")
            row = {"Analyte": key[0], "Cycle": int(key[1]), "Dose group": key[3],
                   "n": int(by.loc[self.parameters[0], "n"]) if self.parameters[0] in by.index else int(g["n"].max())}
            for code in self.parameters:
                if code not in by.index:
                    continue
                r = by.loc[code]
                head = f"{code} ({r['unit']})" if r["unit"] else code
                if code in own_n:
                    row[f"{head}: n"] = int(r["n"])
                if code in _TIME_PARAMS:
                    row[f"{head}: Median"] = r["median"]
                    row[f"{head}: Range"] = f"{format_significant(r['min'])}-{format_significant(r['max'])}" \
                        if np.isfinite(r["min"]) else ""
                else:
                    row[f"{head}: Geo. mean"] = r["geo_mean"]
                    row[f"{head}: Geo. CV%"] = r["geo_cv"]
            rows.append(row)
        return pd.DataFrame(rows)

    def to_dict(self) -> dict:
        return {"parameters": list(self.parameters), "statistics": self.statistics.to_dict(orient="records")}


def tabulate_pk_overview(summaries: dict[str, PKSummaryResult], parameters: Sequence[str]) -> PKOverviewResult:
    """The main PK table from the per-analyte summaries (by cycle and dose group).

    Parameters
    ----------
    summaries : dict of str to PKSummaryResult
        Analyte -> :func:`tabulate_pk_summary` by ``["dose_number", "DOSE_LEVEL", "DOSE_GROUP"]``.
    parameters : sequence of str
        PPTESTCD codes to show, in order; those no analyte has are left out.

    Returns
    -------
    PKOverviewResult
        Rows in analyte, cycle and dose-level order.
    """
    frames = [r.statistics.assign(analyte=a) for a, r in summaries.items()]
    st = pd.concat(frames, ignore_index=True)
    st = st.sort_values(["analyte", "dose_number", "DOSE_LEVEL"], kind="mergesort").reset_index(drop=True)
    present = [c for c in parameters if c in set(st["PPTESTCD"])]
    methods = ("Per analyte, cycle and dose group: n patients with a full profile; the geometric mean and geometric "
               "CV% (100 sqrt(exp(s_log^2) - 1)) of each exposure parameter and the median and range of tmax "
               "(Kirkwood 1979; PKNCA summary conventions). A geometric statistic is blank when a value is <= 0.")
    return PKOverviewResult(statistics=st, parameters=tuple(present), methods=methods)
