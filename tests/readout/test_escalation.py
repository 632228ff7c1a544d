"""The escalation story: cohorts from the data, the design replayed cohort by cohort, the recommended dose.

Expected decisions are the published rules, not the code: 3+3 (Storer 1989): 0/3 escalates, 1/3 stays
to treat 3 more, 1/6 escalates, >= 2 DLTs de-escalate; accelerated titration (Simon et al. 1997): one
patient per level until a grade >= 2 toxicity, which expands the level to a cohort of 3.
"""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from doseflow.core import DosePlan
from doseflow.designs import ThreePlusThree
from doseflow.designs.registry import build_design
from doseflow.errors import ConfigError
from doseflow.readout.config import parse_config
from doseflow.readout.escalation import (
    compute_window_grades,
    derive_cohorts,
    replay_design,
    tabulate_escalation,
)
from doseflow.readout.palette import DosePalette

PLAN = DosePlan.from_amounts([1.0, 2.0, 3.0, 4.0], "mg")


def patients(outcomes: str, *, grades: dict[str, int] | None = None) -> pd.DataFrame:
    """A patient frame from an outcome string ("1NNN 2NTN"): cohort k is the k-th token."""
    rows = []
    for k, token in enumerate(outcomes.split(), start=1):
        for j, letter in enumerate(token[1:]):
            pid = f"c{k}p{j}"
            rows.append({"USUBJID": pid, "DOSE_LEVEL": int(token[0]), "cohort": k, "evaluable": letter != "P",
                         "dlt": None if letter == "P" else letter == "T", "grade": (grades or {}).get(pid, 0)})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("outcomes, decisions", [
    ("1NNN 2NNN", [("escalate", 2), ("escalate", 3)]),
    ("1NNN 2NTN 2NNN", [("escalate", 2), ("stay", 2), ("escalate", 3)]),
    ("1NNN 2TTN", [("escalate", 2), ("de-escalate", 1)]),
], ids=["1NNN 2NNN", "1NNN 2NTN 2NNN", "1NNN 2TTN"])
def test_three_plus_three_replay(outcomes, decisions):
    rows, selection = replay_design(ThreePlusThree(), PLAN, patients(outcomes))
    assert [(r.decision, r.next_level) for r in rows] == decisions
    assert [r.outcome for r in rows] == outcomes.split()
    assert rows[0].recommended == 1 and all(r.reason for r in rows)
    assert [r.recommended for r in rows[1:]] == [d[1] for d in decisions[:-1]]


def test_not_evaluable_patients_are_shown_not_counted():
    rows, _ = replay_design(ThreePlusThree(), PLAN, patients("1NNP"))
    assert rows[0].outcome == "1NNP" and rows[0].decision == "stay"  # 2 evaluable of 3: treat more


def test_accelerated_titration_switches_at_a_grade_2_toxicity():
    design = build_design({"design": "accelerated", "base": {"design": "3+3"}})
    rows, _ = replay_design(design, PLAN, patients("1N 2N 2NN", grades={"c2p0": 2}))
    assert [(r.decision, r.next_level) for r in rows][:2] == [("escalate", 2), ("stay", 2)]
    assert "grade 2" in rows[1].reason and rows[1].rule == "accelerated.expand"


def test_cohorts_and_parts_from_suppdm_values_and_a_deviation_is_flagged():
    adsl = pd.DataFrame({
        "USUBJID": list("abcdefg"), "SAFFL": "Y", "DOSE_GROUP": ["1 mg"] * 3 + ["3 mg"] * 3 + ["2 mg"],
        "DOSE_LEVEL": [1, 1, 1, 3, 3, 3, 2], "TRTSDT": pd.to_datetime(["2022-01-03"] * 3 + ["2022-02-01"] * 3
                                                                       + ["2022-04-01"]),
        "COHORT": ["1", "1", "1", "2", "2", "2", "0"], "PART": ["ESCALATION"] * 6 + ["EXPANSION"]})
    dlt = pd.DataFrame({"USUBJID": list("abcdefg"), "evaluable": True, "dlt": [False] * 7, "events": ""})
    p = derive_cohorts(adsl, dlt)
    assert p["cohort"].tolist()[:6] == [1, 1, 1, 2, 2, 2] and pd.isna(p["cohort"].iloc[6])
    assert p["part"].tolist() == ["escalation"] * 6 + ["expansion"]
    readout_dlt = SimpleNamespace(subjects=dlt, statement="No DLT at any dose level.")
    res = tabulate_escalation(adsl, readout_dlt, design=ThreePlusThree(), plan=PLAN, grades=None,
                              palette=DosePalette.from_groups(["1 mg", "2 mg", "3 mg"]))
    assert "cohort 2 at level 3 (recommended 2)" in " ".join(res.notes)  # skipped level 2: shown, not corrected
    table = res.table()
    assert table["Cohort"].tolist() == ["1", "2", "expansion"] and table["Dose (level)"][1] == "3 mg (3)"
    assert res.to_dict()["n_expansion"] == 1 and res.figure() is not None
    assert res.mtd_statement == "No DLT at any dose level." and res.recommended.endswith(res.mtd_statement)


def test_without_cohort_data_or_design_the_story_says_so():
    adsl = pd.DataFrame({"USUBJID": list("ab"), "SAFFL": "Y", "DOSE_GROUP": ["A", "B"], "DOSE_LEVEL": [1, 2],
                         "TRTSDT": pd.to_datetime(["2022-01-03", "2022-01-09"])})
    res = tabulate_escalation(adsl, None, design=None, plan=None, grades=None, palette=DosePalette())
    notes = " ".join(res.notes)
    assert "no cohort variable" in notes and "No design was given" in notes
    assert res.table()["Patients"].tolist() == [1, 1] and not res.cohorts
    assert res.recommended.startswith("Recommended dose: not stated")


def test_window_grades_count_related_teaes_in_the_dlt_window():
    """Day 1 = first dose: a related grade-2 AE on day 21 counts for a 21-day window, one on day 22 does not;
    an unrelated grade-3 AE never counts."""
    adsl = pd.DataFrame({"USUBJID": ["a", "b", "c"], "SAFFL": "Y", "DOSE_GROUP": "1 mg", "DOSE_LEVEL": 1,
                         "TRTSDT": pd.to_datetime(["2022-01-01"] * 3), "TRTEDT": pd.to_datetime(["2022-03-01"] * 3)})
    ae = pd.DataFrame({"USUBJID": ["a", "b", "c"], "AESTDTC": ["2022-01-21", "2022-01-22", "2022-01-05"],
                       "AEBODSYS": "X", "AEDECOD": "Y", "AETOXGR": ["2", "2", "3"],
                       "AEREL": ["RELATED", "RELATED", "NOT RELATED"]})
    grades = compute_window_grades(ae, adsl, window_days=21, related_values=("RELATED",),
                                   missing_relationship="related", teae_window_days=30)
    assert grades.to_dict() == {"a": 2, "b": 0, "c": 0}


def test_design_config_errors_name_the_table():
    with pytest.raises(ConfigError, match=r"^r\.toml \[design\] design: must be one of"):
        parse_config('[design]\ndesign = "4+4"', source="r.toml")
    with pytest.raises(ConfigError, match=r"\[design\] option 'cohort': must be an option of 3\+3"):
        parse_config('[design]\ndesign = "3+3"\ncohort = 3')
    assert parse_config("").design.design is None
