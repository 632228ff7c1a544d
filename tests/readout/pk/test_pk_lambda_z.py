"""lambda-z selection rules of PKNCA's pk.calc.half.life, on hand-built profiles."""

from __future__ import annotations

import math

import numpy as np
import pytest

from doseflow.errors import InputError
from doseflow.readout.pk import compute_lambda_z
from doseflow.readout.pk.lambda_z import compute_adjusted_r_squared


def test_adjusted_r_squared_formula():
    """1 - (1 - R2)(n - 1)/(n - 2): R2 = 0.9, n = 5 -> 1 - 0.1 * 4/3 = 0.866667; n = 2 undefined."""
    assert float(compute_adjusted_r_squared(0.9, 5)) == pytest.approx(0.8666666666666667)
    assert math.isnan(float(compute_adjusted_r_squared(1.0, 2)))


def test_three_exact_points_give_the_rate():
    """log C falls by ln 2 per 2 h: C = 8, 4, 2 at 2, 4, 6 h -> lambda_z = ln2/2 = 0.3465736, t1/2 = 2 h,
    R2 = 1, span ratio (6 - 2)/2 = 2, Clast,pred = 2."""
    fit = compute_lambda_z([0, 2, 4, 6.0], [1, 8, 4, 2], tmax=0.0)
    assert fit.n_points[0] == 3
    assert fit.lambda_z[0] == pytest.approx(math.log(2) / 2, rel=1e-12)
    assert fit.half_life[0] == pytest.approx(2.0, rel=1e-12)
    assert fit.r_squared[0] == pytest.approx(1.0)
    assert fit.span_ratio[0] == pytest.approx(2.0)
    assert fit.clast_pred[0] == pytest.approx(2.0)
    assert fit.time_first[0] == 2.0 and fit.time_last[0] == 6.0


def test_tie_within_tolerance_prefers_more_points():
    """Exact exponential after Tmax: every candidate set has adjR2 = 1 (ties), so all 5 points are used."""
    t = np.array([0, 1, 2, 3, 4, 5.0])
    fit = compute_lambda_z(t, np.r_[0.5, 10 * np.exp(-0.3 * t[1:])], tmax=0.0)
    assert fit.n_points[0] == 5 and fit.lambda_z[0] == pytest.approx(0.3)


def test_best_adjusted_r_squared_beats_more_points():
    """Last three points exactly log-linear (slope -0.5); a fourth earlier point 3x off the line.

    Fit on 3 points: adjR2 = 1. Any fit including the outlier has R2 < 1 by far more than 1e-4,
    so the 3-point fit wins although it has fewer points.
    """
    t = np.array([1, 2, 3, 4.0])
    c = np.exp(-0.5 * t)
    c[0] *= 3
    fit = compute_lambda_z(t, c, tmax=0.5)
    assert fit.n_points[0] == 3 and fit.lambda_z[0] == pytest.approx(0.5)


def test_tmax_excluded_unless_allowed():
    """Profile peaking at 1 h with 3 later points: Tmax excluded gives 3 points, allowed gives 4."""
    t = np.array([0, 1, 2, 3, 4.0])
    c = np.r_[0, 16 * 0.5 ** t[1:]]
    assert compute_lambda_z(t, c, tmax=1.0).n_points[0] == 3
    assert compute_lambda_z(t, c, tmax=1.0, allow_tmax=True).n_points[0] == 4


def test_zero_concentrations_and_too_few_points():
    fit = compute_lambda_z([0, 1, 2, 3.0], [5, 4, 2, 0], tmax=0.0)
    assert math.isnan(fit.lambda_z[0])
    assert fit.reason[0] == "lambda_z: fewer than 3 measurable points after Tmax (2)"


def test_rising_terminal_phase_gives_no_fit():
    fit = compute_lambda_z([0, 1, 2, 3.0], [1, 2, 3, 4], tmax=0.0)
    assert math.isnan(fit.lambda_z[0])
    assert fit.reason[0] == "lambda_z: no candidate fit with lambda_z > 0"


def test_many_profiles_at_once_match_one_at_a_time():
    t = np.array([[0, 1, 2, 4, 8.0], [0, 1, 3, 5, np.nan]])
    c = np.array([[0, 5, 4, 2, 1.0], [9, 6, 3, 1.5, np.nan]])
    both = compute_lambda_z(t, c, tmax=np.array([1.0, 0.0]))
    for i, tm in enumerate((1.0, 0.0)):
        single = compute_lambda_z(t[i], c[i], tmax=tm)
        assert both.lambda_z[i] == pytest.approx(single.lambda_z[0])
        assert both.n_points[i] == single.n_points[0]


@pytest.mark.parametrize("kwargs, where", [({"min_points": 1}, "min_points"),
                                           ({"adj_r_squared_factor": 0.0}, "adj_r_squared_factor")])
def test_bad_settings(kwargs, where):
    with pytest.raises(InputError, match=f"^{where}"):
        compute_lambda_z([0, 1, 2.0], [3, 2, 1], tmax=0.0, **kwargs)


def test_a_flat_terminal_phase_has_no_lambda_z_whatever_the_scale():
    """After Tmax: 0.1, 0.09765625, 0.1 at 1.5, 1.6, 1.7 h, a slope of exactly 0 (the log values are
    symmetric about the middle point). Rounding made it +-1e-17 depending on the concentration scale,
    so scaling C by 2 gave lambda_z 2.7e-17 and AUCinf 3.7e16 once and NaN the other time; now neither
    has a lambda_z (hypothesis found it: test_pk_properties.test_scaling_concentrations)."""
    t = np.array([0.0, 1.0, 1.5, 1.6, 1.7])
    c = np.array([0.0, 1.0, 0.1, 0.09765625, 0.1])
    for factor in (1.0, 2.0, 1e3):
        fit = compute_lambda_z(t, factor * c, tmax=1.0)
        assert np.isnan(fit.lambda_z[0]) and fit.reason[0] == "lambda_z: no candidate fit with lambda_z > 0"
