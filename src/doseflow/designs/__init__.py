"""Dose-escalation designs: immutable configuration plus pure ``decide`` and ``select_mtd``.

Rule-based: :class:`ThreePlusThree` (Storer 1989), :class:`AcceleratedTitration` (Simon et
al. 1997), :class:`RollingSix` (Skolnik et al. 2008). Interval designs on one shared
mechanism (:mod:`doseflow.designs.intervals`): :class:`BOIN` (Liu and Yuan 2015),
:class:`Keyboard` (Yan et al. 2017), :class:`MTPI2` (Guo et al. 2017), :class:`I3Plus3`
(Liu, Wang and Ji 2020).
"""

from doseflow.designs.accelerated import AcceleratedTitration
from doseflow.designs.base import ACTION_CODES, BatchDesign, DecisionTable, Design
from doseflow.designs.boin import BOIN, boin_boundaries
from doseflow.designs.conformance import check_design
from doseflow.designs.i3plus3 import I3Plus3
from doseflow.designs.keyboard import MTPI2, Keyboard
from doseflow.designs.registry import DESIGNS, TITLES, make_design
from doseflow.designs.rolling_six import RollingSix
from doseflow.designs.threeplusthree import ThreePlusThree

__all__ = [
    "ACTION_CODES",
    "AcceleratedTitration",
    "BatchDesign",
    "BOIN",
    "DESIGNS",
    "DecisionTable",
    "Design",
    "I3Plus3",
    "Keyboard",
    "MTPI2",
    "RollingSix",
    "TITLES",
    "ThreePlusThree",
    "boin_boundaries",
    "check_design",
    "make_design",
]
