"""Efficacy of the demo trial (virtual GQ1001, seed 1) with the demo's options: efficacy at >= 7.2 mg/kg.

Issue 7: the spider plot said "65 record(s) without date or value not shown", which were the visits of
patients outside the efficacy population; and the duration of response at 8.4 mg/kg had the CI "NR, NR"
around a median of 9.9 months. Expected values are plain pandas on the SDTM files.
"""

from __future__ import annotations

import pandas as pd
import pytest

from doseflow.readout.config import parse_config
from doseflow.readout.pipeline import run_readout

CONFIG = """
[efficacy]
evaluable_min_dose = 7.2
evaluable_dose_unit = "mg/kg"
sd_min_days = 35
death_window_days = 84
"""


@pytest.fixture(scope="module")
def demo(demo_sdtm_dir):
    return run_readout(demo_sdtm_dir, parse_config(CONFIG)), demo_sdtm_dir


def test_spider_shows_the_efficacy_population_and_the_note_counts_the_others(demo):
    readout, folder = demo
    ex, tr = pd.read_csv(folder / "ex.csv"), pd.read_csv(folder / "tr.csv")
    first = ex.sort_values(["USUBJID", "EXSTDTC"]).groupby("USUBJID").head(1).set_index("USUBJID")["EXDOSE"]
    outside = tr[tr["USUBJID"].map(first) < 7.2]
    visits = outside.loc[outside["TRGRPID"] == "TARGET", ["USUBJID", "VISIT"]].drop_duplicates()
    assert f"Efficacy: {outside['USUBJID'].nunique()} subject(s) with tumour measurements in tr.csv are not in the " \
           f"efficacy population (treated subjects (SAFFL Y) at doses >= 7.2 mg/kg); their {len(visits)} visit(s) " \
           "are not in the waterfall and spider plots." in readout.notes
    assert (outside["USUBJID"].nunique(), len(visits)) == (16, 65)
    spider = readout.get("efficacy_spider")
    assert set(spider.data["USUBJID"].map(first)) <= {7.2, 8.4}
    assert "not shown" not in spider.figure().axes[0].get_title()


def test_duration_of_response_lower_limit_is_not_above_the_median(demo):
    readout, _ = demo
    rows = readout.get("efficacy_dor").table().set_index("Group")
    assert rows.loc["8.4 mg/kg", "Median (months)"] == "9.9"
    assert rows.loc["8.4 mg/kg", "CI, log scale (months)"] == "9.9, NR"
