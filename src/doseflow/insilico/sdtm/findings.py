"""Laboratory and pharmacokinetic findings of a virtual trial as SDTM: LB and PC.

LB (SDTMIG v3.4 §6.3, Laboratory Test Results) has one record per test and sample, results
in the standard units of the simulation (10^9/L, U/L, g/L) given both as collected
(LBORRES) and standardised (LBSTRESN), the normal range in both forms and LBNRIND. PC
(SDTMIG v3.4 §6.3, Pharmacokinetics Concentrations) has one record per analyte and sample;
below the lower limit of quantification the result is ``"<BLQ"`` with PCSTRESN null, and
PCLLOQ carries the limit, which is how
:func:`doseflow.readout.pk.concentrations.derive_pk_concentrations` recognises BLQ samples.
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

__all__ = ["LAB_TESTS", "PK_ANALYTES", "derive_lb", "derive_pc"]

#: ``labs.test`` -> (LBTESTCD, LBTEST, LBCAT, LBSPEC), CDISC CT LBTESTCD (C65047) / LBTEST
#: (C67154). Platelets are LBTESTCD ``PLAT`` in CDISC CT; the simulation calls them PLT (the
#: readout maps PLAT back to PLT, ``doseflow.readout.labs.TEST_ALIASES``). ALB carries the
#: baseline albumin of ``patients.albumin_g_l``.
LAB_TESTS: dict[str, tuple[str, str, str, str]] = {
    "PLT": ("PLAT", "Platelets", "HEMATOLOGY", "BLOOD"),
    "HGB": ("HGB", "Hemoglobin", "HEMATOLOGY", "BLOOD"),
    "AST": ("AST", "Aspartate Aminotransferase", "CHEMISTRY", "SERUM"),
    "ALT": ("ALT", "Alanine Aminotransferase", "CHEMISTRY", "SERUM"),
    "ALP": ("ALP", "Alkaline Phosphatase", "CHEMISTRY", "SERUM"),
    "ALB": ("ALB", "Albumin", "CHEMISTRY", "SERUM"),
}

#: ``pk.analyte`` -> PCTEST (the treatment name is prefixed to the ADC).
PK_ANALYTES: dict[str, str] = {"ADC": "Antibody-Drug Conjugate", "TAB": "Total Antibody"}


def _normal_range_indicator(value: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """LBNRIND: LOW below the LLN, HIGH above the ULN, NORMAL otherwise; None without a value
    or a range (CDISC CT NRIND C78736)."""
    has_value = np.isfinite(value)
    below = has_value & np.isfinite(low) & (value < low)
    above = has_value & np.isfinite(high) & (value > high)
    has_range = np.isfinite(low) | np.isfinite(high)
    return np.where(below, "LOW", np.where(above, "HIGH", np.where(has_value & has_range, "NORMAL", None))
                    ).astype(object)


def derive_lb(data: VirtualTrialData, cal: StudyCalendar) -> pd.DataFrame:
    """SDTM LB: every ``labs`` row, plus one baseline albumin (ALB) record per patient.

    LBTESTCD/LBTEST/LBCAT/LBSPEC by :data:`LAB_TESTS`; LBORRES/LBSTRESC the value as text
    and LBSTRESN the number (one unit system: original = standard); LBSTNRLO/LBSTNRHI the
    normal limits; LBBLFL ``"Y"`` on the samples flagged baseline; LBDTC the sampling date.
    A NaN value is a test not done (LBSTAT ``"NOT DONE"``). The ALB record has no normal
    range (none is simulated), is flagged baseline and is dated on the patient's latest
    baseline sample (day 0 when there is none).

    Raises
    ------
    DataError
        A test outside :data:`LAB_TESTS` or a day, limit or patient that is not a number.
    """
    labs = data.labs.reset_index(drop=True)
    num = validate_numbers(labs, "labs", ("patient", "day"))
    num.update(validate_numbers(labs, "labs", ("value", "lln", "uln"), allow_nan=("value", "lln", "uln")))
    bad = ~labs["test"].isin([t for t in LAB_TESTS if t != "ALB"]).to_numpy()
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise DataError(f"virtual trial table 'labs' row {pos + 1}, column test",
                        "one of 'PLT', 'HGB', 'AST', 'ALT', 'ALP'", labs["test"].iloc[pos])
    baseline = validate_flags(labs, "labs", "baseline")
    patients = data.patients
    pnum = validate_numbers(patients, "patients", ("patient", "albumin_g_l"), allow_nan=("albumin_g_l",))
    base_day = (pd.Series(num["day"][baseline], index=num["patient"][baseline].astype(np.int64))
                .groupby(level=0).max())
    alb_patient = pnum["patient"].astype(np.int64)
    alb_day = base_day.reindex(alb_patient).fillna(0.0).to_numpy(dtype=float)
    n_alb = alb_patient.size
    rows = pd.DataFrame({
        "patient": np.concatenate([num["patient"].astype(np.int64), alb_patient]),
        "test": np.concatenate([labs["test"].to_numpy(dtype=object), np.full(n_alb, "ALB", dtype=object)]),
        "day": np.concatenate([num["day"], alb_day]),
        "value": np.concatenate([num["value"], pnum["albumin_g_l"]]),
        "unit": np.concatenate([labs["unit"].to_numpy(dtype=object), np.full(n_alb, "g/L", dtype=object)]),
        "lln": np.concatenate([num["lln"], np.full(n_alb, np.nan)]),
        "uln": np.concatenate([num["uln"], np.full(n_alb, np.nan)]),
        "baseline": np.concatenate([baseline, np.ones(n_alb, dtype=bool)]),
        "_row": np.arange(len(labs) + n_alb),
    })
    patient = rows["patient"].to_numpy()
    day = rows["day"].to_numpy(dtype=float)
    value = rows["value"].to_numpy(dtype=float)
    spec = pd.DataFrame.from_dict(LAB_TESTS, orient="index", columns=["code", "name", "cat", "specimen"])
    info = spec.reindex(rows["test"])
    text = format_number(value)
    visit, visitnum = cal.cycle_visit(patient, day)
    none = np.full(len(rows), None, dtype=object)
    order = {t: i for i, t in enumerate(LAB_TESTS)}
    lb = pd.DataFrame({
        "STUDYID": data.study_id, "DOMAIN": "LB", "USUBJID": cal.usubjid(patient),
        "LBTESTCD": info["code"].to_numpy(dtype=object), "LBTEST": info["name"].to_numpy(dtype=object),
        "LBCAT": info["cat"].to_numpy(dtype=object),
        "LBORRES": text, "LBORRESU": rows["unit"].to_numpy(dtype=object),
        "LBORNRLO": format_number(rows["lln"].to_numpy()), "LBORNRHI": format_number(rows["uln"].to_numpy()),
        "LBSTRESC": text, "LBSTRESN": value, "LBSTRESU": rows["unit"].to_numpy(dtype=object),
        "LBSTNRLO": rows["lln"].to_numpy(dtype=float), "LBSTNRHI": rows["uln"].to_numpy(dtype=float),
        "LBNRIND": _normal_range_indicator(value, rows["lln"].to_numpy(float), rows["uln"].to_numpy(float)),
        "LBSTAT": np.where(np.isfinite(value), none, "NOT DONE").astype(object),
        "LBSPEC": info["specimen"].to_numpy(dtype=object),
        "LBBLFL": np.where(rows["baseline"].to_numpy(dtype=bool), "Y", none).astype(object),
        "VISITNUM": visitnum, "VISIT": visit,
        "LBDTC": cal.dtc(patient, day, time=False), "LBDY": cal.study_day(patient, day),
        "_day": day, "_test": rows["test"].map(order).to_numpy(), "_row": rows["_row"].to_numpy(),
    })
    lb = assign_seq(lb, ["_day", "_test", "_row"], "LB")
    return lb[["STUDYID", "DOMAIN", "USUBJID", "LBSEQ", "LBTESTCD", "LBTEST", "LBCAT", "LBORRES", "LBORRESU",
               "LBORNRLO", "LBORNRHI", "LBSTRESC", "LBSTRESN", "LBSTRESU", "LBSTNRLO", "LBSTNRHI", "LBNRIND",
               "LBSTAT", "LBSPEC", "LBBLFL", "VISITNUM", "VISIT", "LBDTC", "LBDY"]]


def _iso_duration(hours: np.ndarray) -> np.ndarray:
    """ISO 8601 durations in hours: ``PT1.5H``, ``-PT0.5H`` (SDTMIG v3.4 PCELTM examples)."""
    magnitude = format_number(np.abs(hours))
    sign = np.where(hours < 0, "-", "")
    return (pd.Series(sign) + "PT" + pd.Series(magnitude) + "H").to_numpy(dtype=object)


def derive_pc(data: VirtualTrialData, cal: StudyCalendar, opt: SDTMOptions) -> pd.DataFrame:
    """SDTM PC: every ``pk`` row, concentrations in ``opt.pk_unit``.

    PCORRES/PCSTRESC the concentration as text or ``"<BLQ"`` when it is NaN (below the
    LLOQ), PCSTRESN the number (null when BLQ), PCLLOQ the limit; PCTPT ``"PRE-DOSE"`` or
    ``"<h>H POST-DOSE"`` and PCTPTNUM the nominal hours after the cycle's infusion start,
    PCELTM the same as an ISO 8601 duration, PCTPTREF ``"INFUSION START"`` and PCRFTDTC its
    date-time (the cycle's EXSTDTC); PCDTC the actual date-time to the minute. VISIT is the
    planned ``"CYCLE n DAY d"`` with d = floor(max(nominal hours, 0) / 24) + 1, so a
    pre-dose sample belongs to day 1 of its cycle.

    Raises
    ------
    DataError
        An analyte outside :data:`PK_ANALYTES`, an LLOQ that is not a number > 0, or a
        sample whose cycle has no dose in ``doses``.
    """
    pk = data.pk.reset_index(drop=True)
    num = validate_numbers(pk, "pk", ("patient", "cycle", "day", "nominal_hours", "lloq"))
    num.update(validate_numbers(pk, "pk", ("concentration",), allow_nan=("concentration",)))
    bad = ~pk["analyte"].isin(list(PK_ANALYTES)).to_numpy()
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise DataError(f"virtual trial table 'pk' row {pos + 1}, column analyte", "one of 'ADC', 'TAB'",
                        pk["analyte"].iloc[pos])
    if (num["lloq"] <= 0).any():
        pos = int(np.flatnonzero(num["lloq"] <= 0)[0])
        raise DataError(f"virtual trial table 'pk' row {pos + 1}, column lloq", "a number > 0", pk["lloq"].iloc[pos])
    patient = num["patient"].astype(np.int64)
    dnum = validate_numbers(data.doses, "doses", ("patient", "cycle", "day"))
    dose_day = pd.Series(dnum["day"], index=pd.MultiIndex.from_arrays(
        [dnum["patient"].astype(np.int64), dnum["cycle"].astype(np.int64)])).groupby(level=[0, 1]).min()
    key = pd.MultiIndex.from_arrays([patient, num["cycle"].astype(np.int64)])
    ref_day = dose_day.reindex(key).to_numpy(dtype=float)
    if np.isnan(ref_day).any():
        pos = int(np.flatnonzero(np.isnan(ref_day))[0])
        raise DataError(f"virtual trial table 'pk' row {pos + 1}, column cycle",
                        f"a cycle with a dose of patient {patient[pos]} in table 'doses'", pk["cycle"].iloc[pos])
    conc = num["concentration"]
    blq = ~np.isfinite(conc)
    text = np.where(blq, "<BLQ", format_number(conc)).astype(object)
    hours = num["nominal_hours"]
    tpt = np.where(hours < 0, "PRE-DOSE", (pd.Series(format_number(hours)) + "H POST-DOSE").to_numpy(dtype=object))
    visit, visitnum = compose_cycle_visit(num["cycle"], np.floor(np.maximum(hours, 0.0) / 24.0) + 1.0)
    analyte = pk["analyte"].to_numpy(dtype=object)
    names = {"ADC": f"{opt.treatment} {PK_ANALYTES['ADC']}", "TAB": PK_ANALYTES["TAB"]}
    pc = pd.DataFrame({
        "STUDYID": data.study_id, "DOMAIN": "PC", "USUBJID": cal.usubjid(patient),
        "PCTESTCD": analyte, "PCTEST": pd.Series(analyte).map(names).to_numpy(dtype=object),
        "PCORRES": text, "PCORRESU": opt.pk_unit, "PCSTRESC": text, "PCSTRESN": np.where(blq, np.nan, conc),
        "PCSTRESU": opt.pk_unit, "PCSPEC": opt.pk_specimen, "PCLLOQ": num["lloq"],
        "VISITNUM": visitnum, "VISIT": visit,
        "PCDTC": cal.dtc(patient, num["day"], time=True), "PCDY": cal.study_day(patient, num["day"]),
        "PCTPT": tpt, "PCTPTNUM": hours, "PCELTM": _iso_duration(hours), "PCTPTREF": "INFUSION START",
        "PCRFTDTC": cal.dtc(patient, ref_day, time=True),
        "_day": num["day"], "_analyte": (analyte == "TAB").astype(int), "_row": np.arange(patient.size),
    })
    pc = assign_seq(pc, ["_day", "_analyte", "_row"], "PC")
    return pc[["STUDYID", "DOMAIN", "USUBJID", "PCSEQ", "PCTESTCD", "PCTEST", "PCORRES", "PCORRESU", "PCSTRESC",
               "PCSTRESN", "PCSTRESU", "PCSPEC", "PCLLOQ", "VISITNUM", "VISIT", "PCDTC", "PCDY", "PCTPT",
               "PCTPTNUM", "PCELTM", "PCTPTREF", "PCRFTDTC"]]
