"""The virtual phase Ia trial: potential outcomes, escalation, treatment, calendar and records.

Modules: :mod:`~doseflow.insilico.trial.config` (the trial's configuration),
:mod:`~doseflow.insilico.trial.potential` (cycle-1 outcomes of every patient at every level),
:mod:`~doseflow.insilico.trial.enrolment` (expansion and calendar),
:mod:`~doseflow.insilico.trial.treatment` (cycles with dose modification),
:mod:`~doseflow.insilico.trial.simulation` (:func:`simulate_trials`, :func:`simulate_trial`),
:mod:`~doseflow.insilico.trial.data` and :mod:`~doseflow.insilico.trial.records` (the records
of one trial as long tables).
"""

from doseflow.insilico.trial.config import TrialConfig, GQ1001_DOSE_LEVELS
from doseflow.insilico.trial.data import COLUMNS, VirtualTrialData
from doseflow.insilico.trial.enrolment import (
    sample_arrival_days,
    compute_cutoff_days,
)
from doseflow.insilico.trial.potential import PotentialOutcomes, simulate_potential_outcomes
from doseflow.insilico.trial.treatment import (
    ACTION_NONE,
    ACTION_REDUCED,
    ACTION_INTERRUPTED,
    ACTION_WITHDRAWN,
    ACTION_LABELS,
    END_REASONS,
    DoseModification,
    decide_dose_modification,
    CycleLog,
    TreatmentResult,
    treat_patients,
)
from doseflow.insilico.trial.records import SOC_BY_TERM, TUMOUR_TYPE_LABELS, LAB_RANGES, build_trial_data
from doseflow.insilico.trial.simulation import TrialBatch, simulate_trials, simulate_trial

__all__ = [
    "TrialConfig",
    "GQ1001_DOSE_LEVELS",
    "COLUMNS",
    "VirtualTrialData",
    "sample_arrival_days",
    "compute_cutoff_days",
    "PotentialOutcomes",
    "simulate_potential_outcomes",
    "ACTION_NONE",
    "ACTION_REDUCED",
    "ACTION_INTERRUPTED",
    "ACTION_WITHDRAWN",
    "ACTION_LABELS",
    "END_REASONS",
    "DoseModification",
    "decide_dose_modification",
    "CycleLog",
    "TreatmentResult",
    "treat_patients",
    "SOC_BY_TERM",
    "TUMOUR_TYPE_LABELS",
    "LAB_RANGES",
    "build_trial_data",
    "TrialBatch",
    "simulate_trials",
    "simulate_trial",
]
