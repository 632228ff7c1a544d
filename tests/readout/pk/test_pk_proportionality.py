"""The power model of dose proportionality: least squares on one value per patient, a random intercept
per patient on repeated profiles; hand-derived values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from doseflow.errors import InputError
from doseflow.readout.pk import compute_dose_proportionality


def long(code, doses, values, unit="ng/mL"):
    return pd.DataFrame({"PPTESTCD": code, "unit": unit, "dose": doses, "value": values})


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


def test_repeated_profiles_get_a_random_intercept_per_patient():
    """6 patients at 1, 1, 2, 2, 4, 4 mg, 3 cycles each: log y = 1 + 0.9 log d + u_i + e_ij. The dose varies
    between patients and the design is balanced, so the REML fit of the random-intercept model gives the
    least-squares line through the patients' mean log values (Laird and Ware 1982), with (patients - 2) = 4
    degrees of freedom: computed here with plain numpy from the 6 means."""
    u = [0.3, -0.2, 0.25, -0.15, 0.1, -0.35]
    e = [[0.05, -0.02, -0.03], [0.01, 0.04, -0.05], [-0.06, 0.02, 0.04], [0.03, -0.01, -0.02],
         [0.02, 0.02, -0.04], [-0.01, 0.05, -0.04]]
    d = [1.0, 1.0, 2.0, 2.0, 4.0, 4.0]
    rows = [(f"p{i}", d[i], math.exp(1 + 0.9 * math.log(d[i]) + u[i] + e[i][j])) for i in range(6) for j in range(3)]
    df = pd.DataFrame(rows, columns=["USUBJID", "dose", "value"]).assign(PPTESTCD="AUCLST")
    row = compute_dose_proportionality(df, ["AUCLST"], subject="USUBJID").estimates.iloc[0]
    x = np.log(d)
    y = np.array([np.mean([1 + 0.9 * math.log(d[i]) + u[i] + e[i][j] for j in range(3)]) for i in range(6)])
    sxx = ((x - x.mean()) ** 2).sum()
    b = ((x - x.mean()) * (y - y.mean())).sum() / sxx
    se = math.sqrt(((y - y.mean() - b * (x - x.mean())) ** 2).sum() / 4 / sxx)
    assert row["model"] == "mixed, random intercept per patient" and (row["n"], row["n_subjects"], row["df"]) == (18, 6, 4)
    assert row["slope"] == pytest.approx(b, rel=1e-9)
    assert row["se"] == pytest.approx(se, rel=1e-4)  # REML optimiser tolerance
    ols = compute_dose_proportionality(df, ["AUCLST"]).estimates.iloc[0]
    assert ols["model"] == "least squares" and ols["df"] == 16 and ols["se"] < row["se"]  # 18 values taken as independent
