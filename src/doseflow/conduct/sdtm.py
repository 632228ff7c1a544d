"""A live trial's subjects, first doses and toxicities as SDTM DM, EX, AE, SUPPAE (DLT flags) and DS.

The frames follow SDTMIG v3.4 and are written by :func:`doseflow.cdisc.write.write_domain`
(validated against doseflow's specifications first), so ``doseflow analyze`` reads a live
trial like any SDTM folder. The DLT adjudication goes to SUPPAE as QNAM ``AEDLT``, as
:func:`doseflow.readout.dlt.tabulate_dlt` reads it.

Mapping: USUBJID = ``<protocol id>-<patient id>``; study day 0 of conduct (first
enrolment) is RFSTDTC of the first patient, and SDTM study days count from each subject's
first dose (day 1, no day 0: SDTMIG 4.4.4). One EX record per patient: the dose of the
DLT-window cycle at the enrolment date. One AE record per toxicity assessment, AEREL
"RELATED" (the DLT-window form records treatment-related toxicities), AETOXGR the CTCAE
grade. A patient followed to the end of the DLT window without a DLT gets a DS protocol
milestone (DSCAT "PROTOCOL MILESTONE", :data:`DLT_WINDOW_COMPLETED`) on the day the window was
closed, which tells the readout the patient was DLT-evaluable.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from doseflow.cdisc.write import write_domain
from doseflow.conduct.calendar import compute_date
from doseflow.conduct.trial import Trial

__all__ = ["DLT_WINDOW_COMPLETED", "derive_sdtm", "write_sdtm"]


_COLUMNS = {
    "dm": ["STUDYID", "DOMAIN", "USUBJID", "SUBJID", "RFSTDTC", "RFXSTDTC", "SITEID", "AGE", "AGEU", "SEX", "COUNTRY",
           "ARMCD", "ARM", "ACTARMCD", "ACTARM"],
    "ex": ["STUDYID", "DOMAIN", "USUBJID", "EXSEQ", "EXTRT", "EXDOSE", "EXDOSU", "EXSTDTC", "EXSTDY"],
    "ae": ["STUDYID", "DOMAIN", "USUBJID", "AESEQ", "AETERM", "AEDECOD", "AEREL", "AETOXGR", "AESTDTC", "AESTDY"],
    "suppae": ["STUDYID", "RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL", "QNAM", "QLABEL", "QVAL", "QORIG", "QEVAL"],
    "ds": ["STUDYID", "DOMAIN", "USUBJID", "DSSEQ", "DSTERM", "DSDECOD", "DSCAT", "DSSTDTC", "DSSTDY"],
}
#: The protocol milestone written when a patient's DLT window has been followed to its end.
DLT_WINDOW_COMPLETED = "DLT EVALUATION PERIOD COMPLETED"


def _dtc(trial: Trial, day: float) -> str:
    when = compute_date(trial, day)
    return "" if when is None else when.isoformat()


def derive_sdtm(trial: Trial) -> dict[str, pd.DataFrame]:
    """``{"dm", "ex", "ae", "suppae"}`` frames of the trial (empty frames before the first patient)."""
    study = trial.protocol_id
    records = {r.id: r for r in trial.state.records}
    dm_rows, ex_rows = [], []
    for s in trial.subjects:
        r = records[s.patient_id]
        level = trial.plan.level(r.dose_level)
        start = _dtc(trial, r.enrolled_day)
        arm = f"{level.amount:g} {level.unit}".strip()
        dm_rows.append({"STUDYID": study, "DOMAIN": "DM", "USUBJID": f"{study}-{s.patient_id}",
                        "SUBJID": s.patient_id, "RFSTDTC": start, "RFXSTDTC": start, "SITEID": s.site,
                        "AGE": float("nan") if s.age is None else float(s.age), "AGEU": "YEARS",
                        "SEX": s.sex, "COUNTRY": s.country, "ARMCD": f"L{r.dose_level}", "ARM": arm,
                        "ACTARMCD": f"L{r.dose_level}", "ACTARM": arm})
        ex_rows.append({"STUDYID": study, "DOMAIN": "EX", "USUBJID": f"{study}-{s.patient_id}", "EXSEQ": 1.0,
                        "EXTRT": trial.treatment, "EXDOSE": float(level.amount), "EXDOSU": level.unit,
                        "EXSTDTC": start, "EXSTDY": 1.0})
    ae_rows, supp_rows = [], []
    seq: dict[str, int] = {}
    for a in sorted(trial.assessments, key=lambda a: (a.patient_id, a.onset_day, a.id)):
        r = records[a.patient_id]
        usubjid = f"{study}-{a.patient_id}"
        seq[usubjid] = seq.get(usubjid, 0) + 1
        ae_rows.append({"STUDYID": study, "DOMAIN": "AE", "USUBJID": usubjid, "AESEQ": float(seq[usubjid]),
                        "AETERM": a.term, "AEDECOD": a.term.upper(), "AEREL": "RELATED",
                        "AETOXGR": str(a.grade), "AESTDTC": _dtc(trial, a.onset_day),
                        "AESTDY": float(a.onset_day - r.enrolled_day + 1)})
        supp_rows.append({"STUDYID": study, "RDOMAIN": "AE", "USUBJID": usubjid, "IDVAR": "AESEQ",
                          "IDVARVAL": str(seq[usubjid]), "QNAM": "AEDLT", "QLABEL": "Dose-Limiting Toxicity",
                          "QVAL": "Y" if a.dlt else "N", "QORIG": "ASSIGNED", "QEVAL": "INVESTIGATOR"})
    ds_rows = []
    for s in trial.subjects:
        r = records[s.patient_id]
        if r.dlt is False and r.followup_day is not None and r.followup_day >= trial.dlt_window_days:
            day = r.enrolled_day + r.followup_day
            ds_rows.append({"STUDYID": study, "DOMAIN": "DS", "USUBJID": f"{study}-{s.patient_id}", "DSSEQ": 1.0,
                            "DSTERM": DLT_WINDOW_COMPLETED, "DSDECOD": DLT_WINDOW_COMPLETED,
                            "DSCAT": "PROTOCOL MILESTONE", "DSSTDTC": _dtc(trial, day),
                            "DSSTDY": float(r.followup_day + 1)})
    return {name: pd.DataFrame(rows, columns=_COLUMNS[name])
            for name, rows in (("dm", dm_rows), ("ex", ex_rows), ("ae", ae_rows), ("suppae", supp_rows),
                               ("ds", ds_rows))}


def write_sdtm(trial: Trial, folder: str | Path, fmt: str = "csv") -> list[Path]:
    """Write the trial's DM, EX, AE and SUPPAE into ``folder`` (``dm.csv``, ...); returns the paths.

    AE and SUPPAE are written only when there is at least one assessment, DS only when a DLT
    window has been followed to its end (an empty file would say nothing a missing one does
    not).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in derive_sdtm(trial).items():
        if frame.empty and name in ("ae", "suppae", "ds"):
            continue
        written.append(write_domain(frame, folder / f"{name}.{fmt}", domain=name.upper()))
    return written
