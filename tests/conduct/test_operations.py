"""The pure conduct operations: a 3+3 trial step by step, every validation rule, design versions,
SRC decisions, and every design of the registry running a live trial."""

from __future__ import annotations

import json

import pytest

from doseflow.conduct.patients import close_window, correct_assessment, enrol_patient, record_assessment
from doseflow.conduct.protocol import create_trial, revise_design
from doseflow.conduct.records import Signature
from doseflow.conduct.review import recommend, sign_decision
from doseflow.conduct.summary import summarise_trial
from doseflow.conduct.trial import Trial
from doseflow.core import DosePlan
from doseflow.designs.registry import design_classes
from doseflow.errors import InputError, StateTransitionError

AT = "2024-03-01T09:00:00+00:00"
SIG = Signature("sam", "Sam Safety", AT, "Approval")


def _trial(design=None, levels=(1.0, 2.0, 3.0)):
    trial, event = create_trial("T-1", "test", DosePlan.from_amounts(list(levels), "mg"), design or {"design": "3+3"},
                                21, actor="ann", at=AT)
    return trial


def _cohort(trial, outcomes: str, day: float):
    """Enrol one patient per letter on ``day``; "T": DLT (grade 4 on day + 5), "N": window closed at day + 21."""
    for letter in outcomes:
        trial, _ = enrol_patient(trial, actor="dana", at=AT, day=day)
        pid = trial.subjects[-1].patient_id
        if letter == "T":
            trial, _ = record_assessment(trial, pid, dlt=True, term="Neutropenia", grade=4, onset_day=day + 5,
                                         actor="dana", at=AT)
        else:
            trial, _ = close_window(trial, pid, day=day + 21, actor="dana", at=AT)
    return trial


def _accept(trial):
    trial, _ = sign_decision(trial, signature=SIG, accept=True, actor="sam", at=AT)
    return trial


def test_three_plus_three_trial_to_its_mtd():
    """Storer (1989) by hand: 0/3 at 1 -> escalate; 1/3 at 2 -> 3 more; 1/6 -> escalate; 2/3 at 3 -> MTD 2."""
    trial = _trial()
    assert (trial.cohort.level, trial.cohort.size) == (1, 3)
    assert recommend(trial, AT).kind == "enrol"
    trial = _cohort(trial, "NNN", 0)
    rec = recommend(trial, AT)
    assert (rec.kind, rec.decision.rule, rec.decision.next_dose) == ("decide", "3+3.escalate", 2)
    trial = _cohort(_accept(trial), "NTN", 25)
    assert recommend(trial, AT).decision.rule == "3+3.expand"
    trial = _cohort(_accept(trial), "NNN", 50)
    assert (trial.cohort.number, trial.cohort.level) == (3, 2)
    trial = _cohort(_accept(trial), "TNT", 75)
    rec = recommend(trial, AT)
    assert (rec.decision.action, rec.decision.rule, rec.mtd.dose) == ("stop", "3+3.mtd_found", 2)
    trial, event = sign_decision(trial, signature=SIG, accept=True, actor="sam", at=AT)
    assert (trial.status, trial.cohort, trial.decisions[-1].mtd) == ("stopped", None, 2)
    assert event.after["signature"]["printed_name"] == "Sam Safety" and event.entity == "decision"
    assert trial.state.to_outcomes() == "1NNN 2NTN 2NNN 3TNT"
    with pytest.raises(StateTransitionError, match="T-1 is stopped"):
        enrol_patient(trial, actor="dana", at=AT)
    assert recommend(trial, AT).reason == "The SRC stopped the escalation (MTD level 2)."
    assert Trial.from_dict(json.loads(json.dumps(trial.to_dict()))) == trial


def test_summary_counts_and_exact_interval():
    trial = _cohort(_accept(_cohort(_trial(), "NNN", 0)), "NTN", 25)
    trial = _cohort(_accept(trial), "NN", 50)
    trial, _ = enrol_patient(trial, actor="dana", at=AT, day=60)
    s = summarise_trial(trial, AT)
    level2 = s["levels"][1]
    assert (level2["n"], level2["evaluated"], level2["dlt"], level2["pending"]) == (6, 5, 1, 1)
    # Clopper-Pearson 95% interval of 1/5 (Clopper and Pearson 1934): 0.0051 to 0.7164
    assert level2["ci_low"] == pytest.approx(0.00505, abs=5e-5)
    assert level2["ci_high"] == pytest.approx(0.71642, abs=5e-5)
    # study day 71 (the last window closed); P9 enrolled on day 60 has 10 of 21 days left
    assert s["day"] == 71 and s["pending"] == [{"patient_id": "P9", "level": 2, "enrolled_day": 60.0,
                                                "window_end_day": 81.0, "days_left": 10.0}]
    assert s["recommendation"]["kind"] == "wait" and "P9" in s["recommendation"]["reason"]


def test_enrolment_rules():
    trial = _trial()
    with pytest.raises(InputError, match=r"^level: must be a dose level of the plan, 1 to 3; got 4\.$"):
        enrol_patient(trial, actor="d", at=AT, level=4, reason="x")
    with pytest.raises(InputError, match=r"^reason: must be given when enrolling at level 2 instead of the cohort's"):
        enrol_patient(trial, actor="d", at=AT, level=2)
    trial, event = enrol_patient(trial, actor="d", at=AT, level=2, reason="sponsor request", patient_id="001-01")
    assert event.reason == "sponsor request" and trial.subject("001-01").off_level_reason == "sponsor request"
    with pytest.raises(InputError, match="patient_id: must be an identifier not yet used"):
        enrol_patient(trial, actor="d", at=AT, patient_id="001-01")
    with pytest.raises(InputError, match="sex: must be one of 'F', 'M', 'U'; got 'X'"):
        enrol_patient(trial, actor="d", at=AT, sex="X")
    trial, _ = enrol_patient(trial, actor="d", at=AT)
    trial, _ = enrol_patient(trial, actor="d", at=AT)
    with pytest.raises(StateTransitionError, match=r"cohort 1 at level 1 is full \(3 enrolled\)"):
        enrol_patient(trial, actor="d", at=AT)
    assert trial.start_date == "2024-03-01"


def test_assessment_rules_and_corrections():
    trial, _ = enrol_patient(_trial(), actor="d", at=AT, day=10)
    with pytest.raises(InputError, match=r"^patient_id: must be a patient enrolled in trial T-1; got 'P7'\.$"):
        record_assessment(trial, "P7", dlt=True, term="x", grade=3, onset_day=12, actor="d", at=AT)
    with pytest.raises(InputError, match=r"^grade: must be a whole number <= 5; got 6\.$"):
        record_assessment(trial, "P1", dlt=True, term="x", grade=6, onset_day=12, actor="d", at=AT)
    with pytest.raises(InputError, match=r"^onset_day: must be on or after patient P1's enrolment \(study day 10\)"):
        record_assessment(trial, "P1", dlt=True, term="x", grade=3, onset_day=9, actor="d", at=AT)
    with pytest.raises(InputError, match=r"inside patient P1's DLT window \(study days 10 to 31\)"):
        record_assessment(trial, "P1", dlt=True, term="x", grade=3, onset_day=32, actor="d", at=AT)
    with pytest.raises(InputError, match=r"^day: must be on or after study day 31, the end of patient P1's"):
        close_window(trial, "P1", day=30, actor="d", at=AT)
    trial, _ = record_assessment(trial, "P1", dlt=False, term="Nausea", grade=2, onset_day=12, actor="d", at=AT)
    assert trial.state.record("P1").pending and trial.state.record("P1").worst_grade == 2
    trial, event = record_assessment(trial, "P1", dlt=True, term="Febrile neutropenia", grade=3, onset_day=15,
                                     actor="d", at=AT)
    assert event.entity_id == "A2" and event.after["record"]["dlt"] is True
    assert (trial.state.record("P1").dlt, trial.state.record("P1").dlt_day) == (True, 5.0)
    with pytest.raises(StateTransitionError, match="already has a DLT outcome"):
        close_window(trial, "P1", actor="d", at=AT, day=40)
    with pytest.raises(InputError, match="^reason: must be given for a correction"):
        correct_assessment(trial, "A2", dlt=False, term="Febrile neutropenia", grade=3, onset_day=15, reason=" ",
                           actor="d", at=AT)
    trial, event = correct_assessment(trial, "A2", dlt=False, term="Febrile neutropenia", grade=3, onset_day=15,
                                      reason="not dose-limiting per protocol section 7.2", actor="d", at=AT)
    assert event.before["assessment"]["dlt"] is True and event.after["assessment"]["dlt"] is False
    assert event.before["record"]["dlt"] is True and event.after["record"]["dlt"] is None  # pending again
    trial, _ = close_window(trial, "P1", actor="d", at=AT, day=31)
    assert (trial.state.record("P1").dlt, trial.state.record("P1").worst_grade) == (False, 3)


def test_design_is_frozen_at_first_enrolment():
    trial = _trial()
    trial, event = revise_design(trial, {"design": "boin", "target": 0.25}, reason="", actor="stat", at=AT)
    assert trial.version == 1 and len(trial.versions) == 1 and trial.cohort.size == 3
    trial, _ = enrol_patient(trial, actor="d", at=AT)
    with pytest.raises(InputError, match="^reason: must be given: the design is frozen since the first enrolment"):
        revise_design(trial, {"design": "3+3"}, reason="", actor="stat", at=AT)
    trial, event = revise_design(trial, {"design": "3+3"}, reason="amendment 2", actor="stat", at=AT)
    assert trial.version == 2 and [v["version"] for v in trial.versions] == [1, 2]
    assert event.before["design_spec"]["design"] == "boin" and event.reason == "amendment 2"
    with pytest.raises(InputError, match="ThreePlusThree.start_dose: must be a dose level from 1 to 3; got 4"):
        revise_design(trial, {"design": "3+3", "start_dose": 4}, reason="x", actor="stat", at=AT)
    with pytest.raises(InputError, match="design option 'target'"):
        create_trial("T-2", "", DosePlan.from_amounts([1, 2], "mg"), {"design": "3+3", "target": 0.3}, 21,
                     actor="a", at=AT)
    with pytest.raises(InputError, match=r"^dlt_window_days: must be a number of days in \(0, 365\]; got 0\.$"):
        create_trial("T-2", "", DosePlan.from_amounts([1, 2], "mg"), {"design": "3+3"}, 0, actor="a", at=AT)


def test_src_override_and_when_a_decision_is_due():
    trial = _trial()
    with pytest.raises(StateTransitionError, match="no SRC decision is due for trial T-1: Enrol 3 more"):
        sign_decision(trial, signature=SIG, accept=True, actor="sam", at=AT)
    trial, _ = enrol_patient(trial, actor="d", at=AT, day=0)
    assert recommend(trial, AT).reason == "Enrol 2 more patients into cohort 1 at level 1 (1 of 3 enrolled)."
    trial = _cohort(trial, "NN", 0)
    rec = recommend(trial, AT)
    assert rec.kind == "wait" and rec.reason.startswith("Wait: 1 patient (P1) still in the DLT window")
    trial, _ = close_window(trial, "P1", actor="d", at=AT, day=21)
    with pytest.raises(InputError, match="^reason: must be given when the SRC overrides"):
        sign_decision(trial, signature=SIG, accept=False, next_dose=1, cohort_size=3, actor="sam", at=AT)
    with pytest.raises(InputError, match=r"^cohort_size: must be a whole number of patients from 1 to 12; got 20\."):
        sign_decision(trial, signature=SIG, accept=False, next_dose=1, cohort_size=20, reason="r", actor="s", at=AT)
    trial, event = sign_decision(trial, signature=SIG, accept=False, next_dose=1, cohort_size=3,
                                 reason="a grade 3 rash below the DLT definition: stay", actor="sam", at=AT)
    d = trial.decisions[-1]
    assert (d.accepted, d.action, d.next_dose, d.recommendation["next_dose"]) == (False, "stay", 1, 2)
    assert (trial.cohort.number, trial.cohort.level, trial.cohort.size) == (2, 1, 3)
    trial = _cohort(trial, "NNN", 25)
    trial, _ = sign_decision(trial, signature=SIG, accept=False, next_dose=None, mtd=1, reason="sponsor stops",
                             actor="sam", at=AT)
    assert (trial.status, trial.decisions[-1].mtd, trial.decisions[-1].action) == ("stopped", 1, "stop")


@pytest.mark.parametrize("name", sorted(design_classes()))
def test_every_registry_design_runs_a_live_trial(name):
    """Create, enrol the first cohort, complete it, and get the design's decision signed (a
    time-to-event design weighs follow-up over the trial's 21-day DLT window by default)."""
    trial = _trial({"design": name}, levels=(1, 2, 3, 4, 5))
    first = trial.cohort
    assert first is not None and first.level >= 1 and first.size >= 1
    while recommend(trial, AT).kind == "enrol":
        trial, _ = enrol_patient(trial, actor="d", at=AT, day=0)
    for s in trial.subjects:
        trial, _ = close_window(trial, s.patient_id, day=21, actor="d", at=AT)
    rec = recommend(trial, AT)
    assert rec.kind == "decide", rec.reason
    trial = _accept(trial)
    assert trial.decisions[0].recommendation["rule"] in trial.design.rules
    assert trial.cohort is not None and trial.cohort.level >= first.level


@pytest.mark.parametrize("name", ["tite-boin", "tite-crm"])
def test_a_time_to_event_design_must_weigh_follow_up_over_the_trials_dlt_window(name):
    """Pending patients' weights are follow-up / the design's window; a trial whose DLT window
    differs would weigh them over one window and know their outcomes after another."""
    with pytest.raises(InputError, match=rf"^dlt_window_days: must be the DLT window of the design {name} "
                       r"\(28 days\); got 21\.0\. Give the trial a 28-day DLT window, or the design a window of 21 days"):
        _trial({"design": name, "window": 28})
    trial = _trial({"design": name, "window": 21})
    with pytest.raises(InputError, match=r"^dlt_window_days: must be the DLT window of the design"):
        revise_design(trial, {"design": name, "window": 28}, reason="longer window", actor="ann", at=AT)
    revised, _ = revise_design(trial, {"design": name, "window": 21, "target": 0.25}, reason="target", actor="ann",
                               at=AT)
    assert revised.design.followup_window == 21
    # without a window of its own, the design weighs over the trial's, wrapped or not
    assert _trial({"design": name}).design.followup_window == 21
    wrapped = {"design": "stop_at_sample_size", "max_n": 12, "base": {"design": name}}
    assert _trial(wrapped).design.followup_window == 21


def test_rolling_six_enrols_while_outcomes_are_pending():
    """Rolling six (Skolnik et al. 2008): up to 6 at a level with outcomes pending; the design is asked again."""
    trial = _trial({"design": "rolling6"})
    assert (trial.cohort.size, trial.cohort.kind) == (6, "up_to")
    for day in (0, 1, 2):
        trial, _ = enrol_patient(trial, actor="d", at=AT, day=day)
    rec = recommend(trial, AT)
    assert rec.kind == "enrol" and "Enrol up to" in rec.reason  # three pending: a 4th may enrol at level 1
    for pid, day in (("P1", 21), ("P2", 22), ("P3", 23)):
        trial, _ = close_window(trial, pid, day=day, actor="d", at=AT)
    rec = recommend(trial, AT)
    assert (rec.kind, rec.decision.action, rec.decision.next_dose) == ("decide", "escalate", 2)
    with pytest.raises(StateTransitionError, match="cohort 1 at level 1 is full"):
        enrol_patient(trial, actor="d", at=AT)
