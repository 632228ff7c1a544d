"""Interval designs on one mechanism: BOIN, keyboard, mTPI-2, i3+3 and TITE-BOIN.

Each is defined by its escalation and de-escalation cut-offs on the DLT count at the
current level (:mod:`doseflow.designs.interval.mechanism`), shares the Beta(1, 1)
elimination rule and selects the MTD by isotonic regression
(:mod:`doseflow.designs.interval.isotonic`). TITE-BOIN (:mod:`doseflow.designs.interval.tite_boin`)
is BOIN with the outcomes of patients still in their DLT window imputed.
"""

from doseflow.designs.interval.boin import BOIN, boin_boundaries, compute_overdose_probability
from doseflow.designs.interval.i3plus3 import I3Plus3
from doseflow.designs.interval.isotonic import compute_isotonic_regression
from doseflow.designs.interval.keyboard import MTPI2, Keyboard, compute_key_edges
from doseflow.designs.interval.mechanism import IntervalDesign, compute_elimination_boundary
from doseflow.designs.interval.tite_boin import TITEBOIN, compute_imputed_dlt_rate

__all__ = [
    "BOIN",
    "I3Plus3",
    "IntervalDesign",
    "Keyboard",
    "MTPI2",
    "TITEBOIN",
    "boin_boundaries",
    "compute_elimination_boundary",
    "compute_imputed_dlt_rate",
    "compute_isotonic_regression",
    "compute_key_edges",
    "compute_overdose_probability",
]
