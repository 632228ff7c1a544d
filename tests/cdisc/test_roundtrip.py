"""Property: any valid small frame written as CSV or XPT v5 reads back equal with read_sdtm.

Value ranges respect the formats, not the code under test: XPT v5 stores numbers as IBM
hexadecimal floating point (range about 5.4e-79 to 7.2e75, 56-bit fraction, so every IEEE
double in that range is exact) and text as blank-padded ASCII, so generated text has no
trailing blanks; CSV keeps any UTF-8 text.
"""

from __future__ import annotations

import string
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doseflow.cdisc import read_sdtm, write_domain

ASCII = string.ascii_letters + string.digits + " ,;:'\"-/.()<>"
text = st.text(alphabet=ASCII, min_size=1, max_size=30).filter(lambda s: s.strip() == s)
utf8 = st.text(alphabet=ASCII + "éüßµ±°", min_size=1, max_size=30).filter(lambda s: s.strip() == s)
number = st.one_of(
    st.just(0.0),
    st.floats(min_value=1e-70, max_value=1e70) | st.floats(min_value=-1e70, max_value=-1e-70),
    st.integers(min_value=-10**6, max_value=10**6).map(float),
)
dtc = st.one_of(
    st.dates(min_value=pd.Timestamp("1900-01-01").date(), max_value=pd.Timestamp("2099-12-31").date()).map(str),
    st.integers(min_value=1950, max_value=2050).map(str),
    st.tuples(st.integers(1950, 2050), st.integers(1, 12)).map(lambda t: f"{t[0]}-{t[1]:02d}"),
)


@st.composite
def ae_frames(draw, text_values=text):
    n = draw(st.integers(min_value=0, max_value=6))
    subjects = draw(st.lists(st.sampled_from(["S1-001", "S1-002", "S1-003"]), min_size=n, max_size=n))
    seq = pd.Series(subjects, dtype=object).groupby(subjects).cumcount().to_numpy(dtype=float) + 1 if n else []
    maybe = lambda s: st.none() | s  # noqa: E731
    frame = pd.DataFrame({
        "STUDYID": pd.Series(["S1"] * n, dtype=object),
        "DOMAIN": pd.Series(["AE"] * n, dtype=object),
        "USUBJID": pd.Series(subjects, dtype=object),
        "AESEQ": pd.Series(seq, dtype="float64"),
        "AETERM": pd.Series(draw(st.lists(text_values, min_size=n, max_size=n)), dtype=object),
        "AEDECOD": pd.Series(draw(st.lists(text_values, min_size=n, max_size=n)), dtype=object),
        "AESER": pd.Series(draw(st.lists(maybe(st.sampled_from(["Y", "N"])), min_size=n, max_size=n)), dtype=object),
        "AESTDTC": pd.Series(draw(st.lists(maybe(dtc), min_size=n, max_size=n)), dtype=object),
        "AESTDY": pd.Series(draw(st.lists(maybe(number), min_size=n, max_size=n)), dtype="float64"),
        "XNOTE": pd.Series(draw(st.lists(maybe(text_values), min_size=n, max_size=n)), dtype=object),
    })
    return frame


def read_back(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    with tempfile.TemporaryDirectory() as folder:
        write_domain(frame, Path(folder) / name)
        return read_sdtm(folder).require("ae")


@settings(derandomize=True, max_examples=40, deadline=None)
@given(ae_frames(text_values=utf8))
def test_csv_round_trip(frame):
    pd.testing.assert_frame_equal(read_back(frame, "ae.csv"), frame)


@settings(derandomize=True, max_examples=40, deadline=None)
@given(ae_frames())
def test_xpt_round_trip(frame):
    pd.testing.assert_frame_equal(read_back(frame, "AE.xpt"), frame)


@pytest.mark.parametrize("name", ["adsl.csv", "ADSL.xpt"])
def test_adam_dates_round_trip(tmp_path, name):
    """ADaM DATE9. variables: datetime64 in, ISO text (CSV) or SAS date (XPT), datetime64 out."""
    adsl = pd.DataFrame({
        "STUDYID": ["S1", "S1"], "USUBJID": ["S1-001", "S1-002"], "SUBJID": ["001", "002"],
        "SITEID": ["01", "01"], "AGE": [63.0, 71.0], "AGEU": ["YEARS", "YEARS"], "SEX": ["F", "M"],
        "RACE": ["WHITE", "ASIAN"], "ARM": ["Dose 1", "Dose 2"], "ACTARM": ["Dose 1", "Dose 2"],
        "TRT01P": ["Dose 1", "Dose 2"],
        "TRTSDT": pd.to_datetime(["2014-01-02", None]).astype("datetime64[ns]"),
        "SAFFL": ["Y", "N"],
    }).astype({c: object for c in ["STUDYID", "USUBJID", "SUBJID", "SITEID", "AGEU", "SEX", "RACE",
                                   "ARM", "ACTARM", "TRT01P", "SAFFL"]})
    write_domain(adsl, tmp_path / name)
    back = read_sdtm(tmp_path).require("adsl")
    pd.testing.assert_frame_equal(back, adsl)
    if name.endswith(".csv"):
        assert (tmp_path / name).read_text().splitlines()[1].endswith(",2014-01-02,Y")
    assert np.isnat(back["TRTSDT"].to_numpy()[1])
