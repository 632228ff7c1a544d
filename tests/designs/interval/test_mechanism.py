"""The shared interval mechanism: isotonic regression, elimination, and properties every
interval design (BOIN, keyboard, mTPI-2, i3+3) must satisfy."""

from __future__ import annotations

import copy
import dataclasses
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from doseflow.core import TrialState
from doseflow.designs.base import Design
from doseflow.designs.conformance import check_batch_agreement
from doseflow.designs.interval.boin import BOIN
from doseflow.designs.interval.i3plus3 import I3Plus3
from doseflow.designs.interval.mechanism import compute_elimination_boundary
from doseflow.designs.interval.isotonic import compute_isotonic_regression
from doseflow.designs.interval.keyboard import MTPI2, Keyboard
from doseflow.errors import ConfigError, InputError

DESIGNS = [
    BOIN(target=0.3),
    BOIN(target=0.25, start_dose=2),
    Keyboard(target=0.3),
    Keyboard(target=0.2, partial_keys="ignore", cohort_size=1),
    MTPI2(target=0.25),
    MTPI2(target=0.3, eps1=0.05, eps2=0.1, elimination_cutoff=0.9),
    I3Plus3(target=0.3),
    I3Plus3(target=0.2, elimination_min_n=2),
]
IDS = [f"{d.name}-{i}" for i, d in enumerate(DESIGNS)]


# ----- isotonic regression -------------------------------------------------------------
def test_isotonic_pools_violators_with_weights():
    """Hand-derived: (0.5 w=1, 0.1 w=3) pool to (0.5 + 0.3)/4 = 0.2; then 0.2 <= 0.6 stays."""
    got = compute_isotonic_regression([0.5, 0.1, 0.6], weights=[1, 3, 2])
    np.testing.assert_allclose(got, [0.2, 0.2, 0.6])


def test_isotonic_cascading_pool():
    """Hand-derived: 0.4, 0.3, 0.1 (equal weights) pool into one block of mean 0.8/3."""
    np.testing.assert_allclose(compute_isotonic_regression([0.4, 0.3, 0.1]), [0.8 / 3] * 3)


@settings(derandomize=True, max_examples=60)
@given(st.lists(st.floats(0, 1), min_size=1, max_size=8), st.data())
def test_isotonic_is_monotone_and_preserves_weighted_mean(values, data):
    weights = data.draw(st.lists(st.floats(0.1, 10), min_size=len(values), max_size=len(values)))
    fit = compute_isotonic_regression(values, weights)
    assert np.all(np.diff(fit) >= -1e-12)
    assert np.dot(fit, weights) == pytest.approx(np.dot(values, weights), rel=1e-9, abs=1e-12)


def test_isotonic_rejects_bad_weights():
    with pytest.raises(InputError, match="weights"):
        compute_isotonic_regression([0.1, 0.2], weights=[1.0, 0.0])


# ----- elimination ---------------------------------------------------------------------
def test_elimination_boundary_hand_derived():
    """Target 0.3, Beta(1,1): n=3, y=3: P(p > 0.3) = 1 - 0.3^4 = 0.9919 > 0.95 -> x(3) = 3;
    y=2: 1 - (4 * 0.3^3 * 0.7 + 0.3^4) = 0.9163 < 0.95. n < 3: never (n + 1)."""
    x = compute_elimination_boundary(0.3, 4)
    assert x[:3].tolist() == [1, 2, 3]
    assert x[3] == 3
    assert 1 - stats.beta.cdf(0.3, 3, 2) == pytest.approx(0.9163, abs=1e-4)


def test_level_is_eliminated_by_lower_level_data():
    """Level 2 has 3/3 (eliminated); level 4 with 0/3 is eliminated too, level 1 is not."""
    got = BOIN(target=0.3).compute_eliminated(np.array([3, 3, 0, 3]), np.array([0, 3, 0, 0]))
    assert got.tolist() == [False, True, True, True]


# ----- conformance ---------------------------------------------------------------------
@pytest.mark.parametrize("design", DESIGNS, ids=IDS)
def test_conformance_frozen_picklable_protocols(design):
    assert isinstance(design, Design)
    assert design.name in {"boin", "keyboard", "mtpi2", "i3+3"} and design.citation
    with pytest.raises(dataclasses.FrozenInstanceError):
        design.target = 0.5  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(design)) == design
    assert copy.deepcopy(design) == design


@pytest.mark.parametrize("design", DESIGNS, ids=IDS)
def test_replace_revalidates(design):
    with pytest.raises(ConfigError, match="cohort_size: must be a whole number in \\[1, 100\\]; got 0"):
        dataclasses.replace(design, cohort_size=0)
    with pytest.raises(ConfigError, match="target"):
        dataclasses.replace(design, target=1.2)


@pytest.mark.parametrize("design", DESIGNS, ids=IDS)
def test_empty_state_stays_at_start_dose(design):
    d = design.decide(TrialState(TrialState.from_counts(4, [0] * 4, [0] * 4).plan))
    assert (d.action, d.next_dose, d.rule, d.cohort_size) == ("stay", design.start_dose, f"{design.name}.start",
                                                           design.cohort_size)


@pytest.mark.parametrize("design", DESIGNS, ids=IDS)
def test_decision_table_agrees_with_cutoffs_and_orders(design):
    """e(n) < d(n) <= x(n) wherever defined, and every cut-off is within 0..n."""
    t = design.decision_table(30)
    for n, e, d, x in zip(t.n, t.escalate, t.deescalate, t.eliminate):
        assert e is None or 0 <= e <= n
        assert d is None or 0 <= d <= n
        assert e is None or d is None or e < d
        assert x is None or d is None or d <= x
        assert x is None or n >= design.elimination_min_n


# ----- property tests ------------------------------------------------------------------
@st.composite
def trial_states(draw):
    k = draw(st.integers(2, 5))
    n = draw(st.lists(st.integers(0, 12), min_size=k, max_size=k))
    y = [draw(st.integers(0, ni)) for ni in n]
    current = draw(st.integers(1, k))
    return n, y, current


def _rank(decision):
    return 0 if decision.next_dose is None else decision.next_dose


@pytest.mark.parametrize("design", DESIGNS, ids=IDS)
@settings(derandomize=True, max_examples=60)
@given(case=trial_states())
def test_more_dlts_never_raise_the_next_dose(design, case):
    """(a) One more DLT at the current level never gives a higher next dose (stop = 0)."""
    n, y, c = case
    if y[c - 1] >= n[c - 1]:
        return
    k = len(n)
    base = design.decide(TrialState.from_counts(k, n, y, current=c))
    y2 = list(y)
    y2[c - 1] += 1
    worse = design.decide(TrialState.from_counts(k, n, y2, current=c))
    assert _rank(worse) <= _rank(base)


@pytest.mark.parametrize("design", DESIGNS, ids=IDS)
@settings(derandomize=True, max_examples=60)
@given(case=trial_states())
def test_never_escalate_to_an_eliminated_level(design, case):
    """(b) The next dose is never an eliminated level; eliminated levels are increasing and
    include every level above the first one."""
    n, y, c = case
    d = design.decide(TrialState.from_counts(len(n), n, y, current=c))
    assert list(d.eliminated) == sorted(d.eliminated)
    if d.eliminated:
        assert d.eliminated == tuple(range(d.eliminated[0], len(n) + 1))
    if d.next_dose is not None:
        assert d.next_dose not in d.eliminated
        assert abs(d.next_dose - c) <= 1 or d.rule.endswith(".eliminate")


@pytest.mark.parametrize("design", DESIGNS, ids=IDS)
@settings(derandomize=True, max_examples=60)
@given(case=trial_states())
def test_batch_equals_scalar(design, case):
    """(c) decide_batch on one row equals decide on the state built from the same counts."""
    n, y, c = case
    check_batch_agreement(design, [TrialState.from_counts(len(n), n, y, current=c)])


@pytest.mark.parametrize("design", DESIGNS, ids=IDS)
def test_batch_equals_scalar_on_many_random_states(design):
    """(c) 400 random states in one batch call (fixed seed) against 400 scalar calls."""
    rng = np.random.default_rng(20240501)
    trials, k = 400, 5
    n = rng.integers(0, 16, size=(trials, k))
    y = rng.binomial(n, rng.uniform(0, 0.7, size=(trials, k)))
    cur = rng.integers(0, k, size=trials)
    states = [TrialState.from_counts(k, n[t].tolist(), y[t].tolist(), current=int(cur[t]) + 1) for t in range(trials)]
    check_batch_agreement(design, states)


@pytest.mark.parametrize("design", DESIGNS, ids=IDS)
@settings(derandomize=True, max_examples=30)
@given(case=trial_states())
def test_decide_is_deterministic_and_does_not_mutate(design, case):
    """(d) Same state, same Decision; the state's records are unchanged."""
    n, y, c = case
    state = TrialState.from_counts(len(n), n, y, current=c)
    before = (state.records, state.current)
    assert design.decide(state) == design.decide(state)
    assert (state.records, state.current) == before
