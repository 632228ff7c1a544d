"""Tests of the 3+3 design (Storer 1989) against hand-derived decisions.

Rule used for every expected value below (Storer 1989, Biometrics 45:925-937):
treat 3 at a level; 0/3 DLT escalate; 1/3 treat 3 more at the same level and
escalate if at most 1/6; >= 2 DLTs at a level exceeds the MTD. Variant B (default):
the MTD is the highest level with at most 1 DLT in 6, so the level below an exceeded
level is brought to 6 patients (going down while it fails). Variant A: the MTD is the
level below the exceeded level without expansion. Clearing the top level stops with
the top level reported.
"""

from __future__ import annotations

import dataclasses
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doseflow.core import DosePlan, TrialState
from doseflow.designs.conformance import check_batch_agreement
from doseflow.designs.rule_based import ThreePlusThree, compute_escalation_probability
from doseflow.errors import ConfigError

PLAN5 = DosePlan.of_size(5)
ALL = (1, 2, 3, 4, 5)

# (outcomes, variant, action, next_dose, rule, cohort_size, eliminated)
CASES = [
    ("", "B", "stay", 1, "3+3.start", 3, ()),
    ("1NNN", "B", "escalate", 2, "3+3.escalate", 3, ()),
    ("1NN", "B", "stay", 1, "3+3.complete_cohort", 1, ()),
    ("1NTN", "B", "stay", 1, "3+3.expand", 3, ()),
    ("1NTN 1NNN", "B", "escalate", 2, "3+3.escalate", 3, ()),
    ("1NTN 1NTN", "B", "stop", None, "3+3.no_mtd", None, ALL),
    ("1TTN", "A", "stop", None, "3+3.no_mtd", None, ALL),
    ("1TTN", "B", "stop", None, "3+3.no_mtd", None, ALL),
    ("1NNN 2NTN 2NNN", "B", "escalate", 3, "3+3.escalate", 3, ()),
    ("1NNN 2TTN", "B", "de-escalate", 1, "3+3.deescalate", 3, (2, 3, 4, 5)),
    ("1NNN 2TTN", "A", "stop", None, "3+3.mtd_found", None, (2, 3, 4, 5)),
    ("1NNN 2TTN 1NNN", "B", "stop", None, "3+3.mtd_found", None, (2, 3, 4, 5)),
    ("1NNN 2TTN 1NTN", "B", "stop", None, "3+3.mtd_found", None, (2, 3, 4, 5)),
    ("1NNN 2TTN 1NTT", "B", "stop", None, "3+3.no_mtd", None, ALL),
    ("1NNN 2NTN 2TNN", "B", "de-escalate", 1, "3+3.deescalate", 3, (2, 3, 4, 5)),
    ("1NNN 2NTN 2TNN", "A", "stop", None, "3+3.mtd_found", None, (2, 3, 4, 5)),
    ("1NNN 2NTN 2NNN 3TNT", "B", "stop", None, "3+3.mtd_found", None, (3, 4, 5)),
    ("1NNN 2NNN 3TT", "B", "de-escalate", 2, "3+3.deescalate", 3, (3, 4, 5)),
    ("1NNN 2NNN 3TTN 2NNN", "B", "stop", None, "3+3.mtd_found", None, (3, 4, 5)),
    ("1NNN 2NNN 3TTN 2NTT", "B", "de-escalate", 1, "3+3.deescalate", 3, (2, 3, 4, 5)),
    ("1NNN 2NNN 3NNN 4NNN 5NNN", "B", "stop", None, "3+3.top_cleared", None, ()),
    ("1NNN 2NNN 3NNN 4NNN 5NTN", "B", "stay", 5, "3+3.expand", 3, ()),
    ("1NNN 2NNN 3NNN 4NNN 5NTN 5NNN", "A", "stop", None, "3+3.top_cleared", None, ()),
    ("1NNN 2NNNN", "B", "escalate", 3, "3+3.escalate", 3, ()),
    ("1NNN 2NTNN", "B", "stay", 2, "3+3.expand", 2, ()),
]


@pytest.mark.parametrize(
    "outcomes,variant,action,next_dose,rule,size,eliminated",
    CASES,
    ids=[f"{c[0] or 'empty'}-{c[1]}" for c in CASES],
)
def test_decide_table(outcomes, variant, action, next_dose, rule, size, eliminated):
    """Each expected decision follows from the rule in the module docstring by hand."""
    state = TrialState.from_outcomes(PLAN5, outcomes)
    d = ThreePlusThree(variant=variant).decide(state)
    assert (d.action, d.next_dose, d.rule, d.cohort_size, d.eliminated) == (
        action, next_dose, rule, size, eliminated,
    )
    assert d.reason.endswith(".") and "\n" not in d.reason


def test_cli_counts_example():
    """`--n 3,3,6,0 --dlt 0,0,1,0 --current 3`: 1 DLT in 6 at level 3 escalates to 4."""
    d = ThreePlusThree().decide_counts([3, 3, 6, 0], [0, 0, 1, 0], 3)
    assert (d.action, d.next_dose, d.rule, d.cohort_size) == ("escalate", 4, "3+3.escalate", 3)
    assert "1 DLT in 6 patients at level 3" in d.reason


def test_hand_derived_sequence_variant_b():
    """A whole trial walked cohort by cohort (variant B).

    1NNN: 0/3 -> escalate to 2. 2NTN: 1/3 -> 3 more at 2. 2NNN: 1/6 -> escalate to 3.
    3TTN: 2/3 exceeds -> level 2 already has 6 with 1 DLT -> stop, MTD = 2.
    """
    design = ThreePlusThree()
    state = TrialState(PLAN5)
    steps = [
        ("1NNN", "escalate", 2),
        ("2NTN", "stay", 2),
        ("2NNN", "escalate", 3),
        ("3TTN", "stop", None),
    ]
    for token, action, nxt in steps:
        level = int(token[0])
        state = state.with_cohort(level, [c == "T" for c in token[1:]])
        d = design.decide(state)
        assert (d.action, d.next_dose) == (action, nxt), token
    sel = design.select_mtd(state)
    assert sel.dose == 2
    assert sel.estimates == (0.0, 1 / 6, 2 / 3, None, None)


@pytest.mark.parametrize(
    "outcomes,variant,dose",
    [
        ("1NNN 2NTN 2NNN 3TTN", "B", 2),
        ("1NNN 2TTN", "A", 1),
        ("1NNN 2TTN", "B", None),  # level 1 has only 3 patients: not yet 1/6
        ("1NNN 2TTN 1NNN", "B", 1),
        ("1TTN", "A", None),
        ("1NNN 2NNN 3NNN 4NNN 5NNN", "B", 5),
        ("1NNN 2NNN 3NNN 4NNN 5NNN", "A", 5),
        ("1NNN 2NNN 3TTN 2NTT", "B", None),
    ],
)
def test_select_mtd(outcomes, variant, dose):
    """Variant B: highest level with <= 1/6 below the first level with 2 DLTs (top if
    cleared); variant A: the level below the first level with 2 DLTs."""
    sel = ThreePlusThree(variant=variant).select_mtd(TrialState.from_outcomes(PLAN5, outcomes))
    assert sel.dose == dose
    assert sel.reason


def test_decision_table():
    """Cut-offs: escalate if DLTs <= 0 at n=3, <= 1 at n=6; de-escalate if >= 2 at 3, 6."""
    t = ThreePlusThree().decision_table(6)
    assert t.n == (1, 2, 3, 4, 5, 6)
    assert t.escalate == (None, None, 0, None, None, 1)
    assert t.deescalate == (None, None, 2, None, None, 2)
    assert t.eliminate == (None, 2, 2, 2, 2, 2)
    with pytest.raises(ConfigError, match="max_n"):
        ThreePlusThree().decision_table(0)


def test_escalation_probability_limits_and_errors():
    """P(escalate) is 1 at p = 0 and 0 at p = 1; values outside [0, 1] are refused."""
    assert compute_escalation_probability(0.0) == 1.0
    assert compute_escalation_probability(1.0) == 0.0
    for bad in (-0.1, 1.5, float("nan"), "x"):
        with pytest.raises(ConfigError, match="^p: must be"):
            compute_escalation_probability(bad)


# ----- configuration -----------------------------------------------------------------
def test_config_frozen_picklable_and_validated():
    d = ThreePlusThree(variant="A", start_dose=2)
    assert pickle.loads(pickle.dumps(d)) == d
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.variant = "B"  # type: ignore[misc]
    with pytest.raises(ConfigError, match=r"ThreePlusThree.variant: .*got 'C'"):
        dataclasses.replace(d, variant="C")
    with pytest.raises(ConfigError, match=r"ThreePlusThree.start_dose: .*got 0"):
        ThreePlusThree(start_dose=0)
    with pytest.raises(ConfigError, match=r"ThreePlusThree.start_dose: .*got 6"):
        ThreePlusThree(start_dose=6).decide(TrialState(PLAN5))
    assert ThreePlusThree.name == "3+3" and "Storer" in ThreePlusThree.citation


def test_start_dose_used():
    d = ThreePlusThree(start_dose=2).decide(TrialState(PLAN5))
    assert (d.action, d.next_dose, d.cohort_size) == ("stay", 2, 3)


# ----- property tests ------------------------------------------------------------------
@st.composite
def count_states(draw, max_levels: int = 6):
    k = draw(st.integers(2, max_levels))
    n = draw(st.lists(st.integers(0, 9), min_size=k, max_size=k))
    y = [draw(st.integers(0, v)) for v in n]
    current = draw(st.one_of(st.none(), st.integers(1, k)))
    return n, y, current


@st.composite
def reachable_states(draw):
    """States reached by following the design from the start with drawn DLT outcomes."""
    variant = draw(st.sampled_from(["A", "B"]))
    design = ThreePlusThree(variant=variant)
    k = draw(st.integers(2, 6))
    n, y, current = [0] * k, [0] * k, None
    states = [(list(n), list(y), current)]
    for _ in range(30):
        d = design.decide_counts(n, y, current)
        if d.action == "stop":
            break
        current = d.next_dose
        n[current - 1] += d.cohort_size
        y[current - 1] += draw(st.integers(0, d.cohort_size))
        states.append((list(n), list(y), current))
    return variant, states


def _assert_batch_equals_scalar(design, states):
    plan_states = [TrialState(TrialState.from_counts(len(n), n, y).plan) if current is None else
                   TrialState.from_counts(len(n), n, y, current) for n, y, current in states]
    check_batch_agreement(design, plan_states)


@settings(derandomize=True, max_examples=300, deadline=None)
@given(st.sampled_from(["A", "B"]), st.lists(count_states(), min_size=1, max_size=8).filter(
    lambda xs: len({len(x[0]) for x in xs}) == 1))
def test_batch_equals_scalar_on_arbitrary_states(variant, states):
    _assert_batch_equals_scalar(ThreePlusThree(variant=variant), states)


@settings(derandomize=True, max_examples=200, deadline=None)
@given(reachable_states())
def test_batch_equals_scalar_on_reachable_states(case):
    variant, states = case
    _assert_batch_equals_scalar(ThreePlusThree(variant=variant), states)


def _effective(design, n, y, current):
    """Next dose, or for a stop the selected MTD (0 for none): where the trial goes."""
    d = design.decide_counts(n, y, current)
    if d.action != "stop":
        return d.next_dose
    sel = design.select_mtd_counts(n, y)
    return sel.dose or 0


@settings(derandomize=True, max_examples=300, deadline=None)
@given(st.sampled_from(["A", "B"]), count_states())
def test_more_dlts_never_give_a_higher_dose(variant, s):
    n, y, current = s
    if current is None or y[current - 1] >= n[current - 1]:
        return
    design = ThreePlusThree(variant=variant)
    y2 = list(y)
    y2[current - 1] += 1
    assert _effective(design, n, y2, current) <= _effective(design, n, y, current)


@settings(derandomize=True, max_examples=300, deadline=None)
@given(st.sampled_from(["A", "B"]), count_states())
def test_never_moves_into_an_eliminated_level(variant, s):
    n, y, current = s
    d = ThreePlusThree(variant=variant).decide_counts(n, y, current)
    lowest = min((i + 1 for i, v in enumerate(y) if v >= 2), default=None)
    assert d.eliminated == (tuple(range(lowest, len(n) + 1)) if lowest else ())
    if d.next_dose is not None and d.rule != "3+3.start":
        assert d.next_dose not in d.eliminated


@settings(derandomize=True, max_examples=100, deadline=None)
@given(reachable_states())
def test_decide_deterministic_and_non_mutating(case):
    variant, states = case
    design = ThreePlusThree(variant=variant)
    n, y, current = states[-1]
    state = TrialState.from_counts(len(n), n, y, current)
    before = (state.records, state.current, state.to_outcomes())
    assert design.decide(state) == design.decide(state)
    assert design.select_mtd(state) == design.select_mtd(state)
    assert (state.records, state.current, state.to_outcomes()) == before


def test_pending_outcomes_make_the_3plus3_wait_not_overfill_the_cohort():
    """`next 3+3 --n 3,3 --dlt 0,0 --pending 0,2 --current 2` said "treat 2 more" to complete a
    cohort whose 3 places were taken (2 pending): it waits; a level with 2 DLTs is left at once."""
    design = ThreePlusThree()
    d = design.decide(TrialState.from_outcomes(DosePlan.of_size(3), "1NNN 2NPP"))
    assert (d.action, d.next_dose, d.cohort_size, d.cohort_kind, d.rule) == ("stay", 2, 0, "wait", "3+3.wait_pending")
    d = design.decide(TrialState.from_outcomes(DosePlan.of_size(3), "1NNN 2TTP"))
    assert (d.action, d.next_dose, d.rule) == ("de-escalate", 1, "3+3.deescalate")
    states = [TrialState.from_outcomes(DosePlan.of_size(3), s) for s in ("1NNN 2NPP", "1NNN 2TTP", "1NNN 2NNN")]
    check_batch_agreement(design, states)
