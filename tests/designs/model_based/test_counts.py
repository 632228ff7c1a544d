"""Per-patient outcomes of many trials to per-level counts and pending patients."""

from __future__ import annotations

import pytest

from doseflow.designs.model_based import compute_outcome_counts
from doseflow.errors import InputError


def test_patients_to_counts_and_pending():
    """Trial 0: a DLT at level 1 (weight ignored), a complete and a pending patient at level 0.
    Trial 1: two pending patients at level 2, one complete, one empty slot."""
    level = [[0, 1, 0, -1], [2, 2, 2, -1]]
    dlt = [[0, 1, 0, 0], [0, 0, 0, 0]]
    weight = [[1.0, 0.3, 0.4, 0.0], [0.2, 1.0, 0.6, 0.0]]
    c = compute_outcome_counts(level, dlt, weight, 3)
    assert c.n.tolist() == [[1, 1, 0], [0, 0, 1]]
    assert c.dlt.tolist() == [[0, 1, 0], [0, 0, 0]]
    assert c.pending_level.tolist() == [[0, 0], [2, 2]]
    assert c.pending_weight.tolist() == [[0.4, 0.0], [0.2, 0.6]]


def test_no_pending_patient_gives_an_empty_pending_array():
    c = compute_outcome_counts([[0, 1]], [[1, 0]], [[0.5, 1.0]], 2)
    assert c.pending_level.shape == (1, 0) and c.n.tolist() == [[1, 1]]


@pytest.mark.parametrize(
    ("level", "dlt", "weight", "where"),
    [
        ([[0, 3]], [[0, 0]], [[1.0, 1.0]], "level"),
        ([[0, 1]], [[0, 2]], [[1.0, 1.0]], "dlt[0, 1] (trial row 0, patient column 1)"),
        ([[0, 1]], [[0, 0]], [[1.0, 1.2]], "weight[0, 1]"),
        ([[0, 1]], [[0]], [[1.0, 1.0]], "dlt"),
    ],
)
def test_invalid_patients(level, dlt, weight, where):
    with pytest.raises(InputError) as caught:
        compute_outcome_counts(level, dlt, weight, 3)
    assert str(caught.value).startswith(where + ":")
