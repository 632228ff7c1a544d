"""Keyboard (Yan, Mandrekar and Yuan 2017) and mTPI-2 (Guo et al. 2017).

The oracle below computes each design's per-cell decision directly from scipy's Beta cdf
with literal key edges, independently of the code under test's table construction.
Coincidence condition (Ji and Yang 2017, arXiv:1706.03277): with equal-width keys and the
same Beta(1, 1) prior, the keyboard's posterior probability and mTPI-2's unit probability
mass (probability / width) rank all full-width keys identically; when the keyboard scales
the partial end keys by width / own width (``Keyboard::get.boundary.kb``) the two rules are
the same for every (n, y). Without that scaling they can differ only where a partial key
wins under mTPI-2.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from doseflow.core import TrialState
from doseflow.designs.interval.keyboard import MTPI2, Keyboard, compute_key_edges
from doseflow.errors import ConfigError

EDGES_030 = [0.0, 0.05, 0.15, 0.25, 0.35, 0.45, 0.55, 0.65, 0.75, 0.85, 0.95, 1.0]  # target key index 3


def _oracle(n, y, edges, target_index, how):
    """E/S/D from scipy directly; how: 'prob-scaled', 'prob-ignore' (keyboard), 'upm' (mTPI-2)."""
    edges = np.asarray(edges)
    prob = np.diff(stats.beta.cdf(edges, y + 1, n - y + 1))
    width = edges[target_index + 1] - edges[target_index]
    widths = np.diff(edges)
    if how == "upm":
        score = prob / widths
    elif how == "prob-scaled":
        score = prob.copy()
        score[0] *= width / widths[0]
        score[-1] *= width / widths[-1]
    else:
        score = np.where(widths < width - 1e-9, -np.inf, prob)
    best = np.flatnonzero(score == score.max())[-1]  # ties: highest key, as the package
    return "E" if best < target_index else ("D" if best > target_index else "S")


def _table_decision(design, n, y):
    e, d, _ = design.cutoff_tables(n)
    return "E" if y <= e[n] else ("D" if y >= d[n] else "S")


def test_key_edges_target_030():
    """Hand-derived: target key [0.25, 0.35], width 0.1 -> 0.15, 0.05, partial [0, 0.05]; above
    0.45 ... 0.95, partial [0.95, 1]."""
    edges, j = compute_key_edges(0.3, 0.05, 0.05)
    np.testing.assert_allclose(edges, EDGES_030, atol=1e-12)
    assert j == 3


def test_key_edges_no_sliver_at_025():
    """Target 0.25: 0.2 - 2 x 0.1 = 0 (up to rounding) -> keys [0, .1], (.1, .2]; no sliver key."""
    edges, j = compute_key_edges(0.25, 0.05, 0.05)
    np.testing.assert_allclose(edges[:4], [0.0, 0.1, 0.2, 0.3], atol=1e-12)
    assert j == 2 and np.all(np.diff(edges) > 0.04)


@pytest.mark.parametrize("cls, how", [(Keyboard, "prob-scaled"), (MTPI2, "upm")], ids=["keyboard", "mtpi2"])
def test_every_cell_matches_scipy_oracle_target_030(cls, how):
    """Every (n, y), 1 <= n <= 30, target 0.3: the tabulated decision equals the direct one."""
    design = cls(target=0.3)
    for n in range(1, 31):
        for y in range(n + 1):
            assert _table_decision(design, n, y) == _oracle(n, y, EDGES_030, 3, how), (n, y)


@pytest.mark.parametrize("target", [0.15, 0.2, 0.25, 0.3, 1 / 3, 0.4])
def test_keyboard_equals_mtpi2_on_every_cell(target):
    """With the package's end-key scaling, keyboard and mTPI-2 coincide for every (n, y), n <= 30
    (with the same elimination rule: the keyboard package applies it from n = 1)."""
    kb, mt = Keyboard(target=target), MTPI2(target=target, elimination_min_n=1)
    for n in range(1, 31):
        for y in range(n + 1):
            assert _table_decision(kb, n, y) == _table_decision(mt, n, y), (target, n, y)
    assert kb.decision_table(30) == mt.decision_table(30)


def test_where_unscaled_keyboard_differs_from_mtpi2_target_010():
    """Target 0.10 (keys [0, 0.05] partial, target key [0.05, 0.15]): ignoring partial keys
    changes the decision exactly where mTPI-2's winner is the partial key [0, 0.05].
    Hand-derived: n=3, y=0: Beta(1,4): P[0,.05] = 1 - .95^4 = 0.1855 (UPM 3.71),
    P(.05,.15] = .95^4 - .85^4 = 0.2925 (UPM 2.93): mTPI-2 escalates, unscaled keyboard stays."""
    edges, t = compute_key_edges(0.1, 0.05, 0.05)
    kb, mt = Keyboard(target=0.1, partial_keys="ignore"), MTPI2(target=0.1)
    differ = [(n, y) for n in range(1, 31) for y in range(n + 1) if _table_decision(kb, n, y) != _table_decision(mt, n, y)]
    assert (3, 0) in differ
    for n, y in differ:
        upm = np.diff(stats.beta.cdf(edges, y + 1, n - y + 1)) / np.diff(edges)
        assert int(np.argmax(upm)) in (0, len(upm) - 1), (n, y)
    assert _table_decision(kb, 3, 0) == "S" and _table_decision(mt, 3, 0) == "E"


CASES = [
    # Target 0.3. n=3, y=1: Beta(2,3); P(.25,.35] = 0.1753 vs P(.15,.25] = 0.1522 and
    # P(.35,.45] = 0.1720 -> target key strongest -> stay.
    ("1NNN 2NTN", "stay", 2, "stay"),
    # n=3, y=0: Beta(1,4): [0,.05] scaled 2 x 0.1855 = 0.371 > (.05,.15] 0.2925 -> escalate.
    ("1NNN", "escalate", 2, "escalate"),
    # n=3, y=2: Beta(3,2): P(.65,.75] = 0.1753 > P(.55,.65] = 0.1720 -> de-escalate.
    ("1NNN 2NTT", "de-escalate", 1, "deescalate"),
    # 3/3 at level 2: P(p > 0.3 | Beta(4,1)) = 0.9919 > 0.95 -> eliminate 2..5.
    ("1NNN 2TTT", "de-escalate", 1, "eliminate"),
]


@pytest.mark.parametrize("cls", [Keyboard, MTPI2], ids=["keyboard", "mtpi2"])
@pytest.mark.parametrize("outcomes, action, nxt, rule", CASES, ids=[c[0] for c in CASES])
def test_decide_hand_derived(cls, outcomes, action, nxt, rule):
    d = cls(target=0.3).decide(TrialState.from_outcomes(5, outcomes))
    assert (d.action, d.next_dose, d.rule) == (action, nxt, f"{cls.name}.{rule}")


def test_hand_derived_probabilities_in_docstring_hold():
    """Checks the numbers quoted in CASES with scipy (independent of doseflow)."""
    b = stats.beta(2, 3)
    assert b.cdf(0.35) - b.cdf(0.25) == pytest.approx(0.1753, abs=1e-4)
    assert b.cdf(0.25) - b.cdf(0.15) == pytest.approx(0.1522, abs=1e-4)
    assert b.cdf(0.45) - b.cdf(0.35) == pytest.approx(0.1720, abs=1e-4)
    b = stats.beta(3, 2)
    assert b.cdf(0.75) - b.cdf(0.65) == pytest.approx(0.1753, abs=1e-4)
    assert b.cdf(0.65) - b.cdf(0.55) == pytest.approx(0.1720, abs=1e-4)


def test_keyboard_reason_names_strongest_key():
    d = Keyboard(target=0.3).decide(TrialState.from_outcomes(5, "1NNN 2NTT"))
    assert d.reason.startswith("the strongest key (0.65, 0.75] is above the target key (0.25, 0.35]")
    d = MTPI2(target=0.3).decide(TrialState.from_outcomes(5, "1NNN 2NTN"))
    assert d.reason.startswith("the equivalence interval [0.25, 0.35] has the highest unit probability mass")


def test_mtpi2_mtd_hand_derived():
    """Beta(1,1) means: (1/5, 1/5, 5/17 = 0.294, 5/11 = 0.455), increasing -> no pooling;
    |0.294 - 0.3| is smallest -> level 3."""
    sel = MTPI2(target=0.3).select_mtd(TrialState.from_counts(5, [3, 3, 15, 9, 0], [0, 0, 4, 4, 0]))
    assert sel.dose == 3
    assert sel.estimates[2] == pytest.approx(5 / 17)
    assert sel.estimates[3] == pytest.approx(5 / 11)
    assert sel.estimates[4] is None


def test_keyboard_mtd_equals_package_rule():
    """Keyboard::select.mtd.kb is BOIN's rule: same example, MTD 3, estimates 0.02, 0.02, 0.27, 0.45."""
    sel = Keyboard(target=0.3).select_mtd(TrialState.from_counts(5, [3, 3, 15, 9, 0], [0, 0, 4, 4, 0]))
    assert sel.dose == 3 and [round(v, 2) for v in sel.estimates[:4]] == [0.02, 0.02, 0.27, 0.45]


@pytest.mark.parametrize(
    "cls, kwargs, where",
    [
        (Keyboard, {"target": 0.3, "eps1": 0.0}, "eps1"),
        (Keyboard, {"target": 0.3, "eps1": 0.3}, "eps1"),
        (Keyboard, {"target": 0.3, "eps2": 0.7}, "eps2"),
        (Keyboard, {"target": 0.3, "partial_keys": "drop"}, "partial_keys"),
        (MTPI2, {"target": -0.1}, "target"),
        (MTPI2, {"target": 0.3, "cohort_size": 0}, "cohort_size"),
    ],
)
def test_bad_config(cls, kwargs, where):
    with pytest.raises(ConfigError) as err:
        cls(**kwargs)
    assert err.value.where == f"{cls.__name__}.{where}"


@pytest.mark.parametrize("target, table", [
    # Keyboard 0.1.3 get.boundary.kb applies the safety rule at every n, from y = 0:
    # 1 - pbeta(target, y + 1, n - y + 1) > 0.95. Hand-derived: target 0.3, n = 2, y = 2:
    # 1 - 0.3^3 = 0.973 > 0.95 (eliminate); n = 1, y = 1: 1 - 0.3^2 = 0.91 (not).
    # Target 0.2: n = 1, y = 1: 1 - 0.2^2 = 0.96 (eliminate).
    (0.30, {1: None, 2: 2, 3: 3}),
    (0.25, {1: None, 2: 2, 3: 3}),
    (0.20, {1: 1, 2: 2, 3: 2}),
])
def test_keyboard_eliminates_from_n_1_as_the_package_does(target, table):
    """Engine issue defect 5: R Keyboard 0.1.3 eliminates at 2 DLTs of 2 at targets 0.25 and 0.30;
    BOIN and the paper's text apply the rule from n = 3 (``elimination_min_n = 3`` gives that)."""
    got = Keyboard(target=target).decision_table(3).eliminate
    assert dict(zip((1, 2, 3), got)) == table
    assert Keyboard(target=target, elimination_min_n=3).decision_table(2).eliminate == (None, None)
    d = Keyboard(target=0.3).decide(TrialState.from_outcomes(5, "1NNN 2TT"))
    assert (d.action, d.next_dose, d.eliminated, d.rule) == ("de-escalate", 1, (2, 3, 4, 5), "keyboard.eliminate")
