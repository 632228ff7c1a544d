"""BOIN against the authors' R package BOIN 2.7.2 (Liu and Yuan 2015).

Expected values are copied from ../shared/reference/boin.md, which records
``get.boundary(target, ncohort=10, cohortsize=3)`` and
``select.mtd(target=0.3, npts=c(3, 3, 15, 9, 0), ntox=c(0, 0, 4, 4, 0))`` at default
settings (phi1 = 0.6 target, phi2 = 1.4 target, cutoff.eli = 0.95, Beta(1, 1) prior,
elimination from n = 3).
"""

from __future__ import annotations

import pytest

from doseflow.core import TrialState
from doseflow.designs.interval.boin import BOIN, boin_boundaries, compute_overdose_probability

NA = None


def test_boundaries_target_030_to_15_digits_against_R():
    """get.boundary(0.3, 10, 3)$lambda_e / $lambda_d = 0.236490685236468 / 0.358519464640930."""
    lambda_e, lambda_d = boin_boundaries(0.30)
    assert lambda_e == pytest.approx(0.236490685236468, abs=1e-15)
    assert lambda_d == pytest.approx(0.358519464640930, abs=1e-15)


@pytest.mark.parametrize(
    "target, lambda_e, lambda_d",
    [(0.25, 0.1968, 0.2984), (0.20, 0.1572, 0.2385), (1 / 3, 0.2630, 0.3987), (0.30, 0.2365, 0.3585)],
    ids=["0.25", "0.20", "1/3", "0.30"],
)
def test_boundaries_to_4_decimals_against_R(target, lambda_e, lambda_d):
    """boin.md table "Boundaries on the DLT rate" (4 decimals)."""
    got_e, got_d = boin_boundaries(target)
    assert got_e == pytest.approx(lambda_e, abs=5e-5)
    assert got_d == pytest.approx(lambda_d, abs=5e-5)


def test_decision_table_target_030_every_n_against_R():
    """boin.md, "Decision table, target 0.30, every n from 1 to 30" (exact)."""
    e = [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 4, 5, 5, 5, 5, 6, 6, 6, 6, 7]
    d = [1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 6, 6, 6, 7, 7, 7, 8, 8, 8, 9, 9, 9, 10, 10, 11, 11, 11]
    x = [NA, NA, 3, 3, 4, 4, 5, 5, 5, 6, 6, 7, 7, 8, 8, 8, 9, 9, 9, 10, 10, 11, 11, 11, 12, 12, 12, 13, 13, 14]
    table = BOIN(target=0.30).decision_table(30)
    assert table.n == tuple(range(1, 31))
    assert list(table.escalate) == e
    assert list(table.deescalate) == d
    assert list(table.eliminate) == x


@pytest.mark.parametrize(
    "target, e, d, x",
    [
        (0.25, [0, 1, 1, 2, 2, 3, 4, 4, 5, 5], [1, 2, 3, 4, 5, 6, 7, 8, 9, 9], [3, 4, 5, 6, 7, 8, 9, 10, 11, 12]),
        (0.20, [0, 0, 1, 1, 2, 2, 3, 3, 4, 4], [1, 2, 3, 3, 4, 5, 6, 6, 7, 8], [2, 3, 4, 5, 6, 7, 8, 8, 9, 10]),
        (1 / 3, [0, 1, 2, 3, 3, 4, 5, 6, 7, 7], [2, 3, 4, 5, 6, 8, 9, 10, 11, 12], [3, 4, 6, 7, 8, 10, 11, 12, 14, 15]),
    ],
    ids=["0.25", "0.20", "1/3"],
)
def test_decision_table_other_targets_against_R(target, e, d, x):
    """boin.md, "Decision tables at n = 3, 6, ..., 30 for other targets" (exact)."""
    table = BOIN(target=target).decision_table(30)
    cols = [n - 1 for n in range(3, 31, 3)]
    assert [table.escalate[c] for c in cols] == e
    assert [table.deescalate[c] for c in cols] == d
    assert [table.eliminate[c] for c in cols] == x


def test_select_mtd_documentation_example_against_R():
    """select.mtd(0.3, c(3,3,15,9,0), c(0,0,4,4,0)): isotonic 0.02, 0.02, 0.27, 0.45, ----; MTD 3."""
    state = TrialState.from_counts(5, [3, 3, 15, 9, 0], [0, 0, 4, 4, 0])
    sel = BOIN(target=0.3).select_mtd(state)
    assert sel.dose == 3
    assert [round(v, 2) for v in sel.estimates[:4]] == [0.02, 0.02, 0.27, 0.45]
    assert sel.estimates[4] is None
    assert sel.rule == "boin.mtd_closest"


def test_overdose_probability_documentation_example_against_R():
    """select.mtd(...)$p_overdose for the same example: 0.01, 0.01, 0.36, 0.81, ----."""
    p = compute_overdose_probability([3, 3, 15, 9, 0], [0, 0, 4, 4, 0], 0.3)
    assert [round(v, 2) for v in p[:4]] == [0.01, 0.01, 0.36, 0.81]
    assert p[4] is None


def test_no_mtd_when_lowest_level_eliminated_against_R():
    """select.mtd returns 99 (no MTD) when level 1 is eliminated: 3/3 gives
    P(p > 0.3 | Beta(4, 1)) = 1 - 0.3^4 = 0.9919 > 0.95."""
    sel = BOIN(target=0.3).select_mtd(TrialState.from_counts(3, [3, 0, 0], [3, 0, 0]))
    assert sel.dose is None
    assert sel.rule == "boin.no_mtd_lowest_eliminated"
