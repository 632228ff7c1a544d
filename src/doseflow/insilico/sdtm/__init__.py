"""A virtual trial as CDISC SDTM domains (the one place insilico uses :mod:`doseflow.cdisc`).

Modules: :mod:`~doseflow.insilico.sdtm.write` (:func:`derive_sdtm_domains`,
:func:`write_virtual_sdtm`), :mod:`~doseflow.insilico.sdtm.options` (what SDTM needs but is not
simulated), :mod:`~doseflow.insilico.sdtm.calendar` (patient days to dates and visits) and one
module per group of domains: :mod:`~doseflow.insilico.sdtm.subject` (DM, SUPPDM, DS),
:mod:`~doseflow.insilico.sdtm.events` (EX, AE, SUPPAE), :mod:`~doseflow.insilico.sdtm.findings`
(LB, PC) and :mod:`~doseflow.insilico.sdtm.tumour` (TU, TR, RS).
"""

from doseflow.insilico.sdtm.options import SDTMOptions
from doseflow.insilico.sdtm.calendar import (
    MINUTES_PER_DAY,
    SCREENING_VISIT,
    StudyCalendar,
    derive_calendar,
    format_number,
    validate_numbers,
    validate_flags,
    assign_seq,
)
from doseflow.insilico.sdtm.subject import (
    END_REASONS,
    SUPPDM_QUALIFIERS,
    derive_dm,
    derive_suppdm,
    derive_ds,
    compute_consent_day,
)
from doseflow.insilico.sdtm.events import AE_ACTIONS, SEVERITY_BY_GRADE, derive_ex, derive_ae, derive_suppae
from doseflow.insilico.sdtm.findings import LAB_TESTS, PK_ANALYTES, derive_lb, derive_pc
from doseflow.insilico.sdtm.tumour import RESPONSES, SCAN_VISITNUM_OFFSET, derive_tu, derive_tr, derive_rs
from doseflow.insilico.sdtm.write import DATASETS, derive_sdtm_domains, write_virtual_sdtm, example_trial_data

__all__ = [
    "SDTMOptions",
    "MINUTES_PER_DAY",
    "SCREENING_VISIT",
    "StudyCalendar",
    "derive_calendar",
    "format_number",
    "validate_numbers",
    "validate_flags",
    "assign_seq",
    "END_REASONS",
    "SUPPDM_QUALIFIERS",
    "derive_dm",
    "derive_suppdm",
    "derive_ds",
    "compute_consent_day",
    "AE_ACTIONS",
    "SEVERITY_BY_GRADE",
    "derive_ex",
    "derive_ae",
    "derive_suppae",
    "LAB_TESTS",
    "PK_ANALYTES",
    "derive_lb",
    "derive_pc",
    "RESPONSES",
    "SCAN_VISITNUM_OFFSET",
    "derive_tu",
    "derive_tr",
    "derive_rs",
    "DATASETS",
    "derive_sdtm_domains",
    "write_virtual_sdtm",
    "example_trial_data",
]
