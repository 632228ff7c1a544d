"""Dose-escalation designs: immutable configuration plus pure ``decide`` and ``select_mtd``.

Families (one folder each): rule-based (:class:`ThreePlusThree`, Storer 1989;
:class:`RollingSix`, Skolnik et al. 2008), interval designs on one shared mechanism
(:class:`BOIN`, Liu and Yuan 2015; :class:`Keyboard`, Yan et al. 2017; :class:`MTPI2`, Guo et
al. 2017; :class:`I3Plus3`, Liu, Wang and Ji 2020; :class:`TITEBOIN`, Yuan et al. 2018),
model-based designs (:class:`CRM`, O'Quigley, Pepe and Fisher 1990; :class:`TITECRM`, Cheung and
Chappell 2000; :class:`BLRM`, Neuenschwander, Branson and Gsponer 2008), and wrappers that add
behaviour to any design (accelerated titration, start-up, stopping rules, no skipping, expansion;
:mod:`doseflow.designs.wrappers`). The contract every design meets is in
:mod:`doseflow.designs.base` and is checked by :func:`check_design`; the registry
(:mod:`doseflow.designs.registry`) builds designs from config files and command-line flags.
"""

from doseflow.designs.base import DecisionTable, Design, DesignBase
from doseflow.designs.batch import ACTION_CODES, BatchDecision, BatchState, PatientArrays
from doseflow.designs.conformance import check_design
from doseflow.designs.interval import BOIN, MTPI2, TITEBOIN, I3Plus3, Keyboard, boin_boundaries
from doseflow.designs.model_based import BLRM, CRM, TITECRM
from doseflow.designs.registry import build_design, design_classes, design_from_options, wrapper_classes
from doseflow.designs.rule_based import RollingSix, ThreePlusThree
from doseflow.designs.wrappers import (
    AcceleratedTitration,
    DemandNAtDose,
    Expansion,
    NoEscalationAfterDLT,
    NoSkipping,
    StartUp,
    StopAtNAtDose,
    StopAtSampleSize,
    StopWhenTooToxic,
)

__all__ = [
    "ACTION_CODES",
    "AcceleratedTitration",
    "BLRM",
    "BOIN",
    "BatchDecision",
    "BatchState",
    "CRM",
    "DecisionTable",
    "DemandNAtDose",
    "Design",
    "DesignBase",
    "Expansion",
    "I3Plus3",
    "Keyboard",
    "MTPI2",
    "NoEscalationAfterDLT",
    "NoSkipping",
    "PatientArrays",
    "RollingSix",
    "StartUp",
    "StopAtNAtDose",
    "StopAtSampleSize",
    "StopWhenTooToxic",
    "TITEBOIN",
    "TITECRM",
    "ThreePlusThree",
    "boin_boundaries",
    "build_design",
    "check_design",
    "design_classes",
    "design_from_options",
    "wrapper_classes",
]
