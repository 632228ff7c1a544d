"""Virtual patients: ADC pharmacokinetics, toxicity, tumour response, virtual trial."""

from doseflow.insilico.dlt import DLT_RULES, DLTDefinition, evaluate_dlt
from doseflow.insilico.ode import compute_time_grid, integrate_rk4
from doseflow.insilico.pk import (
    PHASE1A_SCHEDULE,
    CycleResult,
    ModelState,
    PKModel,
    SamplingSchedule,
    compute_half_lives,
    compute_two_compartment_infusion,
)
from doseflow.insilico.pk_params import (
    GQ1001_DEFAULT,
    LU_2014_TDM1,
    PK_PARAMETER_SETS,
    QUARTINO_2019_TRASTUZUMAB,
    YIN_2021_TDXD,
    PayloadParameters,
    PKParameters,
)
from doseflow.insilico.toxicity import (
    GQ1001_TOXICITY,
    AEHazard,
    CycleOutcome,
    GradedToxicity,
    LiverEnzymeParameters,
    PlateletParameters,
    ToxicityModel,
    ToxicityParameters,
    simulate_cycle,
)
from doseflow.insilico.variability import (
    ResidualError,
    compute_observations,
    compute_omega,
    sample_eta,
)
