"""The data of the model-based likelihoods: per-level counts and pending patients.

A trial's outcomes enter the CRM and BLRM likelihoods as counts per level (``n_d``
patients with a known outcome, ``y_d`` of them with a DLT) and, for time-to-event designs,
the patients still inside their DLT window without a DLT, each with a follow-up weight.
Arrays are batched over trials (first axis) and indexed by 0-based level.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from doseflow.errors import InputError

__all__ = ["OutcomeCounts", "compute_outcome_counts", "validate_counts", "validate_pending"]


class OutcomeCounts(NamedTuple):
    """Per-level counts plus pending patients of many trials (see :func:`compute_outcome_counts`)."""

    n: np.ndarray
    dlt: np.ndarray
    pending_level: np.ndarray
    pending_weight: np.ndarray


def _as_2d(values: object, name: str, width: int | None) -> np.ndarray:
    try:
        a = np.asarray(values)
    except (TypeError, ValueError):
        raise InputError(name, "an array of numbers", values) from None
    if a.ndim == 1:
        a = a[None, :]
    if a.ndim != 2 or (width is not None and a.shape[1] != width):
        expected = f"an array of shape (trials, {width})" if width is not None else "a 2-D array"
        raise InputError(name, expected, f"array of shape {np.shape(values)}")
    return a


def _whole(a: np.ndarray, name: str, minimum: int) -> np.ndarray:
    """``a`` as int64 if every entry is a whole number >= minimum, else an InputError."""
    if a.dtype == bool:
        a = a.astype(np.int64)
    if not np.issubdtype(a.dtype, np.number):
        raise InputError(name, "whole numbers", a.tolist())
    bad = ~np.isfinite(a) | (a != np.round(a)) | (a < minimum) if a.size else np.zeros(a.shape, bool)
    if bad.any():
        i, d = np.argwhere(bad)[0]
        where = f"{name}[{i}, {d}] (trial row {i}, level {d + 1})"
        raise InputError(where, f"a whole number >= {minimum}", a[i, d].item())
    return a.astype(np.int64)


def validate_counts(n: object, dlt: object, levels: int) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(n, dlt)`` as int arrays of shape (trials, levels) after checking them.

    Parameters
    ----------
    n, dlt : array-like, shape (trials, levels) or (levels,)
        Patients with a known outcome and DLTs among them, per level.
    levels : int
        Number of dose levels.

    Raises
    ------
    InputError
        If a shape differs, a count is negative or not whole, or ``dlt > n`` somewhere;
        the message names the array, the trial row and the (1-based) level.

    Examples
    --------
    >>> validate_counts([3, 3], [0, 1], 2)[1].tolist()
    [[0, 1]]
    """
    n_arr = _whole(_as_2d(n, "n", levels), "n", 0)
    y_arr = _whole(_as_2d(dlt, "dlt", levels), "dlt", 0)
    if n_arr.shape != y_arr.shape:
        raise InputError("dlt", f"an array of the same shape as n {n_arr.shape}", f"shape {y_arr.shape}")
    over = y_arr > n_arr
    if over.any():
        i, d = np.argwhere(over)[0]
        raise InputError(
            f"dlt[{i}, {d}] (trial row {i}, level {d + 1})",
            f"at most the number of patients at that level ({n_arr[i, d]})",
            int(y_arr[i, d]),
        )
    return n_arr, y_arr


def validate_pending(level: object, weight: object, trials: int, levels: int) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(pending_level, pending_weight)`` of shape (trials, patients) after checks.

    Levels are 0-based and below ``levels``; weights are in [0, 1]. One-dimensional input
    is one trial. Both arrays must be given together and have the same shape.

    Raises
    ------
    InputError
        Naming the array, the trial row and the patient column.
    """
    if level is None or weight is None:
        raise InputError("pending_weight" if weight is None else "pending_level", "given together with the other", None)
    lv = _as_2d(level, "pending_level", None)
    w = _as_2d(weight, "pending_weight", None).astype(float) if np.size(weight) else np.zeros(lv.shape)
    if lv.shape != w.shape or lv.shape[0] != trials:
        expected = f"an array of the same shape as pending_level, {trials} rows"
        raise InputError("pending_weight", expected, f"shape {w.shape}")
    if lv.size and (not np.issubdtype(lv.dtype, np.integer) or lv.min() < 0 or lv.max() >= levels):
        if not np.issubdtype(lv.dtype, np.integer):
            raise InputError("pending_level", "0-based whole-number levels", lv.tolist())
        i, j = np.argwhere((lv < 0) | (lv >= levels))[0]
        raise InputError(f"pending_level[{i}, {j}]", f"a 0-based level from 0 to {levels - 1}", int(lv[i, j]))
    bad = ~np.isfinite(w) | (w < 0) | (w > 1)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise InputError(f"pending_weight[{i}, {j}]", "a follow-up weight in [0, 1]", float(w[i, j]))
    return lv.astype(np.int64), w


def compute_outcome_counts(level: object, dlt: object, weight: object, levels: int) -> OutcomeCounts:
    """Counts and pending patients from per-patient arrays of many trials.

    Parameters
    ----------
    level : array of int, shape (trials, patients)
        0-based dose level of each patient; ``-1`` marks an empty slot (trials with fewer
        patients).
    dlt : array of bool or 0/1, same shape
        Whether the patient has had a DLT.
    weight : array of float in [0, 1], same shape
        Follow-up weight (1 = whole window observed). A patient with a DLT counts with
        weight 1 whatever is given, as in the TITE-CRM (Cheung and Chappell 2000, sect. 2;
        dfcrm ``titecrm`` sets ``weights[tox == 1] <- 1``).

    Returns
    -------
    OutcomeCounts
        ``n``, ``dlt`` (trials, levels): patients with a DLT or a weight of 1, and DLTs;
        ``pending_level``, ``pending_weight`` (trials, q): the other patients, packed to
        the left, padded with weight 0 (q = the largest number pending in a trial).

    Examples
    --------
    >>> c = compute_outcome_counts([[0, 0, 1, -1]], [[0, 1, 0, 0]], [[1.0, 0.2, 0.5, 0.0]], 2)
    >>> c.n.tolist(), c.dlt.tolist(), c.pending_level.tolist(), c.pending_weight.tolist()
    ([[2, 0]], [[1, 0]], [[1]], [[0.5]])
    """
    lv = _as_2d(level, "level", None)
    if not np.issubdtype(lv.dtype, np.integer) or (lv.size and (lv.min() < -1 or lv.max() >= levels)):
        raise InputError("level", f"0-based whole-number levels from 0 to {levels - 1} (-1: empty slot)", lv.tolist())
    tox = _as_2d(dlt, "dlt", lv.shape[1])
    w = _as_2d(weight, "weight", lv.shape[1]).astype(float)
    if tox.shape != lv.shape or w.shape != lv.shape:
        raise InputError("dlt, weight", f"arrays of the same shape as level {lv.shape}", (tox.shape, w.shape))
    if tox.dtype != bool:
        bad_tox = ~np.isin(tox, (0, 1))
        if bad_tox.any():
            i, j = np.argwhere(bad_tox)[0]
            where = f"dlt[{i}, {j}] (trial row {i}, patient column {j})"
            raise InputError(where, "0 or 1 (or a bool)", tox[i, j].item())
    tox = tox.astype(bool)
    bad = ~np.isfinite(w) | (w < 0) | (w > 1)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise InputError(f"weight[{i}, {j}]", "a follow-up weight in [0, 1]", float(w[i, j]))
    trials = lv.shape[0]
    present = lv >= 0
    known = present & (tox | (w >= 1.0))
    rows = np.broadcast_to(np.arange(trials)[:, None], lv.shape)
    flat = rows * levels + np.where(present, lv, 0)
    size = trials * levels
    n = np.bincount(flat[known], minlength=size).reshape(trials, levels)
    y = np.bincount(flat[known & tox], minlength=size).reshape(trials, levels)
    pending = present & ~known
    per_trial = pending.sum(axis=1)
    width = int(per_trial.max()) if trials else 0
    rows, cols = np.nonzero(pending)  # row-major: each trial's pending patients in order
    rank = np.arange(rows.size) - np.repeat(np.cumsum(per_trial) - per_trial, per_trial)
    pending_level = np.zeros((trials, width), np.int64)
    pending_weight = np.zeros((trials, width))
    pending_level[rows, rank] = lv[rows, cols]
    pending_weight[rows, rank] = w[rows, cols]
    return OutcomeCounts(n, y, pending_level, pending_weight)
