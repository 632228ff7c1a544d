"""What one virtual trial produces, as long-format tables, before it becomes SDTM.

The virtual trial engine fills a :class:`VirtualTrialData`; :mod:`doseflow.insilico.sdtm`
turns it into CDISC SDTM domains. Times are study days relative to each patient's first
dose (day 0 = first dose, as a float; the SDTM writer turns them into dates from the
patient's enrolment date and ``study_start``). Every table has the columns listed in
:data:`COLUMNS`, in that order; :meth:`VirtualTrialData.validate` checks them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from doseflow.errors import DataError

__all__ = ["COLUMNS", "VirtualTrialData"]

#: Columns of each table (name: meaning and unit).
COLUMNS: dict[str, dict[str, str]] = {
    "patients": {
        "patient": "patient number within the trial, 1-based, in enrolment order",
        "enrol_day": "calendar day of first dose, days since study_start",
        "dose_level": "1-based dose level assigned at enrolment",
        "dose_mg_kg": "assigned dose, mg/kg",
        "cohort": "1-based cohort number (0 for expansion/backfill patients)",
        "phase": "'escalation' or 'expansion'",
        "tumour_type": "'breast', 'gastric/GEJ', 'salivary gland' or 'other'",
        "age": "years",
        "sex": "'F' or 'M'",
        "weight_kg": "baseline weight, kg",
        "albumin_g_l": "baseline albumin, g/L",
        "prior_lines": "prior lines of systemic therapy",
        "prior_anti_her2_lines": "prior lines of anti-HER2 therapy",
        "dlt": "DLT in the cycle-1 window (bool)",
        "dlt_reason": "which DLT rule fired ('' if none)",
        "last_dose_day": "day of the last administration",
        "end_reason": "'PROGRESSIVE DISEASE', 'ADVERSE EVENT', 'WITHDRAWAL BY SUBJECT', 'DEATH' or 'ONGOING'",
        "end_day": "day treatment ended (or the data cut-off for ONGOING)",
        "death_day": "day of death, NaN if alive at cut-off",
        "last_alive_day": "last day known alive (death day or cut-off)",
    },
    "doses": {
        "patient": "patient number",
        "cycle": "1-based cycle",
        "day": "day of the infusion start",
        "dose_mg_kg": "dose given, mg/kg (after reductions)",
        "dose_mg": "dose given, mg",
        "infusion_min": "infusion duration, minutes",
    },
    "adverse_events": {
        "patient": "patient number",
        "term": "MedDRA preferred term, e.g. 'Platelet count decreased'",
        "soc": "MedDRA system organ class",
        "grade": "CTCAE v5 grade 1-5",
        "start_day": "onset day",
        "end_day": "resolution day, NaN if ongoing at cut-off",
        "related": "related to study drug (bool)",
        "serious": "serious (bool)",
        "dlt": "counted as a DLT (bool)",
        "action": "'DOSE NOT CHANGED', 'DOSE REDUCED', 'DRUG INTERRUPTED' or 'DRUG WITHDRAWN'",
    },
    "labs": {
        "patient": "patient number",
        "test": "SDTM LBTESTCD: PLT, AST, ALT, HGB, ALP",
        "day": "sampling day",
        "value": "result in the standard unit",
        "unit": "10^9/L, U/L or g/L",
        "lln": "lower limit of normal",
        "uln": "upper limit of normal",
        "baseline": "the baseline sample (bool)",
    },
    "pk": {
        "patient": "patient number",
        "analyte": "'ADC' (conjugated antibody) or 'TAB' (total antibody)",
        "cycle": "1-based cycle of the dose before the sample",
        "day": "actual sampling day (days since first dose)",
        "nominal_hours": "nominal time after the cycle's dose, hours (negative = pre-dose)",
        "concentration": "ug/mL; NaN when below the LLOQ",
        "lloq": "lower limit of quantification, ug/mL",
    },
    "lesions": {
        "patient": "patient number",
        "lesion": "'T01'..'T05' target lesions",
        "location": "anatomical site",
        "baseline_mm": "baseline longest diameter, mm",
    },
    "measurements": {
        "patient": "patient number",
        "lesion": "lesion id",
        "scan": "0 = baseline, then 1, 2, ...",
        "day": "scan day",
        "diameter_mm": "measured longest diameter, mm (0 when it disappeared)",
    },
    "responses": {
        "patient": "patient number",
        "scan": "1-based post-baseline scan",
        "day": "scan day",
        "sld_mm": "measured sum of diameters, mm",
        "pct_change": "% change from baseline",
        "new_lesion": "a new lesion appeared (bool)",
        "response": "RECIST 1.1 overall response at this scan: CR, PR, SD, PD or NE",
    },
}


@dataclass(frozen=True)
class VirtualTrialData:
    """One virtual trial: its tables plus calendar anchors.

    Attributes
    ----------
    patients, doses, adverse_events, labs, pk, lesions, measurements, responses :
        pandas.DataFrame with the columns of :data:`COLUMNS`.
    study_start : datetime.date
        Calendar date of study day 0 (the first patient's enrolment is on or after it).
    cutoff_day : float
        Data cut-off, days since ``study_start``.
    dose_unit : str
        Unit of the dose levels ("mg/kg").
    seed : int
        Seed the trial was simulated with.
    study_id : str
        STUDYID for the SDTM output.
    """

    patients: pd.DataFrame
    doses: pd.DataFrame
    adverse_events: pd.DataFrame
    labs: pd.DataFrame
    pk: pd.DataFrame
    lesions: pd.DataFrame
    measurements: pd.DataFrame
    responses: pd.DataFrame
    study_start: date = date(2020, 7, 1)
    cutoff_day: float = 0.0
    dose_unit: str = "mg/kg"
    seed: int = 0
    study_id: str = "GQ1001-VIRTUAL"
    notes: tuple[str, ...] = field(default=())

    def validate(self) -> "VirtualTrialData":
        """Check that every table has exactly its columns and patients are known; return self."""
        known = set(self.patients["patient"]) if "patient" in self.patients else set()
        for name, columns in COLUMNS.items():
            frame = getattr(self, name)
            missing = [c for c in columns if c not in frame.columns]
            if missing:
                raise DataError(f"virtual trial table {name!r}", "a frame with columns " + ", ".join(columns), missing)
            if name != "patients":
                unknown = set(frame["patient"]) - known
                if unknown:
                    raise DataError(f"virtual trial table {name!r} column patient", "enrolled patients", sorted(unknown))
        return self
