"""Follow-up weights of the time-to-event CRM (Cheung and Chappell 2000).

A patient still inside the DLT window without a DLT enters the TITE-CRM likelihood as
``1 - w p_d`` (Cheung and Chappell 2000, sect. 2), ``w`` in [0, 1] being the weight of the
follow-up ``u`` observed so far in a window of length ``T``; a patient with a DLT, or with
the whole window observed, has weight 1. Two weight functions:

- linear: ``w = min(u / T, 1)``;
- adaptive: with ``0 = t_(0) < t_(1) <= ... <= t_(z) <= t_(z+1) = T`` the sorted times to
  DLT of the ``z`` patients with a DLT so far, and ``m`` the number of them at or before
  ``u``, ``w = (m + (u - t_(m)) / (t_(m+1) - t_(m))) / (z + 1)``: the empirical
  distribution of the times to DLT, interpolated linearly (Cheung and Chappell 2000,
  sect. 2; dfcrm ``titecrm(scheme = "adaptive")``). With no DLT it is the linear weight.

Arrays are per patient, shape (trials, patients) or (patients,) for one trial; empty slots
(trials with fewer patients) hold follow-up 0 and no DLT, and get weight 0.

References
----------
Cheung YK, Chappell R (2000). Sequential designs for phase I clinical trials with
late-onset toxicities. Biometrics 56:1177-1182.
"""

from __future__ import annotations

import numpy as np

from doseflow.checks import check_real
from doseflow.errors import InputError

__all__ = ["compute_adaptive_weights", "compute_linear_weights"]


def _followup(followup: object, window: float) -> tuple[np.ndarray, float]:
    u = np.asarray(followup, dtype=float)
    t = check_real(window, "window", minimum=0.0, strict=True)
    bad = ~np.isfinite(u) | (u < 0)
    if bad.any():
        at = tuple(int(i) for i in np.argwhere(bad)[0])
        raise InputError(f"followup{list(at)}", "a finite follow-up time >= 0 (days)", float(u[at]))
    return u, t


def compute_linear_weights(followup: object, window: float) -> np.ndarray:
    """Linear TITE weights ``min(u / T, 1)`` (Cheung and Chappell 2000, sect. 2).

    Parameters
    ----------
    followup : array of float >= 0, shape (trials, patients) or (patients,)
        Follow-up ``u`` of each patient so far (days since the start of treatment).
    window : float > 0
        Length ``T`` of the DLT window (days).

    Returns
    -------
    numpy.ndarray, same shape as ``followup``

    Examples
    --------
    >>> compute_linear_weights([0.0, 14.0, 28.0, 40.0], 28.0).tolist()
    [0.0, 0.5, 1.0, 1.0]
    """
    u, t = _followup(followup, window)
    return np.minimum(u / t, 1.0)


def compute_adaptive_weights(followup: object, dlt: object, window: float) -> np.ndarray:
    """Adaptive TITE weights from the observed times to DLT (Cheung and Chappell 2000).

    Parameters
    ----------
    followup : array of float >= 0, shape (trials, patients) or (patients,)
        Follow-up so far of a patient without DLT; the time to DLT of a patient with one.
    dlt : array of bool, same shape
        Whether the patient has had a DLT (inside the window).
    window : float > 0
        Length ``T`` of the DLT window (days).

    Returns
    -------
    numpy.ndarray, same shape as ``followup``
        1 for patients with a DLT; the weight of the module docstring, at most 1, for the
        others.

    Raises
    ------
    InputError
        If a follow-up is negative or not finite, or a time to DLT exceeds the window.

    Examples
    --------
    Two DLTs at days 7 and 21 in a 28-day window: a patient followed for 14 days has
    ``(1 + (14 - 7) / (21 - 7)) / 3 = 0.5``.

    >>> compute_adaptive_weights([7.0, 21.0, 14.0, 3.5, 24.5], [1, 1, 0, 0, 0], 28.0).round(4).tolist()
    [1.0, 1.0, 0.5, 0.1667, 0.8333]
    """
    u, t = _followup(followup, window)
    tox = np.asarray(dlt)
    if tox.shape != u.shape:
        raise InputError("dlt", f"an array of the same shape as followup {u.shape}", f"shape {tox.shape}")
    tox = tox.astype(bool)
    late = tox & (u > t)
    if late.any():
        at = tuple(int(i) for i in np.argwhere(late)[0])
        raise InputError(f"followup{list(at)}", f"a time to DLT within the window ({t:g} days)", float(u[at]))
    single = u.ndim == 1
    u2, tox2 = np.atleast_2d(u), np.atleast_2d(tox)
    z = tox2.sum(axis=1, keepdims=True)
    # Sorted DLT times with t_(0) = 0 in front and T behind: support[:, j] = t_(j).
    times = np.sort(np.where(tox2, u2, np.inf), axis=1)
    support = np.concatenate([np.zeros((u2.shape[0], 1)), times, np.full((u2.shape[0], 1), np.inf)], axis=1)
    support = np.where(np.arange(support.shape[1])[None, :] > z, t, support)
    m = np.minimum((times[:, None, :] <= u2[:, :, None]).sum(axis=2), z)
    below = np.take_along_axis(support, m, axis=1)
    above = np.take_along_axis(support, m + 1, axis=1)
    gap = above - below
    inside = (u2 < t) & (gap > 0)
    fraction = np.where(inside, (u2 - below) / np.where(gap > 0, gap, 1.0), 1.0)
    w = np.where(u2 >= t, 1.0, np.minimum((m + fraction) / (z + 1), 1.0))
    w = np.where(tox2, 1.0, w)
    return w[0] if single else w
