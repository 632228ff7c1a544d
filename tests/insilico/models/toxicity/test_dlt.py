"""Tests of the protocol DLT definition (doseflow.insilico.models.toxicity.dlt)."""

from __future__ import annotations

import dataclasses
import doctest
import tomllib

import numpy as np
import pytest

import doseflow.insilico.models.toxicity.dlt as dlt_mod
from doseflow.errors import ConfigError
from doseflow.insilico.models.toxicity import (
    ALT_INCREASED,
    AST_INCREASED,
    DLT_RULES,
    THROMBOCYTOPENIA,
    DLTDefinition,
    GradedToxicity,
    evaluate_dlt,
)

TCP, AST, ALT = THROMBOCYTOPENIA, AST_INCREASED, ALT_INCREASED


def _one(grades: dict, days: dict | None = None) -> GradedToxicity:
    """Graded toxicity of one patient."""
    return GradedToxicity({k: np.array([v]) for k, v in grades.items()},
                          {k: np.array([v], dtype=float) for k, v in (days or {}).items()})


# (case id, grades, grade>=3 durations in days, definition changes, expected reason)
CASES = [
    ("no-toxicity", {TCP: 0, AST: 0}, {}, {}, ""),
    ("TCP-grade4", {TCP: 4}, {}, {}, "dlt.haem_grade4"),
    ("TCP-grade3-no-bleeding", {TCP: 3}, {}, {"bleeding_probability": 0.0}, ""),
    ("TCP-grade3-bleeding", {TCP: 3}, {}, {"bleeding_probability": 1.0}, "dlt.thrombocytopenia_bleeding"),
    ("TCP-grade2-bleeding-irrelevant", {TCP: 2}, {}, {"bleeding_probability": 1.0}, ""),
    ("anaemia-grade3", {"Anaemia": 3}, {"Anaemia": 20.0}, {}, ""),
    ("anaemia-grade4", {"Anaemia": 4}, {}, {}, "dlt.haem_grade4"),
    ("AST-grade3-8-days", {AST: 3}, {AST: 8.0}, {}, "dlt.nonhaem_persistent"),
    ("AST-grade3-exactly-7-days", {AST: 3}, {AST: 7.0}, {}, ""),
    ("ALT-grade4-3-days", {ALT: 4}, {ALT: 3.0}, {}, ""),
    ("ALT-grade4-any-duration-protocol", {ALT: 4}, {ALT: 3.0}, {"nonhaem_min_days": 0.0}, "dlt.nonhaem_persistent"),
    ("vomiting-grade2-long", {"Vomiting": 2}, {"Vomiting": 0.0}, {}, ""),
    ("hypertension-grade3-10-days", {"Hypertension": 3}, {"Hypertension": 10.0}, {}, "dlt.nonhaem_persistent"),
    ("exempt-term", {"Alopecia": 3}, {"Alopecia": 30.0}, {"exempt_terms": ("Alopecia",)}, ""),
    ("febrile-neutropenia", {"Febrile neutropenia": 3}, {}, {}, "dlt.febrile_neutropenia"),
    ("febrile-neutropenia-not-in-protocol", {"Febrile neutropenia": 3}, {}, {"febrile_neutropenia": False}, ""),
    ("grade5", {"Pyrexia": 5}, {}, {}, "dlt.grade5"),
    ("precedence-haem-over-liver", {TCP: 4, AST: 3}, {AST: 10.0}, {}, "dlt.haem_grade4"),
    ("missing-duration-is-zero", {AST: 3}, {}, {}, ""),
]


@pytest.mark.parametrize("grades, days, changes, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_dlt_cases(grades, days, changes, expected):
    """Typical protocol definition (insilico-sources.md section 5): grade >= 4
    haematological; grade 3 thrombocytopenia with bleeding; febrile neutropenia; grade >= 3
    non-haematological lasting > 7 days; precedence as in DLT_RULES."""
    definition = dataclasses.replace(DLTDefinition(), **changes)
    dlt, reason = evaluate_dlt(definition, _one(grades, days), rng=0)
    assert reason.tolist() == [expected]
    assert dlt.tolist() == [expected != ""]
    assert expected == "" or expected in DLT_RULES


def test_vectorised_over_patients_and_seeded_bleeding():
    """With bleeding probability 0.1 and 20,000 patients at grade 3, the DLT share is within
    4 MC standard errors (sqrt(0.09/20000) = 0.0021) of 0.1; the draws repeat for a seed."""
    n = 20_000
    tox = GradedToxicity({TCP: np.full(n, 3), AST: np.zeros(n, int)}, {})
    a, _ = evaluate_dlt(DLTDefinition(bleeding_probability=0.1), tox, rng=17)
    b, _ = evaluate_dlt(DLTDefinition(bleeding_probability=0.1), tox, rng=17)
    np.testing.assert_array_equal(a, b)
    assert abs(a.mean() - 0.1) < 4 * np.sqrt(0.09 / n)


def test_toml_round_trip():
    """The definition is TOML-able: to_dict -> TOML text -> tomllib -> from_dict."""
    d = DLTDefinition(bleeding_probability=0.25, exempt_terms=("Alopecia",))
    data = d.to_dict()
    lines = []
    for k, v in data.items():
        if isinstance(v, bool):
            lines.append(f"{k} = {str(v).lower()}")
        elif isinstance(v, list):
            lines.append(f"{k} = [" + ", ".join(f'"{x}"' for x in v) + "]")
        else:
            lines.append(f"{k} = {v}")
    parsed = tomllib.loads("\n".join(lines))
    assert DLTDefinition.from_dict(parsed) == d


@pytest.mark.parametrize(
    "data, where",
    [
        ({"bleeding_probabilty": 0.1}, "dlt.bleeding_probabilty"),
        ({"bleeding_probability": 1.5}, "DLTDefinition.bleeding_probability"),
        ({"haem_grade": 6}, "DLTDefinition.haem_grade"),
        ({"nonhaem_min_days": -1}, "DLTDefinition.nonhaem_min_days"),
        ({"febrile_neutropenia": "yes"}, "DLTDefinition.febrile_neutropenia"),
    ],
)
def test_bad_definitions(data, where):
    with pytest.raises(ConfigError, match=where):
        DLTDefinition.from_dict(data)


def test_bad_outcomes():
    with pytest.raises(ConfigError, match="cycle1.grades"):
        evaluate_dlt(DLTDefinition(), GradedToxicity({}), rng=0)
    with pytest.raises(ConfigError, match="cycle1.grades"):
        evaluate_dlt(DLTDefinition(), GradedToxicity({TCP: np.zeros(2), AST: np.zeros(3)}), rng=0)


def test_doctests():
    result = doctest.testmod(dlt_mod)
    assert result.attempted > 0 and result.failed == 0
