"""Cohort expansion at the selected dose after the escalation ends."""

from __future__ import annotations

from doseflow.core import PatientRecord, TrialState
from doseflow.designs import Expansion, ThreePlusThree


def test_expansion_alternates_between_the_selected_level_and_the_one_below():
    design = Expansion(ThreePlusThree(), n=3, levels=2)
    s = TrialState.from_outcomes(3, "1NNN 2NNN 3NNN")  # top cleared: 3+3 reports level 3
    seen = []
    for i in range(3):
        d = design.decide(s)
        assert (d.rule, d.role, d.cohort_kind) == ("expansion.enrol", "expansion", "up_to")
        seen.append(d.next_dose)
        s = s.with_record(PatientRecord(f"E{i + 1}", d.next_dose, False, cohort=99, role="expansion"))
    assert seen == [3, 2, 3]
    assert s.current_dose == 3  # expansion patients do not move the escalation's dose
    assert design.decide(s).rule == "expansion.done"


def test_expansion_waits_for_pending_outcomes_and_never_follows_a_stop_without_mtd():
    design = Expansion(ThreePlusThree(), n=1)
    s = TrialState.from_outcomes(3, "1NNN 2NNN 3NNN").with_record(PatientRecord("E1", 3, None, role="expansion"))
    d = design.decide(s)
    assert (d.rule, d.cohort_size, d.next_dose) == ("expansion.wait", 0, 3)
    assert design.decide(TrialState.from_outcomes(3, "1TTN")).rule == "3+3.no_mtd"
