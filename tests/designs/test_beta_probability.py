"""The Beta posterior probabilities of the interval designs, against hand sums and scipy.special.

``beta_cdf`` / ``beta_sf`` compute whole-number parameters as a binomial tail (Abramowitz and
Stegun 26.5.24) without scipy; scipy's ``betainc`` / ``betaincc`` are the independent oracle.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import special

from doseflow.designs.beta_probability import MAX_WHOLE_PARAMETERS, beta_cdf, beta_sf


@pytest.mark.parametrize(("x", "a", "b", "cdf"), [
    # I_0.3(2, 4) = P(Bin(5, 0.3) >= 2) = 1 - 0.7^5 - 5 * 0.3 * 0.7^4
    (0.3, 2, 4, 1 - 0.7**5 - 5 * 0.3 * 0.7**4),
    # I_x(1, 1) = x (uniform)
    (0.25, 1, 1, 0.25),
    # I_x(1, b) = 1 - (1 - x)^b: BOIN's elimination with 0 DLTs in b - 1 patients
    (0.3, 1, 3, 1 - 0.7**3),
    # I_x(a, 1) = x^a
    (0.3, 4, 1, 0.3**4),
    (0.0, 3, 5, 0.0),
    (1.0, 3, 5, 1.0),
], ids=["2,4 at 0.3", "uniform", "a=1", "b=1", "x=0", "x=1"])
def test_hand_derived_values(x, a, b, cdf):
    assert beta_cdf(x, a, b).item() == pytest.approx(cdf, abs=1e-15)
    assert beta_sf(x, a, b).item() == pytest.approx(1 - cdf, abs=1e-15)


@given(st.lists(st.tuples(st.integers(1, 400), st.integers(1, 400), st.floats(0, 1)), min_size=1, max_size=40))
def test_whole_parameters_agree_with_scipy(cases):
    a, b, x = (np.array(v, dtype=float) for v in zip(*cases))
    np.testing.assert_allclose(beta_cdf(x, a, b), special.betainc(a, b, x), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(beta_sf(x, a, b), special.betaincc(a, b, x), rtol=1e-9, atol=1e-12)


def test_small_tails_keep_their_relative_accuracy():
    """P(p > 0.3 | 0 DLTs in 1,999): ~1e-310 would be lost as 1 - I; summed directly it is not."""
    n = np.arange(1, 2000)
    got = beta_sf(0.3, 1.0, n + 1.0)
    want = special.betaincc(1.0, n + 1.0, 0.3)
    shown = want > 1e-290
    np.testing.assert_allclose(got[shown], want[shown], rtol=1e-9)


def test_the_elimination_table_of_a_2000_patient_trial_matches_scipy():
    nn, yy = np.meshgrid(np.arange(0, 2001, 7), np.arange(1, 2001, 7), indexing="ij")
    a, b = yy + 1.0, np.maximum(nn - yy, 0) + 1.0
    np.testing.assert_allclose(beta_sf(0.3, a, b), special.betaincc(a, b, 0.3), atol=1e-11)


@pytest.mark.parametrize(("a", "b"), [(0.05, 3.05), (1.5, 2.0), (MAX_WHOLE_PARAMETERS, 2.0)],
                         ids=["Beta(0.05, 0.05) prior", "half", "past the binomial sum"])
def test_other_parameters_are_scipys(a, b):
    x = np.array([0.1, 0.3, 0.9])
    np.testing.assert_array_equal(beta_cdf(x, a, b), special.betainc(a, b, x))
    np.testing.assert_array_equal(beta_sf(x, a, b), special.betaincc(a, b, x))


def test_shapes_broadcast():
    got = beta_cdf(np.array([0.1, 0.2, 0.3])[None, :], np.array([[1.0], [2.0]]), 3.0)
    assert got.shape == (2, 3)
    np.testing.assert_allclose(got, special.betainc(np.array([[1.0], [2.0]]), 3.0, np.array([0.1, 0.2, 0.3])[None, :]))
    assert beta_sf(np.empty((0, 2)), 1.0, 1.0).shape == (0, 2)
