"""The CRM posterior of many trials at once, and dfcrm's recommended level.

Prior ``beta ~ N(0, sigma^2)`` (sigma^2 = 1.34 by default), the working models of
:mod:`~doseflow.designs.model_based.crm_model`, and the (weighted) binomial likelihood

    L(beta) = prod_d p_d^{y_d} (1 - p_d)^{n_d - y_d} * prod_i (1 - w_i p_{d_i})

where ``n_d, y_d`` count the patients with a known outcome at level ``d`` (a DLT, or the
whole DLT window without one) and ``i`` runs over the patients still in their window,
``w_i`` in [0, 1] being the weight of their follow-up (O'Quigley, Pepe and Fisher 1990,
sect. 2; the TITE-CRM weighted likelihood of Cheung and Chappell 2000, sect. 2; Cheung 2011,
sect. 3.2-3.3 and 4.1). With no pending patient it is the CRM likelihood; a pending patient
with weight 1 counts as a patient without DLT.

The integrals of the posterior (normaliser, mean and variance of beta, mean of ``p_d``,
the CDF of beta) are computed on uniform lattices in log space with error control
(:mod:`~doseflow.designs.model_based.lattice`), batched over trials.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from doseflow.checks import check_probability, check_real
from doseflow.designs.model_based.crm_model import (
    DEFAULT_INTERCEPT,
    DEFAULT_PRIOR_SD,
    compute_crm_beta_at_toxicity,
    compute_crm_dose_labels,
    compute_crm_log_toxicity,
)
from doseflow.designs.model_based.counts import compute_outcome_counts, validate_counts, validate_pending
from doseflow.designs.model_based.lattice import (
    AxisMap,
    compute_sinc_cdf_weights,
    compute_sinc_density_weights,
    solve_increasing,
)
from doseflow.designs.model_based.posterior_lattice import LatticeGroup, integrate_on_lattices
from doseflow.errors import ConfigError

__all__ = [
    "CRMPosterior",
    "compute_crm_lattice_columns",
    "compute_pending_log_likelihood",
    "crm_lattice_key",
    "compute_crm_posterior",
    "compute_crm_posterior_from_patients",
    "compute_crm_recommended_level",
]


@dataclass(frozen=True, slots=True)
class CRMPosterior:
    """Posterior summaries of the CRM for ``trials`` trials with ``levels`` dose levels.

    Attributes
    ----------
    beta_mean, beta_variance : numpy.ndarray, shape (trials,)
        Posterior mean and variance of beta (dfcrm ``estimate`` and ``post.var``).
    toxicity_mean : numpy.ndarray, shape (trials, levels)
        Posterior mean of the DLT probability ``E[p_d(beta) | data]``.
    toxicity_plugin : numpy.ndarray, shape (trials, levels)
        ``p_d`` at the posterior mean of beta: dfcrm's ``ptox``, the estimates the CRM
        recommends from.
    plugin_lower, plugin_upper : numpy.ndarray, shape (trials, levels)
        dfcrm's interval: ``p_d`` at ``mean +- z sd`` of beta, z the normal quantile of
        ``(1 + credibility) / 2`` (dfcrm ``ptoxL``, ``ptoxU``; a normal approximation).
    credible_lower, credible_upper : numpy.ndarray, shape (trials, levels), or None
        Exact equal-tailed credible interval of ``p_d``: ``p_d`` at the posterior
        quantiles ``(1 + credibility)/2`` and ``(1 - credibility)/2`` of beta (``p_d`` is
        decreasing in beta). None when not requested.
    credibility : float
        Probability content of both intervals.
    toxicity_thresholds : tuple of float
        The thresholds ``t_k`` of ``probability_above``.
    probability_above : numpy.ndarray, shape (trials, levels, len(toxicity_thresholds))
        ``P(p_d > t_k | data)``, e.g. the CRM safety rule ``P(p_1 > target) > 0.9``.
    log_evidence : numpy.ndarray, shape (trials,)
        Log marginal likelihood ``log int L(beta) N(beta; 0, sigma^2) dbeta``.
    quadrature_error : numpy.ndarray, shape (trials,)
        Conservative bound on the quadrature error (relative; see
        :class:`~doseflow.designs.model_based.posterior_lattice.LatticeGroup`): below
        1e-5 with the default tolerance, the error itself being about its square.
    """

    beta_mean: np.ndarray
    beta_variance: np.ndarray
    toxicity_mean: np.ndarray
    toxicity_plugin: np.ndarray
    plugin_lower: np.ndarray
    plugin_upper: np.ndarray
    credible_lower: np.ndarray | None
    credible_upper: np.ndarray | None
    credibility: float
    toxicity_thresholds: tuple[float, ...]
    probability_above: np.ndarray
    log_evidence: np.ndarray
    quadrature_error: np.ndarray


def compute_pending_log_likelihood(level: np.ndarray, weight: np.ndarray, log_q: np.ndarray) -> np.ndarray:
    """``sum_i log(1 - w_i p_{d_i})`` at every node: (r, q) patients, log_q (g, levels).

    Written ``log((1 - w) + w (1 - p))`` so that no cancellation occurs when ``w p``
    is close to 1. Only the patients of positive weight are evaluated (padding and patients
    without follow-up contribute 1); a trial's factors are multiplied in the order of its
    columns and the product's log taken, one log per node. Each factor is at least
    ``1 - w_i``, so the product underflows only with many weights within 1e-16 of 1, and
    such trials are summed in logs instead.

    Trials are taken in decreasing order of their number of weighted patients, so that the
    ``j``-th factor of every trial that has one is a single array operation on a leading
    block of rows (no per-trial loop, no segmented reduction).
    """
    r, g = level.shape[0], log_q.shape[0]
    out = np.zeros((r, g))
    positive = weight > 0
    count = positive.sum(axis=1)
    order = np.argsort(-count, kind="stable")[: np.count_nonzero(count)]
    if not order.size:
        return out
    count = count[order]
    level, weight, positive = level[order], weight[order], positive[order]
    if not (positive == (np.arange(positive.shape[1]) < count[:, None])).all():
        left = np.argsort(~positive, axis=1, kind="stable")  # each trial's weighted patients first, in order
        level, weight = np.take_along_axis(level, left, axis=1), np.take_along_axis(weight, left, axis=1)
    rest = 1.0 - weight
    q = np.ascontiguousarray(np.exp(log_q).T)  # (levels, g): 1 - p at each level
    product = np.take(q, level[:, 0], axis=0)
    product *= weight[:, :1]
    product += rest[:, :1]
    # trials with more than j weighted patients: the first ends[j] (counts are decreasing)
    ends = np.searchsorted(-count, -np.arange(int(count[0])), side="left")
    buffer = np.empty_like(product)
    for j in range(1, int(count[0])):
        c = ends[j]
        factor = np.take(q, level[:c, j], axis=0, out=buffer[:c], mode="clip")  # (not buffered, unlike "raise")
        factor *= weight[:c, j, None]
        factor += rest[:c, j, None]
        product[:c] *= factor
    small = np.flatnonzero((product < 1e-280).any(axis=1))
    product[small] = 1.0
    out[order] = np.log(product, out=product)
    for i in small:
        k = count[i]
        factor = q[level[i, :k]]
        factor *= weight[i, :k, None]
        factor += rest[i, :k, None]
        out[order[i]] = np.log(factor).sum(axis=0)
    return out


def _beta_quantiles(group: LatticeGroup, probabilities: np.ndarray) -> np.ndarray:
    """Posterior quantiles of beta, shape (r, len(probabilities)), from the sinc CDF.

    The CDF at the nodes is one matrix product with the Toeplitz matrix of sinc CDF
    weights at integer offsets; the root is bracketed between two nodes, started by
    linear interpolation and polished by safeguarded Newton steps on the exact sinc CDF
    (in the lattice coordinate, then mapped back to beta).
    """
    beta = group.nodes[0]
    h = group.lattice.spacing[0]
    w = group.weights
    size = beta.size
    key = ("toeplitz", size)
    if key not in group.lattice.cache:
        offsets = np.arange(size)[None, :] - np.arange(size)[:, None]
        group.lattice.cache[key] = compute_sinc_cdf_weights(offsets)
    cdf_nodes = w @ group.lattice.cache[key]
    r, k = w.shape[0], probabilities.size
    row = np.repeat(np.arange(r), k)
    target = np.tile(probabilities, r)
    after = np.clip((cdf_nodes[row] < target[:, None]).sum(axis=1), 1, size - 1)
    left, right = cdf_nodes[row, after - 1], cdf_nodes[row, after]
    fraction = np.clip((target - left) / np.where(right > left, right - left, 1.0), 0.0, 1.0)
    start = beta[after - 1] + h * fraction

    def cdf(x: np.ndarray, active: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        offset = (x[:, None] - beta[None, :]) / h
        wa = w[row[active]]
        return (
            (wa * compute_sinc_cdf_weights(offset)).sum(axis=1),
            (wa * compute_sinc_density_weights(offset)).sum(axis=1) / h,
        )

    lower = np.where(after > 1, beta[after - 1], beta[0] - h)
    upper = np.where(after < size - 1, beta[after], beta[-1] + h)
    z = solve_increasing(cdf, target, lower, upper, start).reshape(r, k)
    return group.lattice.maps[0].to_parameter(z)


def compute_crm_lattice_columns(
    axes: Sequence[np.ndarray], *, labels: np.ndarray, model: str, intercept: float, sd: float
) -> tuple[np.ndarray, np.ndarray]:
    """The CRM's lattice table at beta values ``axes[0]`` (g,): columns and functions.

    Columns ``[log p_d, log(1 - p_d), log prior]`` (g, 2 levels + 1), so that a trial's log
    posterior is its row ``[y, n - y, 1]`` times them (plus the pending patients' term), and
    the functions ``p_d`` whose posterior means are reported; the ``table`` of
    :func:`~doseflow.designs.model_based.posterior_lattice.integrate_on_lattices` (with
    ``functools.partial``), shared with the decision screen of
    :mod:`~doseflow.designs.model_based.crm_screen`.
    """
    beta = axes[0]
    log_p, log_q = compute_crm_log_toxicity(beta, labels, model, intercept)
    log_prior = -0.5 * (beta / sd) ** 2 + (-math.log(sd) - 0.5 * math.log(2.0 * math.pi))
    return np.concatenate([log_p, log_q, log_prior[:, None]], axis=1), np.exp(log_p)


def crm_lattice_key(labels: np.ndarray, model: str, intercept: float, sd: float,
                    thresholds: tuple[float, ...] = ()) -> tuple:
    """The key of the CRM's tabulated lattices in a lattice cache (one per model and prior)."""
    return ("crm", model, intercept, sd, tuple(labels.tolist()), thresholds)


def compute_crm_posterior(
    skeleton: Sequence[float] | np.ndarray,
    n: np.ndarray,
    dlt: np.ndarray,
    *,
    pending_level: np.ndarray | None = None,
    pending_weight: np.ndarray | None = None,
    model: str = "empiric",
    intercept: float = DEFAULT_INTERCEPT,
    prior_sd: float = DEFAULT_PRIOR_SD,
    credibility: float = 0.90,
    credible_intervals: bool = True,
    toxicity_thresholds: Sequence[float] = (),
    tolerance: float = 1e-10,
    lattice_cache: dict | None = None,
) -> CRMPosterior:
    """Posterior of the CRM (or TITE-CRM) for many trials at once.

    Parameters
    ----------
    skeleton : sequence of float, shape (levels,)
        Prior guesses of the DLT probability, strictly increasing in (0, 1).
    n, dlt : array of int, shape (trials, levels) or (levels,) for one trial
        Patients with a known outcome (a DLT, or the whole window without one) and DLTs
        among them, per level (0-based columns).
    pending_level : array of int, shape (trials, patients) or (patients,), optional
        0-based level of each patient still in the DLT window without a DLT.
    pending_weight : array of float in [0, 1], same shape as ``pending_level``
        Follow-up weight of each pending patient (e.g. from
        :func:`~doseflow.designs.model_based.tite_weights.compute_linear_weights`). Pad
        rows with weight 0: such a slot contributes nothing.
    model : {"empiric", "logistic"}, default "empiric"
    intercept : float, default 3
        Intercept of the logistic model.
    prior_sd : float > 0, default sqrt(1.34)
        Prior standard deviation of beta.
    credibility : float in (0, 1), default 0.90
        Content of the intervals (dfcrm's ``conf.level``).
    credible_intervals : bool, default True
        Compute the exact credible intervals (quantiles of beta; costs about as much as
        the posterior itself). The simulation kernels do not need them.
    toxicity_thresholds : sequence of float in (0, 1)
        Thresholds ``t`` of ``P(p_d > t | data)``.
    tolerance : float, default 1e-10
        Accuracy asked of the quadrature: a trial is accepted when the square of its
        spacing-``h``-versus-``2h`` difference is below it (see
        :class:`~doseflow.designs.model_based.posterior_lattice.LatticeGroup`).
    lattice_cache : dict, optional
        A dict kept by the caller between calls (e.g. one per simulation run) in which
        tabulated lattices are reused; the results are the same with or without it.

    Returns
    -------
    CRMPosterior
        Arrays over trials; one trial when ``n`` is one-dimensional (still shape (1, ...)).

    Raises
    ------
    ConfigError, InputError
        For an invalid skeleton, model, prior or count (the message names the argument,
        the trial row and the level).

    Notes
    -----
    Posterior mean ``E[beta | data] = int beta L(beta) phi(beta) dbeta / int L phi``
    (Cheung 2011, ch. 3), computed as in :mod:`.lattice`; dfcrm's
    recommended level is :func:`compute_crm_recommended_level` of ``toxicity_plugin``. dfcrm computes
    the same integrals with R's ``integrate`` (relative tolerance about 1e-4).

    References
    ----------
    O'Quigley J, Pepe M, Fisher L (1990). Biometrics 46:33-48.
    Cheung YK, Chappell R (2000). Sequential designs for phase I clinical trials with
    late-onset toxicities. Biometrics 56:1177-1182.
    Cheung YK (2011). *Dose Finding by the Continual Reassessment Method*. CRC.

    Examples
    --------
    The example of dfcrm's ``crm`` help page (levels 3, 4, 4, 3, 3, 4, 3, 2, 2, 2):

    >>> post = compute_crm_posterior(
    ...     [0.05, 0.10, 0.20, 0.35, 0.50, 0.70],
    ...     n=[0, 3, 4, 3, 0, 0], dlt=[0, 0, 1, 2, 0, 0])
    >>> round(float(post.beta_mean[0]), 5), round(float(post.beta_variance[0]), 5)
    (-0.21217, 0.1576)
    >>> post.toxicity_plugin[0].round(4).tolist()
    [0.0887, 0.1553, 0.2721, 0.4278, 0.5708, 0.7494]
    >>> compute_crm_recommended_level(post.toxicity_plugin, 0.20).tolist()
    [1]
    """
    from scipy.special import ndtri

    labels = compute_crm_dose_labels(skeleton, model, intercept)
    sd = check_real(prior_sd, "prior_sd", minimum=0.0, strict=True)
    level_p = check_probability(credibility, "credibility")
    thresholds = tuple(
        check_probability(t, f"toxicity_thresholds[{i}]") for i, t in enumerate(toxicity_thresholds)
    )
    n_arr, y_arr = validate_counts(n, dlt, labels.size)
    trials = n_arr.shape[0]
    pending = None
    if pending_level is not None or pending_weight is not None:
        pending = validate_pending(pending_level, pending_weight, trials, labels.size)
    # The log posterior is [y, n - y, 1] @ [log p; log(1 - p); log prior] at every node.
    design = np.concatenate([y_arr, n_arr - y_arr, np.ones((trials, 1), dtype=np.int64)], axis=1)
    levels = labels.size
    table = functools.partial(compute_crm_lattice_columns, labels=labels, model=model, intercept=intercept, sd=sd)

    def pending_term(rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
        # Patients of weight 0 contribute nothing: only the columns up to the last one that
        # weighs in these rows are evaluated (rows of one block have few pending patients).
        weight = pending[1][rows]
        width = int(np.flatnonzero((weight > 0).any(axis=0)).max(initial=-1)) + 1
        return compute_pending_log_likelihood(pending[0][rows, :width], weight[:, :width], columns[:, levels : 2 * levels])

    # cuts[d, k]: beta below which p_d exceeds thresholds[k].
    cuts = np.array([compute_crm_beta_at_toxicity(t, labels, model, intercept) for t in thresholds]).T
    groups = integrate_on_lattices(
        table,
        design,
        [AxisMap(0.0, sd)],
        bounds=(lambda axes: cuts.ravel()) if thresholds else None,
        extra=None if pending is None else pending_term,
        tolerance=tolerance,
        cache=lattice_cache,
        cache_key=crm_lattice_key(labels, model, intercept, sd, thresholds),
    )

    beta_mean = np.empty(trials)
    beta_variance = np.empty(trials)
    toxicity_mean = np.empty((trials, levels))
    probability_above = np.empty((trials, levels, len(thresholds)))
    log_evidence = np.empty(trials)
    error = np.empty(trials)
    quantiles = np.empty((trials, 2)) if credible_intervals else None
    for g in groups:
        beta_mean[g.rows] = g.mean[:, 0]
        beta_variance[g.rows] = g.covariance[:, 0, 0]
        toxicity_mean[g.rows] = g.expectations
        log_evidence[g.rows] = g.log_normaliser
        error[g.rows] = g.error
        probability_above[g.rows] = np.clip(g.probabilities.reshape(g.rows.size, levels, len(thresholds)), 0.0, 1.0)
        if quantiles is not None:
            quantiles[g.rows] = _beta_quantiles(g, np.array([(1 - level_p) / 2, (1 + level_p) / 2]))

    def toxicity_at(b: np.ndarray) -> np.ndarray:
        return np.exp(compute_crm_log_toxicity(b, labels, model, intercept)[0])

    z = float(ndtri(0.5 + level_p / 2))  # the standard normal quantile
    sd_post = np.sqrt(beta_variance)
    return CRMPosterior(
        beta_mean=beta_mean,
        beta_variance=beta_variance,
        toxicity_mean=toxicity_mean,
        toxicity_plugin=toxicity_at(beta_mean),
        plugin_lower=toxicity_at(beta_mean + z * sd_post),
        plugin_upper=toxicity_at(beta_mean - z * sd_post),
        credible_lower=None if quantiles is None else toxicity_at(quantiles[:, 1]),
        credible_upper=None if quantiles is None else toxicity_at(quantiles[:, 0]),
        credibility=level_p,
        toxicity_thresholds=thresholds,
        probability_above=probability_above,
        log_evidence=log_evidence,
        quadrature_error=error,
    )


def compute_crm_posterior_from_patients(
    skeleton: Sequence[float] | np.ndarray,
    level: Sequence[int] | np.ndarray,
    dlt: Sequence[int] | np.ndarray,
    weight: Sequence[float] | np.ndarray | None = None,
    **options: object,
) -> CRMPosterior:
    """The CRM (or TITE-CRM) posterior of one trial from its patients, as dfcrm takes them.

    Parameters
    ----------
    skeleton : sequence of float, shape (levels,)
    level : sequence of int, shape (patients,)
        0-based dose level of each patient.
    dlt : sequence of 0/1 or bool, shape (patients,)
    weight : sequence of float in [0, 1], shape (patients,), optional
        Follow-up weights (TITE-CRM); all 1 (the CRM) when omitted. A patient with a DLT
        counts with weight 1.
    **options
        Keyword arguments of :func:`compute_crm_posterior` (model, prior_sd, ...).

    Returns
    -------
    CRMPosterior
        Arrays of one trial (shape (1, ...)): :func:`compute_crm_posterior` with trials = 1.

    Examples
    --------
    dfcrm's ``crm`` example, with levels made 0-based:

    >>> post = compute_crm_posterior_from_patients(
    ...     [0.05, 0.10, 0.20, 0.35, 0.50, 0.70],
    ...     [2, 3, 3, 2, 2, 3, 2, 1, 1, 1], [0, 0, 1, 0, 0, 1, 1, 0, 0, 0])
    >>> round(float(post.beta_mean[0]), 5)
    -0.21217
    """
    labels = np.asarray(skeleton)
    lv = np.asarray(level)
    w = np.ones(lv.shape) if weight is None else weight
    counts = compute_outcome_counts(
        lv[None, :], np.asarray(dlt)[None, :], np.asarray(w, dtype=float)[None, :], labels.size
    )
    return compute_crm_posterior(
        skeleton,
        counts.n,
        counts.dlt,
        pending_level=counts.pending_level,
        pending_weight=counts.pending_weight,
        **options,
    )


def compute_crm_recommended_level(toxicity: np.ndarray, target: float) -> np.ndarray:
    """dfcrm's recommended level: the one whose estimate is closest to the target.

    Parameters
    ----------
    toxicity : array, shape (trials, levels) or (levels,)
        Estimated DLT probabilities (the CRM uses the plug-in estimates).
    target : float in (0, 1)
        Target DLT probability.

    Returns
    -------
    numpy.ndarray of int, shape (trials,) or ()
        0-based level minimising ``|p_d - target|``; ties go to the lower level. With
        increasing estimates this is dfcrm's rule: the highest level when every estimate
        is at most the target, the lowest when every one is at least the target (Cheung
        2011, sect. 3.3; dfcrm ``crm``, ``mtd``).

    Examples
    --------
    >>> compute_crm_recommended_level(np.array([[0.05, 0.18, 0.3], [0.3, 0.4, 0.5]]), 0.2).tolist()
    [1, 0]
    """
    t = check_probability(target, "target")
    p = np.asarray(toxicity, dtype=float)
    if p.ndim == 0 or p.shape[-1] == 0 or not np.all(np.isfinite(p)):
        raise ConfigError("toxicity", "finite estimates for at least one level", toxicity)
    return np.argmin(np.abs(p - t), axis=-1)
