"""Toxicity of an ADC in virtual patients and the protocol's DLT definition.

Modules: :mod:`~doseflow.insilico.models.toxicity.model` (platelets, AST/ALT, AE hazards and
their parameters), :mod:`~doseflow.insilico.models.toxicity.grading` (one cycle simulated and
graded by CTCAE v5) and :mod:`~doseflow.insilico.models.toxicity.dlt` (the DLT definition as
configuration).
"""

from doseflow.insilico.models.toxicity.model import (
    THROMBOCYTOPENIA,
    AST_INCREASED,
    ALT_INCREASED,
    HAEMATOLOGICAL_TERMS,
    PlateletParameters,
    LiverEnzymeParameters,
    AEHazard,
    ToxicityParameters,
    GQ1001_TOXICITY,
    ToxicityModel,
)
from doseflow.insilico.models.toxicity.grading import (
    GradedToxicity,
    CycleOutcome,
    compute_longest_run,
    simulate_cycle,
)
from doseflow.insilico.models.toxicity.dlt import DLTDefinition, DLT_RULES, evaluate_dlt

__all__ = [
    "THROMBOCYTOPENIA",
    "AST_INCREASED",
    "ALT_INCREASED",
    "HAEMATOLOGICAL_TERMS",
    "PlateletParameters",
    "LiverEnzymeParameters",
    "AEHazard",
    "ToxicityParameters",
    "GQ1001_TOXICITY",
    "ToxicityModel",
    "GradedToxicity",
    "CycleOutcome",
    "compute_longest_run",
    "simulate_cycle",
    "DLTDefinition",
    "DLT_RULES",
    "evaluate_dlt",
]
