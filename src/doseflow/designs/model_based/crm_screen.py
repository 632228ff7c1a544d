"""dfcrm's recommended level without the full posterior where a cheaper one settles it (empiric CRM, TITE-CRM).

The CRM recommends the level whose plug-in estimate ``p_d(m)`` is closest to the target,
``m`` the posterior mean of beta (Cheung 2011, sect. 3.3; dfcrm ``crm``). The estimates
increase with the level and all decrease in beta, so the level is the number of adjacent
pairs with ``p_d(m) + p_{d+1}(m) < 2 target`` (ties to the lower): a non-decreasing step
function of ``m``. The level is therefore settled by any interval known to hold ``m`` on
which the step function is constant, and does not need ``m`` to 1e-8.

:func:`screen_crm_recommended_level` computes, for many trials at once, ``m`` and a bound on
its error from a lattice posterior cheaper than the full one of
:func:`~doseflow.designs.model_based.compute_crm_posterior` (about 30 nodes a trial
instead of 81 + 70), and the level where ``level(m - bound) == level(m + bound)``:

1. **Locate.** Four Newton steps on the log posterior in beta from the prior mean 0
   (analytic derivatives of the empiric model, below) give a centre ``b`` and a scale
   ``s = (-l''(b))^(-1/2)``.
2. **Integrate.** The trapezoidal rule on the lattice of the full posterior's ladder with
   spacing at most ``s / 1.5`` (the same tabulated tiles), over ``b +- 8 s``; the mean and
   its difference ``E`` (in posterior standard deviations) from the sub-lattices of every
   second node (spacing ``2h``). The trapezoidal error at ``h`` is about ``E^2``
   (Trefethen and Weideman 2014, Theorem 5.1); ``10 E`` is counted.
3. **Bound the tails.** The log likelihood of the known outcomes plus the log prior,
   ``lin``, is concave in beta in the empiric model (``y e^b log x_d`` and
   ``log(1 - x_d^(e^b))`` are concave), so beyond the window it lies below the tangent at
   the window's edge, whose slope is bounded by the secant of the last two nodes. Each
   pending patient's term ``log(1 - w x_d^(e^b))`` is at most 0 and increases with
   beta. Hence left of the window ``l <= lp(z_0) - s_L (z_0 - z)``, right of it
   ``l <= lin(z_n) + s_R (z - z_n)`` (``s_L > 0 > s_R`` the secant slopes, else nothing
   is settled), which bounds the mass and first moment outside the window exactly.

The bound on ``|m - E[beta | data]|`` is ``10 E sd`` + the tails' share + ``1e-5 sd`` for
the full computation's own error (its accepted error is about 1e-8 sd), ``sd`` the
posterior standard deviation. Trials the screen does not settle (near a boundary, or a
check that fails) are left to the full posterior; in a TITE-CRM simulation (6 levels,
target 0.3, n = 30) about 0.2% of them.

Derivatives (empiric model, ``u_d = -e^b log x_d > 0``): ``d/db`` of ``-y u``:
``-y u`` (both orders); of ``log(1 - e^-u)``: ``t = u / (e^u - 1)``, then ``t (1 - t - u)``;
of ``log(1 - w e^-u)``: ``u r`` with ``r = w e^-u / (1 - w e^-u)``, then
``u r (1 - u (1 + r))``; of the prior ``-b^2 / (2 sigma^2)``: ``-b / sigma^2``, ``-1 / sigma^2``.

References
----------
Cheung YK (2011). *Dose Finding by the Continual Reassessment Method*. CRC.
Cheung YK, Chappell R (2000). Sequential designs for phase I clinical trials with
late-onset toxicities. Biometrics 56:1177-1182.
Trefethen LN, Weideman JAC (2014). The exponentially convergent trapezoidal rule. SIAM
Review 56:385-458.
"""

from __future__ import annotations

import functools

import numpy as np

from doseflow.designs.model_based.counts import validate_counts, validate_pending
from doseflow.designs.model_based.crm_model import DEFAULT_INTERCEPT, compute_crm_log_toxicity
from doseflow.designs.model_based.crm_posterior import (
    compute_crm_lattice_columns,
    compute_crm_recommended_level,
    compute_pending_log_likelihood,
    crm_lattice_key,
)
from doseflow.designs.model_based.lattice import AxisMap
from doseflow.designs.model_based.lattice_tables import compute_lattice, compute_spacing
from doseflow.designs.model_based.posterior_lattice import ROWS_PER_BLOCK, compute_window, limit_blas_threads

__all__ = ["screen_crm_recommended_level"]

#: Newton steps from the prior mean, and the largest step (in beta).
NEWTON_STEPS = 4
MAX_STEP = 1.5
#: Lattice nodes per local scale (at least), and the half-width of the window in scales.
NODES_PER_SCALE = 1.5
HALF_WIDTH = 8.0
#: Counted error of the trapezoidal mean: this many times its h-versus-2h difference ...
QUADRATURE_FACTOR = 10.0
#: ... plus this much (posterior sds) for the full posterior's own error.
FULL_ERROR = 1e-5
#: Windows wider than this (nodes) are left to the full posterior.
MAX_NODES = 4096


def _newton(n: np.ndarray, y: np.ndarray, level: np.ndarray, weight: np.ndarray, log_x: np.ndarray,
            sd: float) -> tuple[np.ndarray, np.ndarray]:
    """Centre (beta) and curvature of the log posterior after ``NEWTON_STEPS`` steps from 0."""
    beta = np.zeros(n.shape[0])
    known, log_xp = n - y, log_x[level]
    curvature = np.full(n.shape[0], -1.0 / sd**2)
    for _ in range(NEWTON_STEPS):
        a = np.exp(beta)
        u = -a[:, None] * log_x  # (trials, levels)
        t = u / np.expm1(u)
        slope = (known * t - y * u).sum(axis=1) - beta / sd**2
        curvature = (known * (t * (1.0 - t - u)) - y * u).sum(axis=1) - 1.0 / sd**2
        if level.shape[1]:
            up = -a[:, None] * log_xp  # (trials, pending)
            r = weight * np.exp(-up) / ((1.0 - weight) - weight * np.expm1(-up))
            slope += (up * r).sum(axis=1)
            curvature += (up * r * (1.0 - up * (1.0 + r))).sum(axis=1)
        step = np.where(curvature < 0, -slope / np.where(curvature < 0, curvature, -1.0), np.sign(slope) * MAX_STEP)
        beta = beta + np.clip(step, -MAX_STEP, MAX_STEP)
    return beta, curvature


def screen_crm_recommended_level(
    skeleton: np.ndarray, target: float, n: np.ndarray, y: np.ndarray, pending_level: np.ndarray,
    pending_weight: np.ndarray, *, prior_sd: float, intercept: float = DEFAULT_INTERCEPT,
    lattice_cache: dict | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """dfcrm's recommended level where a cheap posterior settles it (see the module docstring).

    Parameters
    ----------
    skeleton : numpy.ndarray, shape (levels,)
        The empiric model's skeleton (its dose labels).
    target : float
    n, y : numpy.ndarray of int, shape (trials, levels)
        Patients with a known outcome and DLTs, per level (validated by the caller).
    pending_level, pending_weight : numpy.ndarray, shape (trials, q)
        Pending patients (0-based level, follow-up weight in [0, 1); weight 0 pads).
    prior_sd : float
        Prior standard deviation of beta.
    intercept : float
        The design's logistic intercept: not used by the empiric model, part of the key of
        the shared lattices.
    lattice_cache : dict, optional
        The tabulated lattices of :func:`~doseflow.designs.model_based.compute_crm_posterior`
        with the same model (shared; the values do not depend on it).

    Returns
    -------
    settled : numpy.ndarray of bool, shape (trials,)
        Trials whose level is certain.
    level : numpy.ndarray of int, shape (trials,)
        The 0-based recommended level where settled (the level at the screen's mean
        elsewhere, not to be used).
    """
    labels = np.asarray(skeleton, dtype=float)
    k = labels.size
    n, y = validate_counts(n, y, k)
    pending_level, pending_weight = validate_pending(pending_level, pending_weight, n.shape[0], k)
    trials = n.shape[0]
    sd = float(prior_sd)
    with limit_blas_threads():
        beta, curvature = _newton(n, y, pending_level, pending_weight, np.log(labels), sd)
    concave = curvature < 0
    scale = np.where(concave, 1.0 / np.sqrt(np.where(concave, -curvature, 1.0)), sd) / sd  # in z = beta / sd
    spacing_level = np.maximum(0, np.ceil(2.0 * np.log2(NODES_PER_SCALE / scale))).astype(np.int64)
    centre = beta / sd
    first, last = compute_window((centre - HALF_WIDTH * scale)[:, None], (centre + HALF_WIDTH * scale)[:, None],
                                 spacing_level[:, None])
    first, last = first[:, 0], last[:, 0]
    design = np.concatenate([y, n - y, np.ones((trials, 2))], axis=1).astype(float)  # log prior, log Jacobian
    mean = np.zeros(trials)
    bound = np.full(trials, np.inf)
    table = functools.partial(compute_crm_lattice_columns, labels=labels, model="empiric", intercept=intercept, sd=sd)
    key = crm_lattice_key(labels, "empiric", intercept, sd)  # the full posterior's tiles
    tiles = {} if lattice_cache is None else lattice_cache
    maps = (AxisMap(0.0, sd),)
    fits = (last - first) <= MAX_NODES
    with limit_blas_threads():
        for level in np.unique(spacing_level[fits]):
            members = np.flatnonzero(fits & (spacing_level == level))
            members = members[np.lexsort((last[members], first[members]))]
            for begin in range(0, members.size, ROWS_PER_BLOCK[1]):
                rows = members[begin : begin + ROWS_PER_BLOCK[1]]
                lattice = compute_lattice(tiles, key, table, None, maps, np.array([level]), first[rows].min(keepdims=True),
                                          last[rows].max(keepdims=True))
                mean[rows], bound[rows] = _integrate_block(design[rows], pending_level[rows], pending_weight[rows],
                                                           lattice, float(compute_spacing(level)), k)
    beta_mean = sd * mean
    bound = sd * bound
    ok = np.isfinite(bound) & np.isfinite(beta_mean)
    low = _level_at(np.where(ok, beta_mean - bound, 0.0), labels, target)
    high = _level_at(np.where(ok, beta_mean + bound, 0.0), labels, target)
    return ok & (low == high), low


def _level_at(beta: np.ndarray, labels: np.ndarray, target: float) -> np.ndarray:
    """dfcrm's recommended level at ``beta`` (the plug-in estimates' nearest to the target)."""
    return compute_crm_recommended_level(np.exp(compute_crm_log_toxicity(beta, labels, "empiric")[0]), target)


def _integrate_block(design: np.ndarray, level: np.ndarray, weight: np.ndarray, lattice, h: float,
                     k: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean of z and its error bound (in z) of a block of trials on one lattice window."""
    columns = lattice.columns
    lp = design @ columns.T
    lin = lp[:, [0, 1, -2, -1]]  # the known outcomes and the prior at the window's edges
    width = int(np.flatnonzero((weight > 0).any(axis=0)).max(initial=-1)) + 1
    if width:
        lp += compute_pending_log_likelihood(level[:, :width], weight[:, :width], columns[:, k : 2 * k])
    edge_left = lp[:, 0].copy()
    top = lp.max(axis=1)
    lp -= top[:, None]
    w = np.exp(lp, out=lp)
    z = lattice.nodes[0]
    basis = np.stack([np.ones_like(z), z, z * z], axis=1)
    even, odd = w[:, 0::2] @ basis[0::2], w[:, 1::2] @ basis[1::2]
    total = even + odd
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        mean = total[:, 1] / total[:, 0]
        sd = np.sqrt(total[:, 2] / total[:, 0] - mean**2)
        gap = np.maximum(np.abs(even[:, 1] / even[:, 0] - mean), np.abs(odd[:, 1] / odd[:, 0] - mean))
        log_mass = top + np.log(total[:, 0] * h)
        # tails: left of z_0 below lp(z_0) - s_L (z_0 - z), right of z_n below lin(z_n) + s_R (z - z_n)
        s_left, s_right = (lin[:, 1] - lin[:, 0]) / h, (lin[:, 2] - lin[:, 3]) / h
        left = np.exp(edge_left - log_mass) * (np.abs(z[0] - mean) + 1.0 / s_left) / s_left
        right = np.exp(lin[:, 3] - log_mass) * (np.abs(z[-1] - mean) + 1.0 / s_right) / s_right
        tails = np.where((s_left > 0) & (s_right > 0), left + right, np.inf)
        bound = QUADRATURE_FACTOR * gap + FULL_ERROR * sd + tails
    return mean, np.where(np.isfinite(bound) & (sd > 0), bound, np.inf)
