"""Calendar and expansion of the virtual trial (the engine's rules as the trial uses them), derived by hand."""

import numpy as np

from doseflow.designs import Expansion, StopAtSampleSize, ThreePlusThree
from doseflow.insilico.trial import compute_cutoff_days
from doseflow.simulate import PatientSample, run_trials


def _run(arrival, levels=3, n_total=None, expansion_levels=2):
    arrival = np.asarray(arrival, dtype=float)[None, :]
    n = arrival.shape[1]
    patients = PatientSample(dlt=np.zeros((1, n, levels), bool), grade2=np.zeros((1, n, levels), bool),
                             dlt_day=np.full((1, n), 21.0), arrival=arrival, window=21.0)
    design = StopAtSampleSize(Expansion(ThreePlusThree(), n=n, levels=expansion_levels), max_n=n_total or n)
    return run_trials(design, patients, levels, keep_patients=True)


def test_cohorts_wait_for_the_dlt_window_and_the_queue_keeps_its_order():
    """3+3 without DLTs on 2 levels: cohort 1 = patients 1-3 (days 1, 2, 3); cohort 2 may start
    21 days after its last enrolment (day 24), so patients 4 and 5 (arrived days 4, 5) wait until
    day 24 and patient 6 arrives after the gate (day 30). Top level cleared on day 51: the
    expansion (levels 2 and 1, alternating) enrols patients 7 and 8 on day 51, patient 9 on
    arrival (day 60)."""
    runs = _run([1, 2, 3, 4, 5, 30, 40, 45, 60], levels=2)
    assert runs.enrol_day[0].tolist() == [1, 2, 3, 24, 24, 30, 51, 51, 60]
    assert runs.level[0].tolist() == [0, 0, 0, 1, 1, 1, 1, 0, 1]
    assert runs.cohort[0, :6].tolist() == [1, 1, 1, 2, 2, 2]
    assert runs.rule_ids() == ["stop_at_sample_size.reached"]


def test_expansion_alternates_over_the_levels_below_the_selected_one():
    """Three levels cleared (9 patients), then 4 expansion patients over 3 levels: 3, 2, 1, 3."""
    runs = _run(np.arange(1, 14), levels=3, expansion_levels=3)
    assert runs.level[0, 9:].tolist() == [2, 1, 0, 2]


def test_cutoff_fixed_or_after_last_enrolment():
    """Fixed: 28 Dec 2022 is day 904 after 7 Jul 2020; otherwise last enrolment 40 + 180 = 220."""
    e = np.array([[3.0, 40.0, np.nan]])
    assert compute_cutoff_days(e, fixed_cutoff_day=None, followup_days=180).tolist() == [220.0]
    assert compute_cutoff_days(e, fixed_cutoff_day=904.0, followup_days=180).tolist() == [904.0]
