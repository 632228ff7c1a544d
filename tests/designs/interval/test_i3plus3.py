"""The i3+3 design (Liu, Wang and Ji 2020), target 0.30, EI = [0.25, 0.35].

Hand-derived cells: y/n < 0.25 escalate; 0.25 <= y/n <= 0.35 stay; y/n > 0.35 de-escalate
unless (y - 1)/n < 0.25 (then stay). Elimination as BOIN (3/3: 1 - 0.3^4 = 0.9919 > 0.95).
"""

from __future__ import annotations

import pytest

from doseflow.core import TrialState
from doseflow.designs.interval.i3plus3 import I3Plus3
from doseflow.errors import ConfigError

CELLS = [
    # n, y, decision, why
    (1, 0, "E", "0 < 0.25"),
    (1, 1, "S", "1 > 0.35 but (1-1)/1 = 0 < 0.25"),
    (3, 0, "E", "0"),
    (3, 1, "S", "0.333 in EI"),
    (3, 2, "D", "0.667 > 0.35, 1/3 = 0.333 not below"),
    (4, 1, "S", "0.25 on the lower bound (inside)"),
    (4, 2, "D", "0.5 > 0.35, 1/4 = 0.25 not below"),
    (5, 2, "S", "0.4 > 0.35 but 1/5 = 0.2 < 0.25"),
    (6, 1, "E", "0.167"),
    (6, 2, "S", "0.333"),
    (6, 3, "D", "0.5; 2/6 = 0.333 not below"),
    (20, 7, "S", "0.35 on the upper bound (inside)"),
    (20, 8, "D", "0.4; 7/20 = 0.35 not below"),
]


@pytest.mark.parametrize("n, y, decision, why", CELLS, ids=[f"n{c[0]}y{c[1]}" for c in CELLS])
def test_table_cells_hand_derived(n, y, decision, why):
    e, d, _ = I3Plus3(target=0.3).cutoff_tables(n)
    got = "E" if y <= e[n] else ("D" if y >= d[n] else "S")
    assert got == decision, why


def test_boundary_cells_inside_ei_despite_binary_rounding():
    """Target 0.2, EI [0.15, 0.25]: 3/20 = 0.15 is inside (stay), although 0.2 - 0.05 rounds to
    0.15000000000000002; 5/20 = 0.25 is inside too."""
    e, d, _ = I3Plus3(target=0.2).cutoff_tables(20)
    assert e[20] == 2 and d[20] == 6  # 6/20 = 0.3 > 0.25 and 5/20 = 0.25 not below


CASES = [
    ("1NNN", "escalate", 2, "i3+3.escalate"),
    ("1NNN 2NTN", "stay", 2, "i3+3.stay"),
    ("1NNN 2NTT", "de-escalate", 1, "i3+3.deescalate"),
    ("1NNN 2NTNTN", "stay", 2, "i3+3.stay"),
    ("1NNN 2TTT", "de-escalate", 1, "i3+3.eliminate"),
    ("1TTT", "stop", None, "i3+3.stop_lowest_eliminated"),
    ("1T", "stay", 1, "i3+3.stay"),
]


@pytest.mark.parametrize("outcomes, action, nxt, rule", CASES, ids=[c[0] for c in CASES])
def test_decide_hand_derived(outcomes, action, nxt, rule):
    d = I3Plus3(target=0.3).decide(TrialState.from_outcomes(5, outcomes))
    assert (d.action, d.next_dose, d.rule) == (action, nxt, rule)


def test_stay_exception_reason():
    d = I3Plus3(target=0.3).decide(TrialState.from_outcomes(5, "1NNN 2NTNTN"))
    assert "above the equivalence interval [0.25, 0.35], but (2 - 1)/5 = 20% is below it" in d.reason


def test_mtd_hand_derived():
    """Beta(1,1) means n=(3,6,6), y=(0,1,3): 0.2, 0.25, 0.5 (increasing); closest to 0.3 is
    0.25 (level 2)."""
    sel = I3Plus3(target=0.3).select_mtd(TrialState.from_counts(3, [3, 6, 6], [0, 1, 3]))
    assert sel.dose == 2 and sel.estimates == pytest.approx((0.2, 0.25, 0.5))


def test_mtd_tie_split_sides_picks_lower():
    """Means 0.25 and 0.35 (n=(2,18), y=(0,6): 1/4 and 7/20): equally close, mean 0.30 is not
    below the target -> the lower level (Ji et al. 2010 tie rule)."""
    sel = I3Plus3(target=0.3).select_mtd(TrialState.from_counts(2, [2, 18], [0, 6]))
    assert sel.estimates == pytest.approx((0.25, 0.35))
    assert sel.dose == 1


@pytest.mark.parametrize("kwargs, where", [({"target": 0.3, "eps1": 0.31}, "eps1"), ({"target": 0.3, "eps2": -0.1}, "eps2"),
                                           ({"target": 1.0}, "target")])
def test_bad_config(kwargs, where):
    with pytest.raises(ConfigError) as err:
        I3Plus3(**kwargs)
    assert err.value.where == f"I3Plus3.{where}"
