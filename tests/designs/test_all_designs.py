"""Properties every design in the registry must have, checked on the same generated states.

1. Monotonicity: with one more DLT among the patients at the current level (and the same
   number of patients), the recommended dose (the next dose, or the MTD when the design
   stops) is never higher.
2. Safety: the next dose is never an eliminated level, nor above one.
3. The conformance suite (:func:`doseflow.designs.check_design`).
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doseflow.core import Decision, MTDSelection, TrialState
from doseflow.designs import DESIGNS, check_design, make_design

NAMES = list(DESIGNS)


def _recommended(design, state) -> tuple[int, str]:
    """The dose the design recommends next: the next dose, or when it stops the MTD it
    selects (0 for none), so that stopping at a cleared top level is not a "lower" dose."""
    decision = design.decide(state)
    if decision.next_dose is not None:
        return decision.next_dose, decision.rule
    mtd = design.select_mtd(state).dose
    return (0 if mtd is None else mtd), decision.rule


states = st.integers(2, 6).flatmap(
    lambda k: st.tuples(
        st.lists(st.integers(0, 9), min_size=k, max_size=k),
        st.lists(st.floats(0, 0.8), min_size=k, max_size=k),
        st.integers(1, k),
    )
)


def _counts(case):
    n, frac, current = case
    n = list(n)
    n[current - 1] = max(n[current - 1], 3)
    y = [min(v, int(round(f * v))) for f, v in zip(frac, n)]
    return n, y, current


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=150)
@given(case=states)
def test_more_dlts_at_current_level_never_give_a_higher_dose(name, case):
    n, y, current = _counts(case)
    c = current - 1
    if y[c] >= n[c]:
        return
    design = make_design(name)
    k = len(n)
    before = _recommended(design, TrialState.from_counts(k, n, y, current))
    y_more = list(y)
    y_more[c] += 1
    after = _recommended(design, TrialState.from_counts(k, n, y_more, current))
    assert after[0] <= before[0], (
        f"{name}: n={n} y={y} current={current}: {before} but one more DLT gives {after}"
    )


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=150)
@given(case=states)
def test_never_escalate_into_or_past_an_eliminated_level(name, case):
    n, y, current = _counts(case)
    decision = make_design(name).decide(TrialState.from_counts(len(n), n, y, current))
    if decision.next_dose is not None and decision.eliminated:
        assert decision.next_dose < min(decision.eliminated), (
            f"{name}: n={n} y={y} current={current}: next {decision.next_dose}, "
            f"eliminated {decision.eliminated} ({decision.reason})"
        )


@pytest.mark.parametrize("name", NAMES)
def test_conformance_suite(name):
    assert check_design(make_design(name)) == 300


@dataclasses.dataclass
class _Mutable:
    """A design whose configuration can be changed after creation."""

    target: float = 0.3

    def decide(self, state):
        return Decision("stay", 1, "always level 1")

    def select_mtd(self, state):
        return MTDSelection(None, (None,) * state.n_levels)


@dataclasses.dataclass(frozen=True)
class _Reckless:
    """A frozen design that always proposes the top level while calling it eliminated."""

    target: float = 0.3

    def decide(self, state):
        return Decision("escalate", state.n_levels, "always the top", eliminated=(state.n_levels,))

    def select_mtd(self, state):
        return MTDSelection(None, (None,) * state.n_levels)


def test_conformance_suite_catches_a_mutable_or_unsafe_design():
    """A design that is not frozen, or that proposes an eliminated level, fails the suite."""
    with pytest.raises(AssertionError, match="configuration is not frozen"):
        check_design(_Mutable())
    with pytest.raises(AssertionError, match="is eliminated"):
        check_design(_Reckless())
