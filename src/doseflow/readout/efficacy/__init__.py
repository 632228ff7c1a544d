"""Efficacy readout: RECIST 1.1 best overall response, ORR/DCR, PFS and DoR, Kaplan-Meier, figures.

Modules, in reading order:

- :mod:`~doseflow.readout.efficacy.recist`: overall responses from SDTM RS and the best
  overall response with or without confirmation (Eisenhauer et al. 2009, sec. 4.4).
- :mod:`~doseflow.readout.efficacy.rates`: ORR and DCR with Clopper-Pearson intervals.
- :mod:`~doseflow.readout.efficacy.survival`: PFS and duration of response as ADTTE records.
- :mod:`~doseflow.readout.efficacy.kaplan_meier`: KM curves, medians, Brookmeyer-Crowley CIs.
- :mod:`~doseflow.readout.efficacy.tumour`: sum of diameters and best percent change (SDTM TR).
- :mod:`~doseflow.readout.efficacy.figures`: waterfall, spider, swimmer and KM plots.
"""

from doseflow.readout.efficacy.kaplan_meier import KaplanMeierResult, estimate_km
from doseflow.readout.efficacy.rates import ResponseRates, tabulate_response_rates
from doseflow.readout.efficacy.recist import (
    BOR_ORDER,
    RESPONSE_VALUES,
    BestOverallResponse,
    derive_best_overall_response,
    derive_overall_responses,
)
from doseflow.readout.efficacy.survival import CensoringRules, derive_duration_of_response, derive_pfs
from doseflow.readout.efficacy.tumour import derive_best_percent_change, derive_tumour_change

__all__ = [
    "BOR_ORDER", "RESPONSE_VALUES",
    "BestOverallResponse", "ResponseRates", "KaplanMeierResult", "CensoringRules",
    "derive_overall_responses", "derive_best_overall_response",
    "tabulate_response_rates",
    "derive_pfs", "derive_duration_of_response",
    "estimate_km",
    "derive_tumour_change", "derive_best_percent_change",
]
