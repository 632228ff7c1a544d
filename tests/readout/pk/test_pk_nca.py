"""NCA parameters against hand-derived values (closed forms of compartment models and hand trapezoids)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from doseflow.errors import DataError
from doseflow.readout.pk import NCAOptions, compute_auc, compute_nca


def profile(t, c, **cols) -> pd.DataFrame:
    base = {"USUBJID": "S1", "time": t, "conc": c, "dose": 100.0, "dose_unit": "mg", "conc_unit": "mg/L"}
    base.update(cols)
    return pd.DataFrame(base)


def one(result, code):
    row = result.parameters[result.parameters["PPTESTCD"] == code]
    assert len(row) == 1, code
    return row.iloc[0]


def test_iv_bolus_monoexponential_exact_by_log_trapezoid():
    """One-compartment IV bolus C = C0 exp(-k t), C0 = 10 mg/L, k = 0.1 /h, dose 100 mg.

    Hand derivation: the log trapezoid is exact for an exponential, so
    AUC(0-24) = C0/k (1 - e^{-2.4}) = 100 (1 - 0.0907179533) = 90.92820467 mg.h/L and
    AUCinf = C0/k = 100; AUC%extrap = 100 e^{-2.4} = 9.0718%; every candidate set is an
    exact fit (adjR2 = 1), so the six points after Tmax = 0 are used (t = 1 ... 24 h),
    lambda_z = 0.1, t1/2 = ln 2 / 0.1 = 6.931472 h; CL = 100/100 = 1 L/h;
    Vz = CL/k = 10 L; AUMCinf = C0/k^2 = 1000, MRT = 1/k = 10 h; Vss = MRT CL = 10 L = V.
    """
    t = np.array([0, 1, 2, 4, 8, 12, 24.0])
    r = compute_nca(profile(t, 10 * np.exp(-0.1 * t), route="iv bolus"))
    expected = {"LAMZ": 0.1, "LAMZHL": 6.931471805599453, "AUCLST": 90.92820467105875,
                "AUCIFO": 100.0, "AUCIFP": 100.0, "AUCPEO": 9.071795328941251, "CLO": 1.0,
                "VZO": 10.0, "AUMCIFO": 1000.0, "MRTIVIFO": 10.0, "VSSO": 10.0, "CMAX": 10.0,
                "TMAX": 0.0, "C0": 10.0, "LAMZNPT": 6, "LAMZLL": 1.0, "LAMZUL": 24.0}
    for code, value in expected.items():
        assert one(r, code)["value"] == pytest.approx(value, rel=1e-9, abs=1e-12), code
    assert one(r, "CLO")["unit"] == "L/h" and one(r, "VZO")["unit"] == "L"
    assert not (r.parameters["PPTESTCD"] == "CLFO").any()  # extravascular codes not reported


def test_linear_trapezoid_overestimates_the_exponential():
    """Same profile with the linear rule: AUC(0-1) alone is (10 + 10e^{-0.1})/2 = 9.524187,
    larger than the exact 100 (1 - e^{-0.1}) = 9.516258; the linear AUClast must exceed 90.928205."""
    t = np.array([0, 1.0])
    auc_lin = compute_auc(t, 10 * np.exp(-0.1 * t), method="linear")[0][0]
    auc_log = compute_auc(t, 10 * np.exp(-0.1 * t))[0][0]
    assert auc_lin == pytest.approx(9.524187090179797, rel=1e-12)
    assert auc_log == pytest.approx(9.516258196404048, rel=1e-12)
    t = np.array([0, 1, 2, 4, 8, 12, 24.0])
    r = compute_nca(profile(t, 10 * np.exp(-0.1 * t), route="iv bolus"), NCAOptions(auc_method="linear"))
    assert one(r, "AUCLST")["value"] > 90.92820467105875 + 0.1


def test_hand_computed_four_point_profile_linear_vs_log_down():
    """t = 0, 1, 2, 4 h; C = 0, 4, 3, 1.5.

    Linear: 1(0+4)/2 + 1(4+3)/2 + 2(3+1.5)/2 = 2 + 3.5 + 4.5 = 10.
    Lin-up/log-down: the rise 0 -> 4 is linear (2); the falls are logarithmic:
    1 (4-3)/ln(4/3) = 3.476059497 and 2 (3-1.5)/ln 2 = 4.328085123; total 9.804144619.
    """
    df = profile([0, 1, 2, 4.0], [0, 4, 3, 1.5])
    assert one(compute_nca(df, NCAOptions(auc_method="linear")), "AUCLST")["value"] == pytest.approx(10.0)
    assert one(compute_nca(df), "AUCLST")["value"] == pytest.approx(9.804144619449097, rel=1e-12)


def test_log_down_only_when_both_concentrations_positive():
    """A fall to 0 cannot use the log rule: t = 0, 1, 2; C = 0, 2, 0 gives the linear 1 + 1 = 2."""
    assert compute_auc(np.array([0, 1, 2.0]), np.array([0, 2, 0.0]))[0][0] == pytest.approx(2.0)


def test_biexponential_lambda_z_picks_terminal_phase():
    """IV bolus C = 10 e^{-t} + e^{-0.1 t}: terminal rate 0.1 /h.

    From 12 h on the fast phase is below 10 e^{-12} / e^{-1.2} = 2e-4 of the slow one, so the
    terminal points give lambda_z = 0.1 within 1e-3, while a fit through all points after
    Tmax = 0 gives a slope above 0.12 (the test can fail). At t = 2 h the fast phase is
    10 e^{-2} / e^{-0.2} = 165% of the slow one, so the chosen fit must start after 2 h.
    """
    t = np.array([0, 0.25, 0.5, 1, 2, 4, 6, 8, 12, 16, 24, 36, 48])
    c = 10 * np.exp(-t) + np.exp(-0.1 * t)
    r = compute_nca(profile(t, c, route="iv bolus"))
    assert one(r, "LAMZ")["value"] == pytest.approx(0.1, abs=1e-3)
    assert one(r, "LAMZLL")["value"] > 2
    all_after = np.polyfit(t[1:], np.log(c[1:]), 1)[0]
    assert -all_after > 0.12


def test_blq_rules_first_middle_last():
    """t = 0..6 h, C = BLQ, 2, BLQ, 4, 2, BLQ, BLQ (linear trapezoid for easy hand sums).

    Default (first keep as 0, middle drop): (0,0) (1,2) (3,4) (4,2): 1 + 6 + 3 = 10.
    middle "keep": (2,0) kept: 1 + 1 + 2 + 3 = 7. middle 0.5: 1 + 1.25 + 2.25 + 3 = 7.5.
    last 0.5: samples at 5 and 6 h become 0.5, so Clast = 0.5 and Tlast = 6 h.
    """
    blq = [True, False, True, False, False, True, True]
    df = profile([0, 1, 2, 3, 4, 5, 6.0], [0, 2, 0, 4, 2, 0, 0], blq=blq)
    lin = NCAOptions(auc_method="linear")
    assert one(compute_nca(df, lin), "AUCLST")["value"] == pytest.approx(10.0)
    assert one(compute_nca(df, NCAOptions(auc_method="linear", blq_middle="keep")), "AUCLST")["value"] == \
        pytest.approx(7.0)
    assert one(compute_nca(df, NCAOptions(auc_method="linear", blq_middle=0.5)), "AUCLST")["value"] == \
        pytest.approx(7.5)
    r = compute_nca(df, NCAOptions(auc_method="linear", blq_last=0.5))
    assert one(r, "CLST")["value"] == 0.5 and one(r, "TLST")["value"] == 6.0
    assert one(compute_nca(df, lin), "TLST")["value"] == 4.0


def test_blq_first_dropped_then_time_zero_imputed_or_missing():
    """With the pre-first BLQ dropped there is no sample at 0: 'auto' inserts C(0) = 0 for a first
    extravascular dose (AUC unchanged, 10, flagged); 'none' leaves AUClast NaN with a reason."""
    df = profile([0, 1, 2, 3, 4.0], [0, 2, 0, 4, 2], blq=[True, False, True, False, False])
    r = compute_nca(df, NCAOptions(auc_method="linear", blq_first="drop"))
    assert one(r, "AUCLST")["value"] == pytest.approx(10.0)
    assert "time 0 imputed" in one(r, "AUCLST")["flags"]
    r = compute_nca(df, NCAOptions(blq_first="drop", impute_start="none"))
    assert math.isnan(one(r, "AUCLST")["value"])
    assert "no concentration at time 0" in one(r, "AUCLST")["flags"]
    assert one(r, "CMAX")["value"] == 4.0  # Cmax does not need time 0


def test_later_dose_without_time_zero_sample_is_flagged():
    df = profile([0.5, 1, 2, 4.0], [3, 4, 3, 1.5], dose_number=2)
    r = compute_nca(df)
    assert math.isnan(one(r, "AUCLST")["value"])
    assert "dosing interval 2" in one(r, "AUCLST")["flags"]


def test_iv_bolus_c0_back_extrapolated():
    """No time-0 sample: C0 = C1 (C1/C2)^{t1/(t2-t1)} = 8 (8/4)^{1/1} = 16 for t = 1, 2 and C = 8, 4."""
    r = compute_nca(profile([1, 2, 3, 4.0], [8, 4, 2, 1], route="iv bolus"))
    assert one(r, "C0")["value"] == pytest.approx(16.0)
    # exact for C = 16 e^{-t ln 2}: AUC(0-4) = 16 (1 - 1/16)/ln 2
    assert one(r, "AUCLST")["value"] == pytest.approx(15 / math.log(2), rel=1e-12)
    assert one(r, "CMAX")["value"] == 8.0  # the back-extrapolated C0 is not an observation


def test_tmax_first_occurrence():
    """C = 0, 3, 5, 5, 2, 1 at t = 0..5: Cmax 5 first at 2 h (PKNCA first.tmax) or last at 3 h.
    With Tmax = 3 only two samples follow, so lambda_z is NaN with the reason."""
    df = profile([0, 1, 2, 3, 4, 5.0], [0, 3, 5, 5, 2, 1])
    r = compute_nca(df)
    assert one(r, "TMAX")["value"] == 2.0 and one(r, "LAMZNPT")["value"] == 3
    r = compute_nca(df, NCAOptions(first_tmax=False))
    assert one(r, "TMAX")["value"] == 3.0
    assert math.isnan(one(r, "LAMZ")["value"])
    assert "lambda_z: fewer than 3 measurable points after Tmax (2)" in one(r, "LAMZ")["flags"]
    assert math.isnan(one(r, "AUCIFO")["value"])
    assert "fewer than 3" in one(r, "AUCIFO")["flags"]


def test_flags_extrapolation_and_span_ratio():
    """C = 10 e^{-0.1 t} at t = 0, 1, 2, 4 (bolus): AUC%extrap = 100 e^{-0.4} = 67.03% > 20;
    lambda_z from t = 1, 2, 4: span ratio (4 - 1)/6.931 = 0.43 < 2. Values are kept."""
    t = np.array([0, 1, 2, 4.0])
    r = compute_nca(profile(t, 10 * np.exp(-0.1 * t), route="iv bolus"))
    aucifo = one(r, "AUCIFO")
    assert aucifo["value"] == pytest.approx(100.0)
    assert "AUC%extrap 67.0 > 20" in aucifo["flags"]
    assert one(r, "AUCPEO")["value"] == pytest.approx(67.03200460356393)
    assert "lambda_z: span ratio 0.43 < 2" in one(r, "LAMZ")["flags"]
    assert one(r, "CMAX")["flags"] == ""  # flags land only on the parameters they concern


def test_all_blq_profile():
    """PKNCA: an all-BLQ profile has Cmax = AUClast = 0 and Tmax NaN; flagged."""
    r = compute_nca(profile([0, 1, 2, 4.0], [0, 0, 0, 0], blq=True))
    assert one(r, "CMAX")["value"] == 0 and one(r, "AUCLST")["value"] == 0
    assert math.isnan(one(r, "TMAX")["value"])
    assert "all BLQ" in one(r, "CMAX")["flags"]


def test_iv_infusion_vss_and_mrt():
    """One-compartment infusion: R0 = 10 mg/h for T = 2 h, V = 10 L, k = 0.2 /h, dose 20 mg.

    Closed forms: C = R0/(V k)(1 - e^{-k t}) during the infusion, then C(T) e^{-k(t - T)};
    CL = V k = 2 L/h, AUCinf = dose/CL = 10 mg.h/L, lambda_z = k exactly (post-infusion points),
    MRT = AUMC/AUC - T/2 = 1/k = 5 h, Vss = Vz = V = 10 L. Dense sampling (0.01 h during the
    infusion) keeps the linear-trapezoid error of the rising phase below 1e-4 relative.
    """
    k, v, r0, tinf = 0.2, 10.0, 10.0, 2.0
    t = np.concatenate([np.arange(0, 2.0001, 0.01), np.arange(2.25, 60.0001, 0.25)])
    c = np.where(t <= tinf, r0 / (v * k) * (1 - np.exp(-k * t)),
                 r0 / (v * k) * (1 - np.exp(-k * tinf)) * np.exp(-k * (t - tinf)))
    r = compute_nca(profile(t, c, dose=20.0, route="iv infusion", infusion_duration=tinf))
    assert one(r, "LAMZ")["value"] == pytest.approx(0.2, rel=1e-9)
    assert one(r, "AUCIFO")["value"] == pytest.approx(10.0, rel=1e-4)
    assert one(r, "MRTIVIFO")["value"] == pytest.approx(5.0, rel=1e-3)
    assert one(r, "VSSO")["value"] == pytest.approx(10.0, rel=1e-3)
    assert one(r, "VZO")["value"] == pytest.approx(10.0, rel=1e-4)


def test_infusion_without_duration_is_flagged():
    t = np.array([0, 1, 2, 4, 8.0])
    r = compute_nca(profile(t, [0, 5, 4, 2, 1], route="iv infusion"))
    assert math.isnan(one(r, "VSSO")["value"])
    assert "infusion duration unknown" in one(r, "VSSO")["flags"]


def test_units_for_per_kg_doses_and_unknown_units():
    """mg/kg with ug/mL: CL = dose / AUC in (mg/kg) / (h ug/mL) = L/h/kg; 'IU' is not a mass."""
    t = np.array([0, 1, 2, 4, 8.0])
    r = compute_nca(profile(t, [0, 5, 4, 2, 1], dose_unit="mg/kg", conc_unit="ug/mL"))
    assert one(r, "CLFO")["unit"] == "L/h/kg" and one(r, "VZFO")["unit"] == "L/kg"
    r = compute_nca(profile(t, [0, 5, 4, 2, 1], dose_unit="IU", conc_unit="IU/mL"))
    assert one(r, "CLFO")["unit"] == "IU/(h*IU/mL)"
    assert any("not mass" in n for n in r.notes)


@pytest.mark.parametrize("frame, where", [
    (pd.DataFrame({"USUBJID": ["S1"], "time": [0.0], "conc": [1.0]}), "conc_frame column dose"),
    (profile([0, 1.0], [1, -1]), "conc_frame row 2, column conc"),
    (profile([0, 1, 1.0], [0, 1, 2]), "conc_frame subject S1"),
    (profile([0, 1.0], [0, 1], route="oral"), "conc_frame row 1, column route"),
], ids=["missing-dose", "negative-conc", "duplicate-time", "bad-route"])
def test_bad_input_names_where(frame, where):
    with pytest.raises(DataError) as err:
        compute_nca(frame)
    assert str(err.value).startswith(where)


def test_result_object_table_dict_figure():
    t = np.array([0, 1, 2, 4, 8.0])
    r = compute_nca(pd.concat([profile(t, [0, 5, 4, 2, 1]), profile(t, [0, 6, 5, 3, 1], USUBJID="S2")]))
    table = r.table()
    assert list(table["USUBJID"]) == ["S1", "S2"] and "CMAX (mg/L)" in table.columns
    d = r.to_dict()
    assert d["n_subjects"] == 2 and d["n_lambda_z"] == 2
    assert "PKNCA" in r.methods and r.to_json()
    assert r.figure() is None  # the concentration-time small multiples are the readout's figure (issue 8)
    listing = r.display_table()
    assert list(listing.columns[:2]) == ["Subject", "Cycle"] and "CMAX (mg/L)" in listing.columns
    assert len(listing.columns) < len(table.columns)
