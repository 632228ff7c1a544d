"""Fixtures for the efficacy tests: pharmaverse SDTM read with plain pandas and an ADSL built by hand.

ADSL here is built with plain pandas, independently of doseflow.readout.adsl (as the brief
asks): TRTSDT = earliest EX.EXSTDTC, TRTEDT = latest EX.EXENDTC, RANDDT = DS.DSSTDTC of
DSDECOD "RANDOMIZED", DTHDT = DM.DTHDTC, DOSE = largest EX.EXDOSE (mg), DOSE_GROUP =
DM.ACTARM, DOSE_LEVEL = 1-based rank of DOSE (Placebo 0 mg = 1, 54 mg = 2, 81 mg = 3).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


def _read(path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame = frame.mask(frame == "", np.nan)
    for col in ("EXDOSE", "TRSTRESN", "VISITNUM"):
        if col in frame:
            frame[col] = frame[col].astype(float)
    return frame


@pytest.fixture(scope="session")
def efficacy_sdtm(pharmaverse_dir):
    """``efficacy_sdtm("rs_onco")``: a copy of one pharmaverse domain (read once)."""
    cache: dict[str, pd.DataFrame] = {}

    def read(name: str) -> pd.DataFrame:
        if name not in cache:
            cache[name] = _read(pharmaverse_dir / f"{name}.csv")
        return cache[name].copy()

    return read


@pytest.fixture(scope="session")
def efficacy_adsl(efficacy_sdtm) -> pd.DataFrame:
    """One row per treated subject (254) with the ADSL columns the efficacy functions use."""
    dm, ex, ds = efficacy_sdtm("dm"), efficacy_sdtm("ex"), efficacy_sdtm("ds")
    ex["START"] = pd.to_datetime(ex["EXSTDTC"])
    ex["END"] = pd.to_datetime(ex["EXENDTC"])
    adsl = ex.groupby("USUBJID").agg(TRTSDT=("START", "min"), TRTEDT=("END", "max"),
                                     DOSE=("EXDOSE", "max")).reset_index()
    adsl["DOSEU"] = "mg"
    rand = ds.loc[ds["DSDECOD"] == "RANDOMIZED"].set_index("USUBJID")["DSSTDTC"]
    adsl["RANDDT"] = pd.to_datetime(adsl["USUBJID"].map(rand))
    dmi = dm.set_index("USUBJID")
    adsl["DTHDT"] = pd.to_datetime(adsl["USUBJID"].map(dmi["DTHDTC"]))
    adsl["DOSE_GROUP"] = adsl["USUBJID"].map(dmi["ACTARM"])
    adsl["DOSE_LEVEL"] = adsl["DOSE"].rank(method="dense").astype(int)
    adsl["SAFFL"] = "Y"
    return adsl
