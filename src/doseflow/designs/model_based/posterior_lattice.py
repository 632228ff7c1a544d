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
2. **Integrate.** A fine lattice, spacing the curvature scale / 2.5 rounded down to the
   ladder ``2^(-k/2)``, over that box (rounded out to blocks of at least 4 nodes and a
   quarter unit of ``z``) carries the trapezoidal rule for expectations and the sinc indefinite
   integral for cumulative probabilities. Trials with the same spacing share one
   tabulated lattice (the union of their boxes) and are computed 64 at a time, sorted by
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
from dataclasses import dataclass, field

import numpy as np

from doseflow.designs.model_based.lattice import AxisMap, compute_sinc_cdf_weights

__all__ = ["Lattice", "LatticeGroup", "integrate_on_lattices"]

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
#: Lattices are tabulated in tiles of this many nodes per axis (one parameter, two).
TILE = {1: 256, 2: 32}
#: Largest number of tiles kept in a tile dict (the caller's cache, or one call's).
CACHE_SIZE = 512
#: Trials of one spacing are computed this many at a time, on the union of their windows.
ROWS_PER_BLOCK = 64
#: Rounds of refinement (finer spacing or wider window) before giving up on a trial.
MAX_ROUNDS = 10
#: Upper bound on the number of (trial, node) cells evaluated at once (memory).
CELLS_PER_CHUNK = 2_000_000
#: Expectations and probabilities below this are checked in absolute terms.
EXPECTATION_FLOOR = 1e-3

Table = Callable[[Sequence[np.ndarray]], tuple[np.ndarray, np.ndarray | None]]
Bounds = Callable[[Sequence[np.ndarray]], np.ndarray]
Extra = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Lattice:
    """A tabulated product lattice shared by trials of one spacing.

    Attributes
    ----------
    maps : tuple of AxisMap
        Map of each parameter to its lattice coordinate.
    spacing : tuple of float
        Spacing ``h`` per axis, in lattice coordinates.
    nodes : tuple of numpy.ndarray
        Lattice coordinates ``z`` per axis (``index * h``).
    axes : tuple of numpy.ndarray
        Parameter values at the nodes.
    columns : numpy.ndarray, shape (g_1[, g_2], m + 1)
        The caller's columns at the nodes, then the log Jacobian of the map.
    basis : numpy.ndarray, shape (g_1[, g_2], c)
        ``[1, x_d, x_d x_e (d <= e), functions, sinc CDF weights]``, ``x`` centred on
        ``center``: every reported integral is ``weights @ basis``.
    basis_half : numpy.ndarray, same shape as ``basis``
        ``basis`` with the sinc CDF weights of spacing ``2h`` along axis 0, for the check.
    center : numpy.ndarray, shape (dim,)
        Centre of the parameter values in ``basis``.
    n_functions : int
        Number of function columns in ``basis``.
    cache : dict
        Room for the caller's arrays over this lattice, computed once.
    """

    maps: tuple[AxisMap, ...]
    spacing: tuple[float, ...]
    nodes: tuple[np.ndarray, ...]
    axes: tuple[np.ndarray, ...]
    columns: np.ndarray
    basis: np.ndarray
    basis_half: np.ndarray
    center: np.ndarray
    n_functions: int
    cache: dict = field(default_factory=dict, compare=False)


@dataclass(frozen=True, slots=True)
class LatticeGroup:
    """Trials integrated on one window of a lattice.

    Attributes
    ----------
    rows : numpy.ndarray of int, shape (r,)
        Indices of the trials in the batch.
    lattice : Lattice
        The shared lattice.
    window : tuple of slice
        The part of the lattice used by these trials, per axis.
    weights : numpy.ndarray, shape (r, w_1[, w_2])
        Normalised posterior weights at the window's nodes (each row sums to 1; the
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
    window: tuple[slice, ...]
    weights: np.ndarray
    log_normaliser: np.ndarray
    mean: np.ndarray
    covariance: np.ndarray
    expectations: np.ndarray
    probabilities: np.ndarray
    error: np.ndarray

    @property
    def nodes(self) -> tuple[np.ndarray, ...]:
        """Lattice coordinates of the window's nodes, per axis."""
        return tuple(z[w] for z, w in zip(self.lattice.nodes, self.window))

    @property
    def axes(self) -> tuple[np.ndarray, ...]:
        """Parameter values at the window's nodes, per axis."""
        return tuple(x[w] for x, w in zip(self.lattice.axes, self.window))


def _spacing(level: np.ndarray) -> np.ndarray:
    """Lattice spacing of ladder level ``k``: ``2^(-k/2)``."""
    return np.power(2.0, -0.5 * level)


def _chunks(n_rows: int, n_cells: int) -> list[slice]:
    size = max(1, CELLS_PER_CHUNK // max(n_cells, 1))
    return [slice(i, min(i + size, n_rows)) for i in range(0, n_rows, size)]


def _sinc_cdf(maps: Sequence[AxisMap], nodes: Sequence[np.ndarray], bounds: np.ndarray, h: float) -> np.ndarray:
    """Sinc CDF weights along axis 0 at spacing h: shape (g_1[, g_2], q).

    ``bounds`` has shape ``([g_2,] q)``: upper limits of parameter 0 (infinite allowed).
    """
    z = maps[0].to_lattice(bounds)
    finite = np.isfinite(z)
    offset = (np.where(finite, z, 0.0)[None, ...] - nodes[0].reshape((-1,) + (1,) * bounds.ndim)) / h
    inside = compute_sinc_cdf_weights(offset)
    return np.where(finite[None, ...], inside, (z > 0)[None, ...].astype(float))


def _tabulate(
    table: Table, bounds: Bounds | None, maps: Sequence[AxisMap], nodes: Sequence[np.ndarray]
) -> Lattice:
    """Tabulate the caller's columns, the log Jacobian and the integral basis on a lattice.

    Parameter values in the basis are centred on the maps' centres (the prior means), so
    that tiles tabulated separately fit together.
    """
    dim = len(maps)
    axes = tuple(m.to_parameter(z) for m, z in zip(maps, nodes))
    spacing = tuple(float(z[1] - z[0]) if z.size > 1 else 1.0 for z in nodes)
    columns, values = table(axes)
    jacobian = sum(
        np.expand_dims(m.log_jacobian(z), tuple(a for a in range(dim) if a != d))
        for d, (m, z) in enumerate(zip(maps, nodes))
    )
    columns = np.concatenate([columns, np.broadcast_to(jacobian, columns.shape[:-1])[..., None]], axis=-1)
    center = np.array([m.center for m in maps])
    grids = np.meshgrid(*[x - c for x, c in zip(axes, center)], indexing="ij")
    parts = [np.ones(grids[0].shape), *grids]
    parts += [grids[d] * grids[e] for d in range(dim) for e in range(d, dim)]
    basis = np.stack(parts, axis=-1)
    n_functions = 0
    if values is not None:
        values = values.reshape(basis.shape[:-1] + (-1,))
        n_functions = values.shape[-1]
        basis = np.concatenate([basis, values], axis=-1)
    basis_half = basis
    if bounds is not None:
        limits = np.asarray(bounds(axes), dtype=float)
        basis_half = np.concatenate([basis, _sinc_cdf(maps, nodes, limits, 2.0 * spacing[0])], axis=-1)
        basis = np.concatenate([basis, _sinc_cdf(maps, nodes, limits, spacing[0])], axis=-1)
    return Lattice(tuple(maps), spacing, tuple(nodes), axes, columns, basis, basis_half, center, n_functions)


def _tile(
    tiles: dict, key: tuple, table: Table, bounds: Bounds | None, maps: Sequence[AxisMap], nodes: Sequence[np.ndarray]
) -> Lattice:
    """The tile of lattice ``key``, tabulated once per ``tiles`` dict (oldest dropped)."""
    if key not in tiles:
        while len(tiles) >= CACHE_SIZE:
            tiles.pop(next(iter(tiles)))
        tiles[key] = _tabulate(table, bounds, maps, nodes)
    return tiles[key]


def _assemble(
    tiles: dict,
    cache_key: Hashable,
    table: Table,
    bounds: Bounds | None,
    maps: Sequence[AxisMap],
    level: np.ndarray,
    first: np.ndarray,
    last: np.ndarray,
) -> tuple[Lattice, tuple[slice, ...]]:
    """A lattice covering node indices [first, last] (per axis), put together from tiles.

    Tiles are blocks of ``TILE[dim]`` nodes per axis of the lattice of spacing level
    ``level``; each is tabulated once per ``tiles`` dict, so blocks of trials, refinement
    rounds and (with the caller's cache) later calls share the work. Returns the lattice
    of [first, last] and its window (all of it).
    """
    dim = len(maps)
    size = TILE[dim]
    h = _spacing(level)
    low, high = first // size, last // size
    pieces = np.empty(tuple(high - low + 1), dtype=object)
    crops = np.empty(pieces.shape, dtype=object)
    for index in np.ndindex(*pieces.shape):
        at = low + np.array(index)
        nodes = [np.arange(at[d] * size, (at[d] + 1) * size) * h[d] for d in range(dim)]
        pieces[index] = _tile(tiles, (cache_key, *level.tolist(), *at.tolist()), table, bounds, maps, nodes)
        # The part of the tile inside [first, last]: joined, the parts make the lattice.
        crops[index] = tuple(
            slice(max(first[d] - at[d] * size, 0), min(last[d] - at[d] * size, size - 1) + 1) for d in range(dim)
        )
    one = pieces.flat[0]

    def join(name: str) -> np.ndarray:
        if dim == 1:
            return np.concatenate([getattr(t, name)[c] for t, c in zip(pieces, crops)])
        return np.concatenate(
            [
                np.concatenate([getattr(t, name)[c] for t, c in zip(row, crop_row)], axis=1)
                for row, crop_row in zip(pieces, crops)
            ],
            axis=0,
        )

    nodes = tuple(np.arange(first[d], last[d] + 1) * h[d] for d in range(dim))
    lattice = Lattice(
        one.maps,
        one.spacing,
        nodes,
        tuple(m.to_parameter(z) for m, z in zip(maps, nodes)),
        join("columns"),
        join("basis"),
        join("basis_half"),
        one.center,
        one.n_functions,
    )
    return lattice, tuple(slice(None) for _ in range(dim))


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
    coarse = _tabulate(table, None, maps, nodes)
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


def _window(lo: np.ndarray, hi: np.ndarray, level: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Node indices (first, last) covering [lo, hi] in z, rounded out to blocks."""
    h = _spacing(level)
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


def _parity_layout(lattice: Lattice, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray, list, list]:
    """Node order of a window by index parity per axis, cached on the lattice.

    Returns the permutation (parity blocks one after the other), its inverse, the blocks
    as ``(parity, slice)`` and the positions of each face's nodes ``[(d, side), ...]``.
    With nodes so ordered, the sub-lattice of every second node along axis ``d`` (even
    indices) is the union of the blocks with even parity on ``d``: its integrals are sums
    of per-block matrix products, with no copy of the weights.
    """
    key = ("parity", shape)
    if key not in lattice.cache:
        dim = len(shape)
        index = np.arange(math.prod(shape)).reshape(shape)
        parts, blocks, position = [], [], 0
        for parity in np.ndindex(*(2,) * dim):
            part = index[tuple(slice(p, None, 2) for p in parity)].ravel()
            parts.append(part)
            blocks.append((parity, slice(position, position + part.size)))
            position += part.size
        order = np.concatenate(parts)
        inverse = np.empty_like(order)
        inverse[order] = np.arange(order.size)
        faces = []
        for d in range(dim):
            for at in (0, shape[d] - 1):
                take = [slice(None)] * dim
                take[d] = at
                faces.append(inverse[index[tuple(take)].ravel()])
        lattice.cache[key] = (order, inverse, blocks, faces)
    return lattice.cache[key]


def _evaluate(
    design: np.ndarray, extra: Extra | None, rows: np.ndarray, lattice: Lattice, window: tuple[slice, ...]
) -> tuple[np.ndarray, ...]:
    """Weights, log normaliser, integrals, per-axis difference E and edge density for rows."""
    dim = len(window)
    shape = lattice.basis[window].shape[:-1]
    width = lattice.basis.shape[-1]
    order, inverse, blocks, faces = _parity_layout(lattice, shape)
    columns = lattice.columns[window].reshape(-1, lattice.columns.shape[-1])[order]
    basis = lattice.basis[window].reshape(-1, width)[order]
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
            half = lattice.basis_half[window].reshape(-1, width)[order][:, width - n_cdf :]
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
    """
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
    first, last = _window(lo, hi, level)
    groups: list[LatticeGroup] = []
    tiles = {} if cache is None else cache
    todo = np.arange(trials)
    for round_ in range(MAX_ROUNDS + 1):
        retry = []
        for same_level in _groups(level[todo]):
            members = todo[same_level]
            k = level[members[0]]
            h = _spacing(k)
            # Trials sorted by window, taken ROWS_PER_BLOCK at a time on the union of windows.
            order = members[np.lexsort(np.concatenate([first[members], last[members]], axis=1).T[::-1])]
            for begin in range(0, order.size, ROWS_PER_BLOCK):
                block = order[begin : begin + ROWS_PER_BLOCK]
                f, l_ = first[block].min(axis=0), last[block].max(axis=0)
                lattice, window = _assemble(tiles, cache_key, table, bounds, maps, k, f, l_)
                for part in _chunks(block.size, int(np.prod(l_ - f + 1))):
                    rows = block[part]
                    weights, log_norm, mean, cov, further, difference, edge = _evaluate(
                        design, extra, rows, lattice, window
                    )
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
                                window=window,
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
                        first[redo], last[redo] = _window(lo_new, hi_new, level[redo])
                        retry.append(redo)
        if not retry:
            break
        todo = np.concatenate(retry)
    return groups
