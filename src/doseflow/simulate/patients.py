"""Simulated patients and their potential outcomes, drawn once and met by every design.

Each simulated patient carries what would happen at *every* dose level (potential
outcomes): from one latent uniform u, a DLT at level j if u < p_j and a related grade >= 2
toxicity if u < q_j (q_j >= p_j), so toxicity is monotone in dose for every patient (as
the patient samples of Brock's R package *escalation*); from a second uniform v, the day of
the DLT inside the window; and an arrival day. Designs compared on one scenario and seed
therefore meet the same patients: the comparison is paired.

The in-silico trial gives potential outcomes from simulated pharmacology instead
(:class:`PatientSample` takes explicit arrays).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from doseflow.simulate.scenario import Scenario

__all__ = ["PatientSample", "draw_patients"]


@dataclass(frozen=True, eq=False)
class PatientSample:
    """Potential outcomes of the patients of many trials, arrays over (trials, patients).

    Either latent (``u`` with the scenario's probabilities ``p`` and ``q``) or explicit
    (``dlt`` and ``grade2`` of shape (trials, patients, levels)).

    Attributes
    ----------
    u : float array (trials, patients) or None
        Latent toxicity uniform.
    p, q : float array (levels,) or None
        DLT and grade >= 2 probabilities per level (latent form).
    dlt, grade2 : bool array (trials, patients, levels) or None
        Explicit potential outcomes.
    dlt_day : float array (trials, patients) or None
        Day of a DLT after enrolment, should the patient have one (same at every level).
    arrival : float array (trials, patients) or None
        Arrival day since the study start (None: outcomes known at once, no calendar).
    window : float or None
        DLT window (days).
    """

    u: np.ndarray | None = None
    p: np.ndarray | None = None
    q: np.ndarray | None = None
    dlt: np.ndarray | None = None
    grade2: np.ndarray | None = None
    dlt_day: np.ndarray | None = None
    arrival: np.ndarray | None = None
    window: float | None = None

    @property
    def shape(self) -> tuple[int, int]:
        base = self.u if self.u is not None else self.dlt
        return base.shape[0], base.shape[1]

    @property
    def timed(self) -> bool:
        return self.arrival is not None

    def outcome(self, rows: np.ndarray, patient: np.ndarray, level: np.ndarray,
                grades: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
        """(DLT, worst grade) of patients ``patient`` of trials ``rows`` treated at ``level`` (0-based).

        The worst grade is 3 with a DLT, 2 with a grade >= 2 toxicity without a DLT, else 0;
        None when ``grades`` is False (the caller needs the DLTs only).
        """
        if self.u is not None:
            u = np.take(self.u, rows * self.u.shape[1] + patient)
            dlt = u < np.take(self.p, level)
            if not grades:
                return dlt, None
            g2 = u < np.take(self.q, level)
        else:
            dlt = self.dlt[rows, patient, level]
            if not grades:
                return dlt, None
            g2 = dlt if self.grade2 is None else self.grade2[rows, patient, level] | dlt
        grade = np.where(dlt, 3, np.where(g2, 2, 0)).astype(np.int8)
        return dlt, grade

    def take(self, rows: np.ndarray) -> "PatientSample":
        pick = (lambda a: None if a is None else a[rows])
        return PatientSample(pick(self.u), self.p, self.q, pick(self.dlt), pick(self.grade2), pick(self.dlt_day),
                             pick(self.arrival), self.window)


def draw_patients(scenario: Scenario, n_trials: int, n_patients: int, rng: np.random.Generator) -> PatientSample:
    """Draw the patients of ``n_trials`` trials of ``scenario``, ``n_patients`` each, from ``rng``.

    The draws come in a fixed order (toxicity uniforms, DLT-time uniforms, arrival gaps),
    so a result depends on the generator's seed only. Without a DLT window only the
    toxicity uniforms are drawn.

    Notes
    -----
    Arrival days are cumulative sums of independent exponential gaps of mean 1 / rate
    (a Poisson process; Ross 2014, Introduction to Probability Models, sect. 5.3), or
    k / rate for uniform arrivals.
    """
    u = rng.random((n_trials, n_patients))
    p = np.asarray(scenario.true_dlt, dtype=float)
    q = np.asarray(scenario.grade2_probs, dtype=float)
    if not scenario.timed:
        return PatientSample(u=u, p=p, q=q)
    v = rng.random((n_trials, n_patients))
    w = float(scenario.dlt_window)
    if scenario.dlt_time == "uniform":
        day = w * v
    elif scenario.dlt_time == "late":
        day = w * np.sqrt(v)
    else:
        day = w * (1.0 - np.sqrt(1.0 - v))
    rate = scenario.arrival_rate_per_day
    if scenario.arrival == "poisson":
        arrival = np.cumsum(rng.exponential(1.0 / rate, size=(n_trials, n_patients)), axis=1)
    else:
        arrival = np.broadcast_to(np.arange(1, n_patients + 1) / rate, (n_trials, n_patients)).copy()
    return PatientSample(u=u, p=p, q=q, dlt_day=np.maximum(day, 1e-9), arrival=arrival, window=w)
