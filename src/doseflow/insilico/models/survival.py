"""Death, withdrawal and data cut-off of virtual patients; progression-free survival times.

Death hazard (days since first dose :math:`t`, progression day :math:`t_p`):

.. math:: h(t) = h_0 + 1[t > t_p]\\, \\frac{k}{\\theta}\\left(\\frac{t - t_p}{\\theta}\\right)^{k-1},
          \\qquad H(t) = h_0 t + 1[t > t_p] \\left(\\frac{t - t_p}{\\theta}\\right)^{k},

a small constant hazard before progression plus a Weibull hazard in time since progression
(shape :math:`k > 1`: increasing, as death follows progression of advanced cancer), with scale
:math:`\\theta = m / (\\log 2)^{1/k}` for a median post-progression survival :math:`m` when
:math:`h_0 = 0` (Weibull 1951; Collett, Modelling Survival Data in Medical Research, 3rd ed.,
2015, section 5.2). Death times are drawn by inversion of :math:`H` (Bender, Augustin &
Blettner, Stat Med 2005;24:1713-1723): :math:`H(T) = H(t_0) + X`, :math:`X \\sim Exp(1)`.

Withdrawal for reasons other than toxicity (consent withdrawn, clinical deterioration,
investigator decision) has a constant hazard giving probability ``withdrawal_per_cycle`` per
21-day cycle; the trial engine decides discontinuation for toxicity itself.

Examples
--------
>>> import numpy as np
>>> cfg = SurvivalConfig(pre_progression_hazard_per_day=0.0)
>>> H = compute_death_cumulative_hazard(np.array([50.0]), np.array([50.0 - cfg.post_progression_median_days]), cfg)
>>> round(float(H[0]), 6)  # log 2 at the post-progression median
0.693147
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from doseflow.checks import check_probability, check_real
from doseflow.errors import DataError
from doseflow.standards.pfs import compute_pfs_outcome

__all__ = [
    "SurvivalConfig",
    "compute_death_cumulative_hazard",
    "sample_deaths",
    "sample_withdrawals",
    "apply_data_cutoff",
    "compute_pfs",
]


@dataclass(frozen=True, slots=True)
class SurvivalConfig:
    """Death and withdrawal hazards.

    Parameters
    ----------
    pre_progression_hazard_per_day : float
        :math:`h_0`, 1/day (>= 0); 0.0002 (about 3.6% over 6 months without progression).
        Assumption: deaths before progression are rare in phase I (GQ1001: no drug-related
        deaths; Lemech 2023).
    post_progression_median_days : float
        Median survival after progression, days (> 0); 200 (6.6 months). Assumption for
        heavily pre-treated HER2-positive cancers after failing a further line.
    post_progression_shape : float
        Weibull shape :math:`k` (> 0); 1.3 (hazard rising with time since progression).
        Assumption.
    withdrawal_per_cycle : float
        Probability of withdrawal for non-toxicity reasons per cycle, in [0, 1); 0.02 (brief).
    cycle_days : float
        Cycle length the withdrawal probability refers to, days; 21.
    """

    pre_progression_hazard_per_day: float = 0.0002
    post_progression_median_days: float = 200.0
    post_progression_shape: float = 1.3
    withdrawal_per_cycle: float = 0.02
    cycle_days: float = 21.0

    def __post_init__(self) -> None:
        check_real(self.pre_progression_hazard_per_day, "pre_progression_hazard_per_day", minimum=0.0)
        check_real(self.post_progression_median_days, "post_progression_median_days", minimum=0.0, strict=True)
        check_real(self.post_progression_shape, "post_progression_shape", minimum=0.0, strict=True)
        if self.withdrawal_per_cycle != 0:
            check_probability(self.withdrawal_per_cycle, "withdrawal_per_cycle")
        check_real(self.cycle_days, "cycle_days", minimum=0.0, strict=True)

    @property
    def post_progression_scale_days(self) -> float:
        """Weibull scale :math:`\\theta = m / (\\log 2)^{1/k}`, days."""
        return self.post_progression_median_days / math.log(2.0) ** (1.0 / self.post_progression_shape)

    @property
    def withdrawal_hazard_per_day(self) -> float:
        """Constant hazard :math:`-\\log(1 - p) / \\tau` giving probability p per cycle of tau days."""
        return -math.log1p(-self.withdrawal_per_cycle) / self.cycle_days


def _days(value: object, where: str, n: int | None = None, *, allow_nan: bool = False) -> np.ndarray:
    a = np.asarray(value, dtype=float)
    if a.ndim == 0 and n is not None:
        a = np.full(n, float(a))
    if a.ndim != 1 or (n is not None and a.shape[0] != n):
        raise DataError(where, f"a number or an array of {n} values (one per patient)", a.shape)
    bad = np.isinf(a) | (np.isnan(a) & (not allow_nan))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataError(f"{where}[{i}]", "a finite number of days" + (" or NaN" if allow_nan else ""), float(a[i]))
    return a


def _follow_up(start_day: object, end_day: object, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Checked (start, end) days of each patient's follow-up window, end >= start."""
    t0 = _days(start_day, "start_day", n)
    t1 = _days(end_day, "end_day", n)
    if (t1 < t0).any():
        i = int(np.flatnonzero(t1 < t0)[0])
        raise DataError(f"end_day[{i}]", f">= start_day ({t0[i]:g})", float(t1[i]))
    return t0, t1


def compute_death_cumulative_hazard(
    day: np.ndarray, progression_day: np.ndarray, config: SurvivalConfig | None = None
) -> np.ndarray:
    """Cumulative death hazard :math:`H(t)` at ``day`` (days since first dose).

    Parameters
    ----------
    day : array of float
        Days since first dose (>= 0).
    progression_day : array of float
        Day of progression, NaN if not (yet) progressed.
    config : SurvivalConfig, optional

    Returns
    -------
    numpy.ndarray
        :math:`h_0 t + 1[t > t_p] ((t - t_p)/\\theta)^k` (module docstring).
    """
    cfg = config if config is not None else SurvivalConfig()
    t = np.asarray(day, dtype=float)
    tp = np.asarray(progression_day, dtype=float)
    since = np.where(np.isnan(tp), 0.0, np.maximum(t - np.nan_to_num(tp, nan=0.0), 0.0))
    return cfg.pre_progression_hazard_per_day * t + (since / cfg.post_progression_scale_days) ** cfg.post_progression_shape


def sample_deaths(
    start_day: np.ndarray | float,
    end_day: np.ndarray | float,
    progression_day: np.ndarray,
    rng: np.random.Generator | int | None = None,
    config: SurvivalConfig | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Which patients alive at ``start_day`` die by ``end_day``, and when.

    Parameters
    ----------
    start_day, end_day : float or array of float
        Interval (days since first dose), ``end_day >= start_day``.
    progression_day : array of float
        Day of progression (NaN if none); may fall inside the interval.
    rng : numpy.random.Generator or int or None
    config : SurvivalConfig, optional

    Returns
    -------
    (died, death_day) : (bool array, float array)
        ``death_day`` is NaN where the patient survives the interval.

    Raises
    ------
    DataError
        If a day is not finite or ``end_day < start_day``.

    Notes
    -----
    Conditional on survival to :math:`t_0`, death occurs in :math:`(t_0, t_1]` with probability
    :math:`1 - e^{-(H(t_1) - H(t_0))}`; the time solves :math:`H(T) = H(t_0) + X`,
    :math:`X \\sim Exp(1)` (inversion, Bender et al. 2005), for the patients who die only.
    :math:`H` is linear before :math:`t_p`, so there :math:`T = (H(t_0) + X)/h_0`; after
    :math:`t_p` with :math:`h_0 = 0`, :math:`T = t_p + \\theta\\,(H(t_0) + X)^{1/k}` (Bender
    et al. 2005, Table II, Weibull). With both terms, :math:`T` solves
    :math:`h_0 T + ((T - t_p)/\\theta)^k = H(t_0) + X` by Newton's method safeguarded by
    bisection on the bracket :math:`(\\max(t_0, t_p), t_1]`, vectorised over the patients
    who die (a handful per cycle), until a step is below 1e-12 relative.

    Examples
    --------
    >>> died, day = sample_deaths(0.0, 21.0, np.array([np.nan, np.nan]), 0)
    >>> died.dtype == bool and day.shape == (2,)
    True
    """
    cfg = config if config is not None else SurvivalConfig()
    tp = _days(progression_day, "progression_day", allow_nan=True)
    n = tp.shape[0]
    t0, t1 = _follow_up(start_day, end_day, n)
    rng = np.random.default_rng(rng)
    target = compute_death_cumulative_hazard(t0, tp, cfg) + rng.exponential(size=n)
    died = compute_death_cumulative_hazard(t1, tp, cfg) >= target
    day = np.full(n, np.nan)
    if died.any():
        day[died] = _invert_cumulative_hazard(target[died], t0[died], t1[died], tp[died], cfg)
    return died, day


def _invert_cumulative_hazard(target: np.ndarray, t0: np.ndarray, t1: np.ndarray, tp: np.ndarray,
                              cfg: SurvivalConfig) -> np.ndarray:
    """The day T in (t0, t1] with H(T) = target, for patients with H(t0) < target <= H(t1)."""
    h0, k, theta = cfg.pre_progression_hazard_per_day, cfg.post_progression_shape, cfg.post_progression_scale_days
    progressed = ~np.isnan(tp)
    tp0 = np.where(progressed, tp, np.inf)
    with np.errstate(divide="ignore", invalid="ignore"):
        linear = target / h0 if h0 > 0 else np.full(target.shape, np.inf)
    before = linear <= tp0  # death before progression: H is h0 t there
    out = np.where(before, linear, np.nan)
    after = ~before
    if not after.any():
        return np.clip(out, t0, t1)
    a, x, lo_, hi_ = tp0[after], target[after], np.maximum(t0[after], tp0[after]), t1[after]
    if h0 == 0:
        out[after] = a + theta * x ** (1.0 / k)
        return np.clip(out, t0, t1)
    lo, hi = lo_.copy(), hi_.copy()
    t = np.minimum(hi, a + theta * x ** (1.0 / k))  # H >= target there: ignoring h0 t overshoots
    for _ in range(100):
        u = np.maximum(t - a, 0.0) / theta
        g = h0 * t + u**k - x
        hi = np.where(g >= 0, t, hi)
        lo = np.where(g < 0, t, lo)
        with np.errstate(divide="ignore"):
            slope = h0 + (k / theta) * u ** (k - 1.0)  # inf at u = 0 when k < 1: bisect
        newton = t - g / slope
        inside = np.isfinite(newton) & (newton > lo) & (newton < hi)
        t_new = np.where(inside, newton, 0.5 * (lo + hi))
        done = np.abs(t_new - t) <= 1e-12 * np.maximum(1.0, np.abs(t))
        t = t_new
        if done.all():
            break
    out[after] = t
    return np.clip(out, t0, t1)


def sample_withdrawals(
    start_day: np.ndarray | float,
    end_day: np.ndarray | float,
    n: int,
    rng: np.random.Generator | int | None = None,
    config: SurvivalConfig | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Withdrawals for non-toxicity reasons in ``(start_day, end_day]`` and their days.

    Notes
    -----
    Constant hazard :math:`h_w = -\\log(1 - p)/\\tau` (p per cycle of :math:`\\tau` days); over an
    interval of length :math:`\\Delta` the probability is :math:`1 - e^{-h_w \\Delta}` and the day is
    the inverted truncated exponential :math:`t_0 - \\log(1 - U (1 - e^{-h_w \\Delta}))/h_w`.
    Over one full cycle the probability is exactly p.

    Returns
    -------
    (withdrawn, withdrawal_day) : (bool array, float array with NaN where not withdrawn)

    Examples
    --------
    >>> w, d = sample_withdrawals(0.0, 21.0, 3, 0, SurvivalConfig(withdrawal_per_cycle=0.0))
    >>> w.tolist()
    [False, False, False]
    """
    cfg = config if config is not None else SurvivalConfig()
    t0, t1 = _follow_up(start_day, end_day, n)
    rng = np.random.default_rng(rng)
    h = cfg.withdrawal_hazard_per_day
    p = -np.expm1(-h * (t1 - t0))
    u = rng.uniform(size=n)
    withdrawn = u < p
    if h > 0:
        day = t0 - np.log1p(-np.where(withdrawn, u, 0.0)) / h
    else:
        day = np.full(n, np.nan)
    return withdrawn, np.where(withdrawn, np.minimum(day, t1), np.nan)


def apply_data_cutoff(
    time_days: np.ndarray,
    event: np.ndarray,
    enrolment_day: np.ndarray,
    cutoff_day: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Administrative censoring of time-to-event data at the data cut-off.

    Parameters
    ----------
    time_days : array of float
        Event or censoring time, days since each patient's first dose (= enrolment day).
    event : bool array
        True for an event.
    enrolment_day : array of float
        Calendar day of the first dose (days since study start).
    cutoff_day : float
        Data cut-off, days since study start.

    Returns
    -------
    (time, event, flag) : arrays
        Time and event as known at the cut-off: an event after the cut-off becomes a censoring
        at the cut-off (follow-up = cutoff_day - enrolment_day). ``flag`` is ``""``,
        ``"censored at data cut-off"``, or ``"enrolled after data cut-off"`` (time NaN, event False).

    Notes
    -----
    Administrative (type I) censoring at the data cut-off; FDA Guidance for Industry, Clinical
    Trial Endpoints for the Approval of Cancer Drugs and Biologics, 2018, appendix table
    (PFS censoring: no event by the cut-off = censored).

    Examples
    --------
    >>> t, e, f = apply_data_cutoff(np.array([100.0, 100.0]), np.array([True, True]), np.array([0.0, 950.0]), 1000.0)
    >>> t.tolist(), e.tolist(), f.tolist()
    ([100.0, 50.0], [True, False], ['', 'censored at data cut-off'])
    """
    t = np.asarray(time_days, dtype=float)
    ev = np.asarray(event, dtype=bool)
    enrol = _days(enrolment_day, "enrolment_day", t.shape[0])
    cut = check_real(cutoff_day, "cutoff_day")
    follow = cut - enrol
    late = follow < 0
    beyond = ~late & (t > follow)
    time = np.where(late, np.nan, np.minimum(t, follow))
    ev_out = ev & ~beyond & ~late
    flag = np.where(late, "enrolled after data cut-off", np.where(beyond, "censored at data cut-off", ""))
    return time, ev_out, flag


def compute_pfs(
    progression_day: np.ndarray,
    death_day: np.ndarray,
    last_scan_day: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Progression-free survival time (days from first dose) and event indicator.

    Parameters
    ----------
    progression_day : array of float
        Day of the first PD scan (NaN if none).
    death_day : array of float
        Day of death (NaN if alive).
    last_scan_day : array of float
        Day of the last adequate scan (0 if none after baseline).

    Returns
    -------
    (time, event)
        Event at the earlier of the first PD scan and death; otherwise censored at the last
        adequate scan.

    Notes
    -----
    The rule the readout applies too (:func:`doseflow.standards.pfs.compute_pfs_outcome`, with
    its default options): progression is dated at the scan that shows it (Eisenhauer 2009,
    section 4.6); censoring at the last adequate assessment and at the first dose (day 0)
    without one (FDA 2018 endpoints guidance, PFS censoring table).

    Examples
    --------
    >>> compute_pfs(np.array([84.0, np.nan, np.nan]), np.array([np.nan, 50.0, np.nan]), np.array([84.0, 42.0, 126.0]))
    (array([ 84.,  50., 126.]), array([ True,  True, False]))
    """
    outcome = compute_pfs_outcome(progression_day, death_day, last_scan_day, 0.0)
    return outcome.day, outcome.event
