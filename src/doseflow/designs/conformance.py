"""The conformance suite every design and wrapper must pass (cf. scikit-learn's estimator checks).

:func:`check_design` runs a design over many trial states and raises ``AssertionError``
with the offending state's outcome string when a contract is broken:

1. the configuration is frozen, survives pickling and round-trips through
   ``to_dict`` / :func:`~doseflow.designs.registry.build_design`;
2. ``decide`` is deterministic and does not mutate the state; its rule id is one of
   ``design.rules``;
3. the next dose is a level of the plan and never an eliminated level;
4. ``select_mtd`` returns a level of the plan or None, with one estimate per level;
5. ``decide_batch`` equals ``decide`` on every state (action, next level, cohort size
   and kind, rule, role, eliminated levels), and ``select_mtd_batch`` equals
   ``select_mtd``.

States come from two sources: random per-level counts, and trials played by the design
itself on random outcomes, with some outcomes left pending and resolved later, so that
each design meets the states it produces.
"""

from __future__ import annotations

import dataclasses
import pickle

import numpy as np

from doseflow.core import DosePlan, PatientRecord, TrialState
from doseflow.designs.batch import ACTION_CODES, KIND_CODES, ROLE_CODES, batch_from_states
from doseflow.designs.registry import build_design, design_classes, wrapper_classes

__all__ = ["check_batch_agreement", "check_design", "random_count_states", "random_trial_states"]


def random_count_states(
    n_levels: int, n_states: int, *, max_per_level: int = 12, seed: int = 20240601
) -> list[TrialState]:
    """Random count states (patients and DLTs per level, a current level with patients)."""
    rng = np.random.default_rng(seed)
    states: list[TrialState] = []
    for _ in range(n_states):
        n = rng.integers(0, max_per_level + 1, size=n_levels)
        if n.sum() == 0:
            n[0] = 3
        y = rng.binomial(n, rng.uniform(0.0, 0.7))
        tried = np.flatnonzero(n > 0)
        current = int(rng.choice(tried)) + 1
        states.append(TrialState.from_counts(n_levels, n.tolist(), y.tolist(), current))
    return states


def random_trial_states(
    design, n_levels: int, n_trials: int, *, seed: int = 20240602, max_patients: int = 40
) -> list[TrialState]:
    """The states met by ``design`` itself on random trials (every intermediate state).

    True DLT probabilities are drawn per trial (increasing in dose); a cohort's outcomes
    are left pending with probability 0.3 and resolved one by one later, a day apart, which
    exercises waits and decisions with pending patients; worst grades are 3 for a DLT, else
    0-2. Every DLT has its day after enrolment (the days elapsed when it is resolved, within
    the design's DLT window if it has one; day 1 when known at once), for designs that
    read the times to DLT.
    """
    rng = np.random.default_rng(seed)
    plan = DosePlan.of_size(n_levels)
    window = getattr(design, "followup_window", None)
    out: list[TrialState] = []
    for _ in range(n_trials):
        truth = np.sort(rng.uniform(0.0, 0.8, size=n_levels))
        state = TrialState(plan, day=0.0)
        pending: list[str] = []
        for _step in range(60):
            out.append(state)
            d = design.decide(state)
            if d.action == "stop" or state.n_patients >= max_patients:
                break
            size = 1 if d.cohort_kind == "up_to" else int(d.cohort_size or 0)
            if size == 0:
                if not pending:
                    break
                pid = pending.pop(0)
                record = state.record(pid)
                dlt = bool(rng.random() < truth[record.dose_level - 1])
                elapsed = state.day + 1.0 - record.enrolled_day
                day = (min(elapsed, window) if window else elapsed) if dlt else None
                state = state.advance(state.day + 1.0).resolve(pid, dlt, dlt_day=day,
                                                               worst_grade=3 if dlt else int(rng.integers(0, 3)))
                continue
            leave = d.cohort_kind == "up_to" or rng.random() < 0.3
            cohort = state.n_cohorts + 1
            for _j in range(size):
                pid = f"P{state.n_patients + 1}"
                dlt = bool(rng.random() < truth[d.next_dose - 1])
                grade = 3 if dlt else int(rng.integers(0, 3))
                rec = PatientRecord(pid, d.next_dose, None if leave else dlt, cohort=cohort,
                                    enrolled_day=state.day, worst_grade=None if leave else grade, role=d.role,
                                    followup_day=0.0 if leave else None,
                                    dlt_day=1.0 if dlt and not leave else None)
                state = state.with_record(rec)
                if leave:
                    pending.append(pid)
            if leave and d.cohort_kind != "up_to":
                continue  # the next decision is taken with the whole cohort pending
    return out


def check_design(design, states: list[TrialState] | None = None, *, n_levels: int = 5) -> int:
    """Check the design contracts on ``states`` (default: random count and played states).

    Returns the number of states checked. Raises AssertionError naming the state.
    """
    frozen = dataclasses.is_dataclass(design) and type(design).__dataclass_params__.frozen
    assert frozen, f"{type(design).__name__} configuration is not frozen"
    assert pickle.loads(pickle.dumps(design)) == design, "configuration does not survive pickling"
    if type(design).name in {**design_classes(), **wrapper_classes()}:
        assert build_design(design.to_dict()) == design, "configuration does not round-trip through to_dict"
    if states is None:
        states = random_count_states(n_levels, 200) + random_trial_states(design, n_levels, 60)
    rules = set(design.rules)
    decisions = []
    for state in states:
        before = (state.records, state.current)
        first = design.decide(state)
        second = design.decide(state)
        where = f"{type(design).__name__} on {state.to_outcomes()!r} (current {state.current_dose})"
        assert first == second, f"decide is not deterministic: {where}"
        assert (state.records, state.current) == before, f"decide mutated the state: {where}"
        assert first.rule in rules, f"rule {first.rule!r} is not in design.rules: {where}"
        if first.next_dose is not None:
            assert 1 <= first.next_dose <= state.n_levels, f"next dose outside the plan: {where}"
            assert first.next_dose not in first.eliminated, f"next dose {first.next_dose} is eliminated: {where}"
        mtd = design.select_mtd(state)
        assert mtd.dose is None or 1 <= mtd.dose <= state.n_levels, f"MTD outside the plan: {where}"
        assert len(mtd.estimates) == state.n_levels, f"one estimate per level expected: {where}"
        decisions.append(first)
    check_batch_agreement(design, states, decisions)
    return len(states)


def check_batch_agreement(design, states: list[TrialState], decisions: list | None = None) -> None:
    """Assert that ``decide_batch`` and ``select_mtd_batch`` agree with ``decide`` and ``select_mtd``.

    Compares action, next level, cohort size and kind, rule, role and eliminated levels of
    every state, with the per-patient detail given to designs that read it and withheld
    from those that do not (state kind "counts"); follow-up as shares of the design's DLT
    window (``followup_window``) for time-to-event designs.
    """
    if decisions is None:
        decisions = [design.decide(s) for s in states]
    patients = design.state_kind != "counts"
    batch = batch_from_states(states, patients=patients, window_days=design.followup_window)
    got = design.decide_batch(batch)
    for i, (state, d) in enumerate(zip(states, decisions)):
        want = (ACTION_CODES[d.action], -1 if d.next_dose is None else d.next_dose - 1, int(d.cohort_size or 0),
                -1 if d.cohort_kind is None else KIND_CODES[d.cohort_kind], d.rule,
                ROLE_CODES[d.role] if d.action != "stop" else 0)
        role = 0 if got.role is None or got.action[i] == ACTION_CODES["stop"] else int(got.role[i])
        have = (int(got.action[i]), int(got.next_index[i]), int(got.cohort_size[i]), int(got.cohort_kind[i]),
                got.rules[int(got.rule[i])], role)
        assert have == want, (
            f"decide_batch {have} differs from decide {want} on {state.to_outcomes()!r} "
            f"(current {state.current_dose}): {d.reason}"
        )
        if got.eliminated_from is not None:
            lowest = min(d.eliminated) - 1 if d.eliminated else state.n_levels
            assert int(got.eliminated_from[i]) == lowest, (
                f"decide_batch eliminates from level {int(got.eliminated_from[i]) + 1}, decide from {lowest + 1}: "
                f"{state.to_outcomes()!r}"
            )
    picks = design.select_mtd_batch(batch)
    for state, pick in zip(states, picks):
        sel = design.select_mtd(state)
        want = -1 if sel.dose is None else sel.dose - 1
        assert int(pick) == want, f"select_mtd_batch {int(pick)} differs from select_mtd {want} on {state.to_outcomes()!r}"
