"""CRM posterior integrals against adaptive quadrature (scipy.integrate.quad), 1e-6 relative.

The reference below is written independently of doseflow: the unnormalised posterior
``exp(-beta^2 / (2 sigma^2)) prod_d p_d^y_d (1 - p_d)^(n_d - y_d) prod_i (1 - w_i p_di)``
integrated by QUADPACK's adaptive Gauss-Kronrod rule over the range where it is within
e^-60 of its maximum (found by scipy.optimize), with a relative tolerance of 1e-12.
Data are drawn by hypothesis, including all-DLT and no-DLT extremes and n up to 1000.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import quad
from scipy.optimize import brentq, minimize_scalar

from doseflow.designs.model_based import compute_crm_posterior

RTOL = 1e-6


def _log_probabilities(beta, skeleton, model, intercept):
    if model == "empiric":
        log_p = math.exp(beta) * np.log(skeleton)
        return log_p, np.log(-np.expm1(log_p))
    eta = intercept + math.exp(beta) * (np.log(skeleton / (1 - skeleton)) - intercept)
    return -np.logaddexp(0, -eta), -np.logaddexp(0, eta)


def quad_reference(skeleton, n, y, model, sd, pending=(), intercept=3.0, thresholds=(), quantiles=()):
    """Moments of beta, E[p_d], P(p_d > t) and quantiles of beta by adaptive quadrature."""
    skeleton = np.asarray(skeleton, float)
    n, y = np.asarray(n, float), np.asarray(y, float)

    def log_post(b):
        log_p, log_q = _log_probabilities(b, skeleton, model, intercept)
        value = float(y @ log_p + (n - y) @ log_q) - 0.5 * (b / sd) ** 2
        for level, w in pending:
            value += math.log((1 - w) + w * math.exp(log_q[level]))
        return value

    mode = minimize_scalar(lambda b: -log_post(b), bounds=(-40, 40), method="bounded", options={"xatol": 1e-12}).x
    top = log_post(mode)
    ends = []
    for sign in (-1, 1):
        step, b = 1e-3, mode
        while log_post(b) > top - 60:
            b += sign * step
            step *= 1.5
        ends.append(b)
    lo, hi = ends
    options = dict(limit=500, points=[mode], epsrel=1e-12)

    def integral(f, absolute=0.0):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return quad(lambda b: f(b) * math.exp(log_post(b) - top), lo, hi, epsabs=absolute, **options)[0]

    z = integral(lambda b: 1.0)
    mean = mode + integral(lambda b: b - mode, 1e-14 * z) / z
    variance = integral(lambda b: (b - mean) ** 2) / z
    def p_at(b, d):
        return math.exp(_log_probabilities(b, skeleton, model, intercept)[0][d])

    p_mean = np.array([integral(lambda b, d=d: p_at(b, d)) / z for d in range(skeleton.size)])

    def cdf_split(c):
        if c <= lo:
            return 0.0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return quad(lambda b: math.exp(log_post(b) - top), lo, min(c, hi), epsabs=0, epsrel=1e-12, limit=500)[0] / z

    above = []
    for t in thresholds:
        row = []
        for x in skeleton:
            if model == "empiric":
                cut = math.log(math.log(t) / math.log(x))
            else:
                gap = math.log(t / (1 - t)) - intercept
                label = math.log(x / (1 - x)) - intercept
                cut = math.log(gap / label) if gap < 0 else -math.inf
            row.append(cdf_split(cut))
        above.append(row)
    beta_q = [brentq(lambda c, q=q: cdf_split(c) - q, lo, hi, xtol=1e-13) for q in quantiles]
    log_z = top + math.log(z) - math.log(sd * math.sqrt(2 * math.pi))
    return dict(mean=mean, variance=variance, p_mean=p_mean, above=np.array(above).T, beta_q=beta_q, log_z=log_z)


def assert_matches(post, i, ref):
    sd = math.sqrt(ref["variance"])
    assert abs(post.beta_mean[i] - ref["mean"]) <= RTOL * max(abs(ref["mean"]), sd), (post.beta_mean[i], ref["mean"])
    assert post.beta_variance[i] == pytest.approx(ref["variance"], rel=RTOL)
    np.testing.assert_allclose(post.toxicity_mean[i], ref["p_mean"], rtol=RTOL, atol=1e-300)
    assert post.log_evidence[i] == pytest.approx(ref["log_z"], abs=RTOL)


counts = st.tuples(
    st.lists(st.sampled_from([0, 1, 2, 3, 6, 30, 1000]), min_size=6, max_size=6),
    st.lists(st.sampled_from(["none", "all", "third", "one"]), min_size=6, max_size=6),
)


def _dlts(n, how):
    return [{"none": 0, "all": m, "third": m // 3, "one": min(m, 1)}[h] for m, h in zip(n, how)]


@settings(max_examples=60, deadline=None)
@given(
    data=counts,
    model=st.sampled_from(["empiric", "logistic"]),
    sd=st.sampled_from([0.5, math.sqrt(1.34), 2.5]),
)
def test_posterior_moments_against_quad(data, model, sd):
    """Mean and variance of beta, E[p_d] and the evidence within 1e-6 of adaptive quadrature."""
    n, how = data
    y = _dlts(n, how)
    skeleton = np.array([0.05, 0.10, 0.20, 0.35, 0.50, 0.70])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        post = compute_crm_posterior(skeleton, n, y, model=model, prior_sd=sd, credible_intervals=False)
    ref = quad_reference(skeleton, n, y, model, sd)
    assert_matches(post, 0, ref)


@settings(max_examples=25, deadline=None)
@given(
    n=st.lists(st.sampled_from([0, 1, 3, 6, 12]), min_size=4, max_size=4),
    tox=st.lists(st.sampled_from([0, 1, 2]), min_size=4, max_size=4),
    pending=st.lists(st.tuples(st.integers(0, 3), st.sampled_from([0.0, 0.1, 0.5, 0.999999, 1.0])), max_size=4),
    model=st.sampled_from(["empiric", "logistic"]),
)
def test_tite_posterior_against_quad(n, tox, pending, model):
    """The TITE-CRM weighted likelihood (pending patients with weights) against quadrature."""
    y = [min(a, b) for a, b in zip(n, tox)]
    skeleton = np.array([0.08, 0.15, 0.25, 0.40])
    levels = np.array([[p[0] for p in pending]], dtype=int).reshape(1, -1)
    weights = np.array([[p[1] for p in pending]], dtype=float).reshape(1, -1)
    post = compute_crm_posterior(
        skeleton, n, y, pending_level=levels, pending_weight=weights, model=model, credible_intervals=False
    )
    ref = quad_reference(skeleton, n, y, model, math.sqrt(1.34), pending=pending)
    assert_matches(post, 0, ref)


@pytest.mark.parametrize("model", ["empiric", "logistic"])
@pytest.mark.parametrize(
    ("n", "y"),
    [
        ([0, 3, 4, 3, 0, 0], [0, 0, 1, 2, 0, 0]),
        ([3, 3, 6, 0, 0, 0], [0, 0, 0, 0, 0, 0]),
        ([3, 0, 0, 0, 0, 0], [3, 0, 0, 0, 0, 0]),
        ([0, 0, 200, 100, 0, 0], [0, 0, 40, 45, 0, 0]),
    ],
    ids=["dfcrm-example", "no-DLT", "all-DLT", "n=300"],
)
def test_tail_probabilities_and_credible_intervals_against_quad(model, n, y):
    """P(p_d > t) and the exact credible interval (quantiles of beta) within 1e-6."""
    skeleton = np.array([0.05, 0.10, 0.20, 0.35, 0.50, 0.70])
    post = compute_crm_posterior(skeleton, n, y, model=model, toxicity_thresholds=(0.2, 0.33), credibility=0.9)
    ref = quad_reference(
        skeleton, n, y, model, math.sqrt(1.34), thresholds=(0.2, 0.33), quantiles=(0.05, 0.95)
    )
    np.testing.assert_allclose(post.probability_above[0], ref["above"], rtol=RTOL, atol=1e-12)
    lower, upper = ref["beta_q"]
    if model == "empiric":
        expected_upper, expected_lower = skeleton ** math.exp(lower), skeleton ** math.exp(upper)
    else:
        labels = np.log(skeleton / (1 - skeleton)) - 3.0
        expected_upper = 1 / (1 + np.exp(-3.0 - math.exp(lower) * labels))
        expected_lower = 1 / (1 + np.exp(-3.0 - math.exp(upper) * labels))
    np.testing.assert_allclose(post.credible_upper[0], expected_upper, rtol=RTOL)
    np.testing.assert_allclose(post.credible_lower[0], expected_lower, rtol=RTOL)
