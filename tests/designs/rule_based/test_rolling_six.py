"""Tests of the rolling six design (Skolnik et al. 2008, J Clin Oncol 26:190-195).

The table rows below are the "Rolling 6" column of JAMA Netw Open 2020;3(5):e204787,
Table 2 (PMC7221509), a transcription of Skolnik et al.'s Table 1 by (total enrolled,
evaluable, DLTs) at the current level; rows about patients 7 and 8 ("not allowed")
are left out. "Hold accrual" is the paper's "suspend".
"""

from __future__ import annotations

import dataclasses
import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doseflow.core import DosePlan, TrialState
from doseflow.designs.rule_based.rolling_six import (
    RollingSix,
    compute_rolling_six_action,
    tabulate_rolling_six_rules,
)
from doseflow.errors import ConfigError

# (row, totals, evaluables, DLTs, decision) from the published table
PUBLISHED = [
    (1, range(0, 6), [0], 0, "same"),
    (2, [6], [0], 0, "suspend"),
    (3, range(1, 6), [1], 0, "same"),
    (4, [6], [1], 0, "suspend"),
    (6, range(2, 6), [2], 0, "same"),
    (7, [6], [2], 0, "suspend"),
    (9, [3], [3], 0, "escalate"),
    (10, [4, 5], [3], 0, "same"),
    (11, [6], [3], 0, "suspend"),
    (13, [4], [4], 0, "escalate"),
    (14, [5], [4], 0, "same"),
    (15, [6], [4], 0, "suspend"),
    (16, [5], [5], 0, "escalate"),
    (17, [6], [5], 0, "escalate"),
    (19, range(1, 6), range(1, 6), 1, "same"),
    (20, [6], [1, 2, 3], 1, "suspend"),
    (21, [6], [4], 1, "suspend"),
    (22, [6], [5], 1, "suspend"),
    (25, [6], [6], 1, "escalate"),
    (26, range(2, 7), range(2, 7), 2, "de-escalate"),
    (30, range(3, 7), range(3, 7), 3, "de-escalate"),
]


def _expand():
    for row, totals, evaluables, dlt, decision in PUBLISHED:
        for n in totals:
            for e in evaluables:
                if dlt <= e <= n:
                    yield pytest.param(n, dlt, n - e, decision, id=f"row{row}-N{n}-E{e}-D{dlt}")


@pytest.mark.parametrize("enrolled,dlts,pending,decision", list(_expand()))
def test_table_matches_published_rolling_six(enrolled, dlts, pending, decision):
    assert compute_rolling_six_action(enrolled, dlts, pending) == decision


def test_tabulation_covers_every_state_once():
    """1..6 enrolled: sum over n of the (d, p) pairs with d + p <= n = sum (n+1)(n+2)/2."""
    rows = tabulate_rolling_six_rules()
    assert len(rows) == sum((n + 1) * (n + 2) // 2 for n in range(1, 7))
    keys = {(r["enrolled"], r["dlts"], r["pending"]) for r in rows}
    assert len(keys) == len(rows)
    assert all(r["dlts"] + r["without_dlt"] + r["pending"] == r["enrolled"] for r in rows)


@pytest.mark.parametrize(
    "args,where",
    [((-1, 0, 0), "enrolled"), ((3, 0, 4), "pending"), ((3, 3, 1), "dlts")],
)
def test_table_rejects_inconsistent_counts(args, where):
    with pytest.raises(ConfigError, match=f"^{where}: must be"):
        compute_rolling_six_action(*args)


# (plan size, outcomes, action, next_dose, rule, cohort_size)
DECIDE = [
    (4, "", "stay", 1, "rolling6.start", 6),
    (4, "1NN", "stay", 1, "rolling6.same", 4),
    (4, "1NN 1P", "stay", 1, "rolling6.same", 3),
    (4, "1NNN", "escalate", 2, "rolling6.escalate", 6),
    (4, "1NNN 2NNPPP", "stay", 2, "rolling6.same", 1),
    (4, "1NNN 2NNPPPP", "stay", 2, "rolling6.suspend", 0),
    (4, "1NNN 2NNNNN 2P", "escalate", 3, "rolling6.escalate", 6),
    (4, "1NNN 2NTNNN 2P", "stay", 2, "rolling6.suspend", 0),
    (4, "1NNN 2NTNNN 2N", "escalate", 3, "rolling6.escalate", 6),
    (4, "1NNN 2TT", "de-escalate", 1, "rolling6.deescalate", 3),
    (4, "1NNNNN 1N 2TT", "stop", None, "rolling6.mtd_found", None),
    (4, "1NNNNN 1P 2TT", "stop", None, "rolling6.mtd_found", None),
    (4, "1NNNTN 1P 2TT", "de-escalate", 1, "rolling6.suspend", 0),
    (4, "1TT", "stop", None, "rolling6.no_mtd", None),
    (2, "1NNN 2NNN", "stay", 2, "rolling6.expand", 3),
    (2, "1NNN 2NNNNN 2N", "stop", None, "rolling6.top_cleared", None),
    (3, "1NNN 2NNN 3TT 2NN 2N", "stop", None, "rolling6.mtd_found", None),
]


@pytest.mark.parametrize(
    "k,outcomes,action,next_dose,rule,size", DECIDE, ids=[f"{c[1] or 'empty'}-K{c[0]}" for c in DECIDE]
)
def test_decide(k, outcomes, action, next_dose, rule, size):
    """Hand-derived from the table plus the movement rules of the module docstring."""
    d = RollingSix().decide(TrialState.from_outcomes(DosePlan.of_size(k), outcomes))
    assert (d.action, d.next_dose, d.rule, d.cohort_size) == (action, next_dose, rule, size)
    if rule == "rolling6.suspend":
        assert "suspend" in d.reason


def test_suspend_is_stay_with_no_cohort():
    d = RollingSix().decide(TrialState.from_outcomes(DosePlan.of_size(3), "1NNN 2PPPPP 2P"))
    assert (d.action, d.cohort_size, d.rule) == ("stay", 0, "rolling6.suspend")
    assert "pending" in d.reason


def test_hand_derived_sequence():
    """Level 1: 3 enrolled, all evaluated without DLT -> escalate. Level 2: 6 enrolled,
    1 DLT, 5 evaluated without DLT -> escalate. Level 3: 2 DLTs -> de-escalate to 2,
    which has 6 with 1 DLT -> stop, MTD = 2 (at most 1 DLT in 6)."""
    design = RollingSix()
    s = TrialState.from_outcomes(DosePlan.of_size(4), "1NNN")
    assert design.decide(s).next_dose == 2
    s = TrialState.from_outcomes(DosePlan.of_size(4), "1NNN 2NNTNNN")
    assert (design.decide(s).action, design.decide(s).next_dose) == ("escalate", 3)
    s = TrialState.from_outcomes(DosePlan.of_size(4), "1NNN 2NNTNNN 3TTN")
    d = design.decide(s)
    assert (d.action, d.rule, d.eliminated) == ("stop", "rolling6.mtd_found", (3, 4))
    sel = design.select_mtd(s)
    assert sel.dose == 2
    assert sel.estimates == (0.0, 1 / 6, 2 / 3, None)


@pytest.mark.parametrize(
    "outcomes,dose",
    [
        ("1NNNNN 1N 2TT", 1),
        ("1NNN 2TT", None),  # 3 patients at level 1 are not 6
        ("1NNNNT 1T", None),  # 2 DLTs at level 1
        ("1NNNNN 1P", 1),  # at most 1 DLT in 6 even if the pending patient has one
        ("1NNNNT 1P", None),  # could be 2 in 6: not yet
    ],
)
def test_select_mtd(outcomes, dose):
    assert RollingSix().select_mtd(TrialState.from_outcomes(DosePlan.of_size(3), outcomes)).dose == dose


def test_config():
    d = RollingSix(start_dose=2)
    assert pickle.loads(pickle.dumps(d)) == d
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.start_dose = 1  # type: ignore[misc]
    with pytest.raises(ConfigError, match=r"RollingSix.start_dose: .*got 0"):
        RollingSix(start_dose=0)
    with pytest.raises(ConfigError, match=r"RollingSix.start_dose: .*got 5"):
        RollingSix(start_dose=5).decide(TrialState(DosePlan.of_size(4)))
    assert RollingSix.name == "rolling6"


@st.composite
def states(draw):
    k = draw(st.integers(2, 5))
    tokens = []
    for _ in range(draw(st.integers(0, 6))):
        level = draw(st.integers(1, k))
        letters = draw(st.text(alphabet="NTP", min_size=1, max_size=3))
        tokens.append(f"{level}{letters}")
    return TrialState.from_outcomes(DosePlan.of_size(k), " ".join(tokens))


@settings(derandomize=True, max_examples=200, deadline=None)
@given(states())
def test_properties(state):
    """Deterministic, non-mutating, never into an eliminated level, MTD below it."""
    design = RollingSix()
    before = state.to_outcomes()
    d = design.decide(state)
    assert d == design.decide(state)
    assert state.to_outcomes() == before
    if d.next_dose is not None and d.rule != "rolling6.start":
        assert d.next_dose not in d.eliminated
    sel = design.select_mtd(state)
    if sel.dose is not None and d.eliminated:
        assert sel.dose < min(d.eliminated)
    assert d.cohort_size is None or 0 <= d.cohort_size <= 6
