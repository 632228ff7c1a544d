"""One computation per distinct trial state, scattered back to every trial."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from doseflow.designs.model_based import compute_crm_posterior, compute_once_per_state, find_distinct_states
from doseflow.errors import InputError


def test_distinct_states_of_count_rows():
    n = np.array([[3, 0], [3, 3], [3, 0], [3, 3], [6, 0]])
    y = np.array([[0, 0], [0, 1], [0, 0], [0, 1], [1, 0]])
    first, inverse = find_distinct_states(n, y)
    assert len(first) == 3
    assert np.array_equal(n[first][inverse], n) and np.array_equal(y[first][inverse], y)


def test_memoised_posterior_equals_the_direct_one():
    """Counts plus pending weights as the state; the result is the per-trial posterior."""
    rng = np.random.default_rng(7)
    base_n = np.array([[3, 3, 0, 0], [3, 6, 3, 0], [6, 3, 0, 0]])
    base_y = np.array([[0, 1, 0, 0], [0, 1, 2, 0], [1, 0, 0, 0]])
    pick = rng.integers(0, 3, size=40)
    n, y = base_n[pick], base_y[pick]
    level = np.zeros((40, 1), dtype=np.int64)
    weight = np.round(rng.random((40, 1)) * 2) / 2  # 0, 0.5 or 1: states repeat
    posterior = functools.partial(compute_crm_posterior, [0.1, 0.2, 0.3, 0.45])

    def by_state(n_, y_, level_, weight_):
        return posterior(n_, y_, pending_level=level_, pending_weight=weight_, toxicity_thresholds=(0.3,))

    memo = compute_once_per_state(by_state, n, y, level, weight)
    direct = by_state(n, y, level, weight)
    assert len(find_distinct_states(n, y, level, weight)[0]) <= 9
    for name in ("beta_mean", "toxicity_plugin", "credible_upper", "probability_above", "quadrature_error"):
        np.testing.assert_allclose(getattr(memo, name), getattr(direct, name), rtol=1e-12, atol=1e-15)
    assert memo.toxicity_thresholds == (0.3,)


def test_rows_must_agree():
    with pytest.raises(InputError) as caught:
        find_distinct_states(np.zeros((3, 2)), np.zeros((4, 2)))
    assert str(caught.value).startswith("arrays[1]:")
