"""Subject-level analysis data (ADSL-like): one row per subject of DM, with exposure and dose group.

Every readout analysis starts from this frame: the safety population (SAFFL), the treatment
start and end dates, the dose that defines each subject's group and its 1-based dose level.
The module also holds the checks every readout function applies to its SDTM inputs
(required variables, numbers, known subjects), so that bad input fails at the boundary
with a message naming the domain, variable, row and value.

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
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from doseflow.cdisc.dates import parse_dtc
from doseflow.checks import check_choice
from doseflow.errors import DataError

__all__ = [
    "ADSL_COLUMNS",
    "derive_adsl",
    "validate_columns",
    "validate_numeric",
    "validate_subjects",
    "upper_text",
    "calendar_date",
    "population_n",
    "group_labels",
]

#: The columns :func:`derive_adsl` always returns, in order (extra variables follow).
ADSL_COLUMNS: tuple[str, ...] = (
    "USUBJID", "STUDYID", "AGE", "SEX", "RACE", "ARM", "ACTARM",
    "TRTSDT", "TRTSDTF", "TRTEDT", "TRTEDTF", "RANDDT", "DTHDT", "DTHDTF",
    "SAFFL", "DOSE", "DOSEU", "DOSE_GROUP", "DOSE_LEVEL", "TRTDURD", "TUMTYPE", "PRIORLN",
)

DOSE_BY = ("first_dose", "max_dose", "arm")


# --- boundary checks shared by the readout analyses ----------------------------------------

def validate_columns(frame: object, domain: str, columns: Iterable[str]) -> pd.DataFrame:
    """Return ``frame`` if it is a DataFrame holding every variable of ``columns``.

    Raises
    ------
    DataError
        Naming the domain and the first missing variable, e.g.
        ``"ex variable EXDOSE: must be present (required: USUBJID, EXDOSE); got 'missing'."``
    """
    columns = tuple(columns)
    if not isinstance(frame, pd.DataFrame):
        raise DataError(domain, "a pandas DataFrame of the SDTM domain", type(frame).__name__)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(f"{domain} variable {missing[0]}", "present (required: " + ", ".join(columns) + ")",
                        "missing")
    return frame


def validate_numeric(frame: pd.DataFrame, domain: str, column: str) -> pd.Series:
    """Return ``frame[column]`` as float64; missing stays NaN, text that is no number raises.

    Raises
    ------
    DataError
        Naming the 1-based data row and the offending value.
    """
    values = frame[column]
    out = pd.to_numeric(values, errors="coerce").astype(float)
    text = values.astype("object").where(values.notna(), "").astype(str).str.strip()
    bad = out.isna() & (text != "")
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(f"{domain} row {pos + 1}, column {column}", "a number", values.iloc[pos])
    return out


def validate_subjects(frame: pd.DataFrame, domain: str, known: Iterable[str], *,
                      reference: str = "ADSL", on_unknown: str = "error", hint: str = "") -> list[str]:
    """Return the sorted USUBJIDs of ``frame`` that are not among ``known``.

    Parameters
    ----------
    on_unknown : {"error", "note"}
        ``"error"`` raises when there are any; ``"note"`` returns them for the caller to
        report in its notes.

    Raises
    ------
    DataError
        ``"<domain> variable USUBJID: must be a subject of ADSL; got [...]"``, listing up
        to ten of them and how many there are.
    """
    unknown = sorted(set(frame["USUBJID"].dropna().astype(str)) - {str(k) for k in known})
    if unknown and on_unknown == "error":
        shown = unknown[:10] + ([f"... {len(unknown) - 10} more"] if len(unknown) > 10 else [])
        raise DataError(f"{domain} variable USUBJID", f"a subject of {reference}", shown,
                        f"{len(unknown)} subject(s) of {domain} are not in {reference}. {hint}".strip())
    return unknown


def upper_text(values: pd.Series) -> pd.Series:
    """Stripped upper-case text with missing and empty values as NaN (object dtype)."""
    s = values.astype("object")
    s = s.where(s.notna(), "").astype(str).str.strip().str.upper()
    return s.where(s != "", np.nan).astype("object")


def calendar_date(values: pd.Series) -> pd.Series:
    """Date-times truncated to their calendar day (NaT stays NaT)."""
    return pd.to_datetime(values).dt.normalize()


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


def _dose_label(dose: float, unit: object, placebo: bool) -> str:
    if placebo:
        return "Placebo"
    unit = "" if unit is None or (isinstance(unit, float) and np.isnan(unit)) else str(unit)
    return f"{dose:g} {unit}".strip()


def derive_adsl(
    dm: pd.DataFrame,
    ex: pd.DataFrame,
    *,
    ds: pd.DataFrame | None = None,
    suppdm: pd.DataFrame | None = None,
    dose_by: str = "first_dose",
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
    dose_by : {"first_dose", "max_dose", "arm"}
        What defines the dose group. ``"first_dose"``: EXDOSE of the subject's first valid
        dose (earliest EXSTDTC, then lowest EXSEQ); ``"max_dose"``: the largest valid EXDOSE;
        ``"arm"``: the ACTARM label (DOSE is then the largest valid EXDOSE, used only to
        order the arms).
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
        names placebo), or the ACTARM; DOSE_LEVEL 1-based by increasing DOSE (nullable
        Int64; placebo/0 is its own, lowest level); TRTDURD in days. Subjects outside the
        safety population have missing dose variables. ``frame.attrs["notes"]`` lists
        imputations in plain sentences.

    Raises
    ------
    DataError
        If a required variable is missing, DM repeats a subject, EX has a subject not in
        DM, EXDOSE is not a number, a date is not ISO 8601, or the defining doses have
        more than one unit.
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
    dose = validate_numeric(exd, "ex", "EXDOSE")
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

    # dose defining the group
    if dose_by == "first_dose":
        defining = first
    else:
        defining = rec.sort_values(["USUBJID", "dose", "start"], ascending=[True, False, True],
                                   kind="mergesort").groupby("USUBJID").head(1).set_index("USUBJID")
    out["DOSE"] = idx.map(defining["dose"]).astype(float)
    out["DOSEU"] = idx.map(defining["unit"]).astype("object")
    is_placebo = idx.map(defining["placebo"]).eq(True) & (out["DOSE"] == 0)
    units = set(out.loc[out["DOSE"] > 0, "DOSEU"].dropna().astype(str))
    if len(units) > 1:
        raise DataError("ex variable EXDOSU", "one unit for the doses that define the groups", sorted(units),
                        "Dose levels cannot be ordered across units.")
    safe = out["SAFFL"] == "Y"
    if dose_by == "arm":
        out["DOSE_GROUP"] = out["ACTARM"].where(safe)
        arm_dose = out[safe].groupby("DOSE_GROUP")["DOSE"].max()
        order = sorted(arm_dose.index, key=lambda a: (arm_dose[a], str(a)))
        out["DOSE_LEVEL"] = out["DOSE_GROUP"].map({a: i for i, a in enumerate(order, start=1)}).astype("Int64")
    else:
        labels = [(_dose_label(d, u, p) if s else np.nan)
                  for d, u, p, s in zip(out["DOSE"], out["DOSEU"], is_placebo, safe)]
        out["DOSE_GROUP"] = pd.Series(labels, index=out.index, dtype="object")
        key = out["DOSE"].where(safe)
        levels = np.sort(key.dropna().unique())
        out["DOSE_LEVEL"] = key.map({d: i for i, d in enumerate(levels, start=1)}).astype("Int64")
        if is_placebo.any() and ((out["DOSE"] == 0) & ~is_placebo & safe).any():
            raise DataError("ex variable EXTRT", "placebo for every 0 dose or for none", "a mix",
                            "0-dose records of active and placebo treatment would share one level.")
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
    return out


def population_n(adsl: pd.DataFrame, by: str = "DOSE_GROUP", *, population: str | None = "SAFFL") -> pd.Series:
    """Subjects per group of a population (default the safety population), in dose order.

    Parameters
    ----------
    adsl : pandas.DataFrame
        From :func:`derive_adsl`.
    by : str
        ADSL column defining the groups. Groups are ordered by their lowest DOSE_LEVEL
        when ADSL has DOSE_LEVEL, then by label; a missing label is shown as "Missing".
    population : str or None
        ADSL flag column selecting the subjects (value "Y"); None for all subjects.

    Returns
    -------
    pandas.Series
        Number of subjects, indexed by group label (str), in display order.

    Raises
    ------
    DataError
        If ``by`` or ``population`` is not a column of ADSL.

    Examples
    --------
    >>> adsl = pd.DataFrame({"USUBJID": list("abcd"), "SAFFL": ["Y", "Y", "Y", "N"],
    ...                      "DOSE_GROUP": ["2.4 mg/kg", "1.2 mg/kg", "2.4 mg/kg", None],
    ...                      "DOSE_LEVEL": [2, 1, 2, None]})
    >>> population_n(adsl).to_dict()
    {'1.2 mg/kg': 1, '2.4 mg/kg': 2}
    """
    validate_columns(adsl, "adsl", ("USUBJID", by) + ((population,) if population else ()))
    rows = adsl if population is None else adsl[adsl[population].astype(str).str.upper() == "Y"]
    labels = group_labels(rows, by)
    counts = labels.value_counts(sort=False)
    if "DOSE_LEVEL" in rows.columns:
        level = pd.to_numeric(rows["DOSE_LEVEL"], errors="coerce").groupby(labels.to_numpy()).min()
        order = sorted(counts.index, key=lambda g: (np.inf if pd.isna(level.get(g)) else level.get(g), g))
    else:
        order = sorted(counts.index)
    return counts.reindex(order).astype(int).rename("N")


def group_labels(adsl: pd.DataFrame, by: str) -> pd.Series:
    """The group label of each ADSL row as text; missing labels become "Missing"."""
    labels = adsl[by].astype("object")
    return labels.where(labels.notna(), "Missing").astype(str)
