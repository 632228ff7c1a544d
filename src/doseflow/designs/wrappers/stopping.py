"""Stopping rules that wrap any design: sample size, n at a dose, a minimum before stopping, too toxic.

Each wrapper asks its base design first, then may override (modelled on the selectors
``stop_at_n``, ``stop_when_n_at_dose``, ``demand_n_at_dose`` and ``stop_when_too_toxic`` of
Brock's R package *escalation*; Brock 2019, J Stat Softw). A base decision to wait for
pending outcomes is never turned into a stop: the trial first learns those outcomes.

Examples
--------
>>> from doseflow.core import TrialState
>>> from doseflow.designs.interval.boin import BOIN
>>> design = StopAtSampleSize(StopAtNAtDose(BOIN(target=0.3), n=6), max_n=30)
>>> d = design.decide(TrialState.from_outcomes(5, "1NNN 2NTN 2NTN"))
>>> d.action, d.rule
('stop', 'stop_at_n_at_dose.reached')
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, ClassVar

import numpy as np

from doseflow.core import Decision, MTDSelection, TrialState
from doseflow.designs.batch import ACTION_CODES, KIND_CODES, BatchDecision, BatchState
from doseflow.designs.beta_probability import beta_sf
from doseflow.designs.options import option, validate_options
from doseflow.designs.wrappers.base import Wrapper, override_batch, stop_decision
from doseflow.errors import ConfigError

__all__ = ["StopAtSampleSize", "StopAtNAtDose", "DemandNAtDose", "StopWhenTooToxic"]

_STOP, _STAY = ACTION_CODES["stop"], ACTION_CODES["stay"]
_WAIT = KIND_CODES["wait"]


def _move(current: int | None, to: int) -> str:
    if current is None or to == current:
        return "stay"
    return "escalate" if to > current else "de-escalate"


@dataclass(frozen=True, slots=True)
class StopAtSampleSize(Wrapper):
    """Stop once ``max_n`` patients have been enrolled; cut the last cohort to fit.

    Parameters
    ----------
    base : design
        The design wrapped.
    max_n : int >= 1
        Maximum sample size (patients of every role).

    Notes
    -----
    The trial stops, and the MTD is selected, once the total number of patients reaches
    ``max_n`` and no outcome is pending (with outcomes pending it waits for them first:
    rule ``stop_at_sample_size.wait_final``). A cohort that would pass ``max_n`` is cut to
    the places left, as ``BOIN::get.oc`` does with ``ncohort * cohortsize`` (Liu and Yuan
    2015; BOIN 2.7.2). Stops of the base design (e.g. level 1 eliminated) come first.
    This is also how a cap on a design with its own end (3+3) is applied: the trials it
    cuts are counted by the rule ``stop_at_sample_size.reached``.

    References
    ----------
    Brock MK (2019). trialr: Bayesian clinical trial designs in R and Stan;
    escalation: ``stop_at_n``. Yan F, Zhang L, Zhou Y, Pan H, Liu S, Yuan Y (2020).
    BOIN: an R package for designing single-agent and drug-combination dose-finding
    trials using Bayesian optimal interval designs. J Stat Softw 94(13).
    """

    base: Any = option(help="The design wrapped.", cli=False)
    max_n: int = option(help="Maximum sample size: the trial stops once this many patients are enrolled.",
                        minimum=1, maximum=100_000)

    name: ClassVar[str] = "stop_at_sample_size"
    title: ClassVar[str] = "Stop at a maximum sample size (the last cohort cut to fit)"
    citation: ClassVar[str] = "Brock MK (2019), R package escalation: stop_at_n."
    own_rules: ClassVar[tuple[str, ...]] = ("reached", "wait_final", "cut")

    def __post_init__(self) -> None:
        validate_options(self)

    def max_sample_size(self, n_levels: int) -> int:
        inner = self.base.max_sample_size(n_levels)
        return self.max_n if inner is None else min(inner, self.max_n)

    def decide(self, state: TrialState) -> Decision:
        d = self.base.decide(state)
        if d.action == "stop":
            return d
        total = state.n_patients
        if total >= self.max_n:
            if int(state.pending_per_dose.sum()) > 0:
                c = state.current_dose
                to = c if c not in d.eliminated else d.next_dose
                return replace(
                    d, action=_move(c, to), next_dose=to, cohort_size=0, cohort_kind="wait",
                    rule=f"{self.name}.wait_final",
                    reason=f"{total} patients have been enrolled, the maximum sample size {self.max_n}; wait for the "
                    "pending DLT outcomes before the MTD is selected.",
                )
            return stop_decision(
                d, f"{total} patients have been enrolled, the maximum sample size {self.max_n}; the trial stops "
                "and the MTD is selected.", f"{self.name}.reached",
            )
        room = self.max_n - total
        if d.cohort_size is not None and d.cohort_size > room:
            return replace(d, cohort_size=room, rule=f"{self.name}.cut",
                           reason=f"{d.reason} The cohort is cut to {room} to keep within the maximum sample size "
                           f"{self.max_n}.")
        return d

    def decide_batch(self, batch: BatchState) -> BatchDecision:
        d = self.base.decide_batch(batch)
        rules = self.rules
        total = batch.n.sum(axis=1)
        go = d.action != _STOP
        reached = go & (total >= self.max_n)
        pending = batch.pending.sum(axis=1) > 0
        out = d.with_rules(rules)
        waiting = reached & pending
        cur = batch.current
        elim_from = np.full(len(cur), batch.n_levels) if d.eliminated_from is None else d.eliminated_from
        to = np.where(cur < elim_from, cur, d.next_index)
        out = override_batch(out, np.flatnonzero(waiting), rules, rule=self.rule_code("wait_final"),
                             action="stay", next_index=to[waiting], cohort_size=0)
        rows = np.flatnonzero(waiting)
        out.action[rows] = np.where(to[rows] > cur[rows], ACTION_CODES["escalate"],
                                    np.where(to[rows] < cur[rows], ACTION_CODES["de-escalate"], _STAY))
        out = override_batch(out, np.flatnonzero(reached & ~pending), rules, rule=self.rule_code("reached"),
                             action="stop")
        cut = go & ~reached & (d.cohort_size > self.max_n - total)
        return override_batch(out, np.flatnonzero(cut), rules, rule=self.rule_code("cut"),
                              cohort_size=(self.max_n - total)[cut])


@dataclass(frozen=True, slots=True)
class StopAtNAtDose(Wrapper):
    """Stop when a dose has ``n`` patients (BOIN's ``n.earlystop``).

    Parameters
    ----------
    base : design
    n : int >= 1
        Patients at the dose that end the trial.
    when : {"stay", "current", "recommended"}
        ``"stay"`` (default): the current dose has ``n`` patients and the base design
        would stay there (``BOIN::get.oc`` 2.6.8 and later, including 2.7.2: stop "if
        the number of patients treated at the current dose reaches n.earlystop" and the
        dose would be kept, because escalation is impossible, de-escalation is impossible
        at level 1, or the rule says stay). ``"current"``: as soon as the current dose has
        ``n`` patients (BOIN up to 2.6.4). ``"recommended"``: when the dose the base design
        recommends next already has ``n`` patients (escalation's ``stop_when_n_at_dose``
        with ``dose = "recommended"``).

    Notes
    -----
    Patients of every role at the dose are counted. The MTD is then selected from the
    data by the base design.
    """

    base: Any = option(help="The design wrapped.", cli=False)
    n: int = option(help="Stop when a dose has this many patients (BOIN's n.earlystop).", minimum=1,
                    maximum=100_000)
    when: str = option("stay", help="stay: the current dose has n and the design would stay (BOIN 2.7.2); "
                       "current: as soon as the current dose has n (BOIN <= 2.6.4); recommended: the next "
                       "dose has n.", choices=("stay", "current", "recommended"))

    name: ClassVar[str] = "stop_at_n_at_dose"
    title: ClassVar[str] = "Stop when a dose has n patients (BOIN n.earlystop)"
    citation: ClassVar[str] = "Liu S, Yuan Y (2015), R package BOIN 2.7.2: get.oc n.earlystop."
    own_rules: ClassVar[tuple[str, ...]] = ("reached",)

    def __post_init__(self) -> None:
        validate_options(self)

    def _fires(self, counts: np.ndarray, current: np.ndarray, action: np.ndarray, nxt: np.ndarray,
               kind: np.ndarray) -> np.ndarray:
        rows = np.arange(len(current))
        go = (action != _STOP) & (kind != _WAIT) & (current >= 0)
        cur = np.maximum(current, 0)
        if self.when == "stay":
            return go & (action == _STAY) & (nxt == cur) & (counts[rows, cur] >= self.n)
        if self.when == "current":
            return go & (counts[rows, cur] >= self.n)
        return go & (counts[rows, np.maximum(nxt, 0)] >= self.n)

    def decide(self, state: TrialState) -> Decision:
        d = self.base.decide(state)
        counts = state.n_per_dose[None, :]
        cur = np.array([-1 if state.current_dose is None else state.current_dose - 1])
        kind = np.array([-1 if d.cohort_kind is None else KIND_CODES[d.cohort_kind]])
        nxt = np.array([-1 if d.next_dose is None else d.next_dose - 1])
        if not self._fires(counts, cur, np.array([ACTION_CODES[d.action]]), nxt, kind)[0]:
            return d
        level = state.current_dose if self.when != "recommended" else d.next_dose
        had = int(state.n_per_dose[level - 1])
        why = {"stay": ", and the design would stay there", "current": "",
               "recommended": ", and the design recommends it next"}[self.when]
        return stop_decision(
            d, f"Level {level} has {had} patients, reaching n = {self.n}{why}; the trial stops and the MTD is "
            "selected.", f"{self.name}.reached",
        )

    def decide_batch(self, batch: BatchState) -> BatchDecision:
        d = self.base.decide_batch(batch)
        fire = self._fires(batch.n, batch.current, d.action, d.next_index, d.cohort_kind)
        return override_batch(d.with_rules(self.rules), np.flatnonzero(fire), self.rules,
                              rule=self.rule_code("reached"), action="stop")


@dataclass(frozen=True, slots=True)
class DemandNAtDose(Wrapper):
    """Do not stop until the dose to be selected has ``n`` patients.

    Parameters
    ----------
    base : design
    n : int >= 1
        Patients required at the selected dose before a stop is accepted.

    Notes
    -----
    When the base design stops and would select a dose (``select_mtd``), but that dose
    has fewer than ``n`` patients, another cohort of the base design's first cohort size
    is treated there instead (escalation's ``demand_n_at_dose(dose = "recommended")``).
    Stops with no dose selected (too toxic) are never overridden.
    """

    base: Any = option(help="The design wrapped.", cli=False)
    n: int = option(help="Do not stop until the dose to be selected has this many patients.", minimum=1,
                    maximum=100_000)

    name: ClassVar[str] = "demand_n_at_dose"
    title: ClassVar[str] = "Continue until the selected dose has n patients"
    citation: ClassVar[str] = "Brock MK (2019), R package escalation: demand_n_at_dose."
    own_rules: ClassVar[tuple[str, ...]] = ("continue",)

    def __post_init__(self) -> None:
        validate_options(self)

    def max_sample_size(self, n_levels: int) -> int | None:
        inner = self.base.max_sample_size(n_levels)
        return None if inner is None else inner + n_levels * (self.n + self.base.first_cohort_size)

    def decide(self, state: TrialState) -> Decision:
        d = self.base.decide(state)
        if d.action != "stop":
            return d
        sel = self.base.select_mtd(state)
        if sel.dose is None:
            return d
        have = int(state.n_per_dose[sel.dose - 1])
        if have >= self.n:
            return d
        size = self.base.first_cohort_size
        return Decision(
            _move(state.current_dose, sel.dose), sel.dose,
            f"The design would stop and select level {sel.dose}, which has {have} patients; treat {size} more "
            f"there until it has {self.n}.",
            d.eliminated, f"{self.name}.continue", size,
        )

    def decide_batch(self, batch: BatchState) -> BatchDecision:
        d = self.base.decide_batch(batch)
        rows = np.flatnonzero(d.action == _STOP)
        if not rows.size:
            return d.with_rules(self.rules)
        mtd = self.base.select_mtd_batch(batch.take(rows))
        have = batch.n[rows, np.maximum(mtd, 0)]
        more = (mtd >= 0) & (have < self.n)
        rows, mtd = rows[more], mtd[more]
        cur = batch.current[rows]
        action = np.where(mtd > cur, ACTION_CODES["escalate"], np.where(mtd < cur, ACTION_CODES["de-escalate"], _STAY))
        out = override_batch(d.with_rules(self.rules), rows, self.rules, rule=self.rule_code("continue"),
                             action="stay", next_index=mtd, cohort_size=self.base.first_cohort_size)
        out.action[rows] = action
        return out


@dataclass(frozen=True, slots=True)
class StopWhenTooToxic(Wrapper):
    """Stop with no MTD when a level is too toxic with high posterior probability.

    Parameters
    ----------
    base : design
    level : int >= 1
        The level watched (1: "the lowest dose is too toxic").
    threshold : float in (0, 1) or None
        DLT rate that is too toxic; None: the base design's target.
    confidence : float in (0, 1)
        Stop when P(DLT rate at ``level`` > threshold | data) >= confidence (0.9).
    min_n : int >= 1
        The rule applies once the level has this many evaluated patients.
    prior_a, prior_b : float > 0
        Beta prior of the DLT rate at the level when the base design has no posterior of
        its own (Beta(1, 1) by default, as BOIN's safety rule).

    Notes
    -----
    The probability comes from the base design's own posterior when it has one
    (``prob_tox_exceeds_counts(n, y, threshold)``, e.g. the CRM or the BLRM; looked for
    through the wrappers between, such as no skipping), otherwise from the
    beta-binomial posterior Beta(a + y, b + n - y) of the level alone (Liu and Yuan 2015,
    sect. 2.3; escalation's ``stop_when_too_toxic``). When the rule fires the trial stops
    and no dose is selected.
    """

    base: Any = option(help="The design wrapped.", cli=False)
    level: int = option(1, help="The dose level watched (1: the lowest).", minimum=1)
    threshold: float | None = option(None, help="DLT rate that is too toxic (default: the design's target).",
                                     minimum=0.0, maximum=1.0, exclusive=True)
    confidence: float = option(0.9, help="Stop when P(DLT rate > threshold) reaches this.", minimum=0.0,
                               maximum=1.0, exclusive=True)
    min_n: int = option(3, help="The rule applies once the level has this many evaluated patients.", minimum=1)
    prior_a: float = option(1.0, help="Beta prior a of the level's DLT rate.", minimum=0.0, exclusive=True)
    prior_b: float = option(1.0, help="Beta prior b of the level's DLT rate.", minimum=0.0, exclusive=True)

    name: ClassVar[str] = "stop_when_too_toxic"
    title: ClassVar[str] = "Stop when a level is too toxic by posterior probability"
    citation: ClassVar[str] = "Brock MK (2019), R package escalation: stop_when_too_toxic."
    own_rules: ClassVar[tuple[str, ...]] = ("stop", "no_mtd")

    def __post_init__(self) -> None:
        validate_options(self)
        if self.threshold is None and self.base.target is None:
            raise ConfigError("StopWhenTooToxic.threshold", "a DLT rate (the base design has no target)", None)

    @property
    def tox_threshold(self) -> float:
        return float(self.threshold if self.threshold is not None else self.base.target)

    def prob_too_toxic(self, n: np.ndarray, y: np.ndarray) -> np.ndarray:
        """P(DLT rate > threshold) at the watched level, from evaluated ``n`` and DLTs ``y`` (trials, levels).

        The base design's posterior (``prob_tox_exceeds_counts``) when it has one, else
        Beta(a + y, b + n - y) of the level alone.
        """
        i = self.level - 1
        if i >= n.shape[1]:
            raise ConfigError("StopWhenTooToxic.level", f"a dose level from 1 to {n.shape[1]}", self.level)
        own = _posterior_of_chain(self.base)
        if own is not None:
            return np.asarray(own(n, y, self.tox_threshold))[:, i]
        return beta_sf(self.tox_threshold, self.prior_a + y[:, i], self.prior_b + n[:, i] - y[:, i])

    def _fires_batch(self, n: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n = np.asarray(n, dtype=np.int64)
        y = np.asarray(y, dtype=np.int64)
        p = self.prob_too_toxic(n, y)
        return (n[:, self.level - 1] >= self.min_n) & (p >= self.confidence), p

    def _fires(self, state: TrialState) -> tuple[bool, float]:
        fire, p = self._fires_batch(state.evaluated_per_dose[None, :], state.dlt_per_dose[None, :])
        return bool(fire[0]), float(p[0])

    def decide(self, state: TrialState) -> Decision:
        d = self.base.decide(state)
        if d.cohort_kind == "wait":
            return d
        fires, p = self._fires(state)
        if not fires:
            return d
        i = self.level - 1
        return stop_decision(
            d, f"Level {self.level} is too toxic: {int(state.dlt_per_dose[i])} DLT(s) in "
            f"{int(state.evaluated_per_dose[i])} patients give P(DLT rate > {self.tox_threshold:g}) = {p:.3f} >= "
            f"{self.confidence:g}; the trial stops with no MTD.", f"{self.name}.stop",
        )

    def select_mtd(self, state: TrialState) -> MTDSelection:
        fires, p = self._fires(state)
        sel = self.base.select_mtd(state)
        if not fires:
            return sel
        return MTDSelection(None, sel.estimates, f"Level {self.level} is too toxic (P(DLT rate > "
                            f"{self.tox_threshold:g}) = {p:.3f}): no dose is selected.", f"{self.name}.no_mtd")

    def decide_batch(self, batch: BatchState) -> BatchDecision:
        d = self.base.decide_batch(batch)
        fire = self._fires_batch(batch.evaluated, batch.y)[0] & (d.cohort_kind != _WAIT)
        return override_batch(d.with_rules(self.rules), np.flatnonzero(fire), self.rules,
                              rule=self.rule_code("stop"), action="stop")

    def select_mtd_batch(self, batch: BatchState, cache: dict | None = None) -> np.ndarray:
        pick = self.base.select_mtd_batch(batch, cache)
        return np.where(self._fires_batch(batch.evaluated, batch.y)[0], -1, pick)


def _posterior_of_chain(design: Any):
    """The ``prob_tox_exceeds_counts`` of the first design of the chain that has one, or None."""
    while design is not None:
        own = getattr(design, "prob_tox_exceeds_counts", None)
        if own is not None:
            return own
        design = getattr(design, "base", None)
    return None
