"""The TITE-CRM's batch kernels against their plain references, to the last bit.

- the pending patients' log-likelihood ``sum_i log(1 - w_i p_{d_i})`` at every lattice node
  (``crm_posterior.compute_pending_log_likelihood``) against a loop over trials that multiplies each
  trial's factors in column order (the formula of Cheung and Chappell 2000, sect. 2, as the
  kernel evaluates it);
- the likelihood data of many trials with linear weights (``tite_crm._linear_likelihood_batch``)
  against the general path: ``compute_outcome_counts`` then ``_drop_weightless``, which the
  scalar rule (``TITECRM.likelihood_data``) uses.

Equality is exact (``np.array_equal``): the simulated trials depend on these values through
the posterior mean, so the fast kernels must give the same numbers, not close ones.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doseflow.designs.batch import BatchState, PatientArrays
from doseflow.designs.model_based import compute_outcome_counts
from doseflow.designs.model_based.crm_model import compute_crm_log_toxicity
from doseflow.designs.model_based.crm_posterior import compute_pending_log_likelihood
from doseflow.designs.model_based.tite_crm import TITECRM, _drop_weightless, _linear_likelihood_batch
from doseflow.errors import InputError

SKELETON = np.array([0.05, 0.10, 0.20, 0.30, 0.45, 0.60])


def _log_q(nodes: int = 41) -> np.ndarray:
    beta = np.linspace(-6.0, 4.0, nodes)
    return compute_crm_log_toxicity(beta, SKELETON, "empiric", 3.0)[1]


def _reference_pending(level: np.ndarray, weight: np.ndarray, log_q: np.ndarray) -> np.ndarray:
    """Trial by trial: the factors ``(1 - w) + w (1 - p)`` of its weighted patients, in column order."""
    q = np.exp(log_q).T
    out = np.zeros((level.shape[0], log_q.shape[0]))
    for r in range(level.shape[0]):
        cols = np.flatnonzero(weight[r] > 0)
        if not cols.size:
            continue
        factors = []
        for c in cols:
            f = q[level[r, c]].copy()
            f *= weight[r, c]
            f += 1.0 - weight[r, c]
            factors.append(f)
        product = factors[0].copy()
        for f in factors[1:]:
            product *= f
        out[r] = np.log(np.array(factors)).sum(axis=0) if (product < 1e-280).any() else np.log(product)
    return out


weights = st.one_of(st.just(0.0), st.just(1.0), st.floats(0.0, 1.0), st.floats(1.0 - 1e-9, 1.0))


@st.composite
def pending_arrays(draw):
    trials = draw(st.integers(1, 12))
    width = draw(st.integers(0, 8))
    level = np.array(draw(st.lists(st.lists(st.integers(0, 5), min_size=width, max_size=width),
                                   min_size=trials, max_size=trials)), np.int64).reshape(trials, width)
    weight = np.array(draw(st.lists(st.lists(weights, min_size=width, max_size=width),
                                    min_size=trials, max_size=trials))).reshape(trials, width)
    return level, weight


@settings(max_examples=150, deadline=None)
@given(arrays=pending_arrays())
def test_pending_log_likelihood_equals_the_trial_by_trial_product(arrays):
    """Any pattern of weights, zeros anywhere (not only as right padding), weights of 0 and 1."""
    level, weight = arrays
    log_q = _log_q()
    assert np.array_equal(compute_pending_log_likelihood(level, weight, log_q), _reference_pending(level, weight, log_q))


@pytest.mark.parametrize("case", ["nobody pending", "everyone pending", "one trial", "underflow"])
def test_pending_log_likelihood_edge_cases(case):
    """No weighted patient (zeros), every slot weighted, a single trial, and a product that
    underflows (40 patients of weight 1 - 1e-15 near p = 1), which is summed in logs."""
    rng = np.random.default_rng(3)
    log_q = _log_q()
    if case == "nobody pending":
        level, weight = rng.integers(0, 6, (5, 4)), np.zeros((5, 4))
    elif case == "everyone pending":
        level, weight = rng.integers(0, 6, (5, 4)), rng.uniform(0.01, 1.0, (5, 4))
    elif case == "one trial":
        level, weight = np.array([[2, 0, 5]]), np.array([[0.3, 0.0, 0.9]])
    else:
        level, weight = np.full((2, 40), 5), np.full((2, 40), 1.0 - 1e-15)
        weight[1, 3:] = 0.0
    got = compute_pending_log_likelihood(level, weight, log_q)
    assert np.array_equal(got, _reference_pending(level, weight, log_q))
    assert np.isfinite(got).all()
    if case == "nobody pending":
        assert not got.any()


def _reference_likelihood(level, outcome, followup, n_levels):
    dlt = outcome == 1
    weight = np.where(dlt, 1.0, np.minimum(followup, 1.0))
    counts = compute_outcome_counts(level, dlt, weight, n_levels)
    return _drop_weightless(counts.n, counts.dlt, counts.pending_level, counts.pending_weight)


shares = st.one_of(st.just(0.0), st.just(1.0), st.floats(0.0, 1.0), st.sampled_from([0.25, 0.5, 0.75]))


@st.composite
def patient_arrays(draw):
    """Per-patient arrays as the engine holds them: enrolled places first, known outcomes with
    follow-up 1, pending ones (outcome -1) with their share of the window."""
    trials = draw(st.integers(1, 10))
    places = draw(st.integers(1, 9))
    level = np.full((trials, places), -1, np.int64)
    outcome = np.full((trials, places), -1, np.int8)
    followup = np.ones((trials, places))
    for r in range(trials):
        enrolled = draw(st.integers(0, places))
        for c in range(enrolled):
            level[r, c] = draw(st.integers(0, 5))
            outcome[r, c] = draw(st.sampled_from([-1, 0, 1]))
            if outcome[r, c] < 0:
                followup[r, c] = draw(shares)
    return level, outcome, followup


@settings(max_examples=150, deadline=None)
@given(arrays=patient_arrays())
def test_linear_likelihood_batch_equals_the_general_path(arrays):
    level, outcome, followup = arrays
    got = _linear_likelihood_batch(level, outcome, followup, 6)
    want = _reference_likelihood(level, outcome, followup, 6)
    assert len(got) == len(want) == 4
    for g, w in zip(got, want):
        assert g.dtype == w.dtype and np.array_equal(g, w)


@pytest.mark.parametrize("case", ["all DLT", "no DLT", "everyone pending", "nobody enrolled", "ties"])
def test_linear_likelihood_batch_edge_cases(case):
    level = np.array([[0, 1, 1, 2], [3, 3, 3, 3], [2, 2, 1, 0]], np.int64)
    outcome = np.full(level.shape, -1, np.int8)
    followup = np.array([[0.1, 0.5, 0.2, 0.0], [0.9, 1.0, 0.3, 0.3], [0.25, 0.75, 0.5, 1.0]])
    if case == "all DLT":
        outcome[:] = 1
    elif case == "no DLT":
        outcome[:, :2] = 0
        followup[:, :2] = 1.0
    elif case == "nobody enrolled":
        level[:] = -1
    elif case == "ties":  # equal level and weight: kept in enrolment order, as the general path does
        followup[:] = 0.5
        level[:] = 1
    got = _linear_likelihood_batch(level, outcome, followup, 6)
    want = _reference_likelihood(level, outcome, followup, 6)
    for g, w in zip(got, want):
        assert g.dtype == w.dtype and np.array_equal(g, w)
    if case == "everyone pending":
        assert got[0].sum() == 2  # the two follow-ups of 1 are known outcomes (no DLT)


def test_likelihood_batch_of_some_rows_equals_the_taken_batch():
    """``likelihood_batch(batch, rows)`` is ``likelihood_batch(batch.take(rows))``, both weight schemes."""
    rng = np.random.default_rng(5)
    t, p = 30, 8
    level = rng.integers(-1, 6, (t, p))
    outcome = np.where(level >= 0, rng.integers(-1, 2, (t, p)), -1).astype(np.int8)
    followup = np.where(outcome < 0, rng.random((t, p)), 1.0)
    dlt_share = np.where(outcome == 1, rng.uniform(0.05, 1.0, (t, p)), 0.0)
    pa = PatientArrays(level, outcome, np.zeros((t, p), np.int8), followup, np.zeros((t, p), np.int8),
                       np.ones((t, p), np.int64), dlt_share)
    n = np.zeros((t, 6), np.int64)
    batch = BatchState(n, n, n, np.zeros(t, np.int64), None, pa)
    rows = np.array([3, 0, 17, 17, 29])
    for scheme in ("linear", "adaptive"):
        design = TITECRM(target=0.3, weights=scheme)
        for g, w in zip(design.likelihood_batch(batch, rows), design.likelihood_batch(batch.take(rows))):
            assert np.array_equal(g, w)


def test_linear_likelihood_batch_names_a_bad_follow_up():
    level = np.array([[0, 1]])
    with pytest.raises(InputError, match=r"^followup\[0, 1\]"):
        _linear_likelihood_batch(level, np.array([[0, -1]], np.int8), np.array([[1.0, np.nan]]), 6)
