"""From SDTM PC and EX to the analysis concentration-time frame of the NCA.

One output row per PC record (none is ever dropped): the record's dosing interval, time
since that dose in hours, concentration, BLQ status and, when the record is not used by
the NCA, the reason in ``exclusion_reason``. The rules (CDISC ADaM IG for
Non-compartmental Analysis Input Data v1.0, 2021, the ADNCA relative-time variables;
admiral's ``pk_adnca`` vignette for their derivation):

Doses
    Every EX record with a usable EXSTDTC is a dose event, numbered 1, 2, ... per subject
    in time order (``dose_number``). A date-only EXSTDTC is taken as midnight and flagged
    in ``time_flag`` ("dose time imputed ..."); a partial date makes the record unusable.
    The EX records are not expanded by EXDOSFRQ: a record that covers several
    administrations counts as one dose at its start (filter or expand EX beforehand for
    a multiple-dose analysis). Route: EXROUTE containing "INTRAVENOUS" is "iv bolus" if it
    says BOLUS or EXENDTC equals EXSTDTC, else "iv infusion" of duration EXENDTC - EXSTDTC
    (NaN when either has no time); anything else is "extravascular".
Dosing interval of a sample
    The latest dose at or before the sample (PCDTC). A planned pre-dose sample (nominal
    time < 0) belongs to the dose that follows it, and a sample before every dose to the
    first dose, with a negative time, as ADNCA's reference dose for pre-dose records.
Time
    ``time="actual"``: PCDTC minus the dose date-time, hours (ADNCA ARRLT);
    ``time="nominal"``: PCELTM (ISO 8601 duration) if present, else PCTPTNUM, read as hours
    (ADNCA NRRLT). Both are returned as ``time_actual`` and ``time_nominal``.
Pre-dose samples
    Kept with their negative time and excluded from the NCA ("sample before the dose").
    With ``predose_to_zero=True`` the last pre-dose sample of an interval without a
    time-0 sample is moved to time 0 (WinNonlin's treatment of a pre-dose sample as the
    time-0 concentration; PKNCA's impute "start_predose"), flagged in ``time_flag``.
BLQ
    PCORRES or PCSTRESC beginning with "<" or reading BLQ/BQL/BLOQ, or PCSTRESN < PCLLOQ;
    ``conc`` is then 0 and the NCA applies its BLQ rules.
Specimen
    Only ``specimens`` (plasma and serum by default) enter the NCA; urine records are kept with the
    reason "specimen URINE: not used ..." (urinary excretion parameters are not computed).
Placebo
    Samples of a dose with EXDOSE 0 are excluded ("placebo dose (EXDOSE 0)").

Examples
--------
>>> pc = pd.DataFrame({"USUBJID": "S1", "PCTESTCD": "DRUG", "PCSPEC": "PLASMA",
...                    "PCDTC": ["2020-01-01T23:30", "2020-01-02T01:00", "2020-01-02T04:00"],
...                    "PCORRES": ["<BLQ", "1.2", "0.8"], "PCSTRESN": [None, 1.2, 0.8], "PCLLOQ": 0.01})
>>> ex = pd.DataFrame({"USUBJID": ["S1"], "EXDOSE": [50.0], "EXDOSU": ["mg"], "EXSTDTC": ["2020-01-02"]})
>>> out = derive_pk_concentrations(pc, ex)
>>> out[["time", "conc", "blq", "excluded"]].to_dict(orient="list")
{'time': [-0.5, 1.0, 4.0], 'conc': [0.0, 1.2, 0.8], 'blq': [True, False, False], 'excluded': [True, False, False]}
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from doseflow.cdisc.dates import parse_dtc
from doseflow.checks import check_choice
from doseflow.errors import DataError, InputError
from doseflow.readout.inputs import fail_at_first, source_of, upper_text, validate_columns, validate_numeric

__all__ = ["derive_pk_concentrations", "compute_iso_duration_hours"]

_KEYS = ["USUBJID", "analyte", "specimen", "dose_number"]
_BLQ_TEXT = re.compile(r"^\s*(<|BLQ|BQL|BLOQ|BELOW)", re.IGNORECASE)
_DURATION = re.compile(r"^(?P<sign>-)?P(?:(?P<d>\d+(?:\.\d+)?)D)?(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?"
                       r"(?:(?P<m>\d+(?:\.\d+)?)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$")


def compute_iso_duration_hours(values: pd.Series, where: str = "PCELTM") -> pd.Series:
    """ISO 8601 durations (``"PT1H30M"``, ``"-PT30M"``, ``"P1DT2H"``) as hours; empty -> NaN.

    Raises
    ------
    DataError
        Naming the 1-based row and the value that is not a duration.

    Examples
    --------
    >>> compute_iso_duration_hours(pd.Series(["PT1H30M", "-PT30M", "P1D", ""])).tolist()
    [1.5, -0.5, 24.0, nan]
    """
    out = np.full(len(values), np.nan)
    for i, v in enumerate(values.tolist()):
        if v is None or (isinstance(v, float) and np.isnan(v)) or str(v).strip() == "":
            continue
        m = _DURATION.match(str(v).strip().upper())
        if not m or str(v).strip().upper() in ("P", "PT", "-P", "-PT"):
            raise DataError(f"{where} row {i + 1}", "an ISO 8601 duration such as PT1H30M", v)
        hours = sum(float(m[g] or 0) * f for g, f in (("d", 24.0), ("h", 1.0), ("m", 1 / 60), ("s", 1 / 3600)))
        out[i] = -hours if m["sign"] else hours
    return pd.Series(out, index=values.index)


def _dose_events(ex: pd.DataFrame) -> pd.DataFrame:
    validate_columns(ex, "ex", ("USUBJID", "EXDOSE", "EXSTDTC"))
    dose = validate_numeric(ex, "ex", "EXDOSE", minimum=0.0)
    start = parse_dtc(ex["EXSTDTC"], impute=None, where="ex column EXSTDTC")
    end = parse_dtc(ex["EXENDTC"], impute=None, where="ex column EXENDTC") if "EXENDTC" in ex else None
    ev = pd.DataFrame({
        "USUBJID": ex["USUBJID"].astype(str).to_numpy(),
        "dose": dose.to_numpy(),
        "dose_unit": ex["EXDOSU"].fillna("").astype(str).to_numpy() if "EXDOSU" in ex else "",
        "dose_datetime": start["dt"].to_numpy(),
        "dose_time_imputed": (start["tmf"] == "H").to_numpy(),
        "EXSEQ": pd.to_numeric(ex["EXSEQ"], errors="coerce").to_numpy() if "EXSEQ" in ex else np.arange(len(ex)),
    })
    route_txt = upper_text(ex["EXROUTE"]).fillna("").to_numpy() if "EXROUTE" in ex else np.full(len(ex), "")
    iv = np.char.find(route_txt.astype(str), "INTRAVENOUS") >= 0
    bolus_word = np.char.find(route_txt.astype(str), "BOLUS") >= 0
    if end is not None:
        clock = [None, "S"]  # hours and minutes given (seconds may be missing)
        timed = (start["tmf"].isin(clock) & end["tmf"].isin(clock) & start["dt"].notna()
                 & end["dt"].notna()).to_numpy()
        dur = ((end["dt"] - start["dt"]).dt.total_seconds() / 3600.0).to_numpy()
    else:
        timed = np.zeros(len(ex), dtype=bool)
        dur = np.full(len(ex), np.nan)
    bolus = iv & (bolus_word | (timed & (dur == 0)))
    ev["route"] = np.where(bolus, "iv bolus", np.where(iv, "iv infusion", "extravascular"))
    ev["infusion_duration"] = np.where(iv & ~bolus & timed & (dur > 0), dur, np.nan)
    ev = ev[ev["dose_datetime"].notna()].sort_values(["USUBJID", "dose_datetime", "EXSEQ"], kind="mergesort")
    dup = ev.duplicated(["USUBJID", "dose_datetime"])
    if dup.any():
        row = ev[dup].iloc[0]
        raise DataError(f"ex subject {row['USUBJID']}, EXSTDTC", "one dose record per start time",
                        str(row["dose_datetime"]),
                        "Filter EX to the drug measured in PC (EXTRT) before deriving concentrations.")
    ev["dose_number"] = ev.groupby("USUBJID").cumcount() + 1
    return ev.reset_index(drop=True)


def derive_pk_concentrations(
    pc: pd.DataFrame,
    ex: pd.DataFrame,
    adsl: pd.DataFrame | None = None,
    *,
    time: str = "actual",
    specimens: Sequence[str] = ("PLASMA", "SERUM"),
    predose_to_zero: bool = False,
) -> pd.DataFrame:
    """Derive the NCA concentration-time frame from SDTM PC and EX (rules in the module docstring).

    Parameters
    ----------
    pc : pandas.DataFrame
        SDTM PC; required USUBJID, PCTESTCD, PCSPEC, PCSTRESN, and PCDTC (actual time) or
        PCELTM/PCTPTNUM (nominal time); used when present: PCORRES, PCSTRESC, PCLLOQ,
        PCSTRESU, PCTPTNUM, PCELTM.
    ex : pandas.DataFrame
        SDTM EX; required USUBJID, EXDOSE, EXSTDTC; used when present: EXDOSU, EXROUTE,
        EXENDTC, EXSEQ. Filter it to the drug measured in PC beforehand.
    adsl : pandas.DataFrame, optional
        Subject-level frame (e.g. from :func:`doseflow.readout.adsl.derive_adsl`); its
        columns not already in the output (DOSE_GROUP, DOSE_LEVEL, ACTARM, ...) are joined
        by USUBJID.
    time : {"actual", "nominal"}
        Which time becomes the ``time`` column used by the NCA.
    specimens : sequence of str
        PCSPEC values that enter the NCA (case-insensitive).
    predose_to_zero : bool
        Move the last pre-dose sample of an interval without a time-0 sample to time 0.

    Returns
    -------
    pandas.DataFrame
        The PC columns plus: ``analyte`` (PCTESTCD), ``specimen``, ``dose_number``,
        ``dose_datetime``, ``dose``, ``dose_unit``, ``route``, ``infusion_duration`` (h),
        ``sample_datetime``, ``time_actual``, ``time_nominal``, ``time`` (h), ``time_unit``,
        ``conc``, ``conc_unit``, ``lloq``, ``blq``, ``excluded``, ``exclusion_reason``,
        ``time_flag``, ``source_row`` (the record's line in the PC file, or its 1-based row
        in a frame without ``attrs["source"]``); one row per PC record, sorted by subject,
        analyte, specimen, dose number and time.

    Raises
    ------
    DataError
        Missing variables, text where a number belongs, malformed dates, a negative
        PCSTRESN or EXDOSE, a PC subject without any EX record, or two EX records of a
        subject starting at the same time; rows are named by their file line.
    InputError
        ``time`` or ``specimens`` not acceptable.

    References
    ----------
    CDISC (2021). ADaM Implementation Guide for Non-compartmental Analysis Input Data
    v1.0 (ADNCA): ARRLT, NRRLT, reference dose of pre-dose records.
    Denney et al. (2015), PKNCA impute methods "start_predose"/"start_conc0".
    """
    time = check_choice(time, "time", ("actual", "nominal"), error=InputError)
    if isinstance(specimens, str) or not all(isinstance(s, str) for s in specimens):
        raise InputError("specimens", "a sequence of PCSPEC values such as ('PLASMA',)", specimens)
    keep_spec = {s.strip().upper() for s in specimens}
    required = ["USUBJID", "PCTESTCD", "PCSPEC", "PCSTRESN"] + (["PCDTC"] if time == "actual" else [])
    validate_columns(pc, "pc", required)
    if time == "nominal" and "PCELTM" not in pc and "PCTPTNUM" not in pc:
        raise DataError("pc variable PCTPTNUM", "present for nominal time (or PCELTM)", "missing")
    ev = _dose_events(ex)

    first_row = source_of(pc, "pc")[1]
    stresn = validate_numeric(pc, "pc", "PCSTRESN", minimum=0.0)
    ex_subjects = set(ex["USUBJID"].dropna().astype(str))
    fail_at_first(pc, "pc", ~pc["USUBJID"].astype(str).isin(ex_subjects).to_numpy(),
                  "USUBJID", f"a subject with a dose record in EX ({source_of(ex, 'ex')[0]})",
                  "PK samples are timed from the dose they follow: add the subject's EX records or remove its "
                  "PC records.")
    out = pc.copy()
    n = len(out)
    out["source_row"] = (out.index.to_numpy() + first_row) if "source" in pc.attrs else np.arange(1, n + 1)
    out = out.reset_index(drop=True)
    stresn = stresn.reset_index(drop=True)
    out["USUBJID"] = out["USUBJID"].astype(str)
    out["analyte"] = out["PCTESTCD"].astype(str)
    out["specimen"] = upper_text(out["PCSPEC"]).fillna("")
    lloq = validate_numeric(out, "pc", "PCLLOQ") if "PCLLOQ" in out else pd.Series(np.nan, index=out.index)
    text_blq = np.zeros(n, dtype=bool)
    for col in ("PCORRES", "PCSTRESC"):
        if col in out:
            text_blq |= out[col].astype("object").fillna("").astype(str).str.match(_BLQ_TEXT).to_numpy()
    blq = text_blq | (stresn < lloq).to_numpy()
    out["blq"] = blq
    out["conc"] = np.where(blq, 0.0, stresn.to_numpy())
    out["lloq"] = lloq.to_numpy()
    out["conc_unit"] = out["PCSTRESU"].fillna("").astype(str) if "PCSTRESU" in out else ""

    if "PCELTM" in out and out["PCELTM"].notna().any():
        nominal = compute_iso_duration_hours(out["PCELTM"], "pc column PCELTM")
    elif "PCTPTNUM" in out:
        nominal = validate_numeric(out, "pc", "PCTPTNUM")
    else:
        nominal = pd.Series(np.nan, index=out.index)
    out["time_nominal"] = nominal.to_numpy()
    if "PCDTC" in out:
        sdt = parse_dtc(out["PCDTC"], impute=None, where="pc column PCDTC")
        no_clock = (sdt["tmf"] == "H").to_numpy()
        out["sample_datetime"] = sdt["dt"].where(~no_clock)
    else:
        no_clock = np.zeros(n, dtype=bool)
        out["sample_datetime"] = pd.NaT
    out["sample_datetime"] = pd.to_datetime(out["sample_datetime"])

    # --- assign each sample to a dose ------------------------------------------------------
    evk = ev[["USUBJID", "dose_datetime", "dose_number"]].copy()
    evk["dose_datetime"] = evk["dose_datetime"].astype("datetime64[ns]")
    has_dt = out["sample_datetime"].notna().to_numpy()
    left = out.loc[has_dt, ["USUBJID", "sample_datetime"]].copy()
    left["sample_datetime"] = left["sample_datetime"].astype("datetime64[ns]")
    left["_row"] = left.index
    left = left.sort_values("sample_datetime", kind="mergesort")
    right = evk.sort_values("dose_datetime", kind="mergesort")
    back = pd.merge_asof(left, right, left_on="sample_datetime", right_on="dose_datetime", by="USUBJID",
                         direction="backward").set_index("_row")["dose_number"]
    fwd = pd.merge_asof(left, right, left_on="sample_datetime", right_on="dose_datetime", by="USUBJID",
                        direction="forward").set_index("_row")["dose_number"]
    back = back.reindex(out.index)
    fwd = fwd.reindex(out.index)
    planned_pre = (out["time_nominal"] < 0).to_numpy()
    dose_no = np.where(planned_pre & fwd.notna(), fwd, np.where(back.notna(), back, fwd))
    n_doses = ev.groupby("USUBJID")["dose_number"].max()
    single = out["USUBJID"].map(n_doses).eq(1).to_numpy()
    dose_no = np.where(~has_dt & single, 1, dose_no)
    out["dose_number"] = pd.array(np.where(np.isnan(dose_no.astype(float)), pd.NA, dose_no), dtype="Int64")
    evm = ev.drop(columns=["EXSEQ"])
    evm["dose_number"] = evm["dose_number"].astype("Int64")
    out = out.merge(evm, on=["USUBJID", "dose_number"], how="left", validate="many_to_one")

    with np.errstate(invalid="ignore"):
        actual = (out["sample_datetime"] - out["dose_datetime"]).dt.total_seconds() / 3600.0
    out["time_actual"] = actual.to_numpy()
    out["time"] = out["time_actual"] if time == "actual" else out["time_nominal"]
    out["time_unit"] = "h"
    flag = np.where(out["dose_time_imputed"].eq(True).to_numpy(),
                    "dose time imputed: EXSTDTC has no time of day, midnight used", "").astype(object)

    # --- exclusion reasons, first applicable wins ---------------------------------------------
    reason = np.full(len(out), "", dtype=object)

    def mark(mask: np.ndarray, text: object) -> None:
        sel = mask & (reason == "")
        reason[sel] = text if np.isscalar(text) else np.asarray(text, dtype=object)[sel]

    spec = out["specimen"].to_numpy().astype(str)
    mark(~np.isin(spec, list(keep_spec)), np.char.add(np.char.add("specimen ", spec),
         ": not used for NCA (plasma analysis; urinary excretion parameters are not computed)"))
    mark(~out["USUBJID"].isin(ev["USUBJID"]).to_numpy(), "no EX dose record with a usable EXSTDTC for this subject")
    if time == "actual":
        mark(no_clock, "PCDTC has no time of day: no actual time")
    mark(out["dose_number"].isna().to_numpy(),
         "PCDTC missing or partial: cannot assign the sample to one of the subject's doses")
    if time == "actual":
        mark(out["time"].isna().to_numpy(), "PCDTC missing or partial: no actual time")
    else:
        mark(out["time"].isna().to_numpy(), "PCELTM/PCTPTNUM missing: no nominal time")
    mark(out["dose"].isna().to_numpy(), "EXDOSE missing")
    mark((out["dose"] == 0).to_numpy(), "placebo dose (EXDOSE 0): no NCA")
    mark((out["conc"].isna() & ~out["blq"]).to_numpy(), "PCSTRESN missing and not BLQ")

    if predose_to_zero:
        cand = (reason == "") & (out["time"] < 0).to_numpy()
        has_zero = out.assign(_z=(reason == "") & (out["time"] == 0).to_numpy()).groupby(
            _KEYS, dropna=False)["_z"].transform("any").to_numpy()
        sub = out[cand & ~has_zero]
        if not sub.empty:
            idx = sub.groupby(_KEYS, dropna=False)["time"].idxmax().to_numpy()
            moved = out.loc[idx, "time"].to_numpy()
            out.loc[idx, "time"] = 0.0
            txt = np.char.mod("pre-dose sample at %.2f h set to time 0", moved).astype(object)
            flag[idx] = np.where(flag[idx] == "", txt, flag[idx] + "; " + txt)
    neg_t = (out["time"] < 0).to_numpy()
    mark(neg_t, np.char.mod("sample before the dose (time %.2f h): outside the dosing interval",
                            np.where(neg_t, out["time"].to_numpy(dtype=float), 0.0)))
    out["exclusion_reason"] = reason
    out["excluded"] = reason != ""
    out["time_flag"] = flag
    out = out.drop(columns=["dose_time_imputed"])

    if adsl is not None:
        validate_columns(adsl, "adsl", ("USUBJID",))
        extra = [c for c in adsl.columns if c not in out.columns and c != "USUBJID"]
        sub = adsl[["USUBJID"] + extra].copy()
        sub["USUBJID"] = sub["USUBJID"].astype(str)
        if sub["USUBJID"].duplicated().any():
            raise DataError("adsl variable USUBJID", "one row per subject",
                            sub.loc[sub["USUBJID"].duplicated(), "USUBJID"].iloc[0])
        out = out.merge(sub, on="USUBJID", how="left")
    out = out.sort_values(_KEYS + ["time", "source_row"], kind="mergesort", na_position="last")
    return out.reset_index(drop=True)
