"""Dose groups: the actual arm, the dose level of an escalation, placebo, the pooled column, the plan."""

from __future__ import annotations

import pandas as pd
import pytest

from doseflow.core import DoseLevel, DosePlan
from doseflow.readout.groups import assign_dose_groups, compute_dose_plan, placebo_groups, pooled_population


def subjects(arm, first, largest=None, placebo=None, unit="mg"):
    n = len(arm)
    return pd.DataFrame({"arm": arm, "first": first, "max": largest or first, "unit": unit,
                         "placebo": placebo or [False] * n}, index=[f"s{i}" for i in range(n)])


@pytest.mark.parametrize("arm, first, largest, placebo, labels, plan", [
    # arms that share a first dose (pharmaverse: high dose titrated from the low dose): the arms
    (["P", "Low", "High", "High"], [0.0, 54, 54, 54], [0.0, 54, 81, 81], [True, False, False, False],
     ["P", "Low", "High", "High"], None),
    # arms that are dose levels: labelled by their dose, one dose level each
    (["DL1", "DL2", "DL2"], [1.2, 2.4, 2.4], None, None, ["1.2 mg", "2.4 mg", "2.4 mg"], [1.2, 2.4]),
    # one arm for everyone: the first dose is the level
    (["Esc", "Esc", "Esc"], [2.4, 1.2, 2.4], [3.6, 1.2, 2.4], None, ["2.4 mg", "1.2 mg", "2.4 mg"], [1.2, 2.4]),
], ids=["arms-sharing-a-dose", "arms-are-levels", "one-arm"])
def test_auto_rule(arm, first, largest, placebo, labels, plan):
    out, rule, notes, got = assign_dose_groups(subjects(arm, first, largest, placebo))
    assert out["DOSE_GROUP"].tolist() == labels
    assert (None if got is None else [lv.amount for lv in got]) == plan
    assert notes == []


def test_forced_rules_and_levels_order_placebo_first():
    s = subjects(["P", "Low", "High", "High"], [0.0, 54, 54, 54], [0.0, 54, 81, 81], [True, False, False, False])
    out, _, _, plan = assign_dose_groups(s, "max_dose")
    assert out["DOSE_GROUP"].tolist() == ["Placebo", "54 mg", "81 mg", "81 mg"]
    assert out["DOSE_LEVEL"].tolist() == [1, 2, 3, 3] and [lv.amount for lv in plan] == [54.0, 81.0]
    out, _, _, plan = assign_dose_groups(s, "first_dose")
    assert out["DOSE_GROUP"].tolist() == ["Placebo", "54 mg", "54 mg", "54 mg"] and [lv.amount for lv in plan] == [54.0]


def test_pooled_population_and_plan_of_a_hand_built_adsl():
    """Without attrs (an ADaM or hand-built ADSL) the plan comes from the columns: one DOSE per group."""
    adsl = pd.DataFrame({"USUBJID": list("abcd"), "SAFFL": "Y", "DOSE_GROUP": ["Placebo", "1 mg", "2 mg", "2 mg"],
                         "DOSE_LEVEL": [1, 2, 3, 3], "DOSE": [0.0, 1.0, 2.0, 2.0], "DOSEU": "mg"})
    assert placebo_groups(adsl) == {"Placebo"}
    n, label, pooled = pooled_population(adsl)
    assert n.to_dict() == {"Placebo": 1, "1 mg": 1, "2 mg": 2, "All active": 3} and pooled == ["1 mg", "2 mg"]
    assert compute_dose_plan(adsl) == DosePlan((DoseLevel("1 mg", 1.0, "mg"), DoseLevel("2 mg", 2.0, "mg")))
    arms = adsl.assign(DOSE=[0.0, 1.0, 2.0, 3.0])
    assert compute_dose_plan(arms) is None  # the "2 mg" group holds two doses: not a dose level
    arms.attrs["dose_plan"] = None
    assert compute_dose_plan(arms.assign(DOSE=[0.0, 1.0, 2.0, 2.0])) is None  # the ADSL says: arms
