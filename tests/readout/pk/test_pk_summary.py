"""Summary statistics of NCA parameters and concentrations against hand-derived values."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from doseflow.errors import DataError, InputError
from doseflow.readout.pk import tabulate_concentrations, tabulate_pk_summary
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


def test_n_counts_patients_and_values_beside_it():
    """Two patients, CMAX of cycles 1 and 2 pooled by dose: n = 2 patients, 4 values (issue 7: n counted
    cycles, e.g. 97 at 8.4 mg/kg from 8 patients); the table shows both only where they differ."""
    df = pd.DataFrame({"PPTESTCD": "CMAX", "unit": "ug/mL", "dose": 1.0, "USUBJID": ["a", "a", "b", "b"],
                       "dose_number": [1, 2, 1, 2], "value": [1.0, 2.0, 3.0, 4.0]})
    pooled = tabulate_pk_summary(df)
    assert pooled.statistics.loc[0, ["n", "n_values"]].tolist() == [2, 4]
    assert "n values" in pooled.table().columns
    by_cycle = tabulate_pk_summary(df, by=["dose_number", "dose"])
    assert by_cycle.statistics["n"].tolist() == [2, 2] and "n values" not in by_cycle.table().columns


def test_concentrations_by_nominal_time_count_patients_and_blq():
    """Peak and trough of cycle 2 for 3 patients: pre-dose (excluded from NCA as before the dose) 2, 8, BLQ;
    0.5 h 10, 40, 20. Trough: n 3, 1 BLQ, geometric mean undefined (a 0); peak: geometric mean
    (10 * 40 * 20)^(1/3) = 20."""
    f = pd.DataFrame({"USUBJID": ["a", "b", "c"] * 2, "analyte": "X", "dose_number": 2, "DOSE_GROUP": "1 mg",
                      "time_nominal": [-0.5] * 3 + [0.5] * 3, "conc": [2.0, 8.0, 0.0, 10.0, 40.0, 20.0],
                      "blq": [False, False, True, False, False, False], "conc_unit": "ug/mL",
                      "excluded": [True] * 3 + [False] * 3,
                      "exclusion_reason": ["sample before the dose (time -0.50 h): outside the dosing interval"] * 3
                      + [""] * 3})
    st = tabulate_concentrations(f).statistics
    assert st[["time_nominal", "n", "n_blq"]].values.tolist() == [[-0.5, 3, 1], [0.5, 3, 0]]
    assert math.isnan(st.loc[0, "geo_mean"]) and st.loc[0, "flags"] == "geometric statistics undefined: 1 value(s) <= 0"
    assert st.loc[1, "geo_mean"] == pytest.approx(20.0)
