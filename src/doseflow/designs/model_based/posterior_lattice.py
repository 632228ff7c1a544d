"""Posterior integrals of many trials at once on adaptive lattices, with error control.

The models here have log posteriors that are linear in per-trial coefficients: for the
CRM and the BLRM, ``log prior + sum_d y_d log p_d + (n_d - y_d) log(1 - p_d)`` is the
product of the trial's row ``[y, n - y, 1]`` with trial-independent columns ``[log p,
log(1 - p), log prior]`` at the lattice nodes (plus, for the TITE-CRM, a term per pending
patient). A lattice is tabulated once and shared, and the work per trial is a matrix
product over nodes. In the lattice coordinates ``z`` of
:class:`~doseflow.designs.model_based.lattice.AxisMap`:

1. **Locate.** A coarse lattice over a wide box around the prior (49 nodes per axis for
   two parameters, 81 for one) gives each trial's maximum, the curvature along each axis
   there (second difference) and the box of nodes within ``e^-33`` of the maximum.
2. **Integrate.** A fine lattice, spacing the curvature scale / 3 rounded down to the
   ladder ``2^(-k/2)``, over that box (rounded out to blocks of at least 4 nodes and a
   quarter unit of ``z``) carries the trapezoidal rule for expectations and the sinc
   indefinite integral for cumulative probabilities. Its tables are put together from
   tiles computed once (:mod:`~doseflow.designs.model_based.lattice_tables`); trials of
   one spacing are computed in blocks (256 trials for one parameter, 64 for two), sorted by
   box, on the union of their boxes.
3. **Check.** Every reported integral (normaliser, means and variances of the
   parameters, expectations and cumulative probabilities of the caller's functions) is
   recomputed on the sub-lattice of every second node along each axis. Both rules
   converge like ``C exp(-c / h)`` for analytic integrands (Trefethen and Weideman 2014,
   Theorem 5.1; Stenger 1993, sect. 3.6), so halving ``h`` squares the error: with
   ``E`` the largest difference between spacings ``h`` and ``2h`` (about the error at
   ``2h``), the error at ``h`` is about ``E^2 / C`` (``C`` was 0.05 to 1 in the tests).
   A trial is accepted when ``E^2`` is below the tolerance and its density at every
   window edge is below a tenth of it (relative to the maximum); otherwise it is
   recomputed on a finer or wider lattice. ``E`` is reported as a conservative bound.

A trial's spacing depends on its own data only and its box can only widen in a batch, so
it gets the same result alone or in any batch, up to the mass beyond its own box (below
the tolerance; in practice rounding).

References
----------
Trefethen LN, Weideman JAC (2014). The exponentially convergent trapezoidal rule. SIAM
Review 56:385-458.
Stenger F (1993). *Numerical Methods Based on Sinc and Analytic Functions*. Springer.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from threadpoolctl import ThreadpoolController

from doseflow.designs.model_based.lattice import AxisMap
from doseflow.designs.model_based.lattice_tables import (
    Bounds,
    Lattice,
    Table,
    compute_lattice,
    compute_parity_layout,
    compute_spacing,
    compute_table,
)

__all__ = ["LatticeGroup", "compute_window", "integrate_on_lattices", "limit_blas_threads"]

#: Coarse nodes on each side of the centre, per axis (one parameter, two parameters).
COARSE_NODES_PER_SIDE = {1: 40, 2: 24}
#: Fine spacing = local scale / NODES_PER_SCALE, rounded down to the ladder 2^(-k/2).
NODES_PER_SCALE = 3.0
#: Fine windows are rounded out to multiples of at least this many nodes ...
BLOCK = 4
#: ... and of at least this much of the lattice coordinate z, so that windows coincide.
WINDOW_QUANTUM = 0.25
#: Largest number of nodes per axis of a window (a trial needing more keeps its error).
MAX_NODES_PER_AXIS = {1: 1 << 16, 2: 512}
#: Trials of one spacing are computed this many at a time, on the union of their windows
#: (per number of parameters: one-parameter lattices are short, so blocks are larger).
ROWS_PER_BLOCK = {1: 256, 2: 64}
#: Rounds of refinement (finer spacing or wider window) before giving up on a trial.
MAX_ROUNDS = 10
#: Upper bound on the number of (trial, node) cells evaluated at once (memory).
CELLS_PER_CHUNK = 2_000_000
#: Expectations and probabilities below this are checked in absolute terms.
EXPECTATION_FLOOR = 1e-3

Extra = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True, slots=True)
class LatticeGroup:
    """Trials integrated on one window of a lattice.

    Attributes
    ----------
    rows : numpy.ndarray of int, shape (r,)
        Indices of the trials in the batch.
    lattice : Lattice
        The lattice, tabulated over these trials' window.
    weights : numpy.ndarray, shape (r, g_1[, g_2])
        Normalised posterior weights at the lattice's nodes (each row sums to 1; the
        Jacobian of the map included): an expectation is ``sum(weights * f(axes))``.
    log_normaliser : numpy.ndarray, shape (r,)
        Log of the integral of the unnormalised posterior over the parameters.
    mean : numpy.ndarray, shape (r, dim)
        Posterior mean of the parameters.
    covariance : numpy.ndarray, shape (r, dim, dim)
        Posterior covariance of the parameters.
    expectations : numpy.ndarray, shape (r, k)
        Posterior expectations of the caller's functions.
    probabilities : numpy.ndarray, shape (r, q)
        Posterior probabilities that parameter 0 is below the caller's bounds.
    error : numpy.ndarray, shape (r,)
        A conservative bound on the error of the returned values: ``E``, the largest
        difference between spacings ``h`` and ``2h`` (relative for the normaliser, the
        variances and expectations or probabilities above 1e-3, absolute below; in
        posterior standard deviations for the means), or the density at a window edge
        relative to its maximum if that is larger. The error itself is about ``E^2``.
    """

    rows: np.ndarray
    lattice: Lattice
    weights: np.ndarray
    log_normaliser: np.ndarray
    mean: np.ndarray
    covariance: np.ndarray
    expectations: np.ndarray
    probabilities: np.ndarray
    error: np.ndarray

    @property
    def nodes(self) -> tuple[np.ndarray, ...]:
        """Lattice coordinates of the nodes, per axis."""
        return self.lattice.nodes

    @property
    def axes(self) -> tuple[np.ndarray, ...]:
        """Parameter values at the nodes, per axis."""
        return self.lattice.axes


def _chunks(n_rows: int, n_cells: int) -> list[slice]:
    size = max(1, CELLS_PER_CHUNK // max(n_cells, 1))
    return [slice(i, min(i + size, n_rows)) for i in range(0, n_rows, size)]


def _log_posterior(design: np.ndarray, extra: Extra | None, rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """Log posterior in lattice coordinates at the nodes of ``columns`` (g, m+1): shape (r, g)."""
    lp = design[rows] @ columns.T
    if extra is not None:
        lp += extra(rows, columns[:, :-1])
    return lp


def _locate(
    table: Table, design: np.ndarray, extra: Extra | None, maps: Sequence[AxisMap], reach: np.ndarray, drop: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Coarse pass: per trial and axis, the local scale and the window (lo, hi), in z."""
    dim = len(maps)
    trials = design.shape[0]
    side = COARSE_NODES_PER_SIDE[dim]
    halfwidth = np.array([m.to_lattice(m.center + r * m.scale) for m, r in zip(maps, reach)])
    step = halfwidth / side
    nodes = [step[d] * np.arange(-side, side + 1) for d in range(dim)]
    coarse = compute_table(table, None, maps, nodes)
    shape = tuple(z.size for z in nodes)
    scale = np.empty((trials, dim))
    lo = np.empty((trials, dim))
    hi = np.empty((trials, dim))
    for part in _chunks(trials, int(np.prod(shape))):
        rows = np.arange(trials)[part]
        lp = _log_posterior(design, extra, rows, coarse.columns.reshape(-1, coarse.columns.shape[-1]))
        top = np.argmax(lp, axis=1)
        peak = lp[np.arange(rows.size), top]
        index = np.unravel_index(top, shape)
        keep = (lp >= (peak - drop)[:, None]).reshape((rows.size,) + shape)
        for d in range(dim):
            # Second difference along axis d at the maximum (stencil kept inside the box).
            mid = np.clip(index[d], 1, shape[d] - 2)
            stencil = []
            for shift in (-1, 0, 1):
                at = list(index)
                at[d] = mid + shift
                stencil.append(lp[np.arange(rows.size), np.ravel_multi_index(tuple(at), shape)])
            curvature = -(stencil[0] - 2.0 * stencil[1] + stencil[2]) / step[d] ** 2
            local = np.where(curvature > 0, 1.0 / np.sqrt(np.maximum(curvature, 1e-300)), step[d])
            scale[part, d] = np.minimum(local, halfwidth[d])
            other = tuple(a + 1 for a in range(dim) if a != d)
            along = keep.any(axis=other) if other else keep
            first = np.argmax(along, axis=1)
            last = shape[d] - 1 - np.argmax(along[:, ::-1], axis=1)
            lo[part, d] = nodes[d][first] - step[d]
            hi[part, d] = nodes[d][last] + step[d]
    return scale, lo, hi


def compute_window(lo: np.ndarray, hi: np.ndarray, level: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Node indices (first, last) covering [lo, hi] in z, rounded out to blocks."""
    h = compute_spacing(level)
    block = 2 * np.ceil(np.maximum(BLOCK, WINDOW_QUANTUM / h) / 2).astype(np.int64)
    first = np.floor(lo / h / block).astype(np.int64) * block
    last = np.maximum(np.ceil(hi / h / block).astype(np.int64) * block, first + block)
    excess = np.maximum(last - first - MAX_NODES_PER_AXIS[lo.shape[1]], 0)
    return first + excess // 2, last - (excess - excess // 2)


def _statistics(
    sums: np.ndarray, dim: int, center: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Total weight, mean (r, dim), covariance (r, dim, dim), further integrals, from sums."""
    total = sums[:, 0]
    moments = sums[:, 1:] / total[:, None]
    shifted = moments[:, :dim]
    covariance = np.empty((sums.shape[0], dim, dim))
    column = dim
    for d in range(dim):
        for e in range(d, dim):
            covariance[:, d, e] = covariance[:, e, d] = moments[:, column] - shifted[:, d] * shifted[:, e]
            column += 1
    return total, shifted + center, covariance, moments[:, column:]


def _evaluate(design: np.ndarray, extra: Extra | None, rows: np.ndarray, lattice: Lattice) -> tuple[np.ndarray, ...]:
    """Weights, log normaliser, integrals, per-axis difference E and edge density for rows."""
    dim = len(lattice.nodes)
    shape = lattice.basis.shape[:-1]
    width = lattice.basis.shape[-1]
    order, inverse, blocks, faces = compute_parity_layout(lattice, shape)
    columns = lattice.columns.reshape(-1, lattice.columns.shape[-1])[order]
    basis = lattice.basis.reshape(-1, width)[order]
    lp = _log_posterior(design, extra, rows, columns)
    top = lp.max(axis=1)
    lp -= top[:, None]
    w = np.exp(lp, out=lp)
    sums = {parity: w[:, part] @ basis[part] for parity, part in blocks}
    total, mean, covariance, further = _statistics(sum(sums.values()), dim, lattice.center)
    variance = np.maximum(np.einsum("rdd->rd", covariance), 1e-300)
    scale = np.maximum(np.abs(further), EXPECTATION_FLOOR)
    n_cdf = width - (lattice.n_functions + 1 + dim + dim * (dim + 1) // 2)
    difference = np.zeros((rows.size, dim))
    for d in range(dim):
        even = [part for parity, part in blocks if parity[d] == 0]
        sub = sum(sums[parity] for parity, _ in blocks if parity[d] == 0)
        if d == 0 and n_cdf:
            half = lattice.basis_half.reshape(-1, width)[order][:, width - n_cdf :]
            sub = sub.copy()
            sub[:, width - n_cdf :] = sum(w[:, part] @ half[part] for part in even)
        sub_total, sub_mean, sub_cov, sub_further = _statistics(sub, dim, lattice.center)
        with np.errstate(over="ignore", invalid="ignore"):
            gaps = [
                np.abs(2.0 * sub_total / total - 1.0)[:, None],
                np.abs(sub_mean - mean) / np.sqrt(variance),
                np.abs(np.einsum("rdd->rd", sub_cov) / variance - 1.0),
                np.abs(sub_further - further) / scale,
            ]
            worst = np.concatenate(gaps, axis=1).max(axis=1)
        difference[:, d] = np.where(np.isnan(worst), np.inf, worst)
    edge = np.stack([w[:, face].max(axis=1) for face in faces], axis=1).reshape(rows.size, dim, 2)
    weights = (w[:, inverse] / total[:, None]).reshape((rows.size,) + shape)
    log_normaliser = top + np.log(total) + math.log(math.prod(lattice.spacing))
    return weights, log_normaliser, mean, covariance, further, difference, edge


def _groups(keys: np.ndarray) -> list[np.ndarray]:
    """Positions of the rows of ``keys`` (m, c) that share a key, one array per key."""
    code = np.zeros(keys.shape[0], dtype=np.int64)
    for column in keys.T:
        values, inverse = np.unique(column, return_inverse=True)
        code = code * values.size + inverse.ravel()
    order = np.argsort(code, kind="stable")
    return np.split(order, np.flatnonzero(np.diff(code[order])) + 1)


def integrate_on_lattices(
    table: Table,
    design: np.ndarray,
    maps: Sequence[AxisMap],
    *,
    bounds: Bounds | None = None,
    extra: Extra | None = None,
    reach: Sequence[float] | None = None,
    tolerance: float = 1e-10,
    cache: dict | None = None,
    cache_key: Hashable = None,
) -> list[LatticeGroup]:
    """Integrate the posteriors of many trials on adaptive lattices (see module docstring).

    Parameters
    ----------
    table : callable
        ``table(axes)`` returns ``(columns, functions)`` at the product lattice of
        parameter values ``axes`` (one or two arrays): ``columns`` of shape
        ``(len(axes[0])[, len(axes[1])], m)``, whose product with a trial's row of
        ``design`` is its unnormalised log posterior (log prior included; finite);
        ``functions`` of shape ``(..., k)`` (or None), functions of the parameters whose
        posterior expectations are reported.
    design : numpy.ndarray, shape (trials, m)
        Each trial's coefficients of the columns.
    maps : sequence of AxisMap, one per parameter
        Centre (prior mean), scale (prior standard deviation) and stretch of each
        parameter's lattice coordinate.
    bounds : callable, optional
        ``bounds(axes)`` returns upper limits of parameter 0, shape ``(q,)`` for one
        parameter or ``(len(axes[1]), q)`` for two (the limit may depend on parameter 1):
        the posterior probabilities ``P(x_0 < limit)`` are reported.
    extra : callable, optional
        ``extra(rows, columns)`` returns a further log-likelihood term of the trials
        ``rows`` at the nodes whose table rows are ``columns`` (shape (g, m), nodes in any
        order), shape ``(r, g)``.
    reach : sequence of float, optional
        Half-width of the box searched by the coarse pass, in prior standard deviations;
        ``8 + 6 / scale`` by default. Fine lattices extend beyond it when the mass does.
    tolerance : float, default 1e-10
        A trial is accepted when ``E^2`` is below it (``E`` as in ``LatticeGroup.error``).
    cache : dict, optional
        Tabulated lattices kept between calls (at most ``CACHE_SIZE``, oldest dropped),
        for simulations that call with the same model many times; results are the same
        with or without it.
    cache_key : hashable
        Identifies the model (``table``, ``bounds``, ``maps``) in ``cache``; required with
        a cache shared by different models.

    Returns
    -------
    list of LatticeGroup
        Every trial appears in exactly one group. A trial that still fails the checks
        after ``MAX_ROUNDS`` refinements keeps its last result with its error estimate;
        it is never dropped.

    Notes
    -----
    The matrix products here are many and small (a block of trials against a lattice), so
    BLAS runs single-threaded inside (threadpoolctl): its threads only contend with each
    other and with simulation workers (three times slower measured on a busy 2-core
    machine).
    """
    with limit_blas_threads():
        return _integrate(table, design, maps, bounds, extra, reach, tolerance, cache, cache_key)


def limit_blas_threads():
    """A context in which BLAS runs single-threaded (see :func:`integrate_on_lattices`, Notes)."""
    return _blas_controller().limit(limits=1, user_api="blas")


@lru_cache(maxsize=1)
def _blas_controller() -> ThreadpoolController:
    """The controller of the BLAS libraries loaded with NumPy (inspected once per process)."""
    return ThreadpoolController()


def _integrate(
    table: Table,
    design: np.ndarray,
    maps: Sequence[AxisMap],
    bounds: Bounds | None,
    extra: Extra | None,
    reach: Sequence[float] | None,
    tolerance: float,
    cache: dict | None,
    cache_key: Hashable,
) -> list[LatticeGroup]:
    """:func:`integrate_on_lattices` with BLAS threads as they are."""
    maps = tuple(maps)
    dim = len(maps)
    trials = design.shape[0]
    if trials == 0:
        return []
    design = np.concatenate([np.asarray(design, dtype=float), np.ones((trials, 1))], axis=1)
    if reach is None:
        reach = [8.0 + 6.0 / m.scale for m in maps]
    edge_limit = 0.1 * tolerance
    drop = -math.log(edge_limit) + 8.0
    scale, lo, hi = _locate(table, design, extra, maps, np.asarray(reach, dtype=float), drop)
    level = np.maximum(0, np.ceil(2.0 * np.log2(NODES_PER_SCALE / scale))).astype(np.int64)
    first, last = compute_window(lo, hi, level)
    groups: list[LatticeGroup] = []
    tiles = {} if cache is None else cache
    todo = np.arange(trials)
    for round_ in range(MAX_ROUNDS + 1):
        retry = []
        for same_level in _groups(level[todo]):
            members = todo[same_level]
            k = level[members[0]]
            h = compute_spacing(k)
            # Trials sorted by window, taken ROWS_PER_BLOCK at a time on the union of windows.
            order = members[np.lexsort(np.concatenate([first[members], last[members]], axis=1).T[::-1])]
            for begin in range(0, order.size, ROWS_PER_BLOCK[dim]):
                block = order[begin : begin + ROWS_PER_BLOCK[dim]]
                f, l_ = first[block].min(axis=0), last[block].max(axis=0)
                lattice = compute_lattice(tiles, cache_key, table, bounds, maps, k, f, l_)
                for part in _chunks(block.size, int(np.prod(l_ - f + 1))):
                    rows = block[part]
                    weights, log_norm, mean, cov, further, difference, edge = _evaluate(design, extra, rows, lattice)
                    error = np.maximum(difference.max(axis=1), edge.max(axis=(1, 2)))
                    fine = difference**2 <= tolerance
                    capped = (l_ - f >= MAX_NODES_PER_AXIS[dim])[None, :, None]
                    wide = (edge <= edge_limit) | capped
                    final = (fine.all(axis=1) & wide.all(axis=(1, 2))) | (round_ == MAX_ROUNDS)
                    if final.any():
                        n_functions = lattice.n_functions
                        groups.append(
                            LatticeGroup(
                                rows=rows[final],
                                lattice=lattice,
                                weights=weights[final],
                                log_normaliser=log_norm[final],
                                mean=mean[final],
                                covariance=cov[final],
                                expectations=further[final, :n_functions],
                                probabilities=further[final, n_functions:],
                                error=error[final],
                            )
                        )
                    bad = ~final
                    if bad.any():
                        redo = rows[bad]
                        span = (l_ - f) * h
                        lo_new = np.where(wide[bad, :, 0], f * h, f * h - span)
                        hi_new = np.where(wide[bad, :, 1], l_ * h, l_ * h + span)
                        level[redo] = k + (~fine[bad])
                        first[redo], last[redo] = compute_window(lo_new, hi_new, level[redo])
                        retry.append(redo)
        if not retry:
            break
        todo = np.concatenate(retry)
    return groups
