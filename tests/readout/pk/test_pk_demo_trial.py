"""PK of the demo trial (the virtual GQ1001 trial of ``doseflow demo``, seed 1), issue 7.

Cycle 1 is sampled in full (pre-dose, 0.5 h to day 21); cycles 2 and later only at pre-dose and
0.5 h (peak and trough). Expected values are plain pandas/numpy on the SDTM files the trial writes
(EX: the first dose of each patient is its assigned dose level; PC: the samples), never the readout:
32 patients at 1.2, 2.4, 3.6, 4.8, 6, 7.2, 8.4 mg/kg = 1, 1, 3, 3, 8, 8, 8. Before the fix the PK
summary pooled every cycle (Cmax n = 97 at 8.4 mg/kg, 4 at 1.2 mg/kg), grouped by the actual dose
of each cycle (2.4 mg/kg n = 2 where the population table has 1) and fitted proportionality on 265
repeated points ("proportional", 90% CI 0.891-1.089); on cycle 1 the slope is 0.963, 90% CI
0.710-1.217: inconclusive.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from doseflow.readout.pipeline import run_readout

LEVELS = {"1.2 mg/kg": 1, "2.4 mg/kg": 1, "3.6 mg/kg": 3, "4.8 mg/kg": 3, "6 mg/kg": 8, "7.2 mg/kg": 8,
          "8.4 mg/kg": 8}


@pytest.fixture(scope="module")
def demo(demo_sdtm_dir):
    folder = demo_sdtm_dir
    pc, ex = pd.read_csv(folder / "pc.csv"), pd.read_csv(folder / "ex.csv")
    first = ex.sort_values(["USUBJID", "EXSTDTC"]).groupby("USUBJID").head(1).set_index("USUBJID")["EXDOSE"]
    return run_readout(folder), pc, first, ex


def test_plain_pandas_facts_of_the_demo_sdtm(demo):
    _, pc, first, _ = demo
    assert first.map(lambda d: f"{d:g} mg/kg").value_counts().to_dict() == {k: v for k, v in LEVELS.items()}
    adc = pc[pc["PCTESTCD"] == "ADC"]
    assert adc.loc[adc["PCTPTNUM"] == 0.5].groupby(adc["USUBJID"].map(first)).size().loc[8.4] == 98  # all cycles


def test_summary_is_by_cycle_and_assigned_dose_and_counts_patients(demo):
    readout, *_ = demo
    st = readout.get("pk_summary_adc").statistics
    cmax = st[st["PPTESTCD"] == "CMAX"]
    assert cmax["dose_number"].tolist() == [1] * 7  # later cycles are not full profiles: no Cmax
    assert dict(zip(cmax["DOSE_GROUP"], cmax["n"])) == LEVELS
    assert (cmax["n_values"] == cmax["n"]).all()
    groups = readout.get("population_sets").to_dict()["dose_levels"]
    assert {lv["label"]: lv["n"] for lv in groups} == LEVELS  # the PK groups are the population's


def test_cycle_1_geometric_means(demo):
    """Cycle-1 Cmax geometric means (issue 7: 106.0 at 3.6 and 145.4 at 4.8 mg/kg, where the pooled summary
    said 91.2 and 119.5), recomputed from the cycle-1 PC samples with numpy."""
    readout, pc, first, _ = demo
    adc = pc[(pc["PCTESTCD"] == "ADC") & pc["VISIT"].str.startswith("CYCLE 1 ")]
    cmax = adc.groupby("USUBJID")["PCSTRESN"].max()
    expected = np.exp(np.log(cmax).groupby(cmax.index.map(first)).mean())
    st = readout.get("pk_summary_adc").statistics
    got = st[st["PPTESTCD"] == "CMAX"].set_index("DOSE_GROUP")["geo_mean"]
    for dose, gm in expected.items():
        assert got[f"{dose:g} mg/kg"] == pytest.approx(gm, rel=1e-12)
    assert (round(got["3.6 mg/kg"], 1), round(got["4.8 mg/kg"], 1)) == (106.0, 145.4)


def test_proportionality_is_on_cycle_1(demo):
    """One Cmax per patient (n = 32), least squares of log Cmax on log dose: slope 0.963, 90% CI 0.710-1.217,
    inside neither the critical region (0.885, 1.115) nor outside it: inconclusive."""
    readout, pc, first, _ = demo
    adc = pc[(pc["PCTESTCD"] == "ADC") & pc["VISIT"].str.startswith("CYCLE 1 ")]
    cmax = adc.groupby("USUBJID")["PCSTRESN"].max()
    fit = stats.linregress(np.log(cmax.index.map(first).to_numpy(dtype=float)), np.log(cmax.to_numpy()))
    row = readout.get("pk_proportionality_adc").estimates.set_index("parameter").loc["CMAX"]
    assert (row["n"], row["n_subjects"], row["model"]) == (32, 32, "least squares")
    assert row["slope"] == pytest.approx(fit.slope, rel=1e-9) and row["se"] == pytest.approx(fit.stderr, rel=1e-9)
    assert (round(row["slope"], 3), round(row["ci_low"], 3), round(row["ci_high"], 3)) == (0.963, 0.710, 1.217)
    assert row["conclusion"] == "inconclusive"


def test_peak_and_trough_cycles_are_concentrations(demo):
    """Cycle 2: the patients sampled at pre-dose and 0.5 h of VISIT "CYCLE 2 DAY 1" whose cycle-2 dose
    (EX, same visit) is their assigned dose, counted per group with pandas; the readout reports their
    samples as concentrations at the nominal times, and no Cmax."""
    readout, pc, first, ex = demo
    c2 = pc[(pc["PCTESTCD"] == "ADC") & (pc["VISIT"] == "CYCLE 2 DAY 1")]
    dose2 = ex[ex["VISIT"] == "CYCLE 2 DAY 1"].set_index("USUBJID")["EXDOSE"]
    on = c2[c2["USUBJID"].map(dose2) == c2["USUBJID"].map(first)]
    expected = on.groupby([on["PCTPTNUM"], on["USUBJID"].map(first).map(lambda d: f"{d:g} mg/kg")])["USUBJID"].nunique()
    st = readout.get("pk_concentrations_adc").statistics
    got = st[st["dose_number"] == 2].set_index(["time_nominal", "DOSE_GROUP"])["n"]
    assert got.to_dict() == expected.to_dict()
    nca = readout.get("pk_nca_adc").profiles
    assert set(nca.loc[nca["dose_number"] > 1, "sampling"]) == {"peak and trough"}
    assert nca.loc[nca["dose_number"] > 1, "CMAX"].isna().all()


def test_mean_profile_is_cycle_1_with_patients_at_each_time(demo):
    """Issue 7: the mean profile pooled every cycle at 0.5 h (n 4/11/13/12/74/54/97) and cycle 1 only after;
    now every time point is cycle 1 and n is its patients: 1, 1, 3, 3, 8, 8, 8."""
    readout, *_ = demo
    data = readout.get("pk_concentration_time").data
    adc = data[data["analyte"] == "ADC"]
    at_half = adc[adc["time (h)"] == 0.5].set_index("dose group")["n"]
    assert {str(k): int(v) for k, v in at_half.items()} == LEVELS
    assert readout.get("pk_concentration_time").to_dict()["cycle"] == 1


def test_main_pk_table_by_analyte_and_dose(demo):
    """Issue 8: the main PK table gives, per analyte, cycle and dose group, n and the geometric mean and CV%
    of the exposure parameters and the median and range of tmax, from the per-analyte summaries."""
    readout, *_ = demo
    table = readout.get("pk_summary").table()
    assert set(table["Analyte"]) == {"ADC", "TAB"}
    first = table[(table["Analyte"] == "ADC") & (table["Cycle"] == 1)]
    assert {str(g): int(n) for g, n in zip(first["Dose group"], first["n"])} == LEVELS
    assert {"CMAX (ug/mL): Geo. mean", "CMAX (ug/mL): Geo. CV%", "TMAX (h): Median", "TMAX (h): Range"} <= set(
        table.columns)
    st = readout.get("pk_summary_adc").statistics
    cmax = st[(st["PPTESTCD"] == "CMAX") & (st["dose_number"] == 1)].set_index("DOSE_GROUP")["geo_mean"]
    assert first.set_index("Dose group")["CMAX (ug/mL): Geo. mean"].to_dict() == pytest.approx(
        {str(k): v for k, v in cmax.items()})


def test_reduced_doses_are_left_out_of_the_summaries_and_counted(demo):
    """Doses other than the assigned level (reductions: EX records whose EXDOSE differs from the patient's
    first dose) are in the NCA table, flagged, and counted in the notes."""
    readout, _, first, _ = demo
    nca = readout.get("pk_nca_adc").profiles
    off = nca[nca["off_dose"]]
    assert len(off) and (off["dose"] != off["USUBJID"].map(first)).all()
    assert any(n.startswith(f"PK ADC: {len(off)} profile(s) of {off['USUBJID'].nunique()} patient(s) were given at "
                            "a dose other than their group's") for n in readout.notes)
