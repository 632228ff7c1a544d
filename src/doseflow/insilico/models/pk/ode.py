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
from functools import lru_cache

import numpy as np

from doseflow.checks import check_real
from doseflow.errors import ConfigError

__all__ = ["compute_time_grid", "compute_cycle_grid", "compute_refinement_level", "integrate_rk4", "compute_step_brackets"]

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
    in_place: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Integrate dy/dt = rhs(t, y, step) on a fixed grid by the classical RK4 method.

    Parameters
    ----------
    rhs : callable
        ``rhs(t, y, step) -> dy/dt`` with ``y`` of shape ``(n_states, n_patients)``;
        ``step`` is the index of the current interval ``[times[step], times[step+1]]``
        so that piecewise-constant inputs (infusion rates) can be looked up exactly.
        With ``in_place=True`` it is called as ``rhs(t, y, step, out)`` and writes dy/dt
        into ``out`` (same shape as ``y``) instead of returning it.
    y0 : numpy.ndarray
        State at ``times[0]``, shape ``(n_states, n_patients)``.
    times : numpy.ndarray
        Strictly increasing grid (days).
    record : numpy.ndarray of bool, optional
        Which grid points to record (same length as ``times``); all by default.
    observe : callable, optional
        ``observe(y) -> array`` applied at recorded points (to keep only the outputs
        needed and save memory); a copy of ``y`` by default. With ``in_place=True`` it
        must return a new array, not a view of ``y`` (which is overwritten).
    in_place : bool, optional
        Reuse five preallocated stage buffers instead of allocating new arrays at
        every stage (same arithmetic, the same result to the last bit; fewer
        allocations, which dominate for small batches).

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
        k4 = f(t + h, y + h k3);  y_next = y + h/6 (k1 + 2 (k2 + k3) + k4)

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
    >>> def decay(t, y, s, out):
    ...     np.multiply(y, -0.5, out=out)
    >>> y_end, _ = integrate_rk4(decay, np.ones((1, 1)), compute_time_grid(2.0, 0.1), in_place=True)
    >>> bool(np.isclose(y_end[0, 0], np.exp(-1.0), rtol=1e-6))
    True
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
    y = np.array(y0, dtype=float, order="C", copy=True)  # C order: each state row contiguous
    out = []
    if record[0]:
        out.append(obs(y))
    step_fn = _step_in_place(rhs, y) if in_place else _step_allocating(rhs)
    for step in range(t.size - 1):
        y = step_fn(t[step], t[step + 1] - t[step], y, step)
        if record[step + 1]:
            out.append(obs(y))
    return y, np.stack(out) if out else np.empty((0,))


def _step_allocating(rhs: Derivatives) -> Callable:
    """One RK4 step with new arrays at every stage (rhs returns dy/dt)."""

    def step_fn(t0: float, h: float, y: np.ndarray, step: int) -> np.ndarray:
        half = 0.5 * h
        k1 = rhs(t0, y, step)
        k2 = rhs(t0 + half, y + half * k1, step)
        k3 = rhs(t0 + half, y + half * k2, step)
        k4 = rhs(t0 + h, y + h * k3, step)
        return y + (h / 6.0) * (k1 + 2.0 * (k2 + k3) + k4)

    return step_fn


def _step_in_place(rhs: Callable, like: np.ndarray) -> Callable:
    """One RK4 step on preallocated buffers; ``y`` is updated in place and returned.

    The operations are those of :func:`_step_allocating` in the same order (IEEE
    addition and multiplication are commutative), so both give identical results.
    """
    k1, k2, k3, k4, mid = (np.empty_like(like) for _ in range(5))
    add, mul = np.add, np.multiply

    def step_fn(t0: float, h: float, y: np.ndarray, step: int) -> np.ndarray:
        half = 0.5 * h
        rhs(t0, y, step, k1)
        add(mul(k1, half, out=mid), y, out=mid)
        rhs(t0 + half, mid, step, k2)
        add(mul(k2, half, out=mid), y, out=mid)
        rhs(t0 + half, mid, step, k3)
        add(mul(k3, h, out=mid), y, out=mid)
        rhs(t0 + h, mid, step, k4)
        acc = add(k2, k3, out=k2)
        mul(acc, 2.0, out=acc)
        add(acc, k1, out=acc)
        add(acc, k4, out=acc)
        return add(y, mul(acc, h / 6.0, out=acc), out=y)

    return step_fn


def compute_step_brackets(recorded_times: np.ndarray, times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The recorded points that bracket each step of a grid.

    Parameters
    ----------
    recorded_times : numpy.ndarray
        Increasing subset of ``times`` (days) that includes its first and last point.
    times : numpy.ndarray
        The integration grid (days).

    Returns
    -------
    lo, hi : numpy.ndarray of int
        For step ``k`` (from ``times[k]`` to ``times[k+1]``), the index of the last
        recorded time <= ``times[k]`` and of the first >= ``times[k+1]``.

    Raises
    ------
    ConfigError
        If ``recorded_times`` does not start and end with the grid.

    Notes
    -----
    A quantity that is monotone between consecutive records (a drug concentration
    rising during an infusion and falling afterwards, recorded at the end of the
    infusion) takes its extremes over a step at the bracketing records, so a rate that
    depends monotonically on it is bounded over the step by its larger value there. Used
    for step control: RK4 is stable for a decaying mode exp(-lambda t) when
    lambda h <= 2.785 (the real axis of its stability region; Butcher 2016, section 23).

    Examples
    --------
    >>> lo, hi = compute_step_brackets(np.array([0.0, 1.0, 2.0]), np.array([0.0, 0.5, 1.0, 1.5, 2.0]))
    >>> lo.tolist(), hi.tolist()
    ([0, 0, 1, 1], [1, 1, 2, 2])
    """
    t = np.asarray(times, dtype=float)
    rt = np.asarray(recorded_times, dtype=float)
    if rt.size < 2 or not (np.isclose(rt[0], t[0]) and np.isclose(rt[-1], t[-1])):
        raise ConfigError("recorded_times", f"recorded times from {t[0]} to {t[-1]}", rt.tolist())
    lo = np.clip(np.searchsorted(rt, t[:-1] + 1e-12, side="right") - 1, 0, rt.size - 1)
    hi = np.clip(np.searchsorted(rt, t[1:] - 1e-12, side="left"), 0, rt.size - 1)
    return lo, hi


def compute_refinement_level(rate_times_step, z_max) -> np.ndarray:
    """Smallest r >= 0 with rate x step / 2^r <= ``z_max`` (element-wise).

    Examples
    --------
    >>> compute_refinement_level(np.array([1.0, 2.6, 6.0]), 2.5).tolist()
    [0, 1, 2]
    """
    ratio = np.asarray(rate_times_step, dtype=float) / np.asarray(z_max, dtype=float)
    return np.ceil(np.log2(np.maximum(ratio, 1.0))).astype(np.int64)


@lru_cache(maxsize=128)
def compute_cycle_grid(days: float, t_inf: float, dt: float, early_steps: tuple, output_dt: float,
                       extra: tuple, infusion_steps: int, level: int) -> tuple[np.ndarray, np.ndarray]:
    """Grid of one dosing cycle, refined 2^level, and the mask of its recorded points.

    Parameters
    ----------
    days, t_inf : float
        Cycle length and infusion duration (days).
    dt, early_steps : float, tuple of (float, float)
        Steps of :func:`compute_time_grid` before refinement.
    output_dt : float
        Spacing of the recorded points (days).
    extra : tuple of float
        Further times to record (days).
    infusion_steps : int
        Equal steps during the infusion.
    level : int
        Every step is divided by 2^level.

    Returns
    -------
    grid, record : numpy.ndarray
        Read-only (cached): the grid, with breakpoints at the infusion steps, every
        ``output_dt`` and ``extra``; and which of its points are recorded (every
        ``output_dt``, the end of the infusion, the end of the cycle and ``extra``).

    Examples
    --------
    >>> grid, record = compute_cycle_grid(1.0, 0.5, 0.5, (), 1.0, (), 2, 0)
    >>> grid.tolist(), grid[record].tolist()
    ([0.0, 0.25, 0.5, 1.0], [0.0, 0.5, 1.0])
    """
    outputs_at = np.arange(0.0, days + 1e-9, output_dt)
    in_inf = [t_inf * j / infusion_steps for j in range(1, infusion_steps + 1)]
    wanted = np.concatenate([outputs_at, [t_inf, days], extra])
    scale = 2.0**level
    grid = compute_time_grid(days, dt / scale, breakpoints=[*in_inf, *outputs_at, *extra],
                             early_steps=[(u, h / scale) for u, h in early_steps])
    record = np.isclose(grid[:, None], wanted[None, :], rtol=0, atol=1e-9).any(axis=1)
    grid.setflags(write=False)
    record.setflags(write=False)
    return grid, record
