"""Cohort expansion at the selected dose once the escalation has ended."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, ClassVar

import numpy as np

from doseflow.core import Decision, TrialState
from doseflow.designs.batch import ACTION_CODES, KIND_CODES, ROLE_CODES, BatchDecision, BatchState
from doseflow.designs.options import option, validate_options
from doseflow.designs.wrappers.base import Wrapper

__all__ = ["Expansion"]

_STOP = ACTION_CODES["stop"]
_EXPANSION = ROLE_CODES["expansion"]


@dataclass(frozen=True, slots=True)
class Expansion(Wrapper):
    """After the escalation stops with a selected dose, enrol an expansion cohort there.

    Parameters
    ----------
    base : design
        The escalation design.
    n : int >= 1
        Expansion patients.
    levels : int >= 1
        Levels shared by the expansion, from the selected level down: the k-th expansion
        patient (k = 0, 1, ...) goes to level ``mtd - (k mod m)``, ``m = min(levels, mtd)``;
        with 2, the selected level and the one below alternate (as the GQ1001 expansion at
        8.4 and 7.2 mg/kg; Lemech et al., AACR 2023, CT178).

    Notes
    -----
    When the base design stops and selects a level (``select_mtd``), the expansion
    patients (role ``"expansion"``) are enrolled as they come, without waiting for each
    other's outcomes (``cohort_kind = "up_to"``); once all are enrolled and their
    outcomes are known, the trial stops. The escalation's selected dose is frozen when
    the expansion starts; the MTD reported at the end is the base design's selection on
    all the data. A stop with no selected dose is final.
    """

    base: Any = option(help="The escalation design.", cli=False)
    n: int = option(help="Expansion patients enrolled at the selected dose.", minimum=1, maximum=100_000)
    levels: int = option(1, help="Levels sharing the expansion, from the selected level down.", minimum=1)

    name: ClassVar[str] = "expansion"
    title: ClassVar[str] = "Expansion cohort at the selected dose after the escalation"
    citation: ClassVar[str] = (
        "Iasonos A, O'Quigley J (2013). Design considerations for dose-expansion cohorts in phase I trials. "
        "J Clin Oncol 31:4014-4021."
    )
    own_rules: ClassVar[tuple[str, ...]] = ("enrol", "wait", "done")
    own_state_kind: ClassVar[str] = "patients"

    def __post_init__(self) -> None:
        validate_options(self)

    def max_sample_size(self, n_levels: int) -> int | None:
        inner = self.base.max_sample_size(n_levels)
        return None if inner is None else inner + self.n

    def _escalation_state(self, state: TrialState) -> TrialState:
        return TrialState(state.plan, tuple(r for r in state.records if r.role != "expansion"), state.current,
                          state.day)

    def decide(self, state: TrialState) -> Decision:
        escalation = self._escalation_state(state)
        started = len(escalation.records) < state.n_patients
        if not started:
            d = self.base.decide(state)
            if d.action != "stop":
                return d
        else:
            d = self.base.decide(escalation)
        sel = self.base.select_mtd(escalation)
        if sel.dose is None:
            if not started:
                return d
            return Decision("stop", None, "The escalation ended without a selected dose; the trial ends.",
                            d.eliminated, f"{self.name}.done")
        done = state.n_patients - len(escalation.records)
        if done >= self.n:
            if int(state.pending_per_dose.sum()) > 0:
                return Decision(
                    "stay" if sel.dose == state.current_dose else
                    ("escalate" if sel.dose > state.current_dose else "de-escalate"), sel.dose,
                    f"The {self.n} expansion patients are enrolled; wait for their pending DLT outcomes.",
                    d.eliminated, f"{self.name}.wait", 0,
                )
            return Decision("stop", None, f"The escalation selected level {sel.dose} and the {self.n} expansion "
                            "patients are enrolled; the trial ends.", d.eliminated, f"{self.name}.done")
        m = min(self.levels, sel.dose)
        to = sel.dose - done % m
        return Decision(
            "stay" if to == state.current_dose else ("escalate" if to > state.current_dose else "de-escalate"),
            to, f"The escalation selected level {sel.dose}: enrol expansion patient {done + 1} of {self.n} at level "
            f"{to}.", d.eliminated, f"{self.name}.enrol", self.n - done, "up_to", role="expansion",
        )

    def decide_batch(self, batch: BatchState) -> BatchDecision:
        pa = batch.patients
        is_exp = (pa.role == _EXPANSION) & (pa.level >= 0)
        done = is_exp.sum(axis=1)
        started = done > 0
        # the escalation's own view: without the expansion patients
        lv = np.where(is_exp, -1, pa.level)
        k = batch.n_levels
        exp_n = np.zeros_like(batch.n)
        exp_y = np.zeros_like(batch.y)
        exp_p = np.zeros_like(batch.pending)
        rows = np.repeat(np.arange(batch.n_trials), pa.level.shape[1]).reshape(pa.level.shape)
        np.add.at(exp_n, (rows[is_exp], pa.level[is_exp]), 1)
        np.add.at(exp_y, (rows[is_exp], pa.level[is_exp]), (pa.outcome[is_exp] == 1).astype(np.int64))
        np.add.at(exp_p, (rows[is_exp], pa.level[is_exp]), (pa.outcome[is_exp] < 0).astype(np.int64))
        esc_pa = replace(pa, level=lv, outcome=np.where(is_exp, -1, pa.outcome))
        esc = BatchState(batch.n - exp_n, batch.y - exp_y, batch.pending - exp_p, batch.current, batch.followup, esc_pa)
        d = self.base.decide_batch(esc).with_rules(self.rules)
        sel = self.base.select_mtd_batch(esc)
        act, nxt, size, kind, rule = (a.copy() for a in (d.action, d.next_index, d.cohort_size, d.cohort_kind, d.rule))
        role = np.full(batch.n_trials, ROLE_CODES["escalation"]) if d.role is None else d.role.copy()
        expanding = (started | (d.action == _STOP)) & (sel >= 0)
        finished = expanding & (done >= self.n)
        pending = batch.pending.sum(axis=1) > 0
        wait = finished & pending
        stop = finished & ~pending
        enrol = expanding & ~finished
        m = np.minimum(self.levels, sel + 1)
        to = sel - done % np.maximum(m, 1)
        cur = batch.current
        act[enrol] = np.where(to > cur, ACTION_CODES["escalate"], np.where(to < cur, ACTION_CODES["de-escalate"],
                                                                        ACTION_CODES["stay"]))[enrol]
        nxt[enrol], size[enrol], kind[enrol], rule[enrol] = to[enrol], (self.n - done)[enrol], KIND_CODES["up_to"], \
            self.rule_code("enrol")
        role[enrol] = _EXPANSION
        towards = np.where(sel > cur, ACTION_CODES["escalate"], np.where(sel < cur, ACTION_CODES["de-escalate"],
                                                                          ACTION_CODES["stay"]))
        act[wait], nxt[wait], size[wait], kind[wait], rule[wait] = towards[wait], sel[wait], 0, \
            KIND_CODES["wait"], self.rule_code("wait")
        act[stop], nxt[stop], size[stop], kind[stop], rule[stop] = _STOP, -1, 0, -1, self.rule_code("done")
        # an escalation that already ended without a selected dose stays stopped
        ended = started & (sel < 0)
        act[ended], nxt[ended], size[ended], kind[ended], rule[ended] = _STOP, -1, 0, -1, self.rule_code("done")
        return BatchDecision(act, nxt, size, kind, rule, self.rules, d.backfill, role, d.eliminated_from)
