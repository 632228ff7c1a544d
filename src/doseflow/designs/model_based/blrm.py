"""The Bayesian logistic regression model (BLRM) with escalation with overdose control (EWOC), as a design.

Neuenschwander, Branson and Gsponer (2008): ``logit p_d = log(alpha) + beta log(d / d_ref)``
with a bivariate normal prior on ``(log alpha, log beta)``; after each cohort the
posterior probabilities that each dose's DLT rate lies in the under-dosing, target and
over-dosing intervals are computed
(:func:`~doseflow.designs.model_based.compute_blrm_posterior`), and the next cohort goes to
the dose with the highest probability of the target interval among those whose
probability of over-dosing is below 0.25 and that are at most twice the highest dose given
(:func:`~doseflow.designs.model_based.compute_ewoc_next_level`).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from doseflow.core import Decision, MTDSelection, TrialState
from doseflow.designs.base import DesignBase
from doseflow.designs.batch import BatchDecision, BatchState
from doseflow.designs.model_based.blrm_model import BLRMPrior, compute_blrm_dose_covariate
from doseflow.designs.model_based.blrm_posterior import BLRMPosterior, compute_blrm_posterior
from doseflow.designs.model_based.blrm_prior import (
    compute_blrm_prior_effective_sample_size,
    compute_blrm_prior_from_guesses,
)
from doseflow.designs.model_based.decisions import (
    MODEL_RULES,
    compose_batch_decision,
    compose_decision,
    describe_levels,
)
from doseflow.designs.model_based.ewoc import compute_ewoc_admissible, compute_ewoc_next_level
from doseflow.designs.model_based.memo import (
    DESIGN_TOLERANCE,
    compute_memoised,
    shared_lattice_cache,
    state_memo,
)
from doseflow.designs.options import option, validate_options
from doseflow.errors import ConfigError

__all__ = ["BLRM", "DEFAULT_PRIOR_MEDIAN_AT_REFERENCE"]

#: Prior median DLT probability at the reference dose when no prior mean is given:
#: ``mean log alpha = logit(0.25)`` (the weakly informative prior of Neuenschwander et
#: al. 2008, sect. 3, centred on the target interval).
DEFAULT_PRIOR_MEDIAN_AT_REFERENCE = 0.25
#: Probability content of the credible intervals of ``p_d`` in ``details``.
CREDIBILITY = 0.9


@dataclass(frozen=True, slots=True)
class BLRM(DesignBase):
    """Two-parameter BLRM with EWOC (Neuenschwander, Branson and Gsponer 2008).

    Parameters
    ----------
    doses : tuple of float > 0, optional
        Dose amount per level, increasing; default: the plan's amounts (1, 2, ..., K for a
        plan of K unnamed levels, as in simulation).
    reference_dose : float > 0, optional
        ``d_ref`` of the model; default: the dose of the middle level (level ``(K + 1) // 2``).
    prior_mean_log_alpha, prior_mean_log_beta : float, optional
        Prior means of ``log alpha`` (the log-odds of a DLT at ``d_ref``) and ``log beta``;
        default ``logit(0.25)`` and 0, or from ``prior_guess_doses`` and ``prior_guess_dlt``.
    prior_sd_log_alpha, prior_sd_log_beta : float > 0, default 2 and 1
        Prior standard deviations (the weakly informative prior of Neuenschwander et al.).
    prior_correlation : float in (-1, 1), default 0
    prior_guess_doses, prior_guess_dlt : pair of float, optional
        Guessed DLT probabilities at two doses: the prior means then put the dose-toxicity
        curve at the prior medians through both guesses
        (:func:`~doseflow.designs.model_based.compute_blrm_prior_from_guesses`).
    target_low, target_high : float, default 0.16 and 0.33
        The target interval ``[target_low, target_high)``; under-dosing below it,
        over-dosing ``[target_high, 1]``.
    overdose_limit : float in (0, 1), default 0.25
        EWOC: a dose is admissible only if ``P(DLT rate >= target_high | data)`` is below it.
    max_increase : float >= 1, optional, default 2
        Escalation cap: a dose at most this multiple of the highest dose given; None: no cap.
    cohort_size : int >= 1, default 3
    start_dose : int >= 1, default 1

    Notes
    -----
    Decision (Neuenschwander et al. 2008, sect. 3.3): with every outcome known, the next
    cohort goes to the admissible dose (overdose control, then the cap) with the highest
    posterior probability of the target interval; the trial stops with no MTD when no dose
    is admissible (the lowest dose is too likely to over-dose). While an outcome is pending
    the design waits. The MTD is the dose with the highest probability of the target
    interval among the doses given whose probability of over-dosing is below the limit.
    ``target`` (for stopping rules and the overdose figures of simulations) is
    ``target_high``, the lower edge of the over-dosing interval.

    ``details``: ``estimates`` (posterior means of ``p_d``), ``posterior`` (mean, and the
    90% equal-tailed credible interval of ``p_d``), ``interval_probabilities``
    (``underdose``, ``target``, ``overdose`` per level, ``bounds``), ``admissible``
    (levels allowed by EWOC and the cap), ``prior`` (means, sds, correlation) and
    ``prior_effective_sample_size`` per level
    (:func:`~doseflow.designs.model_based.compute_blrm_prior_effective_sample_size`).

    References
    ----------
    Neuenschwander B, Branson M, Gsponer T (2008). Critical aspects of the Bayesian
    approach to phase I cancer trials. Statistics in Medicine 27:2420-2439.
    Babb J, Rogatko A, Zacks S (1998). Cancer phase I clinical trials: efficient dose
    escalation with overdose control. Statistics in Medicine 17:1103-1120.

    Examples
    --------
    >>> design = BLRM(doses=(10, 20, 40, 80, 160), reference_dose=80, prior_guess_doses=(10, 80),
    ...               prior_guess_dlt=(0.05, 0.30))
    >>> d = design.decide(TrialState.from_counts(5, [3, 3, 6, 0, 0], [0, 0, 1, 0, 0], current=3))
    >>> d.action, d.next_dose, d.rule
    ('stay', 3, 'blrm.stay')
    >>> [round(p, 3) for p in d.details["interval_probabilities"]["overdose"]][:4]
    [0.001, 0.004, 0.047, 0.354]
    """

    doses: tuple[float, ...] | None = option(
        None, help="Dose amount per level, increasing (default: the plan's amounts; 1, 2, ... in simulation).",
        minimum=0.0, exclusive=True, length="levels")
    reference_dose: float | None = option(None, help="Reference dose of the model (default: the middle level's).",
                                          minimum=0.0, exclusive=True)
    prior_mean_log_alpha: float | None = option(
        None, help="Prior mean of log(alpha), the log-odds of a DLT at the reference dose (default logit(0.25)).",
        minimum=-50.0, maximum=50.0)
    prior_mean_log_beta: float | None = option(None, help="Prior mean of log(beta) (default 0).", minimum=-20.0,
                                               maximum=20.0)
    prior_sd_log_alpha: float = option(2.0, help="Prior standard deviation of log(alpha).", minimum=0.0,
                                       maximum=20.0, exclusive=True)
    prior_sd_log_beta: float = option(1.0, help="Prior standard deviation of log(beta).", minimum=0.0,
                                      maximum=20.0, exclusive=True)
    prior_correlation: float = option(0.0, help="Prior correlation of log(alpha) and log(beta).", minimum=-1.0,
                                      maximum=1.0, exclusive=True)
    prior_guess_doses: tuple[float, ...] | None = option(
        None, help="Two doses with guessed DLT probabilities (--prior-guess-dlt) that set the prior means.",
        minimum=0.0, exclusive=True)
    prior_guess_dlt: tuple[float, ...] | None = option(
        None, help="Guessed DLT probabilities at --prior-guess-doses.", minimum=0.0, maximum=1.0, exclusive=True)
    target_low: float = option(0.16, help="Lower edge of the target interval of the DLT rate.", minimum=0.0,
                               maximum=1.0, exclusive=True)
    target_high: float = option(0.33, help="Upper edge of the target interval (over-dosing from here).",
                                minimum=0.0, maximum=1.0, exclusive=True)
    overdose_limit: float = option(0.25, help="EWOC: admissible doses have P(over-dosing) below this.",
                                   minimum=0.0, maximum=1.0, exclusive=True)
    max_increase: float | None = option(2.0, help="Escalation cap: at most this multiple of the highest dose given.",
                                        minimum=1.0, maximum=1000.0)
    cohort_size: int = option(3, help="Patients per cohort.", minimum=1, maximum=100)
    start_dose: int = option(1, help="1-based dose level of the first cohort.", minimum=1)

    name: ClassVar[str] = "blrm"
    title: ClassVar[str] = "BLRM with EWOC: Bayesian logistic regression with escalation with overdose control"
    citation: ClassVar[str] = "Neuenschwander B, Branson M, Gsponer T (2008). Stat Med 27:2420-2439."

    def __post_init__(self) -> None:
        validate_options(self)
        cls = type(self).__name__
        if self.doses is not None:
            compute_blrm_dose_covariate(self.doses, self.reference_dose or self.doses[0])
        if not self.target_low < self.target_high:
            raise ConfigError(f"{cls}.target_high", f"above target_low ({self.target_low:g})", self.target_high)
        guesses = (self.prior_guess_doses, self.prior_guess_dlt)
        if (guesses[0] is None) != (guesses[1] is None):
            missing = "prior_guess_dlt" if guesses[1] is None else "prior_guess_doses"
            raise ConfigError(f"{cls}.{missing}", "given with the other prior guess (two doses and their DLT "
                              "probabilities)", None)
        if guesses[0] is not None:
            for field, value in (("prior_mean_log_alpha", self.prior_mean_log_alpha),
                                 ("prior_mean_log_beta", self.prior_mean_log_beta)):
                if value is not None:
                    raise ConfigError(f"{cls}.{field}", "not given with prior guesses (they set the means)", value)
            compute_blrm_prior_from_guesses(guesses[0], guesses[1], self.reference_dose or guesses[0][1])

    # ----- the contract ---------------------------------------------------------------
    @property
    def rules(self) -> tuple[str, ...]:
        return tuple(f"{self.name}.{r}" for r in MODEL_RULES)

    @property
    def target(self) -> float:
        """The lower edge of the over-dosing interval (for stopping rules and overdose figures)."""
        return self.target_high

    @property
    def first_cohort_size(self) -> int:
        return self.cohort_size

    def doses_for(self, n_levels: int, amounts: tuple[float, ...] | None = None) -> np.ndarray:
        """The doses of a plan of ``n_levels`` levels: the option, else ``amounts`` (the plan's), else 1..K.

        Raises
        ------
        ConfigError
            If the doses option has another length than the plan.
        """
        if self.doses is not None:
            if len(self.doses) != n_levels:
                raise ConfigError(f"{type(self).__name__}.doses", f"one dose per level ({n_levels})", list(self.doses))
            return np.asarray(self.doses, dtype=float)
        if amounts is not None:
            return np.asarray(amounts, dtype=float)
        return np.arange(1.0, n_levels + 1.0)

    def model_for(self, doses: np.ndarray) -> tuple[float, BLRMPrior]:
        """The reference dose and the prior of ``doses`` (see the class parameters)."""
        return _model(self, tuple(float(d) for d in doses))

    def compute_posterior(self, doses: np.ndarray, n: np.ndarray, y: np.ndarray, *,
                          bounds: tuple[float, ...] | None = None, quantiles: tuple[float, ...] = ()) -> BLRMPosterior:
        """The posterior of many trials (rows of per-level counts) at ``doses`` (accurate to about 1e-8)."""
        reference, prior = self.model_for(doses)
        return compute_blrm_posterior(doses, reference, n, y, prior,
                                      interval_bounds=bounds or (self.target_low, self.target_high),
                                      quantiles=quantiles, tolerance=DESIGN_TOLERANCE,
                                      lattice_cache=shared_lattice_cache("blrm"))

    def prob_tox_exceeds_counts(self, n: np.ndarray, y: np.ndarray, threshold: float) -> np.ndarray:
        """``P(p_d > threshold | data)`` per trial and level, from per-level counts (trials, levels).

        For :class:`~doseflow.designs.wrappers.StopWhenTooToxic`; doses as in simulation
        (the option, else 1..K). Computed once per distinct state and memoised.
        """
        t = float(threshold)

        def compute(n_: np.ndarray, y_: np.ndarray) -> np.ndarray:
            doses = self.doses_for(n_.shape[1])
            return self.compute_posterior(doses, n_, y_, bounds=(t,)).interval_probabilities[:, :, 1]

        return compute_memoised(compute, state_memo((self, "exceeds", t)), np.asarray(n, np.int64),
                                np.asarray(y, np.int64))

    # ----- one trial --------------------------------------------------------------------
    def _doses_of(self, state: TrialState) -> np.ndarray:
        if self.start_dose > state.n_levels:
            raise ConfigError(f"{type(self).__name__}.start_dose", f"a dose level from 1 to {state.n_levels}",
                              self.start_dose)
        return self.doses_for(state.n_levels, tuple(level.amount for level in state.plan))

    def _summaries(self, doses: np.ndarray, state: TrialState) -> tuple[dict[str, Any], np.ndarray, np.ndarray]:
        """Details, interval probabilities (levels, 3) and the admissible levels of ``state``."""
        n, y = state.evaluated_per_dose, state.dlt_per_dose
        post = _posterior_of_one(self, tuple(doses.tolist()), tuple(n.tolist()), tuple(y.tolist()))
        probs = post.interval_probabilities[0]
        tried = np.flatnonzero(n > 0)
        highest = int(tried.max()) if tried.size else -1
        admissible = compute_ewoc_admissible(probs, doses, highest, overdose_limit=self.overdose_limit,
                                             max_increase=self.max_increase)[0]
        reference, prior = self.model_for(doses)
        details = {
            "estimates": [float(v) for v in post.toxicity_mean[0]],
            "posterior": {"mean": [float(v) for v in post.toxicity_mean[0]],
                          "lower": [float(v) for v in post.toxicity_quantiles[0, :, 0]],
                          "upper": [float(v) for v in post.toxicity_quantiles[0, :, 1]],
                          "credibility": CREDIBILITY},
            "interval_probabilities": {"underdose": [float(v) for v in probs[:, 0]],
                                       "target": [float(v) for v in probs[:, 1]],
                                       "overdose": [float(v) for v in probs[:, 2]],
                                       "bounds": [self.target_low, self.target_high]},
            "admissible": [int(i) + 1 for i in np.flatnonzero(admissible)],
            "doses": [float(d) for d in doses],
            "reference_dose": reference,
            "prior": {"mean_log_alpha": prior.mean_log_alpha, "mean_log_beta": prior.mean_log_beta,
                      "sd_log_alpha": prior.sd_log_alpha, "sd_log_beta": prior.sd_log_beta,
                      "correlation": prior.correlation},
            "prior_effective_sample_size": [float(v) for v in _prior_ess(self, tuple(doses.tolist()))],
        }
        return details, probs, admissible

    def _describe(self, doses: np.ndarray, state: TrialState, probs: np.ndarray, admissible: np.ndarray) -> str:
        n = int(state.evaluated_per_dose.sum())
        cap = ""
        if self.max_increase is not None and state.evaluated_per_dose.any():
            top = float(doses[int(np.flatnonzero(state.evaluated_per_dose > 0).max())])
            cap = f" and at most {self.max_increase:g} x the highest dose given ({top:g})"
        return (f"BLRM ({n} patient{'s' if n != 1 else ''} with a known outcome): P(DLT rate in "
                f"[{self.target_low:g}, {self.target_high:g})) is {describe_levels(probs[:, 1])} and "
                f"P(DLT rate >= {self.target_high:g}) is {describe_levels(probs[:, 2])}; levels with P(over-dosing) "
                f"< {self.overdose_limit:g}{cap}: {_level_list(admissible)}")

    def decide(self, state: TrialState) -> Decision:
        """The next cohort: the start dose, a wait for pending outcomes, the EWOC dose, or a stop.

        Precedence: (1) no patient yet: a cohort at ``start_dose``; (2) outcomes pending:
        wait; (3) no admissible dose: stop with no MTD; (4) the admissible dose with the
        highest probability of the target interval (see the class Notes).
        """
        doses = self._doses_of(state)
        if state.current_dose is None:
            return Decision("stay", self.start_dose, f"No patient has been treated yet; the trial starts at level "
                            f"{self.start_dose}.", (), f"{self.name}.start", self.cohort_size)
        c = state.current_dose
        if state.pending_per_dose.sum() > 0:
            return Decision("stay", c, f"{int(state.pending_per_dose.sum())} patient(s) are still in the DLT window; "
                            "the BLRM waits for their outcomes before the next cohort.", (),
                            f"{self.name}.wait_pending", 0)
        details, probs, admissible = self._summaries(doses, state)
        clause = self._describe(doses, state, probs, admissible)
        if not admissible.any():
            return Decision("stop", None, f"{clause}; no dose is admissible, so the trial stops with no MTD.", (),
                            f"{self.name}.stop_no_admissible", details=details)
        best = int(np.argmax(np.where(admissible, probs[:, 1], -np.inf)))
        clause += f"; among them level {best + 1} has the highest P(target) ({probs[best, 1]:.3f})"
        return compose_decision(self.name, c, best + 1, clause, self.cohort_size, "exact", details)

    def select_mtd(self, state: TrialState) -> MTDSelection:
        """The MTD: among the levels given with P(over-dosing) below the limit, the highest P(target).

        No dose is selected before any outcome is known, nor when no level given is
        admissible.
        """
        doses = self._doses_of(state)
        k = state.n_levels
        if int(state.evaluated_per_dose.sum()) == 0:
            return MTDSelection(None, (None,) * k, "No patient has a known outcome; no dose is selected.",
                                f"{self.name}.no_data")
        details, probs, _ = self._summaries(doses, state)
        estimates = tuple(details.pop("estimates"))
        ok = (state.evaluated_per_dose > 0) & (probs[:, 2] < self.overdose_limit)
        given = _level_list(state.evaluated_per_dose > 0)
        if not ok.any():
            return MTDSelection(None, estimates, f"No level given ({given}) has P(DLT rate >= {self.target_high:g}) "
                                f"below {self.overdose_limit:g}; no dose is selected.", f"{self.name}.no_mtd", details)
        best = int(np.argmax(np.where(ok, probs[:, 1], -np.inf)))
        return MTDSelection(best + 1, estimates, f"Among the levels given ({given}) with P(DLT rate >= "
                            f"{self.target_high:g}) below {self.overdose_limit:g}, level {best + 1} has the highest "
                            f"P(DLT rate in [{self.target_low:g}, {self.target_high:g})) ({probs[best, 1]:.3f}): it "
                            "is the MTD.", f"{self.name}.mtd", details)

    # ----- many trials ------------------------------------------------------------------
    def interval_probabilities_batch(self, n: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Interval probabilities (trials, levels, 3) of per-level counts, once per distinct state (memoised)."""
        def compute(n_: np.ndarray, y_: np.ndarray) -> np.ndarray:
            return self.compute_posterior(self.doses_for(n_.shape[1]), n_, y_).interval_probabilities

        return compute_memoised(compute, state_memo((self, "intervals")), np.asarray(n, np.int64),
                                np.asarray(y, np.int64))

    def decide_batch(self, batch: BatchState) -> BatchDecision:
        """:meth:`decide` of many trials: the posterior once per distinct state of the trials that decide."""
        k = batch.n_levels
        if self.start_dose > k:
            raise ConfigError(f"{type(self).__name__}.start_dose", f"a dose level from 1 to {k}", self.start_dose)
        n, y = batch.evaluated, batch.y
        waiting = (batch.current >= 0) & (batch.pending.sum(axis=1) > 0)
        deciding = np.flatnonzero((batch.current >= 0) & ~waiting)
        recommended = np.zeros(batch.n_trials, np.int64)
        if deciding.size:
            nd = n[deciding]
            highest = np.where(nd.any(axis=1), k - 1 - np.argmax(nd[:, ::-1] > 0, axis=1), -1)
            recommended[deciding] = compute_ewoc_next_level(
                self.interval_probabilities_batch(nd, y[deciding]), self.doses_for(k), highest,
                overdose_limit=self.overdose_limit, max_increase=self.max_increase)
        return compose_batch_decision(self.rules, batch.current, recommended, start_dose=self.start_dose,
                                      cohort_size=self.cohort_size, cohort_kind="exact", waiting=waiting)

    def select_mtd_batch(self, batch: BatchState, cache: dict | None = None) -> np.ndarray:
        """:meth:`select_mtd` of many trials (0-based, -1: none), memoised per state (``cache`` is not needed)."""
        n = batch.evaluated
        out = np.full(batch.n_trials, -1, np.int64)
        rows = np.flatnonzero(n.sum(axis=1) > 0)
        if rows.size:
            probs = self.interval_probabilities_batch(n[rows], batch.y[rows])
            ok = (n[rows] > 0) & (probs[:, :, 2] < self.overdose_limit)
            out[rows] = np.where(ok.any(axis=1), np.argmax(np.where(ok, probs[:, :, 1], -np.inf), axis=1), -1)
        return out


def _level_list(mask: np.ndarray) -> str:
    levels = [str(int(i) + 1) for i in np.flatnonzero(mask)]
    return ", ".join(levels) if levels else "none"


@functools.lru_cache(maxsize=256)
def _model(design: BLRM, doses: tuple[float, ...]) -> tuple[float, BLRMPrior]:
    reference = design.reference_dose if design.reference_dose is not None else doses[(len(doses) - 1) // 2]
    compute_blrm_dose_covariate(doses, reference)
    if design.prior_guess_doses is not None:
        prior = compute_blrm_prior_from_guesses(design.prior_guess_doses, design.prior_guess_dlt, reference,
                                                sd_log_alpha=design.prior_sd_log_alpha,
                                                sd_log_beta=design.prior_sd_log_beta,
                                                correlation=design.prior_correlation)
        return float(reference), prior
    mean_a = design.prior_mean_log_alpha
    mean_b = design.prior_mean_log_beta
    prior = BLRMPrior(math.log(DEFAULT_PRIOR_MEDIAN_AT_REFERENCE / (1 - DEFAULT_PRIOR_MEDIAN_AT_REFERENCE)) if mean_a is None else mean_a,
                      0.0 if mean_b is None else mean_b, design.prior_sd_log_alpha, design.prior_sd_log_beta,
                      design.prior_correlation)
    return float(reference), prior


@functools.lru_cache(maxsize=256)
def _prior_ess(design: BLRM, doses: tuple[float, ...]) -> np.ndarray:
    reference, prior = _model(design, doses)
    return compute_blrm_prior_effective_sample_size(prior, doses, reference)


@functools.lru_cache(maxsize=4096)
def _posterior_of_one(design: BLRM, doses: tuple[float, ...], n: tuple[int, ...], y: tuple[int, ...]) -> BLRMPosterior:
    """The posterior (with the 90% credible intervals) of one trial's counts, memoised."""
    q = (0.5 - CREDIBILITY / 2, 0.5 + CREDIBILITY / 2)
    return design.compute_posterior(np.asarray(doses), np.array([n]), np.array([y]), quantiles=q)
