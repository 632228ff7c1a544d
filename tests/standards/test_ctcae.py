"""CTCAE v5.0 lab grades of doseflow.standards.ctcae against the NCI criteria."""

from __future__ import annotations

from doseflow.standards.ctcae import grade_lab


def test_ctcae_platelet_alias_and_grades():
    """CTCAE v5.0 platelet count decreased: G1 < LLN-75, G2 < 75-50, G3 < 50-25, G4 < 25 (10^9/L)."""
    assert grade_lab("PLAT", [140, 74.9, 50, 49.9, 24.9, float("nan")], lln=150).tolist() == [1, 2, 2, 3, 4, -1]
    assert grade_lab("ALT", [40, 41, 121, 201, 801], uln=40).tolist() == [0, 1, 2, 3, 4]
