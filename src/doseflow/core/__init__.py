"""The data model every stage shares: dose plan, patients, trial state, decisions.

``core`` imports nothing else of doseflow except :mod:`doseflow.errors` and
:mod:`doseflow.checks`.
"""

from doseflow.core.decision import ACTIONS, Action, Decision, MTDSelection
from doseflow.core.dose import DoseLevel, DosePlan
from doseflow.core.state import PatientRecord, TrialState

__all__ = [
    "ACTIONS",
    "Action",
    "Decision",
    "DoseLevel",
    "DosePlan",
    "MTDSelection",
    "PatientRecord",
    "TrialState",
]
