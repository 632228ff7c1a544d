"""BLRM posterior properties, prior helpers and EWOC."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.polynomial.legendre import leggauss

from doseflow.designs.model_based import (
    BLRMPrior,
    compute_blrm_posterior,
    compute_blrm_prior_effective_sample_size,
    compute_blrm_prior_from_guesses,
    compute_ewoc_admissible,
    compute_ewoc_next_level,
)
from doseflow.errors import ConfigError, InputError

DOSES = np.array([1.0, 2.0, 4.0, 8.0, 16.0, 32.0])
PRIOR = BLRMPrior(math.log(0.25 / 0.75), 0.0, 2.0, 1.0)

states = st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9)), min_size=6, max_size=6).map(
    lambda pairs: (np.array([max(a, b) for a, b in pairs]), np.array([min(a, b) for a, b in pairs]))
)


@settings(max_examples=25, deadline=None)
@given(state=states, level=st.integers(0, 5))
def test_more_dlts_at_a_dose_raise_its_overdose_probability(state, level):
    """An extra DLT among the same patients at dose d multiplies the likelihood by the
    increasing function p_d / (1 - p_d) of eta_d, so the posterior of p_d moves up
    stochastically: its mean and P(over-dosing) at d do not fall."""
    n, y = state
    if y[level] == n[level]:
        n = n.copy()
        n[level] += 1
    more = y.copy()
    more[level] += 1
    post = compute_blrm_posterior(DOSES, 8.0, np.stack([n, n]), np.stack([y, more]), PRIOR)
    assert post.toxicity_mean[1, level] > post.toxicity_mean[0, level]
    assert post.interval_probabilities[1, level, 2] >= post.interval_probabilities[0, level, 2] - 1e-12


@settings(max_examples=8, deadline=None)
@given(batch=st.lists(states, min_size=2, max_size=8))
def test_batch_equals_trial_by_trial(batch):
    n = np.stack([s[0] for s in batch])
    y = np.stack([s[1] for s in batch])
    together = compute_blrm_posterior(DOSES, 8.0, n, y, PRIOR)
    for i in range(len(batch)):
        one = compute_blrm_posterior(DOSES, 8.0, n[i], y[i], PRIOR)
        for name in ("parameter_mean", "toxicity_mean", "toxicity_sd", "interval_probabilities"):
            np.testing.assert_allclose(getattr(one, name)[0], getattr(together, name)[i], rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("n", [0, 3, 1000, 10**5])
@pytest.mark.parametrize("dlt", ["none", "all"])
def test_no_warning_nan_or_overflow_at_the_extremes(n, dlt):
    counts = np.full((1, 6), n)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        post = compute_blrm_posterior(DOSES, 8.0, counts, counts if dlt == "all" else 0 * counts, PRIOR)
    for value in (post.parameter_mean, post.toxicity_mean, post.toxicity_sd, post.interval_probabilities):
        assert np.all(np.isfinite(value))
    np.testing.assert_allclose(post.interval_probabilities.sum(axis=2), 1.0, rtol=1e-12)
    assert post.quadrature_error[0] < 1e-5


def test_prior_from_guesses_passes_through_both():
    """The curve at the prior medians goes through (10 mg, 5%) and (80 mg, 30%)."""
    prior = compute_blrm_prior_from_guesses([10, 80], [0.05, 0.30], 40)
    for dose, q in ((10, 0.05), (80, 0.30)):
        eta = prior.mean_log_alpha + math.exp(prior.mean_log_beta) * math.log(dose / 40)
        assert 1 / (1 + math.exp(-eta)) == pytest.approx(q, rel=1e-13)
    assert (prior.sd_log_alpha, prior.sd_log_beta, prior.correlation) == (2.0, 1.0, 0.0)


def test_prior_effective_sample_size_against_direct_integration():
    """m (1 - m) / v - 1 with the prior moments of p_d from a 200 x 200 Gauss-Legendre
    product rule over +-10 standard normal scores (independent of the lattice code)."""
    prior = BLRMPrior(-1.5, 0.2, 0.6, 0.4, 0.3)
    x, w = leggauss(200)
    u, v = 10 * x, 10 * x  # standard normal scores
    rho = prior.correlation
    a = prior.mean_log_alpha + prior.sd_log_alpha * u[:, None]
    b = prior.mean_log_beta + prior.sd_log_beta * (rho * u[:, None] + math.sqrt(1 - rho**2) * v[None, :])
    weight = np.outer(w, w) * np.exp(-(u[:, None] ** 2 + v[None, :] ** 2) / 2)
    weight /= weight.sum()
    p = 1 / (1 + np.exp(-(a[..., None] + np.exp(b)[..., None] * np.log(DOSES / 8.0))))
    m = np.einsum("ij,ijd->d", weight, p)
    var = np.einsum("ij,ijd->d", weight, (p - m) ** 2)
    expected = m * (1 - m) / var - 1
    np.testing.assert_allclose(compute_blrm_prior_effective_sample_size(prior, DOSES, 8.0), expected, rtol=1e-7)


PROBABILITIES = np.array(
    [
        [0.90, 0.10, 0.00],
        [0.60, 0.35, 0.05],
        [0.30, 0.50, 0.20],
        [0.15, 0.55, 0.30],
        [0.05, 0.40, 0.55],
        [0.01, 0.19, 0.80],
    ]
)


@pytest.mark.parametrize(
    ("highest", "limit", "cap", "expected", "admissible"),
    [
        (2, 0.25, 2.0, 2, [1, 1, 1, 0, 0, 0]),  # level 4 over-doses too likely (0.30)
        (2, 0.35, 2.0, 3, [1, 1, 1, 1, 0, 0]),  # limit 0.35 admits level 4 (dose 8 = 2 x 4)
        (0, 0.35, 2.0, 1, [1, 1, 0, 0, 0, 0]),  # cap: at most dose 2 after dose 1
        (0, 0.35, None, 3, [1, 1, 1, 1, 0, 0]),  # no cap
        (-1, 0.35, 2.0, 3, [1, 1, 1, 1, 0, 0]),  # nothing given yet: no cap
        (5, 0.05, 2.0, 0, [1, 0, 0, 0, 0, 0]),  # limit 0.05: level 2's 0.05 fails the strict "<"
    ],
)
def test_ewoc_next_level(highest, limit, cap, expected, admissible):
    args = dict(overdose_limit=limit, max_increase=cap)
    assert compute_ewoc_admissible(PROBABILITIES, DOSES, highest, **args)[0].tolist() == [bool(x) for x in admissible]
    assert compute_ewoc_next_level(PROBABILITIES, DOSES, highest, **args).tolist() == [expected]


def test_ewoc_batched_rows_are_trials_and_none_admissible_is_minus_one():
    """Rows are trials; with every level too likely to over-dose the answer is -1."""
    too_toxic = PROBABILITIES.copy()
    too_toxic[:, 2] = 0.3
    probs = np.stack([PROBABILITIES, PROBABILITIES[::-1], too_toxic])
    assert compute_ewoc_next_level(probs, DOSES, np.array([2, 5, 0])).tolist() == [2, 3, -1]


@pytest.mark.parametrize(
    ("call", "error", "where"),
    [
        (lambda: compute_blrm_posterior([2, 1], 1, [0, 0], [0, 0], PRIOR), ConfigError, "doses"),
        (lambda: compute_blrm_posterior(DOSES, 0, [0] * 6, [0] * 6, PRIOR), ConfigError, "reference_dose"),
        (
            lambda: compute_blrm_posterior(DOSES, 8, [0] * 6, [0] * 6, PRIOR, interval_bounds=(0.33, 0.16)),
            ConfigError,
            "interval_bounds",
        ),
        (lambda: BLRMPrior(0.0, 0.0, 1.0, 1.0, 1.0), ConfigError, "correlation"),
        (lambda: BLRMPrior(0.0, 0.0, -1.0, 1.0), ConfigError, "sd_log_alpha"),
        (lambda: compute_blrm_prior_from_guesses([10, 80], [0.3, 0.05], 80), ConfigError, "probabilities"),
        (lambda: compute_ewoc_next_level(PROBABILITIES, DOSES, 6), InputError, "highest_tried"),
        (lambda: compute_ewoc_next_level(PROBABILITIES[:, :2], DOSES, 0), InputError, "interval_probabilities"),
    ],
)
def test_invalid_input_names_where(call, error, where):
    with pytest.raises(error) as caught:
        call()
    assert str(caught.value).startswith(where + ":")
