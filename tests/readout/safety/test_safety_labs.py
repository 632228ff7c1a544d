"""CTCAE v5.0 lab shift tables: hand-derived grades, units, baseline rules, pharmaverse counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from doseflow.errors import ConfigError
from doseflow.readout.safety.labs import tabulate_lab_shift


@pytest.fixture
def adsl():
    """Group "1 mg" P1, P2; group "2 mg" P3. First dose 2022-01-10, last 2022-02-10 (window end 03-12)."""
    return pd.DataFrame({"USUBJID": ["P1", "P2", "P3"], "SAFFL": "Y", "DOSE_GROUP": ["1 mg", "1 mg", "2 mg"],
                         "DOSE_LEVEL": [1, 1, 2], "TRTSDT": pd.Timestamp("2022-01-10"),
                         "TRTEDT": pd.Timestamp("2022-02-10")})


def _lb(rows):
    return pd.DataFrame(rows, columns=["USUBJID", "LBTESTCD", "LBSTRESN", "LBSTRESU", "LBSTNRLO", "LBSTNRHI",
                                       "LBDTC", "LBBLFL"])


def test_platelet_shift_hand_derived(adsl):
    """CTCAE v5.0 platelet count decreased: G1 < LLN-75, G2 < 75-50, G3 < 50-25, G4 < 25 (10^9/L).

    P1: baseline flagged 160 (LLN 150: grade 0); post 120 (G1), 40 (G3) -> shift 0 -> 3.
    P2: no flag; last pre-dose value 2022-01-10 (first-dose day) 140 -> G1; post 20 on 2022-03-13,
        one day after TRTEDT + 30 -> excluded, so worst post is "Missing" -> shift 1 -> Missing.
    P3: in 10^3/uL (= 10^9/L); baseline 200 (G0); post 60 -> G2 -> shift 0 -> 2.
    Group "1 mg" N=2: (0 -> 3) 1 (50.0%), (1 -> Missing) 1 (50.0%).
    """
    lb = _lb([
        ("P1", "PLAT", 160, "GI/L", 150, 400, "2022-01-03", "Y"),
        ("P1", "PLAT", 120, "GI/L", 150, 400, "2022-01-20", np.nan),
        ("P1", "PLAT", 40, "GI/L", 150, 400, "2022-02-01", np.nan),
        ("P2", "PLAT", 300, "GI/L", 150, 400, "2022-01-02", np.nan),
        ("P2", "PLAT", 140, "GI/L", 150, 400, "2022-01-10", np.nan),
        ("P2", "PLAT", 20, "GI/L", 150, 400, "2022-03-13", np.nan),
        ("P3", "PLT", 200, "10^3/uL", 150, 400, "2022-01-09T08:00", "Y"),
        ("P3", "PLT", 60, "10^3/uL", 150, 400, "2022-01-31", np.nan),
    ])
    res = tabulate_lab_shift(lb, adsl, tests=["PLT"])
    s = res.shift[res.shift["n"] > 0]
    assert s[["group", "baseline", "worst", "n"]].values.tolist() == [
        ["1 mg", "0", "3", 1], ["1 mg", "1", "Missing", 1], ["2 mg", "0", "2", 1]]
    t = res.table()
    assert t.loc[0, "Dose group"] == "1 mg (N=2)" and t.loc[0, "Worst post-baseline grade 3"] == "1 (50.0%)"
    inc = res.incidence.set_index("group")
    # evaluable: P1 (1 mg), P3 (2 mg); overall worst grades 3 and 2
    assert inc.loc["1 mg", ["N_evaluable", "grade_3", "grade_3_4", "any_grade"]].tolist() == [1, 1, 1, 1]
    assert inc.loc["Overall", ["N_evaluable", "grade_2", "grade_3", "grade_3_4"]].tolist() == [2, 1, 1, 1]


def test_unit_conversion_and_unknown_unit(adsl):
    """Haemoglobin 5.0 mmol/L x 16.1145 = 80.6 g/L -> CTCAE anaemia G2 (< 100 - 80); 4.9 mmol/L = 79.0 -> G3.

    An unknown unit ("mg/L") is left ungraded, with a note naming it.
    """
    lb = _lb([
        ("P1", "HGB", 8.5, "mmol/L", 7.5, 10.0, "2022-01-01", "Y"),
        ("P1", "HGB", 5.0, "mmol/L", 7.5, 10.0, "2022-01-20", np.nan),
        ("P2", "HGB", 8.5, "mmol/L", 7.5, 10.0, "2022-01-01", "Y"),
        ("P2", "HGB", 4.9, "mmol/L", 7.5, 10.0, "2022-01-20", np.nan),
        ("P3", "HGB", 70.0, "mg/L", 120, 160, "2022-01-20", np.nan),
    ])
    res = tabulate_lab_shift(lb, adsl, tests=["HGB"])
    inc = res.incidence.set_index("group")
    assert inc.loc["1 mg", ["grade_2", "grade_3"]].tolist() == [1, 1]
    assert inc.loc["2 mg", "N_evaluable"] == 0
    assert any("mg/L" in n and "ungraded" in n for n in res.notes)


def test_abnormal_baseline_rule_for_ast(adsl):
    """AST ULN 40. P1 baseline 80 (2 x ULN: abnormal); post 130.

    Baseline-normal criteria: 130 = 3.25 x ULN -> G2. CTCAE v5.0 "if baseline abnormal":
    multiples of baseline, G1 > 1.5 x BL (120) -> 130 is G1.
    """
    lb = _lb([("P1", "AST", 80, "U/L", 10, 40, "2022-01-01", "Y"),
              ("P1", "AST", 130, "U/L", 10, 40, "2022-01-20", np.nan)])
    worst = lambda r: r.incidence.set_index("group").loc["1 mg", ["grade_1", "grade_2"]].tolist()  # noqa: E731
    assert worst(tabulate_lab_shift(lb, adsl, tests=["AST"])) == [1, 0]
    assert worst(tabulate_lab_shift(lb, adsl, tests=["AST"], abnormal_baseline=False)) == [0, 1]


def test_unknown_test_is_config_error(adsl):
    with pytest.raises(ConfigError, match="tests"):
        tabulate_lab_shift(_lb([]), adsl, tests=["CREAT"])


def test_pharmaverse_alt_shift_against_pandas(sdtm, pharmaverse_adsl):
    """ALT worst post-baseline grade by arm, recomputed with plain pandas from CTCAE v5.0 multiples of ULN.

    Baseline from LBBLFL "Y"; post-baseline after the first-dose day up to TRTEDT + 30 days;
    baseline-normal thresholds (abnormal_baseline=False): G1 > 1 x ULN, G2 > 3, G3 > 5, G4 > 20.
    Every safety subject appears once per test, so each arm's shift block sums to its N.
    """
    lb = sdtm("lb")
    a = pharmaverse_adsl.set_index("USUBJID")
    res = tabulate_lab_shift(lb, pharmaverse_adsl, tests=["ALT"], abnormal_baseline=False)
    alt = lb[(lb["LBTESTCD"] == "ALT") & lb["USUBJID"].isin(a.index[a["SAFFL"] == "Y"]) & lb["LBSTRESN"].notna()]
    day = pd.to_datetime(alt["LBDTC"].str[:10])
    sdt = alt["USUBJID"].map(a["TRTSDT"]).dt.normalize()
    edt = alt["USUBJID"].map(a["TRTEDT"]).dt.normalize()
    post = alt[(alt["LBBLFL"] != "Y") & (day > sdt) & (day <= edt + pd.Timedelta(days=30))]
    ratio = post["LBSTRESN"] / post["LBSTNRHI"]
    grade = np.select([ratio > 20, ratio > 5, ratio > 3, ratio > 1], [4, 3, 2, 1], 0)
    worst = pd.Series(grade, index=post.index).groupby(post["USUBJID"]).max()
    arm = worst.index.map(a["ACTARM"])
    ref = worst.groupby(arm).agg(lambda g: (g >= 1).sum())
    evaluable = worst.groupby(arm).size()
    inc = res.incidence.set_index("group")
    for g in ref.index:
        assert inc.loc[g, "any_grade"] == ref[g]
        assert inc.loc[g, "N_evaluable"] == evaluable[g]
    sums = res.shift.groupby("group")["n"].sum().to_dict()
    assert sums == {"Placebo": 86, "Xanomeline Low Dose": 96, "Xanomeline High Dose": 72}
    # platelets are coded PLAT in GI/L: matched through the alias, graded without a unit note
    plt_res = tabulate_lab_shift(lb, pharmaverse_adsl, tests=["PLT"])
    assert plt_res.incidence["N_evaluable"].iloc[-1] > 0
    assert not any("cannot be converted" in n for n in plt_res.notes)
