"""The data model every stage shares: dose plan, patients, trial state, decisions.

``core`` imports nothing else of doseflow except :mod:`doseflow.errors` and
:mod:`doseflow.checks`.
"""

from doseflow.core.decision import ACTIONS, COHORT_KINDS, Action, CohortKind, Decision, MTDSelection
from doseflow.core.dose import DoseLevel, DosePlan
from doseflow.core.patient import ROLES, PatientRecord, Role
from doseflow.core.state import TrialState

__all__ = [
    "ACTIONS",
    "Action",
    "COHORT_KINDS",
    "CohortKind",
    "Decision",
    "DoseLevel",
    "DosePlan",
    "MTDSelection",
    "PatientRecord",
    "ROLES",
    "Role",
    "TrialState",
]
