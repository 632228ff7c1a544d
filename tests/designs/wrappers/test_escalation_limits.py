"""No skipping of doses and no escalation right after a DLT, around any design."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from doseflow.core import Decision, MTDSelection, TrialState
from doseflow.designs import BOIN, NoEscalationAfterDLT, NoSkipping
from doseflow.designs.base import DesignBase


@dataclasses.dataclass(frozen=True)
class _Jumper(DesignBase):
    """Always recommends the top level (or level 1 once a DLT was seen), as a model-based design might."""

    name: ClassVar[str] = "jumper"
    rules: ClassVar[tuple[str, ...]] = ("jumper.go",)
    start_dose: int = 1

    def decide(self, state):
        k = state.n_levels
        to = 1 if state.dlt_per_dose.sum() else k
        c = state.current_dose or 1
        action = "stay" if to == c else ("escalate" if to > c else "de-escalate")
        return Decision(action, to, f"Go to level {to}.", (), "jumper.go", 3)

    def select_mtd(self, state):
        return MTDSelection(None, (None,) * state.n_levels)


def test_no_skipping_caps_an_escalation_at_one_level():
    d = NoSkipping(_Jumper()).decide(TrialState.from_outcomes(5, "1NNN"))
    assert (d.action, d.next_dose, d.rule) == ("escalate", 2, "no_skipping.capped")
    assert "instead of level 5" in d.reason


def test_no_skipping_down_only_when_asked():
    s = TrialState.from_outcomes(5, "1NNN 2NNN 3NNN 4NNT")
    assert NoSkipping(_Jumper()).decide(s).next_dose == 1
    d = NoSkipping(_Jumper(), when_deescalating=True).decide(s)
    assert (d.next_dose, d.rule) == (3, "no_skipping.capped_down")


def test_no_escalation_after_a_dlt_in_the_last_cohort():
    design = NoEscalationAfterDLT(BOIN(target=0.3))
    # 1/6 at level 2 escalates under BOIN; the last cohort (level 2, NTN) had a DLT: hold
    s = TrialState.from_outcomes(5, "1NNN 2NNN 2NTN")
    d = design.decide(s)
    assert (d.action, d.next_dose, d.rule) == ("stay", 2, "no_escalation_after_dlt.hold")
    # a DLT in an earlier cohort does not hold the escalation
    s = TrialState.from_outcomes(5, "1NNN 2NTN 2NNN")
    assert design.decide(s).action == "escalate"
