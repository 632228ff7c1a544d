"""DLT table, DLT-evaluable patients, the exact DLT rate and the MTD by the design's 3+3 rule (Storer 1989)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from doseflow.errors import DataError
from doseflow.core import DosePlan, TrialState
from doseflow.designs import ThreePlusThree
from doseflow.readout.safety.dlt import describe_mtd, tabulate_dlt

DOSES = ["1.2 mg/kg", "2.4 mg/kg", "3.6 mg/kg", "4.8 mg/kg", "6.0 mg/kg", "7.2 mg/kg", "8.4 mg/kg"]


RULE = "3+3 rule of doseflow.designs.ThreePlusThree (Storer 1989, variant B)"


def _describe(n, d):
    plan = DosePlan.from_amounts([float(x.split()[0]) for x in DOSES[: len(n)]], "mg/kg")
    selection = ThreePlusThree().select_mtd(TrialState.from_counts(plan, n, d))
    return describe_mtd(selection, plan, np.asarray(n), np.asarray(d))


@pytest.mark.parametrize(
    "n, d, level, statement",
    [
        # GQ1001 (example-trial.md): no DLT at any dose; MTD not reached up to 8.4 mg/kg
        ([1, 1, 3, 3, 3, 9, 12], [0] * 7, None,
         "No DLT at any dose level; the MTD was not reached up to 8.4 mg/kg, the highest dose tested."),
        # 1/6 at the top: no level has 2 DLTs, MTD not reached
        ([3, 3, 3, 3, 3, 3, 6], [0, 0, 0, 0, 0, 0, 1], None,
         f"No dose level had 2 or more patients with DLT (patients with DLT: 8.4 mg/kg 1/6); by the {RULE} "
         "the MTD was not reached up to 8.4 mg/kg, the highest dose tested."),
        # 2/3 at 4.8 with 1/6 at 3.6: MTD 3.6 (highest level with at most 1 DLT in 6)
        ([3, 3, 6, 3], [0, 0, 1, 2], 3,
         f"The MTD is 3.6 mg/kg by the {RULE}: the highest level with at most 1 DLT in at least 6 patients (1/6) "
         "below any level with 2 or more patients with DLT (patients with DLT: 3.6 mg/kg 1/6, 4.8 mg/kg 2/3)."),
        # 2/3 at 4.8 but only 3 patients below: not established (variant B needs 6 there)
        ([3, 3, 3, 3], [0, 0, 0, 2], None,
         f"No MTD by the {RULE}: 4.8 mg/kg had 2/3 patients with DLT, and no level below it has at most 1 DLT in "
         "at least 6 patients (patients with DLT: 4.8 mg/kg 2/3)."),
        # 2/3 at the first level: no MTD
        ([3], [2], None, f"No MTD by the {RULE}: the lowest dose, 1.2 mg/kg had 2/3 patients with DLT."),
        # expansion: 2 DLTs at 3.6 exceed the MTD however many patients (2/12), so the MTD is below it
        ([3, 6, 12, 6], [0, 0, 2, 3], 2,
         f"The MTD is 2.4 mg/kg by the {RULE}: the highest level with at most 1 DLT in at least 6 patients (0/6) "
         "below any level with 2 or more patients with DLT (patients with DLT: 3.6 mg/kg 2/12, 4.8 mg/kg 3/6)."),
    ],
    ids=["none-GQ1001", "1of6-top", "2of3-after-1of6", "2of3-after-0of3", "2of3-level1", "expansion-2of12"],
)
def test_mtd_statement(n, d, level, statement):
    got_level, got = _describe(n, d)
    assert got_level == level
    assert got == statement


@pytest.fixture
def adsl():
    """Levels 1.2 (3 patients a1-a3), 2.4 (6 patients b1-b6), 3.6 (3 patients c1-c3); first dose 2022-01-01."""
    ids = [f"a{i}" for i in range(1, 4)] + [f"b{i}" for i in range(1, 7)] + [f"c{i}" for i in range(1, 4)]
    groups = ["1.2 mg/kg"] * 3 + ["2.4 mg/kg"] * 6 + ["3.6 mg/kg"] * 3
    return pd.DataFrame({"USUBJID": ids, "SAFFL": "Y", "DOSE_GROUP": groups,
                         "DOSE": [float(g.split()[0]) for g in groups],
                         "DOSE_LEVEL": [{"1.2 mg/kg": 1, "2.4 mg/kg": 2, "3.6 mg/kg": 3}[g] for g in groups],
                         "TRTSDT": pd.Timestamp("2022-01-01"), "TRTEDT": pd.Timestamp("2022-04-01")})


def test_dlt_table_window_and_statement(adsl):
    """DLT flags in an AE column.

    b1 NEUTROPENIA on day 8 (2022-01-08): counted. c1 and c2 THROMBOCYTOPENIA on day 21
    (2022-01-21, the last day of the window) and day 15: counted. c3 AST INCREASED on day 22
    (2022-01-22): outside days 1-21, not counted, noted. b2 NAUSEA not flagged.
    Levels: 1.2 0/3, 2.4 1/6, 3.6 2/3 -> the MTD is 2.4 mg/kg.
    """
    ae = pd.DataFrame({
        "USUBJID": ["b1", "c1", "c2", "c3", "b2"],
        "AESTDTC": ["2022-01-08", "2022-01-21", "2022-01-15", "2022-01-22", "2022-01-03"],
        "AEDECOD": ["NEUTROPENIA", "THROMBOCYTOPENIA", "THROMBOCYTOPENIA", "AST INCREASED", "NAUSEA"],
        "AETOXGR": ["4", "4", "3", "3", "1"],
        "AEDLT": ["Y", "Y", "Y", "Y", "N"],
    })
    res = tabulate_dlt(ae, adsl)
    t = res.table()
    assert t["DLT-evaluable patients"].tolist() == [3, 6, 3, 12]
    assert t["Patients with DLT"].tolist() == ["0", "1", "2", "3"]
    assert t["DLTs"].tolist() == ["", "NEUTROPENIA (grade 4)", "THROMBOCYTOPENIA (grade 3); THROMBOCYTOPENIA (grade 4)",
                                  ""]
    assert res.mtd_level == 2
    assert res.statement.startswith(f"The MTD is 2.4 mg/kg by the {RULE}")
    assert any("1 DLT-flagged AE(s) started outside study days 1-21" in n for n in res.notes)


def test_dlt_flag_from_suppae(adsl):
    """SUPPAE QNAM AEDLT keyed by AESEQ: only a1's AESEQ 2 is a DLT -> 1.2 mg/kg 1/3."""
    ae = pd.DataFrame({"USUBJID": ["a1", "a1"], "AESEQ": [1.0, 2.0], "AESTDTC": ["2022-01-02", "2022-01-05"],
                       "AEDECOD": ["NAUSEA", "FEBRILE NEUTROPENIA"]})
    suppae = pd.DataFrame({"USUBJID": ["a1"], "IDVAR": ["AESEQ"], "IDVARVAL": ["2"], "QNAM": ["AEDLT"], "QVAL": ["Y"]})
    res = tabulate_dlt(ae, adsl, suppae=suppae)
    assert res.recorded and res.levels["n_dlt"].tolist() == [1, 0, 0, 1]
    assert res.table()["DLTs"].iloc[0] == "FEBRILE NEUTROPENIA"


def test_pharmaverse_has_no_dlt_variable(sdtm, pharmaverse_adsl):
    """Pharmaverse AE/SUPPAE have no DLT flag: table says "not recorded", no MTD statement, a note.

    DLT-evaluable (followed to day 21): the last dose or an AE start/end on or after TRTSDT + 20
    days, counted with plain pandas on the complete dates; every treated patient with
    ``evaluable="treated"`` (86/96/72, the ACTARM counts of the data README).
    """
    ae, adsl = sdtm("ae"), pharmaverse_adsl[pharmaverse_adsl["SAFFL"] == "Y"]
    dates = pd.concat([ae[["USUBJID", "AESTDTC"]].rename(columns={"AESTDTC": "d"}),
                       ae[["USUBJID", "AEENDTC"]].rename(columns={"AEENDTC": "d"})])
    dates = dates[dates["d"].str.len() == 10]
    last = pd.to_datetime(dates["d"]).groupby(dates["USUBJID"]).max()
    followed = pd.concat([adsl.set_index("USUBJID")["TRTEDT"], last.reindex(adsl["USUBJID"])], axis=1).max(axis=1)
    ok = followed.to_numpy() >= (adsl["TRTSDT"] + pd.Timedelta(days=20)).to_numpy()
    expected = pd.Series(ok, index=adsl["DOSE_GROUP"].to_numpy()).groupby(level=0).sum()
    res = tabulate_dlt(sdtm("ae"), pharmaverse_adsl, suppae=sdtm("suppae"))
    assert not res.recorded
    assert set(res.table()["Patients with DLT"]) == {"not recorded"}
    groups = ["Placebo", "Xanomeline Low Dose", "Xanomeline High Dose"]
    assert res.table()["DLT-evaluable patients"].tolist() == [expected[g] for g in groups] + [
        expected[groups[1]] + expected[groups[2]]]
    treated = tabulate_dlt(sdtm("ae"), pharmaverse_adsl, suppae=sdtm("suppae"), evaluable="treated")
    assert treated.table()["DLT-evaluable patients"].tolist() == [86, 96, 72, 168]
    assert treated.table()["Dose"].iloc[-1] == "All active"
    assert res.statement == ("DLTs were not recorded in these data (no AEDLT in AE or SUPPAE); "
                             "no MTD statement can be made.")
    assert any("No DLT variable (AEDLT)" in n for n in res.notes)
    assert res.to_dict()["levels"][0]["n_dlt"] is None and np.isnan(res.levels["n_dlt"]).all()


def test_readout_mtd_is_the_designs_for_6_12_3():
    """Issue 11 defect 4: n = (6, 12, 3), y = (0, 2, 0). The readout's own rule read 2/12 as "not above
    1/6" and said the MTD was not reached; Storer's rule (the design's) says 2 DLTs at level 2 exceed the
    MTD, so the MTD is level 1. The readout's MTD must be the design's."""
    n, y = [6, 12, 3], [0, 2, 0]
    doses = [1.2, 2.4, 3.6]
    ids = [f"s{lv}-{i}" for lv, k in enumerate(n) for i in range(k)]
    group = [f"{doses[lv]:g} mg/kg" for lv, k in enumerate(n) for _ in range(k)]
    adsl = pd.DataFrame({"USUBJID": ids, "SAFFL": "Y", "DOSE_GROUP": group, "DOSEU": "mg/kg",
                         "DOSE": [float(g.split()[0]) for g in group],
                         "DOSE_LEVEL": [doses.index(float(g.split()[0])) + 1 for g in group],
                         "TRTSDT": pd.Timestamp("2022-01-01"), "TRTEDT": pd.Timestamp("2022-03-01")})
    ae = pd.DataFrame({"USUBJID": ["s1-0", "s1-1"], "AESTDTC": "2022-01-10", "AEDECOD": "NEUTROPENIA",
                       "AETOXGR": "4", "AEDLT": "Y"})
    res = tabulate_dlt(ae, adsl)
    design = ThreePlusThree().select_mtd(TrialState.from_counts(DosePlan.from_amounts(doses, "mg/kg"), n, y))
    assert design.dose == 1 and res.mtd_level == design.dose == 1
    assert res.selection == ThreePlusThree().select_mtd(TrialState.from_counts(
        DosePlan.from_amounts(doses, "mg/kg"), n, y))
    assert res.statement.startswith(f"The MTD is 1.2 mg/kg by the {RULE}")
    assert "doseflow.designs.ThreePlusThree.select_mtd" in res.methods


def test_dlt_rate_and_its_exact_upper_bound():
    """0 DLTs in 32 DLT-evaluable patients: rate 0%, 95% CI 0-10.9%; 1 - 0.025^(1/32) = 0.10889
    (Clopper-Pearson; its upper limit is the one-sided 97.5% bound). A patient who left on day 10
    without a DLT is not DLT-evaluable (window 21 days)."""
    ids = [f"p{i}" for i in range(33)]
    adsl = pd.DataFrame({"USUBJID": ids, "SAFFL": "Y", "DOSE_GROUP": "1.2 mg/kg", "DOSE": 1.2, "DOSEU": "mg/kg",
                         "DOSE_LEVEL": 1, "TRTSDT": pd.Timestamp("2022-01-01"),
                         "TRTEDT": [pd.Timestamp("2022-03-01")] * 32 + [pd.Timestamp("2022-01-01")],
                         "LSTALVDT": [pd.NaT] * 32 + [pd.Timestamp("2022-01-10")]})
    ae = pd.DataFrame({"USUBJID": ["p0"], "AESTDTC": ["2022-01-05"], "AEDECOD": ["NAUSEA"], "AEDLT": ["N"]})
    res = tabulate_dlt(ae, adsl)
    pooled = res.to_dict()["pooled"]
    assert (pooled["n_treated"], pooled["n"], pooled["n_dlt"], pooled["rate"]) == (33, 32, 0, 0.0)
    assert pooled["ci"] == pytest.approx([0.0, 1 - 0.025 ** (1 / 32)], abs=1e-12)
    assert round(pooled["ci"][1] * 100, 1) == 10.9
    assert res.table().iloc[0]["DLT rate (95% CI)"] == "0.0% (0.0-10.9)"
    assert any("1 treated patient(s) were not DLT-evaluable" in n and "p32" in n for n in res.notes)
