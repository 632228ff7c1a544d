"""Lattice primitives: the parameter map, sinc CDF weights, the safeguarded root solver."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from doseflow.designs.model_based.lattice import (
    AxisMap,
    compute_sinc_cdf_weights,
    compute_sinc_density_weights,
    solve_increasing,
)


@pytest.mark.parametrize("stretch", [0.0, 0.5, 1.0])
def test_axis_map_round_trip_and_jacobian(stretch):
    m = AxisMap(-1.0, 2.0, stretch)
    z = np.linspace(-5, 5, 11)
    np.testing.assert_allclose(m.to_lattice(m.to_parameter(z)), z, rtol=1e-13, atol=1e-13)
    step = 1e-6
    slope = (m.to_parameter(z + step) - m.to_parameter(z - step)) / (2 * step)
    np.testing.assert_allclose(np.exp(m.log_jacobian(z)), slope, rtol=1e-8)


@pytest.mark.parametrize("h", [0.4, 0.3])
def test_sinc_cdf_of_a_sampled_normal_density(h):
    """Haber (1993): h sum f(x_j) (1/2 + Si(pi (c - x_j)/h)/pi) reproduces the normal CDF."""
    x = np.arange(-60, 61) * h + 0.123
    f = norm.pdf(x)
    for c in (-3.1, -1.0, 0.05, 0.7, 2.5):
        value = h * f @ compute_sinc_cdf_weights((c - x) / h)
        assert value == pytest.approx(norm.cdf(c), abs=1e-13)
        density = f @ compute_sinc_density_weights((c - x) / h)
        assert density == pytest.approx(norm.pdf(c), abs=1e-13)


def test_solve_increasing_for_normal_quantiles():
    q = np.array([0.001, 0.05, 0.5, 0.95, 0.999])
    x = solve_increasing(
        lambda v, active: (norm.cdf(v), norm.pdf(v)),
        q,
        np.full(5, -10.0),
        np.full(5, 10.0),
        np.zeros(5),
    )
    np.testing.assert_allclose(x, norm.ppf(q), rtol=1e-12)
