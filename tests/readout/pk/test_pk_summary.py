"""Summary statistics and the power model against hand-derived values."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from doseflow.errors import DataError, InputError
from doseflow.readout.pk import compute_dose_proportionality, tabulate_pk_summary
from doseflow.readout.pk.summary import compute_geometric_stats


def long(code, doses, values, unit="ng/mL"):
    return pd.DataFrame({"PPTESTCD": code, "unit": unit, "dose": doses, "value": values})


def test_summary_statistics_hand_derived():
    """Values 1, 10, 100: logs 0, ln10, 2 ln10 -> geometric mean 10, SD of logs ln 10, geometric
    CV% = 100 sqrt(exp(ln(10)^2) - 1) = 1413.2142; mean 37; SD sqrt((36^2 + 27^2 + 63^2)/2) =
    sqrt(2997) = 54.744863; CV% 147.959; median 10; min 1; max 100."""
    s = tabulate_pk_summary(long("CMAX", [5.0] * 3, [1.0, 10.0, 100.0])).statistics.iloc[0]
    assert s["n"] == 3 and s["n_missing"] == 0
    assert s["geo_mean"] == pytest.approx(10.0, rel=1e-12)
    assert s["geo_cv"] == pytest.approx(1413.214182247441, rel=1e-10)
    assert s["mean"] == pytest.approx(37.0) and s["sd"] == pytest.approx(54.74486277268398)
    assert s["cv"] == pytest.approx(100 * 54.74486277268398 / 37)
    assert (s["median"], s["min"], s["max"]) == (10.0, 1.0, 100.0)
    assert compute_geometric_stats([1.0, 10.0, 100.0])[0] == pytest.approx(10.0)


def test_groups_missing_and_nonpositive_values():
    df = pd.concat([long("AUCIFO", [1.0, 1.0, 1.0], [2.0, 8.0, float("nan")]),
                    long("AUCIFO", [2.0, 2.0], [0.0, 4.0]),
                    long("TMAX", [1.0, 1.0], [1.0, 4.0], unit="h")])
    st = tabulate_pk_summary(df).statistics.set_index(["PPTESTCD", "dose"])
    low = st.loc[("AUCIFO", 1.0)]
    assert low["n"] == 2 and low["n_missing"] == 1 and low["geo_mean"] == pytest.approx(4.0)  # sqrt(2*8)
    high = st.loc[("AUCIFO", 2.0)]
    assert math.isnan(high["geo_mean"]) and high["flags"] == "geometric statistics undefined: 1 value(s) <= 0"
    tmax = st.loc[("TMAX", 1.0)]
    assert math.isnan(tmax["geo_mean"]) and tmax["median"] == 2.5


def test_summary_errors():
    with pytest.raises(DataError, match="^parameters column DOSE_GROUP"):
        tabulate_pk_summary(long("CMAX", [1.0], [1.0]), by="DOSE_GROUP")
    with pytest.raises(InputError, match="^parameters"):
        tabulate_pk_summary(long("CMAX", [1.0], [1.0]), parameters=["AUCLST"])


def power_data(b, eps):
    """log y = b log x +/- eps at log x = 0, 1, 2 (two subjects per dose, residuals +eps, -eps)."""
    rows = []
    for lx in (0.0, 1.0, 2.0):
        for e in (eps, -eps):
            rows.append((math.exp(lx), math.exp(b * lx + e)))
    return long("AUCLST", [r[0] for r in rows], [r[1] for r in rows])


def test_power_model_inconclusive_hand_derived():
    """b = 1, residuals +/-0.1: SSE = 6 (0.01) = 0.06, s^2 = 0.06/4 = 0.015, Sxx = 2 (1 + 0 + 1) = 4,
    SE(b) = sqrt(0.015/4) = 0.0612372; t(0.95, 4) = 2.131847 (t table); 90% CI 1 +/- 0.130548 =
    (0.869452, 1.130548). r = e^2, ln r = 2: critical region 1 + ln(0.8)/2 = 0.888428 to
    1 + ln(1.25)/2 = 1.111572 (Smith et al. 2000, eq. 5). The CI straddles it: inconclusive."""
    row = compute_dose_proportionality(power_data(1.0, 0.1), ["AUCLST"]).estimates.iloc[0]
    assert row["slope"] == pytest.approx(1.0, abs=1e-12)
    assert row["se"] == pytest.approx(0.06123724356957945, rel=1e-9)
    assert row["ci_low"] == pytest.approx(0.869452, abs=2e-6)
    assert row["ci_high"] == pytest.approx(1.130548, abs=2e-6)
    assert row["critical_low"] == pytest.approx(0.8884282243428951)
    assert row["critical_high"] == pytest.approx(1.1115717756571049)
    assert row["dose_ratio"] == pytest.approx(math.exp(2))
    assert row["ratio"] == pytest.approx(1.0) and row["conclusion"] == "inconclusive"


@pytest.mark.parametrize("b, eps, conclusion", [(1.0, 0.01, "proportional"), (1.5, 0.01, "not proportional")])
def test_power_model_conclusions(b, eps, conclusion):
    """Residuals +/-0.01 give SE(b) = 0.00612372 and CI b +/- 0.0130548: inside (0.888, 1.112) for
    b = 1, entirely above it for b = 1.5."""
    row = compute_dose_proportionality(power_data(b, eps), ["AUCLST"]).estimates.iloc[0]
    assert row["ci_high"] - row["slope"] == pytest.approx(0.013054843399207725, rel=1e-5)
    assert row["conclusion"] == conclusion


def test_power_model_not_estimable_with_one_dose():
    row = compute_dose_proportionality(long("CMAX", [54.0] * 4, [1.0, 2, 3, 4]), ["CMAX"]).estimates.iloc[0]
    assert row["conclusion"] == "not estimable" and math.isnan(row["slope"])
    assert "fewer than 2 dose levels" in row["flags"]


def test_power_model_bad_arguments():
    df = power_data(1.0, 0.1)
    with pytest.raises(InputError, match="^level"):
        compute_dose_proportionality(df, ["AUCLST"], level=1.5)
    with pytest.raises(InputError, match=r"^theta\[1\]"):
        compute_dose_proportionality(df, ["AUCLST"], theta=(0.8, 0.9))
    res = compute_dose_proportionality(df, ["AUCLST"])
    assert res.figure().axes[0].get_xscale() == "log" and res.to_dict()["level"] == 0.9
