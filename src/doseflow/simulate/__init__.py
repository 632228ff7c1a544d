"""Simulation of dose-escalation trials: scenarios, the engine, exact and Monte Carlo operating characteristics.

:func:`simulate` is the entry point; :class:`Scenario` the truth; :class:`OperatingCharacteristics`
the one result of exact enumeration (:mod:`doseflow.simulate.exact`) and Monte Carlo
(:mod:`doseflow.simulate.run`), which runs on the vectorised engine
(:mod:`doseflow.simulate.engine`, cohorts or calendar time) or on the design's state graph
(:mod:`doseflow.simulate.graph`), locally or on a Dask cluster (:mod:`doseflow.simulate.backends`).
"""

from doseflow.simulate.engine import TrialRuns, run_trials
from doseflow.simulate.metrics import OperatingCharacteristics
from doseflow.simulate.patients import PatientSample, draw_patients
from doseflow.simulate.run import simulate
from doseflow.simulate.scenario import Scenario

__all__ = ["OperatingCharacteristics", "PatientSample", "Scenario", "TrialRuns", "draw_patients", "run_trials",
           "simulate"]
