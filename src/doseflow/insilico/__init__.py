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
from doseflow.insilico.population import (
    DATA_CUTOFF,
    STUDY_START,
    Population,
    PopulationConfig,
    sample_enrolment_days,
    sample_population,
)
from doseflow.insilico.recist_scan import RecistConfig, ScanState, assess_scans, confirmed_best_response
from doseflow.insilico.survival import SurvivalConfig, compute_pfs, sample_deaths, sample_withdrawals
from doseflow.insilico.tumour import TumourConfig, TumourState, advance_tumour, sample_tumour_parameters
from doseflow.insilico.trial_data import COLUMNS, VirtualTrialData
from doseflow.insilico.trial_config import GQ1001_DOSE_LEVELS, TrialConfig
from doseflow.insilico.trial_enrolment import assign_expansion, compute_cutoff_days, compute_enrolment_days
from doseflow.insilico.trial_treatment import decide_dose_modification, treat_patients
from doseflow.insilico.headline import HEADLINE_FIGURES, PUBLISHED, compute_headline, compute_km_median
from doseflow.insilico.preset import Preset, load_preset
from doseflow.insilico.trial import TrialBatch, simulate_trial, simulate_trials
from doseflow.insilico.replicate import ReplicateStudy, run_replicates
