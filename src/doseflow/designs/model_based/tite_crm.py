"""The time-to-event CRM (Cheung and Chappell 2000): the CRM with patients still in their DLT window.

A patient still inside the DLT window without a DLT enters the likelihood as ``1 - w p_d``
(:mod:`~doseflow.designs.model_based.tite_weights`), so new patients are enrolled as they
arrive, at the level the weighted posterior recommends, without waiting for the pending
outcomes. Everything else is the CRM's (:class:`~doseflow.designs.model_based.crm.CRM`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from doseflow.core import TrialState
from doseflow.designs.batch import BatchState
from doseflow.designs.model_based.counts import compute_outcome_counts
from doseflow.designs.model_based.crm import CRM
from doseflow.designs.model_based.tite_weights import compute_adaptive_weights, compute_linear_weights
from doseflow.designs.options import option
from doseflow.errors import InputError

__all__ = ["TITECRM", "TITE_WEIGHTS"]

#: Follow-up weight schemes of the TITE-CRM (dfcrm ``titecrm(scheme = ...)``).
TITE_WEIGHTS: tuple[str, ...] = ("linear", "adaptive")


@dataclass(frozen=True, slots=True)
class TITECRM(CRM):
    """The time-to-event continual reassessment method (Cheung and Chappell 2000; dfcrm ``titecrm``).

    Parameters
    ----------
    target, skeleton, model, prior_sd, intercept, start_dose, halfwidth, prior_mtd, credibility
        As :class:`~doseflow.designs.model_based.crm.CRM`.
    cohort_size : int >= 1, default 1
        The most patients one decision enrols (``cohort_kind="up_to"``, an upper bound).
        The design is asked again after every patient, as in dfcrm's ``titesim`` and the
        conduct service, so each new patient gets the level recommended at their arrival.
    window : float > 0, default 28
        Length ``T`` of the DLT window (days). A simulated scenario must have the same DLT
        window (the engine refuses otherwise).
    weights : {"linear", "adaptive"}, default "linear"
        Follow-up weight of a pending patient followed for ``u`` days: ``min(u / T, 1)``, or
        the adaptive weight from the observed times to DLT (Cheung and Chappell 2000,
        sect. 2; :mod:`~doseflow.designs.model_based.tite_weights`).

    Notes
    -----
    Likelihood (Cheung and Chappell 2000, sect. 2): ``prod_d p_d^{y_d} (1 - p_d)^{n_d - y_d}
    prod_i (1 - w_i p_{d_i})`` with ``n_d, y_d`` the patients with a DLT or a whole window
    without one, ``i`` the patients still in their window (weight ``w_i``). A DLT counts
    at once with weight 1. The next patients go to the level whose plug-in estimate is
    closest to the target, as in the CRM; the design never waits. Each pending patient
    needs ``followup_day`` (``TrialState.advance`` keeps it), and with adaptive weights
    each DLT its ``dlt_day``. The MTD is selected from the known outcomes (the trial
    ends once they are all known). With every outcome known the TITE-CRM is the CRM.

    References
    ----------
    Cheung YK, Chappell R (2000). Sequential designs for phase I clinical trials with
    late-onset toxicities. Biometrics 56:1177-1182.
    Cheung YK (2011). *Dose Finding by the Continual Reassessment Method*. CRC.

    Examples
    --------
    Three patients at level 2 without DLT, followed 28 (complete), 14 and 7 days of a 28-day
    window: weights 1, 0.5 and 0.25.

    >>> from doseflow.core import DosePlan, PatientRecord
    >>> records = (PatientRecord("P1", 2, False), PatientRecord("P2", 2, None, followup_day=14.0),
    ...            PatientRecord("P3", 2, None, followup_day=7.0))
    >>> design = TITECRM(target=0.25, skeleton=(0.05, 0.12, 0.25, 0.40, 0.55))
    >>> d = design.decide(TrialState(DosePlan.of_size(5), records, 2))
    >>> d.next_dose, d.cohort_kind, d.rule
    (4, 'up_to', 'tite-crm.escalate')
    """

    cohort_size: int = option(1, help="Most patients one decision enrols; the design is asked again after each one.",
                              minimum=1, maximum=100)
    window: float = option(28.0, help="DLT window in days (the simulated scenario's must be the same).",
                           minimum=0.0, maximum=3650.0, exclusive=True)
    weights: str = option("linear", help="Follow-up weights of pending patients: linear or adaptive.",
                          choices=TITE_WEIGHTS)

    name: ClassVar[str] = "tite-crm"
    title: ClassVar[str] = "TITE-CRM: time-to-event continual reassessment method"
    citation: ClassVar[str] = "Cheung YK, Chappell R (2000). Biometrics 56:1177-1182."
    needs_calendar: ClassVar[bool] = True
    state_kind: ClassVar[str] = "patients"
    uses_followup: ClassVar[bool] = True

    @property
    def cohort_kind(self) -> str:
        """Patients are enrolled one at a time while outcomes are pending ("up_to")."""
        return "up_to"

    @property
    def followup_window(self) -> float:
        """The DLT window (days) the follow-up shares are computed over."""
        return self.window

    def compute_weights(self, followup: np.ndarray, dlt: np.ndarray) -> np.ndarray:
        """Weights from follow-up shares of the window (times to DLT for patients with a DLT)."""
        if self.weights == "linear":
            return np.where(dlt, 1.0, compute_linear_weights(followup, 1.0))
        return compute_adaptive_weights(followup, dlt, 1.0)

    def likelihood_data(self, state: TrialState) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Known outcomes per level plus every pending patient with its follow-up weight.

        Raises
        ------
        InputError
            For a pending patient without ``followup_day``, or (adaptive weights) a DLT
            without ``dlt_day``, naming the patient.
        """
        records = state.records
        level = np.array([r.dose_level - 1 for r in records], np.int64)
        dlt = np.array([r.dlt is True for r in records], bool)
        share = state.followup_fraction(self.window)
        if self.weights == "adaptive":
            for i, r in enumerate(records):
                if r.dlt is True:
                    if r.dlt_day is None:
                        raise InputError(f"patient {r.id!r} dlt_day", "the day of the DLT after enrolment",
                                         None, "Adaptive TITE weights need the time to every DLT.")
                    share[i] = r.dlt_day / self.window
        weight = self.compute_weights(share[None, :], dlt[None, :])
        counts = compute_outcome_counts(level[None, :], dlt[None, :], weight, state.n_levels)
        return _drop_weightless(counts.n, counts.dlt, counts.pending_level, counts.pending_weight)

    def describe_data(self, data: tuple[np.ndarray, ...]) -> str:
        """Known outcomes and pending patients in words, with the pending patients' weights."""
        known = CRM.describe_data(self, data)
        weight = data[3][0]
        pending = int((weight > 0).sum())
        if not pending:
            return known
        return (f"{known} and {pending} pending weighted by their follow-up (weights "
                f"{', '.join(f'{w:.2f}' for w in weight[weight > 0])})")

    def waits(self, state: TrialState) -> bool:
        """The TITE-CRM never waits: pending patients enter the likelihood with their weights."""
        return False

    def likelihood_batch(self, batch: BatchState, rows: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
        """The same as :meth:`likelihood_data`, for the trials ``rows`` of ``batch`` (every trial when None).

        Computed from the per-patient arrays. With linear weights only the patients still
        pending are gathered (:func:`_linear_likelihood_batch`); adaptive weights need every
        trial's times to DLT and go through the general path.
        """
        if self.weights == "linear":
            pa = batch.patients
            pick = (lambda a: a) if rows is None else (lambda a: a[rows])
            return _linear_likelihood_batch(pick(pa.level), pick(pa.outcome), pick(pa.followup), batch.n_levels)
        pa = batch.patients if rows is None else batch.patients.take(rows)
        dlt = pa.outcome == 1
        share = np.where(dlt, pa.dlt_share, pa.followup)
        weight = self.compute_weights(np.minimum(share, 1.0), dlt)
        counts = compute_outcome_counts(pa.level, dlt, weight, batch.n_levels)
        return _drop_weightless(counts.n, counts.dlt, counts.pending_level, counts.pending_weight)

    def waits_batch(self, batch: BatchState) -> np.ndarray:
        return np.zeros(batch.n_trials, bool)


def _drop_weightless(n: np.ndarray, y: np.ndarray, level: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, ...]:
    """The likelihood data with pending patients of weight 0 (no information) removed.

    A weight-0 patient's factor ``1 - 0 p`` is 1: dropping them leaves the posterior as it
    is and makes trials that differ only by such patients share one posterior. The
    remaining pending patients are packed to the left, sorted by level and weight (their
    order does not change the likelihood), padded with weight 0 at level 0.
    """
    keep = weight > 0
    width = int(keep.sum(axis=1).max(initial=0))
    key = np.where(keep, level * 2.0 + weight, np.inf)
    order = np.argsort(key, axis=1, kind="stable")[:, :width]
    kept = np.take_along_axis(keep, order, axis=1)
    return (n, y, np.where(kept, np.take_along_axis(level, order, axis=1), 0),
            np.where(kept, np.take_along_axis(weight, order, axis=1), 0.0))


def _linear_likelihood_batch(level: np.ndarray, outcome: np.ndarray, followup: np.ndarray,
                             n_levels: int) -> tuple[np.ndarray, ...]:
    """:meth:`TITECRM.likelihood_data` with linear weights, for many trials, from per-patient arrays.

    The same arrays as :func:`~doseflow.designs.model_based.counts.compute_outcome_counts`
    followed by :func:`_drop_weightless` (the scalar path, which the tests compare it with),
    computed from the pending patients only: a patient without DLT has the linear weight
    ``min(followup, 1)`` (``followup`` is the share of the window observed; Cheung and
    Chappell 2000, sect. 2) and is known once it reaches 1; the pending patients of
    positive weight are listed per trial sorted by level then weight (ties in enrolment
    order), padded with weight 0 at level 0.

    Raises
    ------
    InputError
        For a follow-up share that is negative or not a number, naming the trial row and
        patient column.
    """
    trials = level.shape[0]
    present = level >= 0
    dlt = outcome == 1
    weight = np.minimum(followup, 1.0)
    bad = present & ~dlt & ~(weight >= 0.0)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise InputError(f"followup[{i}, {j}]", "a follow-up share of the window >= 0", float(followup[i, j]))
    known = present & (dlt | (weight >= 1.0))
    flat = (np.arange(trials) * n_levels)[:, None] + level
    size = trials * n_levels
    n = np.bincount(flat[known], minlength=size).reshape(trials, n_levels)
    y = np.bincount(flat[present & dlt], minlength=size).reshape(trials, n_levels)
    rows, cols = np.nonzero(present & ~known & (weight > 0.0))  # row-major: enrolment order within a trial
    lv, w = level[rows, cols], weight[rows, cols]
    order = np.lexsort((lv * 2.0 + w, rows))  # stable: per trial by level and weight, ties in enrolment order
    per_trial = np.bincount(rows, minlength=trials)
    rank = np.arange(rows.size) - np.repeat(np.cumsum(per_trial) - per_trial, per_trial)
    width = int(per_trial.max(initial=0))
    pending_level = np.zeros((trials, width), np.int64)
    pending_weight = np.zeros((trials, width))
    pending_level[rows[order], rank] = lv[order]
    pending_weight[rows[order], rank] = w[order]
    return n, y, pending_level, pending_weight
