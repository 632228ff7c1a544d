"""Dose-modification rule of the virtual trial, cases by hand (rule in its docstring)."""

import numpy as np
import pytest

from doseflow.insilico.trial import ACTION_LABELS, decide_dose_modification


def _run(grades, predose, level, reductions, held, **kw):
    m = decide_dose_modification({k: np.array([v]) for k, v in grades.items()}, np.array([predose]),
                                 np.array([level]), np.array([reductions]), np.array([held]), **kw)
    return int(m.level[0]), int(m.reductions[0]), bool(m.hold[0]), bool(m.discontinue[0]), ACTION_LABELS[int(m.action[0])]


@pytest.mark.parametrize("grades, predose, level, reductions, held, expected", [
    ({"Vomiting": 2}, 0, 6, 0, False, (6, 0, False, False, "DOSE NOT CHANGED")),
    ({"Vomiting": 3}, 0, 6, 0, False, (5, 1, False, False, "DOSE REDUCED")),
    ({"Vomiting": 3}, 0, 5, 1, False, (4, 2, False, False, "DOSE REDUCED")),
    ({"Vomiting": 3}, 0, 4, 2, False, (4, 2, False, True, "DRUG WITHDRAWN")),   # third trigger after two reductions
    ({"Vomiting": 3}, 0, 0, 0, False, (0, 0, False, True, "DRUG WITHDRAWN")),   # nothing below the lowest level
    ({"Thrombocytopenia": 3}, 0, 6, 0, False, (6, 0, False, False, "DOSE NOT CHANGED")),  # haematological: grade 4
    ({"Thrombocytopenia": 4}, 0, 6, 0, False, (5, 1, False, False, "DOSE REDUCED")),
    ({"Thrombocytopenia": 3}, 3, 6, 0, False, (6, 0, True, False, "DRUG INTERRUPTED")),   # pre-dose grade 3: hold
    ({"Thrombocytopenia": 4}, 3, 6, 0, False, (5, 1, True, False, "DRUG INTERRUPTED")),   # hold and reduce
    ({"Thrombocytopenia": 3}, 3, 6, 0, True, (6, 0, False, True, "DRUG WITHDRAWN")),      # still grade 3 after a hold
], ids=["g2-none", "g3-reduce", "g3-second", "g3-third-stop", "lowest-stop", "plt3-none", "plt4-reduce",
        "hold", "hold-and-reduce", "hold-twice-stop"])
def test_dose_modification_rule(grades, predose, level, reductions, held, expected):
    assert _run(grades, predose, level, reductions, held) == expected


def test_thresholds_are_configurable():
    """With reduce_nonhaem_grade = 2, a grade-2 vomiting reduces the dose."""
    assert _run({"Vomiting": 2}, 0, 3, 0, False, reduce_nonhaem_grade=2)[:2] == (2, 1)
