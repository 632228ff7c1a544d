"""run_readout on the pharmaverse SDTM data (once per session) and on folders with domains missing.

Expected values are derived here with plain pandas from the CSV files (docstrings say how),
never with doseflow: 306 subjects in DM; 254 treated (an EX record with EXDOSE > 0, or a
placebo record); by first dose 86 placebo and 168 at 54 mg; 3 deaths; 168 subjects with a
measurable plasma concentration (data README).
"""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binomtest

from doseflow.errors import ConfigError, DataError
from doseflow.readout.config import parse_config
from doseflow.readout.pipeline import SECTIONS, STAGES, run_readout




def _csv(folder, name):
    return pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)


def test_subjects_treated_and_dose_levels(pharmaverse_run, pharmaverse_dir):
    """Plain pandas: DM rows; EX subjects with a valid dose; their DM.ACTARM (the low and high dose
    arms both start at 54 mg, so the groups are the arms, issue 7); DM.DTHDTC among treated subjects."""
    readout, _, stages = pharmaverse_run
    dm, ex = _csv(pharmaverse_dir, "dm"), _csv(pharmaverse_dir, "ex")
    ex["EXDOSE"] = ex["EXDOSE"].astype(float)
    valid = ex[(ex["EXDOSE"] > 0) | ex["EXTRT"].eq("PLACEBO")]
    arms = dm[dm["USUBJID"].isin(valid["USUBJID"])]["ACTARM"].value_counts()
    deaths = dm[dm["DTHDTC"].ne("") & dm["USUBJID"].isin(valid["USUBJID"])]
    sets = readout.get("population_sets").to_dict()
    assert (sets["n_subjects"], sets["n_treated"]) == (len(dm), valid["USUBJID"].nunique()) == (306, 254)
    names = ["Placebo", "Xanomeline Low Dose", "Xanomeline High Dose"]
    assert [(lv["label"], lv["n"]) for lv in sets["dose_levels"]] == [(a, arms[a]) for a in names]
    assert [arms[a] for a in names] == [86, 96, 72]
    overview = readout.get("safety_overview").to_dict()["categories"]["Deaths (any cause)"]
    assert sum(overview[a] for a in names) == len(deaths) == 3
    assert overview["All active"] == 1  # the pooled column leaves placebo out
    assert stages == list(STAGES)


def test_items_in_report_order(pharmaverse_run):
    readout, _, _ = pharmaverse_run
    names = [i.name for i in readout.items]
    assert names == [
        "conduct_escalation", "conduct_design", "population_sets", "population_characteristics",
        "safety_overview", "safety_teae", "safety_trae", "safety_common", "safety_grade3_teae",
        "safety_grade3_trae", "safety_dlt", "safety_ae_listing", "safety_lab_shift",
        "pk_summary", "pk_concentration_time", "pk_nca_xan", "pk_summary_xan", "pk_excluded_xan",
        "efficacy_bor_confirmed", "efficacy_bor_unconfirmed", "efficacy_response_rates", "efficacy_dor",
        "efficacy_pfs", "efficacy_excluded_records", "efficacy_swimmer", "efficacy_waterfall", "efficacy_spider"]
    assert [i.section for i in readout.items] == sorted((i.section for i in readout.items), key=SECTIONS.index)


def test_teae_and_trae_counts_against_plain_pandas(pharmaverse_run, pharmaverse_dir):
    """TEAE: AESTDTC (full dates) from the first EXSTDTC to the last EXENDTC + 30 days; TRAE: also
    AEREL POSSIBLE, PROBABLE or missing. Plain pandas gives 217 and 185 subjects of all arms (the 26
    records with partial start dates add no subject); the pooled column is the active arms only
    (DM.ACTARM not Placebo): 142 with a TRAE, 84.5% of 168 (issue 7: the summary quoted 185 of 254,
    placebo included)."""
    readout, _, _ = pharmaverse_run
    ex, ae, dm = _csv(pharmaverse_dir, "ex"), _csv(pharmaverse_dir, "ae"), _csv(pharmaverse_dir, "dm")
    ex = ex[(ex["EXDOSE"].astype(float) > 0) | ex["EXTRT"].eq("PLACEBO")]
    end = ex["EXENDTC"].where(ex["EXENDTC"] != "", ex["EXSTDTC"])
    trt = pd.DataFrame({"start": pd.to_datetime(ex["EXSTDTC"]).groupby(ex["USUBJID"]).min(),
                        "end": pd.to_datetime(end).groupby(ex["USUBJID"]).max()})
    a = ae.join(trt, on="USUBJID").merge(dm[["USUBJID", "ACTARM"]], on="USUBJID")
    day = pd.to_datetime(a["AESTDTC"].where(a["AESTDTC"].str.len() == 10))
    te = (day >= a["start"]) & (day <= a["end"] + pd.Timedelta(days=30))
    rel = a["AEREL"].isin(["POSSIBLE", "PROBABLE"]) | a["AEREL"].eq("")
    active = a["ACTARM"].ne("Placebo")
    assert a.loc[te, "USUBJID"].nunique() == 217 and a.loc[te & rel, "USUBJID"].nunique() == 185
    teae = readout.get("safety_teae").to_dict()
    trae = readout.get("safety_trae").to_dict()
    assert teae["pooled"] == trae["pooled"] == "All active"
    assert sum(teae["any"][g]["n"] for g in ("Placebo", "Xanomeline Low Dose", "Xanomeline High Dose")) == 217
    assert teae["any"]["All active"]["n"] == a.loc[te & active, "USUBJID"].nunique()
    assert trae["any"]["All active"]["n"] == a.loc[te & rel & active, "USUBJID"].nunique() == 142
    assert trae["any"]["Placebo"]["n"] == a.loc[te & rel & ~active, "USUBJID"].nunique() == 43
    assert trae["any"]["All active"]["pct"] == pytest.approx(100 * 142 / 168)


def test_safety_grade_fallback_and_missing_dlt_are_labelled(pharmaverse_run):
    """pharmaverse AE has AESEV but no AETOXGR, and no DLT variable (data README)."""
    readout, _, _ = pharmaverse_run
    assert readout.get("safety_trae").grade_label == "Severe (AESEV severity, not CTCAE grade)"
    dlt = readout.get("safety_dlt").to_dict()
    assert dlt["recorded"] is False and dlt["mtd_level"] is None
    assert any("No DLT variable (AEDLT)" in n for n in readout.get("safety_dlt").notes)
    common = readout.get("safety_common").to_dict()
    assert common["event"] == "TRAE" and all(t["pct"] > 10 for t in common["terms"])


def test_pk_from_pc_and_ex(pharmaverse_run, pharmaverse_dir):
    """168 subjects have a plasma PCSTRESN > 0 (plain pandas; README: placebo subjects are BLQ)."""
    readout, _, _ = pharmaverse_run
    pc = _csv(pharmaverse_dir, "pc")
    plasma = pc[pc["PCSPEC"].eq("PLASMA") & (pd.to_numeric(pc["PCSTRESN"], errors="coerce") > 0)]
    nca = readout.get("pk_nca_xan").to_dict()
    assert nca["n_subjects"] == plasma["USUBJID"].nunique() == 168
    assert readout.get("population_sets").to_dict()["n_pk"] == 168
    assert any("one dose level" in n for n in readout.notes)


def test_efficacy_uses_the_onco_family_and_exact_cis(pharmaverse_run):
    """RS/TR/TU come from the larger '_onco' set; the efficacy population is every treated subject,
    each arm side by side, placebo included (issue 7: placebo was left out of the efficacy tables); the
    pooled row is the active arms; ORR's CI is Clopper-Pearson (checked with scipy's binomtest)."""
    readout, _, _ = pharmaverse_run
    assert (readout.chosen["rs"], readout.chosen["tr"], readout.chosen["tu"]) == ("rs_onco", "tr_onco", "tu_onco")
    assert any("rs_onco" in n for n in readout.dataset_notes)
    sets = readout.get("population_sets").to_dict()
    assert sets["n_efficacy"] == 254
    groups = readout.get("efficacy_response_rates").to_dict()["groups"]
    assert [g["GROUP"] for g in groups] == ["Placebo", "Xanomeline Low Dose", "Xanomeline High Dose", "All active"]
    pooled = groups[-1]
    assert pooled["N"] == groups[1]["N"] + groups[2]["N"] and sets["n_response_evaluable"] == sum(
        g["N"] for g in groups[:-1])
    assert pooled["ORR_N"] == pooled["CR"] + pooled["PR"] == groups[1]["ORR_N"] + groups[2]["ORR_N"]
    ci = binomtest(pooled["ORR_N"], pooled["N"]).proportion_ci(method="exact")
    assert (pooled["ORR_LCL"], pooled["ORR_UCL"]) == pytest.approx((ci.low, ci.high))
    pfs = readout.get("efficacy_pfs").to_dict()
    assert pfs["n"] == 168 and set(pfs["ci_months"]) == {"log", "log-log"}
    assert [g["GROUP"] for g in pfs["groups"]] == ["Placebo", "Xanomeline Low Dose", "Xanomeline High Dose"]
    bor_c = readout.get("efficacy_bor_confirmed").to_dict()
    bor_u = readout.get("efficacy_bor_unconfirmed").to_dict()
    assert bor_c["pooled"] == "All active" and sum(bor_c["counts"].values()) == 168
    assert sum(bor_c["by_group"]["Placebo"].values()) == 86
    assert bor_c["counts"]["CR"] + bor_c["counts"]["PR"] <= bor_u["counts"]["CR"] + bor_u["counts"]["PR"]


def test_missing_optional_domains_skip_with_notes(small_folder):
    """No AE: the overview still counts the deaths of DM (issue 7: they became null instead of 3)."""
    readout = run_readout(small_folder)
    assert [i.name for i in readout.items] == ["conduct_escalation", "conduct_design", "population_sets",
                                               "population_characteristics", "safety_overview"]
    deaths = readout.get("safety_overview").to_dict()["categories"]["Deaths (any cause)"]
    assert (deaths["Placebo"], deaths["Xanomeline Low Dose"], deaths["Xanomeline High Dose"]) == (2, 1, 0)
    text = " ".join(readout.notes)
    for domain in ("AE", "LB", "PC", "RS"):
        assert f"no {domain} dataset" in text
    sets = readout.get("population_sets").to_dict()
    assert sets["n_treated"] == 254 and sets["n_pk"] is None and sets["n_efficacy"] is None


def test_missing_dm_is_a_data_error(tmp_path, pharmaverse_dir):
    shutil.copy(pharmaverse_dir / "ex.csv", tmp_path)
    with pytest.raises(DataError, match=r"must be a folder with a DM dataset"):
        run_readout(tmp_path)
    with pytest.raises(DataError, match=r"folder: must be an existing folder"):
        run_readout(tmp_path / "absent")


def test_preferred_family_and_dose_unit_checked(tmp_path, pharmaverse_dir):
    """[datasets] rs = rs_onco_recist makes TR follow (tr_onco_recist); an evaluable dose in mg/kg
    on data dosed in mg is a ConfigError naming the key."""
    for name in ("dm", "ex", "rs_onco", "rs_onco_recist", "tr_onco_recist", "tu_onco_recist"):
        shutil.copy(pharmaverse_dir / f"{name}.csv", tmp_path)
    readout = run_readout(tmp_path, parse_config('[datasets]\nrs = "rs_onco_recist"'))
    assert (readout.chosen["rs"], readout.chosen["tr"]) == ("rs_onco_recist", "tr_onco_recist")
    bor = readout.get("efficacy_bor_confirmed").to_dict()
    assert sum(bor["counts"].values()) == 168 and sum(bor["by_group"]["Placebo"].values()) == 86
    cfg = parse_config('[efficacy]\nevaluable_min_dose = 7.2\nevaluable_dose_unit = "mg/kg"')
    with pytest.raises(ConfigError, match=r"\[efficacy\] evaluable_dose_unit: must be the dose unit of the data "
                                          r"\(EX.EXDOSU: mg\); got 'mg/kg'"):
        run_readout(tmp_path, cfg)


def test_min_dose_restricts_the_efficacy_population(tmp_path, pharmaverse_dir):
    """A minimum dose above every dose (the largest is 81 mg) leaves no efficacy subject: noted, not an error."""
    for name in ("dm", "ex", "rs_onco"):
        shutil.copy(pharmaverse_dir / f"{name}.csv", tmp_path)
    readout = run_readout(tmp_path, parse_config('[efficacy]\nevaluable_min_dose = 100\nevaluable_dose_unit = "mg"'))
    assert readout.section("efficacy") == []
    assert any("no subject in the efficacy population" in n for n in readout.notes)
    assert np.isnan(readout.get("population_sets").sets.set_index("key").loc["response", "n"])
