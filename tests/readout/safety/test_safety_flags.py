"""Treatment emergence (TRTEMFL), relatedness (AERELFL) and grade (AGRADE): hand-derived and pharmaverse."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from doseflow.errors import DataError
from doseflow.readout.safety.flags import derive_grade, derive_related, derive_teae


def test_derive_teae_rules(ae, adsl):
    out = derive_teae(ae[ae["USUBJID"] != "S9"], adsl)
    assert out["TRTEMFL"].tolist() == ["Y", "Y", "Y", "Y", "Y", "N", "Y", "N", "Y", "N"]
    assert out["TRTEMRUL"].iloc[5] == "started after last dose + 30 days"
    assert out["TRTEMRUL"].iloc[6] == "start missing"
    # partial date in TRTSDT's month lifted to TRTSDT; in an earlier month left at the 1st
    assert out["ASTDT"].iloc[8] == pd.Timestamp("2022-01-10") and out["ASTDTF"].iloc[8] == "D"
    assert out["ASTDT"].iloc[7] == pd.Timestamp("2021-12-01")
    not_em = derive_teae(ae[ae["USUBJID"] != "S9"], adsl, missing_start="not_emergent")
    assert not_em["TRTEMFL"].iloc[6] == "N"


def test_teae_end_before_first_dose_and_untreated(adsl):
    """admiral order: an AE with no start but an end before TRTSDT is not emergent; untreated -> N."""
    ae = pd.DataFrame({"USUBJID": ["A1", "A1", "S9"], "AESTDTC": [np.nan, np.nan, "2022-01-11"],
                       "AEENDTC": ["2022-01-05", "2022-01-10", np.nan]})
    out = derive_teae(ae, adsl)
    assert out["TRTEMFL"].tolist() == ["N", "Y", "N"]
    assert out["TRTEMRUL"].tolist() == ["ended before first dose", "start missing", "not treated"]


def test_related_and_grade_flags():
    ae = pd.DataFrame({"AEREL": ["PROBABLE", "possible ", "REMOTE", "NONE", np.nan],
                       "AESEV": ["MILD", "MODERATE", "SEVERE", np.nan, "MILD"],
                       "AETOXGR": [np.nan, np.nan, np.nan, np.nan, "4"]})
    assert derive_related(ae)["AERELFL"].tolist() == ["Y", "Y", "N", "N", "Y"]
    assert derive_related(ae, missing="not_related")["AERELFL"].tolist() == ["Y", "Y", "N", "N", "N"]
    assert derive_related(ae, related_values=["REMOTE"])["AERELFL"].tolist() == ["N", "N", "Y", "N", "Y"]
    g = derive_grade(ae)
    assert g["AGRADE"].tolist()[:3] == [1.0, 2.0, 3.0] and np.isnan(g["AGRADE"].iloc[3])
    assert g["AGRADE"].iloc[4] == 4.0  # AETOXGR wins over AESEV
    assert g["AGRADESRC"].tolist()[:3] == ["severity (AESEV), not CTCAE grade"] * 3
    assert g["AGRADESRC"].iloc[4] == "CTCAE grade (AETOXGR)"
    with pytest.raises(DataError, match="ae row 2, column AESEV"):
        derive_grade(pd.DataFrame({"AESEV": ["MILD", "LIFE THREATENING"]}))
    with pytest.raises(DataError, match="ae row 1, column AETOXGR"):
        derive_grade(pd.DataFrame({"AETOXGR": ["6"]}))


# --- pharmaverse -------------------------------------------------------------------------------

def test_teae_matches_sponsor_flag_without_end_window(sdtm, pharmaverse_adsl):
    """SUPPAE.AETRTEM is the sponsor's treatment-emergent flag (README: Y 1126 / N 65).

    The sponsor flag has no end-of-treatment window: with a window longer than the study our
    TRTEMFL equals it on all 1191 records. With the default 30 days, exactly the records that
    start more than 30 days after TRTEDT (found with plain pandas) become "N".
    """
    ae, suppae = sdtm("ae"), sdtm("suppae")
    flag = suppae[suppae["QNAM"] == "AETRTEM"].assign(AESEQ=lambda d: d["IDVARVAL"].astype(float))
    ref = ae.merge(flag[["USUBJID", "AESEQ", "QVAL"]], on=["USUBJID", "AESEQ"], how="left")["QVAL"]
    assert (ref == "Y").sum() == 1126
    wide = derive_teae(ae, pharmaverse_adsl, window_days=100_000)
    assert (wide["TRTEMFL"].to_numpy() == ref.to_numpy()).all()
    trtedt = ae["USUBJID"].map(pharmaverse_adsl.set_index("USUBJID")["TRTEDT"]).dt.normalize()
    late = pd.to_datetime(ae["AESTDTC"].where(ae["AESTDTC"].str.len() == 10)) > trtedt + pd.Timedelta(days=30)
    late &= ref.eq("Y").to_numpy()
    default = derive_teae(ae, pharmaverse_adsl)
    changed = (default["TRTEMFL"] != wide["TRTEMFL"]).to_numpy()
    assert (changed == late.to_numpy()).all() and changed.sum() == 4


def test_ae_ending_before_its_start_is_an_error(adsl):
    """The end must be on or after the start; partial dates are compared at their widest (an end in
    "2022-01" may be any day of January, so it is not before a start on 2022-01-20)."""
    ok = pd.DataFrame({"USUBJID": ["A1", "A1"], "AESTDTC": ["2022-01-20", "2022-01-20"],
                       "AEENDTC": ["2022-01", "2022-01-20"]})
    assert derive_teae(ok, adsl)["TRTEMFL"].tolist() == ["Y", "Y"]
    bad = ok.assign(AEENDTC=["2022-01", "2021-01-20"])
    bad.attrs = {"source": "ae.csv", "first_row": 2}
    with pytest.raises(DataError) as err:
        derive_teae(bad, adsl)
    assert str(err.value) == ("ae.csv row 3, column AEENDTC: must be on or after AESTDTC (2022-01-20); got "
                              "'2021-01-20'. An adverse event cannot end before it starts; correct either date.")
