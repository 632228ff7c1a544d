"""Fixtures for the readout tests: pharmaverse SDTM domains read as doseflow.cdisc.read_sdtm returns them.

Character variables are object dtype with missing as NaN; the numeric variables the tests use
are float64; dates stay ISO 8601 text. Each domain is read once per session.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

NUMERIC = {
    "dm": ("AGE",),
    "ex": ("EXDOSE", "EXSEQ"),
    "ae": ("AESEQ",),
    "lb": ("LBSTRESN", "LBSTNRLO", "LBSTNRHI"),
}


@pytest.fixture(scope="session")
def sdtm(pharmaverse_dir):
    """``sdtm("ae")`` returns a copy of the pharmaverse domain as a DataFrame."""
    cache: dict[str, pd.DataFrame] = {}

    def read(name: str) -> pd.DataFrame:
        if name not in cache:
            frame = pd.read_csv(pharmaverse_dir / f"{name}.csv", dtype=str, keep_default_na=False)
            frame = frame.mask(frame == "", np.nan)
            for col in NUMERIC.get(name, ()):
                frame[col] = frame[col].astype(float)
            cache[name] = frame
        return cache[name].copy()

    return read


@pytest.fixture(scope="session")
def demo_sdtm_dir(tmp_path_factory):
    """The SDTM folder of the demo trial (``doseflow insilico run --seed 1``, the virtual GQ1001 trial)."""
    from doseflow.cli.app import main

    folder = tmp_path_factory.mktemp("demo_seed1")
    assert main(["insilico", "run", "--seed", "1", "--out", str(folder)]) == 0
    return folder


@pytest.fixture(scope="session")
def pharmaverse_adsl(sdtm):
    """ADSL of the pharmaverse study grouped by actual arm (dose_by="arm")."""
    from doseflow.readout.adsl import derive_adsl

    return derive_adsl(sdtm("dm"), sdtm("ex"), ds=sdtm("ds"), suppdm=sdtm("suppdm"), dose_by="arm")
