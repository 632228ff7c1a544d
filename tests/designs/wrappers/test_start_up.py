"""The start-up phase: cohorts one level up until the first DLT (or the top level), then the design."""

from __future__ import annotations

import pytest

from doseflow.core import DosePlan, TrialState
from doseflow.designs import StartUp, StopAtSampleSize, design_from_options
from doseflow.designs.model_based.crm import CRM
from doseflow.simulate import simulate

#: A CRM that, with no DLT, would jump to the top at once (skeleton far below the target).
CRM_LOW = CRM(target=0.3, skeleton=(0.02, 0.04, 0.06, 0.08, 0.10))


@pytest.mark.parametrize("outcomes, rule, action, level", [
    ("", "start_up.start", "stay", 1),
    ("1NNN", "start_up.escalate", "escalate", 2),
    ("1NNN 2NNN 3NNN", "start_up.escalate", "escalate", 4),
    ("1NNN 2NNP", "start_up.wait", "stay", 2),
    ("1NNN 2NTN", "crm.escalate", "escalate", 5),  # the model takes over at the first DLT
    ("1NNN 2NNN 3NNN 4NNN 5NNN", "crm.stay", "stay", 5),  # the top level is reached
], ids=lambda v: v if isinstance(v, str) else None)
def test_start_up_sequence(outcomes, rule, action, level):
    state = TrialState.from_outcomes(5, outcomes) if outcomes else TrialState(DosePlan.of_size(5))
    d = StartUp(CRM_LOW).decide(state)
    assert (d.rule, d.action, d.next_dose) == (rule, action, level)
    if rule.startswith("start_up.") and action != "stay" or rule == "start_up.start":
        assert d.cohort_size == 3


def test_without_the_start_up_the_crm_jumps():
    assert CRM_LOW.decide(TrialState.from_outcomes(5, "1NNN")).next_dose == 5


def test_start_up_cohorts_have_their_own_size_and_the_flag_builds_it():
    design = design_from_options("crm", {"--start-up": True, "--start-up-cohort-size": 1, "--max-n": 12})
    assert isinstance(design.base, StartUp) and design.base.size == 1 and design.first_cohort_size == 1
    assert design.decide(TrialState.from_outcomes(4, "1N 2N")).next_dose == 3


def test_start_up_keeps_the_state_graph():
    """The start-up reads counts only: a CRM with a start-up still has exact operating
    characteristics, and they differ from those without (the start-up's patients are spread out)."""
    truth = (0.05, 0.10, 0.20, 0.35, 0.50)
    with_start_up = simulate(StopAtSampleSize(StartUp(CRM(target=0.25)), max_n=18), truth, exact=True)
    without = simulate(StopAtSampleSize(CRM(target=0.25), max_n=18), truth, exact=True)
    assert with_start_up.method == "exact" and with_start_up.n_states > 0
    assert sum(with_start_up.selection_pct) == pytest.approx(100.0)
    assert with_start_up.patients_per_level[0] < without.patients_per_level[0]
