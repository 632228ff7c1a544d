"""Enrolment and calendar of the virtual trial, cases derived by hand."""

import numpy as np
import pytest

from doseflow.errors import DataError
from doseflow.insilico.trial import assign_expansion, compute_cutoff_days, compute_enrolment_days


def test_cohort_waits_for_dlt_window():
    """Cohort 1 = patient 1 (arrives day 1); cohort 2 may start 21 days after day 1 = day 22, so
    patients 2 and 3 (arrived days 2, 3) wait until day 22; patient 4 arrives at day 30 after
    the gate. Expansion gate = last escalation enrolment (30) + 21 = 51 > arrival 31."""
    arr = np.array([[1.0, 2.0, 3.0, 30.0, 31.0]])
    coh = np.array([[1, 2, 2, 2, 0]])
    exp = np.array([[False, False, False, False, True]])
    assert compute_enrolment_days(arr, coh, exp, dlt_window_days=21).tolist() == [[1.0, 22.0, 22.0, 30.0, 51.0]]


def test_late_arrival_is_not_delayed_and_queue_keeps_order():
    """Cohort 2 gate = 5 + 21 = 26; arrivals 40 and 41 come after it: enrolled on arrival. Cohort 3
    gate = 41 + 21 = 62; its patient arrived at 45, waits to 62. Untreated patient (cohort 0, not
    expansion) has NaN."""
    arr = np.array([[5.0, 40.0, 41.0, 45.0, 50.0]])
    coh = np.array([[1, 2, 2, 3, 0]])
    exp = np.zeros((1, 5), bool)
    out = compute_enrolment_days(arr, coh, exp, dlt_window_days=21)
    assert out[0, :4].tolist() == [5.0, 40.0, 41.0, 62.0]
    assert np.isnan(out[0, 4])


def test_vectorised_over_trials_matches_each_trial():
    """Two trials computed together equal each computed alone (no cross-talk between rows)."""
    arr = np.array([[1.0, 2.0, 3.0, 4.0], [10.0, 50.0, 51.0, 52.0]])
    coh = np.array([[1, 1, 1, 2], [1, 2, 2, 0]])
    exp = np.array([[False] * 4, [False, False, False, True]])
    both = compute_enrolment_days(arr, coh, exp, dlt_window_days=21)
    for i in range(2):
        alone = compute_enrolment_days(arr[i:i + 1], coh[i:i + 1], exp[i:i + 1], dlt_window_days=21)
        np.testing.assert_array_equal(both[i], alone[0])
    # trial 1: cohort 1 ends day 3 -> cohort 2 at 24; trial 2: 10 -> 50, 51 (after gate 31); expansion 72
    assert both.tolist() == [[1.0, 2.0, 3.0, 24.0], [10.0, 50.0, 51.0, 72.0]]


def test_expansion_alternates_top_levels():
    """Selected level 6 (8.4 mg/kg), 2 levels: 6, 5, 6, 5, ...; 3 levels: 6, 5, 4, 6, ..."""
    level = np.array([[0, 1, 2, -1, -1, -1, -1]])
    lv2, ex2 = assign_expansion(level, np.array([6]), expansion_levels=2)
    assert lv2.tolist() == [[0, 1, 2, 6, 5, 6, 5]]
    assert ex2.tolist() == [[False, False, False, True, True, True, True]]
    lv3, _ = assign_expansion(level, np.array([6]), expansion_levels=3)
    assert lv3.tolist() == [[0, 1, 2, 6, 5, 4, 6]]


def test_expansion_at_lowest_level_and_no_mtd():
    """MTD at level 0: only level 0 is available; no MTD (-1): the rest stay untreated."""
    level = np.array([[0, 0, 0, -1, -1], [0, 0, 0, -1, -1]])
    lv, ex = assign_expansion(level, np.array([0, -1]), expansion_levels=2)
    assert lv.tolist() == [[0, 0, 0, 0, 0], [0, 0, 0, -1, -1]]
    assert ex.tolist() == [[False, False, False, True, True], [False] * 5]


def test_cutoff_fixed_or_after_last_enrolment():
    """Fixed: 28 Dec 2022 is day 904 after 7 Jul 2020; otherwise last enrolment 40 + 180 = 220."""
    e = np.array([[3.0, 40.0, np.nan]])
    assert compute_cutoff_days(e, fixed_cutoff_day=None, followup_days=180).tolist() == [220.0]
    assert compute_cutoff_days(e, fixed_cutoff_day=904.0, followup_days=180).tolist() == [904.0]


def test_shape_mismatch_is_data_error():
    with pytest.raises(DataError, match="level/mtd"):
        assign_expansion(np.zeros((2, 3), int), np.zeros(3, int))
