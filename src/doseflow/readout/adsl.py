"""Subject-level analysis data (ADSL-like): one row per subject of DM, with exposure and dose group.

Every readout analysis starts from this frame: the safety population (SAFFL), the treatment
start and end dates, the dose group of each subject and its 1-based dose level (the rule is
that of :mod:`doseflow.readout.groups`: the actual arm, or the dose level of an escalation).
Inputs are checked by :mod:`doseflow.readout.inputs`, so bad input fails at the boundary with
a message naming the file, row, column and value.

Exposure rules (admiral's ADSL template ``ad_adsl.R``, pharmaverse 2023, and CDISC ADaM IG
1.3 §3.2):

- a *valid dose* is an EX record with ``EXDOSE > 0``, or ``EXDOSE == 0`` and an EXTRT that
  names placebo (contains "PLACEBO"), and a non-missing EXSTDTC;
- ``SAFFL = "Y"`` if the subject has at least one valid dose, else ``"N"`` (screen
  failures and randomised-but-untreated subjects stay in the frame with SAFFL "N");
- ``TRTSDT`` is the earliest EXSTDTC of the valid doses, a partial date completed to the
  first day of its period (flag in ``TRTSDTF``);
- ``TRTEDT`` is the latest EXENDTC (EXSTDTC when EXENDTC is missing) of the valid doses,
  completed to the last day of its period (flag in ``TRTEDTF``);
- ``TRTDURD = TRTEDT - TRTSDT + 1`` in whole calendar days (admiral
  ``derive_var_trtdurd``).

A negative EXDOSE is an error (a dose is an amount >= 0). The doses each group received,
with their number of EX records, are listed in the notes, so that a dose nobody planned
(an entry error such as 540 for 54) is seen.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from doseflow.cdisc.dates import parse_dtc
from doseflow.checks import check_choice
from doseflow.errors import DataError
from doseflow.readout.groups import DOSE_BY, assign_dose_groups, format_dose
from doseflow.readout.inputs import calendar_date, upper_text, validate_columns, validate_numeric, validate_subjects

__all__ = ["ADSL_COLUMNS", "derive_adsl", "derive_last_alive_date"]

#: The columns :func:`derive_adsl` always returns, in order (extra variables follow).
ADSL_COLUMNS: tuple[str, ...] = (
    "USUBJID", "STUDYID", "AGE", "SEX", "RACE", "ARM", "ACTARM",
    "TRTSDT", "TRTSDTF", "TRTEDT", "TRTEDTF", "RANDDT", "DTHDT", "DTHDTF",
    "SAFFL", "DOSE", "DOSEU", "DOSE_GROUP", "DOSE_LEVEL", "TRTDURD", "TUMTYPE", "PRIORLN",
)


# --- ADSL -----------------------------------------------------------------------------------

def _sponsor_variable(dm: pd.DataFrame, suppdm: pd.DataFrame | None, name: str) -> pd.Series:
    """A sponsor variable from DM (column ``name``) or SUPPDM (QNAM ``name``), by USUBJID."""
    if name in dm.columns:
        return pd.Series(dm[name].to_numpy(), index=dm["USUBJID"].astype(str).to_numpy())
    if suppdm is not None:
        validate_columns(suppdm, "suppdm", ("USUBJID", "QNAM", "QVAL"))
        rows = suppdm[suppdm["QNAM"].astype(str).str.strip().str.upper() == name.upper()]
        if not rows.empty:
            dup = rows["USUBJID"].astype(str).duplicated()
            if dup.any():
                raise DataError(f"suppdm QNAM {name}", "at most one record per subject",
                                rows["USUBJID"][dup].iloc[0])
            return pd.Series(rows["QVAL"].to_numpy(), index=rows["USUBJID"].astype(str).to_numpy())
    return pd.Series(dtype="object")


def derive_adsl(
    dm: pd.DataFrame,
    ex: pd.DataFrame,
    *,
    ds: pd.DataFrame | None = None,
    suppdm: pd.DataFrame | None = None,
    dose_by: str = "auto",
    tumour_type_var: str = "TUMTYPE",
    prior_lines_var: str = "PRIORLN",
    extra_vars: Sequence[str] = (),
) -> pd.DataFrame:
    """Derive the subject-level frame: one row per DM subject with exposure and dose group.

    Parameters
    ----------
    dm : pandas.DataFrame
        SDTM DM; required USUBJID, STUDYID, AGE, SEX, ARM, ACTARM; RACE and DTHDTC used
        when present. One row per subject.
    ex : pandas.DataFrame
        SDTM EX; required USUBJID, EXTRT, EXDOSE (number, dose units per administration),
        EXSTDTC; EXENDTC, EXDOSU and EXSEQ used when present.
    ds : pandas.DataFrame, optional
        SDTM DS; the earliest DSSTDTC with DSDECOD "RANDOMIZED" gives RANDDT.
    suppdm : pandas.DataFrame, optional
        SUPPDM; sponsor variables (tumour type, prior lines, ``extra_vars``) are read from
        DM columns first, then from SUPPDM records with that QNAM.
    dose_by : {"auto", "first_dose", "max_dose", "arm"}
        What defines the dose group (:func:`doseflow.readout.groups.assign_dose_groups`).
        ``"auto"`` (default): the actual arm, labelled by its dose when the arms are the dose
        levels of an escalation, or the first dose when every subject is in one arm;
        ``"first_dose"``: EXDOSE of the subject's first valid dose (earliest EXSTDTC, then
        lowest EXSEQ); ``"max_dose"``: the largest valid EXDOSE; ``"arm"``: the ACTARM label
        (DOSE is then the largest valid EXDOSE, used to order the arms).
    tumour_type_var, prior_lines_var : str
        DM column or SUPPDM QNAM holding the tumour type and the number of prior lines of
        therapy; returned as TUMTYPE and PRIORLN (NaN when absent).
    extra_vars : sequence of str
        Further sponsor variables copied under their own names (NaN when absent), e.g.
        the number of prior anti-HER2 lines.

    Returns
    -------
    pandas.DataFrame
        One row per DM subject, columns :data:`ADSL_COLUMNS` then ``extra_vars``:
        TRTSDT/TRTEDT/RANDDT/DTHDT are datetime64 (NaT when absent) with imputation flags
        TRTSDTF/TRTEDTF/DTHDTF ("D" day, "M" month imputed); SAFFL "Y"/"N"; DOSE (float)
        and DOSEU; DOSE_GROUP a label such as "54 mg" or "Placebo" (a 0 dose whose EXTRT
        names placebo), or the ACTARM; DOSE_LEVEL 1-based, placebo first, then by dose
        (nullable Int64); TRTDURD in days. Subjects outside the safety population have
        missing dose variables. ``frame.attrs["notes"]`` lists imputations and the doses
        given per group in plain sentences; ``frame.attrs["dose_groups"]`` states the
        grouping rule applied, for the methods; ``frame.attrs["dose_plan"]`` the
        :class:`~doseflow.core.DosePlan` of the active groups when they are dose levels
        (None when they are arms).

    Raises
    ------
    DataError
        If a required variable is missing, DM repeats a subject, EX has a subject not in
        DM, EXDOSE is not a number >= 0, a date is not ISO 8601, or the doses have more
        than one unit.
    ConfigError
        If ``dose_by`` is not one of its choices.

    Notes
    -----
    Valid dose, SAFFL, TRTSDT, TRTEDT and TRTDURD follow admiral's ADSL template (see the
    module docstring): ``EXDOSE > 0 | (EXDOSE == 0 & EXTRT contains "PLACEBO")``.
    Partial dates are imputed as in admiral's ``derive_vars_dtm`` (``"first"`` for starts,
    ``"last"`` for ends) and flagged. DTHDT is DM.DTHDTC imputed ``"first"``.

    References
    ----------
    pharmaverse admiral, ADSL template ``inst/templates/ad_adsl.R`` and
    ``derive_var_trtdurd``, 2023. CDISC ADaM Implementation Guide v1.3, 2021, §3.2.

    Examples
    --------
    >>> dm = pd.DataFrame({"STUDYID": "S1", "USUBJID": ["1", "2", "3"], "AGE": [60, 55, 70],
    ...                    "SEX": ["F", "M", "F"], "ARM": "A", "ACTARM": ["A", "A", "Screen Failure"]})
    >>> ex = pd.DataFrame({"USUBJID": ["1", "1", "2"], "EXTRT": "DRUG", "EXDOSE": [1.2, 1.2, 2.4],
    ...                    "EXDOSU": "mg/kg", "EXSTDTC": ["2022-01-03", "2022-01-24", "2022-02-01"]})
    >>> adsl = derive_adsl(dm, ex)
    >>> adsl[["USUBJID", "SAFFL", "DOSE_GROUP", "DOSE_LEVEL", "TRTDURD"]].to_string(index=False)
    'USUBJID SAFFL DOSE_GROUP  DOSE_LEVEL  TRTDURD\\n      1     Y  1.2 mg/kg           1     22.0\\n      2     Y  2.4 mg/kg           2      1.0\\n      3     N        NaN        <NA>      NaN'
    """
    dose_by = check_choice(dose_by, "dose_by", DOSE_BY)
    validate_columns(dm, "dm", ("USUBJID", "STUDYID", "AGE", "SEX", "ARM", "ACTARM"))
    validate_columns(ex, "ex", ("USUBJID", "EXTRT", "EXDOSE", "EXSTDTC"))
    subjects = dm["USUBJID"].astype(str)
    dup = subjects.duplicated()
    if dup.any():
        raise DataError("dm variable USUBJID", "one record per subject", subjects[dup].iloc[0])
    validate_subjects(ex, "ex", subjects, reference="DM", hint="Every exposed subject must be in DM.")
    notes: list[str] = []

    out = pd.DataFrame({
        "USUBJID": subjects.to_numpy(),
        "STUDYID": dm["STUDYID"].to_numpy(),
        "AGE": validate_numeric(dm, "dm", "AGE").to_numpy(),
        "SEX": dm["SEX"].to_numpy(),
        "RACE": dm["RACE"].to_numpy() if "RACE" in dm.columns else np.nan,
        "ARM": dm["ARM"].to_numpy(),
        "ACTARM": dm["ACTARM"].to_numpy(),
    })

    # valid doses (admiral ADSL template)
    exd = ex.reset_index(drop=True)
    dose = validate_numeric(exd, "ex", "EXDOSE", minimum=0.0)
    placebo = upper_text(exd["EXTRT"]).str.contains("PLACEBO", na=False)
    start = parse_dtc(exd["EXSTDTC"], impute="first", where="ex column EXSTDTC")
    end_text = exd["EXENDTC"].where(exd["EXENDTC"].notna() & (exd["EXENDTC"].astype(str).str.strip() != ""),
                                    exd["EXSTDTC"]) if "EXENDTC" in exd.columns else exd["EXSTDTC"]
    end = parse_dtc(end_text, impute="last", where="ex column EXENDTC (EXSTDTC where missing)")
    valid = ((dose > 0) | ((dose == 0) & placebo)) & start["dt"].notna()
    rec = pd.DataFrame({
        "USUBJID": exd["USUBJID"].astype(str), "dose": dose, "placebo": placebo,
        "unit": exd["EXDOSU"] if "EXDOSU" in exd.columns else np.nan,
        "start": start["dt"], "startf": start["dtf"], "end": end["dt"], "endf": end["dtf"],
        "seq": validate_numeric(exd, "ex", "EXSEQ") if "EXSEQ" in exd.columns else np.arange(len(exd), dtype=float),
    })[valid.to_numpy()]
    n_invalid = int((~valid).sum())
    if n_invalid:
        notes.append(f"{n_invalid} EX record(s) were not counted as exposure (EXDOSE 0 or missing for a "
                     "non-placebo treatment, or EXSTDTC missing).")

    first = rec.sort_values(["USUBJID", "start", "seq"], kind="mergesort").groupby("USUBJID").head(1)
    first = first.set_index("USUBJID")
    last = rec.sort_values(["USUBJID", "end"], kind="mergesort").groupby("USUBJID").tail(1).set_index("USUBJID")
    idx = out["USUBJID"]
    out["TRTSDT"] = pd.to_datetime(idx.map(first["start"]))
    out["TRTSDTF"] = idx.map(first["startf"]).astype("object")
    out["TRTEDT"] = pd.to_datetime(idx.map(last["end"]))
    out["TRTEDTF"] = idx.map(last["endf"]).astype("object")
    for col, what in (("TRTSDTF", "first dose date"), ("TRTEDTF", "last dose date")):
        n_imp = int(out[col].notna().sum())
        if n_imp:
            notes.append(f"{n_imp} subject(s) had a partial {what}, completed to the "
                         f"{'first' if col == 'TRTSDTF' else 'last'} day of the period (flag {col}).")

    out["RANDDT"] = pd.Series(pd.NaT, index=out.index, dtype="datetime64[ns]")
    if ds is not None:
        validate_columns(ds, "ds", ("USUBJID", "DSDECOD", "DSSTDTC"))
        rnd = ds[upper_text(ds["DSDECOD"]) == "RANDOMIZED"].reset_index(drop=True)
        rdt = parse_dtc(rnd["DSSTDTC"], impute=None, where="ds column DSSTDTC (RANDOMIZED)")
        rmin = pd.Series(rdt["dt"].to_numpy(), index=rnd["USUBJID"].astype(str)).groupby(level=0).min()
        out["RANDDT"] = pd.to_datetime(idx.map(rmin))

    if "DTHDTC" in dm.columns:
        dth = parse_dtc(dm["DTHDTC"].reset_index(drop=True), impute="first", where="dm column DTHDTC")
        out["DTHDT"] = dth["dt"].to_numpy()
        out["DTHDTF"] = dth["dtf"].to_numpy()
    else:
        out["DTHDT"] = pd.Series(pd.NaT, index=out.index, dtype="datetime64[ns]")
        out["DTHDTF"] = None
    out["SAFFL"] = np.where(idx.isin(first.index), "Y", "N")

    # dose groups (doseflow.readout.groups)
    by_dose = rec.sort_values(["USUBJID", "dose", "start"], ascending=[True, False, True], kind="mergesort")
    largest = by_dose.groupby("USUBJID").head(1).set_index("USUBJID")
    treated = out.loc[out["SAFFL"] == "Y", ["USUBJID", "ACTARM", "ARM"]].set_index("USUBJID")
    arm = treated["ACTARM"].astype("object").where(treated["ACTARM"].notna(), treated["ARM"])
    only_placebo = rec.groupby("USUBJID")["placebo"].all()
    subjects_frame = pd.DataFrame({"arm": arm, "first": first["dose"].reindex(treated.index),
                                   "max": largest["dose"].reindex(treated.index),
                                   "unit": first["unit"].reindex(treated.index),
                                   "placebo": only_placebo.reindex(treated.index).eq(True)})
    units = set(rec.loc[rec["dose"] > 0, "unit"].dropna().astype(str))
    if len(units) > 1:
        raise DataError("ex variable EXDOSU", "one unit for the doses that define the groups", sorted(units),
                        "Dose levels cannot be ordered across units.")
    groups, rule, group_notes, plan = assign_dose_groups(subjects_frame, dose_by)
    notes.extend(group_notes)
    out["DOSE"] = idx.map(groups["DOSE"]).astype(float)
    out["DOSEU"] = idx.map(subjects_frame["unit"]).astype("object")
    out["DOSE_GROUP"] = idx.map(groups["DOSE_GROUP"]).astype("object")
    out["DOSE_LEVEL"] = pd.array(idx.map(groups["DOSE_LEVEL"]), dtype="Int64")
    given = rec.assign(group=rec["USUBJID"].map(groups["DOSE_GROUP"]))
    per_group = given.groupby(["group", "dose"]).size()
    order = groups.drop_duplicates("DOSE_GROUP").sort_values("DOSE_LEVEL")["DOSE_GROUP"]
    unit = next(iter(units), "")
    if len(order):
        notes.append("Doses given per group (EX records): " + "; ".join(
            f"{g}: " + ", ".join(f"{format_dose(d, unit)} ({n})" for d, n in per_group[g].items())
            for g in order) + ".")
    out["TRTDURD"] = (calendar_date(out["TRTEDT"]) - calendar_date(out["TRTSDT"])).dt.days + 1.0

    for target, name in (("TUMTYPE", tumour_type_var), ("PRIORLN", prior_lines_var), *((v, v) for v in extra_vars)):
        values = _sponsor_variable(dm, suppdm, name)
        col = idx.map(values) if not values.empty else pd.Series(np.nan, index=out.index)
        if target == "PRIORLN" or (not values.empty and pd.to_numeric(values, errors="coerce").notna().all()):
            col = pd.to_numeric(col, errors="coerce")
        out[target] = col.to_numpy()
    if out["PRIORLN"].isna().all():
        notes.append(f"Prior lines of therapy ({prior_lines_var}) are not in DM or SUPPDM.")
    if out["TUMTYPE"].isna().all():
        notes.append(f"Tumour type ({tumour_type_var}) is not in DM or SUPPDM.")
    out = out[list(ADSL_COLUMNS) + [v for v in extra_vars if v not in ADSL_COLUMNS]]
    out.attrs["notes"] = notes
    out.attrs["dose_groups"] = rule
    out.attrs["dose_plan"] = plan
    return out


def derive_last_alive_date(adsl: pd.DataFrame, *, ae: pd.DataFrame | None = None,
                           lb: pd.DataFrame | None = None, ds: pd.DataFrame | None = None) -> pd.DataFrame:
    """Add LSTALVDT, the last date each treated subject was known alive, to ADSL.

    Parameters
    ----------
    adsl : pandas.DataFrame
        From :func:`derive_adsl` (USUBJID, TRTEDT).
    ae, lb, ds : pandas.DataFrame, optional
        SDTM AE (AESTDTC, AEENDTC), LB (LBDTC) and DS (DSSTDTC) when the folder has them.

    Returns
    -------
    pandas.DataFrame
        A copy of ``adsl`` with LSTALVDT (datetime64, the calendar day; NaT without any date).

    Notes
    -----
    The latest of the AE start and end dates, the LB dates and the last dose date TRTEDT
    (admiral's ADSL template ``ad_adsl.R``, ``derive_vars_extreme_event`` for LSTALVDT; a
    partial date is completed to the first day of its period, ``highest_imputation = "M"``),
    and the dates of disposition records other than death (a protocol milestone such as the
    end of the DLT evaluation period, which a live trial's export records: the subject was
    seen alive then).
    The DLT table uses it to tell who was followed to the end of the DLT window.

    Examples
    --------
    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2"], "TRTEDT": pd.to_datetime(["2022-01-05", None])})
    >>> ae = pd.DataFrame({"USUBJID": ["1", "1"], "AESTDTC": ["2022-01-03", "2022-02"], "AEENDTC": [None, None]})
    >>> derive_last_alive_date(adsl, ae=ae)["LSTALVDT"].dt.strftime("%Y-%m-%d").tolist()
    ['2022-02-01', nan]
    """
    validate_columns(adsl, "adsl", ("USUBJID", "TRTEDT"))
    ids = adsl["USUBJID"].astype(str)
    parts = [pd.Series(calendar_date(adsl["TRTEDT"]).to_numpy(), index=ids.to_numpy())]
    if ds is not None and {"DSDECOD", "DSSTDTC"} <= set(ds.columns):
        ds = ds[upper_text(ds["DSDECOD"]) != "DEATH"]
    for frame, name, columns in ((ae, "ae", ("AESTDTC", "AEENDTC")), (lb, "lb", ("LBDTC",)), (ds, "ds", ("DSSTDTC",))):
        if frame is None:
            continue
        for col in columns:
            if col not in frame.columns:
                continue
            dt = parse_dtc(frame[col].reset_index(drop=True), impute="first", where=f"{name} column {col}")["dt"]
            parts.append(pd.Series(calendar_date(dt).to_numpy(), index=frame["USUBJID"].astype(str).to_numpy()))
    dates = pd.concat(parts).dropna()
    out = adsl.copy()
    out["LSTALVDT"] = ids.map(dates.groupby(level=0).max()).astype("datetime64[ns]").to_numpy()
    return out
