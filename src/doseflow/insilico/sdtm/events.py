"""Exposure and adverse events of a virtual trial as SDTM: EX, AE and SUPPAE.

EX has one record per infusion (SDTMIG v3.4 §6.1.4: one record per constant-dosing
interval; an infusion is one). AE has one record per adverse-event episode (§6.2.1), graded
by NCI CTCAE v5.0; the sponsor's DLT adjudication goes to SUPPAE as QNAM ``AEDLT`` keyed by
AESEQ (§8.4.1), ``"Y"`` or ``"N"`` for every AE, which is where
:func:`doseflow.readout.dlt.tabulate_dlt` reads it: an all-``"N"`` SUPPAE says "no DLT",
while a SUPPAE without AEDLT would say "DLTs not recorded".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from doseflow.errors import DataError
from doseflow.insilico.sdtm.calendar import (
    StudyCalendar,
    assign_seq,
    compose_cycle_visit,
    format_number,
    validate_flags,
    validate_numbers,
)
from doseflow.insilico.sdtm.options import SDTMOptions
from doseflow.insilico.trial.data import VirtualTrialData

__all__ = ["AE_ACTIONS", "SEVERITY_BY_GRADE", "derive_ex", "derive_ae", "derive_suppae"]

#: ``adverse_events.action`` values: terms of CDISC CT ACN (C66767).
AE_ACTIONS = ("DOSE NOT CHANGED", "DOSE REDUCED", "DRUG INTERRUPTED", "DRUG WITHDRAWN")

#: AESEV (CDISC CT C66769) from the CTCAE grade: 1 MILD, 2 MODERATE, 3-5 SEVERE (CTCAE v5.0,
#: "Grades": grade 1 mild, 2 moderate, 3 severe or medically significant, 4 life-threatening,
#: 5 death).
SEVERITY_BY_GRADE: dict[int, str] = {1: "MILD", 2: "MODERATE", 3: "SEVERE", 4: "SEVERE", 5: "SEVERE"}


def derive_ex(data: VirtualTrialData, cal: StudyCalendar, opt: SDTMOptions) -> pd.DataFrame:
    """SDTM EX: one record per infusion, dose in the trial's unit (mg/kg).

    EXSTDTC is the infusion start and EXENDTC start + ``infusion_min`` (date-times to the
    minute); VISIT ``"CYCLE n DAY 1"``. ``dose_mg`` is not written: EX carries one dose unit,
    and the mg dose is EXDOSE times the baseline weight (SUPPDM WEIGHTBL).

    Raises
    ------
    DataError
        A day, cycle, dose or infusion duration that is not a number, a cycle that is not a
        whole number >= 1, a dose < 0 or an infusion duration < 0.
    """
    num = validate_numbers(data.doses, "doses", ("patient", "cycle", "day", "dose_mg_kg", "infusion_min"))
    for column, low in (("cycle", 1.0), ("dose_mg_kg", 0.0), ("infusion_min", 0.0)):
        v = num[column]
        bad = (v < low) | ((v != np.floor(v)) if column == "cycle" else np.zeros(v.size, bool))
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            raise DataError(f"virtual trial table 'doses' row {pos + 1}, column {column}",
                            "a whole number >= 1" if column == "cycle" else "a number >= 0",
                            data.doses[column].iloc[pos])
    patient = num["patient"].astype(np.int64)
    day = num["day"]
    end_day = day + num["infusion_min"] / 1440.0
    visit, visitnum = compose_cycle_visit(num["cycle"], np.ones(day.size))
    ex = pd.DataFrame({
        "STUDYID": data.study_id, "DOMAIN": "EX", "USUBJID": cal.usubjid(patient),
        "EXTRT": opt.treatment, "EXDOSE": num["dose_mg_kg"], "EXDOSU": data.dose_unit,
        "EXDOSFRM": opt.dose_form, "EXDOSFRQ": opt.dose_frequency, "EXROUTE": opt.route, "EPOCH": "TREATMENT",
        "VISITNUM": visitnum, "VISIT": visit,
        "EXSTDTC": cal.dtc(patient, day, time=True), "EXENDTC": cal.dtc(patient, end_day, time=True),
        "EXSTDY": cal.study_day(patient, day), "EXENDY": cal.study_day(patient, end_day),
        "_day": day, "_row": np.arange(day.size),
    })
    ex = assign_seq(ex, ["_day", "_row"], "EX")
    return ex[["STUDYID", "DOMAIN", "USUBJID", "EXSEQ", "EXTRT", "EXDOSE", "EXDOSU", "EXDOSFRM", "EXDOSFRQ",
               "EXROUTE", "EPOCH", "VISITNUM", "VISIT", "EXSTDTC", "EXENDTC", "EXSTDY", "EXENDY"]]


def _ae_frame(data: VirtualTrialData, cal: StudyCalendar) -> pd.DataFrame:
    ae = data.adverse_events.reset_index(drop=True)
    num = validate_numbers(ae, "adverse_events", ("patient", "grade", "start_day"))
    num.update(validate_numbers(ae, "adverse_events", ("end_day",), allow_nan=("end_day",)))
    grade = num["grade"]
    bad = ~np.isin(grade, [1, 2, 3, 4, 5])
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise DataError(f"virtual trial table 'adverse_events' row {pos + 1}, column grade",
                        "a CTCAE v5.0 grade 1-5", ae["grade"].iloc[pos])
    action = ae["action"]
    bad = ~action.isin(AE_ACTIONS).to_numpy()
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise DataError(f"virtual trial table 'adverse_events' row {pos + 1}, column action",
                        "one of " + ", ".join(repr(a) for a in AE_ACTIONS), action.iloc[pos])
    for column in ("term", "soc"):
        text = ae[column].astype("object")
        bad = (text.isna() | (text.astype(str).str.strip() == "")).to_numpy()
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            raise DataError(f"virtual trial table 'adverse_events' row {pos + 1}, column {column}",
                            "a non-empty MedDRA term", text.iloc[pos])
    patient = num["patient"].astype(np.int64)
    related = validate_flags(ae, "adverse_events", "related")
    serious = validate_flags(ae, "adverse_events", "serious")
    dlt = validate_flags(ae, "adverse_events", "dlt")
    g = grade.astype(np.int64)
    ongoing = ~np.isfinite(num["end_day"])
    none = np.full(g.size, None, dtype=object)
    frame = pd.DataFrame({
        "STUDYID": data.study_id, "DOMAIN": "AE", "USUBJID": cal.usubjid(patient),
        "AETERM": ae["term"].to_numpy(dtype=object), "AEDECOD": ae["term"].to_numpy(dtype=object),
        "AEBODSYS": ae["soc"].to_numpy(dtype=object), "AESOC": ae["soc"].to_numpy(dtype=object),
        "AESEV": pd.Series(g).map(SEVERITY_BY_GRADE).to_numpy(dtype=object),
        "AESER": np.where(serious, "Y", "N").astype(object),
        "AEACN": action.to_numpy(dtype=object),
        "AEREL": np.where(related, "RELATED", "NOT RELATED").astype(object),
        "AEOUT": np.where(g == 5, "FATAL", np.where(ongoing, "NOT RECOVERED/NOT RESOLVED", "RECOVERED/RESOLVED")
                          ).astype(object),
        "AESDTH": np.where(serious, np.where(g == 5, "Y", "N"), none).astype(object),
        "AETOXGR": pd.Series(g).astype(str).to_numpy(dtype=object),
        "AESTDTC": cal.dtc(patient, num["start_day"], time=False),
        "AEENDTC": cal.dtc(patient, num["end_day"], time=False),
        "AESTDY": cal.study_day(patient, num["start_day"]),
        "AEENDY": cal.study_day(patient, num["end_day"]),
        "_dlt": dlt, "_day": num["start_day"], "_row": np.arange(g.size),
    })
    return assign_seq(frame, ["_day", "_row"], "AE")


_AE_COLUMNS = ["STUDYID", "DOMAIN", "USUBJID", "AESEQ", "AETERM", "AEDECOD", "AEBODSYS", "AESOC", "AESEV", "AESER",
               "AEACN", "AEREL", "AEOUT", "AESDTH", "AETOXGR", "AESTDTC", "AEENDTC", "AESTDY", "AEENDY"]


def derive_ae(data: VirtualTrialData, cal: StudyCalendar) -> pd.DataFrame:
    """SDTM AE: one record per adverse-event episode.

    AETERM = AEDECOD = the MedDRA preferred term as given, AEBODSYS = AESOC = its system
    organ class; AETOXGR the CTCAE grade as text ``"1"``..``"5"`` (SDTMIG: Char); AESEV by
    :data:`SEVERITY_BY_GRADE`; AEREL ``"RELATED"``/``"NOT RELATED"``; AESER ``"Y"``/``"N"``
    and, for serious events, AESDTH ``"Y"`` for grade 5; AEOUT FATAL for grade 5, NOT
    RECOVERED/NOT RESOLVED when no end day (ongoing at the cut-off), else RECOVERED/RESOLVED.
    AESEQ follows onset within each patient.

    Raises
    ------
    DataError
        A grade outside 1-5, an action outside :data:`AE_ACTIONS`, an empty term or SOC,
        a day that is not a number, or a flag that is not boolean.
    """
    return _ae_frame(data, cal)[_AE_COLUMNS]


def derive_suppae(data: VirtualTrialData, cal: StudyCalendar) -> pd.DataFrame:
    """SDTM SUPPAE: QNAM ``AEDLT`` (``"Y"``/``"N"``) for every AE record, IDVAR AESEQ."""
    ae = _ae_frame(data, cal)
    return pd.DataFrame({
        "STUDYID": data.study_id, "RDOMAIN": "AE", "USUBJID": ae["USUBJID"].to_numpy(dtype=object),
        "IDVAR": "AESEQ", "IDVARVAL": format_number(ae["AESEQ"].to_numpy()),
        "QNAM": "AEDLT", "QLABEL": "Dose-Limiting Toxicity",
        "QVAL": np.where(ae["_dlt"].to_numpy(dtype=bool), "Y", "N").astype(object),
        "QORIG": "ASSIGNED", "QEVAL": "INVESTIGATOR",
    }, columns=["STUDYID", "RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL", "QNAM", "QLABEL", "QVAL", "QORIG", "QEVAL"])
