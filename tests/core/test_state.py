"""The core data model: dose plan, patient records, trial state, decisions."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from doseflow.core import Decision, DoseLevel, DosePlan, MTDSelection, PatientRecord, TrialState
from doseflow.errors import ConfigError, InputError, StateTransitionError

GQ1001 = (1.2, 2.4, 3.6, 4.8, 6.0, 7.2, 8.4)


def test_plan_from_amounts_keeps_order_and_units():
    plan = DosePlan.from_amounts(GQ1001, "mg/kg")
    assert len(plan) == 7
    assert plan.level(1) == DoseLevel("DL1", 1.2, "mg/kg")
    assert str(plan.level(7)) == "8.4 mg/kg"


@pytest.mark.parametrize(
    "amounts, message",
    [
        ((1.2, 1.2), "dose plan level 2 amount: must be greater than level 1's amount 1.2"),
        ((2.4, 1.2), "dose plan level 2 amount: must be greater than level 1's amount 2.4"),
        ((), "dose plan: must be at least one dose level; got []."),
    ],
)
def test_plan_rejects_unordered_or_empty(amounts, message):
    with pytest.raises(ConfigError) as err:
        DosePlan.from_amounts(amounts)
    assert str(err.value).startswith(message)


def test_level_out_of_range_names_the_range():
    plan = DosePlan.of_size(3)
    with pytest.raises(ConfigError, match=r"dose level: must be a dose level from 1 to 3; got 4\."):
        plan.level(4)


@pytest.mark.parametrize(
    "outcomes, n, y, current",
    [
        ("1NNN", [3, 0, 0, 0], [0, 0, 0, 0], 1),
        ("1NNN 2NTN", [3, 3, 0, 0], [0, 1, 0, 0], 2),
        ("1NNN 2NTN 2NNN 3TT", [3, 6, 2, 0], [0, 1, 2, 0], 3),
        ("1N 2N 3T 3NN", [1, 1, 3, 0], [0, 0, 1, 0], 3),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_outcome_strings_give_counts(outcomes, n, y, current):
    s = TrialState.from_outcomes(4, outcomes)
    assert s.n_per_dose.tolist() == n
    assert s.dlt_per_dose.tolist() == y
    assert s.current_dose == current
    assert s.to_outcomes() == outcomes


def test_pending_patients_are_counted_apart():
    s = TrialState.from_outcomes(3, "1NNN 2NTP 2PP")
    assert s.n_per_dose.tolist() == [3, 5, 0]
    assert s.evaluated_per_dose.tolist() == [3, 2, 0]
    assert s.pending_per_dose.tolist() == [0, 3, 0]
    assert s.dlt_per_dose.tolist() == [0, 1, 0]


@pytest.mark.parametrize("bad", ["1NXN", "NNN", "9NNN", "1"])
def test_bad_outcome_tokens_are_rejected(bad):
    with pytest.raises(InputError):
        TrialState.from_outcomes(4, bad)


def test_state_is_immutable_and_updates_return_new_states():
    s0 = TrialState(DosePlan.of_size(3))
    s1 = s0.with_cohort(1, [False, False, True])
    assert s0.n_patients == 0 and s1.n_patients == 3
    assert s1.n_cohorts == 1 and s1.with_cohort(2, [False]).n_cohorts == 2
    with pytest.raises(AttributeError):
        s1.records = ()  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(s1)) == s1


def test_duplicate_patient_ids_are_refused():
    s = TrialState(DosePlan.of_size(2)).with_record(PatientRecord("001", 1, False))
    with pytest.raises(StateTransitionError, match="'001' is already enrolled"):
        s.with_record(PatientRecord("001", 2, False))


def test_from_counts_with_pending_and_grades():
    s = TrialState.from_counts(3, [3, 3, 1], [0, 1, 0], 2, pending=[0, 1, 1], grade2=[1, 0, 0])
    assert s.current_dose == 2
    assert s.pending_per_dose.tolist() == [0, 1, 1]
    assert s.dlt_per_dose.tolist() == [0, 1, 0]
    grades = [r.worst_grade for r in s.records if r.dose_level == 1]
    assert sorted(grades) == [0, 0, 2]


def test_from_counts_rejects_more_dlts_than_patients():
    with pytest.raises(ConfigError, match="counts at level 2"):
        TrialState.from_counts(2, [3, 1], [0, 2])


@given(st.lists(st.tuples(st.integers(0, 12), st.integers(0, 12)), min_size=1, max_size=8))
def test_from_counts_round_trips_any_consistent_counts(pairs):
    n = [max(a, b) for a, b in pairs]
    y = [min(a, b) for a, b in pairs]
    s = TrialState.from_counts(len(n), n, y)
    np.testing.assert_array_equal(s.n_per_dose, n)
    np.testing.assert_array_equal(s.dlt_per_dose, y)


def test_decision_requires_next_dose_unless_stopping():
    Decision("stop", None, "the MTD is found")
    with pytest.raises(ConfigError):
        Decision("stop", 2, "inconsistent")
    with pytest.raises(ConfigError):
        Decision("escalate", None, "inconsistent", cohort_size=3)
    with pytest.raises(ConfigError, match="Decision.cohort_size"):
        Decision("escalate", 2, "no cohort size")
    with pytest.raises(ConfigError, match="Decision.action"):
        Decision("jump", 2, "no such action")  # type: ignore[arg-type]


def test_decision_and_selection_json_shapes():
    d = Decision("de-escalate", 2, "2 DLTs in 3 patients", eliminated=(3, 4), rule="x", cohort_size=3)
    assert d.to_dict() == {
        "action": "de-escalate",
        "next_dose": 2,
        "reason": "2 DLTs in 3 patients",
        "eliminated": [3, 4],
        "rule": "x",
        "cohort_size": 3,
        "cohort_kind": "exact",
        "backfill": [],
        "role": "escalation",
    }
    m = MTDSelection(None, (0.1, None), "no level is acceptable")
    assert m.to_dict() == {"mtd": None, "estimates": [0.1, None], "reason": "no level is acceptable", "rule": ""}
