"""The time-to-event BOIN design (TITE-BOIN; Yuan, Lin, Li, Nie and Warren 2018).

BOIN decides from the DLT rate observed at the current dose. TITE-BOIN lets new patients be
enrolled while earlier patients are still inside their DLT window: each pending patient's
DLT outcome is imputed from the follow-up completed so far, and BOIN's boundaries are
applied to the imputed rate. When every outcome at the current dose is known it is BOIN.
Accrual is suspended when too many of the current dose's patients are pending.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

import numpy as np

from doseflow.core import Decision, TrialState
from doseflow.designs.batch import ACTION_CODES, KIND_CODES, BatchDecision, BatchState
from doseflow.designs.interval.boin import BOIN
from doseflow.designs.interval.mechanism import INTERVAL_RULES, compute_eliminated, describe_counts
from doseflow.designs.options import option
from doseflow.errors import ConfigError

__all__ = ["TITEBOIN", "compute_imputed_dlt_rate"]

#: TITE-BOIN's rules after the interval designs' own.
TITE_RULES: tuple[str, ...] = INTERVAL_RULES + ("fill_cohort", "suspend")
_R = {r: i for i, r in enumerate(TITE_RULES)}
_ESCALATE, _STAY, _DEESCALATE = ACTION_CODES["escalate"], ACTION_CODES["stay"], ACTION_CODES["de-escalate"]


def compute_imputed_dlt_rate(n, y, pending, followup, target: float) -> np.ndarray:
    """TITE-BOIN's estimate of the DLT rate at a dose with pending patients.

    Parameters
    ----------
    n : int or array
        Patients treated at the dose (outcome known or pending).
    y : int or array
        DLTs observed among them.
    pending : int or array
        Patients still in the DLT window without a DLT (``c``).
    followup : float or array
        Standardised total follow-up time of the pending patients, ``STFT = sum_i u_i / T``
        (``u_i`` days followed, ``T`` the window).
    target : float in (0, 1)
        Target DLT rate ``phi``.

    Returns
    -------
    numpy.ndarray
        ``p_hat = (y + pi / (1 - pi) (c - STFT)) / n`` with ``pi = (y + phi / 2) / (n - c + 1)``.

    Notes
    -----
    Yuan, Lin, Li, Nie and Warren (2018), Materials and Methods, "TITE-BOIN design": a
    pending patient followed ``u`` days of a window ``T`` has a DLT in the rest of the
    window with probability ``pi (1 - u / T) / (1 - pi u / T)`` under a uniform time to
    DLT, approximated (conservatively) by ``pi / (1 - pi) (1 - u / T)``; summed over the
    pending patients this is ``pi / (1 - pi) (c - STFT)`` expected DLTs. ``pi`` is the
    posterior mean of the DLT rate from the patients with a known outcome under the
    Beta(phi / 2, 1 - phi / 2) prior (prior sample size 1). With nobody pending it is
    ``y / n``, BOIN's estimate.

    Examples
    --------
    One DLT in 4 patients, 2 of them pending with 14 and 7 days of a 28-day window
    (STFT 0.75), target 0.3: ``pi = 1.15 / 3``, ``p_hat = (1 + 0.6216 x 1.25) / 4``.

    >>> round(float(compute_imputed_dlt_rate(4, 1, 2, 0.75, 0.3)), 4)
    0.4443
    """
    n, y, c, stft = (np.asarray(v, dtype=float) for v in (n, y, pending, followup))
    pi = (y + target / 2.0) / (n - c + 1.0)
    return (y + pi / (1.0 - pi) * (c - stft)) / n


@dataclass(frozen=True, slots=True)
class TITEBOIN(BOIN):
    """Time-to-event BOIN (Yuan, Lin, Li, Nie and Warren 2018).

    Parameters
    ----------
    target, start_dose, elimination_cutoff, elimination_min_n, phi1, phi2
        As :class:`~doseflow.designs.interval.boin.BOIN`.
    cohort_size : int >= 1, default 3
        Patients per cohort; a cohort's patients are enrolled as they arrive, while
        earlier outcomes are pending (``cohort_kind="up_to"``).
    window : float > 0, default 28
        DLT window in days (a simulated scenario must have the same).
    max_pending_fraction : float in (0, 1], default 0.5
        Accrual is suspended while more than this fraction of the current dose's
        patients are pending.

    Notes
    -----
    Decision for the next cohort, with ``n`` patients at the current dose, ``y`` DLTs and
    ``c`` pending (Yuan et al. 2018, Materials and Methods):

    1. as BOIN: the start, level 1 eliminated (stop), the current level eliminated
       (de-escalate); elimination reads the patients with a known outcome;
    2. a cohort not yet complete (``n`` not a multiple of the cohort size) is filled at
       the current dose;
    3. suspension: if ``c > max_pending_fraction * n`` and ``y / n`` is below BOIN's
       de-escalation boundary, wait for outcomes;
    4. with ``c = 0``, BOIN; otherwise the imputed rate ``p_hat``
       (:func:`compute_imputed_dlt_rate`) is compared with BOIN's boundaries: escalate if
       ``p_hat <= lambda_e``, de-escalate if ``p_hat >= lambda_d`` and the observed rate
       ``y / n`` exceeds the target (no de-escalation on imputed DLTs alone when the
       observed rate is at or below the target, as in the design's decision table), else
       stay; escalation only to a level that exists and is not eliminated, no
       de-escalation below level 1.

    The MTD is BOIN's (isotonic regression of the known outcomes). ``STFT`` is the sum over
    the current dose's pending patients of the share of the window followed
    (``TrialState.followup_fraction``; in simulation, ``BatchState.followup``).

    References
    ----------
    Yuan Y, Lin R, Li D, Nie L, Warren KE (2018). Time-to-event Bayesian optimal interval
    design to accelerate phase I trials. Clin Cancer Res 24(20):4921-4930.
    Liu S, Yuan Y (2015). J R Stat Soc C 64:507-523.

    Examples
    --------
    Three patients at level 2 without DLT, one of them pending for 21 of 28 days: with
    ``pi = 0.15 / 3``, the imputed rate (0 + 0.05 / 0.95 x 0.25) / 3 = 0.0044 is below
    lambda_e = 0.236.

    >>> from doseflow.core import DosePlan, PatientRecord
    >>> records = (PatientRecord("P1", 1, False), PatientRecord("P2", 1, False), PatientRecord("P3", 1, False),
    ...            PatientRecord("P4", 2, False), PatientRecord("P5", 2, False),
    ...            PatientRecord("P6", 2, None, followup_day=21.0))
    >>> d = TITEBOIN(target=0.3).decide(TrialState(DosePlan.of_size(4), records, 2))
    >>> d.action, d.next_dose, d.cohort_size, d.cohort_kind
    ('escalate', 3, 3, 'up_to')
    """

    window: float = option(28.0, help="DLT window in days (the simulated scenario's must be the same).",
                           minimum=0.0, maximum=3650.0, exclusive=True)
    max_pending_fraction: float = option(0.5, help="Suspend accrual while more than this fraction of the current "
                                         "dose's patients are pending.", minimum=0.0, maximum=1.0)

    name: ClassVar[str] = "tite-boin"
    title: ClassVar[str] = "TITE-BOIN: time-to-event Bayesian optimal interval design"
    citation: ClassVar[str] = "Yuan Y, Lin R, Li D, Nie L, Warren KE (2018). Clin Cancer Res 24:4921-4930."
    needs_calendar: ClassVar[bool] = True
    uses_followup: ClassVar[bool] = True

    def __post_init__(self) -> None:
        BOIN.__post_init__(self)
        if self.max_pending_fraction == 0.0:
            raise ConfigError("TITEBOIN.max_pending_fraction", "a fraction in (0, 1]", self.max_pending_fraction)

    @property
    def rules(self) -> tuple[str, ...]:
        return tuple(f"{self.name}.{r}" for r in TITE_RULES)

    @property
    def followup_window(self) -> float:
        """The DLT window (days) over which the standardised follow-up is computed."""
        return self.window

    # ----- one trial ------------------------------------------------------------------
    def decide(self, state: TrialState) -> Decision:
        """The next cohort (see the class Notes for the precedence of the rules)."""
        base = BOIN.decide(self, state)
        if base.rule in (f"{self.name}.{r}" for r in ("start", "stop_lowest_eliminated", "eliminate")):
            return _up_to(base)
        c = state.current_dose
        i = c - 1
        n, y, pend = int(state.n_per_dose[i]), int(state.dlt_per_dose[i]), int(state.pending_per_dose[i])
        m = self.cohort_size
        if n % m:
            left = m - n % m
            return Decision("stay", c, f"The cohort at level {c} has {n % m} of {m} patients; enrol {left} more "
                            f"there as they arrive.", base.eliminated, f"{self.name}.fill_cohort", left, "up_to")
        lambda_e, lambda_d = self.boundaries
        if pend > self.max_pending_fraction * n and y / n < lambda_d:
            return Decision("stay", c, f"{pend} of the {n} patients at level {c} are still in the DLT window (more "
                            f"than {self.max_pending_fraction:.0%}); accrual is suspended until more outcomes are "
                            "known.", base.eliminated, f"{self.name}.suspend", 0)
        if pend == 0:
            return _up_to(base)
        records = [j for j, r in enumerate(state.records) if r.dose_level == c and r.pending]
        stft = float(state.followup_fraction(self.window)[records].sum())
        p_hat = float(compute_imputed_dlt_rate(n, y, pend, stft, self.target))
        clause = (f"{describe_counts(n, y, c)} with {pend} pending (standardised total follow-up {stft:.2f}) give "
                  f"the imputed DLT rate {p_hat:.3f}")
        k = state.n_levels
        eliminated = compute_eliminated(state.evaluated_per_dose, state.dlt_per_dose,
                                        self.cutoff_tables(int(state.evaluated_per_dose.max(initial=0)))[2])

        def go(action: str, to: int, reason: str, rule: str) -> Decision:
            return Decision(action, to, reason, base.eliminated, f"{self.name}.{rule}", m, "up_to")

        if p_hat <= lambda_e:
            clause += f", at or below the escalation boundary {lambda_e:.3f}"
            if c == k:
                return go("stay", c, f"{clause}, but level {c} is the highest level; stay at level {c}.",
                          "stay_highest")
            if eliminated[i + 1]:
                return go("stay", c, f"{clause}, but level {c + 1} is eliminated; stay at level {c}.",
                          "stay_next_eliminated")
            return go("escalate", c + 1, f"{clause}; escalate to level {c + 1}.", "escalate")
        if p_hat >= lambda_d and y / n > self.target:
            clause += f", at or above the de-escalation boundary {lambda_d:.3f}"
            if c == 1:
                return go("stay", 1, f"{clause}, but level 1 is the lowest level; stay at level 1.", "stay_lowest")
            return go("de-escalate", c - 1, f"{clause}; de-escalate to level {c - 1}.", "deescalate")
        return go("stay", c, f"{clause}, between the boundaries {lambda_e:.3f} and {lambda_d:.3f} (de-escalation on "
                  f"imputed DLTs needs an observed rate above the target {self.target:g}); stay at level {c}.", "stay")

    # ----- many trials ----------------------------------------------------------------
    def decide_batch(self, batch: BatchState) -> BatchDecision:
        """:meth:`decide` of many trials: BOIN's kernel on the known outcomes, then the TITE rules."""
        base = BOIN.decide_batch(self, batch)
        rules = self.rules
        action, nxt, size, kind, rule = (a.copy() for a in (base.action, base.next_index, base.cohort_size,
                                                             base.cohort_kind, base.rule))
        kind = np.where(size > 0, KIND_CODES["up_to"], kind)
        cur = batch.current
        rows = np.arange(batch.n_trials)
        c = np.maximum(cur, 0)
        n, y, pend = batch.n[rows, c], batch.y[rows, c], batch.pending[rows, c]
        stft = np.zeros(batch.n_trials) if batch.followup is None else batch.followup[rows, c]
        ruled = (cur >= 0) & ~np.isin(base.rule, [_R["start"], _R["stop_lowest_eliminated"], _R["eliminate"]])
        m = self.cohort_size
        lambda_e, lambda_d = self.boundaries
        fill = ruled & (n % m != 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            observed = np.where(n > 0, y / np.maximum(n, 1), 0.0)
            suspend = ruled & ~fill & (pend > self.max_pending_fraction * n) & (observed < lambda_d)
            tite = ruled & ~fill & ~suspend & (pend > 0)
            p_hat = compute_imputed_dlt_rate(np.maximum(n, 1), y, pend, stft, self.target)
        k = batch.n_levels
        eliminated = compute_eliminated(batch.evaluated, batch.y,
                                        self.cutoff_tables(int(batch.evaluated.max(initial=0)))[2])
        top = c == k - 1
        next_out = ~top & eliminated[rows, np.minimum(c + 1, k - 1)]
        esc = p_hat <= lambda_e
        de = ~esc & (p_hat >= lambda_d) & (observed > self.target)
        t_action = np.where(esc & ~top & ~next_out, _ESCALATE, np.where(de & (c > 0), _DEESCALATE, _STAY))
        t_rule = np.select([esc & top, esc & next_out, esc, de & (c == 0), de],
                           [_R["stay_highest"], _R["stay_next_eliminated"], _R["escalate"], _R["stay_lowest"],
                            _R["deescalate"]], _R["stay"])
        action = np.where(tite, t_action, action)
        rule = np.where(tite, t_rule, rule)
        nxt = np.where(tite, c + (t_action == _ESCALATE) - (t_action == _DEESCALATE), nxt)
        size = np.where(tite, m, size)
        kind = np.where(tite, KIND_CODES["up_to"], kind)
        action = np.where(fill | suspend, _STAY, action)
        nxt = np.where(fill | suspend, c, nxt)
        rule = np.where(fill, _R["fill_cohort"], np.where(suspend, _R["suspend"], rule))
        size = np.where(fill, m - n % m, np.where(suspend, 0, size))
        kind = np.where(fill, KIND_CODES["up_to"], np.where(suspend, KIND_CODES["wait"], kind))
        return BatchDecision(action.astype(np.int64), nxt.astype(np.int64), size.astype(np.int64),
                             kind.astype(np.int64), rule.astype(np.int64), rules, base.backfill, base.role,
                             base.eliminated_from)


def _up_to(decision: Decision) -> Decision:
    """A decision whose cohort is enrolled as its patients arrive (BOIN's rule, TITE-BOIN's conduct)."""
    if decision.cohort_size:
        return replace(decision, cohort_kind="up_to")
    return decision
