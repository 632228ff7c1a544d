"""The AE overview: hand-derived categories and the pharmaverse counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from doseflow.readout.safety.flags import derive_teae
from doseflow.readout.safety.overview import summarise_ae_overview


def test_overview_hand_derived(ae, adsl):
    """Adds AESER/AEOUT/AESDTH/AEACN to the fixture.

    Serious: A2 VOMITING (AESER Y; REMOTE, not related) -> serious TEAE level 1 1 (50.0%),
    serious TRAE 0. Fatal: B2 PYREXIA AEOUT FATAL (POSSIBLE, related) -> TEAE and TRAE leading
    to death level 2 1 (33.3%). Discontinuation: A1's grade-3 NAUSEA AEACN DRUG WITHDRAWN ->
    level 1 1 (50.0%). Deaths: B2 has DTHDT -> level 2 1 (33.3%).
    """
    ae = ae.assign(AESER=["N", "N", "N", "Y", "N", "N", "N", "N", "N", "N", "N"],
                   AEOUT=[np.nan] * 6 + ["FATAL"] + [np.nan] * 4,
                   AESDTH="N", AEACN=[np.nan, "DRUG WITHDRAWN"] + [np.nan] * 9)
    t = summarise_ae_overview(ae, adsl).table().set_index("Category")
    assert t.loc["Any TEAE"].tolist() == ["2 (100.0%)", "3 (100.0%)", "5 (100.0%)"]
    assert t.loc["Any TRAE"].tolist() == ["1 (50.0%)", "2 (66.7%)", "3 (60.0%)"]
    assert t.loc["Grade >= 3 TEAE"].tolist() == ["1 (50.0%)", "1 (33.3%)", "2 (40.0%)"]
    assert t.loc["Grade >= 3 TRAE"].tolist() == ["0", "0", "0"]
    assert t.loc["Serious TEAE"].tolist() == ["1 (50.0%)", "0", "1 (20.0%)"]
    assert t.loc["Serious TRAE"].tolist() == ["0", "0", "0"]
    assert t.loc["TEAE leading to death"].tolist() == ["0", "1 (33.3%)", "1 (20.0%)"]
    assert t.loc["TRAE leading to death"].tolist() == ["0", "1 (33.3%)", "1 (20.0%)"]
    assert t.loc["TEAE leading to treatment discontinuation"].tolist() == ["1 (50.0%)", "0", "1 (20.0%)"]
    assert t.loc["Deaths (any cause)"].tolist() == ["0", "1 (33.3%)", "1 (20.0%)"]


def test_pharmaverse_trae_and_overview(sdtm, pharmaverse_adsl):
    """TRAE = TEAE with AEREL PROBABLE/POSSIBLE or missing (README: AEREL PROBABLE 361, POSSIBLE 343, missing 4).

    Reference counted with pandas on the default 30-day window (dates of TEAEs from the
    derivation; relatedness from AEREL directly). Deaths: DM.DTHDTC (3: Placebo 2, Low 1).
    """
    ae = sdtm("ae")
    te = derive_teae(ae, pharmaverse_adsl)
    te = te[te["TRTEMFL"] == "Y"].merge(pharmaverse_adsl[["USUBJID", "ACTARM"]], on="USUBJID")
    rel = te[te["AEREL"].isin(["PROBABLE", "POSSIBLE"]) | te["AEREL"].isna()]
    trae_ref = rel.groupby("ACTARM")["USUBJID"].nunique()
    ser_ref = te[te["AESER"] == "Y"].groupby("ACTARM")["USUBJID"].nunique()
    o = summarise_ae_overview(ae, pharmaverse_adsl).counts.set_index("category")
    for arm in trae_ref.index:
        assert o.loc["Any TRAE", arm] == trae_ref[arm]
        assert o.loc["Serious TEAE", arm] == ser_ref.get(arm, 0)
    # the pooled column is the active arms only (issue 7: placebo was pooled into the overall)
    assert o.loc["Any TRAE", "All active"] == trae_ref["Xanomeline Low Dose"] + trae_ref["Xanomeline High Dose"]
    assert "Overall" not in o.columns
    assert o.loc["Deaths (any cause)", "Placebo"] == 2 and o.loc["Deaths (any cause)", "Xanomeline Low Dose"] == 1
    assert o.loc["Deaths (any cause)", "All active"] == 1
    assert np.isnan(o.loc["TEAE leading to treatment discontinuation", "All active"])  # AEACN empty


def test_no_ae_dataset_still_counts_deaths(pharmaverse_adsl):
    """Issue 7: without an AE file the deaths (from DM) became null instead of 3; now the overview
    says the AE categories are not recorded and counts the deaths: Placebo 2, Low 1, High 0."""
    res = summarise_ae_overview(None, pharmaverse_adsl)
    o = res.counts.set_index("category")
    assert o.loc["Deaths (any cause)", ["Placebo", "Xanomeline Low Dose", "Xanomeline High Dose"]].tolist() == [2, 1, 0]
    assert np.isnan(o.loc["Any TEAE", "All active"])
    assert res.table().set_index("Category").loc["Any TEAE"].tolist() == ["not recorded"] * 4
    assert res.notes[0].startswith("No AE dataset")
