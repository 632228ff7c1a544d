"""Vectorised dose escalation over many simulated trials at once.

Simulated patients carry their *potential outcomes*: whether they would have a DLT at each
dose level (and, for accelerated titration, a grade >= 2 related toxicity). A classic
scenario draws them from one latent uniform per patient, ``u_i < p_level`` (so a patient
with a DLT at a level would also have one at every higher level), as in Brock's
*escalation* package, so the same virtual patients can be reused across designs and
comparisons are paired. The in-silico trial gives them from simulated pharmacology.

The engine advances every active trial by one cohort per step, in arrays of shape
(trials, levels). A design's decision comes from its vectorised ``decide_batch`` kernel
when it has one; otherwise from its scalar ``decide`` evaluated once per *distinct* count
state among the trials (states repeat heavily), so there is never a Python loop over
trials and the scalar rule stays the single source of truth.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from doseflow.core import DosePlan, TrialState
from doseflow.designs.base import ACTION_CODES

__all__ = ["EscalationRun", "run_escalation", "decide_by_state", "select_mtd_by_state"]

_STOP = ACTION_CODES["stop"]


@dataclass(frozen=True)
class EscalationRun:
    """The outcome of :func:`run_escalation`.

    Attributes
    ----------
    level : ndarray of int, (trials, patients)
        0-based level each simulated patient was treated at; -1 if not enrolled.
    cohort : ndarray of int, (trials, patients)
        1-based cohort number of each patient; 0 if not enrolled.
    dlt : ndarray of bool, (trials, patients)
        Whether the patient had a DLT (False if not enrolled).
    n, y : ndarray of int, (trials, levels)
        Patients and DLTs per level at the end.
    stopped_early : ndarray of bool, (trials,)
        The design stopped the trial (rather than the sample size running out).
    mtd : ndarray of int, (trials,)
        0-based level selected as MTD, -1 for none.
    """

    level: np.ndarray
    cohort: np.ndarray
    dlt: np.ndarray
    n: np.ndarray
    y: np.ndarray
    stopped_early: np.ndarray
    mtd: np.ndarray

    @property
    def sample_size(self) -> np.ndarray:
        return self.n.sum(axis=1)


def _state_keys(n: np.ndarray, y: np.ndarray, extra: np.ndarray, current: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    keys = np.concatenate([n, y, extra, current[:, None]], axis=1)
    return np.unique(keys, axis=0, return_inverse=True)


def decide_by_state(design, n: np.ndarray, y: np.ndarray, current: np.ndarray, g2: np.ndarray | None = None):
    """Scalar ``decide`` once per distinct (n, y, grade-2, current) state; arrays back.

    Returns ``(action_code, next_index, cohort_size)`` arrays over trials.
    """
    k = n.shape[1]
    extra = np.zeros_like(n) if g2 is None else g2
    uniq, inverse = _state_keys(n, y, extra, current)
    act = np.empty(len(uniq), dtype=np.int64)
    nxt = np.empty(len(uniq), dtype=np.int64)
    size = np.empty(len(uniq), dtype=np.int64)
    for j, row in enumerate(uniq):
        state = TrialState.from_counts(
            k, row[:k].tolist(), row[k : 2 * k].tolist(), int(row[-1]) + 1,
            grade2=None if g2 is None else row[2 * k : 3 * k].tolist(),
        )
        d = design.decide(state)
        act[j] = ACTION_CODES[d.action]
        nxt[j] = -1 if d.next_dose is None else d.next_dose - 1
        size[j] = 0 if d.cohort_size is None else d.cohort_size
    inverse = inverse.reshape(-1)
    return act[inverse], nxt[inverse], size[inverse]


@lru_cache(maxsize=262_144)
def _mtd_of_counts(design, key: tuple[int, ...]) -> int:
    """0-based MTD (-1 none) of the count state ``key`` = n + y (memoised across chunks)."""
    k = len(key) // 2
    n, y = list(key[:k]), list(key[k:])
    current = max((i + 1 for i in range(k) if n[i] > 0), default=None)
    sel = design.select_mtd(TrialState.from_counts(k, n, y, current))
    return -1 if sel.dose is None else sel.dose - 1


def select_mtd_by_state(design, n: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Scalar ``select_mtd`` once per distinct final count state; 0-based MTD (-1 none).

    Results are memoised per (design, counts), so states repeated across chunks of a
    simulation are selected once (designs are frozen and hashable).
    """
    uniq, inverse = np.unique(np.concatenate([n, y], axis=1), axis=0, return_inverse=True)
    out = np.fromiter((_mtd_of_counts(design, tuple(row.tolist())) for row in uniq), dtype=np.int64, count=len(uniq))
    return out[inverse.reshape(-1)]


def run_escalation(
    design,
    dlt_outcomes: np.ndarray,
    *,
    max_n: int,
    start_level: int = 0,
    grade2_outcomes: np.ndarray | None = None,
) -> EscalationRun:
    """Run ``design`` on simulated patients with known potential outcomes.

    Parameters
    ----------
    design
        Any doseflow design (``decide``/``select_mtd``; ``decide_batch`` used if present
        and no grade-2 outcomes are given).
    dlt_outcomes : ndarray of bool, (trials, patients, levels)
        Whether patient ``i`` of trial ``t`` would have a DLT at each level; patients are
        enrolled in order. ``patients`` must be at least ``max_n``.
    max_n : int
        Maximum sample size per trial.
    start_level : int
        0-based starting level.
    grade2_outcomes : ndarray of bool, optional
        Whether the patient would have a related grade >= 2 toxicity (without DLT) at each
        level, for designs that use it (accelerated titration).

    Returns
    -------
    EscalationRun
    """
    trials, patients, k = dlt_outcomes.shape
    if patients < max_n:
        raise ValueError(f"dlt_outcomes has {patients} patients per trial; max_n is {max_n}")
    n = np.zeros((trials, k), dtype=np.int64)
    y = np.zeros((trials, k), dtype=np.int64)
    g2 = np.zeros((trials, k), dtype=np.int64) if grade2_outcomes is not None else None
    level = np.full((trials, patients), -1, dtype=np.int64)
    cohort = np.zeros((trials, patients), dtype=np.int64)
    dlt = np.zeros((trials, patients), dtype=bool)
    current = np.full(trials, start_level, dtype=np.int64)
    enrolled = np.zeros(trials, dtype=np.int64)
    active = np.ones(trials, dtype=bool)
    stopped = np.zeros(trials, dtype=bool)
    size = np.full(trials, int(getattr(design, "cohort_size", 3) or 3), dtype=np.int64)
    if g2 is not None or not hasattr(design, "decide_batch"):
        # the first cohort's level and size come from the design's decision on the empty trial
        first = design.decide(TrialState(DosePlan.of_size(k)))
        if first.cohort_size:
            size[:] = first.cohort_size
        if first.next_dose is not None:
            current[:] = first.next_dose - 1
    rows = np.arange(trials)
    step = 0
    while active.any():
        step += 1
        t_idx = rows[active]
        c = np.minimum(size[t_idx], max_n - enrolled[t_idx])
        for j in range(int(c.max(initial=0))):
            m = c > j
            tt = t_idx[m]
            p = enrolled[tt] + j
            lv = current[tt]
            out = dlt_outcomes[tt, p, lv]
            level[tt, p] = lv
            cohort[tt, p] = step
            dlt[tt, p] = out
            np.add.at(n, (tt, lv), 1)
            np.add.at(y, (tt, lv), out.astype(np.int64))
            if g2 is not None:
                np.add.at(g2, (tt, lv), (grade2_outcomes[tt, p, lv] & ~out).astype(np.int64))
        enrolled[t_idx] += c
        if g2 is None and hasattr(design, "decide_batch"):
            act, nxt = design.decide_batch(n[t_idx], y[t_idx], current[t_idx])
            csz = size[t_idx]
        else:
            act, nxt, csz = decide_by_state(design, n[t_idx], y[t_idx], current[t_idx], None if g2 is None else g2[t_idx])
        stop_now = act == _STOP
        stopped[t_idx[stop_now]] = True
        go = ~stop_now
        current[t_idx[go]] = nxt[go]
        size[t_idx[go]] = np.where(csz[go] > 0, csz[go], size[t_idx[go]])
        full = enrolled[t_idx] >= max_n
        active[t_idx[stop_now | full]] = False
        if step > 10 * max_n:  # a design that never enrols (cohort size 0 forever)
            raise RuntimeError("escalation did not progress: a design kept cohort size 0")
    mtd = select_mtd_by_state(design, n, y)
    return EscalationRun(level, cohort, dlt, n, y, stopped, mtd)
