"""The protocol's dose-limiting toxicity (DLT) definition as configuration.

A :class:`DLTDefinition` is frozen, TOML-able configuration (:meth:`DLTDefinition.to_dict`
/ :meth:`DLTDefinition.from_dict`); :func:`evaluate_dlt` applies it to the graded
toxicity of the DLT window (cycle 1) of all virtual patients at once.

Rules, in order of precedence (the first that fires is the reason given):

1. ``"dlt.grade5"``: any toxicity of grade 5;
2. ``"dlt.haem_grade4"``: haematological toxicity of grade >= ``haem_grade`` (4);
3. ``"dlt.thrombocytopenia_bleeding"``: thrombocytopenia of grade 3 with clinically
   significant bleeding (a Bernoulli draw with ``bleeding_probability``);
4. ``"dlt.febrile_neutropenia"``: febrile neutropenia of grade >= 3, when modelled;
5. ``"dlt.nonhaem_persistent"``: non-haematological toxicity of grade >= ``nonhaem_grade``
   (3) lasting more than ``nonhaem_min_days`` (7) days, terms in ``exempt_terms`` aside.

This is the typical definition of phase I protocols of the period (e.g. grade >= 4
haematological; grade 3 thrombocytopenia with bleeding; febrile neutropenia; grade >= 3
non-haematological toxicity except transient or manageable events such as grade 3
AST/ALT resolving within 7 days). GQ1001's own definition is not published (registry
NCT04450732 gives none); change the configuration to match a protocol.

Examples
--------
>>> import numpy as np
>>> from doseflow.insilico.models.toxicity.grading import GradedToxicity
>>> tox = GradedToxicity({"Thrombocytopenia": np.array([4, 2])}, {"Thrombocytopenia": np.zeros(2)})
>>> dlt, reason = evaluate_dlt(DLTDefinition(), tox, rng=0)
>>> dlt.tolist(), reason.tolist()
([True, False], ['dlt.haem_grade4', ''])
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields

import numpy as np

from doseflow.checks import check_int, check_probability, check_real
from doseflow.errors import ConfigError
from doseflow.insilico.models.toxicity.grading import GradedToxicity
from doseflow.insilico.models.toxicity.model import HAEMATOLOGICAL_TERMS, THROMBOCYTOPENIA
from doseflow.insilico.models.variability import validate_generator

__all__ = ["DLTDefinition", "DLT_RULES", "evaluate_dlt"]

#: Stable rule ids in order of precedence.
DLT_RULES: tuple[str, ...] = (
    "dlt.grade5",
    "dlt.haem_grade4",
    "dlt.thrombocytopenia_bleeding",
    "dlt.febrile_neutropenia",
    "dlt.nonhaem_persistent",
)


@dataclass(frozen=True, slots=True)
class DLTDefinition:
    """Protocol DLT criteria within the DLT window.

    Parameters
    ----------
    window_days : float
        DLT observation window (days from the first dose); 21 = cycle 1.
    haem_grade : int
        Haematological toxicity of at least this grade is a DLT (2-5).
    thrombocytopenia_bleeding_grade : int
        Thrombocytopenia of exactly this grade is a DLT when accompanied by bleeding.
    bleeding_probability : float
        P(clinically significant bleeding | thrombocytopenia of that grade), in [0, 1]
        (assumption; not reported for GQ1001).
    febrile_neutropenia : bool
        Whether febrile neutropenia (grade >= 3) is a DLT (applies only if modelled).
    nonhaem_grade : int
        Non-haematological toxicity of at least this grade (2-5) ...
    nonhaem_min_days : float
        ... lasting more than this many days is a DLT (0 = any duration).
    exempt_terms : tuple of str
        Non-haematological terms that are never DLTs (e.g. "Alopecia").
    haematological_terms : tuple of str
        Terms counted as haematological.
    """

    window_days: float = 21.0
    haem_grade: int = 4
    thrombocytopenia_bleeding_grade: int = 3
    bleeding_probability: float = 0.1
    febrile_neutropenia: bool = True
    nonhaem_grade: int = 3
    nonhaem_min_days: float = 7.0
    exempt_terms: tuple[str, ...] = ()
    haematological_terms: tuple[str, ...] = tuple(sorted(HAEMATOLOGICAL_TERMS))

    def __post_init__(self) -> None:
        check_real(self.window_days, "DLTDefinition.window_days", minimum=0.0, strict=True)
        check_int(self.haem_grade, "DLTDefinition.haem_grade", minimum=2, maximum=5)
        check_int(self.thrombocytopenia_bleeding_grade, "DLTDefinition.thrombocytopenia_bleeding_grade", minimum=1, maximum=4)
        check_probability(self.bleeding_probability, "DLTDefinition.bleeding_probability", open_interval=False)
        check_int(self.nonhaem_grade, "DLTDefinition.nonhaem_grade", minimum=2, maximum=5)
        check_real(self.nonhaem_min_days, "DLTDefinition.nonhaem_min_days", minimum=0.0)
        if not isinstance(self.febrile_neutropenia, bool):
            raise ConfigError("DLTDefinition.febrile_neutropenia", "true or false", self.febrile_neutropenia)
        object.__setattr__(self, "exempt_terms", tuple(str(t) for t in self.exempt_terms))
        object.__setattr__(self, "haematological_terms", tuple(str(t) for t in self.haematological_terms))

    def to_dict(self) -> dict:
        """Plain dict (TOML-able: numbers, booleans, lists of strings)."""
        d = asdict(self)
        d["exempt_terms"] = list(self.exempt_terms)
        d["haematological_terms"] = list(self.haematological_terms)
        return d

    @classmethod
    def from_dict(cls, data: Mapping, where: str = "dlt") -> "DLTDefinition":
        """Build from a dict (e.g. a TOML table); unknown keys are an error naming ``where``."""
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ConfigError(f"{where}.{unknown[0]}", "one of " + ", ".join(sorted(names)), unknown[0])
        d = dict(data)
        for k in ("exempt_terms", "haematological_terms"):
            if k in d:
                d[k] = tuple(d[k])
        return cls(**d)


def evaluate_dlt(definition: DLTDefinition, cycle1: GradedToxicity, rng) -> tuple[np.ndarray, np.ndarray]:
    """Which patients had a DLT in the DLT window, and the rule that fired.

    Parameters
    ----------
    definition : DLTDefinition
        The protocol's criteria.
    cycle1 : GradedToxicity
        Worst grades and grade >= 3 durations (days) of the DLT window, per term, for
        every patient (e.g. ``simulate_cycle(...).toxicity`` of cycle 1).
    rng : numpy.random.Generator or int
        Draws bleeding for patients with grade-3 thrombocytopenia (one draw per patient,
        always, so results depend on the seed alone).

    Returns
    -------
    dlt : numpy.ndarray of bool
        Shape (patients,).
    reason : numpy.ndarray of str
        The id from :data:`DLT_RULES` of the first rule that fired, "" if none.

    Raises
    ------
    ConfigError
        If ``cycle1`` has no terms or arrays of different lengths.
    """
    if not isinstance(definition, DLTDefinition):
        raise ConfigError("definition", "a DLTDefinition", type(definition).__name__)
    gen = validate_generator(rng)
    grades = {k: np.asarray(v, dtype=np.int64) for k, v in cycle1.grades.items()}
    if not grades:
        raise ConfigError("cycle1.grades", "at least one term", {})
    n = {v.shape for v in grades.values()}
    if len(n) != 1 or len(next(iter(n))) != 1:
        raise ConfigError("cycle1.grades", "1-D arrays of one length (patients)", sorted(n))
    (n_pat,) = next(iter(n))
    zeros = np.zeros(n_pat)
    haem = set(definition.haematological_terms)
    fired = {r: np.zeros(n_pat, dtype=bool) for r in DLT_RULES}
    bleed = gen.random(n_pat) < definition.bleeding_probability
    for term, g in grades.items():
        fired["dlt.grade5"] |= g >= 5
        if term in haem:
            fired["dlt.haem_grade4"] |= g >= definition.haem_grade
            if term == THROMBOCYTOPENIA:
                fired["dlt.thrombocytopenia_bleeding"] |= (g == definition.thrombocytopenia_bleeding_grade) & bleed
            if term == "Febrile neutropenia" and definition.febrile_neutropenia:
                fired["dlt.febrile_neutropenia"] |= g >= 3
        elif term not in definition.exempt_terms:
            days = np.asarray(cycle1.grade3_days.get(term, zeros), dtype=float)
            fired["dlt.nonhaem_persistent"] |= (g >= definition.nonhaem_grade) & (days > definition.nonhaem_min_days)
    reason = np.full(n_pat, "", dtype=object)
    for r in reversed(DLT_RULES):
        reason = np.where(fired[r], r, reason)
    dlt = reason != ""
    return dlt, reason.astype(str)
