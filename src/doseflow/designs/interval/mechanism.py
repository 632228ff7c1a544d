"""The shared mechanism of the interval designs (BOIN, keyboard, mTPI-2, i3+3).

An interval design is defined, for each number n of evaluated patients at the current
level, by three cut-offs on the DLT count y there: escalate if ``y <= e(n)``,
de-escalate if ``y >= d(n)``, and eliminate the level and every higher one if
``y >= x(n)``; otherwise stay. The designs differ only in how e(n) and d(n) are
derived; x(n) is the Bayesian safety rule they share (Liu and Yuan 2015, sect. 2.3):
eliminate when ``P(p > target | y, n) > 0.95`` under a Beta(1, 1) prior, once n >= 3.
The decision logic below is written once for all of them: :meth:`IntervalDesign.decide`
(one trial, with a plain-sentence reason, the reference) and
:meth:`IntervalDesign.decide_batch` (many simulated trials at once, by array look-ups into
the cut-off tables; property-tested against ``decide``). Stopping at a sample size or at
n patients on a level (BOIN's ``n.earlystop``) are wrappers
(:mod:`doseflow.designs.wrappers.stopping`), as in Brock's *escalation* package.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar

import numpy as np

from doseflow.checks import check_int
from doseflow.core import Decision, MTDSelection, TrialState
from doseflow.designs.base import DecisionTable, DesignBase
from doseflow.designs.batch import ACTION_CODES, KIND_CODES, BatchDecision, BatchState
from doseflow.designs.beta_probability import beta_sf
from doseflow.designs.interval.isotonic import (
    compute_isotonic_batch,
    compute_isotonic_regression,
    select_closest_isotonic_batch,
)
from doseflow.designs.options import option, validate_options
from doseflow.errors import ConfigError

__all__ = [
    "INTERVAL_RULES",
    "IntervalDesign",
    "compute_elimination_boundary",
    "compute_eliminated",
    "describe_counts",
    "select_isotonic_mtd",
]

_ESCALATE, _STAY, _DEESCALATE, _STOP = (ACTION_CODES[a] for a in ("escalate", "stay", "de-escalate", "stop"))
_EXACT, _WAIT = KIND_CODES["exact"], KIND_CODES["wait"]
#: The rules of every interval design, in the order of their batch codes.
INTERVAL_RULES: tuple[str, ...] = (
    "start", "stop_lowest_eliminated", "eliminate", "wait_pending", "escalate", "stay_highest",
    "stay_next_eliminated", "deescalate", "stay_lowest", "stay",
)
_R = {r: i for i, r in enumerate(INTERVAL_RULES)}


def compute_elimination_boundary(
    target: float, max_n: int, cutoff: float = 0.95, min_n: int = 3
) -> np.ndarray:
    """Smallest DLT count that eliminates a level, for n = 0..max_n.

    Parameters
    ----------
    target : float in (0, 1)
        Target DLT rate phi.
    max_n : int >= 0
        Largest number of evaluated patients tabulated.
    cutoff : float in (0, 1)
        Posterior probability above which a level is eliminated (0.95 by default).
    min_n : int >= 1
        Elimination applies only once a level has at least this many patients.

    Returns
    -------
    numpy.ndarray of int, length max_n + 1
        ``x[n]``: eliminate if DLTs >= x[n]; ``n + 1`` (never reached) where no count
        eliminates, including every n < min_n.

    Notes
    -----
    With a Beta(1, 1) prior the posterior of the DLT rate is Beta(y + 1, n - y + 1);
    the level is eliminated when ``1 - F(target; y + 1, n - y + 1) > cutoff`` (Liu and
    Yuan 2015, sect. 2.3; Yan, Mandrekar and Yuan 2017, "overdose control"). As in
    ``BOIN::get.boundary`` the search starts at y = 1: no level is eliminated without a
    DLT. The probability increases with y, so x[n] is a threshold.

    Examples
    --------
    >>> compute_elimination_boundary(0.3, 6).tolist()
    [1, 2, 3, 3, 3, 4, 4]
    """
    ns = np.arange(max_n + 1)
    out = ns + 1
    ys = np.arange(1, max_n + 1)
    if max_n >= 1:
        nn, yy = np.meshgrid(ns, ys, indexing="ij")
        valid = (yy <= nn) & (nn >= min_n)
        prob = beta_sf(target, yy + 1.0, np.maximum(nn - yy, 0) + 1.0)
        hit = valid & (prob > cutoff)
        out = np.where(hit.any(axis=1), ys[np.argmax(hit, axis=1)], out)
    return out.astype(np.int64)


def compute_eliminated(n: np.ndarray, y: np.ndarray, x_table: np.ndarray) -> np.ndarray:
    """Which levels are eliminated: own DLTs >= x(n), or a lower level's (any shape (..., K))."""
    own = np.asarray(y) >= x_table[np.asarray(n)]
    return np.logical_or.accumulate(own, axis=-1)


@lru_cache(maxsize=256)
def _tables(design: "IntervalDesign", size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ns = np.arange(size + 1)
    x = compute_elimination_boundary(design.target, size, design.elimination_cutoff, design.elimination_min_n)
    e = np.full(size + 1, -1, dtype=np.int64)
    d = ns + 1
    if size >= 1:
        e1, d1 = design.compute_cutoffs(ns[1:])
        e[1:] = e1
        d[1:] = d1
    # As BOIN::get.boundary: the de-escalation cut-off never exceeds the elimination one.
    d = np.minimum(d, x).astype(np.int64)
    for arr in (e, d, x):
        arr.setflags(write=False)
    return e, d, x


def _dlts(k: int) -> str:
    return f"{k} DLT" if k == 1 else f"{k} DLTs"


def describe_counts(n: int, y: int, level: int) -> str:
    """``"2 DLTs in 3 patients at level 3 (67%)"``: the data a reason cites."""
    return f"{_dlts(y)} in {n} patient{'s' if n != 1 else ''} at level {level} ({100 * y / n:.0f}%)"


@dataclass(frozen=True, slots=True)
class IntervalDesign(DesignBase, ABC):
    """Base of the interval designs: configuration shared by all and the decision logic.

    Subclasses set the ClassVars ``name``, ``title`` and ``citation`` and implement
    :meth:`compute_cutoffs` (e(n), d(n)), :meth:`describe_verdict` (the clause of the
    reason naming their own rule) and ``select_mtd``; everything else is here.

    Parameters
    ----------
    target : float in (0, 1)
        Target DLT rate.
    cohort_size : int >= 1
        Patients per cohort.
    start_dose : int >= 1
        1-based level of the first cohort.
    elimination_cutoff : float in (0, 1)
        Eliminate a level when P(DLT rate > target | data) exceeds this (0.95).
    elimination_min_n : int >= 1
        Elimination applies once a level has this many evaluated patients (3).
    """

    target: float = option(help="Target DLT rate.", minimum=0.0, maximum=1.0, exclusive=True)
    cohort_size: int = option(3, help="Patients per cohort.", minimum=1, maximum=100)
    start_dose: int = option(1, help="1-based dose level of the first cohort.", minimum=1)
    elimination_cutoff: float = option(
        0.95, help="Eliminate a level (and all above it) when P(DLT rate > target | data) exceeds this.",
        minimum=0.0, maximum=1.0, exclusive=True)
    elimination_min_n: int = option(
        3, help="The elimination rule applies once a level has this many evaluated patients.", minimum=1)

    name: ClassVar[str] = "interval"

    def __post_init__(self) -> None:
        validate_options(self)

    @property
    def rules(self) -> tuple[str, ...]:
        return tuple(f"{self.name}.{r}" for r in INTERVAL_RULES)

    @property
    def first_cohort_size(self) -> int:
        return self.cohort_size

    # ----- what each design supplies --------------------------------------------------
    @abstractmethod
    def compute_cutoffs(self, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Escalation and de-escalation cut-offs e(n), d(n) on the DLT count, for n >= 1.

        e(n) = -1 where no count escalates; d(n) = n + 1 where none de-escalates.
        """

    @abstractmethod
    def describe_verdict(self, n: int, y: int, level: int, verdict: str) -> str:
        """The clause of the reason that names the design's rule for (n, y) at ``level``."""

    # ----- cut-off tables ---------------------------------------------------------------
    def cutoff_tables(self, max_n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Read-only arrays (e, d, x) indexed by n = 0..at least max_n (cached).

        ``e[n]``: escalate if DLTs <= e[n] (-1: never); ``d[n]``: de-escalate if DLTs >=
        d[n] (n + 1: never), capped at x[n]; ``x[n]``: eliminate if DLTs >= x[n] (n + 1:
        never). At n = 0 no rule fires.
        """
        size = max(32, -(-int(max_n) // 32) * 32)
        return _tables(self, size)

    def decision_table(self, max_n: int = 30) -> DecisionTable:
        """Cut-offs for n = 1..max_n as a :class:`~doseflow.designs.base.DecisionTable`."""
        max_n = check_int(max_n, "max_n", minimum=1)
        e, d, x = self.cutoff_tables(max_n)
        ns = range(1, max_n + 1)
        return DecisionTable(
            n=tuple(ns),
            escalate=tuple(int(e[k]) if e[k] >= 0 else None for k in ns),
            deescalate=tuple(int(d[k]) if d[k] <= k else None for k in ns),
            eliminate=tuple(int(x[k]) if x[k] <= k else None for k in ns),
        )

    def compute_eliminated(self, n: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Boolean array (same shape as n): level eliminated by its own or a lower level's data."""
        n = np.asarray(n, dtype=np.int64)
        _, _, x = self.cutoff_tables(int(n.max(initial=0)))
        return compute_eliminated(n, np.asarray(y, dtype=np.int64), x)

    def overdose_probability(self, n: int, y: int) -> float:
        """P(DLT rate > target | y DLTs in n) under the Beta(1, 1) prior of the safety rule."""
        return float(beta_sf(self.target, y + 1.0, n - y + 1.0))

    # ----- one trial ------------------------------------------------------------------
    def decide(self, state: TrialState) -> Decision:
        """The next cohort's dose from the evaluated patients of ``state``.

        Precedence: (1) no patient yet: a cohort at ``start_dose``; (2) level 1
        eliminated: stop with no MTD; (3) current level eliminated: de-escalate to the
        highest level below it that is not eliminated; (4) no evaluated patient at the
        current level: wait for the pending outcomes; (5) the interval rule: escalate if
        y <= e(n) and the next level exists and is not eliminated (else stay), de-escalate
        if y >= d(n) (stay at level 1), otherwise stay. Patients still pending (dlt None)
        are not counted.
        """
        k = state.n_levels
        name, cohort = self.name, self.cohort_size
        if self.start_dose > k:
            raise ConfigError(f"{type(self).__name__}.start_dose", f"a dose level from 1 to {k}", self.start_dose)
        if state.current_dose is None:
            return Decision(
                "stay", self.start_dose,
                f"No patient has been treated yet; the trial starts at level {self.start_dose}.",
                (), f"{name}.start", cohort,
            )
        n = state.evaluated_per_dose
        y = state.dlt_per_dose
        eliminated = self.compute_eliminated(n, y)
        elim = tuple(int(i) + 1 for i in np.flatnonzero(eliminated))
        c = state.current_dose
        i = c - 1

        def go(action: str, to: int, reason: str, rule: str, size: int = cohort) -> Decision:
            return Decision(action, to, reason, elim, f"{name}.{rule}", size)

        if eliminated[0]:
            return Decision(
                "stop", None,
                f"Level 1 is eliminated: {_dlts(int(y[0]))} in {int(n[0])} patients give "
                f"P(DLT rate > {self.target:g}) = {self.overdose_probability(int(n[0]), int(y[0])):.3f}"
                f" > {self.elimination_cutoff:g}; the trial stops with no MTD.",
                elim, f"{name}.stop_lowest_eliminated",
            )
        if eliminated[i]:
            first = int(np.argmax(eliminated))
            to = first  # 1-based number of the level just below the first eliminated one
            own = y[i] >= self.cutoff_tables(int(n[i]))[2][n[i]]
            if not own:
                why = f"level {first + 1} below it is eliminated"
            else:
                why = (
                    f"{_dlts(int(y[i]))} in {int(n[i])} patients give P(DLT rate > {self.target:g}) = "
                    f"{self.overdose_probability(int(n[i]), int(y[i])):.3f} > {self.elimination_cutoff:g}"
                )
            return go(
                "de-escalate", to,
                f"Level {c} is eliminated ({why}), so levels {first + 1}-{k} may not be used; "
                f"de-escalate to level {to}.",
                "eliminate",
            )
        ni, yi = int(n[i]), int(y[i])
        if ni == 0:
            return go("stay", c, f"No patient at level {c} has been evaluated yet; wait for the pending "
                      f"DLT outcomes at level {c}.", "wait_pending", 0)
        e, d, _ = self.cutoff_tables(ni)
        if yi <= e[ni]:
            clause = self.describe_verdict(ni, yi, c, "escalate")
            if c == k:
                return go("stay", c, f"{clause}, but level {c} is the highest level; stay at level {c}.", "stay_highest")
            if eliminated[i + 1]:
                return go(
                    "stay", c, f"{clause}, but level {c + 1} is eliminated; stay at level {c}.", "stay_next_eliminated"
                )
            return go("escalate", c + 1, f"{clause}; escalate to level {c + 1}.", "escalate")
        if yi >= d[ni]:
            clause = self.describe_verdict(ni, yi, c, "de-escalate")
            if c == 1:
                return go("stay", 1, f"{clause}, but level 1 is the lowest level; stay at level 1.", "stay_lowest")
            return go("de-escalate", c - 1, f"{clause}; de-escalate to level {c - 1}.", "deescalate")
        clause = self.describe_verdict(ni, yi, c, "stay")
        return go("stay", c, f"{clause}; stay at level {c}.", "stay")

    # ----- MTD selection ---------------------------------------------------------------
    #: Beta(prior, prior) of the isotonic estimates, tie rule and source of the MTD rule.
    mtd_prior: ClassVar[float] = 0.05
    mtd_tie_rule: ClassVar[str] = "offset"
    mtd_source: ClassVar[str] = ""

    def select_mtd(self, state: TrialState) -> MTDSelection:
        """MTD: the tried, non-eliminated level whose isotonic estimate is closest to the target.

        See :func:`select_isotonic_mtd`, with the design's ``mtd_prior``, ``mtd_tie_rule``
        and ``mtd_source``.
        """
        return select_isotonic_mtd(self, state, prior=self.mtd_prior, tie_rule=self.mtd_tie_rule,
                                   source=self.mtd_source)

    def select_mtd_batch(self, batch: BatchState, cache: dict | None = None) -> np.ndarray:
        """:meth:`select_mtd` of many states at once; 0-based level, -1 for none.

        The same estimates (evaluated patients only), isotonic fit and tie rule as the
        one-trial rule, row by row.
        """
        n = batch.evaluated
        y = batch.y
        eliminated = self.compute_eliminated(n, y)
        admissible = (n > 0) & ~eliminated
        a = self.mtd_prior
        nf, yf = n.astype(float), y.astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = (yf + a) / (nf + 2 * a)
            var = (yf + a) * (nf - yf + a) / ((nf + 2 * a) ** 2 * (nf + 2 * a + 1))
        iso = compute_isotonic_batch(mean, np.where(admissible, 1.0 / var, 1.0), admissible)
        pick = select_closest_isotonic_batch(iso, admissible, self.target, self.mtd_tie_rule)
        return np.where(eliminated[:, 0], -1, pick)

    # ----- many trials ----------------------------------------------------------------
    def decide_batch(self, batch: BatchState) -> BatchDecision:
        """Vectorised :meth:`decide` over simulated trials (same precedence, no loop over trials).

        Reads the evaluated patients (``batch.n - batch.pending``), DLTs and current
        level of every trial; returns the decisions as arrays.
        """
        n = batch.n - batch.pending
        y = batch.y
        cur = batch.current
        trials, k = n.shape
        if self.start_dose > k:
            raise ConfigError(f"{type(self).__name__}.start_dose", f"a dose level from 1 to {k}", self.start_dose)
        e, d, x = self.cutoff_tables(int(n.max(initial=0)))
        eliminated = compute_eliminated(n, y, x)
        rows = np.arange(trials)
        fresh = cur < 0
        c = np.where(fresh, 0, cur)
        nc, yc = n[rows, c], y[rows, c]
        top = c == k - 1
        up = np.minimum(c + 1, k - 1)
        next_out = ~top & eliminated[rows, up]
        esc = yc <= e[nc]
        de = ~esc & (yc >= d[nc])
        # the interval rule, then the overriding conditions in reverse precedence
        action = np.where(esc & ~top & ~next_out, _ESCALATE, np.where(de & (c > 0), _DEESCALATE, _STAY))
        rule = np.select(
            [esc & top, esc & next_out, esc, de & (c == 0), de],
            [_R["stay_highest"], _R["stay_next_eliminated"], _R["escalate"], _R["stay_lowest"], _R["deescalate"]],
            _R["stay"],
        )
        nxt = c + (action == _ESCALATE) - (action == _DEESCALATE)
        size = np.full(trials, self.cohort_size, dtype=np.int64)
        wait = nc == 0
        action[wait], rule[wait], size[wait], nxt[wait] = _STAY, _R["wait_pending"], 0, c[wait]
        out_c = eliminated[rows, c]
        action[out_c], rule[out_c] = _DEESCALATE, _R["eliminate"]
        nxt[out_c] = np.argmax(eliminated[out_c], axis=1) - 1
        size[out_c] = self.cohort_size
        stop = eliminated[:, 0]
        action[stop], rule[stop], nxt[stop], size[stop] = _STOP, _R["stop_lowest_eliminated"], -1, 0
        action[fresh], rule[fresh], nxt[fresh], size[fresh] = _STAY, _R["start"], self.start_dose - 1, self.cohort_size
        kind = np.where(action == _STOP, -1, np.where(size == 0, _WAIT, _EXACT))
        eliminated_from = np.where(eliminated.any(axis=1), np.argmax(eliminated, axis=1), k)
        return BatchDecision(action.astype(np.int64), nxt.astype(np.int64), size, kind, rule.astype(np.int64),
                             self.rules, eliminated_from=eliminated_from)


def select_isotonic_mtd(
    design: IntervalDesign,
    state: TrialState,
    *,
    prior: float,
    tie_rule: str,
    source: str,
) -> MTDSelection:
    """MTD = tried, non-eliminated level whose isotonic DLT-rate estimate is closest to target.

    Parameters
    ----------
    design : IntervalDesign
        Supplies target, elimination rule, name.
    state : TrialState
        Evaluated patients per level are used.
    prior : float > 0
        Beta(prior, prior) prior: estimate (y + prior) / (n + 2 prior), weight 1 / posterior
        variance (y + prior)(n - y + prior) / ((n + 2 prior)^2 (n + 2 prior + 1)).
        0.05 in ``BOIN::select.mtd`` and ``Keyboard::select.mtd.kb``; 1 for mTPI-2.
    tie_rule : {"offset", "explicit"}
        ``"offset"``: add i * 1e-10 to the i-th admissible estimate and take the first
        minimum distance (the packages' arithmetic); ``"explicit"``: among levels at
        the same minimum distance, the highest if their mean estimate is below the
        target, else the lowest (Ji et al. 2010, sect. 2.4). Both give "higher when
        below, lower when above".
    source : str
        Citation of the estimator, for the reason.

    Returns
    -------
    MTDSelection
        ``dose`` None when level 1 is eliminated or no admissible level was tried;
        ``estimates`` the isotonic estimates over all tried levels (None if untried).
    """
    n = state.evaluated_per_dose.astype(float)
    y = state.dlt_per_dose.astype(float)
    name, target = design.name, design.target
    eliminated = design.compute_eliminated(n.astype(np.int64), y.astype(np.int64))
    tried = n > 0
    mean = (y + prior) / (n + 2 * prior)
    var = (y + prior) * (n - y + prior) / ((n + 2 * prior) ** 2 * (n + 2 * prior + 1))
    estimates: list[float | None] = [None] * len(n)
    if tried.any():
        iso_all = compute_isotonic_regression(mean[tried], 1.0 / var[tried])
        for j, v in zip(np.flatnonzero(tried), iso_all):
            estimates[int(j)] = float(v)
    est = tuple(estimates)
    admissible = tried & ~eliminated
    if eliminated[0]:
        return MTDSelection(None, est, "Level 1 is eliminated as too toxic; no dose is selected.",
                            f"{name}.no_mtd_lowest_eliminated")
    if not admissible.any():
        return MTDSelection(None, est, "No level that is not eliminated has been tried; no dose is selected.",
                            f"{name}.no_mtd_untried")
    idx = np.flatnonzero(admissible)
    iso = compute_isotonic_regression(mean[idx], 1.0 / var[idx])
    if tie_rule == "offset":
        dist = np.abs(iso + np.arange(1, idx.size + 1) * 1e-10 - target)
        pick = int(np.argmin(dist))
    else:
        dist = np.abs(iso - target)
        tied = np.flatnonzero(dist == dist.min())
        pick = int(tied[-1] if iso[tied].mean() < target else tied[0])
    dose = int(idx[pick]) + 1
    levels = ", ".join(str(int(j) + 1) for j in idx)
    return MTDSelection(
        dose, est,
        f"Level {dose} has the isotonic DLT-rate estimate {iso[pick]:.2f} closest to the target {target:g} "
        f"among the levels tried and not eliminated ({levels}); {source}.",
        f"{name}.mtd_closest",
    )
