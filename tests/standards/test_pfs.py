"""The PFS rule shared by the virtual trial and the readout (doseflow.standards.pfs), on hand-derived cases."""

from __future__ import annotations

import numpy as np

from doseflow.standards.pfs import PFS_CENSORED, PFS_DEATH, PFS_PROGRESSION, compute_pfs_outcome

NAN = np.nan


def test_the_earlier_of_progression_and_death_is_the_event_else_the_last_adequate_assessment():
    """Patients: PD on day 84; death on day 50; neither (last scan day 126); PD on 120 and death on
    90 (death first); PD and death on the same day 60 (progression); no scan after baseline
    (censored at the start, day 0); death on day -3 (before the start: ignored)."""
    out = compute_pfs_outcome(np.array([84.0, NAN, NAN, 120.0, 60.0, NAN, NAN]),
                              np.array([NAN, 50.0, NAN, 90.0, 60.0, NAN, -3.0]),
                              np.array([84.0, 42.0, 126.0, 84.0, 42.0, NAN, NAN]))
    assert out.day.tolist() == [84.0, 50.0, 126.0, 90.0, 60.0, 0.0, 0.0]
    assert out.kind.tolist() == [PFS_PROGRESSION, PFS_DEATH, PFS_CENSORED, PFS_DEATH, PFS_PROGRESSION,
                                 PFS_CENSORED, PFS_CENSORED]
    assert not out.late_death.any() and not out.late_progression.any()


def test_events_after_missed_assessments_are_censored_at_the_last_adequate_one_when_asked():
    """Window 90 days after the last adequate assessment (day 42, or the start day 10 without one):
    death on day 140 (98 days later) and PD on day 150 are censored at day 42; death on day 95
    counts; without an assessment, death on day 120 (110 days after the start) is censored at 10."""
    out = compute_pfs_outcome(np.array([NAN, 150.0, NAN, NAN]), np.array([140.0, NAN, 95.0, 120.0]),
                              np.array([42.0, 42.0, 42.0, NAN]), np.array([10.0, 10.0, 10.0, 10.0]),
                              death_window_days=90, progression_window_days=90)
    assert out.day.tolist() == [42.0, 42.0, 95.0, 10.0]
    assert out.kind.tolist() == [PFS_CENSORED, PFS_CENSORED, PFS_DEATH, PFS_CENSORED]
    assert out.late_death.tolist() == [True, False, False, True]
    assert out.late_progression.tolist() == [False, True, False, False]


def test_without_a_start_day_nothing_is_dated():
    out = compute_pfs_outcome(np.array([NAN]), np.array([30.0]), np.array([NAN]), np.array([NAN]))
    assert np.isnan(out.day[0]) and out.kind.tolist() == [PFS_CENSORED]
