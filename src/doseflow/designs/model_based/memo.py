"""Compute a batched function once per distinct trial state, and scatter the result back.

In a simulation many trials share a state (the same counts after the same cohorts), so a
posterior is computed once per distinct row of the state arrays: the rows are packed into
one byte string each, :func:`numpy.unique` finds the distinct ones, the function runs on
those, and its result is indexed back to every trial.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Hashable
from functools import lru_cache
from typing import Any

import numpy as np

from doseflow.errors import InputError

__all__ = [
    "DESIGN_TOLERANCE",
    "MEMO_LIMIT",
    "compute_memoised",
    "compute_once_per_state",
    "find_distinct_states",
    "shared_lattice_cache",
    "StateMemo",
    "state_memo",
    "take_trials",
]


def find_distinct_states(*arrays: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the first trial of each distinct state, and each trial's state.

    Parameters
    ----------
    *arrays : numpy.ndarray, each of shape (trials, ...)
        The state of every trial (e.g. counts ``n`` and ``dlt``, pending levels and
        weights); two trials share a state when all their rows are equal byte for byte.

    Returns
    -------
    first : numpy.ndarray of int, shape (states,)
        One representative trial per distinct state.
    inverse : numpy.ndarray of int, shape (trials,)
        For each trial, the position of its state in ``first``.

    Examples
    --------
    >>> first, inverse = find_distinct_states(np.array([[3, 0], [3, 1], [3, 0]]))
    >>> first.tolist(), inverse.tolist()
    ([0, 1], [0, 1, 0])
    """
    packed = _pack(arrays)
    key = packed.view(np.dtype((np.void, packed.shape[1]))).ravel()
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    return first, inverse.ravel()


def _pack(arrays: tuple[np.ndarray, ...]) -> np.ndarray:
    """The rows of the state arrays as bytes, one row of uint8 per trial."""
    if not arrays:
        raise InputError("arrays", "at least one state array", arrays)
    trials = np.shape(arrays[0])[0]
    parts = []
    for i, a in enumerate(arrays):
        a = np.ascontiguousarray(a)
        if a.ndim == 0 or a.shape[0] != trials:
            raise InputError(f"arrays[{i}]", f"an array with {trials} rows (trials)", f"shape {a.shape}")
        parts.append(a.reshape(trials, -1).view(np.uint8).reshape(trials, -1))
    return np.ascontiguousarray(np.concatenate(parts, axis=1))


def take_trials(result: Any, index: np.ndarray, trials: int) -> Any:
    """Index every array of ``result`` (all per trial, leading dimension ``trials``) by ``index``.

    ``result`` may be an array, a tuple or named tuple of results, or a dataclass; every
    array in it must be per trial. Anything else (floats, tuples of settings, None) is
    kept as it is.

    Raises
    ------
    InputError
        If an array's leading dimension is not ``trials``.
    """
    if isinstance(result, np.ndarray):
        if result.ndim == 0 or result.shape[0] != trials:
            raise InputError("result", f"arrays with {trials} rows (one per state)", f"shape {result.shape}")
        return result[index]
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        changes = {f.name: take_trials(getattr(result, f.name), index, trials) for f in dataclasses.fields(result)}
        return dataclasses.replace(result, **changes)
    if isinstance(result, tuple) and any(isinstance(x, np.ndarray) for x in result):
        items = [take_trials(x, index, trials) for x in result]
        return type(result)(*items) if hasattr(result, "_fields") else tuple(items)
    return result


def compute_once_per_state(function: Callable[..., Any], *arrays: np.ndarray) -> Any:
    """``function(*arrays)`` computed once per distinct state and scattered to every trial.

    Parameters
    ----------
    function : callable
        Batched over trials: takes the state arrays (rows = trials) and returns arrays,
        tuples or a dataclass of per-trial arrays (e.g. ``functools.partial(
        compute_crm_posterior, skeleton)`` with ``n, dlt``).
    *arrays : numpy.ndarray, each of shape (trials, ...)
        Positional arguments of ``function``.

    Returns
    -------
    The result for every trial, equal to ``function(*arrays)``.

    Examples
    --------
    >>> n = np.array([[3, 3], [3, 3], [6, 0]])
    >>> compute_once_per_state(lambda a: a.sum(axis=1), n).tolist()
    [6, 6, 6]
    """
    first, inverse = find_distinct_states(*arrays)
    result = function(*(np.asarray(a)[first] for a in arrays))
    return take_trials(result, inverse, first.size)


#: Accuracy the designs ask of the posterior quadrature (``tolerance`` of the posterior
#: functions): accepted when the squared difference between spacings h and 2h is below it,
#: so the error of every reported integral is about 1e-8 or less (the posterior functions'
#: default, 1e-10, refines many two-parameter lattices once more for accuracy no decision
#: needs: five times slower for the BLRM).
DESIGN_TOLERANCE = 1e-8


@lru_cache(maxsize=None)
def shared_lattice_cache(family: str) -> dict:
    """The dict of tabulated lattices the designs of one model ``family`` reuse in this process.

    Passed as ``lattice_cache`` to :func:`~doseflow.designs.model_based.compute_crm_posterior`
    or :func:`~doseflow.designs.model_based.compute_blrm_posterior`: the tiles of a lattice are
    tabulated once and kept (at most ``lattice_tables.CACHE_SIZE`` per family, oldest
    dropped); results are the same with or without it. Worker processes each keep their own.
    """
    return {}


#: Largest number of states one memo keeps; when full it is emptied and fills again.
MEMO_LIMIT = 1_000_000


class StateMemo:
    """Results per trial state, kept across calls: state (packed bytes) -> row of a value table.

    Compact (a dict from the state's bytes to a row index, values in one growing array)
    and bounded: past :data:`MEMO_LIMIT` states it is emptied at once (clearing in bulk
    costs nothing per state, where dropping the oldest one at a time from a dict does).
    """

    __slots__ = ("index", "values", "size")

    def __init__(self) -> None:
        self.index: dict[bytes, int] = {}
        self.values: np.ndarray | None = None
        self.size = 0

    def __len__(self) -> int:
        return self.size

    def lookup(self, keys: list[bytes]) -> np.ndarray:
        """Row of each key in ``values`` (-1: unknown)."""
        get = self.index.get
        return np.array([get(k, -1) for k in keys], dtype=np.int64)

    def add(self, keys: list[bytes], rows: np.ndarray) -> np.ndarray:
        """Store the result ``rows`` of ``keys`` (not known yet); return their rows in ``values``."""
        rows = np.asarray(rows)
        if self.values is None or self.size + len(keys) > MEMO_LIMIT:
            self.index.clear()
            self.size = 0
            self.values = np.empty((max(1024, len(keys)),) + rows.shape[1:], rows.dtype)
        if self.size + len(keys) > self.values.shape[0]:
            grown = np.empty((max(2 * self.values.shape[0], self.size + len(keys)),) + rows.shape[1:], rows.dtype)
            grown[: self.size] = self.values[: self.size]
            self.values = grown
        at = np.arange(self.size, self.size + len(keys))
        self.values[at] = rows
        self.index.update(zip(keys, at.tolist()))
        self.size += len(keys)
        return at


@lru_cache(maxsize=64)
def state_memo(owner: Hashable) -> StateMemo:
    """The memo in which ``owner`` (e.g. a design and what it computes) keeps results per state.

    Kept for the life of the process (at most 64 owners, the least recently used dropped);
    each worker process has its own. See :func:`compute_memoised`.
    """
    return StateMemo()


def compute_memoised(function: Callable[..., np.ndarray], memo: StateMemo, *arrays: np.ndarray) -> np.ndarray:
    """``function(*arrays)`` row by row, computed once per distinct state ever seen by ``memo``.

    Parameters
    ----------
    function : callable
        Batched over trials: takes the state arrays and returns an array with one row per
        trial (e.g. the recommended level, or interval probabilities per level).
    memo : StateMemo
        Results per state (the rows of ``arrays`` as bytes), filled here. The same
        ``function`` must be used with one memo.
    *arrays : numpy.ndarray, each of shape (trials, ...)

    Returns
    -------
    numpy.ndarray
        The result of every trial, equal to ``function(*arrays)``.

    Examples
    --------
    >>> memo = StateMemo()
    >>> compute_memoised(lambda a: a.sum(axis=1), memo, np.array([[3, 3], [6, 0], [3, 3]])).tolist()
    [6, 6, 6]
    >>> len(memo)
    2
    """
    packed = _pack(arrays)
    first, inverse = find_distinct_states(packed)
    # Fixed-width byte strings (NumPy drops trailing NUL bytes, which keeps them distinct).
    keys = packed[first].view(f"S{packed.shape[1]}").ravel().tolist() if packed.shape[1] else [b""] * first.size
    at = memo.lookup(keys)
    missing = np.flatnonzero(at < 0)
    if missing.size:
        fresh = function(*(np.asarray(a)[first[missing]] for a in arrays))
        at[missing] = memo.add([keys[j] for j in missing], fresh)
    return memo.values[at][inverse]
