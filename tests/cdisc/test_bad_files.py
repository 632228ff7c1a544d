"""Bad files: each error names the file, the row (CSV line, header = line 1), column and value.

Every expected row number is derived by hand from the file the test writes: the header is
line 1, so record k (1-based) is on line k + 1; XPT rows are record numbers.
"""

from __future__ import annotations

import re

import pandas as pd
import pyreadstat
import pytest

from doseflow.cdisc import merge_supp, read_domain, read_sdtm, write_domain
from doseflow.errors import ConfigError, DataError

AE_HEADER = "STUDYID,DOMAIN,USUBJID,AESEQ,AETERM,AEDECOD,AESER,AETOXGR,AESTDTC"
AE_ROWS = [
    "S1,AE,S1-001,1,Nausea,NAUSEA,N,1,2024-03-01",
    "S1,AE,S1-001,2,Headache,HEADACHE,N,2,2024-03-02T10:15",
    "S1,AE,S1-002,1,Rash,RASH,Y,3,2024-03",
]


def write_ae(folder, rows=None, header=AE_HEADER, name="ae.csv"):
    path = folder / name
    path.write_text("\n".join([header, *(AE_ROWS if rows is None else rows)]) + "\n")
    return path


def exact(message: str) -> str:
    return "^" + re.escape(message) + "$"


def test_good_ae_file_reads(tmp_path):
    ae = read_domain(write_ae(tmp_path))
    assert ae["AESEQ"].tolist() == [1.0, 2.0, 1.0]
    assert ae["AETOXGR"].tolist() == ["1", "2", "3"]


def test_non_numeric_cell_in_num_column_names_line_column_value(tmp_path):
    """16 records: the 16th is on line 17 (header = line 1), as in the design's example."""
    header = "STUDYID,DOMAIN,USUBJID,PCSEQ,PCTESTCD,PCTEST,PCSTRESN"
    rows = [f"S1,PC,S1-001,{k},XAN,XANOMELINE,{0.5 * k}" for k in range(1, 16)]
    rows.append("S1,PC,S1-001,16,XAN,XANOMELINE,BLQ")
    (tmp_path / "pc.csv").write_text("\n".join([header, *rows]) + "\n")
    with pytest.raises(DataError, match=exact("pc.csv row 17, column PCSTRESN: must be a number; got 'BLQ'.")):
        read_sdtm(tmp_path)


def test_short_line_names_its_line_and_field_count(tmp_path):
    """A line cut to 4 of 9 fields (issue 7: pandas filled the rest with empty values, so the AE was
    counted with no SOC, as related). Line 3 = the second record; a blank line is skipped as pandas does."""
    rows = [AE_ROWS[0], ",".join(AE_ROWS[1].split(",")[:4]), "", AE_ROWS[2]]
    with pytest.raises(DataError, match=exact("ae.csv row 3: must be a line with 9 fields (as many as the header); "
                                              "got 4. A line was cut short or has an unquoted comma.")):
        read_domain(write_ae(tmp_path, rows))
    quoted = [AE_ROWS[0], 'S1,AE,S1-001,2,"Head, ache",HEADACHE,N,2,2024-03-02']
    assert read_domain(write_ae(tmp_path, quoted))["AETERM"].tolist() == ["Nausea", "Head, ache"]


def test_missing_required_variable_names_file_and_variable(tmp_path):
    header = AE_HEADER.replace(",AEDECOD", "")
    rows = [",".join(r.split(",")[:5] + r.split(",")[6:]) for r in AE_ROWS]
    path = write_ae(tmp_path, rows, header)
    with pytest.raises(DataError) as err:
        read_domain(path)
    assert str(err.value) == (
        "ae.csv: must be a dataset with every required variable of AE (STUDYID, DOMAIN, USUBJID, "
        "AESEQ, AETERM, AEDECOD); got no column AEDECOD. See CDISC SDTMIG v3.4 (2021), section "
        "6.2.1 Adverse Events (AE)."
    )
    assert err.value.value == ("AEDECOD",)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("2024/03/02", "must be an ISO 8601 date such as 2014-01-02 or 2014-01-02T11:45; got '2024/03/02'."),
        ("2023-02-29", "must be a calendar date that exists; got '2023-02-29'."),
        ("2024-13", "must be a calendar date that exists; got '2024-13'."),
    ],
    ids=["not-iso", "no-feb-29-in-2023", "month-13"],
)
def test_bad_date_names_line_column_value(tmp_path, bad, message):
    """The 2nd record (line 3) carries the bad AESTDTC; 2023 is not a leap year."""
    rows = [AE_ROWS[0], AE_ROWS[1].replace("2024-03-02T10:15", bad), AE_ROWS[2]]
    with pytest.raises(DataError, match=exact(f"ae.csv row 3, column AESTDTC: {message}")):
        read_domain(write_ae(tmp_path, rows))


def test_empty_csv_and_empty_xpt(tmp_path):
    (tmp_path / "ae.csv").write_text("")
    with pytest.raises(DataError, match=exact("ae.csv: must be a CSV file with a header line of variable names; got ''.")):
        read_sdtm(tmp_path)
    (tmp_path / "ae.csv").unlink()
    (tmp_path / "dm.xpt").write_bytes(b"")
    with pytest.raises(DataError, match=exact("dm.xpt: must be a SAS transport (XPT) file; got ''.")):
        read_sdtm(tmp_path)


def test_header_only_file_is_an_empty_dataset(tmp_path):
    ae = read_domain(write_ae(tmp_path, rows=[]))
    assert len(ae) == 0 and ae["AESEQ"].dtype == "float64"


def test_codelist_violation_names_codelist_and_value(tmp_path):
    """AESER uses NY (C66742); AETOXGR the CTCAE v5.0 grades 1-5. Bad values on record 3 = line 4."""
    rows = AE_ROWS[:2] + [AE_ROWS[2].replace(",Y,3,", ",X,3,")]
    with pytest.raises(DataError, match=exact(
        "ae.csv row 4, column AESER: must be one of 'N', 'NA', 'U', 'Y' (codelist NY, C66742); got 'X'."
    )):
        read_domain(write_ae(tmp_path, rows))
    rows = AE_ROWS[:2] + [AE_ROWS[2].replace(",Y,3,", ",Y,6,")]
    with pytest.raises(DataError, match=exact(
        "ae.csv row 4, column AETOXGR: must be one of '1', '2', '3', '4', '5' (codelist TOXGR); got '6'."
    )):
        read_domain(write_ae(tmp_path, rows))


def test_rs_response_values_are_not_restricted(tmp_path):
    """RSSTRESC has no fixed codelist: the pharmaverse uses 'CHECK'."""
    (tmp_path / "rs.csv").write_text(
        "STUDYID,DOMAIN,USUBJID,RSSEQ,RSTESTCD,RSTEST,RSSTRESC\nS1,RS,S1-001,1,OVRLRESP,Overall Response,CHECK\n"
    )
    assert read_domain(tmp_path / "rs.csv")["RSSTRESC"].tolist() == ["CHECK"]


def test_required_value_missing_and_duplicate_key(tmp_path):
    """SDTM Req variables are never null; USUBJID + AESEQ identifies one record."""
    rows = [AE_ROWS[0], AE_ROWS[1].replace("HEADACHE", ""), AE_ROWS[2]]
    with pytest.raises(DataError, match=exact(
        "ae.csv row 3, column AEDECOD: must be non-empty (AEDECOD is a required variable of AE); got ''."
    )):
        read_domain(write_ae(tmp_path, rows))
    rows = [AE_ROWS[0], AE_ROWS[1].replace("S1-001,2,", "S1-001,1.0,"), AE_ROWS[2]]
    with pytest.raises(DataError, match=exact(
        "ae.csv row 3, columns USUBJID, AESEQ: must be a key no other record has (row 2 has the same); "
        "got ('S1-001', 1.0)."
    )):
        read_domain(write_ae(tmp_path, rows))


def test_domain_column_must_hold_one_domain(tmp_path):
    rows = AE_ROWS[:2] + [AE_ROWS[2].replace(",AE,", ",CM,")]
    with pytest.raises(DataError, match=exact(
        "ae.csv row 4, column DOMAIN: must be 'AE'; got 'CM'. A dataset holds one domain."
    )):
        read_domain(write_ae(tmp_path, rows))


def test_xpt_rows_are_record_numbers_and_types_are_checked(tmp_path):
    frame = pd.DataFrame({
        "STUDYID": ["S1"] * 3, "DOMAIN": ["PC"] * 3, "USUBJID": ["S1-001"] * 3,
        "PCSEQ": [1.0, 2.0, 3.0], "PCTESTCD": ["XAN"] * 3, "PCTEST": ["XANOMELINE"] * 3,
        "PCSTRESN": ["0.1", "0.2", "BLQ"],
    })
    pyreadstat.write_xport(frame, str(tmp_path / "PC.XPT"), file_format_version=5)
    with pytest.raises(DataError, match=exact("PC.XPT row 3, column PCSTRESN: must be a number; got 'BLQ'.")):
        read_sdtm(tmp_path)
    frame["PCSTRESN"] = [0.1, 0.2, 0.3]
    frame["PCTEST"] = [1.0, 2.0, 3.0]
    pyreadstat.write_xport(frame, str(tmp_path / "PC.XPT"), file_format_version=5)
    with pytest.raises(DataError, match=exact(
        "PC.XPT column PCTEST: must be a character variable (text); got 'float64'. "
        "The specification says char; write it as text."
    )):
        read_domain(tmp_path / "PC.XPT")


def test_unknown_files_are_kept_with_a_note(tmp_path):
    write_ae(tmp_path)
    (tmp_path / "notes.csv").write_text("TOPIC,TEXT\nsite,closed early\nlab,\n")
    data = read_sdtm(tmp_path)
    assert data.notes == ["notes.csv: not a known SDTM/ADaM domain (NOTES); kept as dataset 'notes' without validation."]
    assert data.datasets["notes"]["TEXT"].tolist() == ["closed early", None]
    with pytest.raises(DataError, match=exact("notes.csv: must be a dataset of a known SDTM/ADaM domain; got 'NOTES'.")):
        read_domain(tmp_path / "notes.csv")


def test_missing_domain_and_require(tmp_path):
    write_ae(tmp_path)
    data = read_sdtm(tmp_path)
    assert data.domain("ex") is None
    assert data.notes == ["EX: no dataset in the folder."]
    with pytest.raises(DataError, match=exact(
        f"{tmp_path}: must be a folder with a EX dataset (ex.csv or ex.xpt); got ['ae']."
    )):
        data.require("ex")


def test_folder_errors(tmp_path):
    with pytest.raises(DataError, match=exact(f"folder: must be an existing folder of SDTM/ADaM .csv or .xpt files; got '{tmp_path / 'nope'}'.")):
        read_sdtm(tmp_path / "nope")
    with pytest.raises(DataError, match=exact(f"{tmp_path}: must be a folder with at least one .csv or .xpt file; got [].")):
        read_sdtm(tmp_path)


AE = pd.DataFrame({
    "STUDYID": ["S1"] * 3, "DOMAIN": ["AE"] * 3, "USUBJID": ["S1-001", "S1-001", "S1-002"],
    "AESEQ": [1.0, 2.0, 1.0], "AETERM": ["Nausea", "Headache", "Rash"],
    "AEDECOD": ["NAUSEA", "HEADACHE", "RASH"],
})


def supp_rows(*rows):
    frame = pd.DataFrame(rows, columns=["USUBJID", "IDVAR", "IDVARVAL", "QNAM", "QVAL"])
    frame.attrs = {"source": "suppae.csv", "first_row": 2}
    return frame


def test_merge_supp_keys_by_idvar_and_subject():
    """AESEQ is numeric, so IDVARVAL '2' matches AESEQ 2.0; an empty IDVAR is subject level."""
    out = merge_supp(AE, supp_rows(("S1-001", "AESEQ", "2", "AETRTEM", "Y"), ("S1-002", None, None, "AEXTRA", "Q")))
    assert out["AETRTEM"].tolist() == [None, "Y", None]
    assert out["AEXTRA"].tolist() == [None, None, "Q"]
    assert list(out.columns[:6]) == list(AE.columns)


def test_merge_supp_errors_name_the_supp_row():
    """Record k of suppae.csv is on line k + 1."""
    with pytest.raises(DataError, match=exact(
        "suppae.csv row 2, column QNAM: must be a name that is not already a column of the parent data; "
        "got 'AETERM'. Rename the qualifier or drop the parent column before merging."
    )):
        merge_supp(AE, supp_rows(("S1-001", "AESEQ", "1", "AETERM", "x")))
    with pytest.raises(DataError, match=exact(
        "suppae.csv row 3, columns USUBJID, IDVAR, IDVARVAL: must be the key of a record in the parent data; "
        "got ('S1-002', 'AESEQ', '7'). A supplemental qualifier must belong to a parent record."
    )):
        merge_supp(AE, supp_rows(("S1-001", "AESEQ", "1", "AETRTEM", "Y"), ("S1-002", "AESEQ", "7", "AETRTEM", "Y")))
    with pytest.raises(DataError, match=exact(
        "suppae.csv row 3, columns USUBJID, IDVAR, IDVARVAL, QNAM: must be the only value of its QNAM for a "
        "record of the parent data; got ('S1-001', 'AESEQ', '1.0', 'AETRTEM')."
    )):
        merge_supp(AE, supp_rows(("S1-001", "AESEQ", "1", "AETRTEM", "Y"), ("S1-001", "AESEQ", "1.0", "AETRTEM", "N")))
    with pytest.raises(DataError, match=exact(
        "suppae.csv row 2, column IDVARVAL: must be a number, as AESEQ is numeric; got 'one'."
    )):
        merge_supp(AE, supp_rows(("S1-001", "AESEQ", "one", "AETRTEM", "Y")))
    with pytest.raises(DataError, match=exact("suppae.csv row 2, column IDVAR: must be a variable of the parent data; got 'AEGRPID'.")):
        merge_supp(AE, supp_rows(("S1-001", "AEGRPID", "G1", "AETRTEM", "Y")))


def test_writer_checks_before_writing(tmp_path):
    bad = AE.assign(AETERM=["Nausea", "Céphalée", "Rash"])
    with pytest.raises(DataError, match=exact(
        "ae.xpt row 2, column AETERM: must be ASCII text of at most 200 characters (SAS XPT v5); got 'Céphalée'."
    )):
        write_domain(bad, tmp_path / "ae.xpt")
    with pytest.raises(DataError, match=exact(
        "ae.xpt column AELONGNAME: must be a SAS XPT v5 variable name (at most 8 letters, digits or _, "
        "not starting with a digit); got 'AELONGNAME'."
    )):
        write_domain(AE.assign(AELONGNAME="x"), tmp_path / "ae.xpt")
    with pytest.raises(DataError, match=exact("ae.csv row 3, column AESEQ: must be a number; got 'two'.")):
        write_domain(AE.assign(AESEQ=["1", "two", "1"]), tmp_path / "ae.csv")
    with pytest.raises(ConfigError, match=exact("format: must be 'csv' to match the file name ae.csv; got 'xpt'.")):
        write_domain(AE, tmp_path / "ae.csv", format="xpt")
    assert not any(tmp_path.iterdir())
    assert write_domain(bad, tmp_path / "ae.csv").name == "ae.csv"  # UTF-8 CSV takes any text
