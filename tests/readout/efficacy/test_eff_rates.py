"""ORR/DCR against the example trial (GQ1001 phase Ia) and hand-made populations."""

from __future__ import annotations

import pandas as pd
import pytest

from doseflow.errors import ConfigError, DataError
from doseflow.readout.efficacy.rates import tabulate_response_rates


def _example_trial():
    """32 subjects: 17 below 7.2 mg/kg (all PD or NE), 15 at 7.2/8.4 mg/kg with 6 PR, 3 SD,
    5 PD and 1 NE (assessed) - the example trial's reported figures."""
    dose = [1.2] * 3 + [2.4] * 3 + [3.6] * 3 + [4.8] * 4 + [6.0] * 4 + [7.2] * 7 + [8.4] * 8
    level = {1.2: 1, 2.4: 2, 3.6: 3, 4.8: 4, 6.0: 5, 7.2: 6, 8.4: 7}
    bor = ["PD"] * 15 + ["MISSING", "MISSING"] + ["PR", "PR", "PR", "SD", "PD", "PD", "NE"] + \
          ["PR", "PR", "PR", "SD", "SD", "PD", "PD", "PD"]
    return pd.DataFrame({"USUBJID": [f"S{i:02d}" for i in range(32)], "DOSE": dose,
                         "DOSE_GROUP": [f"{d} mg/kg" for d in dose], "DOSE_LEVEL": [level[d] for d in dose],
                         "AVALC": bor, "N_ASSESS": [0 if b == "MISSING" else 2 for b in bor]})


def test_orr_dcr_example_trial_population_filter():
    """ORR 6/15 = 0.40 (0.1634-0.6771), DCR 9/15 = 0.60 (0.3229-0.8366) at >= 7.2 mg/kg;
    per group 7.2: ORR 3/7, DCR 4/7; 8.4: ORR 3/8, DCR 5/8 (counted by hand from the frame)."""
    bor = _example_trial()
    r = tabulate_response_rates(bor, population=lambda a: a.DOSE >= 7.2)
    d = r.data.set_index("GROUP")
    assert d.index.tolist() == ["7.2 mg/kg", "8.4 mg/kg", "Overall"]
    assert d.loc["Overall", ["N", "ORR_N", "DCR_N", "PR", "SD"]].tolist() == [15, 6, 9, 6, 3]
    assert d.loc["Overall", "ORR"] == pytest.approx(0.40) and d.loc["Overall", "DCR"] == pytest.approx(0.60)
    assert round(d.loc["Overall", "ORR_LCL"], 4) == 0.1634 and round(d.loc["Overall", "ORR_UCL"], 4) == 0.6771
    assert round(d.loc["Overall", "DCR_LCL"], 4) == 0.3229 and round(d.loc["Overall", "DCR_UCL"], 4) == 0.8366
    assert d.loc["7.2 mg/kg", ["ORR_N", "DCR_N", "N"]].tolist() == [3, 4, 7]
    assert d.loc["8.4 mg/kg", ["ORR_N", "DCR_N", "N"]].tolist() == [3, 5, 8]
    assert r.table().iloc[-1, 2] == "6 (40.0%) [16.3%, 67.7%]"


def test_evaluable_assessed_drops_unassessed_subjects():
    """All 32: ORR 6/32. With evaluable='assessed' the 2 MISSING subjects leave: ORR 6/30."""
    bor = _example_trial()
    assert tabulate_response_rates(bor, by=None).data.loc[0, ["N", "ORR_N"]].tolist() == [32, 6]
    r = tabulate_response_rates(bor, by=None, evaluable="assessed")
    assert r.data.loc[0, ["N", "ORR_N"]].tolist() == [30, 6]
    assert "2 subject(s) without a post-baseline assessment" in r.notes[0]


def test_dcr_non_cr_non_pd_option_and_errors():
    """BOR CR, NON-CR/NON-PD, PD: DCR 2/3 with NON-CR/NON-PD counted (default), 1/3 without."""
    bor = pd.DataFrame({"USUBJID": ["a", "b", "c"], "AVALC": ["CR", "NON-CR/NON-PD", "PD"]})
    assert tabulate_response_rates(bor, by=None).data.DCR_N[0] == 2
    assert tabulate_response_rates(bor, by=None, dcr_includes_non_cr_non_pd=False).data.DCR_N[0] == 1
    with pytest.raises(DataError):
        tabulate_response_rates(bor)  # no DOSE_GROUP column
    with pytest.raises(ConfigError):
        tabulate_response_rates(bor, by=None, population=lambda a: [1, 0, 1])


