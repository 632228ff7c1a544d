"""The conformance suite every design and wrapper must pass (cf. scikit-learn's estimator checks).

:func:`check_design` runs a design over many trial states and raises ``AssertionError``
with the offending state's outcome string when a contract is broken:

1. the configuration is frozen (assigning a field fails) and survives pickling;
2. ``decide`` is deterministic and does not mutate the state;
3. the next dose is a level of the plan and never an eliminated level;
4. ``select_mtd`` returns a level of the plan or None, with one estimate per level;
5. for count-based designs, ``decide_batch`` equals ``decide`` on every state checked.
"""

from __future__ import annotations

import dataclasses
import pickle

import numpy as np

from doseflow.core import TrialState
from doseflow.designs.base import ACTION_CODES

__all__ = ["check_design", "random_count_states"]


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


def check_design(design, states: list[TrialState] | None = None, *, n_levels: int = 5) -> int:
    """Check the design contracts on ``states`` (default: 300 random count states).

    Returns the number of states checked. Raises AssertionError naming the state.
    """
    if dataclasses.is_dataclass(design):
        field = dataclasses.fields(design)[0].name
        try:
            setattr(design, field, getattr(design, field))
            frozen = False
        except dataclasses.FrozenInstanceError:
            frozen = True
        assert frozen, f"{type(design).__name__} configuration is not frozen"
    assert pickle.loads(pickle.dumps(design)) == design, "configuration does not survive pickling"
    if states is None:
        states = random_count_states(n_levels, 300)
    batch = hasattr(design, "decide_batch")
    for state in states:
        before = (state.records, state.current)
        first = design.decide(state)
        second = design.decide(state)
        where = f"{type(design).__name__} on {state.to_outcomes()!r} (current {state.current_dose})"
        assert first == second, f"decide is not deterministic: {where}"
        assert (state.records, state.current) == before, f"decide mutated the state: {where}"
        if first.next_dose is not None:
            assert 1 <= first.next_dose <= state.n_levels, f"next dose outside the plan: {where}"
            assert first.next_dose not in first.eliminated, f"next dose {first.next_dose} is eliminated: {where}"
        mtd = design.select_mtd(state)
        assert mtd.dose is None or 1 <= mtd.dose <= state.n_levels, f"MTD outside the plan: {where}"
        assert len(mtd.estimates) == state.n_levels, f"one estimate per level expected: {where}"
    if batch:
        n = np.array([s.evaluated_per_dose for s in states])
        y = np.array([s.dlt_per_dose for s in states])
        cur = np.array([s.current_dose - 1 for s in states])
        action, nxt = design.decide_batch(n, y, cur)
        for i, state in enumerate(states):
            d = design.decide(state)
            want = (ACTION_CODES[d.action], -1 if d.next_dose is None else d.next_dose - 1)
            got = (int(action[i]), int(nxt[i]))
            assert got == want, (
                f"decide_batch {got} differs from decide {want} on {state.to_outcomes()!r} "
                f"(current {state.current_dose}): {d.reason}"
            )
    return len(states)
