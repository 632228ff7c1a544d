"""doseflow: design, conduct, simulate and read out first-in-human dose-escalation trials.

Dose levels are 1-based wherever a person sees them (the Python objects of
:mod:`doseflow.core`, the CLI, files, reports); arrays indexed by level are 0-based
(``state.n_per_dose[0]`` is level 1).
"""

__version__ = "0.1.0"

#: Days in a month (365.25 / 12): time is kept in days inside doseflow and shown in months
#: only in presentation, everywhere with this one factor.
DAYS_PER_MONTH = 30.4375
