"""The BLRM posterior of many trials at once: moments, interval probabilities, quantiles.

The posterior of ``theta = (log alpha, log beta)`` given per-level counts is integrated on
two-dimensional uniform lattices with error control
(:mod:`~doseflow.designs.model_based.lattice`), batched over trials. Probabilities of
``p_d`` below a cut-off ``c`` are integrals over the region ``log alpha < logit(c) -
beta log(d / d_ref)``: for each lattice value of ``log beta`` the inner integral over
``log alpha`` up to that limit is the sinc indefinite integral, and the outer integral the
trapezoidal rule, so they converge as fast as the moments.

References
----------
Neuenschwander B, Branson M, Gsponer T (2008). Statistics in Medicine 27:2420-2439.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from doseflow.checks import check_probability
from doseflow.designs.model_based.blrm_model import (
    LOG_BETA_LIMIT,
    BLRMPrior,
    compute_blrm_dose_covariate,
    compute_blrm_log_prior,
    compute_blrm_log_toxicity,
)
from doseflow.designs.model_based.counts import validate_counts
from doseflow.designs.model_based.lattice import (
    AxisMap,
    compute_sinc_cdf_weights,
    compute_sinc_density_weights,
    solve_increasing,
)
from doseflow.designs.model_based.posterior_lattice import LatticeGroup, integrate_on_lattices
from doseflow.errors import ConfigError

__all__ = ["BLRMPosterior", "DEFAULT_INTERVAL_BOUNDS", "compute_blrm_posterior"]

#: Under-dosing [0, 0.16), target [0.16, 0.33), over-dosing [0.33, 1] (Neuenschwander et
#: al. 2008, sect. 3.3).
DEFAULT_INTERVAL_BOUNDS = (0.16, 0.33)


@dataclass(frozen=True, slots=True)
class BLRMPosterior:
    """Posterior summaries of the BLRM for ``trials`` trials with ``levels`` dose levels.

    Attributes
    ----------
    parameter_mean : numpy.ndarray, shape (trials, 2)
        Posterior mean of ``(log alpha, log beta)``.
    parameter_covariance : numpy.ndarray, shape (trials, 2, 2)
        Posterior covariance of ``(log alpha, log beta)``.
    toxicity_mean, toxicity_sd : numpy.ndarray, shape (trials, levels)
        Posterior mean and standard deviation of the DLT probability ``p_d``.
    interval_bounds : tuple of float
        Cut-offs ``c_1 < ... < c_m`` of the toxicity intervals.
    interval_probabilities : numpy.ndarray, shape (trials, levels, m + 1)
        ``P(p_d in [c_{k-1}, c_k) | data)`` with ``c_0 = 0``, ``c_{m+1} = 1``: with the
        default bounds, under-dosing, target and over-dosing.
    quantile_levels : tuple of float
        Probabilities of ``toxicity_quantiles``.
    toxicity_quantiles : numpy.ndarray, shape (trials, levels, len(quantile_levels)), or None
        Posterior quantiles of ``p_d``; None when none were requested.
    log_evidence : numpy.ndarray, shape (trials,)
        Log marginal likelihood of the data.
    quadrature_error : numpy.ndarray, shape (trials,)
        Conservative bound on the quadrature error (relative; see
        :class:`~doseflow.designs.model_based.posterior_lattice.LatticeGroup`): below
        1e-5 with the default tolerance, the error itself being about its square.
    """

    parameter_mean: np.ndarray
    parameter_covariance: np.ndarray
    toxicity_mean: np.ndarray
    toxicity_sd: np.ndarray
    interval_bounds: tuple[float, ...]
    interval_probabilities: np.ndarray
    quantile_levels: tuple[float, ...]
    toxicity_quantiles: np.ndarray | None
    log_evidence: np.ndarray
    quadrature_error: np.ndarray


#: Stretch of the lattice coordinates of (log alpha, log beta) (see ``lattice.AxisMap``).
STRETCH = 0.5
#: Tolerance of the lattices when quantiles are asked for (see ``compute_blrm_posterior``).
QUANTILE_TOLERANCE = 1e-14


def _slope(axes: Sequence[np.ndarray], covariate: np.ndarray) -> np.ndarray:
    """``beta log(d / d_ref)`` at the lattice values of log beta: shape (g_b, levels)."""
    return np.exp(np.minimum(axes[1], LOG_BETA_LIMIT))[:, None] * covariate[None, :]


def _toxicity_quantiles(group: LatticeGroup, covariate: np.ndarray, levels_q: np.ndarray) -> np.ndarray:
    """Posterior quantiles of ``p_d``: shape (r, levels, len(levels_q)).

    Solves ``P(logit p_d < y) = q`` for ``y`` by safeguarded Newton steps on the sinc CDF
    along the log alpha axis, started at the normal approximation of ``logit p_d`` and
    bracketed by its extreme lattice values.
    """
    from scipy.special import expit, ndtri

    alpha_map, h = group.lattice.maps[0], group.lattice.spacing[0]
    z_alpha = group.nodes[0]
    slope = _slope(group.axes, covariate)  # (g_b, levels)
    w = group.weights  # (r, g_a, g_b)
    r, levels, k = w.shape[0], covariate.size, levels_q.size
    eta = group.axes[0][:, None, None] + slope[None, :, :]  # (g_a, g_b, levels)
    flat_eta = eta.reshape(-1, levels)
    flat_w = w.reshape(r, -1)
    mean = flat_w @ flat_eta
    sd = np.sqrt(np.maximum(flat_w @ flat_eta**2 - mean**2, 1e-300))
    row = np.repeat(np.arange(r), levels * k)
    level = np.tile(np.repeat(np.arange(levels), k), r)
    target = np.tile(levels_q, r * levels)
    start = mean[row, level] + sd[row, level] * ndtri(target)  # the standard normal quantile

    def cdf(y: np.ndarray, active: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        bound = y[:, None] - slope[:, level[active]].T  # (m, g_b): log alpha limit per column
        z_bound = alpha_map.to_lattice(bound)
        dz = np.exp(-alpha_map.log_jacobian(z_bound))  # dz / d(log alpha)
        offset = (z_bound[:, None, :] - z_alpha[None, :, None]) / h  # (m, g_a, g_b)
        wa = w[row[active]]
        value = (wa * compute_sinc_cdf_weights(offset)).sum(axis=(1, 2))
        slope_y = (wa * compute_sinc_density_weights(offset) * dz[:, None, :]).sum(axis=(1, 2)) / h
        return value, slope_y

    lower = np.full(target.shape, flat_eta.min() - 1.0)
    upper = np.full(target.shape, flat_eta.max() + 1.0)
    y = solve_increasing(cdf, target, lower, upper, np.clip(start, lower, upper))
    return expit(y).reshape(r, levels, k)


def compute_blrm_posterior(
    doses: Sequence[float] | np.ndarray,
    reference_dose: float,
    n: np.ndarray,
    dlt: np.ndarray,
    prior: BLRMPrior,
    *,
    interval_bounds: Sequence[float] = DEFAULT_INTERVAL_BOUNDS,
    quantiles: Sequence[float] = (),
    tolerance: float = 1e-10,
    lattice_cache: dict | None = None,
) -> BLRMPosterior:
    """Posterior of the BLRM for many trials at once (Neuenschwander et al. 2008).

    Parameters
    ----------
    doses : sequence of float > 0, shape (levels,)
        Dose amounts, strictly increasing.
    reference_dose : float > 0
        ``d_ref`` of the model.
    n, dlt : array of int, shape (trials, levels) or (levels,) for one trial
        Patients and DLTs per level (0-based columns).
    prior : BLRMPrior
        Bivariate normal prior of ``(log alpha, log beta)``.
    interval_bounds : sequence of float in (0, 1), increasing, default (0.16, 0.33)
        Cut-offs of the toxicity intervals.
    quantiles : sequence of float in (0, 1), default none
        Probabilities of the posterior quantiles of ``p_d`` to compute. The lattices are
        then refined to a tolerance of 1e-14 (the quantiles solve the sinc CDF at points
        the error control does not check), and each quantile costs a few passes over the
        lattice per trial and level: meant for reporting a trial, not for simulation.
    tolerance : float, default 1e-10
        Accuracy asked of the quadrature: a trial is accepted when the square of its
        spacing-``h``-versus-``2h`` difference is below it (see
        :class:`~doseflow.designs.model_based.posterior_lattice.LatticeGroup`).
    lattice_cache : dict, optional
        A dict kept by the caller between calls (e.g. one per simulation run) in which
        tabulated lattices are reused; the results are the same with or without it.

    Returns
    -------
    BLRMPosterior
        Arrays over trials; one trial when ``n`` is one-dimensional (shape (1, ...)).

    Raises
    ------
    ConfigError, InputError
        For invalid doses, bounds, quantiles or counts.

    Notes
    -----
    Likelihood ``prod_d p_d^{y_d} (1 - p_d)^{n_d - y_d}`` with ``logit p_d = log alpha +
    beta log(d / d_ref)`` (Neuenschwander et al. 2008, sect. 2); prior
    ``(log alpha, log beta) ~ N(mu, Sigma)`` (sect. 3); interval probabilities as in their
    sect. 3.3. Integration as in :mod:`.lattice` (trapezoidal rule, sinc indefinite
    integral for the probabilities).

    Examples
    --------
    >>> prior = BLRMPrior(-1.0986, 0.0, 2.0, 1.0)
    >>> post = compute_blrm_posterior([1, 2, 4, 8], 4, [3, 3, 0, 0], [0, 1, 0, 0], prior)
    >>> post.interval_probabilities.shape
    (1, 4, 3)
    >>> bool(np.allclose(post.interval_probabilities.sum(axis=2), 1.0))
    True
    """
    from scipy.special import logit

    covariate = compute_blrm_dose_covariate(doses, reference_dose)
    if not isinstance(prior, BLRMPrior):
        raise ConfigError("prior", "a BLRMPrior", prior)
    cuts = np.array([check_probability(c, f"interval_bounds[{i}]") for i, c in enumerate(interval_bounds)])
    if np.any(np.diff(cuts) <= 0):
        raise ConfigError("interval_bounds", "strictly increasing cut-offs", list(interval_bounds))
    levels_q = np.array([check_probability(q, f"quantiles[{i}]") for i, q in enumerate(quantiles)])
    n_arr, y_arr = validate_counts(n, dlt, covariate.size)
    trials, levels = n_arr.shape
    design = np.concatenate([y_arr, n_arr - y_arr, np.ones((trials, 1), dtype=np.int64)], axis=1)

    def table(axes: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        log_alpha, log_beta = np.meshgrid(*axes, indexing="ij")
        log_p, log_q = compute_blrm_log_toxicity(log_alpha, log_beta, covariate)
        log_prior = compute_blrm_log_prior(prior, log_alpha, log_beta)
        p = np.exp(log_p)
        return np.concatenate([log_p, log_q, log_prior[..., None]], axis=-1), np.concatenate([p, p * p], axis=-1)

    def bounds(axes: Sequence[np.ndarray]) -> np.ndarray:
        # p_d < c exactly when log alpha < logit(c) - beta log(d / d_ref): (g_b, levels * cuts).
        limit = logit(cuts)
        return (limit[None, None, :] - _slope(axes, covariate)[:, :, None]).reshape(len(axes[1]), -1)

    maps = [AxisMap(c, s, STRETCH) for c, s in zip(prior.mean, prior.sd)]
    # Quantiles solve the sinc CDF at points the error control does not check: they are
    # computed on lattices refined well beyond the tolerance.
    accuracy = min(tolerance, QUANTILE_TOLERANCE) if levels_q.size else tolerance
    groups = integrate_on_lattices(
        table,
        design,
        maps,
        bounds=bounds,
        tolerance=accuracy,
        cache=lattice_cache,
        cache_key=("blrm", tuple(covariate.tolist()), prior, tuple(cuts.tolist())),
    )
    parameter_mean = np.empty((trials, 2))
    parameter_covariance = np.empty((trials, 2, 2))
    toxicity_mean = np.empty((trials, levels))
    toxicity_square = np.empty((trials, levels))
    below = np.empty((trials, levels, cuts.size))
    toxicity_quantiles = np.empty((trials, levels, levels_q.size)) if levels_q.size else None
    log_evidence = np.empty(trials)
    error = np.empty(trials)
    for g in groups:
        parameter_mean[g.rows] = g.mean
        parameter_covariance[g.rows] = g.covariance
        toxicity_mean[g.rows] = g.expectations[:, :levels]
        toxicity_square[g.rows] = g.expectations[:, levels:]
        below[g.rows] = g.probabilities.reshape(g.rows.size, levels, cuts.size)
        log_evidence[g.rows] = g.log_normaliser
        error[g.rows] = g.error
        if toxicity_quantiles is not None:
            toxicity_quantiles[g.rows] = _toxicity_quantiles(g, covariate, levels_q)
    cumulative = np.concatenate(
        [np.zeros((trials, levels, 1)), np.clip(below, 0.0, 1.0), np.ones((trials, levels, 1))], axis=2
    )
    cumulative = np.maximum.accumulate(cumulative, axis=2)
    return BLRMPosterior(
        parameter_mean=parameter_mean,
        parameter_covariance=parameter_covariance,
        toxicity_mean=toxicity_mean,
        toxicity_sd=np.sqrt(np.maximum(toxicity_square - toxicity_mean**2, 0.0)),
        interval_bounds=tuple(float(c) for c in cuts),
        interval_probabilities=np.diff(cumulative, axis=2),
        quantile_levels=tuple(float(q) for q in levels_q),
        toxicity_quantiles=toxicity_quantiles,
        log_evidence=log_evidence,
        quadrature_error=error,
    )
