"""Tests of doseflow.insilico.models.tumour.lesion_visibility and of the residual mass in simulated scans.

Every expected value is derived by hand in the docstring from the model
v_ij = f_ij max(y_i, r_i y0_i), seen if v_ij >= d (d = 5 mm, the CT slice thickness of RECIST 1.1,
Eisenhauer et al. 2009, section 3.1.1), and the RECIST 1.1 rules (CR: all target lesions gone;
PR: <= -30% vs baseline; PD: >= +20% and >= +5 mm vs nadir).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doseflow.errors import ConfigError, DataError
from doseflow.insilico.models.tumour import (
    RecistConfig,
    ScanState,
    assess_scans,
    compute_visible_diameters,
    sample_residual_fraction,
)
from doseflow.standards.recist import label_responses

NAN = np.nan
CASES = [
    # (y, y0, fractions, r, expected visible diameters)
    (50.0, 100.0, [0.6, 0.4], 0.0, [30.0, 20.0]),       # no residual: 0.6 x 50, 0.4 x 50
    (10.0, 100.0, [0.6, 0.4], 0.4, [24.0, 16.0]),       # floor 0.4 x 100 = 40 > 10: 0.6 x 40, 0.4 x 40
    (8.0, 40.0, [0.75, 0.25], 0.1, [6.0, 0.0]),         # floor 4 < 8: 6 mm seen, 2 mm < 5 gone
    (4.0, 20.0, [1.0], 0.2, [0.0]),                     # max(4, 4) = 4 < 5: gone (CR)
    (5.0, 20.0, [1.0], 0.0, [5.0]),                     # exactly 5 mm: seen (>= detection limit)
    (0.0, 30.0, [0.5, 0.5, 0.0], 0.5, [7.5, 7.5, NAN]),  # y underflowed to 0: floor 15 split; no 3rd lesion
]


@pytest.mark.parametrize(("y", "y0", "frac", "r", "expected"), CASES, ids=[f"y{c[0]}-y0{c[1]}-r{c[3]}" for c in CASES])
def test_visible_diameters_by_hand(y, y0, frac, r, expected):
    """Each row's arithmetic is in its comment (detection limit 5 mm)."""
    got = compute_visible_diameters(np.array([y]), np.array([y0]), np.array([frac]), np.array([r]), 5.0)
    np.testing.assert_allclose(got[0], expected, rtol=1e-12, equal_nan=True)


def test_residual_fraction_is_logit_normal():
    """logit r ~ N(logit 0.4, 0.4^2): 20,000 draws, mean and SD of logit r within 4 Monte Carlo
    SEs (SE mean = 0.4/sqrt(n) = 0.0028; SE SD ~ 0.4/sqrt(2n) = 0.0020); all in (0, 1);
    median 0 gives 0 for everybody (residual mass off)."""
    n = 20_000
    r = sample_residual_fraction(n, 0.4, 0.4, 11)
    lg = np.log(r / (1 - r))
    assert np.all((r > 0) & (r < 1))
    assert abs(lg.mean() - np.log(0.4 / 0.6)) < 4 * 0.4 / np.sqrt(n)
    assert abs(lg.std() - 0.4) < 4 * 0.4 / np.sqrt(2 * n)
    assert np.array_equal(sample_residual_fraction(5, 0.0, 0.4, 1), np.zeros(5))


def test_bad_inputs_name_where_and_value():
    with pytest.raises(ConfigError, match=r"residual_fraction_median: must be a number in \[0, 1\); got 1"):
        sample_residual_fraction(3, 1.0, 0.4, 1)
    with pytest.raises(ConfigError, match="residual_fraction_median"):
        RecistConfig(residual_fraction_median=1.2)
    with pytest.raises(DataError, match=r"sld_mm\[1\]: must be a finite number >= 0; got -1\.0"):
        compute_visible_diameters(np.array([1.0, -1.0]), np.ones(2), np.ones((2, 1)), np.zeros(2), 5.0)
    with pytest.raises(DataError, match="shapes"):
        compute_visible_diameters(np.ones(2), np.ones(3), np.ones((2, 1)), np.zeros(2), 5.0)
    with pytest.raises(DataError, match=r"true_sld_mm\[0\]: must be a baseline whose every target lesion is >= 5 mm"):
        ScanState.at_baseline(np.array([8.0]), np.array([[0.5, 0.5]]), 0)   # lesions of 4 mm


@settings(derandomize=True, max_examples=60, deadline=None)
@given(y=st.floats(0.0, 300.0), y0=st.floats(10.0, 300.0), r=st.floats(0.0, 0.95),
       w=st.lists(st.floats(0.05, 1.0), min_size=1, max_size=5))
def test_visible_lesions_properties(y, y0, r, w):
    """Every lesion seen is >= 5 mm and >= its residual r f y0; all lesions gone (CR possible)
    exactly when max(y, r y0) x max share < 5 mm; the lesions seen sum to max(y, r y0) when none
    is gone."""
    f = np.array(w) / np.sum(w)
    v = compute_visible_diameters(np.array([y]), np.array([y0]), f[None, :], np.array([r]), 5.0)[0]
    seen = v > 0
    assert np.all(v[seen] >= 5.0) and np.all(v[seen] >= r * f[seen] * y0 * (1 - 1e-12))
    size = max(y, r * y0)
    assert (not seen.any()) == (size * f.max() < 5.0)
    if seen.all():
        assert v.sum() == pytest.approx(size, rel=1e-12)


def _cfg(**kw):
    return RecistConfig(new_lesion_hazard_per_day=0.0, new_lesion_growth_coefficient=0.0,
                        measurement_prop=0.0, measurement_add_mm=0.0, **kw)


def test_residual_mass_caps_the_response_and_hides_regrowth():
    """r = 0.4 for everybody (median 0.4, omega 0), one lesion, baseline 100 mm, no error.
    Scan 1, viable y = 10: visible max(10, 40) = 40, -60%: PR, not CR (lesion 40 >= 5 mm).
    Scan 2, y = 35 < 40: still 40 (regrowth hidden): PR, not PD.
    Scan 3, y = 50: +10 mm and +25% vs nadir 40: PD."""
    cfg = _cfg(residual_fraction_median=0.4, omega_residual_fraction=0.0)
    s = ScanState.at_baseline(np.array([100.0]), np.array([[1.0]]), 0, cfg)
    got = []
    for day, y in ((42.0, 10.0), (84.0, 35.0), (126.0, 50.0)):
        s, r = assess_scans(s, np.array([y]), np.array([day]), 1, cfg)
        got.append((label_responses(r.response)[0], round(float(r.sld_mm[0]), 9)))
    assert got == [("PR", 40.0), ("PR", 40.0), ("PD", 50.0)]


def test_cr_needs_every_target_lesion_gone():
    """No residual mass; lesions 80% / 20% of a 50 mm baseline. y = 10: lesions 8 and 2 mm, the
    2 mm one is gone, SLD 8 (-84%): PR, lesion row [8, 0]. y = 6: 4.8 and 1.2 mm, both < 5: CR,
    SLD 0."""
    cfg = _cfg(residual_fraction_median=0.0)
    s = ScanState.at_baseline(np.array([50.0, 50.0]), np.array([[0.8, 0.2]] * 2), 0, cfg)
    _, r = assess_scans(s, np.array([10.0, 6.0]), np.array([42.0, 42.0]), 1, cfg)
    assert label_responses(r.response).tolist() == ["PR", "CR"]
    np.testing.assert_allclose(r.lesion_mm, [[8.0, 0.0], [0.0, 0.0]])
    np.testing.assert_allclose(r.sld_mm, [8.0, 0.0])


def test_measured_lesions_sum_to_measured_sld():
    """With measurement error, each lesion seen is its share of the measured SLD among the
    lesions seen, so the recorded lesions add up to the recorded SLD (SDTM TR SUMDIAM)."""
    cfg = RecistConfig(residual_fraction_median=0.0)
    n = 200
    frac = np.tile([0.5, 0.3, 0.2], (n, 1))
    s = ScanState.at_baseline(np.full(n, 60.0), frac, 3, cfg)
    _, r = assess_scans(s, np.linspace(5.0, 80.0, n), np.full(n, 42.0), 4, cfg)
    np.testing.assert_allclose(np.nansum(r.lesion_mm, axis=1), r.sld_mm, rtol=1e-12)


def test_residual_draws_leave_the_trial_stream_unchanged():
    """The residual fractions come from a spawned child generator: the caller's generator gives
    the same next draws whether the residual mass is on (0.4) or off (0)."""
    g_on, g_off = np.random.default_rng(9), np.random.default_rng(9)
    base = np.full(10, 50.0)
    ScanState.at_baseline(base, np.ones((10, 1)), g_on, RecistConfig(residual_fraction_median=0.4))
    ScanState.at_baseline(base, np.ones((10, 1)), g_off, RecistConfig(residual_fraction_median=0.0))
    assert np.array_equal(g_on.standard_normal(5), g_off.standard_normal(5))
