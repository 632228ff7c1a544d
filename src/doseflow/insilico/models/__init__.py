"""Models of virtual patients: pharmacokinetics, toxicity, tumour, survival and variability.

Subpackages :mod:`~doseflow.insilico.models.pk`, :mod:`~doseflow.insilico.models.toxicity` and
:mod:`~doseflow.insilico.models.tumour`; modules :mod:`~doseflow.insilico.models.survival`
(death, withdrawal, cut-off, PFS) and :mod:`~doseflow.insilico.models.variability`
(inter-individual variability and residual error), whose names are exported here.
"""

from doseflow.insilico.models.variability import (
    validate_generator,
    compute_omega,
    validate_omega,
    sample_eta,
    apply_iiv,
    ResidualError,
    compute_observations,
)
from doseflow.insilico.models.survival import (
    SurvivalConfig,
    compute_death_cumulative_hazard,
    sample_deaths,
    sample_withdrawals,
    apply_data_cutoff,
    compute_pfs,
)

__all__ = [
    "validate_generator",
    "compute_omega",
    "validate_omega",
    "sample_eta",
    "apply_iiv",
    "ResidualError",
    "compute_observations",
    "SurvivalConfig",
    "compute_death_cumulative_hazard",
    "sample_deaths",
    "sample_withdrawals",
    "apply_data_cutoff",
    "compute_pfs",
]
