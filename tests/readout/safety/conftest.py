"""Fixtures of the safety tests: a hand-made ADSL and AE whose counts are derived by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

GI = "GASTROINTESTINAL DISORDERS"
GEN = "GENERAL DISORDERS AND ADMINISTRATION SITE CONDITIONS"
BLOOD = "BLOOD AND LYMPHATIC SYSTEM DISORDERS"
NERV = "NERVOUS SYSTEM DISORDERS"


@pytest.fixture
def adsl():
    """Level 1 "1.2 mg/kg": A1, A2 (N=2); level 2 "2.4 mg/kg": B1, B2, B3 (N=3); S9 screen failure.

    Everyone treated from 2022-01-10 to 2022-02-28, so TRTEDT + 30 days = 2022-03-30.
    """
    ids = ["A1", "A2", "B1", "B2", "B3", "S9"]
    treated = [True] * 5 + [False]
    return pd.DataFrame({
        "USUBJID": ids, "SAFFL": ["Y" if t else "N" for t in treated],
        "DOSE_GROUP": ["1.2 mg/kg"] * 2 + ["2.4 mg/kg"] * 3 + [np.nan],
        "DOSE_LEVEL": pd.array([1, 1, 2, 2, 2, None], dtype="Int64"),
        "DOSE": [1.2, 1.2, 2.4, 2.4, 2.4, np.nan],
        "TRTSDT": pd.to_datetime(["2022-01-10"] * 5 + [None]),
        "TRTEDT": pd.to_datetime(["2022-02-28"] * 5 + [None]),
        "DTHDT": pd.to_datetime([None, None, None, "2022-04-02", None, None]),
    })


@pytest.fixture
def ae():
    """Events, with what the rules make of them.

    A1 NAUSEA x3, grades 1, 3, 2; AEREL PROBABLE, NONE, NONE -> TEAE worst 3; TRAE worst 1.
    A2 VOMITING grade 2, REMOTE -> TEAE, not related.
    B1 NAUSEA grade 1 on 2022-03-30 = TRTEDT + 30 -> emergent (window inclusive); AEREL missing -> related.
    B1 PYREXIA on 2022-03-31, the day after TRTEDT + 30 -> not emergent.
    B2 PYREXIA grade 2, no start date -> emergent; POSSIBLE -> related.
    B2 HEADACHE "2021-12" (month before TRTSDT's month) -> 2021-12-01, not emergent.
    B3 ANAEMIA grade 3 "2022-01" (TRTSDT's month) -> 2022-01-10, not 01-01: emergent; NOT RELATED.
    B3 FATIGUE 2021-12-20, before the first dose -> not emergent.
    S9 NAUSEA: outside the safety population -> not tabulated, noted.
    """
    rows = [
        ("A1", "2022-01-12", GI, "NAUSEA", "1", "PROBABLE"),
        ("A1", "2022-01-20", GI, "NAUSEA", "3", "NONE"),
        ("A1", "2022-02-01", GI, "NAUSEA", "2", "NONE"),
        ("A2", "2022-01-15", GI, "VOMITING", "2", "REMOTE"),
        ("B1", "2022-03-30", GI, "NAUSEA", "1", np.nan),
        ("B1", "2022-03-31", GEN, "PYREXIA", "1", "PROBABLE"),
        ("B2", np.nan, GEN, "PYREXIA", "2", "POSSIBLE"),
        ("B2", "2021-12", NERV, "HEADACHE", "1", "PROBABLE"),
        ("B3", "2022-01", BLOOD, "ANAEMIA", "3", "NOT RELATED"),
        ("B3", "2021-12-20", GEN, "FATIGUE", "1", "PROBABLE"),
        ("S9", "2022-01-11", GI, "NAUSEA", "1", "PROBABLE"),
    ]
    return pd.DataFrame(rows, columns=["USUBJID", "AESTDTC", "AEBODSYS", "AEDECOD", "AETOXGR", "AEREL"])
