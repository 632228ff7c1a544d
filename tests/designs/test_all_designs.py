"""Properties every design and wrapper chain must have, checked on the same generated states.

1. Monotonicity: with one more DLT among the patients at the current level (and the same
   number of patients), the recommended dose (the next dose, or the MTD when the design
   stops) is never higher.
2. Safety: the next dose is never an eliminated level, nor above one.
3. The conformance suite (:func:`doseflow.designs.check_design`): frozen, picklable,
   round-trips through ``to_dict``, deterministic, batch kernels equal to the scalar rule on
   random count states and on the states the design meets in trials it plays itself.
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doseflow.core import Decision, MTDSelection, TrialState
from doseflow.designs import (
    AcceleratedTitration,
    DemandNAtDose,
    Expansion,
    NoEscalationAfterDLT,
    NoSkipping,
    StartUp,
    StopAtNAtDose,
    StopAtSampleSize,
    StopWhenTooToxic,
    build_design,
    check_design,
    design_classes,
    design_from_options,
)
from doseflow.designs.base import DesignBase
from doseflow.designs.conformance import random_count_states, random_trial_states
from doseflow.designs.interval import BOIN, TITEBOIN, Keyboard
from doseflow.designs.model_based.crm import CRM
from doseflow.designs.model_based.tite_crm import TITECRM
from doseflow.designs.rule_based import RollingSix, ThreePlusThree

NAMES = list(design_classes())

#: Wrapper chains, each around several base designs: every wrapper, alone and nested.
CHAINS = {
    "accelerated": lambda b: AcceleratedTitration(b, max_single_levels=2),
    "accelerated-grade2x2": lambda b: AcceleratedTitration(b, trigger_count=2),
    "sample-size": lambda b: StopAtSampleSize(b, max_n=12),
    "n-at-dose-stay": lambda b: StopAtNAtDose(b, n=6),
    "n-at-dose-current": lambda b: StopAtNAtDose(b, n=6, when="current"),
    "n-at-dose-recommended": lambda b: StopAtNAtDose(b, n=6, when="recommended"),
    "demand": lambda b: DemandNAtDose(b, n=9),
    "too-toxic": lambda b: StopWhenTooToxic(b, threshold=0.3, confidence=0.8),
    "no-skipping": lambda b: NoSkipping(b, when_deescalating=True),
    "no-escalation-after-dlt": lambda b: NoEscalationAfterDLT(b),
    "expansion": lambda b: Expansion(b, n=6, levels=2),
    "start-up": lambda b: StartUp(b),
    "everything": lambda b: Expansion(StopAtSampleSize(StopAtNAtDose(NoSkipping(AcceleratedTitration(b)), n=9),
                                                       max_n=24), n=4),
}
BASES = {"3+3": ThreePlusThree(), "3+3-A": ThreePlusThree(variant="A"), "boin": BOIN(target=0.3),
         "rolling6": RollingSix(), "keyboard": Keyboard(target=0.25), "crm": CRM(target=0.3),
         "tite-crm": TITECRM(target=0.25, weights="adaptive"), "tite-boin": TITEBOIN(target=0.3)}
#: Designs whose every decision is a two-dimensional posterior with credible intervals (the BLRM):
#: the conformance suite runs on fewer states.
FEWER_STATES = {"blrm"}


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


#: Designs for which one more DLT can give a higher dose: the BLRM's two parameters let a DLT
#: at a high dose steepen the curve and lower the estimate at a low one (see
#: tests/designs/model_based/test_blrm_design.py).
NOT_MONOTONE = {"blrm"}


@pytest.mark.parametrize("name", [n for n in NAMES if n not in NOT_MONOTONE])
@settings(max_examples=150)
@given(case=states)
def test_more_dlts_at_current_level_never_give_a_higher_dose(name, case):
    n, y, current = _counts(case)
    c = current - 1
    if y[c] >= n[c]:
        return
    design = design_from_options(name, {})
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
    decision = design_from_options(name, {}).decide(TrialState.from_counts(len(n), n, y, current))
    if decision.next_dose is not None and decision.eliminated:
        assert decision.next_dose < min(decision.eliminated), (
            f"{name}: n={n} y={y} current={current}: next {decision.next_dose}, "
            f"eliminated {decision.eliminated} ({decision.reason})"
        )


@pytest.mark.parametrize("name", NAMES)
def test_conformance_suite_on_every_design(name):
    design = design_from_options(name, {})
    if name in FEWER_STATES:
        assert check_design(design, random_count_states(5, 60) + random_trial_states(design, 5, 8)) > 100
    else:
        assert check_design(design) > 300


def _with_dlt_days(states: list[TrialState], window: float) -> list[TrialState]:
    """Count states with a day for every DLT (adaptive TITE weights read the times to DLT)."""
    out = []
    for s in states:
        records = tuple(r.with_outcome(r.dlt, dlt_day=(r.cohort * 7.3) % window + 0.5 if r.dlt else None)
                        for r in s.records)
        out.append(TrialState(s.plan, records, s.current, s.day))
    return out


@pytest.mark.parametrize("base", list(BASES))
@pytest.mark.parametrize("chain", list(CHAINS))
def test_conformance_suite_on_wrapper_chains(chain, base):
    design = CHAINS[chain](BASES[base])
    if base == "tite-crm":
        states = _with_dlt_days(random_count_states(5, 200), 28.0) + random_trial_states(design, 5, 60)
        assert check_design(design, states) > 300
    else:
        assert check_design(design) > 300
    assert build_design(design.to_dict()) == design


@dataclasses.dataclass
class _Mutable(DesignBase):
    """A design whose configuration can be changed after creation."""

    name = "mutable"
    start_dose = 1

    def decide(self, state):
        return Decision("stay", 1, "always level 1", cohort_size=1)

    def select_mtd(self, state):
        return MTDSelection(None, (None,) * state.n_levels)


@dataclasses.dataclass(frozen=True)
class _Reckless(DesignBase):
    """A frozen design that always proposes the top level while calling it eliminated."""

    name = "reckless"
    start_dose = 1
    rules = ("reckless.top",)

    def decide(self, state):
        return Decision("escalate", state.n_levels, "always the top", eliminated=(state.n_levels,),
                        rule="reckless.top", cohort_size=1)

    def select_mtd(self, state):
        return MTDSelection(None, (None,) * state.n_levels)


def test_conformance_suite_catches_a_mutable_or_unsafe_design():
    """A design that is not frozen, or that proposes an eliminated level, fails the suite."""
    with pytest.raises(AssertionError, match="configuration is not frozen"):
        check_design(_Mutable())
    with pytest.raises(AssertionError, match="is eliminated"):
        check_design(_Reckless(), [TrialState.from_outcomes(3, "1NNN")])
