"""derive_adsl: exposure rules on hand-built frames and on the pharmaverse CDISC pilot data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from doseflow.errors import ConfigError, DataError
from doseflow.readout.adsl import ADSL_COLUMNS, derive_adsl
from doseflow.readout.groups import population_n


def _dm(ids):
    return pd.DataFrame({"STUDYID": "S1", "USUBJID": ids, "AGE": 60.0, "SEX": "F", "RACE": "ASIAN",
                         "ARM": "Escalation", "ACTARM": "Escalation"})


@pytest.fixture
def hand():
    """Five subjects.

    101: 1.2 mg/kg on 2022-01-03 (to 01-03) and 2022-01-24 (no EXENDTC -> EXSTDTC):
         TRTSDT 01-03, TRTEDT 01-24, TRTDURD = 21 + 1 = 22.
    102: 2.4 mg/kg on 2022-02-01 to 02-21, then 3.6 on 2022-02-22 to 03-14 (intra-patient
         escalation): first dose 2.4, max dose 3.6; TRTDURD = 28 (Feb) - 1 + 14 + 1 = 42.
    103: screen failure, no EX: kept, SAFFL N.
    104: one EX record of active drug with EXDOSE 0 (dose held): not a valid dose, SAFFL N.
    105: 1.2 mg/kg with partial EXSTDTC "2022-03" and EXENDTC "2022-03": TRTSDT 2022-03-01
         (first, flag D), TRTEDT 2022-03-31 (last, flag D), TRTDURD 31.
    """
    dm = _dm(["101", "102", "103", "104", "105"])
    dm["DTHDTC"] = [np.nan, "2022-05", np.nan, np.nan, np.nan]
    ex = pd.DataFrame({
        "USUBJID": ["101", "101", "102", "102", "104", "105"],
        "EXSEQ": [1.0, 2.0, 1.0, 2.0, 1.0, 1.0],
        "EXTRT": "GQ1001", "EXDOSU": "mg/kg",
        "EXDOSE": [1.2, 1.2, 2.4, 3.6, 0.0, 1.2],
        "EXSTDTC": ["2022-01-03", "2022-01-24", "2022-02-01", "2022-02-22", "2022-01-10", "2022-03"],
        "EXENDTC": ["2022-01-03", np.nan, "2022-02-21", "2022-03-14", "2022-01-10", "2022-03"],
    })
    ds = pd.DataFrame({"USUBJID": ["101", "102", "102"], "DSDECOD": ["RANDOMIZED", "RANDOMIZED", "COMPLETED"],
                       "DSSTDTC": ["2021-12-30", "2022-01-28", "2022-06-01"]})
    return dm, ex, ds


def test_hand_built_exposure_first_dose(hand):
    dm, ex, ds = hand
    a = derive_adsl(dm, ex, ds=ds).set_index("USUBJID")
    assert list(a.reset_index().columns) == list(ADSL_COLUMNS)
    assert a["SAFFL"].to_dict() == {"101": "Y", "102": "Y", "103": "N", "104": "N", "105": "Y"}
    assert a.loc["101", "TRTSDT"] == pd.Timestamp("2022-01-03")
    assert a.loc["101", "TRTEDT"].normalize() == pd.Timestamp("2022-01-24")
    assert a["TRTDURD"].to_dict() == pytest.approx({"101": 22.0, "102": 42.0, "103": np.nan,
                                                    "104": np.nan, "105": 31.0}, nan_ok=True)
    assert a.loc["105", "TRTSDT"] == pd.Timestamp("2022-03-01") and a.loc["105", "TRTSDTF"] == "D"
    assert a.loc["105", "TRTEDT"].normalize() == pd.Timestamp("2022-03-31") and a.loc["105", "TRTEDTF"] == "D"
    assert a["DOSE"].to_dict() == pytest.approx({"101": 1.2, "102": 2.4, "103": np.nan, "104": np.nan,
                                                 "105": 1.2}, nan_ok=True)
    assert a.loc[["101", "102", "105"], "DOSE_GROUP"].tolist() == ["1.2 mg/kg", "2.4 mg/kg", "1.2 mg/kg"]
    assert a.loc[["101", "102", "105"], "DOSE_LEVEL"].tolist() == [1, 2, 1]
    assert a.loc[["103", "104"], "DOSE_LEVEL"].isna().all()
    assert a.loc["101", "RANDDT"] == pd.Timestamp("2021-12-30") and pd.isna(a.loc["105", "RANDDT"])
    # DTHDTC "2022-05" imputed to the first day, flagged
    assert a.loc["102", "DTHDT"] == pd.Timestamp("2022-05-01") and a.loc["102", "DTHDTF"] == "D"
    assert any("partial first dose date" in n for n in a.attrs["notes"])
    assert any("1 EX record(s) were not counted" in n for n in a.attrs["notes"])


def test_max_dose_and_arm_grouping(hand):
    """max_dose: 102's largest dose 3.6 defines its group, levels 1.2 -> 1, 3.6 -> 2."""
    dm, ex, _ = hand
    a = derive_adsl(dm, ex, dose_by="max_dose").set_index("USUBJID")
    assert a.loc["102", "DOSE"] == 3.6 and a.loc["102", "DOSE_GROUP"] == "3.6 mg/kg"
    assert a.loc[["101", "102"], "DOSE_LEVEL"].tolist() == [1, 2]
    arm = derive_adsl(dm, ex, dose_by="arm").set_index("USUBJID")
    assert arm.loc["101", "DOSE_GROUP"] == "Escalation" and pd.isna(arm.loc["103", "DOSE_GROUP"])


def test_placebo_is_its_own_lowest_level():
    """EXDOSE 0 of PLACEBO is a valid dose (admiral ADSL rule): SAFFL Y, group "Placebo", level 1."""
    dm = _dm(["1", "2"])
    ex = pd.DataFrame({"USUBJID": ["1", "2"], "EXTRT": ["PLACEBO", "DRUG"], "EXDOSE": [0.0, 54.0],
                       "EXDOSU": "mg", "EXSTDTC": ["2014-01-02", "2014-01-03"]})
    a = derive_adsl(dm, ex).set_index("USUBJID")
    assert a["SAFFL"].tolist() == ["Y", "Y"]
    assert a["DOSE_GROUP"].tolist() == ["Placebo", "54 mg"]
    assert a["DOSE_LEVEL"].tolist() == [1, 2]


def test_sponsor_variables_from_suppdm_and_dm(hand):
    dm, ex, _ = hand
    dm["PRIORHER2"] = [0, 2, np.nan, np.nan, 3]
    suppdm = pd.DataFrame({"USUBJID": ["101", "102", "105", "101"], "QNAM": ["TUMTYPE", "TUMTYPE", "TUMTYPE", "PRIORLN"],
                           "QVAL": ["BREAST", "GASTRIC", "SALIVARY GLAND", "3"]})
    a = derive_adsl(dm, ex, suppdm=suppdm, extra_vars=("PRIORHER2",)).set_index("USUBJID")
    assert a["TUMTYPE"].tolist()[:2] == ["BREAST", "GASTRIC"] and pd.isna(a.loc["103", "TUMTYPE"])
    assert a.loc["101", "PRIORLN"] == 3.0 and pd.isna(a.loc["102", "PRIORLN"])
    assert a.loc["102", "PRIORHER2"] == 2


@pytest.mark.parametrize(
    "change, where",
    [
        (lambda dm, ex: (dm, ex.drop(columns="EXDOSE")), "ex variable EXDOSE"),
        (lambda dm, ex: (dm.drop(columns="ACTARM"), ex), "dm variable ACTARM"),
        (lambda dm, ex: (dm, ex.assign(EXDOSE=ex["EXDOSE"].astype(object).where(ex.index != 2, "high"))),
         "ex row 3, column EXDOSE"),
        (lambda dm, ex: (dm, pd.concat([ex, ex.iloc[[0]].assign(USUBJID="999")])), "ex row 7, column USUBJID"),
        (lambda dm, ex: (pd.concat([dm, dm.iloc[[0]]]), ex), "dm variable USUBJID"),
        (lambda dm, ex: (dm, ex.assign(EXSTDTC=ex["EXSTDTC"].where(ex.index != 1, "24/01/2022"))),
         "ex column EXSTDTC row 2"),
    ],
    ids=["no-EXDOSE", "no-ACTARM", "EXDOSE-text", "EX-subject-not-in-DM", "DM-duplicate", "bad-date"],
)
def test_bad_input_names_domain_variable_and_value(hand, change, where):
    dm, ex, _ = hand
    dm, ex = change(dm, ex)
    with pytest.raises(DataError) as err:
        derive_adsl(dm, ex)
    assert str(err.value).startswith(where)


def test_bad_option_is_config_error(hand):
    dm, ex, _ = hand
    with pytest.raises(ConfigError, match="dose_by"):
        derive_adsl(dm, ex, dose_by="last_dose")


def test_pharmaverse_population_and_dates(sdtm, pharmaverse_adsl):
    """Pharmaverse README: 306 DM subjects, 52 screen failures, 254 treated; 3 deaths.

    Independent checks: SDTM DM.RFXSTDTC is the first exposure date, so TRTSDT equals it for
    all 254 treated subjects; DM.RFXENDTC equals TRTEDT except where the last EX record has
    no EXENDTC (our rule then uses its EXSTDTC), which we find with plain pandas.
    """
    a = pharmaverse_adsl
    dm, ex = sdtm("dm"), sdtm("ex")
    assert len(a) == 306
    assert (a["SAFFL"] == "Y").sum() == 254 and (a["SAFFL"] == "N").sum() == 52
    assert set(a.loc[a["SAFFL"] == "N", "ACTARM"]) == {"Screen Failure"}
    assert a["DTHDT"].notna().sum() == 3
    m = a.merge(dm[["USUBJID", "RFXSTDTC", "RFXENDTC"]], on="USUBJID")
    t = m[m["SAFFL"] == "Y"]
    assert (t["TRTSDT"].dt.strftime("%Y-%m-%d") == t["RFXSTDTC"]).all()
    last = ex.sort_values(["USUBJID", "EXSTDTC"]).groupby("USUBJID").tail(1)
    open_end = set(last.loc[last["EXENDTC"].isna(), "USUBJID"])
    differs = set(t.loc[t["TRTEDT"].dt.strftime("%Y-%m-%d") != t["RFXENDTC"], "USUBJID"])
    assert differs == open_end and len(open_end) == 6
    # RANDDT equals RFSTDTC (README)
    assert (t["RANDDT"].dt.strftime("%Y-%m-%d") == dm.set_index("USUBJID").loc[t["USUBJID"], "RFSTDTC"].to_numpy()).all()


def test_pharmaverse_dose_groups(sdtm, pharmaverse_adsl):
    """README: ACTARM counts 86/96/72 (Placebo/Low/High); High Dose subjects reach 81 mg, Low stay at 54 mg.

    By default (issue 7) the groups are the actual arms: the low and the high dose arm both start
    at 54 mg, so they are not dose levels and stay apart (before: one "54 mg (N=168)" group).
    Forced grouping by the largest dose gives Placebo 86, 54 mg 96, 81 mg 72, and by the first
    dose Placebo 86, 54 mg 168 (everyone active starts at 54 mg).
    """
    assert population_n(pharmaverse_adsl).to_dict() == {"Placebo": 86, "Xanomeline Low Dose": 96,
                                                        "Xanomeline High Dose": 72}
    dm, ex = sdtm("dm"), sdtm("ex")
    auto = derive_adsl(dm, ex)
    assert population_n(auto).to_dict() == {"Placebo": 86, "Xanomeline Low Dose": 96, "Xanomeline High Dose": 72}
    assert auto.attrs["dose_groups"].startswith("the actual arm (DM.ACTARM")
    assert "share the first dose 54 mg" in auto.attrs["dose_groups"]
    doses = next(n for n in auto.attrs["notes"] if n.startswith("Doses given"))
    assert "Xanomeline Low Dose: 54 mg (" in doses and "Xanomeline High Dose: 54 mg (" in doses and "81 mg (" in doses
    mx = derive_adsl(dm, ex, dose_by="max_dose")
    assert population_n(mx).to_dict() == {"Placebo": 86, "54 mg": 96, "81 mg": 72}
    first = derive_adsl(dm, ex, dose_by="first_dose")
    assert population_n(first).to_dict() == {"Placebo": 86, "54 mg": 168}
    assert first.groupby("DOSE_GROUP")["DOSE_LEVEL"].first().to_dict() == {"54 mg": 2, "Placebo": 1}


def test_arms_that_are_dose_levels_are_labelled_by_dose():
    """An escalation whose arms are its dose levels (ACTARM "DL1", "DL2"): each arm is its level,
    labelled by the dose most of its subjects started at; a subject started at another dose stays
    in its arm (the level assigned) and is named in the notes."""
    arms = ["DL1", "DL1", "DL2", "DL2", "DL2"]
    dm = pd.DataFrame({"STUDYID": "S", "USUBJID": ["1", "2", "3", "4", "5"], "AGE": 50.0, "SEX": "F",
                       "ARM": arms, "ACTARM": arms})
    ex = pd.DataFrame({"USUBJID": ["1", "2", "3", "4", "5"], "EXTRT": "DRUG", "EXDOSU": "mg/kg",
                       "EXDOSE": [1.2, 1.2, 2.4, 1.2, 2.4], "EXSTDTC": "2022-01-03"})
    a = derive_adsl(dm, ex).set_index("USUBJID")
    assert a["DOSE_GROUP"].tolist() == ["1.2 mg/kg"] * 2 + ["2.4 mg/kg"] * 3
    assert a["DOSE"].tolist() == [1.2, 1.2, 2.4, 2.4, 2.4] and a["DOSE_LEVEL"].tolist() == [1, 1, 2, 2, 2]
    assert "dose level of the subject's actual arm" in a.attrs["dose_groups"]
    assert any(n.startswith("1 subject(s) received a first dose other than their arm's dose") and "4 (1.2 mg/kg in DL2)"
               in n for n in a.attrs["notes"])


def test_negative_dose_is_an_error_naming_the_file_row():
    """EXDOSE -54 (issue 7: the subject moved to a new dose group and the summary said "at -54 mg")."""
    dm = _dm(["1"])
    ex = pd.DataFrame({"USUBJID": ["1", "1"], "EXTRT": "DRUG", "EXDOSE": [54.0, -54.0], "EXDOSU": "mg",
                       "EXSTDTC": ["2014-01-02", "2014-01-16"]})
    ex.attrs = {"source": "ex.csv", "first_row": 2}
    with pytest.raises(DataError) as err:
        derive_adsl(dm, ex)
    assert str(err.value) == "ex.csv row 3, column EXDOSE: must be a number >= 0; got -54.0."
