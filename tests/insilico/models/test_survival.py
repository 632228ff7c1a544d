"""Tests of doseflow.insilico.models.survival: hazards against hand-derived values and scipy's Weibull
distribution (an independent oracle), censoring rules on hand-made cases."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from doseflow.errors import ConfigError, DataError
from doseflow.insilico.models import (
    SurvivalConfig, apply_data_cutoff, compute_death_cumulative_hazard, compute_pfs, sample_deaths,
    sample_withdrawals,
)

N = 40_000


def test_cumulative_hazard_hand_values():
    """h0 = 0.001/day, Weibull shape 1, median 200 d -> scale 200/log 2 = 288.539 d.
    No progression: H(100) = 0.1. Progression at day 50: H(100) = 0.1 + 50/288.539 = 0.273287."""
    cfg = SurvivalConfig(pre_progression_hazard_per_day=0.001, post_progression_median_days=200.0,
                         post_progression_shape=1.0)
    h = compute_death_cumulative_hazard(np.array([100.0, 100.0, 40.0]), np.array([np.nan, 50.0, 50.0]), cfg)
    np.testing.assert_allclose(h, [0.1, 0.273287, 0.04], rtol=1e-6)


def test_exponential_deaths_before_progression():
    """Constant hazard 0.01/day over 21 days: P(death) = 1 - exp(-0.21) = 0.189416 (SE 0.0020);
    mean death day given death = 1/h - 21 e^{-21h}/(1 - e^{-21h}) = 10.1328 (hand; the SD of a
    truncated exponential on [0, 21] is < 21/sqrt(12) = 6.06, so SE < 6.06/sqrt(n_died))."""
    cfg = SurvivalConfig(pre_progression_hazard_per_day=0.01)
    died, day = sample_deaths(0.0, 21.0, np.full(N, np.nan), 1, cfg)
    assert abs(died.mean() - 0.189416) < 4 * np.sqrt(0.19 * 0.81 / N)
    assert abs(day[died].mean() - 10.1328) < 4 * 6.06 / np.sqrt(died.sum())
    assert np.all((day[died] > 0) & (day[died] <= 21)) and np.isnan(day[~died]).all()


def test_post_progression_weibull_against_scipy():
    """No pre-progression hazard, progression at day 30: P(death by day 30 + t) is the Weibull
    CDF with shape 1.3 and scale 200/log(2)^(1/1.3) (scipy.stats.weibull_min), at t = 200 it is
    0.5 (the median, by construction)."""
    cfg = SurvivalConfig(pre_progression_hazard_per_day=0.0)
    scale = 200.0 / np.log(2) ** (1 / 1.3)
    for t, seed in [(200.0, 2), (90.0, 3)]:
        died, day = sample_deaths(0.0, 30.0 + t, np.full(N, 30.0), seed, cfg)
        p = stats.weibull_min(1.3, scale=scale).cdf(t)
        assert abs(died.mean() - p) < 4 * np.sqrt(p * (1 - p) / N)
        assert np.all(day[died] > 30.0)
    assert stats.weibull_min(1.3, scale=scale).cdf(200.0) == pytest.approx(0.5)


def test_deaths_are_memoryless_across_intervals():
    """Drawing per cycle (21-day steps) reproduces the one-shot probability over 84 days:
    P = 1 - exp(-H(84)) with h0 = 0.002 and progression at day 21 (hand: H = 0.168 +
    (63/scale)^1.3)."""
    cfg = SurvivalConfig(pre_progression_hazard_per_day=0.002)
    rng = np.random.default_rng(5)
    alive = np.ones(N, bool)
    for c in range(4):
        died, _ = sample_deaths(21.0 * c, 21.0 * (c + 1), np.full(N, 21.0), rng, cfg)
        alive &= ~died
    scale = 200.0 / np.log(2) ** (1 / 1.3)
    p = 1 - np.exp(-(0.168 + (63.0 / scale) ** 1.3))
    assert abs((~alive).mean() - p) < 4 * np.sqrt(p * (1 - p) / N)


def test_withdrawal_per_cycle():
    """2% per 21-day cycle (brief): over one cycle P = 0.02 exactly (SE 0.0007); days in (0, 21]."""
    w, d = sample_withdrawals(0.0, 21.0, N, 8)
    assert abs(w.mean() - 0.02) < 4 * np.sqrt(0.02 * 0.98 / N)
    assert np.all((d[w] > 0) & (d[w] <= 21.0)) and np.isnan(d[~w]).all()
    assert SurvivalConfig().withdrawal_hazard_per_day == pytest.approx(-np.log(0.98) / 21)


def test_data_cutoff():
    """Cut-off day 1000: enrolled day 0, event at 100 -> kept; enrolled 950, event at 100 ->
    censored at 50; enrolled 500, censored at 200 -> unchanged; enrolled 1010 -> NaN, flagged."""
    t, e, f = apply_data_cutoff(np.array([100.0, 100.0, 200.0, 10.0]), np.array([True, True, False, True]),
                                np.array([0.0, 950.0, 500.0, 1010.0]), 1000.0)
    np.testing.assert_array_equal(t[:3], [100.0, 50.0, 200.0])
    assert np.isnan(t[3])
    assert e.tolist() == [True, False, False, False]
    assert f.tolist() == ["", "censored at data cut-off", "", "enrolled after data cut-off"]


def test_pfs_rules():
    """PD scan day 84 -> event 84; death 50 before any PD -> event 50; death 30 before PD 84 ->
    event 30; neither -> censored at the last scan 126; no scan -> censored at 0."""
    t, e = compute_pfs(np.array([84.0, np.nan, 84.0, np.nan, np.nan]),
                       np.array([np.nan, 50.0, 30.0, np.nan, np.nan]),
                       np.array([84.0, 42.0, 42.0, 126.0, 0.0]))
    assert t.tolist() == [84.0, 50.0, 30.0, 126.0, 0.0]
    assert e.tolist() == [True, True, True, False, False]


def test_errors_and_determinism():
    with pytest.raises(DataError, match=r"end_day\[0\]: must be >= start_day"):
        sample_deaths(21.0, 0.0, np.array([np.nan]), 1)
    with pytest.raises(DataError, match=r"start_day\[0\]"):
        sample_deaths(np.array([np.inf]), 21.0, np.array([np.nan]), 1)
    with pytest.raises(ConfigError, match="withdrawal_per_cycle"):
        SurvivalConfig(withdrawal_per_cycle=1.5)
    a = sample_deaths(0.0, 300.0, np.full(100, 10.0), 3)[1]
    b = sample_deaths(0.0, 300.0, np.full(100, 10.0), 3)[1]
    np.testing.assert_array_equal(a, b)


def _mixed_cdf(t, h0, tp, k, scale):
    """P(T <= t) = 1 - exp(-H(t)) for H(t) = h0 t + ((t - tp)+ / scale)^k (module docstring)."""
    return 1.0 - np.exp(-(h0 * t + (np.maximum(t - tp, 0.0) / scale) ** k))


def test_deaths_with_both_hazards_match_the_analytic_distribution():
    """h0 = 0.002/day and progression at day 10 (Weibull shape 1.3, median 200 d), followed over
    (0, 300]: the death day's CDF at t is 1 - exp(-H(t)) (hand formula, no code under test) at
    t = 5 (before progression: 1 - e^{-0.01} = 0.00995), 100 and 250, and the mean death day
    given death by 300 equals int_0^300 t h(t) e^{-H(t)} dt / F(300), computed by scipy.quad.
    The old implementation (bisection) drew the same distribution; these are its analytic values."""
    from scipy.integrate import quad

    h0, tp, k = 0.002, 10.0, 1.3
    scale = 200.0 / np.log(2) ** (1 / k)
    cfg = SurvivalConfig(pre_progression_hazard_per_day=h0)
    died, day = sample_deaths(0.0, 300.0, np.full(N, tp), 11, cfg)
    assert abs(_mixed_cdf(5.0, h0, tp, k, scale) - (1 - np.exp(-0.01))) < 1e-12
    for t in (5.0, 100.0, 250.0, 300.0):
        p = _mixed_cdf(t, h0, tp, k, scale)
        assert abs((day <= t).mean() - p) < 4 * np.sqrt(p * (1 - p) / N), t
    dens = lambda t: (h0 + (k / scale) * (max(t - tp, 0.0) / scale) ** (k - 1) * (t > tp)) * np.exp(  # noqa: E731
        -(h0 * t + (max(t - tp, 0.0) / scale) ** k))
    f300 = _mixed_cdf(300.0, h0, tp, k, scale)
    mean = quad(lambda t: t * dens(t), 0.0, 300.0, points=[tp])[0] / f300
    second = quad(lambda t: t * t * dens(t), 0.0, 300.0, points=[tp])[0] / f300
    sd = np.sqrt(second - mean**2)
    assert abs(day[died].mean() - mean) < 4 * sd / np.sqrt(died.sum())
    assert abs(day[died].std() - sd) < 0.05 * sd


@pytest.mark.parametrize("shape", [0.7, 1.0, 1.3, 2.5])
def test_death_day_solves_the_cumulative_hazard_equation(shape):
    """Inversion (Bender et al. 2005): the death day T solves H(T) = H(t0) + X with X the
    Exp(1) draw. The draws are reproduced from the same seed (sample_deaths draws X first,
    one per patient); T is checked against scipy's brentq root of that equation, for shapes
    below, at and above 1 (Newton is safeguarded by bisection), progression before, inside
    and after the interval, and h0 > 0."""
    from scipy.optimize import brentq

    cfg = SurvivalConfig(pre_progression_hazard_per_day=0.01, post_progression_median_days=30.0,
                         post_progression_shape=shape)
    n = 300
    tp = np.tile([np.nan, 5.0, 30.0, 50.0, 70.0], n // 5)
    t0, t1 = 21.0, 63.0
    died, day = sample_deaths(t0, t1, tp, 4, cfg)
    x = np.random.default_rng(4).exponential(size=n)
    target = compute_death_cumulative_hazard(np.full(n, t0), tp, cfg) + x
    assert 20 < died.sum() < n
    for i in np.flatnonzero(died):
        root = brentq(lambda t: compute_death_cumulative_hazard(np.array([t]), tp[i:i + 1], cfg)[0] - target[i],
                      t0, t1, xtol=1e-13)
        assert day[i] == pytest.approx(root, abs=1e-8)
    assert np.all((day[died] > t0) & (day[died] <= t1))
