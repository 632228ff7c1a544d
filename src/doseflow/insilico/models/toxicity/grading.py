"""One cycle of toxicity: CTCAE grading of the lab trajectories and the AE hazard draws.

The grading half of the toxicity model (:mod:`doseflow.insilico.models.toxicity.model` holds the
platelet and liver-enzyme models, the AE hazards and their parameters):
:func:`simulate_cycle` (PK and toxicity of all patients advanced by one cycle, labs graded by
CTCAE v5 at the scheduled draws, hazard AEs drawn), :class:`GradedToxicity` and
:class:`CycleOutcome` (what a DLT definition and the trial engine read), and
:func:`compute_longest_run` (grade >= 3 durations).

Examples
--------
>>> compute_longest_run(np.array([[1, 1, 0, 1]], bool), np.array([0.0, 0.5, 1.0, 1.5])).tolist()
[0.5]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from doseflow.errors import ConfigError
from doseflow.insilico.models.pk.model import PKModel
from doseflow.insilico.models.pk.state import CycleResult, ModelState
from doseflow.insilico.models.toxicity.model import ToxicityModel
from doseflow.insilico.models.variability import validate_generator

__all__ = ["GradedToxicity", "CycleOutcome", "compute_longest_run", "simulate_cycle"]


@dataclass(frozen=True)
class GradedToxicity:
    """Per-patient graded toxicity of one cycle: what a DLT definition is evaluated on.

    ``grades`` maps a term to the worst treatment-emergent grade (0-5) of each patient;
    ``grade3_days`` maps a term to the longest time (days) the term stayed at grade >= 3
    within the cycle (0 if never). Terms absent from a mapping were not modelled.
    """

    grades: Mapping[str, np.ndarray]
    grade3_days: Mapping[str, np.ndarray] = field(default_factory=dict)


@dataclass(frozen=True)
class CycleOutcome:
    """One cycle of PK and toxicity for all patients.

    Attributes
    ----------
    pk : CycleResult
        Concentrations, AUC, Cmax and the end state (including toxicity states).
    labs : dict
        ``"PLT"``, ``"AST"``, ``"ALT"`` trajectories (patients, times) on ``pk.times``.
    toxicity : GradedToxicity
        Worst treatment-emergent grade per term and grade >= 3 durations.
    """

    pk: CycleResult
    labs: dict[str, np.ndarray]
    toxicity: GradedToxicity

    @property
    def state(self) -> ModelState:
        """End state to continue from."""
        return self.pk.state


def compute_longest_run(mask: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Longest time (days) each row of ``mask`` stays True on consecutive grid points.

    An interval between consecutive grid points counts when the condition holds at both
    ends; the result is the longest sum of consecutive counted intervals.

    Examples
    --------
    >>> compute_longest_run(np.array([[0, 1, 1, 1, 0, 1, 1]], bool), np.arange(7.0)).tolist()
    [2.0]
    """
    m = np.asarray(mask, dtype=bool)
    if m.shape[-1] < 2:
        return np.zeros(m.shape[0])
    length = np.diff(np.asarray(times, dtype=float))
    a = m[:, :-1] & m[:, 1:]
    s = np.cumsum(np.where(a, length, 0.0), axis=1)
    base = np.maximum.accumulate(np.where(a, 0.0, s), axis=1)
    return (s - base).max(axis=1)


def simulate_cycle(
    pk: PKModel,
    tox: ToxicityModel,
    state: ModelState,
    dose_mg_per_kg,
    rng,
    *,
    infusion_hours: float = 0.5,
    days: float = 21.0,
    lab_days: Sequence[float] | None = (7.0, 14.0, 21.0),
    output_dt: float = 0.5,
    record_times: Sequence[float] = (),
    advance=None,
) -> CycleOutcome:
    """Advance PK and toxicity of all patients by one cycle and grade it.

    Parameters
    ----------
    pk : PKModel
        Pharmacokinetics of the patients.
    tox : ToxicityModel
        Toxicity of the same patients.
    state : ModelState
        From ``pk.initial_state([tox])`` or the previous outcome's ``state``.
    dose_mg_per_kg : float or array_like of shape (patients,)
        Dose of each patient (mg/kg; 0 = held).
    rng : numpy.random.Generator or int
        Draws the AE hazard events, grades and durations.
    infusion_hours, days : float, optional
        Infusion duration (hours) and cycle length (days).
    lab_days : sequence of float or None, optional
        Lab draws (days after this cycle's dose) at which PLT/AST/ALT are graded; the
        default 7, 14, 21 are study days 8 and 15 and day 1 (pre-dose) of the next
        cycle. ``None`` grades the whole trajectory (every ``output_dt`` days).
    output_dt : float, optional
        Spacing of the recorded trajectories (days); also the resolution of grade >= 3
        durations, which are measured on the continuous trajectory.
    record_times : sequence of float, optional
        Further times (days after this cycle's dose) recorded exactly on the
        trajectories, e.g. PK sampling times; they are not lab draws and are not graded.
        Times already on the grid (0, the end of the infusion, multiples of
        ``output_dt``) leave the integration unchanged.
    advance : callable, optional
        ``advance(pk, state, dose, **options) -> CycleResult`` integrates the cycle;
        ``pk.advance`` by default. A replicate study passes one that integrates the
        patients of several trial batches together (:mod:`doseflow.insilico.replicate`).

    Returns
    -------
    CycleOutcome

    Notes
    -----
    A lab term's cycle grade is the worst grade at the draws if it is worse than the
    patient's baseline grade, else 0 (treatment-emergent). Each AE hazard draws an event
    with probability 1 - exp(-(h0 + h1 AUC_ADC)), its grade from the term's distribution
    and an exponential duration; draws are in the fixed order of ``params.hazards`` so
    that results depend on the seed alone.
    """
    gen = validate_generator(rng)
    if tox.n_patients != pk.n_patients:
        raise ConfigError("tox", f"a ToxicityModel of {pk.n_patients} patients", tox.n_patients)
    record = () if lab_days is None else tuple(float(d) for d in lab_days)
    extra = tuple(float(t) for t in record_times if float(t) not in record)
    options = dict(infusion_hours=infusion_hours, days=days, output_dt=output_dt, record_times=record + extra, pd_models=[tox])
    cyc = pk.advance(state, dose_mg_per_kg, **options) if advance is None else advance(pk, state, dose_mg_per_kg, **options)
    labs = {k: cyc.outputs[k] for k in ("PLT", "AST", "ALT")}
    all_grades = tox.compute_grades(labs)
    base_grades = tox.compute_grades({k: v[:, None] for k, v in tox.baseline().items()})
    if lab_days is None:
        cols = np.arange(cyc.times.size)
    else:
        cols = np.array([int(np.argmin(np.abs(cyc.times - d))) for d in record if d <= days], dtype=int)
    grades: dict[str, np.ndarray] = {}
    g3days: dict[str, np.ndarray] = {}
    for term, g in all_grades.items():
        worst = g[:, cols].max(axis=1) if cols.size else np.zeros(pk.n_patients, dtype=np.int64)
        grades[term] = np.where(worst > base_grades[term][:, 0], worst, 0)
        g3days[term] = compute_longest_run(g >= 3, cyc.times)
    auc = cyc.auc["ADC"]
    for h in tox.params.hazards:
        event = gen.random(pk.n_patients) < h.compute_probability(auc)
        cdf = np.cumsum(h.grade_probabilities)
        grade = 1 + np.searchsorted(cdf, gen.random(pk.n_patients) * cdf[-1], side="right")
        duration = gen.exponential(h.mean_duration_days, pk.n_patients)
        grades[h.term] = np.where(event, np.minimum(grade, 4), 0)
        g3days[h.term] = np.where(event & (grade >= 3), duration, 0.0)
    return CycleOutcome(cyc, labs, GradedToxicity(grades, g3days))
