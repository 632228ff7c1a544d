"""Tests of doseflow.insilico.models.tumour.recist_scan: simulated scans, assessed by RECIST 1.1.

The rules themselves (Eisenhauer EA et al. Eur J Cancer 2009;45:228-247) are tested in
tests/standards/test_recist.py. Each case states its arithmetic in the id or docstring.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doseflow.errors import DataError
from doseflow.insilico.models.tumour import RecistConfig, ScanState, assess_scans, measure_sld, sample_scan_days
from doseflow.standards.recist import PD, compute_overall_responses, label_responses


def test_measurement_error_sd():
    """At a true SLD of 50 mm the error SD is sqrt((0.08 x 50)^2 + 0.65^2) = 4.0525 mm
    (Ribba 2022 combined error); 40,000 draws: SE of the SD ~ 4.05/sqrt(80,000) = 0.014, 4 SE."""
    m = measure_sld(np.full(40_000, 50.0), 5)
    assert abs(m.std() - 4.052468) < 4 * 0.0144
    assert abs(m.mean() - 50.0) < 4 * 4.05 / np.sqrt(40_000)
    assert measure_sld(np.array([0.0]), 0)[0] == 0.0  # no lesion seen: SLD 0 (all gone), no error added


def test_scan_days_windows():
    """Scan k at 42 k +- 7 whole days; offsets uniform on -7..7 (mean 0, SE 4.32/sqrt(n))."""
    d = sample_scan_days(5000, 4, 3)
    off = d - 42.0 * np.arange(1, 5)
    assert np.all(np.abs(off) <= 7) and np.all(off == np.round(off))
    assert abs(off.mean()) < 4 * np.sqrt((15**2 - 1) / 12) / np.sqrt(off.size)
    assert set(np.unique(off).tolist()) == set(range(-7, 8))


def test_new_lesion_probability_without_growth_term():
    """h0 = 0.01/day, h1 = 0, no frailty, 42 days: P = 1 - exp(-0.42) = 0.342953 (hand);
    20,000 patients, SE = 0.0034, 4 SE. Tumours shrink so only the base rate acts."""
    cfg = RecistConfig(new_lesion_hazard_per_day=0.01, new_lesion_growth_coefficient=0.0, omega_new_lesion=0.0)
    n = 20_000
    st_ = ScanState.at_baseline(np.full(n, 50.0), np.ones((n, 1)), 1, cfg)
    _, res = assess_scans(st_, np.full(n, 40.0), np.full(n, 42.0), 2, cfg)
    assert abs(res.new_lesion.mean() - 0.342953) < 4 * 0.00336
    assert np.all(res.response[res.new_lesion] == PD)


def test_new_lesion_growth_term():
    """h0 = 0, h1 = 1, tumour doubles: cumulative hazard log 2, P = 1 - 1/2 = 0.5 (hand); SE 0.0035."""
    cfg = RecistConfig(new_lesion_hazard_per_day=0.0, new_lesion_growth_coefficient=1.0, omega_new_lesion=0.0)
    n = 20_000
    st_ = ScanState.at_baseline(np.full(n, 30.0), np.ones((n, 1)), 1, cfg)
    _, res = assess_scans(st_, np.full(n, 60.0), np.full(n, 42.0), 2, cfg)
    assert abs(res.new_lesion.mean() - 0.5) < 4 * 0.00354


def test_assess_scan_records_lesions_cr_and_progression():
    """No measurement error, no new lesions, no residual mass (residual_fraction_median = 0):
    scan 1: patient 1 (lesions 50/30/20% of 100 mm) at 60 mm: -40% PR, lesions 30/18/12 mm;
    patient 2 (one lesion) at 4 mm < 5 mm detection limit: gone, SLD 0, CR; patient 3 not
    scanned. Scan 2: patient 1 at 75 mm, +15 mm and +25% vs nadir 60: PD dated at the scan."""
    cfg = RecistConfig(new_lesion_hazard_per_day=0.0, new_lesion_growth_coefficient=0.0,
                       measurement_prop=0.0, measurement_add_mm=0.0, residual_fraction_median=0.0)
    frac = np.array([[0.5, 0.3, 0.2, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0, 0.0], [0.6, 0.4, 0.0, 0.0, 0.0]])
    s = ScanState.at_baseline(np.array([100.0, 50.0, 40.0]), frac, 0, cfg)
    s, r = assess_scans(s, np.array([60.0, 4.0, 50.0]), np.array([42.0, 40.0, 45.0]), 1, cfg,
                        assessed=np.array([True, True, False]))
    assert label_responses(r.response).tolist() == ["PR", "CR", ""]
    np.testing.assert_allclose(r.lesion_mm[0, :3], [30.0, 18.0, 12.0])
    assert np.isnan(r.lesion_mm[0, 3:]).all() and r.lesion_mm[1, 0] == 0.0
    assert r.percent_change[0] == pytest.approx(-40.0) and np.isnan(r.sld_mm[2])
    s, r = assess_scans(s, np.array([75.0, 4.0, 50.0]), np.array([84.0, 85.0, 90.0]), 2, cfg)
    assert label_responses(r.response).tolist() == ["PD", "CR", "PD"]
    assert s.progression_day[0] == 84.0 and np.isnan(s.progression_day[1]) and s.progression_day[2] == 90.0


def test_scan_day_must_follow_previous():
    s = ScanState.at_baseline(np.array([50.0]), np.ones((1, 1)), 0)
    with pytest.raises(DataError, match=r"scan_day\[0\]: must be after the previous scan"):
        assess_scans(s, np.array([50.0]), np.array([0.0]), 1)


@settings(derandomize=True, max_examples=30, deadline=None)
@given(st.lists(st.floats(0.3, 2.0), min_size=1, max_size=6), st.integers(0, 2**31))
def test_incremental_scans_match_matrix_classification(ratios, seed):
    """assess_scans (one time point at a time) gives the same responses as
    compute_overall_responses on the measured SLDs and new-lesion flags it produced."""
    n = 50
    rng = np.random.default_rng(seed)
    base = rng.uniform(20, 120, n)
    s = ScanState.at_baseline(base, np.ones((n, 1)), rng)
    sld, new, resp = [], [], []
    for k, ratio in enumerate(ratios):
        s, r = assess_scans(s, base * ratio * rng.uniform(0.8, 1.2, n), np.full(n, 42.0 * (k + 1)), rng)
        sld.append(r.sld_mm), new.append(r.new_lesion), resp.append(r.response)
    expected = compute_overall_responses(np.array(sld).T, s.baseline_mm, np.array(new).T)
    assert np.array_equal(np.array(resp).T, expected)


def test_same_seed_same_scans():
    def run(seed):
        s = ScanState.at_baseline(np.full(20, 50.0), np.ones((20, 1)), seed)
        return assess_scans(s, np.full(20, 45.0), np.full(20, 42.0), seed + 1)[1].sld_mm
    assert np.array_equal(run(3), run(3)) and not np.array_equal(run(3), run(4))
