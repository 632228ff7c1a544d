"""A trial as files people and programs read: patients, assessments and decisions as CSV.

The export bundle (built by the service) holds ``trial.json`` (:meth:`Trial.to_dict`,
the source an import reads), these three CSV files and the audit trail. An import
recomputes the CSV files from ``trial.json`` and refuses a bundle whose CSV files differ,
so a hand edit of a CSV file is never silently ignored.
"""

from __future__ import annotations

import csv
import io

from doseflow.conduct.trial import Trial
from doseflow.errors import InputError

__all__ = ["tabulate_patients", "tabulate_assessments", "tabulate_decisions", "write_csv", "TABLES",
           "check_tables"]


def _yn(value: bool | None) -> str:
    return "pending" if value is None else ("Y" if value else "N")


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def tabulate_patients(trial: Trial) -> list[dict[str, str]]:
    """One row per patient: cohort, level, dose, role, enrolment, demographics and DLT outcome."""
    subjects = {s.patient_id: s for s in trial.subjects}
    rows = []
    for r in trial.state.records:
        s = subjects[r.id]
        level = trial.plan.level(r.dose_level)
        rows.append({"patient_id": r.id, "cohort": str(r.cohort), "level": str(r.dose_level),
                     "dose": f"{level.amount:g}", "unit": level.unit, "role": r.role,
                     "enrolled_day": _num(r.enrolled_day), "sex": s.sex, "age": "" if s.age is None else str(s.age),
                     "site": s.site, "country": s.country, "dlt": _yn(r.dlt), "dlt_day": _num(r.dlt_day),
                     "worst_grade": "" if r.worst_grade is None else str(r.worst_grade),
                     "window_closed_day": _num(s.window_closed_day), "off_level_reason": s.off_level_reason})
    return rows


def tabulate_assessments(trial: Trial) -> list[dict[str, str]]:
    """One row per toxicity assessment (current values; corrections are in the audit trail)."""
    return [{"assessment_id": a.id, "patient_id": a.patient_id, "dlt": _yn(a.dlt), "term": a.term,
             "grade": str(a.grade), "onset_day": _num(a.onset_day)} for a in trial.assessments]


def tabulate_decisions(trial: Trial) -> list[dict[str, str]]:
    """One row per signed SRC decision, with the design's recommendation and the signature."""
    rows = []
    for d in trial.decisions:
        rec, sig = d.recommendation, d.signature
        rows.append({"number": str(d.number), "day": _num(d.day), "recommended_action": rec.get("action", ""),
                     "recommended_dose": "" if rec.get("next_dose") is None else str(rec["next_dose"]),
                     "recommendation_reason": rec.get("reason", ""), "accepted": "Y" if d.accepted else "N",
                     "action": d.action, "next_dose": "" if d.next_dose is None else str(d.next_dose),
                     "cohort_size": "" if d.cohort_size is None else str(d.cohort_size),
                     "mtd": "" if d.mtd is None else str(d.mtd), "reason": d.reason,
                     "signed_by": sig.get("username", ""), "printed_name": sig.get("printed_name", ""),
                     "signed_at": sig.get("signed_at", ""), "meaning": sig.get("meaning", "")})
    return rows


#: File name -> how to tabulate it and its columns.
TABLES = {
    "patients.csv": (tabulate_patients, ["patient_id", "cohort", "level", "dose", "unit", "role", "enrolled_day", "sex",
                                         "age", "site", "country", "dlt", "dlt_day", "worst_grade",
                                         "window_closed_day", "off_level_reason"]),
    "assessments.csv": (tabulate_assessments, ["assessment_id", "patient_id", "dlt", "term", "grade", "onset_day"]),
    "decisions.csv": (tabulate_decisions, ["number", "day", "recommended_action", "recommended_dose",
                                           "recommendation_reason", "accepted", "action", "next_dose", "cohort_size",
                                           "mtd", "reason", "signed_by", "printed_name", "signed_at", "meaning"]),
}


def write_csv(rows: list[dict[str, str]], columns: list[str]) -> str:
    """CSV text (header line of ``columns``, ``\\n`` line ends) of ``rows``."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def check_tables(trial: Trial, files: dict[str, str]) -> None:
    """Refuse CSV files that differ from what ``trial`` gives, naming the file and line.

    Raises
    ------
    InputError
        ``patients.csv line 3: must be ...`` for the first differing line, or a missing file.
    """
    for name, (tabulate, columns) in TABLES.items():
        if name not in files:
            raise InputError(name, "present in the export bundle", None)
        expected = write_csv(tabulate(trial), columns).splitlines()
        got = files[name].replace("\r\n", "\n").splitlines()
        for i in range(max(len(expected), len(got))):
            want = expected[i] if i < len(expected) else None
            have = got[i] if i < len(got) else None
            if want != have:
                wanted = "the end of the file" if want is None else repr(want)
                raise InputError(f"{name} line {i + 1}", f"{wanted} as trial.json gives it", have,
                                 "trial.json is the record an import reads; the CSV files must match it.")
