"""Tests of log-normal IIV and residual error (doseflow.insilico.models.variability)."""

from __future__ import annotations

import doctest

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import doseflow.insilico.models.variability as var_mod
from doseflow.errors import ConfigError
from doseflow.insilico.models import (
    ResidualError,
    apply_iiv,
    compute_observations,
    compute_omega,
    sample_eta,
    validate_generator,
)


@pytest.mark.parametrize(
    "cv, variance",
    [
        pytest.param(0.401, 0.149110, id="Quartino2019-CL-40.1pct"),
        pytest.param(0.1911, 0.035868, id="Lu2014-CL-19.11pct"),
        pytest.param(1.39, 1.075719, id="Quartino2019-Km-139pct"),
        pytest.param(0.0, 0.0, id="no-IIV"),
    ],
)
def test_cv_to_variance(cv, variance):
    """omega^2 = ln(1 + CV^2): the variances nlmixr2lib lists for Quartino 2019 Table 1
    (0.149110 for 40.1%, 1.075719 for 139%); Lu 2014 19.11%: ln(1.0365192) = 0.035868 by hand
    (nlmixr2lib rounds it to 0.03585)."""
    assert float(compute_omega([cv])[0, 0]) == pytest.approx(variance, abs=5e-6)


def test_correlation_to_covariance():
    """Hand-derived: CV 30% and 20% -> variances ln(1.09) = 0.0861777, ln(1.04) = 0.0392207;
    r = 0.5 -> covariance 0.5 sqrt(0.0861777 * 0.0392207) = 0.5 x 0.0581373 = 0.0290687."""
    w = compute_omega([0.3, 0.2], correlation=[[1, 0.5], [0.5, 1]])
    assert w[0, 0] == pytest.approx(0.0861777, rel=1e-6)
    assert w[1, 1] == pytest.approx(0.0392207, rel=1e-6)
    assert w[0, 1] == w[1, 0] == pytest.approx(0.0290687, rel=1e-5)


def test_sample_moments_within_monte_carlo_error():
    """Lu 2014 CL/Vc block (0.03585, 0.011; 0.011, 0.01351): with n = 40,000 and seed 2024
    the sample mean is within 4 standard errors (sqrt(w/n)) of 0 and each (co)variance
    within 4 standard errors (sqrt((w_jj w_kk + w_jk^2)/n), the Wishart variance)."""
    w = np.array([[0.03585, 0.011], [0.011, 0.01351]])
    n = 40_000
    eta = sample_eta(w, n, np.random.default_rng(2024))
    assert eta.shape == (n, 2)
    se_mean = np.sqrt(np.diag(w) / n)
    assert np.all(np.abs(eta.mean(axis=0)) < 4 * se_mean)
    cov = np.cov(eta, rowvar=False)
    se_cov = np.sqrt((np.outer(np.diag(w), np.diag(w)) + w**2) / n)
    assert np.all(np.abs(cov - w) < 4 * se_cov), (cov, w)


def test_singular_omega_is_accepted():
    """A correlation of 1 gives a singular Omega; eta2 = eta1 * sd2/sd1 exactly."""
    w = np.array([[0.04, 0.02], [0.02, 0.01]])
    eta = sample_eta(w, 100, 1)
    np.testing.assert_allclose(eta[:, 1], eta[:, 0] * 0.5, atol=1e-12)


def test_seed_determinism_and_no_global_state():
    state = np.random.get_state()[1].copy()
    a = sample_eta(np.eye(3) * 0.1, 50, 9)
    b = sample_eta(np.eye(3) * 0.1, 50, np.random.default_rng(9))
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(np.random.get_state()[1], state)


@pytest.mark.parametrize(
    "omega",
    [
        pytest.param([[0.1, 0.05], [0.0, 0.1]], id="not-symmetric"),
        pytest.param([[0.1, 0.2], [0.2, 0.1]], id="not-psd"),
        pytest.param([[0.1, 0.0]], id="not-square"),
        pytest.param([[np.nan]], id="nan"),
    ],
)
def test_bad_omega(omega):
    with pytest.raises(ConfigError, match="omega"):
        sample_eta(omega, 3, 0)


def test_bad_inputs():
    with pytest.raises(ConfigError, match="rng"):
        validate_generator(np.random)
    with pytest.raises(ConfigError, match="rng"):
        validate_generator(1.5)
    with pytest.raises(ConfigError, match="cv"):
        compute_omega([-0.1])
    with pytest.raises(ConfigError, match="correlation"):
        compute_omega([0.1, 0.1], correlation=[[1, 2], [2, 1]])
    with pytest.raises(ConfigError, match="n"):
        sample_eta(np.eye(1), -1, 0)
    with pytest.raises(ConfigError, match="ResidualError.proportional"):
        ResidualError(proportional=-0.1)


def test_log_normal_median_is_typical_value():
    """exp(eta) with eta ~ N(0, 0.25): the median of P_i is P_typical (within the MC error of
    a median, ~1.253 sd/sqrt(n) on the log scale: 4 x 1.253 x 0.5/100 = 0.025)."""
    eta = sample_eta([[0.25]], 10_000, 5)[:, 0]
    p = apply_iiv(3.0, eta)
    assert abs(np.log(np.median(p) / 3.0)) < 0.025


def test_residual_error_moments():
    """Y = F (1 + e1) + e2 with F = 100, sd(e1) = 0.2, sd(e2) = 1: var(Y) = (100 x 0.2)^2 + 1 =
    401 (hand-derived); sample sd within 4 SE (SE of an sd ~ sd/sqrt(2n)), mean within 4 SE."""
    n = 20_000
    y, blq = compute_observations(np.full(n, 100.0), ResidualError(0.2, 1.0), 7)
    assert not blq.any()
    sd = np.sqrt(401.0)
    assert abs(y.mean() - 100.0) < 4 * sd / np.sqrt(n)
    assert abs(y.std(ddof=1) - sd) < 4 * sd / np.sqrt(2 * n)


def test_below_lloq_is_nan_and_flagged():
    y, blq = compute_observations([0.05, 5.0], ResidualError(0.0, 0.0), 0, lloq=0.1)
    assert np.isnan(y[0]) and blq.tolist() == [True, False] and y[1] == 5.0


@settings(derandomize=True, max_examples=25, deadline=None)
@given(cv=st.lists(st.floats(0.0, 2.0), min_size=1, max_size=4), r=st.floats(-0.9, 0.9))
def test_compute_omega_is_valid(cv, r):
    """Any CVs and a common correlation in (-0.9, 0.9) between the first two give a
    symmetric PSD Omega with diagonal ln(1 + CV^2)."""
    k = len(cv)
    corr = np.eye(k)
    if k > 1:
        corr[0, 1] = corr[1, 0] = r
    w = compute_omega(cv, correlation=corr)
    np.testing.assert_allclose(np.diag(w), np.log1p(np.square(cv)), rtol=1e-12, atol=0)
    assert np.linalg.eigvalsh(w).min() >= -1e-12


def test_doctests():
    result = doctest.testmod(var_mod)
    assert result.attempted > 0 and result.failed == 0
