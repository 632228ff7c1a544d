"""One simulated trial at a time, in plain Python, with the scalar ``decide``: the engine's reference.

:func:`run_trial_reference` plays one trial of a :class:`PatientSample` with
:class:`~doseflow.core.TrialState` and the design's scalar ``decide``/``select_mtd``, following
the engine's rules of conduct written out once more in the plainest form (see
:mod:`doseflow.simulate.engine`). The tests check that the vectorised engine gives the same
trials, patient for patient, and the benchmarks time it as the per-trial Python loop the
engine replaces. It is not used to compute results.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from doseflow.core import DosePlan, PatientRecord, TrialState
from doseflow.simulate.engine import ENGINE_RULES
from doseflow.simulate.patients import PatientSample

__all__ = ["ReferenceTrial", "run_trial_reference"]


@dataclass(frozen=True)
class ReferenceTrial:
    """The end of one trial: counts (pending outcomes counted as they would be observed), MTD, rule, duration."""

    n: np.ndarray
    y: np.ndarray
    mtd: int
    rule: str
    duration: float
    state: TrialState


def run_trial_reference(design, patients: PatientSample, row: int, n_levels: int) -> ReferenceTrial:
    """Play trial ``row`` of ``patients`` with ``design``'s scalar rule (see module docstring)."""
    plan = DosePlan.of_size(n_levels)
    capacity = patients.shape[1]
    timed = patients.timed
    state = TrialState(plan, day=0.0 if timed else None)
    clock = 0.0
    known_at: dict[str, float] = {}
    eventual: dict[str, tuple[bool, int, float]] = {}
    enrolled = 0
    rule = ""
    while True:
        if timed:
            state = state.advance(clock)
        d = design.decide(state)
        size = min(d.cohort_size or 0, 1) if d.cohort_kind == "up_to" else (d.cohort_size or 0)
        pending = [pid for pid in known_at if state.record(pid).pending]
        next_known = min((known_at[pid] for pid in pending), default=math.inf)
        if d.action == "stop":
            rule = d.rule
            break
        if size == 0 and (not timed or not math.isfinite(next_known)):
            rule = ENGINE_RULES[1]
            break
        if enrolled + size > capacity:
            rule = ENGINE_RULES[0]
            break
        arrival = patients.arrival[row, enrolled] if timed and enrolled < capacity else math.inf
        enrol_now = size > 0 and (not timed or d.cohort_kind != "up_to" or max(arrival, clock) <= next_known)
        if enrol_now:
            cohort = state.n_cohorts + 1
            for j in range(size):
                idx = enrolled + j
                dlt, grade = patients.outcome(np.array([row]), np.array([idx]), np.array([d.next_dose - 1]))
                dlt, grade = bool(dlt[0]), int(grade[0])
                pid = f"P{idx + 1}"
                if timed:
                    clock = max(clock, float(patients.arrival[row, idx]))
                    known_at[pid] = clock + (float(patients.dlt_day[row, idx]) if dlt else patients.window)
                    eventual[pid] = (dlt, grade, float(patients.dlt_day[row, idx]))
                    record = PatientRecord(pid, d.next_dose, None, cohort=cohort, enrolled_day=clock,
                                           followup_day=0.0, role=d.role)
                else:
                    record = PatientRecord(pid, d.next_dose, dlt, cohort=cohort, worst_grade=grade, role=d.role)
                state = state.with_record(record)
            enrolled += size
            if timed and d.cohort_kind != "up_to":
                clock = max(clock, max(known_at[f"P{enrolled - size + j + 1}"] for j in range(size)))
                state = _resolve_due(state.advance(clock), known_at, eventual, clock)
        else:
            clock = max(clock, next_known)
            state = _resolve_due(state.advance(clock), known_at, eventual, clock)
    sel = design.select_mtd(state)
    n = state.n_per_dose
    y = state.dlt_per_dose.copy()
    for r in state.records:
        if r.pending and eventual[r.id][0]:
            y[r.dose_level - 1] += 1
    return ReferenceTrial(n, y, -1 if sel.dose is None else sel.dose - 1, rule,
                          clock if timed else math.nan, state)


def _resolve_due(state: TrialState, known_at: dict[str, float], eventual: dict[str, tuple[bool, int, float]],
                 clock: float) -> TrialState:
    for pid, when in known_at.items():
        if when <= clock and state.record(pid).pending:
            dlt, grade, day = eventual[pid]
            state = state.resolve(pid, dlt, dlt_day=day if dlt else None, worst_grade=grade)
    return state
