"""PFS and duration of response: the censoring table on hand-built subjects and pharmaverse rs_onco
subjects derived by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from doseflow.errors import ConfigError, DataError
from doseflow.readout.efficacy.survival import CensoringRules, derive_duration_of_response, derive_pfs


def _rs(rows):
    return pd.DataFrame(rows, columns=["USUBJID", "RSDTC", "RSSTRESC"]).assign(
        RSTESTCD="OVRLRESP", RSEVAL="INVESTIGATOR")


ADSL = pd.DataFrame({
    "USUBJID": ["PD", "DEATH", "CENS", "NONE", "NEONLY", "DTHLATE", "PDLATE", "BOTH"],
    "TRTSDT": pd.to_datetime(["2020-01-01"] * 8),
    "DTHDT": pd.to_datetime([None, "2020-03-01", None, None, None, "2020-12-01", None, "2020-04-01"]),
})
RS = _rs([
    ("PD", "2020-02-12", "SD"), ("PD", "2020-03-25", "PD"), ("PD", "2020-05-06", "PD"),
    ("DEATH", "2020-02-12", "SD"),
    ("CENS", "2020-02-12", "SD"), ("CENS", "2020-03-25", "PR"), ("CENS", "2020-05-06", "NE"),
    ("NEONLY", "2020-02-12", "NE"),
    ("DTHLATE", "2020-02-12", "SD"),
    ("PDLATE", "2020-02-12", "SD"), ("PDLATE", "2020-09-01", "PD"),
    ("BOTH", "2020-02-12", "SD"), ("BOTH", "2020-04-01", "PD"),
])


def test_pfs_censoring_table_default():
    """TRTSDT 2020-01-01 = day 1; AVAL = ADT - TRTSDT + 1 (ADaM ADTTE):
    PD: first PD 2020-03-25 -> event, 84 + 1 = 85.
    DEATH: death 2020-03-01, no PD -> event (any death counts), 60 + 1 = 61.
    CENS: SD, PR, NE -> censored at the last adequate assessment 2020-03-25 (NE is not adequate): 85.
    NONE: no assessment, alive -> censored at TRTSDT, AVAL 1.
    NEONLY: only NE -> no adequate assessment -> censored at TRTSDT, AVAL 1.
    DTHLATE: death 2020-12-01 (335 days) -> event under the default rule: 335 + 1 = 336.
    PDLATE: PD 2020-09-01 (244 days) -> event, 245.
    BOTH: PD and death the same day 2020-04-01 -> one event, PD (91 + 1 = 92)."""
    p = derive_pfs(RS, ADSL).set_index("USUBJID")
    assert p.loc[:, "AVAL"].tolist() == [85, 61, 85, 1, 1, 336, 245, 92]
    assert p.loc[:, "CNSR"].tolist() == [0, 0, 1, 1, 1, 0, 0, 0]
    assert p.loc[:, "EVNTDESC"].tolist() == [
        "DISEASE PROGRESSION", "DEATH", "CENSORED AT LAST ADEQUATE ASSESSMENT", "CENSORED AT TRTSDT",
        "CENSORED AT TRTSDT", "DEATH", "DISEASE PROGRESSION", "DISEASE PROGRESSION"]
    assert p.loc["CENS", "CNSDTDSC"] == "LAST ADEQUATE TUMOR ASSESSMENT"
    assert p.loc["NONE", "CNSDTDSC"].startswith("TRTSDT")
    assert (p.PARAMCD == "PFS").all() and p.loc["DEATH", "SRCDOM"] == "ADSL"


def test_pfs_fda_window_options():
    """FDA 2018 (Appendix 1) sensitivity options with a 91-day window (two missed 6-week visits):
    DTHLATE: death 2020-12-01 is 293 days after the last adequate assessment 2020-02-12 -> censored
    there: 42 + 1 = 43. PDLATE: PD 2020-09-01 is 202 days after 2020-02-12 -> censored: 43.
    DEATH: death 2020-03-01, 18 days after 2020-02-12 -> still an event (61)."""
    rules = CensoringRules(death_window_days=91, pd_window_days=91)
    p = derive_pfs(RS, ADSL, censor_rules=rules).set_index("USUBJID")
    assert p.loc[["DTHLATE", "PDLATE", "DEATH"], "AVAL"].tolist() == [43, 43, 61]
    assert p.loc[["DTHLATE", "PDLATE", "DEATH"], "CNSR"].tolist() == [1, 1, 0]
    assert "death more than 91 days" in p.loc["DTHLATE", "FLAGS"]
    assert "PD more than 91 days" in p.loc["PDLATE", "FLAGS"]
    with pytest.raises(ConfigError):
        CensoringRules(death_window_days=-1)


def test_pfs_missing_start_date_is_nan_with_flag():
    adsl = ADSL.iloc[:1].assign(TRTSDT=pd.NaT)
    p = derive_pfs(RS, adsl)
    assert pd.isna(p.AVAL[0]) and "TRTSDT missing" in p.FLAGS[0]
    with pytest.raises(DataError):
        derive_pfs(RS, ADSL.drop(columns="TRTSDT"))


def test_duration_of_response_hand():
    """Subject R (TRTSDT 2020-01-01): PR 02-12, PR 03-25 (42 d later: confirmed), SD 05-06, PD
    06-17 -> DoR from 2020-02-12 to 2020-06-17 = 126 + 1 = 127 days, event.
    Subject C: PR 02-12, CR 03-25 (confirms the PR), CR 05-06 -> no PD: censored at last
    adequate assessment 05-06: 84 + 1 = 85. Subject N: SD only -> not a responder, no row."""
    adsl = pd.DataFrame({"USUBJID": ["R", "C", "N"], "TRTSDT": pd.to_datetime(["2020-01-01"] * 3)})
    rs = _rs([("R", "2020-02-12", "PR"), ("R", "2020-03-25", "PR"), ("R", "2020-05-06", "SD"),
              ("R", "2020-06-17", "PD"), ("C", "2020-02-12", "PR"), ("C", "2020-03-25", "CR"),
              ("C", "2020-05-06", "CR"), ("N", "2020-02-12", "SD")])
    d = derive_duration_of_response(rs, adsl).set_index("USUBJID")
    assert d.index.tolist() == ["R", "C"]
    assert d.AVAL.tolist() == [127, 85] and d.CNSR.tolist() == [0, 1]
    assert (d.STARTDT == pd.Timestamp("2020-02-12")).all() and (d.PARAMCD == "DOR").all()


def test_pharmaverse_pfs_and_dor_subjects_by_hand(efficacy_sdtm, efficacy_adsl):
    """rs_onco investigator sequences (TRTSDT from EX, DTHDT from DM):
    01-704-1445: TRTSDT 2014-05-11, PD 2014-11-01 = death date -> PFS event PD, AVAL 174 + 1 = 175;
      confirmed PR on 2014-06-25 -> DoR 2014-06-25..2014-11-01 = 129 + 1 = 130, event.
    01-701-1211: TRTSDT 2012-11-15, PR, PR, no PD, death 2013-01-14 -> PFS event DEATH,
      60 + 1 = 61.
    01-710-1083: no RS record, death 2013-08-02, TRTSDT 2013-07-22 -> event DEATH, 11 + 1 = 12.
    01-701-1023: no RS record, alive -> censored at TRTSDT, AVAL 1."""
    rs = efficacy_sdtm("rs_onco")
    p = derive_pfs(rs, efficacy_adsl, unknown_response="ne").set_index("USUBJID")
    assert len(p) == 254
    assert (p.loc["01-704-1445", "AVAL"], p.loc["01-704-1445", "EVNTDESC"]) == (175, "DISEASE PROGRESSION")
    assert (p.loc["01-701-1211", "AVAL"], p.loc["01-701-1211", "EVNTDESC"]) == (61, "DEATH")
    assert (p.loc["01-710-1083", "AVAL"], p.loc["01-710-1083", "CNSR"]) == (12, 0)
    assert (p.loc["01-701-1023", "AVAL"], p.loc["01-701-1023", "CNSR"]) == (1, 1)
    d = derive_duration_of_response(rs, efficacy_adsl, unknown_response="ne").set_index("USUBJID")
    assert (d.loc["01-704-1445", "AVAL"], d.loc["01-704-1445", "CNSR"]) == (130, 0)
    assert len(d) == 26  # 8 CR + 18 PR confirmed responders (test_eff_recist oracle counts)
