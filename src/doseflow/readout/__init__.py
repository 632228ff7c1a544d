"""Readout analyses of SDTM trial data: subjects, population, safety, DLT, labs.

Every analysis returns an :class:`~doseflow.readout.result.AnalysisResult` with a table,
an optional figure, headline numbers, a methods paragraph and notes. Start from
:func:`derive_adsl` (one row per subject, with the safety population and dose groups).
PK and efficacy live in the subpackages ``doseflow.readout.pk`` and
``doseflow.readout.efficacy``.
"""

from doseflow.readout.adsl import derive_adsl, population_n
from doseflow.readout.dlt import DLTResult, compute_mtd_3plus3, tabulate_dlt
from doseflow.readout.labs import LabShiftResult, tabulate_lab_shift
from doseflow.readout.population import PopulationResult, summarise_population
from doseflow.readout.result import AnalysisResult
from doseflow.readout.safety import (
    AEIncidenceResult,
    AEOverviewResult,
    derive_grade,
    derive_related,
    derive_teae,
    summarise_ae_overview,
    tabulate_ae_incidence,
)

__all__ = [
    "AnalysisResult",
    "derive_adsl",
    "population_n",
    "summarise_population",
    "PopulationResult",
    "derive_teae",
    "derive_related",
    "derive_grade",
    "tabulate_ae_incidence",
    "summarise_ae_overview",
    "AEIncidenceResult",
    "AEOverviewResult",
    "tabulate_dlt",
    "compute_mtd_3plus3",
    "DLTResult",
    "tabulate_lab_shift",
    "LabShiftResult",
]
