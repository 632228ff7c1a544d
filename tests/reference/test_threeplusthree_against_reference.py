"""The 3+3 against /work/shared/reference/threeplusthree.md (exact oracle).

Reference: Storer BE. Design and analysis of phase I clinical trials. Biometrics 1989;
45:925-937; figures as printed in threeplusthree.md ("Probability of escalating past a
level" to 4 decimals; "Exact operating characteristics" to the printed decimals, with
"level 5" meaning the top level was cleared).
"""

from __future__ import annotations

import pytest

from doseflow.designs.rule_based import ThreePlusThree, compute_escalation_probability
from doseflow.simulate import simulate

ESCALATION = [
    (0.05, 0.9734), (0.10, 0.9061), (0.20, 0.7086), (0.30, 0.4943),
    (0.40, 0.3093), (0.50, 0.1719), (0.60, 0.0824),
]


@pytest.mark.parametrize("p,expected", ESCALATION, ids=[f"p={p}" for p, _ in ESCALATION])
def test_escalation_probability_against_reference(p, expected):
    assert round(compute_escalation_probability(p), 4) == expected


def test_escalation_probability_vectorised():
    got = compute_escalation_probability([p for p, _ in ESCALATION])
    assert [round(v, 4) for v in got] == [e for _, e in ESCALATION]


TRUE_PROBS = [0.05, 0.15, 0.30, 0.45, 0.60]
# variant: (no MTD %, selection % levels 1-5, mean N, mean DLTs)
TABLE = {
    "A": (2.66, (18.13, 40.06, 29.98, 8.42, 0.76), 12.709, 2.735),
    "B": (2.78, (20.06, 42.88, 27.65, 5.88, 0.76), 15.116, 3.198),
}


@pytest.mark.parametrize("variant", ["A", "B"])
def test_exact_oc_against_reference(variant):
    """Tolerance: half a unit in the last printed decimal (values are rounded)."""
    no_mtd, sel, mean_n, mean_dlts = TABLE[variant]
    oc = simulate(ThreePlusThree(variant=variant), TRUE_PROBS, exact=True)
    assert oc.no_mtd_pct == pytest.approx(no_mtd, abs=0.005)
    assert list(oc.selection_pct) == pytest.approx(list(sel), abs=0.005)
    assert oc.sample_size_mean == pytest.approx(mean_n, abs=0.0005)
    assert oc.dlts_mean == pytest.approx(mean_dlts, abs=0.0005)
    assert sum(oc.selection_pct) + oc.no_mtd_pct == pytest.approx(100.0, abs=1e-10)
