"""The continual reassessment method (CRM) as a design: dfcrm's recommended level, live and batched.

O'Quigley, Pepe and Fisher (1990); Cheung (2011). A one-parameter working model
(:mod:`~doseflow.designs.model_based.crm_model`) with a normal prior on beta is updated with
every outcome; the next cohort goes to the level whose plug-in estimate ``p_d(E[beta |
data])`` is closest to the target (dfcrm's ``crm``). The safety rules of the usual CRM
(no skipping of untried levels, no escalation right after a DLT, stopping when the lowest
level is too toxic, a start-up phase) are the wrappers of :mod:`doseflow.designs.wrappers`;
the sample size is :class:`~doseflow.designs.wrappers.StopAtSampleSize`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from doseflow.core import Decision, MTDSelection, TrialState
from doseflow.designs.base import DesignBase
from doseflow.designs.batch import BatchDecision, BatchState
from doseflow.designs.model_based.crm_model import (
    CRM_MODELS,
    DEFAULT_INTERCEPT,
    DEFAULT_PRIOR_SD,
    compute_crm_dose_labels,
    validate_skeleton,
)
from doseflow.designs.model_based.crm_posterior import (
    CRMPosterior,
    compute_crm_posterior,
    compute_crm_recommended_level,
)
from doseflow.designs.model_based.crm_screen import screen_crm_recommended_level
from doseflow.designs.model_based.decisions import (
    MODEL_RULES,
    compose_batch_decision,
    compose_decision,
    describe_levels,
)
from doseflow.designs.model_based.memo import (
    DESIGN_TOLERANCE,
    compute_memoised,
    find_distinct_states,
    shared_lattice_cache,
    state_memo,
)
from doseflow.designs.model_based.skeleton import compute_crm_skeleton
from doseflow.designs.options import option, validate_options
from doseflow.errors import ConfigError

__all__ = ["CRM", "DEFAULT_HALFWIDTH"]

#: Half-width of the indifference interval of the calibrated default skeleton (Lee and
#: Cheung 2009 recommend 0.04-0.08 at target 0.25).
DEFAULT_HALFWIDTH = 0.05


@dataclass(frozen=True, slots=True)
class CRM(DesignBase):
    """The continual reassessment method (O'Quigley, Pepe and Fisher 1990; dfcrm ``crm``).

    Parameters
    ----------
    target : float in (0, 1)
        Target DLT probability.
    skeleton : tuple of float, optional
        Prior guess of the DLT probability per level, strictly increasing in (0, 1); its
        length must be the number of levels of the plan. Default: the skeleton calibrated
        by indifference intervals (Lee and Cheung 2009; dfcrm ``getprior``) with half-width
        ``halfwidth`` around ``prior_mtd``.
    model : {"empiric", "logistic"}
        Working model: ``p_d = x_d ^ exp(beta)`` or ``logit p_d = a0 + exp(beta) x_d``.
    prior_sd : float > 0, default sqrt(1.34)
        Prior standard deviation of beta (dfcrm's default scale).
    intercept : float, default 3
        Intercept ``a0`` of the logistic model.
    cohort_size : int >= 1, default 3
    start_dose : int >= 1, default 1
    halfwidth : float, optional
        Half-width of the indifference interval of the calibrated skeleton (0.05 when not
        given); only without ``skeleton``.
    prior_mtd : int, optional
        1-based level guessed to be the MTD, where the calibrated skeleton equals the
        target (the middle level when not given); only without ``skeleton``.
    credibility : float in (0, 1), default 0.9
        Probability content of the posterior intervals reported (dfcrm's ``conf.level``).

    Notes
    -----
    Decision (Cheung 2011, sect. 3.2-3.3): with every outcome known, the posterior mean of
    beta is computed by quadrature (:func:`~doseflow.designs.model_based.compute_crm_posterior`)
    and the next cohort goes to the level whose plug-in estimate ``p_d(E[beta | data])``
    is closest to the target (ties: the lower level). While an outcome is pending the CRM
    waits for it (the TITE-CRM, :class:`~doseflow.designs.model_based.tite_crm.TITECRM`,
    does not). The design never stops by itself. The MTD is the same rule on the final data
    (dfcrm's ``mtd``); no dose is selected before any outcome is known.

    ``details`` of decisions and selections: ``estimates`` (the plug-in estimates, as dfcrm
    reports them), ``posterior`` (``mean``: ``E[p_d | data]``; ``lower``, ``upper``: the
    equal-tailed credible interval of ``p_d`` of content ``credibility``, from the
    posterior quantiles of beta), ``beta`` (posterior mean and variance), ``skeleton``.

    References
    ----------
    O'Quigley J, Pepe M, Fisher L (1990). Continual reassessment method: a practical design
    for phase 1 clinical trials in cancer. Biometrics 46:33-48.
    Lee SM, Cheung YK (2009). Model calibration in the continual reassessment method.
    Clinical Trials 6:227-238.
    Cheung YK (2011). *Dose Finding by the Continual Reassessment Method*. Chapman &
    Hall/CRC.

    Examples
    --------
    dfcrm's ``crm`` example: skeleton (0.05, 0.10, 0.20, 0.35, 0.50, 0.70), target 0.20,
    levels (3, 4, 4, 3, 3, 4, 3, 2, 2, 2), DLTs (0, 0, 1, 0, 0, 1, 1, 0, 0, 0):

    >>> design = CRM(target=0.2, skeleton=(0.05, 0.10, 0.20, 0.35, 0.50, 0.70))
    >>> state = TrialState.from_counts(6, [0, 3, 4, 3, 0, 0], [0, 0, 1, 2, 0, 0], current=2)
    >>> d = design.decide(state)
    >>> d.action, d.next_dose, d.rule
    ('stay', 2, 'crm.stay')
    >>> [round(p, 4) for p in d.details["estimates"]]
    [0.0887, 0.1553, 0.2721, 0.4278, 0.5708, 0.7494]
    """

    target: float = option(help="Target DLT probability.", minimum=0.0, maximum=1.0, exclusive=True)
    skeleton: tuple[float, ...] | None = option(
        None, help="Prior guess of the DLT probability per level, increasing (default: calibrated, Lee and Cheung "
        "2009).", minimum=0.0, maximum=1.0, exclusive=True, length="levels")
    model: str = option("empiric", help="Working model: empiric (power) or logistic (fixed intercept).",
                        choices=CRM_MODELS)
    prior_sd: float = option(DEFAULT_PRIOR_SD, help="Prior standard deviation of beta (dfcrm: sqrt(1.34)).",
                             minimum=0.0, maximum=100.0, exclusive=True)
    intercept: float = option(DEFAULT_INTERCEPT, help="Intercept of the logistic model.", minimum=-100.0,
                              maximum=100.0)
    cohort_size: int = option(3, help="Patients per cohort.", minimum=1, maximum=100)
    start_dose: int = option(1, help="1-based dose level of the first cohort.", minimum=1)
    halfwidth: float | None = option(
        None, help="Calibrated skeleton: half-width of the indifference interval (default 0.05).", minimum=0.0,
        maximum=0.5, exclusive=True)
    prior_mtd: int | None = option(None, help="Calibrated skeleton: 1-based level guessed to be the MTD "
                                   "(default: the middle level).", minimum=1)
    credibility: float = option(0.9, help="Probability content of the posterior intervals reported.", minimum=0.0,
                                maximum=1.0, exclusive=True)

    name: ClassVar[str] = "crm"
    title: ClassVar[str] = "CRM: continual reassessment method (empiric or logistic model)"
    citation: ClassVar[str] = "O'Quigley J, Pepe M, Fisher L (1990). Biometrics 46:33-48; Cheung YK (2011), CRC."
    #: Rule ids without the design's name; the batch codes index this tuple.
    own_rules: ClassVar[tuple[str, ...]] = MODEL_RULES[:5]

    def __post_init__(self) -> None:
        validate_options(self)
        cls = type(self).__name__
        if self.skeleton is not None:
            validate_skeleton(self.skeleton, f"{cls}.skeleton")
            compute_crm_dose_labels(self.skeleton, self.model, self.intercept)
            for field, value in (("halfwidth", self.halfwidth), ("prior_mtd", self.prior_mtd)):
                if value is not None:
                    raise ConfigError(f"{cls}.{field}", "given only without a skeleton (it calibrates the default "
                                      "skeleton)", value)
        else:
            width = DEFAULT_HALFWIDTH if self.halfwidth is None else self.halfwidth
            if width >= min(self.target, 1.0 - self.target):
                raise ConfigError(f"{cls}.halfwidth", f"below min(target, 1 - target) = "
                                  f"{min(self.target, 1.0 - self.target):g}", width,
                                  "Give a smaller --halfwidth or a skeleton.")

    # ----- the contract ---------------------------------------------------------------
    @property
    def rules(self) -> tuple[str, ...]:
        return tuple(f"{self.name}.{r}" for r in self.own_rules)

    @property
    def first_cohort_size(self) -> int:
        return self.cohort_size

    @property
    def cohort_kind(self) -> str:
        """How the next cohort is enrolled: the CRM treats whole cohorts ("exact")."""
        return "exact"

    def skeleton_for(self, n_levels: int) -> np.ndarray:
        """The skeleton of a plan of ``n_levels`` levels: the given one (length checked) or the calibrated one.

        Raises
        ------
        ConfigError
            If the given skeleton has another length, or ``prior_mtd`` is beyond the plan.
        """
        return _skeleton(self, int(n_levels)).copy()

    def compute_posterior(self, n: np.ndarray, y: np.ndarray, pending_level: np.ndarray | None = None,
                          pending_weight: np.ndarray | None = None, *, intervals: bool = False,
                          thresholds: tuple[float, ...] = ()) -> CRMPosterior:
        """The posterior of many trials (rows of per-level counts, optional pending patients).

        See :func:`~doseflow.designs.model_based.compute_crm_posterior`; the skeleton
        follows the number of columns, tabulated lattices are shared within the process,
        and the quadrature is accurate to about 1e-8 (:data:`~.memo.DESIGN_TOLERANCE`).
        """
        n = np.asarray(n)
        return compute_crm_posterior(
            self.skeleton_for(n.shape[-1]), n, y, pending_level=pending_level, pending_weight=pending_weight,
            model=self.model, intercept=self.intercept, prior_sd=self.prior_sd, credibility=self.credibility,
            credible_intervals=intervals, toxicity_thresholds=thresholds, tolerance=DESIGN_TOLERANCE,
            lattice_cache=shared_lattice_cache("crm"),
        )

    def prob_tox_exceeds_counts(self, n: np.ndarray, y: np.ndarray, threshold: float) -> np.ndarray:
        """``P(p_d > threshold | data)`` per trial and level from per-level counts (trials, levels).

        The posterior probability the CRM safety rule reads (stop when P(p_1 > target) is
        large; Cheung 2011), through
        :class:`~doseflow.designs.wrappers.StopWhenTooToxic`; computed once per distinct
        state and memoised.
        """
        t = float(threshold)

        def compute(n_: np.ndarray, y_: np.ndarray) -> np.ndarray:
            return self.compute_posterior(n_, y_, thresholds=(t,)).probability_above[:, :, 0]

        return compute_memoised(compute, state_memo((self, "exceeds", t)), np.asarray(n, np.int64),
                                np.asarray(y, np.int64))

    def recommend_counts(self, n: np.ndarray, y: np.ndarray) -> np.ndarray:
        """dfcrm's recommended level (0-based) from per-level counts of known outcomes, memoised per state."""
        return compute_memoised(self.recommend, state_memo((self, "recommended")), np.asarray(n, np.int64),
                                np.asarray(y, np.int64))

    def recommend(self, *arrays: np.ndarray) -> np.ndarray:
        """dfcrm's recommended level (0-based) of every row of the likelihood data ``(n, dlt[, pending])``."""
        return compute_crm_recommended_level(self.compute_posterior(*arrays).toxicity_plugin, self.target)

    def recommend_screened(self, n: np.ndarray, y: np.ndarray, pending_level: np.ndarray,
                           pending_weight: np.ndarray) -> np.ndarray:
        """:meth:`recommend` of many trials, settled by a cheaper posterior where it can be (empiric model).

        :func:`~doseflow.designs.model_based.crm_screen.screen_crm_recommended_level`
        settles the level of most trials from a coarser posterior with an error bound; the
        others get the full posterior. The levels are :meth:`recommend`'s (tests compare
        them); the logistic model always takes the full posterior.
        """
        if self.model != "empiric":
            return self.recommend(n, y, pending_level, pending_weight)
        settled, level = screen_crm_recommended_level(
            self.skeleton_for(n.shape[1]), self.target, n, y, pending_level, pending_weight, prior_sd=self.prior_sd,
            intercept=self.intercept, lattice_cache=shared_lattice_cache("crm"))
        rest = np.flatnonzero(~settled)
        if rest.size:
            level[rest] = self.recommend(n[rest], y[rest], pending_level[rest], pending_weight[rest])
        return level

    # ----- one trial --------------------------------------------------------------------
    def likelihood_data(self, state: TrialState) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(n, dlt, pending_level, pending_weight)`` of one trial for the likelihood (one row each).

        The CRM counts the patients whose outcome is known; it has no pending patients.
        """
        n = state.evaluated_per_dose[None, :]
        return n, state.dlt_per_dose[None, :], np.zeros((1, 0), np.int64), np.zeros((1, 0))

    def waits(self, state: TrialState) -> bool:
        """Whether the design waits for pending outcomes before the next cohort (the CRM does)."""
        return bool(state.pending_per_dose.sum() > 0)

    def _check_plan(self, state: TrialState) -> None:
        if self.start_dose > state.n_levels:
            raise ConfigError(f"{type(self).__name__}.start_dose", f"a dose level from 1 to {state.n_levels}",
                              self.start_dose)
        self.skeleton_for(state.n_levels)

    def _summaries(self, data: tuple[np.ndarray, ...]) -> tuple[CRMPosterior, dict[str, Any], int]:
        """The posterior of one trial's likelihood ``data``, its details and the 0-based recommended level.

        Posteriors are memoised per design and data (decisions are asked again of the
        same state, e.g. by the conduct layer and its audit).
        """
        post = _posterior_of_one(self, tuple(tuple(a[0].tolist()) for a in data))
        estimates = post.toxicity_plugin[0]
        details = {
            "estimates": [float(v) for v in estimates],
            "posterior": {"mean": [float(v) for v in post.toxicity_mean[0]],
                          "lower": [float(v) for v in post.credible_lower[0]],
                          "upper": [float(v) for v in post.credible_upper[0]],
                          "credibility": post.credibility},
            "beta": {"mean": float(post.beta_mean[0]), "variance": float(post.beta_variance[0])},
            "skeleton": [float(v) for v in self.skeleton_for(estimates.size)],
        }
        return post, details, int(compute_crm_recommended_level(estimates, self.target))

    def describe_data(self, data: tuple[np.ndarray, ...]) -> str:
        """The data of the likelihood in words: ``"9 patients with a known outcome"``."""
        n = int(data[0].sum())
        return f"{n} patient{'s' if n != 1 else ''} with a known outcome"

    def describe_estimates(self, data: tuple[np.ndarray, ...], post: CRMPosterior, rec: int) -> str:
        """The clause of the reason that states the estimates and the level they point to."""
        plugin = post.toxicity_plugin[0]
        return (f"{self.name.upper()} ({self.model} model, {self.describe_data(data)}): at the posterior "
                f"mean of beta {post.beta_mean[0]:.3f} the estimated DLT probabilities are "
                f"{describe_levels(plugin)}; level {rec + 1} ({plugin[rec]:.3f}) is the closest to the target "
                f"{self.target:g}")

    def decide(self, state: TrialState) -> Decision:
        """The next cohort: the start dose, a wait for pending outcomes, or dfcrm's recommended level.

        Precedence: (1) no patient yet: a cohort at ``start_dose``; (2) outcomes pending
        (the CRM only): wait; (3) the level whose plug-in estimate is closest to the
        target (see the class Notes).
        """
        self._check_plan(state)
        if state.current_dose is None:
            return Decision("stay", self.start_dose, f"No patient has been treated yet; the trial starts at level "
                            f"{self.start_dose}.", (), f"{self.name}.start", self.cohort_size, self.cohort_kind)
        c = state.current_dose
        if self.waits(state):
            pending = int(state.pending_per_dose.sum())
            return Decision("stay", c, f"{pending} patient(s) are still in the DLT window; the {self.name.upper()} "
                            f"waits for their outcomes before the next cohort.", (), f"{self.name}.wait_pending", 0)
        data = self.likelihood_data(state)
        post, details, rec = self._summaries(data)
        return compose_decision(self.name, c, rec + 1, self.describe_estimates(data, post, rec), self.cohort_size,
                                self.cohort_kind, details)

    def select_mtd(self, state: TrialState) -> MTDSelection:
        """The MTD: dfcrm's recommended level on the final data (patients with a known outcome).

        No dose is selected when no outcome is known yet. Time-to-event designs select from
        the known outcomes too (a trial normally ends once they are all known).
        """
        self._check_plan(state)
        k = state.n_levels
        if int(state.evaluated_per_dose.sum()) == 0:
            return MTDSelection(None, (None,) * k, "No patient has a known outcome; no dose is selected.",
                                f"{self.name}.no_data")
        data = CRM.likelihood_data(self, state)
        post, details, rec = self._summaries(data)
        return MTDSelection(rec + 1, tuple(details.pop("estimates")),
                            f"{self.describe_estimates(data, post, rec)}: level {rec + 1} is the MTD.",
                            f"{self.name}.mtd", details)

    # ----- many trials ------------------------------------------------------------------
    def likelihood_batch(self, batch: BatchState, rows: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
        """``(n, dlt, pending_level, pending_weight)`` of the trials ``rows`` of ``batch`` (every trial when None).

        The CRM counts the known outcomes only.
        """
        n, y = batch.evaluated, batch.y
        if rows is not None:
            n, y = n[rows], y[rows]
        t = n.shape[0]
        return n, y, np.zeros((t, 0), np.int64), np.zeros((t, 0))

    def waits_batch(self, batch: BatchState) -> np.ndarray:
        """Trials that wait for pending outcomes (see :meth:`waits`)."""
        return batch.pending.sum(axis=1) > 0

    def decide_batch(self, batch: BatchState) -> BatchDecision:
        """:meth:`decide` of many trials: the posterior once per distinct state of the trials that decide."""
        k = batch.n_levels
        if self.start_dose > k:
            raise ConfigError(f"{type(self).__name__}.start_dose", f"a dose level from 1 to {k}", self.start_dose)
        waiting = (batch.current >= 0) & self.waits_batch(batch)
        deciding = (batch.current >= 0) & ~waiting
        if self.cohort_kind == "up_to" and batch.arrival_first is not None:
            deciding &= batch.arrival_first  # elsewhere the level is not read (see BatchState)
        recommended = batch.current.copy()
        deciding = np.flatnonzero(deciding)
        if deciding.size:
            arrays = self.likelihood_batch(batch, deciding)
            if arrays[2].shape[1] == 0:
                recommended[deciding] = self.recommend_counts(arrays[0], arrays[1])
            else:
                first, inverse = find_distinct_states(*arrays)
                recommended[deciding] = self.recommend_screened(*(a[first] for a in arrays))[inverse]
        return compose_batch_decision(self.rules, batch.current, recommended, start_dose=self.start_dose,
                                      cohort_size=self.cohort_size, cohort_kind=self.cohort_kind, waiting=waiting)

    def select_mtd_batch(self, batch: BatchState, cache: dict | None = None) -> np.ndarray:
        """:meth:`select_mtd` of many trials (0-based, -1: none), memoised per state (``cache`` is not needed)."""
        n = batch.evaluated
        out = np.full(batch.n_trials, -1, np.int64)
        rows = np.flatnonzero(n.sum(axis=1) > 0)
        if rows.size:
            out[rows] = self.recommend_counts(n[rows], batch.y[rows])
        return out


@functools.lru_cache(maxsize=256)
def _skeleton(design: CRM, n_levels: int) -> np.ndarray:
    cls = type(design).__name__
    if design.skeleton is not None:
        if len(design.skeleton) != n_levels:
            raise ConfigError(f"{cls}.skeleton", f"one probability per dose level ({n_levels})", list(design.skeleton))
        return np.asarray(design.skeleton, dtype=float)
    nu = design.prior_mtd if design.prior_mtd is not None else (n_levels + 1) // 2
    if nu > n_levels:
        raise ConfigError(f"{cls}.prior_mtd", f"a dose level from 1 to {n_levels}", design.prior_mtd)
    width = DEFAULT_HALFWIDTH if design.halfwidth is None else design.halfwidth
    return compute_crm_skeleton(width, design.target, nu, n_levels, design.model, design.intercept)


@functools.lru_cache(maxsize=4096)
def _posterior_of_one(design: CRM, data: tuple[tuple, ...]) -> CRMPosterior:
    """The posterior (with credible intervals) of one trial's likelihood data, memoised."""
    arrays = (np.array([data[0]], np.int64), np.array([data[1]], np.int64), np.array([data[2]], np.int64),
              np.array([data[3]], float).reshape(1, -1))
    return design.compute_posterior(*arrays, intervals=True)
