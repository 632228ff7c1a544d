"""Subject-level SDTM domains of a virtual trial: DM, SUPPDM and DS.

One DM record per patient (SDTMIG v3.4 §5.2); the patient characteristics DM has no
variable for go to SUPPDM as subject-level qualifiers (IDVAR empty, SDTMIG v3.4 §8.4.1), under
the QNAMs :func:`doseflow.readout.adsl.derive_adsl` reads by default (TUMTYPE, PRIORLN);
DS holds the protocol milestones and the disposition events (SDTMIG v3.4 §6.2.3).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from doseflow.errors import DataError
from doseflow.insilico.sdtm.calendar import (
    StudyCalendar,
    assign_seq,
    format_number,
    validate_flags,
    validate_numbers,
)
from doseflow.insilico.sdtm.options import SDTMOptions
from doseflow.insilico.trial.data import VirtualTrialData

__all__ = ["END_REASONS", "SUPPDM_QUALIFIERS", "derive_dm", "derive_suppdm", "derive_ds", "compute_consent_day"]

#: Values of ``patients.end_reason``; all but ONGOING are CDISC CT NCOMPLT (C66727) terms.
END_REASONS = ("PROGRESSIVE DISEASE", "ADVERSE EVENT", "WITHDRAWAL BY SUBJECT", "DEATH", "ONGOING")

#: SUPPDM qualifiers: QNAM -> (patients column, QLABEL, QORIG).
SUPPDM_QUALIFIERS: dict[str, tuple[str, str, str]] = {
    "TUMTYPE": ("tumour_type", "Tumor Type", "COLLECTED"),
    "PRIORLN": ("prior_lines", "Prior Lines of Systemic Therapy", "COLLECTED"),
    "PRIORHER": ("prior_anti_her2_lines", "Prior Lines of Anti-HER2 Therapy", "COLLECTED"),
    "WEIGHTBL": ("weight_kg", "Baseline Weight (kg)", "COLLECTED"),
    "PART": ("phase", "Study Part", "ASSIGNED"),
    "COHORT": ("cohort", "Cohort (0 = Expansion or Backfill)", "ASSIGNED"),
    "DLTFL": ("dlt", "DLT in the Cycle 1 Window", "ASSIGNED"),
    "DLTRSN": ("dlt_reason", "DLT Rule Met", "ASSIGNED"),
}


_PATIENT_NUMBERS = ("patient", "enrol_day", "dose_level", "dose_mg_kg", "cohort", "age", "weight_kg",
                    "prior_lines", "prior_anti_her2_lines", "end_day", "last_alive_day")
_PATIENT_OPTIONAL = ("death_day", "albumin_g_l", "last_dose_day")  # NaN allowed (alive, not measured, never dosed)


def _check_values(frame: pd.DataFrame, column: str, allowed: tuple[str, ...]) -> None:
    bad = ~frame[column].isin(allowed).to_numpy()
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise DataError(f"virtual trial table 'patients' row {pos + 1}, column {column}",
                        "one of " + ", ".join(repr(a) for a in allowed), frame[column].iloc[pos])


def _sorted_patients(data: VirtualTrialData) -> pd.DataFrame:
    """The patients table checked (rows named as given) and sorted by patient number.

    Numeric columns become float (death_day, albumin_g_l and last_dose_day may be NaN),
    ``dlt`` bool.
    """
    raw = data.patients.reset_index(drop=True)
    num = validate_numbers(raw, "patients", _PATIENT_NUMBERS)
    num.update(validate_numbers(raw, "patients", _PATIENT_OPTIONAL, allow_nan=_PATIENT_OPTIONAL))
    level = num["dose_level"]
    bad = (level < 1) | (level != np.floor(level))
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise DataError(f"virtual trial table 'patients' row {pos + 1}, column dose_level", "a whole number >= 1",
                        raw["dose_level"].iloc[pos])
    _check_values(raw, "sex", ("F", "M"))
    _check_values(raw, "phase", ("escalation", "expansion"))
    _check_values(raw, "end_reason", END_REASONS)
    p = raw.copy()
    for column, values in num.items():
        p[column] = values
    p["dlt"] = validate_flags(raw, "patients", "dlt")
    p["patient"] = p["patient"].astype(np.int64)
    return p.sort_values("patient", kind="mergesort").reset_index(drop=True)


def _dose_span(data: VirtualTrialData) -> pd.DataFrame:
    """Per patient: first dose day and mg/kg, and the day the last infusion ended."""
    d = validate_numbers(data.doses, "doses", ("patient", "day", "dose_mg_kg", "infusion_min"))
    doses = pd.DataFrame({"patient": d["patient"].astype(np.int64), "day": d["day"], "dose": d["dose_mg_kg"],
                          "end": d["day"] + d["infusion_min"] / 1440.0})
    doses = doses.sort_values(["patient", "day"], kind="mergesort")
    first = doses.groupby("patient").head(1).set_index("patient")
    last = doses.groupby("patient").tail(1).set_index("patient")
    return pd.DataFrame({"first_day": first["day"], "first_dose": first["dose"], "last_end": last["end"]})


def compute_consent_day(data: VirtualTrialData, lead_days: int) -> pd.Series:
    """Patient day of informed consent: ``floor(min(0, earliest record day)) - lead_days``.

    The earliest record is the first dose (day 0) or any earlier dose, lab, PK sample, scan
    or adverse-event onset; consent is not simulated, so it is placed ``lead_days`` before
    it. Returns a Series indexed by patient number.
    """
    parts = [pd.DataFrame({"patient": data.patients["patient"].to_numpy(), "day": 0.0})]
    for table, column in (("doses", "day"), ("labs", "day"), ("pk", "day"), ("measurements", "day"),
                          ("responses", "day"), ("adverse_events", "start_day")):
        frame = getattr(data, table)
        parts.append(pd.DataFrame({"patient": frame["patient"].to_numpy(),
                                   "day": pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)}))
    days = pd.concat(parts, ignore_index=True)
    days["patient"] = pd.to_numeric(days["patient"]).astype(np.int64)
    earliest = days.groupby("patient")["day"].min()
    return np.floor(earliest.clip(upper=0.0)) - float(lead_days)


def derive_dm(data: VirtualTrialData, cal: StudyCalendar, opt: SDTMOptions) -> pd.DataFrame:
    """SDTM DM: one record per patient (mapping in ``docs/insilico.md``, part 3).

    Arms are the assigned dose: ARMCD ``"DL<level>"``, ARM ``"<treatment> <dose> <unit>"``.
    ACTARMCD/ACTARM repeat them when the first administration is the assigned dose; a
    patient never dosed has them null with ARMNRS ``"ASSIGNED, NOT TREATED"``, one whose
    first dose differs has them null with ARMNRS ``"UNPLANNED TREATMENT"`` and ACTARMUD
    describing it (SDTMIG v3.4 §5.2, DM assumptions on ARMNRS/ACTARMUD). RFSTDTC/RFXSTDTC is
    the start of the first infusion, RFENDTC/RFXENDTC the end of the last; RFPENDTC the last
    day known alive; DTHFL ``"Y"`` or null; AGE in completed years (the simulated age
    floored), as SDTMIG DM AGE is collected.

    Raises
    ------
    DataError
        A patient value outside its allowed set (sex, phase, end reason) or not a number.
    """
    p = _sorted_patients(data)
    num = {c: p[c].to_numpy(dtype=float) for c in ("dose_level", "dose_mg_kg", "age", "last_alive_day", "death_day")}
    level = num["dose_level"]
    patient = p["patient"].to_numpy()
    span = _dose_span(data).reindex(patient)
    dosed = span["first_day"].notna().to_numpy()
    arm_dose = format_number(num["dose_mg_kg"])
    armcd = ("DL" + pd.Series(level.astype(np.int64)).astype(str)).to_numpy(dtype=object)
    arm = (opt.treatment + " " + pd.Series(arm_dose) + " " + data.dose_unit).to_numpy(dtype=object)
    first = span["first_dose"].to_numpy(dtype=float)
    same = dosed & np.isclose(first, num["dose_mg_kg"], rtol=1e-9, atol=0.0)
    unplanned = dosed & ~same
    actual = (opt.treatment + " " + pd.Series(format_number(first)).fillna("") + " " + data.dose_unit)
    start = cal.dtc(patient, span["first_day"].to_numpy(dtype=float), time=True)
    end = cal.dtc(patient, span["last_end"].to_numpy(dtype=float), time=True)
    died = np.isfinite(num["death_day"])
    consent = compute_consent_day(data, opt.consent_lead_days).reindex(patient).to_numpy(dtype=float)
    none = np.full(len(p), None, dtype=object)
    dm = pd.DataFrame({
        "STUDYID": data.study_id, "DOMAIN": "DM", "USUBJID": cal.usubjid(patient),
        "SUBJID": pd.Series(patient).astype(str).str.zfill(3).to_numpy(dtype=object),
        "RFSTDTC": start, "RFENDTC": end, "RFXSTDTC": start, "RFXENDTC": end,
        "RFICDTC": cal.dtc(patient, consent, time=False),
        "RFPENDTC": cal.dtc(patient, num["last_alive_day"], time=False),
        "DTHDTC": cal.dtc(patient, num["death_day"], time=False),
        "DTHFL": np.where(died, "Y", none),
        "SITEID": opt.site_id, "AGE": np.floor(num["age"]), "AGEU": "YEARS", "SEX": p["sex"].to_numpy(dtype=object),
        "RACE": opt.race, "ETHNIC": opt.ethnic,
        "ARMCD": armcd, "ARM": arm,
        "ACTARMCD": np.where(same, armcd, none), "ACTARM": np.where(same, arm, none),
        "ARMNRS": np.where(~dosed, "ASSIGNED, NOT TREATED", np.where(unplanned, "UNPLANNED TREATMENT", none)),
        "ACTARMUD": np.where(unplanned, actual.to_numpy(dtype=object), none),
        "COUNTRY": opt.country,
    })
    return dm


def derive_suppdm(data: VirtualTrialData, cal: StudyCalendar) -> pd.DataFrame:
    """SDTM SUPPDM: the patient characteristics of :data:`SUPPDM_QUALIFIERS`, subject level.

    One record per patient and qualifier, except DLTRSN, written only when a DLT rule fired
    (a qualifier with no value has no record, SDTMIG v3.4 §8.4.1). Numbers are written in
    their shortest decimal form, booleans as ``"Y"``/``"N"``, phase in upper case.
    """
    p = _sorted_patients(data)
    patient = p["patient"].to_numpy()
    usubjid = cal.usubjid(patient)
    blocks = []
    for order, (qnam, (column, label, origin)) in enumerate(SUPPDM_QUALIFIERS.items()):
        values = p[column]
        if column in ("prior_lines", "prior_anti_her2_lines", "weight_kg", "cohort"):
            qval = format_number(values.to_numpy(dtype=float))
        elif column == "dlt":
            qval = np.where(values.to_numpy(dtype=bool), "Y", "N").astype(object)
        elif column == "phase":
            qval = values.str.upper().to_numpy(dtype=object)
        else:
            qval = values.astype("object").where(values.notna(), None).to_numpy(dtype=object)
        keep = np.array([v is not None and str(v).strip() != "" for v in qval], dtype=bool)
        blocks.append(pd.DataFrame({
            "STUDYID": data.study_id, "RDOMAIN": "DM", "USUBJID": usubjid[keep], "IDVAR": None, "IDVARVAL": None,
            "QNAM": qnam, "QLABEL": label, "QVAL": np.asarray(qval, dtype=object)[keep], "QORIG": origin,
            "QEVAL": None, "_order": order,
        }))
    supp = pd.concat(blocks, ignore_index=True)
    return supp.sort_values(["USUBJID", "_order"], kind="mergesort").drop(columns="_order").reset_index(drop=True)


def derive_ds(data: VirtualTrialData, cal: StudyCalendar, opt: SDTMOptions) -> pd.DataFrame:
    """SDTM DS: consent and first-dose milestones, end of treatment and death.

    Records per patient, in date order:

    * ``INFORMED CONSENT OBTAINED`` (DSCAT PROTOCOL MILESTONE; CT PROTMLST), dated by
      :func:`compute_consent_day`;
    * ``FIRST DOSE`` (PROTOCOL MILESTONE, a sponsor term: PROTMLST is extensible) at the
      start of the first infusion, for dosed patients;
    * the end of treatment (DSCAT DISPOSITION EVENT, DSSCAT ``"END OF TREATMENT"``,
      DSDECOD = ``end_reason``, CT NCOMPLT) on ``end_day``, unless ``end_reason`` is
      ONGOING: a patient still on treatment at the cut-off has no disposition event for
      that epoch yet (SDTMIG v3.4 §6.2.3: disposition events record completion or
      discontinuation of an epoch);
    * ``DEATH`` (DISPOSITION EVENT, DSSCAT ``"END OF STUDY"``) on ``death_day``.

    Raises
    ------
    DataError
        An ``end_reason`` outside :data:`END_REASONS`, or a day that is not a number.
    """
    p = _sorted_patients(data)
    num = {c: p[c].to_numpy(dtype=float) for c in ("end_day", "death_day")}
    patient = p["patient"].to_numpy()
    span = _dose_span(data).reindex(patient)
    consent = compute_consent_day(data, opt.consent_lead_days).reindex(patient).to_numpy(dtype=float)
    reason = p["end_reason"].to_numpy(dtype=object)
    ended = reason != "ONGOING"
    died = np.isfinite(num["death_day"])
    dosed = span["first_day"].notna().to_numpy()
    specs = (
        (np.ones(len(p), bool), consent, False, "INFORMED CONSENT OBTAINED", "INFORMED CONSENT OBTAINED",
         "PROTOCOL MILESTONE", None, "SCREENING"),
        (dosed, span["first_day"].to_numpy(dtype=float), True, f"FIRST DOSE OF {opt.treatment}", "FIRST DOSE",
         "PROTOCOL MILESTONE", None, "TREATMENT"),
        (ended, num["end_day"], False, reason, reason, "DISPOSITION EVENT", "END OF TREATMENT", "TREATMENT"),
        (died, num["death_day"], False, "DEATH", "DEATH", "DISPOSITION EVENT", "END OF STUDY", "FOLLOW-UP"),
    )
    blocks = []
    for order, (mask, day, timed, term, decod, cat, scat, epoch) in enumerate(specs):
        pick = np.flatnonzero(mask)
        pat = patient[pick]
        blocks.append(pd.DataFrame({
            "STUDYID": data.study_id, "DOMAIN": "DS", "USUBJID": cal.usubjid(pat),
            "DSTERM": np.asarray(term, dtype=object)[pick] if isinstance(term, np.ndarray) else term,
            "DSDECOD": np.asarray(decod, dtype=object)[pick] if isinstance(decod, np.ndarray) else decod,
            "DSCAT": cat, "DSSCAT": scat, "EPOCH": epoch,
            "DSSTDTC": cal.dtc(pat, day[pick], time=timed),
            "DSSTDY": cal.study_day(pat, day[pick]),
            "_day": day[pick], "_order": order,
        }))
    ds = assign_seq(pd.concat(blocks, ignore_index=True), ["_day", "_order"], "DS")
    columns = ["STUDYID", "DOMAIN", "USUBJID", "DSSEQ", "DSTERM", "DSDECOD", "DSCAT", "DSSCAT", "EPOCH",
               "DSSTDTC", "DSSTDY"]
    return ds[columns]
