"""Operating characteristics of dose-escalation designs.

:mod:`doseflow.simulate.exact` enumerates every outcome path of a count-based design
(no Monte Carlo error).
"""

from doseflow.simulate.exact import ExactOC, compute_exact_oc

__all__ = ["ExactOC", "compute_exact_oc"]
