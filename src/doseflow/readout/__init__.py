"""Readout analyses of SDTM trial data: subjects, population, safety, PK and efficacy.

Every analysis returns an :class:`~doseflow.readout.result.AnalysisResult` with a table,
an optional figure, headline numbers, a methods paragraph and notes. Start from
:func:`derive_adsl` (one row per subject, with the safety population and dose groups, by
the rule of :mod:`doseflow.readout.groups`). Safety, PK and efficacy live in the subpackages
``doseflow.readout.safety``, ``doseflow.readout.pk`` and ``doseflow.readout.efficacy``;
:mod:`doseflow.readout.inputs` holds the checks every analysis applies to its input frames.
"""

from doseflow.readout.adsl import derive_adsl
from doseflow.readout.groups import population_n
from doseflow.readout.population import PopulationResult, summarise_population
from doseflow.readout.result import AnalysisResult
from doseflow.readout.safety import (
    AEIncidenceResult,
    AEOverviewResult,
    DLTResult,
    LabShiftResult,
    derive_grade,
    derive_related,
    derive_teae,
    summarise_ae_overview,
    tabulate_ae_incidence,
    tabulate_dlt,
    tabulate_lab_shift,
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
    "DLTResult",
    "tabulate_lab_shift",
    "LabShiftResult",
]
