"""Rules several stages apply, written once: CTCAE v5 grading, RECIST 1.1 response, Kaplan-Meier median.

The virtual trial (:mod:`doseflow.insilico`) and the readout (:mod:`doseflow.readout`) both
import these; they import nothing of doseflow but :mod:`doseflow.errors` and
:mod:`doseflow.checks`.

Modules: :mod:`~doseflow.standards.ctcae` (NCI CTCAE v5.0 lab grades),
:mod:`~doseflow.standards.recist` (RECIST 1.1, Eisenhauer et al. 2009: response codes,
time-point response, progression), :mod:`~doseflow.standards.best_response` (RECIST 1.1
confirmation and best overall response), :mod:`~doseflow.standards.pfs` (the event or
censoring day of progression-free survival) and :mod:`~doseflow.standards.kaplan_meier`
(Kaplan-Meier table, median by R's quantile rule, Brookmeyer-Crowley interval).
"""

from doseflow.standards.ctcae import LabCriterion, LAB_ALIASES, LAB_CRITERIA, grade_lab
from doseflow.standards.recist import (
    NOT_DONE,
    CR,
    PR,
    SD,
    PD,
    NE,
    NON_CR_NON_PD,
    RESPONSE_LABELS,
    label_responses,
    code_responses,
    classify_target_response,
    compute_overall_responses,
    compute_progression_day,
    mask_after_progression,
)
from doseflow.standards.best_response import (
    BEST_RESPONSE_ORDER,
    CONFIRMED,
    NO_CONFIRMING_ASSESSMENT,
    TOO_MANY_NE_BETWEEN,
    NOT_CR_BEFORE_CR,
    NON_CR_NON_PD_BETWEEN,
    PR_AFTER_CR,
    SD_BETWEEN,
    Confirmations,
    compute_confirmations,
    compute_counted_responses,
    compute_best_response,
    confirmed_best_response,
)
from doseflow.standards.kaplan_meier import (
    compute_km_table,
    compute_survival_quantile,
    compute_km_median,
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
    "NON_CR_NON_PD",
    "RESPONSE_LABELS",
    "label_responses",
    "code_responses",
    "classify_target_response",
    "compute_overall_responses",
    "compute_progression_day",
    "mask_after_progression",
    "BEST_RESPONSE_ORDER",
    "CONFIRMED",
    "NO_CONFIRMING_ASSESSMENT",
    "TOO_MANY_NE_BETWEEN",
    "NOT_CR_BEFORE_CR",
    "NON_CR_NON_PD_BETWEEN",
    "PR_AFTER_CR",
    "SD_BETWEEN",
    "Confirmations",
    "compute_confirmations",
    "compute_counted_responses",
    "compute_best_response",
    "confirmed_best_response",
    "compute_km_table",
    "compute_survival_quantile",
    "compute_km_median",
]
