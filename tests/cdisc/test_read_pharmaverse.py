"""Reading the whole pharmaverse SDTM folder, against the figures of its README.

Every expected number below is copied from ../shared/data/pharmaverse/README.md (the table
"Files" and the notes): rows and subjects per file, AESEV/AEREL counts, ARM/ACTARM counts,
deaths, the investigator OVRLRESP counts of rs_onco and SUPPAE's AETRTEM Y 1126 / N 65.
The folder is read once per module (lb.csv and tr_onco.csv are large).
"""

from __future__ import annotations

import hashlib
import re

import pandas as pd
import pytest

from doseflow.cdisc import read_sdtm


README_ROWS = {
    "dm": 306, "suppdm": 1197, "ds": 850, "ex": 591, "ae": 1191, "suppae": 1191, "lb": 59580,
    "rs_onco_recist": 66, "tu_onco_recist": 75, "tr_onco_recist": 546, "rs_onco": 5808,
    "tu_onco": 7734, "tr_onco": 55995, "pc": 4572,
}
README_COLS = {
    "dm": 28, "suppdm": 10, "ds": 13, "ex": 17, "ae": 35, "suppae": 10, "lb": 23, "rs_onco_recist": 14,
    "tu_onco_recist": 16, "tr_onco_recist": 19, "rs_onco": 19, "tu_onco": 18, "tr_onco": 24, "pc": 21,
}
README_SUBJECTS = {
    "dm": 306, "suppdm": 254, "ds": 306, "ex": 254, "ae": 225, "suppae": 225, "lb": 254,
    "rs_onco_recist": 8, "tu_onco_recist": 8, "tr_onco_recist": 8, "rs_onco": 205, "tu_onco": 254,
    "tr_onco": 254, "pc": 254,
}


@pytest.fixture(scope="module")
def sdtm(pharmaverse_dir):
    return read_sdtm(pharmaverse_dir)


def test_every_file_is_read_with_the_readme_shape(sdtm):
    assert set(sdtm.datasets) == set(README_ROWS)
    assert {s: len(df) for s, df in sdtm.datasets.items()} == README_ROWS
    assert {s: f.rows for s, f in sdtm.files.items()} == README_ROWS
    assert {s: df.shape[1] for s, df in sdtm.datasets.items()} == README_COLS
    assert {s: df["USUBJID"].nunique() for s, df in sdtm.datasets.items()} == README_SUBJECTS
    assert {f.format for f in sdtm.files.values()} == {"csv"}


def test_provenance_is_the_file_and_its_checksum(sdtm):
    info = sdtm.files["ae"]
    assert info.path.name == "ae.csv" and info.domain == "AE"
    assert info.sha256 == hashlib.sha256(info.path.read_bytes()).hexdigest()
    assert re.fullmatch(r"[0-9a-f]{64}", info.sha256)
    assert sdtm.files["suppae"].domain == "SUPPAE" and sdtm.files["rs_onco"].domain == "RS"


def test_types_follow_the_specs(sdtm):
    """Num variables are float64 (whole numbers written as 42.0 are fine), char are object."""
    ae, dm, pc = sdtm.domain("ae"), sdtm.domain("dm"), sdtm.domain("pc")
    assert ae["AESEQ"].dtype == "float64" and ae["AESTDY"].dtype == "float64"
    assert dm["AGE"].dtype == "float64" and dm["SITEID"].dtype == object
    assert dm.loc[dm["USUBJID"] == "01-701-1015", "AGE"].tolist() == [63.0]
    assert pc["PCSTRESN"].dtype == "float64" and pc["PCLLOQ"].unique().tolist() == [0.01]
    assert ae["AELLTCD"].isna().all()  # an all-empty num column is NaN, not an error


def test_values_counted_in_the_readme(sdtm):
    ae, dm = sdtm.domain("ae"), sdtm.domain("dm")
    assert ae["AESEV"].value_counts().to_dict() == {"MILD": 770, "MODERATE": 378, "SEVERE": 43}
    assert ae["AEREL"].value_counts().to_dict() == {"PROBABLE": 361, "POSSIBLE": 343, "NONE": 322, "REMOTE": 161}
    assert ae["AEREL"].isna().sum() == 4
    assert (dm["ARM"] == "Screen Failure").sum() == 52
    treated = dm[dm["ARM"] != "Screen Failure"]
    assert treated["ARM"].value_counts().to_dict() == {
        "Placebo": 86, "Xanomeline High Dose": 84, "Xanomeline Low Dose": 84}
    assert treated["ACTARM"].value_counts().to_dict() == {
        "Xanomeline Low Dose": 96, "Placebo": 86, "Xanomeline High Dose": 72}
    assert dm["DTHDTC"].notna().sum() == 3


def test_response_values_are_not_restricted(sdtm):
    """README: investigator OVRLRESP in rs_onco is PD 387, PR 115, SD 73, CR 57 and one 'CHECK'."""
    rs = sdtm.domain("rs")
    inv = rs[(rs["RSTESTCD"] == "OVRLRESP") & (rs["RSEVAL"] == "INVESTIGATOR")]
    assert inv["RSSTRESC"].value_counts().to_dict() == {"PD": 387, "PR": 115, "SD": 73, "CR": 57, "CHECK": 1}
    assert (rs["RSSTAT"] == "NOT DONE").sum() == 242


def test_partial_dates_are_kept_as_text(sdtm):
    """README: rs_onco_recist has 3 RSDTC values given only as YYYY-MM."""
    rsdtc = sdtm.datasets["rs_onco_recist"]["RSDTC"]
    assert rsdtc.str.fullmatch(r"\d{4}-\d{2}").sum() == 3


def test_rs_tu_tr_come_from_one_family_with_notes(sdtm):
    assert sdtm.chosen["rs"] == "rs_onco"
    assert sdtm.chosen["tu"] == "tu_onco" and sdtm.chosen["tr"] == "tr_onco"
    assert sdtm.stems("rs") == ["rs_onco", "rs_onco_recist"]
    assert sdtm.notes[:4] == [
        "TU, TR and RS are taken from one family of datasets, '_onco' (254 subjects), rather than "
        "'_onco_recist' (8 subjects), so that lesions, measurements and responses belong together.",
        "RS: 2 datasets (rs_onco 205 subjects, rs_onco_recist 8 subjects); using rs_onco. "
        "Set [datasets] rs = ... to choose.",
        "TR: 2 datasets (tr_onco 254 subjects, tr_onco_recist 8 subjects); using tr_onco. "
        "Set [datasets] tr = ... to choose.",
        "TU: 2 datasets (tu_onco 254 subjects, tu_onco_recist 8 subjects); using tu_onco. "
        "Set [datasets] tu = ... to choose.",
    ]
    assert len(sdtm.domain("rs")) == 5808


def test_suppae_merged_onto_ae(sdtm):
    """README: SUPPAE QNAM AETRTEM, keyed by IDVAR=AESEQ, Y 1126 / N 65 (one per AE record)."""
    ae = sdtm.domain("ae", with_supp=True)
    assert len(ae) == 1191 and "AETRTEM" not in sdtm.domain("ae").columns
    assert ae["AETRTEM"].value_counts(dropna=False).to_dict() == {"Y": 1126, "N": 65}
    assert ae.attrs["labels"]["AETRTEM"] == "TREATMENT EMERGENT FLAG"


def test_suppdm_population_flags_are_subject_level(sdtm):
    """README: SUPPDM holds the flags of the 254 randomised subjects (IDVAR empty); screen
    failures (52) get none, so SAFETY is Y for 254 and missing for 52."""
    dm = sdtm.domain("dm", with_supp=True)
    assert len(dm) == 306
    assert {"ITT", "SAFETY", "EFFICACY", "COMPLT8", "COMPLT16", "COMPLT24"} <= set(dm.columns)
    assert dm["SAFETY"].value_counts(dropna=False).to_dict() == {"Y": 254, None: 52}
    assert dm.loc[dm["ARM"] == "Screen Failure", "ITT"].isna().all()


def test_prefer_selects_the_recist_family(pharmaverse_dir):
    """prefer={'rs': 'rs_onco_recist'}: TU and TR follow the same family (8 subjects each)."""
    data = read_sdtm(pharmaverse_dir, prefer={"RS": "rs_onco_recist"})
    assert (data.chosen["rs"], data.chosen["tu"], data.chosen["tr"]) == (
        "rs_onco_recist", "tu_onco_recist", "tr_onco_recist")
    assert data.notes == [
        "TR: 2 datasets (tr_onco 254 subjects, tr_onco_recist 8 subjects); using tr_onco_recist, the same "
        "family as the preferred rs_onco_recist. Set [datasets] tr = ... to choose.",
        "TU: 2 datasets (tu_onco 254 subjects, tu_onco_recist 8 subjects); using tu_onco_recist, the same "
        "family as the preferred rs_onco_recist. Set [datasets] tu = ... to choose.",
    ]
    assert data.domain("tu")["USUBJID"].nunique() == 8


def test_dm_one_row_per_subject(sdtm):
    assert not sdtm.domain("dm")["USUBJID"].duplicated().any()
    assert isinstance(sdtm.require("dm"), pd.DataFrame)
