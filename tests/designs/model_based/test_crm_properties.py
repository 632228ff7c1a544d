"""Properties of the CRM posterior: monotone in DLTs, TITE reduces to CRM, batch = one by one."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doseflow.designs.model_based import (
    compute_crm_posterior,
    compute_crm_posterior_from_patients,
    compute_crm_recommended_level,
)
from doseflow.errors import ConfigError, InputError

SKELETON = np.array([0.05, 0.10, 0.20, 0.35, 0.50, 0.70])

states = st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9)), min_size=6, max_size=6).map(
    lambda pairs: (np.array([max(a, b) for a, b in pairs]), np.array([min(a, b) for a, b in pairs]))
)


@settings(max_examples=60, deadline=None)
@given(state=states, level=st.integers(0, 5), model=st.sampled_from(["empiric", "logistic"]))
def test_more_dlts_never_lower_the_estimates(state, level, model):
    """One more DLT among the same patients raises every estimate, never the recommended level."""
    n, y = state
    if y[level] == n[level]:
        n = n.copy()
        n[level] += 1
    more = y.copy()
    more[level] += 1
    post = compute_crm_posterior(SKELETON, np.stack([n, n]), np.stack([y, more]), model=model, credible_intervals=False)
    assert np.all(post.toxicity_plugin[1] > post.toxicity_plugin[0])
    assert np.all(post.toxicity_mean[1] > post.toxicity_mean[0])
    assert post.beta_mean[1] < post.beta_mean[0]
    levels = compute_crm_recommended_level(post.toxicity_plugin, 0.25)
    assert levels[1] <= levels[0]


@settings(max_examples=40, deadline=None)
@given(
    patients=st.lists(st.tuples(st.integers(0, 5), st.booleans()), min_size=1, max_size=20),
    model=st.sampled_from(["empiric", "logistic"]),
)
def test_tite_with_complete_follow_up_equals_crm(patients, model):
    """Weights of 1 for everyone (the whole window observed) give the CRM posterior."""
    level = [p[0] for p in patients]
    dlt = [int(p[1]) for p in patients]
    crm = compute_crm_posterior_from_patients(SKELETON, level, dlt, model=model)
    tite = compute_crm_posterior_from_patients(SKELETON, level, dlt, np.ones(len(level)), model=model)
    as_pending = compute_crm_posterior(
        SKELETON,
        np.bincount(level, weights=dlt, minlength=6).astype(int),
        np.bincount(level, weights=dlt, minlength=6).astype(int),
        pending_level=[[lv for lv, d in zip(level, dlt) if not d]],
        pending_weight=[[1.0 for d in dlt if not d]],
        model=model,
    )
    for other in (tite, as_pending):
        np.testing.assert_allclose(other.beta_mean, crm.beta_mean, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(other.toxicity_mean, crm.toxicity_mean, rtol=1e-9)
        np.testing.assert_allclose(other.credible_upper, crm.credible_upper, rtol=1e-9)


def test_pending_patients_lower_the_estimates_less_than_complete_ones():
    """A pending patient without DLT counts as a fraction of a complete one (weight in (0, 1))."""
    n, y = [0, 0, 3, 0, 0, 0], [0, 0, 1, 0, 0, 0]
    none = compute_crm_posterior(SKELETON, n, y)
    half = compute_crm_posterior(SKELETON, n, y, pending_level=[[2]], pending_weight=[[0.5]])
    full = compute_crm_posterior(SKELETON, [0, 0, 4, 0, 0, 0], y)
    assert full.toxicity_plugin[0, 2] < half.toxicity_plugin[0, 2] < none.toxicity_plugin[0, 2]


@settings(max_examples=15, deadline=None)
@given(
    batch=st.lists(states, min_size=2, max_size=12),
    model=st.sampled_from(["empiric", "logistic"]),
    tite=st.booleans(),
)
def test_batch_equals_trial_by_trial(batch, model, tite):
    """A trial's posterior does not depend on the other trials computed with it."""
    n = np.stack([s[0] for s in batch])
    y = np.stack([s[1] for s in batch])
    rng = np.random.default_rng(len(batch))
    level = rng.integers(0, 6, size=(len(batch), 2)) if tite else None
    weight = rng.random((len(batch), 2)) if tite else None
    options = dict(model=model, toxicity_thresholds=(0.25,))
    together = compute_crm_posterior(SKELETON, n, y, pending_level=level, pending_weight=weight, **options)
    for i in range(len(batch)):
        one = compute_crm_posterior(
            SKELETON,
            n[i],
            y[i],
            pending_level=None if level is None else level[i : i + 1],
            pending_weight=None if weight is None else weight[i : i + 1],
            **options,
        )
        for name in ("beta_mean", "beta_variance", "toxicity_mean", "credible_lower", "probability_above"):
            np.testing.assert_allclose(getattr(one, name)[0], getattr(together, name)[i], rtol=1e-9, atol=1e-13)


@pytest.mark.parametrize("model", ["empiric", "logistic"])
@pytest.mark.parametrize("n", [0, 1, 1000, 10**6])
@pytest.mark.parametrize("dlt", ["none", "all"])
def test_no_warning_nan_or_overflow_at_the_extremes(model, n, dlt):
    """All-DLT and no-DLT data at every level, from none to a million patients."""
    counts = np.full((1, 6), n)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        post = compute_crm_posterior(
            SKELETON, counts, counts if dlt == "all" else 0 * counts, model=model, toxicity_thresholds=(0.3,)
        )
    for value in (post.beta_mean, post.beta_variance, post.toxicity_mean, post.credible_lower, post.credible_upper):
        assert np.all(np.isfinite(value))
    assert post.quadrature_error[0] < 1e-5
    assert np.all((post.toxicity_mean >= 0) & (post.toxicity_mean <= 1))


def test_recommended_level_follows_dfcrm():
    """Closest estimate to the target; all below: the highest; all above: the lowest; ties
    (exact in binary: 0.125 and 0.375 around 0.25): the lower level."""
    estimates = np.array(
        [
            [0.05, 0.18, 0.30, 0.45],
            [0.01, 0.02, 0.03, 0.04],
            [0.50, 0.60, 0.70, 0.80],
            [0.0625, 0.125, 0.375, 0.5],
        ]
    )
    assert compute_crm_recommended_level(estimates, 0.25).tolist() == [2, 3, 0, 1]


@pytest.mark.parametrize(
    ("kwargs", "error", "where"),
    [
        (dict(skeleton=[0.2, 0.1]), ConfigError, "skeleton"),
        (dict(skeleton=[0.1, 1.0]), ConfigError, "skeleton"),
        (dict(dlt=[[0, 4, 0, 0, 0, 0]]), InputError, "dlt[0, 1] (trial row 0, level 2)"),
        (dict(n=[[0, -1, 0, 0, 0, 0]]), InputError, "n[0, 1] (trial row 0, level 2)"),
        (dict(n=[[3, 3, 3]]), InputError, "n"),
        (dict(pending_level=[[6]], pending_weight=[[0.5]]), InputError, "pending_level[0, 0]"),
        (dict(pending_level=[[1]], pending_weight=[[1.5]]), InputError, "pending_weight[0, 0]"),
        (dict(pending_level=[[1]]), InputError, "pending_weight"),
        (dict(model="power"), ConfigError, "model"),
        (dict(model="logistic", intercept=0.5), ConfigError, "intercept"),
        (dict(prior_sd=0.0), ConfigError, "prior_sd"),
        (dict(credibility=1.0), ConfigError, "credibility"),
        (dict(toxicity_thresholds=(0.0,)), ConfigError, "toxicity_thresholds[0]"),
    ],
)
def test_invalid_input_names_where(kwargs, error, where):
    args = dict(skeleton=SKELETON, n=[[3, 3, 0, 0, 0, 0]], dlt=[[0, 1, 0, 0, 0, 0]])
    args.update(kwargs)
    skeleton, n, dlt = args.pop("skeleton"), args.pop("n"), args.pop("dlt")
    with pytest.raises(error) as caught:
        compute_crm_posterior(skeleton, n, dlt, **args)
    assert str(caught.value).startswith(where + ":")
