"""TITE-CRM follow-up weights (Cheung and Chappell 2000), hand-derived cases.

Adaptive weights follow dfcrm's ``titecrm(scheme = "adaptive")``: with DLT times
``t_(1) <= ... <= t_(z)`` (``t_(0) = 0``, ``t_(z+1)`` = the window) and ``m`` of them at or
before the follow-up ``u``, ``w = (m + (u - t_(m)) / (t_(m+1) - t_(m))) / (z + 1)``.
"""

from __future__ import annotations

import numpy as np
import pytest

from doseflow.designs.model_based import compute_adaptive_weights, compute_linear_weights
from doseflow.errors import ConfigError, InputError


def test_linear_weights():
    assert compute_linear_weights([0.0, 7.0, 21.0, 28.0, 35.0], 28.0).tolist() == [0.0, 0.25, 0.75, 1.0, 1.0]


@pytest.mark.parametrize(
    ("followup", "dlt", "expected"),
    [
        # Two DLTs at 7 and 21 days (z = 2); 28-day window.
        #   u = 3.5: m = 0 -> (0 + 3.5 / 7) / 3 = 1/6
        #   u = 14:  m = 1 -> (1 + 7 / 14) / 3 = 1/2
        #   u = 24.5: m = 2 -> (2 + 3.5 / 7) / 3 = 5/6
        ([7.0, 21.0, 3.5, 14.0, 24.5], [1, 1, 0, 0, 0], [1.0, 1.0, 1 / 6, 1 / 2, 5 / 6]),
        # No DLT: the linear weight.
        ([0.0, 14.0, 28.0], [0, 0, 0], [0.0, 0.5, 1.0]),
        # One DLT at day 20: u = 10 -> (0 + 10/20) / 2 = 1/4; u = 24 -> (1 + 4/8) / 2 = 3/4.
        ([20.0, 10.0, 24.0, 30.0], [1, 0, 0, 0], [1.0, 0.25, 0.75, 1.0]),
        # A DLT at the very end of the window, and ties between DLT times.
        ([28.0, 28.0, 5.0, 28.0], [1, 1, 0, 0], [1.0, 1.0, 5 / 28 / 3, 1.0]),
    ],
    ids=["two-dlts", "no-dlt", "one-dlt", "dlt-at-window-end"],
)
def test_adaptive_weights_by_hand(followup, dlt, expected):
    np.testing.assert_allclose(compute_adaptive_weights(followup, dlt, 28.0), expected, rtol=1e-15)


def test_adaptive_weights_batched_over_trials():
    """Rows are trials; padding slots (follow-up 0, no DLT) get weight 0 and change nothing."""
    followup = np.array([[7.0, 21.0, 14.0, 0.0], [20.0, 10.0, 0.0, 0.0]])
    dlt = np.array([[1, 1, 0, 0], [1, 0, 0, 0]], dtype=bool)
    w = compute_adaptive_weights(followup, dlt, 28.0)
    np.testing.assert_allclose(w, [[1.0, 1.0, 0.5, 0.0], [1.0, 0.25, 0.0, 0.0]], rtol=1e-15)
    assert w[1, 1] == compute_adaptive_weights([20.0, 10.0], [1, 0], 28.0)[1]


def test_adaptive_weights_never_exceed_one_and_increase_with_follow_up():
    u = np.linspace(0.0, 40.0, 401)
    times = np.array([3.0, 9.0, 9.0, 20.0])
    follow = np.concatenate([times, u])
    dlt = np.concatenate([np.ones(4, bool), np.zeros(u.size, bool)])
    w = compute_adaptive_weights(follow, dlt, 28.0)[4:]
    assert np.all(np.diff(w) >= 0) and w.max() == 1.0 and w[0] == 0.0


@pytest.mark.parametrize(
    ("call", "error", "where"),
    [
        (lambda: compute_linear_weights([1.0, -2.0], 28.0), InputError, "followup[1]"),
        (lambda: compute_linear_weights([1.0], 0.0), ConfigError, "window"),
        (lambda: compute_adaptive_weights([30.0], [1], 28.0), InputError, "followup[0]"),
        (lambda: compute_adaptive_weights([1.0, 2.0], [1], 28.0), InputError, "dlt"),
        (lambda: compute_linear_weights([np.nan], 28.0), InputError, "followup[0]"),
    ],
)
def test_invalid_follow_up(call, error, where):
    with pytest.raises(error) as caught:
        call()
    assert str(caught.value).startswith(where + ":")
