"""Operating characteristics of dose-escalation designs.

:mod:`doseflow.simulate.exact` enumerates every outcome path of a count-based design
(no Monte Carlo error); :mod:`doseflow.simulate.montecarlo` simulates many trials at once
(vectorised over trials by :mod:`doseflow.simulate.escalation`), reproducibly for a seed.
"""

from doseflow.simulate.escalation import EscalationRun, run_escalation
from doseflow.simulate.exact import ExactOC, compute_exact_oc
from doseflow.simulate.montecarlo import SimulatedOC, simulate_oc

__all__ = ["EscalationRun", "ExactOC", "SimulatedOC", "compute_exact_oc", "run_escalation", "simulate_oc"]
