"""The Clopper-Pearson interval against the example trial (GQ1001 phase Ia), closed forms and scipy's
independent exact binomial interval."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binomtest

from doseflow.errors import ConfigError
from doseflow.readout.binomial import compute_clopper_pearson


@pytest.mark.parametrize("x, n, lo, hi", [
    (6, 15, 0.1634, 0.6771),   # example trial ORR 6/15 = 40%, 95% CI 16.3-67.7% (brief, Clopper-Pearson)
    (9, 15, 0.3229, 0.8366),   # example trial DCR 9/15 = 60%, 95% CI 32.3-83.7%
])
def test_clopper_pearson_example_trial(x, n, lo, hi):
    """/work/shared/reference/example-trial.md: at >= 7.2 mg/kg, 15 evaluable, 6 confirmed PR
    (40%), 3 SD (DCR 60%); the CIs are the exact intervals quoted in the brief, checked also
    against scipy.stats.binomtest(...).proportion_ci(method='exact')."""
    got_lo, got_hi = compute_clopper_pearson(x, n)
    assert (round(float(got_lo), 4), round(float(got_hi), 4)) == (lo, hi)
    ci = binomtest(x, n).proportion_ci(confidence_level=0.95, method="exact")
    assert got_lo == pytest.approx(ci.low, abs=1e-10) and got_hi == pytest.approx(ci.high, abs=1e-10)


@pytest.mark.parametrize("n", [1, 3, 15, 32])
def test_clopper_pearson_closed_forms_at_the_edges(n):
    """x = 0: upper = 1 - (alpha/2)^(1/n), lower = 0; x = n: lower = (alpha/2)^(1/n), upper = 1
    (Clopper and Pearson 1934: the beta quantiles reduce to these powers). For n = 32, the
    upper bound at x = 0 is 1 - 0.025^(1/32) = 0.1089."""
    lo, hi = compute_clopper_pearson(0, n)
    assert float(lo) == 0.0 and float(hi) == pytest.approx(1 - 0.025 ** (1 / n), rel=1e-12)
    lo, hi = compute_clopper_pearson(n, n)
    assert float(hi) == 1.0 and float(lo) == pytest.approx(0.025 ** (1 / n), rel=1e-12)
    if n == 32:
        assert round(1 - 0.025 ** (1 / 32), 4) == 0.1089


def test_clopper_pearson_rejects_bad_counts_and_gives_nan_for_empty():
    with pytest.raises(ConfigError):
        compute_clopper_pearson(5, 4)
    with pytest.raises(ConfigError):
        compute_clopper_pearson(1, 4, alpha=1.5)
    lo, hi = compute_clopper_pearson(0, 0)
    assert np.isnan(lo) and np.isnan(hi)


@settings(derandomize=True, max_examples=80, deadline=None)
@given(st.integers(0, 60).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
       st.sampled_from([0.01, 0.05, 0.1, 0.2]))
def test_interval_contains_point_estimate(xn, alpha):
    """0 <= lower <= x/n <= upper <= 1 for every x, n >= 1 and alpha."""
    x, n = xn
    lo, hi = compute_clopper_pearson(x, n, alpha=alpha)
    if n == 0:
        assert np.isnan(lo) and np.isnan(hi)
    else:
        assert 0.0 <= lo <= x / n <= hi <= 1.0
