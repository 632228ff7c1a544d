"""Specifications of SDTM and ADaM datasets, kept as data in ``cdisc/specs/*.toml``.

Each TOML file describes one dataset: its name, label, standard and source section, the key
variables that identify a record, and every variable the readout reads, with its SAS type
(``"char"`` or ``"num"``), its label (at most 40 characters, the SAS XPT v5 limit), its core
designation and, where the standard fixes the allowed values, a codelist from
``specs/codelists.toml``.

Core designations follow the standards:

``"Req"``
    required: the variable must be present. In SDTM a Req variable must also never be null
    (SDTMIG v3.4 §4.1.5 "Required variables ... cannot be null for any record"); in ADaM
    Req only means present (ADaMIG v1.3 §3.1).
``"Exp"``, ``"Perm"``, ``"Cond"``
    expected, permissible, conditionally required: optional for reading; listed so that their
    type, label and codelist are checked when present.

A SUPP-- file ``extends = "SUPPQUAL"`` and adds ``qualifiers``: the QNAM values the readout
knows, each with the type and codelist of its QVAL.

Examples
--------
>>> ae = load_spec("ae")
>>> ae.name, ae.required
('AE', ('STUDYID', 'DOMAIN', 'USUBJID', 'AESEQ', 'AETERM', 'AEDECOD'))
>>> ae.variable("AESER").codelist, load_codelist("NY").values
('NY', ('N', 'NA', 'U', 'Y'))
>>> load_spec("suppae").qualifiers["AETRTEM"].label
'Treatment Emergent Flag'
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Literal

from doseflow.errors import ConfigError

__all__ = [
    "Codelist",
    "VariableSpec",
    "QualifierSpec",
    "DomainSpec",
    "load_spec",
    "load_codelist",
    "spec_names",
    "find_spec",
]

VariableType = Literal["char", "num"]
Core = Literal["Req", "Exp", "Perm", "Cond"]
DatasetKind = Literal["sdtm", "supp", "adam"]

_TYPES = ("char", "num")
_CORES = ("Req", "Exp", "Perm", "Cond")
_KINDS = ("sdtm", "supp", "adam")
_FORMATS = ("DATE9.", "DATETIME20.")


@dataclass(frozen=True, slots=True)
class Codelist:
    """A controlled-terminology codelist the standard fixes (non-extensible)."""

    name: str
    code: str
    label: str
    values: tuple[str, ...]
    source: str


@dataclass(frozen=True, slots=True)
class VariableSpec:
    """One variable of a dataset specification.

    ``format`` is ``"DATE9."`` or ``"DATETIME20."`` for ADaM numeric dates (held in pandas
    as datetime64), otherwise None.
    """

    name: str
    type: VariableType
    label: str
    core: Core
    codelist: str | None = None
    format: str | None = None


@dataclass(frozen=True, slots=True)
class QualifierSpec:
    """A known QNAM of a SUPP-- dataset: the label, type and codelist of its QVAL."""

    qnam: str
    type: VariableType
    label: str
    codelist: str | None = None


@dataclass(frozen=True, slots=True)
class DomainSpec:
    """The specification of one SDTM or ADaM dataset (see the module docstring)."""

    name: str
    label: str
    kind: DatasetKind
    standard: str
    source: str
    variables: tuple[VariableSpec, ...]
    keys: tuple[str, ...] = ()
    qualifiers: Mapping[str, QualifierSpec] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def required(self) -> tuple[str, ...]:
        """Names of the Req variables, in specification order."""
        return tuple(v.name for v in self.variables if v.core == "Req")

    @property
    def nonnull_required(self) -> bool:
        """True when Req variables must not be null (SDTM, SUPP--), False for ADaM."""
        return self.kind != "adam"

    def variable(self, name: str) -> VariableSpec | None:
        """The specification of variable ``name``, or None if the spec does not list it."""
        for v in self.variables:
            if v.name == name:
                return v
        return None


def _spec_dir():
    return resources.files("doseflow.cdisc") / "specs"


@cache
def spec_names() -> tuple[str, ...]:
    """Names (upper case) of every shipped dataset specification, e.g. ``("ADAE", ..., "TU")``."""
    names = [p.name[:-5].upper() for p in _spec_dir().iterdir() if p.name.endswith(".toml")]
    return tuple(sorted(n for n in names if n != "CODELISTS"))


@cache
def _codelists() -> dict[str, Codelist]:
    data = tomllib.loads((_spec_dir() / "codelists.toml").read_text(encoding="utf-8"))
    return {
        name: Codelist(name, d["code"], d["label"], tuple(d["values"]), d["source"])
        for name, d in data.items()
    }


def load_codelist(name: str) -> Codelist:
    """Return the codelist ``name`` (e.g. ``"NY"``) from ``specs/codelists.toml``.

    Raises
    ------
    ConfigError
        If no codelist has that name.
    """
    lists = _codelists()
    if name not in lists:
        raise ConfigError("codelist", "one of " + ", ".join(repr(n) for n in lists), name)
    return lists[name]


def _variable(where: str, d: dict) -> VariableSpec:
    v = VariableSpec(
        name=d["name"],
        type=d["type"],
        label=d["label"],
        core=d.get("core", "Perm"),
        codelist=d.get("codelist"),
        format=d.get("format"),
    )
    checks = (
        (v.type in _TYPES, "type", "one of 'char', 'num'", v.type),
        (v.core in _CORES, "core", "one of " + ", ".join(map(repr, _CORES)), v.core),
        (v.format is None or v.format in _FORMATS, "format", "'DATE9.' or 'DATETIME20.'", v.format),
        (len(v.label) <= 40, "label", "at most 40 characters (SAS XPT v5)", v.label),
        (len(v.name) <= 8, "name", "at most 8 characters (SAS XPT v5)", v.name),
    )
    for ok, key, expected, value in checks:
        if not ok:
            raise ConfigError(f"{where} variable {v.name} {key}", expected, value)
    if v.codelist is not None:
        load_codelist(v.codelist)
    return v


@cache
def load_spec(name: str) -> DomainSpec:
    """Load the specification of dataset ``name`` (any case: ``"ae"``, ``"SUPPAE"``, ``"adsl"``).

    Parameters
    ----------
    name : str
        A name from :func:`spec_names`.

    Returns
    -------
    DomainSpec
        The parsed, checked specification; a SUPP-- spec that ``extends`` SUPPQUAL carries the
        SUPPQUAL variables and keys.

    Raises
    ------
    ConfigError
        If there is no specification of that name, or the TOML breaks the rules above
        (unknown type/core/codelist, label over 40 characters).
    """
    key = name.upper()
    if key not in spec_names():
        raise ConfigError("domain", "one of " + ", ".join(spec_names()), name)
    where = f"cdisc/specs/{key.lower()}.toml"
    data = tomllib.loads((_spec_dir() / f"{key.lower()}.toml").read_text(encoding="utf-8"))
    base = load_spec(data["extends"]) if "extends" in data else None
    variables = (
        base.variables
        if base is not None
        else tuple(_variable(where, d) for d in data["variables"])
    )
    qualifiers = {}
    for q in data.get("qualifiers", []):
        spec = QualifierSpec(q["qnam"], q.get("type", "char"), q["label"], q.get("codelist"))
        if spec.codelist is not None:
            load_codelist(spec.codelist)
        qualifiers[spec.qnam] = spec
    kind = data.get("kind", base.kind if base else "sdtm")
    if kind not in _KINDS:
        raise ConfigError(f"{where} kind", "one of 'sdtm', 'supp', 'adam'", kind)
    return DomainSpec(
        name=data["name"],
        label=data["label"],
        kind=kind,
        standard=data.get("standard", base.standard if base else ""),
        source=data["source"],
        variables=variables,
        keys=tuple(data.get("keys", base.keys if base else ())),
        qualifiers=MappingProxyType(qualifiers),
    )


def find_spec(domain: str) -> DomainSpec | None:
    """The specification for a dataset of ``domain``, or None when none is shipped.

    ``domain`` is a domain name such as ``"AE"``, ``"ADSL"`` or ``"SUPPLB"``; a SUPP-- domain
    without its own file uses the generic SUPPQUAL specification.

    Examples
    --------
    >>> find_spec("supplb").name, find_spec("VS") is None
    ('SUPPQUAL', True)
    """
    key = domain.upper()
    if key in spec_names():
        return load_spec(key)
    if key.startswith("SUPP"):
        return load_spec("SUPPQUAL")
    return None
