"""derive_dt: ADaM analysis dates from --DTC, hand-derived from the calendar.

Rules (ADaMIG v1.3 §3.3.3, admiral impute_dtc_dt): "first" -> day 1 / January, "mid" -> day 15 /
30 June, "last" -> last day of the month / December; a missing time is 00:00:00, or 23:59:59
with "last". February has 28 days in 2014 and 29 in 2016 (divisible by 4, not by 100).
"""

from __future__ import annotations

import doctest
import importlib
import re

import pandas as pd
import pytest

from doseflow.cdisc import derive_dt
from doseflow.errors import ConfigError, DataError

VALUES = ["2014-01-03T10:30", "2014-02", "2016-02", "2014", None]


@pytest.mark.parametrize(
    ("impute", "dates", "dtf"),
    [
        ("first", ["2014-01-03", "2014-02-01", "2016-02-01", "2014-01-01", None], [None, "D", "D", "M", None]),
        ("mid", ["2014-01-03", "2014-02-15", "2016-02-15", "2014-06-30", None], [None, "D", "D", "M", None]),
        ("last", ["2014-01-03", "2014-02-28", "2016-02-29", "2014-12-31", None], [None, "D", "D", "M", None]),
    ],
)
def test_imputed_dates_and_flags(impute, dates, dtf):
    out = derive_dt(pd.DataFrame({"AESTDTC": VALUES}), "AESTDTC", impute=impute)
    got = [None if pd.isna(d) else d.strftime("%Y-%m-%d") for d in out["ASTDT"]]
    assert got == dates
    assert out["ASTDTF"].tolist() == dtf
    assert "flags" not in out.columns


def test_time_flags_and_datetime():
    """10:30 lacks seconds (TMF S); a date alone lacks the hour (TMF H), 23:59:59 with "last"."""
    out = derive_dt(pd.DataFrame({"AEENDTC": ["2014-01-03T10:30", "2014-01-04", "2014-01-05T08:15:59"]}),
                    "AEENDTC", impute="last")
    assert list(out.columns[-4:]) == ["AENDT", "AENDTM", "AENDTF", "AENTMF"]
    assert out["AENTMF"].tolist() == ["S", "H", None]
    assert out["AENDTM"].dt.strftime("%Y-%m-%dT%H:%M:%S").tolist() == [
        "2014-01-03T10:30:59", "2014-01-04T23:59:59", "2014-01-05T08:15:59"]
    assert out["AENDT"].dt.strftime("%H:%M").tolist() == ["00:00", "00:00", "00:00"]


def test_partial_dates_without_imputation_are_nat_with_a_reason():
    frame = pd.DataFrame({"RSDTC": ["2014-01-03", "2014-02"], "flags": ["visit moved", None]})
    out = derive_dt(frame, "RSDTC")
    assert pd.isna(out["ADT"].iloc[1]) and out["ADTF"].tolist() == [None, None]
    assert out["flags"].tolist() == ["visit moved", "ADT: partial date '2014-02' not imputed"]


def test_errors_name_file_row_and_column():
    frame = pd.DataFrame({"AESTDTC": ["2014-01-03", "2014-02-30"]})
    frame.attrs = {"source": "ae.csv", "first_row": 2}
    with pytest.raises(DataError, match=re.escape(
        "ae.csv row 3, column AESTDTC: must be a calendar date that exists; got '2014-02-30'.")):
        derive_dt(frame, "AESTDTC")
    with pytest.raises(ConfigError, match=re.escape("impute: must be one of None, 'first', 'mid', 'last'; got 'max'.")):
        derive_dt(frame, "AESTDTC", impute="max")
    with pytest.raises(ConfigError, match=re.escape(
        "prefix: must be given, as BRTHDTC does not follow the --DTC / --STDTC / --ENDTC naming; got None.")):
        derive_dt(pd.DataFrame({"BRTHDTC": ["1950"]}), "BRTHDTC")
    assert "BRTHDT" in derive_dt(pd.DataFrame({"BRTHDTC": ["1950-12-26"]}), "BRTHDTC", prefix="BRTH").columns


@pytest.mark.parametrize("module", ["spec", "validate", "read", "supp", "write", "derive_dates"])
def test_docstring_examples_run(module):
    result = doctest.testmod(importlib.import_module(f"doseflow.cdisc.{module}"), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
