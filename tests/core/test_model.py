"""The shared data model: bool-like outcomes, roles, pending outcomes and the clock, serialisation."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doseflow.core import Decision, DosePlan, MTDSelection, PatientRecord, TrialState
from doseflow.designs import BOIN
from doseflow.errors import ConfigError, InputError, StateTransitionError


@pytest.mark.parametrize("value", [np.bool_(True), 1, np.int64(1), 1.0, True], ids=repr)
def test_bool_like_dlt_is_counted(value):
    """Regression (engine issue, defect 3): a DLT given as numpy.bool_ (pandas, a database) was
    shown as T in the outcome string but not counted, and BOIN escalated on 1TN."""
    records = (PatientRecord("P1", 1, False), PatientRecord("P2", 1, value), PatientRecord("P3", 1, np.bool_(False)))
    state = TrialState(DosePlan.of_size(3), records, current=1)
    assert state.dlt_per_dose.tolist() == [1, 0, 0]
    assert state.to_outcomes() == "1NTN"
    d = BOIN(target=0.3).decide(state)
    # 1/3 = 0.333 lies between the boundaries 0.236 and 0.359: stay, not escalate
    assert (d.action, d.rule) == ("stay", "boin.stay")


def test_bool_like_from_a_data_frame_and_pending_as_na():
    frame = pd.DataFrame({"dlt": pd.array([True, False, pd.NA], dtype="boolean")})
    records = [PatientRecord(f"P{i}", 1, v) for i, v in enumerate(frame["dlt"])]
    assert [r.dlt for r in records] == [True, False, None]


@pytest.mark.parametrize("value", ["Y", "yes", 2, 0.5, [1]], ids=repr)
def test_anything_else_is_refused_naming_the_patient(value):
    with pytest.raises(ConfigError, match="patient 'P7' dlt: must be True, False or None"):
        PatientRecord("P7", 1, value)


def test_backfill_and_expansion_patients_do_not_move_the_current_dose():
    s = TrialState.from_outcomes(4, "1NNN 2NNN 3NTN")
    s2 = s.with_record(PatientRecord("B1", 1, False, role="backfill"))
    s3 = s2.with_cohort(2, [False, False], role="expansion")
    assert (s.current_dose, s2.current_dose, s3.current_dose) == (3, 3, 3)
    assert s3.n_per_dose.tolist() == [4, 5, 3, 0]


def test_resolve_and_advance_the_clock():
    s = TrialState(DosePlan.of_size(3), day=0.0).with_cohort(1, [None, None, None], enrolled_day=0.0)
    s = s.advance(10.0)
    assert [r.followup_day for r in s.records] == [10.0, 10.0, 10.0]
    assert s.followup_fraction(28.0).tolist() == pytest.approx([10 / 28] * 3)
    s = s.resolve("P2", True, dlt_day=9.0).advance(28.0)
    assert s.pending_per_dose.tolist() == [2, 0, 0] and s.dlt_per_dose.tolist() == [1, 0, 0]
    assert s.record("P2").followup_day == 10.0 and s.record("P1").followup_day == 28.0
    with pytest.raises(StateTransitionError, match="already has a DLT outcome"):
        s.resolve("P2", False)
    with pytest.raises(StateTransitionError, match="cannot move the clock back"):
        s.advance(5.0)
    with pytest.raises(InputError, match="patient id: must be a patient enrolled in this trial; got 'P9'"):
        s.resolve("P9", True)


def test_a_correction_replaces_one_record_and_keeps_the_current_dose():
    s = TrialState.from_outcomes(3, "1NNN 2NTN")
    fixed = s.with_updated_record(s.record("P5").with_outcome(False))
    assert fixed.dlt_per_dose.tolist() == [0, 0, 0] and fixed.current_dose == 2


def test_time_to_event_follow_up_is_required_for_pending_patients():
    s = TrialState.from_outcomes(2, "1NP")
    with pytest.raises(InputError, match="followup_day"):
        s.followup_fraction(28.0)


@st.composite
def states(draw):
    k = draw(st.integers(1, 5))
    plan = DosePlan.from_amounts([round(0.5 * (i + 1), 2) for i in range(k)], draw(st.sampled_from(["mg", "mg/kg", ""])))
    state = TrialState(plan, day=draw(st.none() | st.floats(0, 1000)))
    for c in range(draw(st.integers(0, 6))):
        level = draw(st.integers(1, k))
        outcomes = draw(st.lists(st.sampled_from([True, False, None]), min_size=1, max_size=4))
        grades = [draw(st.none() | st.integers(0, 5)) for _ in outcomes]
        state = state.with_cohort(level, outcomes, worst_grades=grades,
                                  role=draw(st.sampled_from(["escalation", "backfill", "expansion"])))
    return state


@settings(derandomize=True, max_examples=80)
@given(states())
def test_states_round_trip_through_json(state):
    again = TrialState.from_dict(json.loads(json.dumps(state.to_dict())))
    assert again == state
    assert again.to_outcomes() == state.to_outcomes()


@settings(derandomize=True, max_examples=80)
@given(st.sampled_from(["escalate", "stay", "de-escalate", "stop"]), st.integers(0, 6), st.sampled_from(["exact", "up_to"]),
       st.lists(st.integers(1, 6), max_size=3), st.sampled_from(["escalation", "expansion"]))
def test_decisions_round_trip_through_json(action, size, kind, eliminated, role):
    if action == "stop":
        d = Decision("stop", None, "Stop.", tuple(eliminated), "x.stop")
    else:
        d = Decision(action, 2, "Go.", tuple(eliminated), "x.go", size, None if size == 0 else kind, (1,), role,
                     {"posterior": {"mean": [0.1, 0.2]}})
    assert Decision.from_dict(json.loads(json.dumps(d.to_dict()))) == d


def test_mtd_selection_round_trips_and_checks_the_level():
    m = MTDSelection(3, (0.1, None, 0.3), "Level 3.", "boin.mtd_closest", {"p_overdose": [0.0, None, 0.4]})
    assert MTDSelection.from_dict(json.loads(json.dumps(m.to_dict()))) == m
    with pytest.raises(ConfigError, match="MTDSelection.dose"):
        MTDSelection(0)


def test_wait_is_a_cohort_of_zero_and_kinds_are_checked():
    assert Decision("stay", 1, "Wait.", cohort_size=0).cohort_kind == "wait"
    assert Decision("stay", 1, "Up to 3.", cohort_size=3, cohort_kind="up_to").cohort_kind == "up_to"
    with pytest.raises(ConfigError, match="'wait' exactly when the cohort size is 0"):
        Decision("stay", 1, "Bad.", cohort_size=2, cohort_kind="wait")
