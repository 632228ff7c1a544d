"""The calendar of a virtual trial and the value conversions every SDTM domain builder shares.

A :class:`~doseflow.insilico.trial.data.VirtualTrialData` counts time in days since each
patient's first dose (day 0, a float); SDTM wants ISO 8601 date-times, study days and visit
names. :class:`StudyCalendar` does that conversion, one rule for every domain:

* **Time zero of a patient** is the calendar day ``study_start + floor(enrol_day)`` at the
  dosing clock time (09:00 by default): the start of the first infusion. ``enrol_day`` is a
  calendar day; a fractional part is ignored.
* **An event at patient day t** happens at ``time zero + t days``, rounded to the minute
  (round half to even). Date-times are written ``YYYY-MM-DDTHH:MM`` (EX, PC, DM reference
  dates), dates ``YYYY-MM-DD`` (AE, LB, DS, TU, TR, RS), as SDTMIG v3.4 §4.4.1 allows (ISO
  8601 to the precision collected).
* **Study day** ``--DY`` counts calendar days from the reference start date RFSTDTC (the
  first dose): ``date - RFSTDTC + 1`` on or after it, ``date - RFSTDTC`` before it, so there
  is no day 0 (SDTMIG v3.4 §4.4.4).
* **Cycle visits** are ``"CYCLE n DAY d"``: cycle n is the latest dose on or before the
  record's calendar date and d the calendar day in that cycle (day 1 = the dose date).
  VISITNUM is ``n + d / 1000`` (``CYCLE 2 DAY 8`` = 2.008), so visits sort in time order
  within every domain. Records dated before the first dose are ``"SCREENING"`` (VISITNUM 0).

Numbers become SDTM text (--ORRES, QVAL) in their shortest round-trip decimal form without an
exponent (``100``, ``0.25``, ``23.456789``), so the text and the numeric result agree exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from doseflow.errors import DataError

__all__ = [
    "MINUTES_PER_DAY",
    "SCREENING_VISIT",
    "StudyCalendar",
    "derive_calendar",
    "format_number",
    "validate_numbers",
    "validate_flags",
    "assign_seq",
]

MINUTES_PER_DAY = 1440
SCREENING_VISIT = "SCREENING"


def validate_numbers(frame: pd.DataFrame, table: str, columns: tuple[str, ...], *,
                     allow_nan: tuple[str, ...] = ()) -> dict[str, np.ndarray]:
    """Return the ``columns`` of a virtual-trial table as float arrays, checking they are numbers.

    Raises
    ------
    DataError
        ``"virtual trial table 'doses' row 3, column day: must be a finite number; got nan."``
        (rows 1-based); NaN is accepted in the columns of ``allow_nan``.
    """
    out: dict[str, np.ndarray] = {}
    for column in columns:
        values = frame[column]
        if pd.api.types.is_bool_dtype(values.dtype):
            number = values.to_numpy(dtype=float)
        else:
            number = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
        missing = values.isna().to_numpy()
        bad = np.isinf(number) | (np.isnan(number) & ~missing) | (missing & (column not in allow_nan))
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            expected = "a number (NaN allowed)" if column in allow_nan else "a finite number"
            raise DataError(f"virtual trial table {table!r} row {pos + 1}, column {column}", expected,
                            values.iloc[pos])
        out[column] = number
    return out


def validate_flags(frame: pd.DataFrame, table: str, column: str) -> np.ndarray:
    """A boolean column of a virtual-trial table (bool, 0/1 or 'True'/'False' text) as bool.

    Raises
    ------
    DataError
        Naming the 1-based row of the first value that is not a boolean.
    """
    values = frame[column]
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.to_numpy(dtype=bool)
    codes, uniques = pd.factorize(values.astype("object"), use_na_sentinel=True)
    text = np.array([str(v).strip().lower() for v in uniques] + ["missing"], dtype=object)[codes]
    known = np.isin(text, ["true", "false", "1", "0", "1.0", "0.0"])
    if not known.all():
        pos = int(np.flatnonzero(~known)[0])
        raise DataError(f"virtual trial table {table!r} row {pos + 1}, column {column}", "True or False",
                        values.iloc[pos])
    return np.isin(text, ["true", "1", "1.0"])


def format_number(values: np.ndarray) -> np.ndarray:
    """Numbers as SDTM text in the shortest round-trip decimal form; NaN gives None.

    Examples
    --------
    >>> format_number(np.array([100.0, 0.25, np.nan, 1e-5])).tolist()
    ['100', '0.25', None, '0.00001']
    """
    values = np.asarray(values, dtype=float)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    text = np.array([np.format_float_positional(v, trim="-") for v in uniques] + [None], dtype=object)
    return text[codes]


def assign_seq(frame: pd.DataFrame, order: list[str], prefix: str) -> pd.DataFrame:
    """Sort ``frame`` by USUBJID then ``order`` (stable) and number the records per subject.

    ``--SEQ`` is 1, 2, ... within each subject in that order (SDTMIG v3.4: unique within a
    subject and domain). Returns the sorted frame with a RangeIndex and the column
    ``<prefix>SEQ`` (float, as SAS numbers are).
    """
    out = frame.sort_values(["USUBJID", *order], kind="mergesort").reset_index(drop=True)
    out[f"{prefix}SEQ"] = (out.groupby("USUBJID", sort=False).cumcount() + 1).astype(float)
    return out


@dataclass(frozen=True)
class StudyCalendar:
    """Patient days to SDTM date-times, study days and cycle visits (rules in the module docstring).

    Attributes
    ----------
    study_id : str
        STUDYID; USUBJID is ``f"{study_id}-{patient:03d}"``.
    patients : numpy.ndarray
        Patient numbers (int), sorted.
    origin : numpy.ndarray
        ``datetime64[m]`` time zero of each patient (start of the first infusion).
    reference_date : numpy.ndarray
        ``datetime64[D]`` RFSTDTC date of each patient (first dose), NaT when never dosed.
    doses : pandas.DataFrame
        patient, cycle and dose date (``datetime64[D]``) of every administration, sorted.
    """

    study_id: str
    patients: np.ndarray
    origin: np.ndarray
    reference_date: np.ndarray
    doses: pd.DataFrame

    def position(self, patient: np.ndarray) -> np.ndarray:
        """Index of each patient number in :attr:`patients` (all must be known)."""
        return np.searchsorted(self.patients, np.asarray(patient, dtype=np.int64))

    def usubjid(self, patient: np.ndarray) -> np.ndarray:
        """USUBJID text of each patient number."""
        number = pd.Series(np.asarray(patient, dtype=np.int64)).astype(str).str.zfill(3)
        return (self.study_id + "-" + number).to_numpy(dtype=object)

    def datetime(self, patient: np.ndarray, day: np.ndarray) -> np.ndarray:
        """``datetime64[m]`` of patient day ``day`` (NaT where ``day`` is NaN)."""
        day = np.asarray(day, dtype=float)
        minutes = np.rint(np.where(np.isfinite(day), day, 0.0) * MINUTES_PER_DAY).astype(np.int64)
        out = self.origin[self.position(patient)] + minutes.astype("timedelta64[m]")
        out[~np.isfinite(day)] = np.datetime64("NaT")
        return out

    def dtc(self, patient: np.ndarray, day: np.ndarray, *, time: bool) -> np.ndarray:
        """ISO 8601 text of patient day ``day``: date-time (``time=True``) or date; None for NaN."""
        stamp = self.datetime(patient, day)
        text = np.datetime_as_string(stamp, unit="m" if time else "D").astype(object)
        text[np.isnat(stamp)] = None
        return text

    def study_day(self, patient: np.ndarray, day: np.ndarray) -> np.ndarray:
        """SDTM study day (--DY) of patient day ``day``; NaN without a date or an RFSTDTC."""
        stamp = self.datetime(patient, day).astype("datetime64[D]")
        ref = self.reference_date[self.position(patient)]
        diff = (stamp - ref).astype("timedelta64[D]")
        missing = np.isnat(diff)
        delta = np.where(missing, 0, diff.astype(np.int64)).astype(float)
        return np.where(missing, np.nan, np.where(delta >= 0, delta + 1.0, delta))

    def cycle_visit(self, patient: np.ndarray, day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """VISIT and VISITNUM of records by calendar date (latest dose on or before the date)."""
        patient = np.asarray(patient, dtype=np.int64)
        when = self.datetime(patient, day).astype("datetime64[D]").astype("datetime64[ns]")
        left = pd.DataFrame({"patient": patient, "when": when, "_row": np.arange(patient.size)})
        known = left["when"].notna().to_numpy()
        right = self.doses.rename(columns={"date": "when_dose"})
        right = right.assign(when_dose=right["when_dose"].astype("datetime64[ns]"))
        merged = pd.merge_asof(left[known].sort_values("when", kind="mergesort"),
                               right.sort_values("when_dose", kind="mergesort"),
                               left_on="when", right_on="when_dose", by="patient", direction="backward")
        merged = merged.set_index("_row").reindex(np.arange(patient.size))
        cycle = merged["cycle"].to_numpy(dtype=float)
        cday = ((merged["when"] - merged["when_dose"]).dt.days + 1).to_numpy(dtype=float)
        return compose_cycle_visit(cycle, cday)


def compose_cycle_visit(cycle: np.ndarray, cycle_day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``("CYCLE n DAY d", n + d/1000)``; where ``cycle`` is NaN, SCREENING and 0.

    Examples
    --------
    >>> v, n = compose_cycle_visit(np.array([2.0, np.nan]), np.array([8.0, np.nan]))
    >>> v.tolist(), n.tolist()
    (['CYCLE 2 DAY 8', 'SCREENING'], [2.008, 0.0])
    """
    cycle = np.asarray(cycle, dtype=float)
    cycle_day = np.asarray(cycle_day, dtype=float)
    has = np.isfinite(cycle) & np.isfinite(cycle_day)
    c = pd.Series(np.where(has, cycle, 0).astype(np.int64)).astype(str)
    d = pd.Series(np.where(has, cycle_day, 0).astype(np.int64)).astype(str)
    visit = np.where(has, ("CYCLE " + c + " DAY " + d).to_numpy(dtype=object), SCREENING_VISIT).astype(object)
    number = np.where(has, np.round(np.where(has, cycle, 0) + np.where(has, cycle_day, 0) / 1000.0, 3), 0.0)
    return visit, number


def derive_calendar(patients: pd.DataFrame, doses: pd.DataFrame, *, study_id: str, study_start: date,
                    clock_minutes: int) -> StudyCalendar:
    """Build the :class:`StudyCalendar` of a virtual trial from its patients and doses tables.

    Parameters
    ----------
    patients, doses : pandas.DataFrame
        The tables of :class:`~doseflow.insilico.trial.data.VirtualTrialData` (already
        checked for their columns).
    study_id : str
        STUDYID.
    study_start : datetime.date
        Calendar date of study day 0.
    clock_minutes : int
        Time of day of the first infusion, minutes after midnight (0-1439).

    Raises
    ------
    DataError
        A patient number repeated or not a whole number >= 1, an ``enrol_day`` that is not a
        finite number >= 0, or a dose day or cycle that is not a number.
    """
    num = validate_numbers(patients, "patients", ("patient", "enrol_day"))
    number = num["patient"]
    bad = (number < 1) | (number != np.floor(number))
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise DataError(f"virtual trial table 'patients' row {pos + 1}, column patient", "a whole number >= 1",
                        patients["patient"].iloc[pos])
    dup = pd.Series(number).duplicated().to_numpy()
    if dup.any():
        pos = int(np.flatnonzero(dup)[0])
        raise DataError(f"virtual trial table 'patients' row {pos + 1}, column patient",
                        "a patient number used once", patients["patient"].iloc[pos])
    enrol = num["enrol_day"]
    if (enrol < 0).any():
        pos = int(np.flatnonzero(enrol < 0)[0])
        raise DataError(f"virtual trial table 'patients' row {pos + 1}, column enrol_day", "a number >= 0",
                        patients["enrol_day"].iloc[pos])
    order = np.argsort(number, kind="mergesort")
    ids = number[order].astype(np.int64)
    start = np.datetime64(study_start, "m")
    origin = (start + (np.floor(enrol[order]).astype(np.int64) * MINUTES_PER_DAY + clock_minutes)
              .astype("timedelta64[m]"))
    dnum = validate_numbers(doses, "doses", ("patient", "cycle", "day"))
    calendar = StudyCalendar(study_id, ids, origin, np.full(ids.size, np.datetime64("NaT"), dtype="datetime64[D]"),
                             pd.DataFrame({"patient": [], "cycle": [], "date": []}))
    dose_date = calendar.datetime(dnum["patient"], dnum["day"]).astype("datetime64[D]")
    dose_table = pd.DataFrame({"patient": dnum["patient"].astype(np.int64), "cycle": dnum["cycle"],
                               "date": dose_date}).sort_values(["patient", "date", "cycle"], kind="mergesort")
    first = dose_table.groupby("patient")["date"].min()
    reference = first.reindex(ids).to_numpy(dtype="datetime64[D]")
    return StudyCalendar(study_id, ids, origin, reference, dose_table.reset_index(drop=True))
