"""Kaplan-Meier table, median and Brookmeyer-Crowley limits of doseflow.standards.kaplan_meier against
R survival's published output on the aml data (Miller 1981), R's own quantile tests and hand-derived
medians."""

from __future__ import annotations

import numpy as np
import pytest

from doseflow.standards.kaplan_meier import compute_km_median, compute_km_table, compute_survival_quantile

# survival::aml (Miller 1981, p. 49): weeks to relapse, status 1 = relapse; Maintained first 11.
AML_TIME = [9, 13, 13, 18, 23, 28, 31, 34, 45, 48, 161, 5, 5, 8, 8, 12, 16, 23, 27, 30, 33, 43, 45]
AML_STATUS = [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1]


def test_aml_pointwise_log_ci_against_R_summary():
    """R ``summary(survfit(Surv(time, status) ~ 1, data = aml))`` (event times; survival, std.err
    of S, lower/upper 95% CI, log scale), as printed:
      time  5: 0.9130 0.0588 0.8049 1.000 | 23: 0.5466 0.1073 0.3721 0.803
      time 27: 0.4969 0.1084 0.3240 0.762 | 48: 0.0828 0.0727 0.0148 0.462
    R's std.err in summary is the SE of S (= S * Greenwood SE of the cumulative hazard)."""
    t = compute_km_table(AML_TIME, AML_STATUS).set_index("time")
    want = {5: (0.9130, 0.0588, 0.8049, 1.000), 23: (0.5466, 0.1073, 0.3721, 0.803),
            27: (0.4969, 0.1084, 0.3240, 0.762), 48: (0.0828, 0.0727, 0.0148, 0.462)}
    for time, (s, se_s, lo, hi) in want.items():
        row = t.loc[float(time)]
        assert round(row.surv, 4) == s and round(row.surv * row.std_err, 4) == se_s
        assert round(row.lower, 4) == lo and round(row.upper, 3) == hi
    assert t.loc[[5.0, 8.0, 13.0, 161.0], "n_risk"].tolist() == [23, 21, 17, 1]


def test_aml_log_log_ci_against_R():
    """R ``survfit(..., conf.type = "log-log")`` on aml, lower/upper at times 5, 23, 48
    (R 4.5.1, survival 3.8.3, as recorded in a public golden-value test file):
    0.694947537532/0.977515669901, 0.319250413971/0.726449173821, 0.00695596679854/0.286760367981.
    Hand check at t = 5: S = 21/23, se = sqrt(2/(23*21)) = 0.064349, |log S| = 0.090972,
    exp(1.959964 * 0.064349 / 0.090972) = 4.0003, S^4.0003 = 0.69495."""
    t = compute_km_table(AML_TIME, AML_STATUS, conf_type="log-log").set_index("time")
    for time, lo, hi in [(5, 0.694947537532, 0.977515669901), (23, 0.319250413971, 0.726449173821),
                         (48, 0.00695596679854, 0.286760367981)]:
        assert t.loc[float(time), "lower"] == pytest.approx(lo, rel=1e-6)
        assert t.loc[float(time), "upper"] == pytest.approx(hi, rel=1e-6)


def test_log_log_band_equals_lifelines_exponential_greenwood():
    """lifelines documents its KM interval as the exponential Greenwood (log-log) one; ours must
    agree at every event time of aml."""
    from lifelines import KaplanMeierFitter

    kmf = KaplanMeierFitter().fit(AML_TIME, AML_STATUS)
    ci = kmf.confidence_interval_
    t = compute_km_table(AML_TIME, AML_STATUS, conf_type="log-log")
    ev = t.loc[t.n_event > 0]
    assert ev.lower.to_numpy() == pytest.approx(ci.iloc[:, 0].reindex(ev.time).to_numpy(), rel=1e-6)
    assert ev.upper.to_numpy() == pytest.approx(ci.iloc[:, 1].reindex(ev.time).to_numpy(), rel=1e-6)


def test_R_quantile_test_case():
    """therneau/survival tests/quantile.R, data test1 (the NA-status row dropped): time
    9,1,1,6,6,8,10 with status 1,1,0,1,1,0,0. S = 6/7 after t=1, 18/35 after t=6, 9/35 after
    t=9, so the median is 9; R expects lower 6 and upper NA for probs 0.5. By strata x=0
    (9,6,8,10 / 1,1,0,0): median 9, lower 6; x=1 (1,1,6 / 1,0,1): median 6, lower 1."""
    assert _median([9, 1, 1, 6, 6, 8, 10], [1, 1, 0, 1, 1, 0, 0]) == (9.0, 6.0, None)
    assert _median([9, 6, 8, 10], [1, 1, 0, 0]) == (9.0, 6.0, None)
    assert _median([1, 1, 6], [1, 0, 1]) == (6.0, 1.0, None)


def _median(t, e):
    m = compute_km_median(compute_km_table(t, e))
    return tuple(None if np.isnan(v) else v for v in m)


@pytest.mark.parametrize("t, e, median", [
    ([1, 2, 3, 4], [1, 1, 1, 1], 2.5),      # S = .75 .5 .25 0: flat at 0.5 on [2, 3) -> (2+3)/2
    ([1, 2, 3, 4], [1, 1, 0, 0], 3.0),      # S = 0.5 from 2 to the end (last time 4) -> (2+4)/2
    ([1, 2, 3, 4, 5], [1, 1, 1, 0, 0], 3.0),  # S = .8 .6 .4: first S <= 0.5 at 3
    ([2, 3, 5], [0, 0, 1], 5.0),            # S stays 1 until 5, then 0 -> 5
    ([1, 2, 3], [1, 0, 0], None),           # S = 2/3 at the end: not reached
    ([4, 5, 6], [0, 0, 0], None),           # no event
])
def test_median_hand_cases(t, e, median):
    """Median = smallest t with S(t) <= 0.5; on a flat exactly at 0.5 the midpoint of the flat
    (to the next drop, or to the last observed time) - R quantile.survfit's documented rule."""
    assert _median(t, e)[0] == median


def test_aml_median_and_limits_against_R_survfit():
    """R ``survfit(Surv(time, status) ~ 1, data = aml)``: median 27, 0.95LCL 18, 0.95UCL 45
    (conf.type "log"); the same figures estimate_km reports (tests/readout/efficacy)."""
    assert compute_km_median(compute_km_table(AML_TIME, AML_STATUS)) == (27.0, 18.0, 45.0)


def test_survival_quantile_is_vectorised_over_padded_rows():
    """Row 1: S = .75 .5 .25 0, flat at 0.5 on [2, 3) -> 2.5. Row 2 (padded with NaN): S = 0.6 then
    0.4 at t=5 -> 5. Row 3: 0.5 to the end (last time 7) -> (4 + 7) / 2. Row 4: never <= 0.5 -> NaN.
    Row 5: a band undefined (NaN) where S = 0 after being 0.5 from t=2 -> (2 + last time 4) / 2.
    Level p = 0.75: S = 0.75 on [2, 3) -> 2.5."""
    x = np.array([[1, 2, 3, 4.0], [2, 5, np.nan, np.nan], [4, 7, np.nan, np.nan], [1, 2, 3, 4.0], [1, 2, 3, 4.0]])
    y = np.array([[.75, .5, .25, 0], [.6, .4, np.nan, np.nan], [.5, .5, np.nan, np.nan], [.9, .8, .7, .6],
                  [.75, .5, np.nan, np.nan]])
    got = compute_survival_quantile(x, y)
    assert got[:3].tolist() == [2.5, 5.0, 5.5] and np.isnan(got[3]) and got[4] == 3.0
    assert compute_survival_quantile(x[0], y[0]) == 2.5
    got = compute_survival_quantile(np.array([[1.0, 2.0, 3.0]]), np.array([[0.8, 0.75, 0.6]]), p=0.75)
    assert got.tolist() == [2.5]


def test_lower_limit_is_never_after_the_median_when_the_curve_drops_to_zero():
    """Issue 7, the demo's DoR at 8.4 mg/kg: 4 responders censored (71, 202, 289, 297 days), then one
    event at 300 days with 1 at risk. S falls from 1 to 0 at 300, so the median is 300 days; the band is
    [1, 1] before (no event, Greenwood variance 0) and undefined at S = 0, where its lower limit is taken
    as 0 (the limit of S exp(-z se)). Lower limit: 300 days (was "not reached", above the median);
    upper limit not reached."""
    table = compute_km_table([71, 202, 289, 297, 300], [0, 0, 0, 0, 1])
    assert np.isnan(table["lower"].iloc[-1])  # the pointwise band itself is left as R gives it
    median, lcl, ucl = compute_km_median(table)
    assert (median, lcl) == (300.0, 300.0) and np.isnan(ucl)
