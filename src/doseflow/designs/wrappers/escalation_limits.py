"""Limits on how far a design may escalate: no skipping of doses, no escalation right after a DLT.

Both wrap any design and only ever lower an escalation (model-based designs such as the
CRM may otherwise jump past untried levels or escalate straight after a toxicity).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, ClassVar

import numpy as np

from doseflow.core import Decision, TrialState
from doseflow.designs.batch import ACTION_CODES, ROLE_CODES, BatchDecision, BatchState
from doseflow.designs.options import option, validate_options
from doseflow.designs.wrappers.base import Wrapper, override_batch

__all__ = ["NoSkipping", "NoEscalationAfterDLT"]

_STOP = ACTION_CODES["stop"]


@dataclass(frozen=True, slots=True)
class NoSkipping(Wrapper):
    """Never skip a dose level when escalating (and optionally when de-escalating).

    Parameters
    ----------
    base : design
    when_deescalating : bool
        Also never go down by more than one level (default False).

    Notes
    -----
    When the base design recommends a level more than one above the current dose, the
    next dose is the level just above it (escalation's ``dont_skip_doses``; Brock 2019;
    the usual CRM safety modification, Goodman, Zahurak and Piantadosi 1995). With
    ``when_deescalating``, a move more than one level down goes one level down, unless
    that level is eliminated.
    """

    base: Any = option(help="The design wrapped.", cli=False)
    when_deescalating: bool = option(False, help="Also never go down by more than one level.")

    name: ClassVar[str] = "no_skipping"
    title: ClassVar[str] = "Never skip a dose level when escalating"
    citation: ClassVar[str] = (
        "Goodman SN, Zahurak ML, Piantadosi S (1995). Some practical improvements in the continual "
        "reassessment method for phase I studies. Stat Med 14:1149-1161."
    )
    own_rules: ClassVar[tuple[str, ...]] = ("capped", "capped_down")

    def __post_init__(self) -> None:
        validate_options(self)

    def decide(self, state: TrialState) -> Decision:
        d = self.base.decide(state)
        c = state.current_dose
        if d.action == "stop" or c is None:
            return d
        if d.next_dose > c + 1:
            return replace(d, action="escalate", next_dose=c + 1, rule=f"{self.name}.capped",
                           reason=f"{d.reason} Doses are not skipped: escalate to level {c + 1} instead of "
                           f"level {d.next_dose}.")
        if self.when_deescalating and d.next_dose < c - 1 and c - 1 not in d.eliminated:
            return replace(d, action="de-escalate", next_dose=c - 1, rule=f"{self.name}.capped_down",
                           reason=f"{d.reason} Doses are not skipped: de-escalate to level {c - 1} instead of "
                           f"level {d.next_dose}.")
        return d

    def decide_batch(self, batch: BatchState) -> BatchDecision:
        d = self.base.decide_batch(batch).with_rules(self.rules)
        cur = batch.current
        go = (d.action != _STOP) & (cur >= 0)
        up = go & (d.next_index > cur + 1)
        d = override_batch(d, np.flatnonzero(up), self.rules, rule=self.rule_code("capped"), action="escalate",
                           next_index=cur[up] + 1)
        if self.when_deescalating:
            k = batch.n_levels
            elim_from = np.full(len(cur), k) if d.eliminated_from is None else d.eliminated_from
            down = go & (d.next_index < cur - 1) & (cur - 1 < elim_from)
            d = override_batch(d, np.flatnonzero(down), self.rules, rule=self.rule_code("capped_down"),
                               action="de-escalate", next_index=cur[down] - 1)
        return d


@dataclass(frozen=True, slots=True)
class NoEscalationAfterDLT(Wrapper):
    """Do not escalate right after a cohort with a DLT.

    Notes
    -----
    When the base design escalates but the last escalation cohort had a DLT, the next
    cohort stays at the current dose (the CRM safety rule of Faries 1994 and Goodman et
    al. 1995: "no escalation after a toxicity"; with the current dose the cohort was
    treated at).
    """

    base: Any = option(help="The design wrapped.", cli=False)

    name: ClassVar[str] = "no_escalation_after_dlt"
    title: ClassVar[str] = "Do not escalate right after a cohort with a DLT"
    citation: ClassVar[str] = (
        "Faries D (1994). Practical modifications of the continual reassessment method for phase I cancer "
        "clinical trials. J Biopharm Stat 4:147-164."
    )
    own_rules: ClassVar[tuple[str, ...]] = ("hold",)
    own_state_kind: ClassVar[str] = "patients"

    def __post_init__(self) -> None:
        validate_options(self)

    @staticmethod
    def _last_cohort_had_dlt(state: TrialState) -> bool:
        cohorts = [r.cohort for r in state.records if r.role == "escalation"]
        if not cohorts:
            return False
        last = max(cohorts)
        return any(r.dlt is True for r in state.records if r.role == "escalation" and r.cohort == last)

    def decide(self, state: TrialState) -> Decision:
        d = self.base.decide(state)
        c = state.current_dose
        if d.action == "stop" or c is None or d.next_dose <= c or not self._last_cohort_had_dlt(state):
            return d
        return replace(d, action="stay", next_dose=c, rule=f"{self.name}.hold",
                       reason=f"{d.reason} The last cohort had a DLT, so the dose is not escalated: stay at level {c}.")

    def decide_batch(self, batch: BatchState) -> BatchDecision:
        d = self.base.decide_batch(batch).with_rules(self.rules)
        pa = batch.patients
        esc_role = pa.role == ROLE_CODES["escalation"]
        last = np.where(esc_role & (pa.level >= 0), pa.cohort, 0).max(axis=1)
        had = (esc_role & (pa.cohort == last[:, None]) & (last[:, None] > 0) & (pa.outcome == 1)).any(axis=1)
        cur = batch.current
        hold = (d.action != _STOP) & (cur >= 0) & (d.next_index > cur) & had
        return override_batch(d, np.flatnonzero(hold), self.rules, rule=self.rule_code("hold"), action="stay",
                              next_index=cur[hold])
