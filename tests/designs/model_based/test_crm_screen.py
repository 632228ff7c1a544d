"""The CRM's decision screen (``crm_screen``) against the full posterior: the same level, always.

The screen may leave a trial to the full posterior, never settle it on another level. The
oracle is :meth:`CRM.recommend` (the full lattice posterior, 1e-8), computed here on the
same states; equality is exact.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doseflow.designs.model_based.crm import CRM
from doseflow.designs.model_based.crm_screen import screen_crm_recommended_level
from doseflow.designs.model_based.tite_crm import TITECRM

SKELETON = (0.05, 0.10, 0.20, 0.30, 0.45, 0.60)
DESIGN = TITECRM(target=0.3, skeleton=SKELETON, cohort_size=3)


def _screen(design, n, y, level, weight):
    return screen_crm_recommended_level(np.asarray(design.skeleton_for(n.shape[1])), design.target, n, y, level,
                                        weight, prior_sd=design.prior_sd, intercept=design.intercept)


def _check(design, n, y, level, weight):
    """Settled trials have the full posterior's level; recommend_screened is recommend."""
    full = design.recommend(n, y, level, weight)
    settled, got = _screen(design, n, y, level, weight)
    assert np.array_equal(got[settled], full[settled])
    assert np.array_equal(design.recommend_screened(n, y, level, weight), full)
    return settled


@st.composite
def tite_states(draw):
    """Known counts (up to 9 a level) and up to 8 pending patients with weights in (0, 1)."""
    trials = draw(st.integers(1, 8))
    n = np.array(draw(st.lists(st.lists(st.integers(0, 9), min_size=6, max_size=6), min_size=trials,
                               max_size=trials)), np.int64)
    y = np.minimum(n, np.array(draw(st.lists(st.lists(st.integers(0, 9), min_size=6, max_size=6),
                                             min_size=trials, max_size=trials)), np.int64))
    width = draw(st.integers(0, 8))
    level = np.array(draw(st.lists(st.lists(st.integers(0, 5), min_size=width, max_size=width), min_size=trials,
                                   max_size=trials)), np.int64).reshape(trials, width)
    weight = np.array(draw(st.lists(st.lists(st.one_of(st.just(0.0), st.floats(1e-6, 1.0 - 1e-9)),
                                             min_size=width, max_size=width), min_size=trials,
                                    max_size=trials))).reshape(trials, width)
    return n, y, level, weight


@settings(max_examples=120, deadline=None)
@given(state=tite_states(), target=st.sampled_from([0.2, 0.25, 0.3, 0.33]),
       prior_sd=st.sampled_from([0.6, 1.1575836902790226, 2.0]))
def test_screen_never_settles_another_level(state, target, prior_sd):
    design = TITECRM(target=target, skeleton=SKELETON, prior_sd=prior_sd)
    _check(design, *state)


@pytest.mark.parametrize("case", ["no data", "all DLT", "no DLT", "everyone pending", "many pending near 1"])
def test_screen_edge_cases(case):
    rng = np.random.default_rng(11)
    t = 6
    n = np.zeros((t, 6), np.int64)
    y = np.zeros((t, 6), np.int64)
    level = np.zeros((t, 0), np.int64)
    weight = np.zeros((t, 0))
    if case == "all DLT":
        n[:, :3] = 3
        y[:] = n
    elif case == "no DLT":
        n[:, :4] = rng.integers(1, 9, (t, 4))
    elif case == "everyone pending":
        level, weight = rng.integers(0, 6, (t, 8)), rng.uniform(0.01, 0.99, (t, 8))
    elif case == "many pending near 1":
        level, weight = np.full((t, 13), 5), np.full((t, 13), 1.0 - 1e-9)
        n[:, 0], y[:, 0] = 3, 2
    settled = _check(DESIGN, n, y, level, weight)
    if case in ("no data", "no DLT", "all DLT"):
        assert settled.all()


def test_screen_hands_trials_near_a_boundary_to_the_full_posterior():
    """Three pending patients at level 3 (after 1 DLT in 9) whose common weight sweeps through
    the value where the recommended level changes (4 to 5): the full posterior's level switches
    once, the screen agrees on every weight and leaves the ones next to the switch unsettled."""
    weights = np.linspace(0.0, 1.0 - 1e-9, 2001)[1:]
    t = weights.size
    n = np.tile(np.array([3, 3, 3, 0, 0, 0], np.int64), (t, 1))
    y = np.tile(np.array([0, 0, 1, 0, 0, 0], np.int64), (t, 1))
    level, weight = np.full((t, 3), 2), np.repeat(weights[:, None], 3, axis=1)
    full = DESIGN.recommend(n, y, level, weight)
    assert len(set(full.tolist())) == 2  # the sweep crosses one boundary
    settled = _check(DESIGN, n, y, level, weight)
    switch = int(np.flatnonzero(np.diff(full))[0])
    assert not settled[switch] or not settled[switch + 1]
    assert settled.mean() > 0.95


def test_screen_settles_most_trials_of_a_tite_crm_simulation():
    """States of a simulated TITE-CRM trial (the benchmark's scenario): nearly all settled."""
    from doseflow.designs import StopAtSampleSize
    from doseflow.simulate import Scenario, draw_patients
    from doseflow.simulate.engine import run_trials

    seen = []
    design = StopAtSampleSize(TITECRM(target=0.3, skeleton=SKELETON, cohort_size=3), max_n=30)
    inner = design.base
    original = type(inner).recommend_screened

    def spy(self, *arrays):
        seen.append(_screen(self, *arrays)[0])
        return original(self, *arrays)

    scenario = Scenario((0.05, 0.15, 0.30, 0.45, 0.60, 0.70), dlt_window=28, arrivals_per_month=4)
    patients = draw_patients(scenario, 300, 30, np.random.default_rng(2))
    type(inner).recommend_screened = spy
    try:
        run_trials(design, patients, 6)
    finally:
        type(inner).recommend_screened = original
    settled = np.concatenate(seen)
    assert settled.size > 5000 and settled.mean() > 0.98, settled.mean()


def test_logistic_model_takes_the_full_posterior():
    design = CRM(target=0.3, skeleton=SKELETON, model="logistic")
    n = np.array([[3, 3, 0, 0, 0, 0]])
    y = np.array([[0, 1, 0, 0, 0, 0]])
    level, weight = np.array([[2]]), np.array([[0.4]])
    assert design.recommend_screened(n, y, level, weight).tolist() == design.recommend(n, y, level, weight).tolist()
