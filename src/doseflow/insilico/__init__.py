"""Virtual patients: ADC pharmacokinetics, toxicity, tumour response, virtual trial.

Subpackages: :mod:`~doseflow.insilico.models` (pk, toxicity, tumour, survival, variability),
:mod:`~doseflow.insilico.trial` (the virtual phase Ia trial) and :mod:`~doseflow.insilico.sdtm`
(the trial as CDISC SDTM); modules :mod:`~doseflow.insilico.population`,
:mod:`~doseflow.insilico.preset`, :mod:`~doseflow.insilico.replicate` and
:mod:`~doseflow.insilico.headline`. The RECIST 1.1 rules the trial applies are those of
:mod:`doseflow.standards.recist` and :mod:`doseflow.standards.best_response`.
"""

from doseflow.insilico.headline import FIGURE_LABELS, HEADLINE_FIGURES, PUBLISHED, PublishedFigure, compute_headline, compute_km_median
from doseflow.insilico.models.pk import (
    GQ1001_DEFAULT,
    LU_2014_TDM1,
    PHASE1A_SCHEDULE,
    PK_PARAMETER_SETS,
    QUARTINO_2019_TRASTUZUMAB,
    YIN_2021_TDXD,
    CycleResult,
    ModelState,
    PayloadParameters,
    PKModel,
    PKParameters,
    SamplingSchedule,
    compute_half_lives,
    compute_time_grid,
    compute_two_compartment_infusion,
    integrate_rk4,
)
from doseflow.insilico.models.survival import SurvivalConfig, compute_pfs, sample_deaths, sample_withdrawals
from doseflow.insilico.models.toxicity import (
    DLT_RULES,
    GQ1001_TOXICITY,
    AEHazard,
    CycleOutcome,
    DLTDefinition,
    GradedToxicity,
    LiverEnzymeParameters,
    PlateletParameters,
    ToxicityModel,
    ToxicityParameters,
    evaluate_dlt,
    simulate_cycle,
)
from doseflow.insilico.models.tumour import (
    RecistConfig,
    ScanState,
    TumourConfig,
    TumourState,
    advance_tumour,
    assess_scans,
    sample_tumour_parameters,
)
from doseflow.insilico.models.variability import ResidualError, compute_observations, compute_omega, sample_eta
from doseflow.insilico.population import (
    DATA_CUTOFF,
    STUDY_START,
    Population,
    PopulationConfig,
    sample_enrolment_days,
    sample_population,
)
from doseflow.insilico.preset import Preset, load_preset
from doseflow.insilico.replicate import ReplicateStudy, run_replicates
from doseflow.insilico.trial import (
    COLUMNS,
    GQ1001_DOSE_LEVELS,
    TrialBatch,
    TrialConfig,
    VirtualTrialData,
    compute_cutoff_days,
    decide_dose_modification,
    simulate_trial,
    simulate_trials,
    treat_patients,
)
from doseflow.standards.best_response import confirmed_best_response

__all__ = [
    "DLT_RULES", "DLTDefinition", "evaluate_dlt",
    "compute_time_grid", "integrate_rk4",
    "PHASE1A_SCHEDULE", "CycleResult", "ModelState", "PKModel", "SamplingSchedule", "compute_half_lives",
    "compute_two_compartment_infusion",
    "GQ1001_DEFAULT", "LU_2014_TDM1", "PK_PARAMETER_SETS", "QUARTINO_2019_TRASTUZUMAB", "YIN_2021_TDXD",
    "PayloadParameters", "PKParameters",
    "GQ1001_TOXICITY", "AEHazard", "CycleOutcome", "GradedToxicity", "LiverEnzymeParameters",
    "PlateletParameters", "ToxicityModel", "ToxicityParameters", "simulate_cycle",
    "ResidualError", "compute_observations", "compute_omega", "sample_eta",
    "DATA_CUTOFF", "STUDY_START", "Population", "PopulationConfig", "sample_enrolment_days", "sample_population",
    "RecistConfig", "ScanState", "assess_scans", "confirmed_best_response",
    "SurvivalConfig", "compute_pfs", "sample_deaths", "sample_withdrawals",
    "TumourConfig", "TumourState", "advance_tumour", "sample_tumour_parameters",
    "COLUMNS", "VirtualTrialData", "GQ1001_DOSE_LEVELS", "TrialConfig",
    "compute_cutoff_days", "decide_dose_modification", "treat_patients",
    "FIGURE_LABELS", "HEADLINE_FIGURES", "PUBLISHED", "PublishedFigure", "compute_headline", "compute_km_median",
    "Preset", "load_preset", "TrialBatch", "simulate_trial", "simulate_trials", "ReplicateStudy", "run_replicates",
]
