"""BLRM posterior against an independent high-precision computation, 1e-6 relative.

The reference is written here without doseflow: the unnormalised posterior of
``(log alpha, log beta)`` (bivariate normal prior times the binomial likelihood of
``logit p_d = log alpha + beta log(d / d_ref)``) is integrated by composite 8-point
Gauss-Legendre rules (Davis and Rabinowitz 1984, sect. 2.7) on a box found by scanning
two nested fine grids for the region within e^-60 of the maximum. Probabilities
``P(p_d < c)`` integrate ``log alpha`` up to ``logit(c) - beta log(d / d_ref)`` for each
outer node. The reference itself is checked once against ``scipy.integrate.dblquad``.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.polynomial.legendre import leggauss
from scipy.integrate import dblquad
from scipy.optimize import brentq

from doseflow.designs.model_based import BLRMPrior, compute_blrm_posterior

RTOL = 1e-6
DOSES = np.array([1.0, 2.0, 4.0, 8.0, 16.0, 32.0])
NODES, WEIGHTS = leggauss(8)


def _log_post(a, b, s, n, y, prior):
    eta = a[..., None] + np.exp(b)[..., None] * s
    loglik = (y * -np.logaddexp(0, -eta) + (n - y) * -np.logaddexp(0, eta)).sum(-1)
    u = (a - prior.mean_log_alpha) / prior.sd_log_alpha
    v = (b - prior.mean_log_beta) / prior.sd_log_beta
    rho = prior.correlation
    return loglik - (u * u - 2 * rho * u * v + v * v) / (2 * (1 - rho * rho))


def _box(s, n, y, prior):
    lo = np.array([prior.mean_log_alpha - 15 * prior.sd_log_alpha - 10, prior.mean_log_beta - 15 * prior.sd_log_beta])
    hi = np.array([prior.mean_log_alpha + 15 * prior.sd_log_alpha + 10, prior.mean_log_beta + 12 * prior.sd_log_beta])
    for _ in range(3):
        a = np.linspace(lo[0], hi[0], 601)
        b = np.linspace(lo[1], hi[1], 601)
        lp = _log_post(a[:, None], b[None, :], s, n, y, prior)
        keep = lp > lp.max() - 60
        ia, ib = np.flatnonzero(keep.any(1)), np.flatnonzero(keep.any(0))
        step = np.array([a[1] - a[0], b[1] - b[0]])
        lo = np.array([a[max(ia[0] - 1, 0)], b[max(ib[0] - 1, 0)]]) - step
        hi = np.array([a[min(ia[-1] + 1, 600)], b[min(ib[-1] + 1, 600)]]) + step
    return lo, hi


def _rule(lo, hi, panels):
    edges = np.linspace(lo, hi, panels + 1)
    half = np.diff(edges)[:, None] / 2
    x = (edges[:-1, None] + half + half * NODES).ravel()
    return x, (half * WEIGHTS).ravel()


def gl_reference(n, y, prior, dref=8.0, cuts=(0.16, 0.33), quantile_levels=(), quantile_doses=()):
    s = np.log(DOSES / dref)
    n, y = np.asarray(n, float), np.asarray(y, float)
    lo, hi = _box(s, n, y, prior)
    a, wa = _rule(lo[0], hi[0], 80)
    b, wb = _rule(lo[1], hi[1], 80)
    lp = _log_post(a[:, None], b[None, :], s, n, y, prior)
    top = lp.max()
    f = np.exp(lp - top) * wa[:, None] * wb[None, :]
    z = f.sum()
    eta = a[:, None, None] + np.exp(b)[None, :, None] * s
    p = np.exp(-np.logaddexp(0, -eta))
    mean_p = np.einsum("ab,abd->d", f, p) / z
    sd_p = np.sqrt(np.einsum("ab,abd->d", f, (p - mean_p) ** 2) / z)
    mean = np.array([f.sum(1) @ a, f.sum(0) @ b]) / z

    unit, unit_w = _rule(0.0, 1.0, 40)

    def below(d, logit_c):
        """P(p_d < c): for each outer node b_j, log alpha from lo up to logit c - beta_j s_d."""
        upper = np.minimum(logit_c - np.exp(b) * s[d], hi[0])
        width = np.maximum(upper - lo[0], 0.0)
        x = lo[0] + width[:, None] * unit[None, :]
        inner = np.exp(_log_post(x, np.broadcast_to(b[:, None], x.shape), s, n, y, prior) - top)
        return float(wb @ (width * (inner @ unit_w))) / z

    logit = lambda q: math.log(q / (1 - q))  # noqa: E731
    cdf = np.array([[below(d, logit(c)) for c in cuts] for d in range(6)])
    intervals = np.diff(np.concatenate([np.zeros((6, 1)), cdf, np.ones((6, 1))], axis=1), axis=1)
    quantiles = np.array(
        [
            [
                brentq(lambda q, d=d, u=u: below(d, logit(q)) - u, 1e-12, 1 - 1e-12, xtol=1e-15, rtol=1e-14)
                for u in quantile_levels
            ]
            for d in quantile_doses
        ]
    ).reshape(len(quantile_doses), len(quantile_levels))
    log_z = top + math.log(z) - math.log(
        2 * math.pi * prior.sd_log_alpha * prior.sd_log_beta * math.sqrt(1 - prior.correlation**2)
    )
    return dict(mean=mean, mean_p=mean_p, sd_p=sd_p, intervals=intervals, quantiles=quantiles, log_z=log_z)


def assert_close(post, i, ref):
    np.testing.assert_allclose(post.parameter_mean[i], ref["mean"], rtol=RTOL, atol=1e-9)
    np.testing.assert_allclose(post.toxicity_mean[i], ref["mean_p"], rtol=RTOL, atol=1e-12)
    np.testing.assert_allclose(post.toxicity_sd[i], ref["sd_p"], rtol=RTOL, atol=1e-9)
    # Relative above 1e-3, absolute 1e-9 below.
    gap = np.abs(post.interval_probabilities[i] - ref["intervals"])
    assert np.all(gap <= RTOL * np.maximum(ref["intervals"], 1e-3)), gap.max()
    assert post.log_evidence[i] == pytest.approx(ref["log_z"], abs=1e-6)


PRIORS = [
    BLRMPrior(math.log(0.25 / 0.75), 0.0, 2.0, 1.0),
    BLRMPrior(-1.5, 0.3, 1.0, 0.7, -0.5),
    BLRMPrior(-2.5, -0.2, 0.5, 0.5, 0.6),
]


def test_reference_against_dblquad():
    """The Gauss-Legendre reference agrees with scipy's adaptive dblquad (1e-9)."""
    prior = PRIORS[0]
    n, y = np.array([3, 3, 6, 6, 0, 0]), np.array([0, 0, 1, 3, 0, 0])
    ref = gl_reference(n, y, prior)
    s = np.log(DOSES / 8.0)
    lo, hi = _box(s, n, y, prior)
    top = _log_post(np.array(-1.0), np.array(0.0), s, n, y, prior)

    def integrand(b, a, k):
        value = math.exp(float(_log_post(np.array(a), np.array(b), s, n, y, prior)) - top)
        return value if k is None else value / (1 + math.exp(-(a + math.exp(b) * s[k])))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        z = dblquad(integrand, lo[0], hi[0], lo[1], hi[1], args=(None,), epsabs=0, epsrel=1e-11)[0]
        p3 = dblquad(integrand, lo[0], hi[0], lo[1], hi[1], args=(3,), epsabs=0, epsrel=1e-11)[0] / z
    assert ref["mean_p"][3] == pytest.approx(p3, rel=1e-9)


outcomes = st.tuples(
    st.lists(st.sampled_from([0, 1, 3, 6, 30, 1000]), min_size=6, max_size=6),
    st.lists(st.sampled_from(["none", "all", "third", "one"]), min_size=6, max_size=6),
)


@settings(max_examples=12, deadline=None)
@given(data=outcomes, prior=st.sampled_from(PRIORS))
def test_posterior_against_independent_quadrature(data, prior):
    """Means, sds and interval probabilities (0.16, 0.33) within 1e-6 of the reference."""
    n, how = data
    y = [{"none": 0, "all": m, "third": m // 3, "one": min(m, 1)}[h] for m, h in zip(n, how)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        post = compute_blrm_posterior(DOSES, 8.0, n, y, prior)
    assert_close(post, 0, gl_reference(n, y, prior))


@pytest.mark.parametrize(
    ("n", "y"),
    [([0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]), ([3, 3, 6, 6, 0, 0], [0, 0, 1, 3, 0, 0])],
    ids=["prior", "4-DLTs-in-18"],
)
def test_quantiles_against_independent_quadrature(n, y):
    """Posterior 5% and 95% quantiles of p at doses 4 and 16 (roots of the reference CDF)."""
    prior = PRIORS[0]
    post = compute_blrm_posterior(DOSES, 8.0, n, y, prior, quantiles=(0.05, 0.95))
    ref = gl_reference(n, y, prior, quantile_levels=(0.05, 0.95), quantile_doses=(2, 4))
    np.testing.assert_allclose(post.toxicity_quantiles[0, [2, 4]], ref["quantiles"], rtol=RTOL)
