"""A fixed-step, vectorised Runge-Kutta integrator shared by the PK and toxicity models.

All virtual patients are integrated at once: the state is an array of shape
``(n_states, n_patients)`` and one right-hand side call evaluates every patient. The time
grid is shared by all patients and chosen by the caller so that every discontinuity of the
input (the end of a zero-order infusion) falls on a grid point; between grid points the
input is constant, so the classical fourth-order Runge-Kutta method keeps its order.

Examples
--------
Exponential decay dy/dt = -k y from y(0) = 1 reproduces exp(-k t):

>>> import numpy as np
>>> grid = compute_time_grid(2.0, dt=0.1)
>>> y_end, rec = integrate_rk4(lambda t, y, step: -0.5 * y, np.ones((1, 3)), grid)
>>> bool(np.allclose(y_end, np.exp(-0.5 * 2.0), rtol=1e-6))
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from doseflow.checks import check_real
from doseflow.errors import ConfigError

__all__ = ["compute_time_grid", "integrate_rk4"]

Derivatives = Callable[[float, np.ndarray, int], np.ndarray]


def compute_time_grid(
    t_end: float,
    dt: float,
    *,
    breakpoints: Sequence[float] = (),
    early_steps: Sequence[tuple[float, float]] = (),
) -> np.ndarray:
    """Time grid from 0 to ``t_end`` with every breakpoint on it.

    Parameters
    ----------
    t_end : float
        Last time point (days), > 0.
    dt : float
        Largest step (days), > 0, used after ``fine_until``.
    breakpoints : sequence of float, optional
        Times (days) that must be grid points, e.g. the end of an infusion or a
        sampling time. Values outside (0, t_end) are ignored.
    early_steps : sequence of (float, float), optional
        Pairs ``(until, step)``: before time ``until`` (days) steps are at most ``step``
        long, e.g. ``((1.0, 1/12), (3.0, 0.25))`` for the fast distribution phase after a
        dose; the first pair that covers an interval applies.

    Returns
    -------
    numpy.ndarray
        Increasing times (days), starting at 0 and ending at ``t_end``. Each interval
        between consecutive required points (0, breakpoints, ``fine_until``, ``t_end``)
        is divided into equal steps no longer than the step that applies there.

    Raises
    ------
    ConfigError
        If ``t_end``, ``dt`` or an early step is not a positive finite number.

    Examples
    --------
    >>> compute_time_grid(1.0, 0.5, breakpoints=[0.2]).round(6).tolist()
    [0.0, 0.2, 0.6, 1.0]
    """
    t_end = check_real(t_end, "t_end", minimum=0.0, strict=True)
    dt = check_real(dt, "dt", minimum=0.0, strict=True)
    early = sorted(
        (check_real(u, "early_steps until", minimum=0.0), check_real(h, "early_steps step", minimum=0.0, strict=True))
        for u, h in early_steps
    )
    fixed = {0.0, t_end}
    for b in [*breakpoints, *(u for u, _ in early)]:
        b = float(b)
        if 0.0 < b < t_end:
            fixed.add(b)
    knots = np.array(sorted(fixed))
    pieces = [knots[:1]]
    for a, b in zip(knots[:-1], knots[1:]):
        h = next((step for until, step in early if b <= until + 1e-12), dt)
        n = max(1, int(np.ceil((b - a) / h - 1e-9)))
        pieces.append(np.linspace(a, b, n + 1)[1:])
    return np.concatenate(pieces)


def integrate_rk4(
    rhs: Derivatives,
    y0: np.ndarray,
    times: np.ndarray,
    *,
    record: np.ndarray | None = None,
    observe: Callable[[np.ndarray], np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Integrate dy/dt = rhs(t, y, step) on a fixed grid by the classical RK4 method.

    Parameters
    ----------
    rhs : callable
        ``rhs(t, y, step) -> dy/dt`` with ``y`` of shape ``(n_states, n_patients)``;
        ``step`` is the index of the current interval ``[times[step], times[step+1]]``
        so that piecewise-constant inputs (infusion rates) can be looked up exactly.
    y0 : numpy.ndarray
        State at ``times[0]``, shape ``(n_states, n_patients)``.
    times : numpy.ndarray
        Strictly increasing grid (days).
    record : numpy.ndarray of bool, optional
        Which grid points to record (same length as ``times``); all by default.
    observe : callable, optional
        ``observe(y) -> array`` applied at recorded points (to keep only the outputs
        needed and save memory); the identity by default.

    Returns
    -------
    y_end : numpy.ndarray
        State at ``times[-1]``.
    recorded : numpy.ndarray
        ``observe(y)`` stacked over recorded points along a new first axis.

    Raises
    ------
    ConfigError
        If ``times`` is not strictly increasing or ``record`` has the wrong length.

    Notes
    -----
    One step of length h from (t, y) (Butcher 2016, section 23, the classical method)::

        k1 = f(t, y);  k2 = f(t + h/2, y + h/2 k1);  k3 = f(t + h/2, y + h/2 k2)
        k4 = f(t + h, y + h k3);  y_next = y + h/6 (k1 + 2 k2 + 2 k3 + k4)

    The local error is O(h^5) and the global error O(h^4) for smooth f; the step
    needed for a given accuracy is chosen and documented by each model.

    References
    ----------
    Butcher JC. Numerical Methods for Ordinary Differential Equations, 3rd ed. Wiley,
    2016, section 23.

    Examples
    --------
    >>> import numpy as np
    >>> grid = np.array([0.0, 0.5, 1.0])
    >>> _, rec = integrate_rk4(lambda t, y, s: np.ones_like(y), np.zeros((1, 2)), grid)
    >>> rec[:, 0, 0].tolist()
    [0.0, 0.5, 1.0]
    """
    t = np.asarray(times, dtype=float)
    if t.ndim != 1 or t.size < 2 or np.any(np.diff(t) <= 0):
        raise ConfigError("times", "a strictly increasing grid of at least 2 points", t.tolist())
    if record is None:
        record = np.ones(t.size, dtype=bool)
    record = np.asarray(record, dtype=bool)
    if record.shape != t.shape:
        raise ConfigError("record", f"a boolean mask of length {t.size}", record.shape)
    obs = (lambda v: v.copy()) if observe is None else observe
    y = np.array(y0, dtype=float, copy=True)
    out = []
    if record[0]:
        out.append(obs(y))
    for step in range(t.size - 1):
        t0 = t[step]
        h = t[step + 1] - t0
        half = 0.5 * h
        k1 = rhs(t0, y, step)
        k2 = rhs(t0 + half, y + half * k1, step)
        k3 = rhs(t0 + half, y + half * k2, step)
        k4 = rhs(t0 + h, y + h * k3, step)
        y = y + (h / 6.0) * (k1 + 2.0 * (k2 + k3) + k4)
        if record[step + 1]:
            out.append(obs(y))
    return y, np.stack(out) if out else np.empty((0,))
