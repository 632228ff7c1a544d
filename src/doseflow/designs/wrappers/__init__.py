"""Wrappers: behaviour added to any design, each a design itself (``Wrapper(base, ...)``).

A wrapper asks the design it wraps first and may then override the decision, so the
outermost wrapper has the last word (as the selectors of Brock's R package *escalation*
are chained). When the command line, a config file or the web service builds a design
with several wrappers, they are applied in this order, innermost first:

1. :class:`AcceleratedTitration`: single patients until a trigger, then the design;
2. :class:`StartUp`: cohorts one level up until the first DLT, then the design;
3. :class:`NoSkipping`: an escalation goes at most one level up;
4. :class:`NoEscalationAfterDLT`: no escalation right after a cohort with a DLT;
5. :class:`StopWhenTooToxic`: stop with no MTD when the watched level is too toxic;
6. :class:`StopAtNAtDose`: stop when a dose has n patients (BOIN's ``n.earlystop``);
7. :class:`DemandNAtDose`: do not stop before the selected dose has n patients;
8. :class:`StopAtSampleSize`: stop at the maximum sample size (the last cohort cut);
9. :class:`Expansion`: an expansion cohort at the selected dose once the escalation ends.

So a sample-size cap overrides a demand for more patients, and the expansion comes after
every stopping rule of the escalation. Stops of the base design for toxicity (level 1
eliminated) are never overridden by a rule that continues the trial.
"""

from doseflow.designs.wrappers.accelerated import AcceleratedTitration
from doseflow.designs.wrappers.base import Wrapper
from doseflow.designs.wrappers.escalation_limits import NoEscalationAfterDLT, NoSkipping
from doseflow.designs.wrappers.expansion import Expansion
from doseflow.designs.wrappers.start_up import StartUp
from doseflow.designs.wrappers.stopping import DemandNAtDose, StopAtNAtDose, StopAtSampleSize, StopWhenTooToxic

#: Wrapper classes in the order they are applied, innermost first.
WRAPPER_ORDER: tuple[type, ...] = (
    AcceleratedTitration, StartUp, NoSkipping, NoEscalationAfterDLT, StopWhenTooToxic, StopAtNAtDose, DemandNAtDose,
    StopAtSampleSize, Expansion,
)

__all__ = [
    "AcceleratedTitration",
    "DemandNAtDose",
    "Expansion",
    "NoEscalationAfterDLT",
    "NoSkipping",
    "StopAtNAtDose",
    "StartUp",
    "StopAtSampleSize",
    "StopWhenTooToxic",
    "WRAPPER_ORDER",
    "Wrapper",
]
