"""Rules several stages apply, written once: CTCAE v5 grading, RECIST 1.1 response.

The virtual trial (:mod:`doseflow.insilico`) and the readout (:mod:`doseflow.readout`) both
import these; they import nothing of doseflow but :mod:`doseflow.errors` and
:mod:`doseflow.checks`.

Modules: :mod:`~doseflow.standards.ctcae` (NCI CTCAE v5.0 lab grades)
and :mod:`~doseflow.standards.recist` (RECIST 1.1, Eisenhauer et al. 2009: time-point response,
confirmation, best overall response).
"""

from doseflow.standards.ctcae import LabCriterion, LAB_ALIASES, LAB_CRITERIA, grade_lab
from doseflow.standards.recist import (
    NOT_DONE,
    CR,
    PR,
    SD,
    PD,
    NE,
    RESPONSE_LABELS,
    label_responses,
    classify_target_response,
    compute_overall_responses,
    confirmed_best_response,
    compute_progression_day,
)

__all__ = [
    "LabCriterion",
    "LAB_ALIASES",
    "LAB_CRITERIA",
    "grade_lab",
    "NOT_DONE",
    "CR",
    "PR",
    "SD",
    "PD",
    "NE",
    "RESPONSE_LABELS",
    "label_responses",
    "classify_target_response",
    "compute_overall_responses",
    "confirmed_best_response",
    "compute_progression_day",
]
