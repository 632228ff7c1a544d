"""Tabulated lattices: the trial-independent tables a posterior lattice needs, in tiles.

A lattice of spacing level ``k`` (spacing ``2^(-k/2)`` per axis, in the lattice coordinates
of :class:`~doseflow.designs.model_based.lattice.AxisMap`) has nodes ``index * h``. For
every node it holds the caller's log-posterior columns plus the log Jacobian of the map,
and the basis whose weighted sums are the reported integrals: ``[1, x, x x', functions,
sinc CDF weights]``. Tables are computed in tiles of fixed size, once per tile dict (one
call's, or a cache the caller keeps between calls), and the lattice of a window is put
together from the parts of the tiles it covers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field

import numpy as np

from doseflow.designs.model_based.lattice import AxisMap, compute_sinc_cdf_weights

__all__ = ["Lattice", "compute_lattice", "compute_parity_layout", "compute_spacing", "compute_table"]

#: Lattices are tabulated in tiles of this many nodes per axis (one parameter, two).
TILE = {1: 256, 2: 32}
#: Largest number of tiles kept in a tile dict (the caller's cache, or one call's).
CACHE_SIZE = 512
#: Lattices put together from tiles that are kept in a tile dict (the most recent), and
#: the largest number of nodes of one that is kept.
WINDOWS_KEPT = 64
WINDOW_NODES = 4096
_WINDOWS = "windows"  # the key of the kept lattices in a tile dict

Table = Callable[[Sequence[np.ndarray]], tuple[np.ndarray, np.ndarray | None]]
Bounds = Callable[[Sequence[np.ndarray]], np.ndarray]


@dataclass(frozen=True)
class Lattice:
    """A tabulated product lattice (a window of the lattice of one spacing level).

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


def compute_spacing(level: np.ndarray) -> np.ndarray:
    """Lattice spacing of ladder level ``k``: ``2^(-k/2)``."""
    return np.power(2.0, -0.5 * level)


def _sinc_cdf(maps: Sequence[AxisMap], nodes: Sequence[np.ndarray], bounds: np.ndarray, h: float) -> np.ndarray:
    """Sinc CDF weights along axis 0 at spacing h: shape (g_1[, g_2], q).

    ``bounds`` has shape ``([g_2,] q)``: upper limits of parameter 0 (infinite allowed).
    """
    z = maps[0].to_lattice(bounds)
    finite = np.isfinite(z)
    offset = (np.where(finite, z, 0.0)[None, ...] - nodes[0].reshape((-1,) + (1,) * bounds.ndim)) / h
    inside = compute_sinc_cdf_weights(offset)
    return np.where(finite[None, ...], inside, (z > 0)[None, ...].astype(float))


def compute_table(
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
        tiles[key] = compute_table(table, bounds, maps, nodes)
    return tiles[key]


def compute_lattice(
    tiles: dict,
    cache_key: Hashable,
    table: Table,
    bounds: Bounds | None,
    maps: Sequence[AxisMap],
    level: np.ndarray,
    first: np.ndarray,
    last: np.ndarray,
) -> Lattice:
    """The lattice of node indices [first, last] (per axis), put together from tiles.

    Tiles are blocks of ``TILE[dim]`` nodes per axis of the lattice of spacing level
    ``level``; each is tabulated once per ``tiles`` dict, so blocks of trials, refinement
    rounds and (with the caller's cache) later calls share the work. Small lattices put
    together are kept too (at most ``WINDOWS_KEPT`` of at most ``WINDOW_NODES`` nodes, in
    the same dict): blocks of trials often share a window, and a lattice keeps the arrays
    derived from it (its ``cache``). The values are the same either way.
    """
    if math.prod((last - first + 1).tolist()) > WINDOW_NODES:
        return _join_tiles(tiles, cache_key, table, bounds, maps, level, first, last)
    windows = tiles.setdefault(_WINDOWS, {})
    key = (cache_key, *level.tolist(), *first.tolist(), *last.tolist())
    if key not in windows:
        if len(windows) >= WINDOWS_KEPT:
            windows.pop(next(iter(windows)))
        windows[key] = _join_tiles(tiles, cache_key, table, bounds, maps, level, first, last)
    return windows[key]


def _join_tiles(
    tiles: dict,
    cache_key: Hashable,
    table: Table,
    bounds: Bounds | None,
    maps: Sequence[AxisMap],
    level: np.ndarray,
    first: np.ndarray,
    last: np.ndarray,
) -> Lattice:
    dim = len(maps)
    size = TILE[dim]
    h = compute_spacing(level)
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
    return lattice


def compute_parity_layout(lattice: Lattice, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray, list, list]:
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
