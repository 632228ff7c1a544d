"""Many simulated trials at once: the batch state a design's vectorised kernel decides from.

A design's scalar ``decide(state)`` is the reference; its ``decide_batch(batch)`` applies
the same rule to many trials at once (arrays over trials) and must agree with it on every
state (hypothesis property tests in the conformance suite). The batch state carries what
any design may need: per-level counts of patients, DLTs and pending outcomes, the summed
follow-up of pending patients, the current level, and per-patient detail (level, outcome,
worst grade, follow-up, role) for rules that need more than counts (accelerated
titration, TITE-CRM).

:func:`decide_distinct_states` is the kernel of a design whose decision depends on the
per-level counts and current level only and that has no hand-written kernel: the scalar
rule runs once per *distinct* state among the trials (states repeat heavily), never once
per trial.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from doseflow.core import COHORT_KINDS, Decision, DosePlan, PatientRecord, TrialState

__all__ = [
    "ACTION_CODES",
    "KIND_CODES",
    "ROLE_CODES",
    "PatientArrays",
    "BatchState",
    "BatchDecision",
    "batch_from_states",
    "decisions_to_batch",
    "decide_distinct_states",
    "select_mtd_distinct_states",
]

#: Integer codes of actions in batch kernels.
ACTION_CODES: dict[str, int] = {"de-escalate": -1, "stay": 0, "escalate": 1, "stop": 2}
#: Integer codes of ``Decision.cohort_kind`` ("exact", "up_to", "wait"); -1 when stopping.
KIND_CODES: dict[str, int] = {k: i for i, k in enumerate(COHORT_KINDS)}
#: Integer codes of patient roles.
ROLE_CODES: dict[str, int] = {"escalation": 0, "backfill": 1, "expansion": 2}

_STOP = ACTION_CODES["stop"]


@dataclass(frozen=True, slots=True, eq=False)
class PatientArrays:
    """Per-patient detail of many trials, arrays of shape (trials, patients), enrolment order.

    ``level`` is the 0-based level (-1: slot not used yet); ``outcome`` 1 = DLT, 0 = no
    DLT, -1 = pending or not enrolled; ``grade`` the worst related toxicity grade known
    (0-5); ``followup`` the share of the DLT window completed (1 once the outcome is
    known); ``role`` codes of :data:`ROLE_CODES`; ``cohort`` the 1-based cohort (0: not
    enrolled); ``dlt_share`` the day of the DLT after enrolment as a share of the DLT
    window for a patient whose DLT is known with its day (the TITE-CRM's adaptive weights
    read the times to DLT; Cheung and Chappell 2000, sect. 2), 0 otherwise.
    """

    level: np.ndarray
    outcome: np.ndarray
    grade: np.ndarray
    followup: np.ndarray
    role: np.ndarray
    cohort: np.ndarray
    dlt_share: np.ndarray

    def take(self, rows: np.ndarray) -> "PatientArrays":
        return PatientArrays(*(getattr(self, f)[rows] for f in ("level", "outcome", "grade", "followup", "role",
                                                                 "cohort", "dlt_share")))


@dataclass(frozen=True, slots=True, eq=False)
class BatchState:
    """The state of many trials of one design, as arrays over trials (rows).

    Attributes
    ----------
    n : int array (trials, levels)
        Patients enrolled per level, outcome known or pending, every role.
    y : int array (trials, levels)
        DLTs observed per level.
    pending : int array (trials, levels)
        Patients per level still in the DLT window.
    current : int array (trials,)
        0-based current level; -1 before the first patient.
    followup : float array (trials, levels), optional
        Sum over the pending patients of a level of their completed share of the window.
    patients : PatientArrays, optional
        Per-patient detail.
    arrival_first : bool array (trials,), optional
        Calendar-time simulation: the trials whose next event is a patient's arrival (no
        pending outcome becomes known before it). In the other trials the simulator
        enrols an ``up_to`` cohort only after the next outcome, when it asks again, and
        reads of this decision only whether the design stops or waits: a design that
        enrols "up to" n may skip computing its next level there. None: every trial.
    """

    n: np.ndarray
    y: np.ndarray
    pending: np.ndarray
    current: np.ndarray
    followup: np.ndarray | None = None
    patients: PatientArrays | None = None
    arrival_first: np.ndarray | None = None

    @property
    def n_trials(self) -> int:
        return self.n.shape[0]

    @property
    def n_levels(self) -> int:
        return self.n.shape[1]

    @property
    def evaluated(self) -> np.ndarray:
        """Patients per level whose outcome is known."""
        return self.n - self.pending

    def take(self, rows: np.ndarray) -> "BatchState":
        """The sub-batch of the given rows (indices or a boolean mask)."""
        return BatchState(
            self.n[rows], self.y[rows], self.pending[rows], self.current[rows],
            None if self.followup is None else self.followup[rows],
            None if self.patients is None else self.patients.take(rows),
            None if self.arrival_first is None else self.arrival_first[rows],
        )

    def state(self, row: int, plan: DosePlan | None = None) -> TrialState:
        """Trial ``row`` as a :class:`TrialState` (for the scalar rule and for messages).

        With per-patient detail the records are rebuilt patient by patient; otherwise
        from the counts (:meth:`TrialState.from_counts`).
        """
        k = self.n_levels
        plan = plan or DosePlan.of_size(k)
        cur = int(self.current[row])
        current = None if cur < 0 else cur + 1
        if self.patients is None:
            if self.n[row].sum() == 0:
                return TrialState(plan)
            return TrialState.from_counts(plan, self.n[row].tolist(), self.y[row].tolist(), current,
                                          pending=self.pending[row].tolist())
        p = self.patients
        roles = {v: k_ for k_, v in ROLE_CODES.items()}
        records = []
        for j in np.flatnonzero(p.level[row] >= 0):
            o = int(p.outcome[row, j])
            records.append(PatientRecord(
                f"P{j + 1}", int(p.level[row, j]) + 1, None if o < 0 else bool(o), cohort=int(p.cohort[row, j]),
                worst_grade=int(p.grade[row, j]), role=roles[int(p.role[row, j])],
                followup_day=float(p.followup[row, j]) if o < 0 else None,
            ))
        return TrialState(plan, tuple(records), current)


@dataclass(frozen=True, slots=True, eq=False)
class BatchDecision:
    """Decisions for many trials: the array form of :class:`~doseflow.core.Decision`.

    ``action`` codes of :data:`ACTION_CODES`; ``next_index`` 0-based (-1: stop);
    ``cohort_size`` (0: wait or stop); ``cohort_kind`` codes of :data:`KIND_CODES` (-1:
    stop); ``rule`` indices into ``rules``, the design's rule vocabulary; ``backfill``
    (trials, levels) boolean, levels open to backfill, or None; ``role`` codes of
    :data:`ROLE_CODES` of the patients to enrol next, or None (escalation);
    ``eliminated_from`` the 0-based lowest eliminated level (every level from it up is
    eliminated; the number of levels when none is), or None when the design eliminates
    nothing.
    """

    action: np.ndarray
    next_index: np.ndarray
    cohort_size: np.ndarray
    cohort_kind: np.ndarray
    rule: np.ndarray
    rules: tuple[str, ...]
    backfill: np.ndarray | None = None
    role: np.ndarray | None = None
    eliminated_from: np.ndarray | None = None

    def take(self, rows: np.ndarray) -> "BatchDecision":
        """The decisions of the given rows."""
        return BatchDecision(self.action[rows], self.next_index[rows], self.cohort_size[rows],
                             self.cohort_kind[rows], self.rule[rows], self.rules,
                             None if self.backfill is None else self.backfill[rows],
                             None if self.role is None else self.role[rows],
                             None if self.eliminated_from is None else self.eliminated_from[rows])

    def with_rules(self, rules: tuple[str, ...]) -> "BatchDecision":
        """The same decisions over a larger vocabulary that starts with this one (wrappers)."""
        return BatchDecision(self.action, self.next_index, self.cohort_size, self.cohort_kind, self.rule, rules,
                             self.backfill, self.role, self.eliminated_from)

    @cached_property
    def stop(self) -> np.ndarray:
        return self.action == _STOP

    def rule_ids(self) -> list[str]:
        """The rule id of each trial's decision."""
        return [self.rules[i] for i in self.rule]


def batch_from_states(states: Sequence[TrialState], *, window_days: float | None = None,
                      patients: bool = True) -> BatchState:
    """Stack scalar trial states into a batch (the conformance suite uses it).

    ``window_days`` turns each pending patient's ``followup_day``, and each DLT's
    ``dlt_day``, into a share of the window; without it a pending patient's follow-up
    share is 0, and so is every DLT's share.
    """
    k = states[0].n_levels
    t = len(states)
    n = np.array([s.n_per_dose for s in states], dtype=np.int64).reshape(t, k)
    y = np.array([s.dlt_per_dose for s in states], dtype=np.int64).reshape(t, k)
    pend = np.array([s.pending_per_dose for s in states], dtype=np.int64).reshape(t, k)
    cur = np.array([-1 if s.current_dose is None else s.current_dose - 1 for s in states], dtype=np.int64)
    width = max((s.n_patients for s in states), default=0)
    level = np.full((t, width), -1, dtype=np.int64)
    outcome = np.full((t, width), -1, dtype=np.int8)
    grade = np.zeros((t, width), dtype=np.int8)
    fup = np.ones((t, width))
    role = np.zeros((t, width), dtype=np.int8)
    cohort = np.zeros((t, width), dtype=np.int64)
    dlt_share = np.zeros((t, width))
    fsum = np.zeros((t, k))
    for i, s in enumerate(states):
        for j, r in enumerate(s.records):
            level[i, j] = r.dose_level - 1
            outcome[i, j] = -1 if r.dlt is None else int(r.dlt)
            grade[i, j] = r.worst_grade if r.worst_grade is not None else (3 if r.dlt else 0)
            role[i, j] = ROLE_CODES[r.role]
            cohort[i, j] = r.cohort
            if r.dlt and window_days and r.dlt_day is not None:
                dlt_share[i, j] = r.dlt_day / window_days
            if r.dlt is None:
                share = 0.0
                if window_days and r.followup_day is not None:
                    share = min(r.followup_day / window_days, 1.0)
                fup[i, j] = share
                fsum[i, r.dose_level - 1] += share
    pa = PatientArrays(level, outcome, grade, fup, role, cohort, dlt_share) if patients else None
    return BatchState(n, y, pend, cur, fsum, pa)


def decisions_to_batch(decisions: Sequence[Decision], rules: tuple[str, ...], n_levels: int) -> BatchDecision:
    """Scalar decisions as a :class:`BatchDecision` over the vocabulary ``rules``."""
    index = {r: i for i, r in enumerate(rules)}
    act = np.array([ACTION_CODES[d.action] for d in decisions], dtype=np.int64)
    nxt = np.array([-1 if d.next_dose is None else d.next_dose - 1 for d in decisions], dtype=np.int64)
    size = np.array([d.cohort_size or 0 for d in decisions], dtype=np.int64)
    kind = np.array([-1 if d.cohort_kind is None else KIND_CODES[d.cohort_kind] for d in decisions], dtype=np.int64)
    rule = np.array([index[d.rule] for d in decisions], dtype=np.int64)
    backfill = None
    if any(d.backfill for d in decisions):
        backfill = np.zeros((len(decisions), n_levels), dtype=bool)
        for i, d in enumerate(decisions):
            backfill[i, [lv - 1 for lv in d.backfill]] = True
    role = None
    if any(d.role != "escalation" for d in decisions):
        role = np.array([ROLE_CODES[d.role] for d in decisions], dtype=np.int64)
    elim = np.array([min(d.eliminated) - 1 if d.eliminated else n_levels for d in decisions], dtype=np.int64)
    return BatchDecision(act, nxt, size, kind, rule, rules, backfill, role, elim)


def _distinct(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First row index of each distinct key row, and each row's group."""
    keys = np.ascontiguousarray(keys)
    view = keys.view(np.dtype((np.void, keys.dtype.itemsize * keys.shape[1])))
    _, first, inverse = np.unique(view.ravel(), return_index=True, return_inverse=True)
    return first, inverse.reshape(-1)


def decide_distinct_states(design, batch: BatchState) -> BatchDecision:
    """A design's scalar ``decide`` once per distinct (counts, pending, current) state.

    Valid for designs whose rule depends on the per-level patient, DLT and pending counts
    and the current level only (3+3, rolling six, the interval designs); the scalar rule
    is then the kernel, so the two cannot disagree.
    """
    keys = np.concatenate([batch.n, batch.y, batch.pending, batch.current[:, None]], axis=1)
    first, inverse = _distinct(keys)
    decisions = [design.decide(batch.state(int(i))) for i in first]
    d = decisions_to_batch(decisions, design.rules, batch.n_levels)
    return d.take(inverse)


def select_mtd_distinct_states(design, batch: BatchState, cache: dict | None = None) -> np.ndarray:
    """A design's scalar ``select_mtd`` once per distinct (counts, pending) state; 0-based, -1 none.

    ``cache`` (a dict) keeps selections across calls, e.g. across the chunks of one run.
    """
    keys = np.concatenate([batch.n, batch.y, batch.pending], axis=1).astype(np.int64)
    first, inverse = _distinct(keys)
    k = batch.n_levels
    cache = {} if cache is None else cache
    out = np.empty(len(first), dtype=np.int64)
    for j, i in enumerate(first):
        key = keys[i].tobytes()
        if key not in cache:
            n, y, p = keys[i, :k], keys[i, k:2 * k], keys[i, 2 * k:]
            current = max((lv + 1 for lv in range(k) if n[lv] > 0), default=None)
            state = (TrialState(DosePlan.of_size(k)) if current is None else
                     TrialState.from_counts(k, n.tolist(), y.tolist(), current, pending=p.tolist()))
            sel = design.select_mtd(state)
            cache[key] = -1 if sel.dose is None else sel.dose - 1
        out[j] = cache[key]
    return out[inverse]
