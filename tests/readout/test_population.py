"""Population and exposure summary: GQ1001-like hand-built cohort and pharmaverse counts."""

from __future__ import annotations

import numpy as np
import pandas as pd

from doseflow.readout.population import compute_cycles, summarise_population


def _adsl():
    """Six treated patients at two levels and one screen failure.

    Prior lines 0, 3, 11, 2, 5, 3 -> overall median 3 (range 0-11), as GQ1001 reports.
    Prior anti-HER2 lines 2, 0, 4, 1, 2, NaN -> >= 2 in 3 of 6 (50.0%).
    TRTDURD 21, 22, 130, 371, 63, 64 days: median (63 + 64) / 2 = 63.5 days = 9.1 weeks;
    longest 371 days (GQ1001: "longest treatment over 370 days"). Cycles ceil(d / 21):
    1, 2, 7, 18, 3, 4 -> median 3.5 (1-18).
    """
    return pd.DataFrame({
        "USUBJID": list("abcdefz"), "SAFFL": ["Y"] * 6 + ["N"],
        "DOSE_GROUP": ["7.2 mg/kg"] * 3 + ["8.4 mg/kg"] * 3 + [np.nan],
        "DOSE_LEVEL": pd.array([1, 1, 1, 2, 2, 2, None], dtype="Int64"),
        "AGE": [45.0, 60.0, 71.0, 38.0, 55.0, 66.0, 50.0], "SEX": ["F", "F", "M", "F", "F", "M", "M"],
        "RACE": ["ASIAN"] * 4 + ["WHITE"] * 3,
        "TUMTYPE": ["BREAST", "GASTRIC", "BREAST", "SALIVARY GLAND", "GASTRIC", np.nan, "BREAST"],
        "PRIORLN": [0, 3, 11, 2, 5, 3, 1], "PRIORHER2": [2, 0, 4, 1, 2, np.nan, 0],
        "TRTDURD": [21.0, 22.0, 130.0, 371.0, 63.0, 64.0, np.nan],
    })


def test_population_summary_hand_derived():
    res = summarise_population(_adsl(), prior_class_var="PRIORHER2", prior_class_label="of anti-HER2 therapy")
    t = res.table().set_index(["Characteristic", "Category"])
    assert list(t.columns) == ["7.2 mg/kg (N=3)", "8.4 mg/kg (N=3)", "Overall (N=6)"]
    assert t.loc[("Patients", "")].tolist() == ["3", "3", "6"]
    assert t.loc[("Age (years), median (range)", "")].tolist() == ["60 (45-71)", "55 (38-66)", "57.5 (38-71)"]
    assert t.loc[("Sex", "F")].tolist() == ["2 (66.7%)", "2 (66.7%)", "4 (66.7%)"]
    # tumour types by overall frequency; a missing value is its own category, last
    tum = [c for ch, c in t.index if ch == "Tumour type"]
    assert tum == ["BREAST", "GASTRIC", "SALIVARY GLAND", "Missing"]
    assert t.loc[("Tumour type", "BREAST")].tolist() == ["2 (66.7%)", "0", "2 (33.3%)"]
    assert t.loc[("Prior lines of therapy, median (range)", "")].iloc[-1] == "3 (0-11)"
    assert t.loc[("Prior lines of anti-HER2 therapy >= 2", "")].tolist() == ["2 (66.7%)", "1 (33.3%)", "3 (50.0%)"]
    assert t.loc[("Exposure (weeks), median", "")].iloc[-1] == "9.1"
    assert t.loc[("Longest exposure (days)", "")].iloc[-1] == "371"
    assert t.loc[("Cycles (21 days), median (range)", "")].iloc[-1] == "3.5 (1-18)"
    assert any("PRIORHER2" in n for n in res.notes)
    assert res.to_dict()["population_n"] == {"7.2 mg/kg": 3, "8.4 mg/kg": 3, "Overall": 6}


def test_cycles_are_started_cycles():
    """Days 1-21 = 1 cycle; day 22 starts the second; with 28-day cycles 29 days = 2."""
    assert compute_cycles([1, 21, 22, 42, 43]).tolist() == [1.0, 1.0, 2.0, 2.0, 3.0]
    assert compute_cycles([28, 29], cycle_length_days=28).tolist() == [1.0, 2.0]


def test_pharmaverse_population(sdtm, pharmaverse_adsl):
    """Safety population 254 by ACTARM 86/96/72 (README); sex and median age recomputed with pandas from DM."""
    res = summarise_population(pharmaverse_adsl, by="ACTARM")
    t = res.table().set_index(["Characteristic", "Category"])
    assert t.loc[("Patients", "")].tolist() == ["86", "96", "72", "254"]
    dm = sdtm("dm")
    treated = dm[dm["ACTARM"] != "Screen Failure"]
    n_f = int((treated["SEX"] == "F").sum())
    assert t.loc[("Sex", "F"), "Overall (N=254)"] == f"{n_f} ({100 * n_f / 254:.1f}%)"
    assert t.loc[("Age (years), median (range)", ""), "Overall (N=254)"] == (
        f"{treated['AGE'].median():g} ({treated['AGE'].min():g}-{treated['AGE'].max():g})")
    assert t.loc[("Tumour type", "")].tolist() == ["not recorded"] * 4


def test_exposure_to_the_end_of_the_last_cycle():
    """TRTDURD 1, 22 and 64 days (last - first dose + 1): with exposure to the end of the last 21-day
    cycle the durations are 21, 42 and 84 days, median 42 days = 6.0 weeks, longest 84 days."""
    import pandas as pd

    from doseflow.readout.population import summarise_population

    adsl = pd.DataFrame({"USUBJID": ["1", "2", "3"], "DOSE_GROUP": ["7.2 mg/kg"] * 3, "SAFFL": ["Y"] * 3,
                         "TRTDURD": [1.0, 22.0, 64.0]})
    t = summarise_population(adsl, exposure_to="cycle_end").table().set_index("Characteristic")
    assert t.loc["Exposure (weeks), median", "Overall (N=3)"] == "6.0"
    assert t.loc["Longest exposure (days)", "Overall (N=3)"] == "84"
    t = summarise_population(adsl).table().set_index("Characteristic")
    assert t.loc["Exposure (weeks), median", "Overall (N=3)"] == "3.1"
