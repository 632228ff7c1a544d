"""Tests of accelerated titration (Simon et al. 1997, J Natl Cancer Inst 89:1138-1147).

Rule used for the expected values: one patient per level from the start dose while
there is no trigger; trigger = the first DLT or the ``trigger_count``-th patient with
a treatment-related toxicity of grade >= ``trigger_grade`` (default: the first grade
>= 2); the level where it happened gets 2 more patients (a cohort of 3) and the 3+3
decides from then on. Without a trigger, after ``max_single_levels`` single-patient
levels, a cohort of 3 goes to the next level (2 more at the top level if the cap is
the top).
"""

from __future__ import annotations

import dataclasses
import pickle

import pytest

from doseflow.core import DosePlan, TrialState
from doseflow.designs.wrappers.accelerated import AcceleratedTitration
from doseflow.designs.rule_based.threeplusthree import ThreePlusThree
from doseflow.errors import ConfigError

PLAN = DosePlan.of_size(5)


def _trial(*cohorts, plan=PLAN):
    """Cohorts as (level, [(dlt, grade), ...])."""
    s = TrialState(plan)
    for level, pts in cohorts:
        s = s.with_cohort(level, [p[0] for p in pts], worst_grades=[p[1] for p in pts])
    return s


def _key(d):
    return d.action, d.next_dose, d.cohort_size, d.rule


def test_titration_then_trigger_by_grade_2():
    """1 patient at 1 (grade 1) -> 1 at 2 (grade 2: trigger) -> 2 more at 2 -> 3+3."""
    design = AcceleratedTitration(ThreePlusThree())
    assert _key(design.decide(TrialState(PLAN))) == ("stay", 1, 1, "accelerated.titrate")
    s = _trial((1, [(False, 1)]))
    assert _key(design.decide(s)) == ("escalate", 2, 1, "accelerated.titrate")
    s = _trial((1, [(False, 1)]), (2, [(False, 2)]))
    d = design.decide(s)
    assert _key(d) == ("stay", 2, 2, "accelerated.expand")
    assert "grade 2" in d.reason and "level 2" in d.reason
    s = _trial((1, [(False, 1)]), (2, [(False, 2)]), (2, [(False, 0), (False, 1)]))
    assert _key(design.decide(s)) == ("escalate", 3, 3, "3+3.escalate")


def test_trigger_by_dlt_then_3plus3_expansion():
    """A DLT in the single patient at level 2: 2 more there (1/3 so far); then 1 DLT in 3
    is the 3+3's "3 more at the same level"."""
    design = AcceleratedTitration(ThreePlusThree())
    s = _trial((1, [(False, 0)]), (2, [(True, 3)]))
    d = design.decide(s)
    assert _key(d) == ("stay", 2, 2, "accelerated.expand")
    assert d.reason.startswith("A DLT at level 2")
    s = _trial((1, [(False, 0)]), (2, [(True, 3)]), (2, [(False, 0), (False, 0)]))
    assert _key(design.decide(s)) == ("stay", 2, 3, "3+3.expand")


def test_trigger_count_two_as_simon_designs():
    """trigger_count=2 (Simon designs 2-4): the first grade-2 toxicity does not end
    titration, the second does."""
    design = AcceleratedTitration(ThreePlusThree(), trigger_count=2)
    s = _trial((1, [(False, 2)]))
    assert _key(design.decide(s)) == ("escalate", 2, 1, "accelerated.titrate")
    s = _trial((1, [(False, 2)]), (2, [(False, 2)]))
    assert _key(design.decide(s)) == ("stay", 2, 2, "accelerated.expand")
    # a DLT still ends titration at once
    s = _trial((1, [(True, 3)]))
    assert _key(design.decide(s)) == ("stay", 1, 2, "accelerated.expand")


def test_trigger_grade_three():
    """trigger_grade=3: grade-2 toxicity does not end titration."""
    design = AcceleratedTitration(ThreePlusThree(), trigger_grade=3)
    s = _trial((1, [(False, 2)]))
    assert _key(design.decide(s)) == ("escalate", 2, 1, "accelerated.titrate")


def test_cap_switches_to_cohorts_of_three():
    """max_single_levels=2: after single patients at 1 and 2 without trigger, 3 at level 3."""
    design = AcceleratedTitration(ThreePlusThree(), max_single_levels=2)
    s = _trial((1, [(False, 0)]), (2, [(False, 1)]))
    assert _key(design.decide(s)) == ("escalate", 3, 3, "accelerated.switch")
    s = _trial((1, [(False, 0)]), (2, [(False, 1)]), (3, [(False, 0)] * 3))
    assert _key(design.decide(s)) == ("escalate", 4, 3, "3+3.escalate")


def test_cap_at_top_level():
    """Titration reaching the top level without trigger: 2 more there to make 3."""
    design = AcceleratedTitration(ThreePlusThree())
    plan = DosePlan.of_size(2)
    s = _trial((1, [(False, 0)]), (2, [(False, 0)]), plan=plan)
    assert _key(design.decide(s)) == ("stay", 2, 2, "accelerated.switch")
    s = _trial((1, [(False, 0)]), (2, [(False, 0)]), (2, [(False, 0)] * 2), plan=plan)
    d = design.decide(s)
    assert (d.action, d.rule) == ("stop", "3+3.top_cleared")
    assert design.select_mtd(s).dose == 2


def test_waits_for_pending_single_patient():
    design = AcceleratedTitration(ThreePlusThree())
    s = TrialState(PLAN).with_cohort(1, [None])
    assert _key(design.decide(s)) == ("stay", 1, 0, "accelerated.wait")


def test_deescalation_into_single_patient_level():
    """Levels 1 and 2 single (no trigger, cap 2), level 3: 3 patients 0 DLT, level 4: 2/3.
    Variant B: de-escalate to 3 (3 patients) for 3 more; 0/6 at 3 -> MTD 3. If instead
    level 3 fails (2 DLTs), go to 2, which has 1 patient: 2 more to complete 3."""
    design = AcceleratedTitration(ThreePlusThree(), max_single_levels=2)
    base = [(1, [(False, 0)]), (2, [(False, 1)]), (3, [(False, 0)] * 3)]
    s = _trial(*base, (4, [(True, 3), (True, 3), (False, 1)]))
    assert _key(design.decide(s)) == ("de-escalate", 3, 3, "3+3.deescalate")
    s2 = _trial(*base, (4, [(True, 3), (True, 3), (False, 1)]), (3, [(False, 0)] * 3))
    assert design.decide(s2).rule == "3+3.mtd_found"
    sel = design.select_mtd(s2)
    assert sel.dose == 3 and "titration" in sel.reason
    s3 = _trial(*base, (4, [(True, 3), (True, 3), (False, 1)]), (3, [(True, 3), (True, 3), (False, 0)]))
    assert _key(design.decide(s3)) == ("de-escalate", 2, 2, "3+3.deescalate")


def test_gq1001_like_trial_without_dlt():
    """Example trial GQ1001 (AACR 2023 CT178): 7 levels 1.2-8.4 mg/kg, no DLT.
    Single patients at the lowest two levels, then 3 per level at levels 3-7:
    2 + 5 x 3 = 17 patients, top level cleared, "MTD not reached" at 8.4 mg/kg."""
    plan = DosePlan.from_amounts([1.2, 2.4, 3.6, 4.8, 6.0, 7.2, 8.4], "mg/kg")
    design = AcceleratedTitration(ThreePlusThree(), max_single_levels=2)
    s = TrialState(plan)
    for _ in range(20):
        d = design.decide(s)
        if d.action == "stop":
            break
        s = s.with_cohort(d.next_dose, [False] * d.cohort_size, worst_grades=[1] * d.cohort_size)
    assert d.rule == "3+3.top_cleared"
    assert s.n_patients == 17
    assert s.n_per_dose.tolist() == [1, 1, 3, 3, 3, 3, 3]
    mtd = design.select_mtd(s).dose
    assert str(plan.level(mtd)) == "8.4 mg/kg"


def test_config():
    d = AcceleratedTitration(ThreePlusThree(variant="A"), max_single_levels=2)
    assert pickle.loads(pickle.dumps(d)) == d
    assert d.first_cohort_size == 1 and d.base.first_cohort_size == 3 and AcceleratedTitration.name == "accelerated"
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.trigger_grade = 3  # type: ignore[misc]
    with pytest.raises(ConfigError, match=r"AcceleratedTitration.base: must be a design .*got 'str'"):
        AcceleratedTitration("3+3")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"AcceleratedTitration.max_single_levels: .*got 0"):
        dataclasses.replace(d, max_single_levels=0)
    with pytest.raises(ConfigError, match=r"AcceleratedTitration.trigger_grade: .*got 6"):
        AcceleratedTitration(ThreePlusThree(), trigger_grade=6)
    with pytest.raises(ConfigError, match=r"AcceleratedTitration.trigger_count: .*got 0"):
        AcceleratedTitration(ThreePlusThree(), trigger_count=0)


def test_deterministic_and_non_mutating():
    design = AcceleratedTitration(ThreePlusThree())
    s = _trial((1, [(False, 1)]), (2, [(False, 2)]))
    before = (s.records, s.current)
    assert design.decide(s) == design.decide(s)
    assert (s.records, s.current) == before
