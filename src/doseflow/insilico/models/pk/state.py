"""The integrator's data: model states of all patients, one cycle's result, the PD interface.

:class:`ModelState` (all states of all patients at one time), :class:`CycleResult` (one
cycle's trajectories, AUC, Cmax and end state, returned by
:meth:`doseflow.insilico.models.pk.model.PKModel.advance`) and :class:`PDModel` (what a pharmacodynamic
model integrated together with PK provides, e.g.
:class:`doseflow.insilico.models.toxicity.model.ToxicityModel`).

Examples
--------
>>> import numpy as np
>>> s = ModelState(np.zeros((7, 2)))
>>> s.y.shape, s.day
((7, 2), 0.0)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

__all__ = ["PDModel", "ModelState", "CycleResult"]


class PDModel(Protocol):
    """A pharmacodynamic model driven by the conjugate's plasma concentration."""

    n_states: int

    def initial_state(self) -> np.ndarray:
        """States at baseline, shape (n_states, n_patients)."""

    def derivatives(self, y: np.ndarray, c_adc: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """dy/dt given the states and the ADC concentration (ug/mL) of each patient,
        written into ``out`` (shape of ``y``) when given."""

    def observe(self, y: np.ndarray) -> dict[str, np.ndarray]:
        """Named outputs (e.g. ``{"PLT": ...}``), each of shape (n_patients,)."""

    @property
    def observed_rows(self) -> dict[str, int]:
        """The state row of each output of :meth:`observe` (outputs are states)."""

    def max_rate(self) -> np.ndarray:
        """Per-patient bound on the model's rate constants (1/day), for step control."""

    def subset(self, idx) -> "PDModel":
        """The same model restricted to patients ``idx``."""

    @classmethod
    def concatenate(cls, models: Sequence["PDModel"]) -> "PDModel":
        """One model of the patients of ``models``, in order."""


@dataclass(frozen=True)
class ModelState:
    """All patients' model states at one time.

    ``y`` has shape ``(n_states, n_patients)``: the PK rows of :data:`PK_STATES` first,
    then the rows of each PD model in the order given to :meth:`PKModel.advance`.
    ``day`` is the time since the first dose (days).
    """

    y: np.ndarray
    day: float = 0.0


@dataclass(frozen=True)
class CycleResult:
    """One cycle of all patients: trajectories on a time grid and the end state.

    Attributes
    ----------
    state : ModelState
        End state, to continue from with the next call of :meth:`PKModel.advance`.
    times : numpy.ndarray
        Times (days since the start of this cycle's infusion) of the recorded points.
    concentrations : dict
        ``"ADC"``, ``"TAb"``, ``"payload"`` (ug/mL), each of shape (patients, times).
    outputs : dict
        PD outputs (e.g. ``"PLT"``), each of shape (patients, times).
    auc : dict
        ``"ADC"`` and ``"TAb"`` AUC over the cycle (ug*day/mL), shape (patients,).
    cmax : dict
        Largest recorded concentration per analyte, shape (patients,).
    """

    state: ModelState
    times: np.ndarray
    concentrations: dict[str, np.ndarray]
    outputs: dict[str, np.ndarray] = field(default_factory=dict)
    auc: dict[str, np.ndarray] = field(default_factory=dict)
    cmax: dict[str, np.ndarray] = field(default_factory=dict)

    def select(self, start: int, stop: int) -> "CycleResult":
        """The patients ``start:stop`` (0-based, a view of the same arrays)."""
        rows = slice(start, stop)
        pick = lambda d: {k: v[rows] for k, v in d.items()}  # noqa: E731
        return CycleResult(ModelState(self.state.y[:, rows], self.state.day), self.times, pick(self.concentrations),
                           pick(self.outputs), pick(self.auc), pick(self.cmax))
