"""Pharmacokinetics of an antibody-drug conjugate in virtual patients, vectorised over patients.

Modules: :mod:`~doseflow.insilico.models.pk.parameters` (published parameter sets and the
sampling schedule), :mod:`~doseflow.insilico.models.pk.model` (:class:`PKModel`, the two-analyte
model advanced cycle by cycle), :mod:`~doseflow.insilico.models.pk.state` (model states and one
cycle's result), :mod:`~doseflow.insilico.models.pk.ode` (the RK4 integrator shared with the
pharmacodynamic models) and :mod:`~doseflow.insilico.models.pk.sampling` (PK samples, closed-form
check).
"""

from doseflow.insilico.models.pk.parameters import (
    IIV_PARAMETERS,
    PayloadParameters,
    PKParameters,
    LU_2014_TDM1,
    YIN_2021_TDXD,
    QUARTINO_2019_TRASTUZUMAB,
    GQ1001_DEFAULT,
    PK_PARAMETER_SETS,
    SamplingSchedule,
    PHASE1A_SCHEDULE,
    compute_half_lives,
    compute_two_compartment_infusion,
)
from doseflow.insilico.models.pk.state import PDModel, ModelState, CycleResult
from doseflow.insilico.models.pk.ode import (
    compute_time_grid,
    compute_cycle_grid,
    compute_refinement_level,
    integrate_rk4,
    compute_step_brackets,
)
from doseflow.insilico.models.pk.sampling import sample_pk, compute_analytic_concentrations
from doseflow.insilico.models.pk.model import PK_STATES, DEFAULT_DT, DEFAULT_EARLY_STEPS, PKModel

__all__ = [
    "IIV_PARAMETERS",
    "PayloadParameters",
    "PKParameters",
    "LU_2014_TDM1",
    "YIN_2021_TDXD",
    "QUARTINO_2019_TRASTUZUMAB",
    "GQ1001_DEFAULT",
    "PK_PARAMETER_SETS",
    "SamplingSchedule",
    "PHASE1A_SCHEDULE",
    "compute_half_lives",
    "compute_two_compartment_infusion",
    "PDModel",
    "ModelState",
    "CycleResult",
    "compute_time_grid",
    "compute_cycle_grid",
    "compute_refinement_level",
    "integrate_rk4",
    "compute_step_brackets",
    "sample_pk",
    "compute_analytic_concentrations",
    "PK_STATES",
    "DEFAULT_DT",
    "DEFAULT_EARLY_STEPS",
    "PKModel",
]
