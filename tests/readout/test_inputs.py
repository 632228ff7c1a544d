"""Input checks name the file's line: index + first row of a frame read from a file, else the record number."""

from __future__ import annotations

import pandas as pd
import pytest

from doseflow.errors import DataError
from doseflow.readout.inputs import validate_columns, validate_numeric, validate_subjects


def read_like_cdisc(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    frame = frame.copy()
    frame.attrs = {"source": name, "first_row": 2}
    return frame


def test_rows_are_file_lines_even_after_filtering():
    ex = read_like_cdisc(pd.DataFrame({"USUBJID": ["1", "2", "3"], "EXDOSE": ["54", "x", "-1"]}), "ex.csv")
    with pytest.raises(DataError, match=r"^ex\.csv row 3, column EXDOSE: must be a number; got 'x'\.$"):
        validate_numeric(ex, "ex", "EXDOSE")
    with pytest.raises(DataError, match=r"^ex\.csv row 4, column EXDOSE: must be a number >= 0; got -1\.0\.$"):
        validate_numeric(ex[ex["USUBJID"] != "2"], "ex", "EXDOSE", minimum=0)
    with pytest.raises(DataError, match=r"^ex row 2, column EXDOSE: must be a finite number; got 'inf'\.$"):
        validate_numeric(pd.DataFrame({"EXDOSE": ["1", "inf"]}), "ex", "EXDOSE")


def test_missing_variable_and_unknown_subjects():
    ae = read_like_cdisc(pd.DataFrame({"USUBJID": ["1", "9", "8 ", "8"]}), "ae.csv")
    with pytest.raises(DataError, match=r"^ae\.csv variable AEDECOD: must be present"):
        validate_columns(ae, "ae", ("USUBJID", "AEDECOD"))
    with pytest.raises(DataError) as err:
        validate_subjects(ae, "ae", ["1", "8"], reference="DM (dm.csv)")
    assert str(err.value) == ("ae.csv row 3, column USUBJID: must be a subject of DM (dm.csv); got '9'. 2 subjects "
                              "of ae.csv are not in DM (dm.csv) ('8 ', '9').")
    assert validate_subjects(ae, "ae", ["1", "8"], on_unknown="note") == ["8 ", "9"]
