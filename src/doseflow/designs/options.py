"""Design options as dataclass fields that document, bound and validate themselves.

Each option of a design is a dataclass field made by :func:`option`, whose metadata holds
its help text, bounds and choices. That metadata is the one description of the option: the
design's ``__post_init__`` validates against it (:func:`validate_options`), the registry
lists it, the command line builds its ``--flags`` from it, and config files and the web
service fill it. (PKNCA's self-documenting options, ``PKNCA.options``, are the model.)

Examples
--------
>>> from dataclasses import dataclass
>>> @dataclass(frozen=True)
... class Toy:
...     target: float = option(0.3, help="Target DLT rate.", minimum=0.0, maximum=1.0, exclusive=True)
...     def __post_init__(self):
...         validate_options(self)
>>> Toy(0.25).target
0.25
>>> Toy(1.5)
Traceback (most recent call last):
...
doseflow.errors.ConfigError: Toy.target: must be a number in (0, 1); got 1.5.
>>> [(s.name, s.flag) for s in option_specs(Toy)]
[('target', '--target')]
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from dataclasses import MISSING, dataclass
from functools import lru_cache
from numbers import Integral, Real
from typing import Any

from doseflow.errors import ConfigError

__all__ = ["option", "OptionSpec", "option_specs", "validate_options", "design_to_dict", "describe_design"]


def option(
    default: Any = MISSING,
    *,
    help: str,
    minimum: float | None = None,
    maximum: float | None = None,
    exclusive: bool = False,
    choices: tuple[str, ...] | None = None,
    length: str | None = None,
    cli: bool = True,
) -> Any:
    """A dataclass field with its help, bounds and choices in ``metadata``.

    Parameters
    ----------
    default
        Default value (omit for a required option).
    help : str
        One sentence for ``--help``, the registry and the web form.
    minimum, maximum : float, optional
        Bounds (inclusive unless ``exclusive``); for a tuple option, bounds of each item.
    exclusive : bool
        Whether the bounds are strict.
    choices : tuple of str, optional
        Allowed values of a text option.
    length : str, optional
        For a tuple option, the name of the length it must have, e.g. ``"levels"``: checked
        against the dose plan when the design decides.
    cli : bool
        Whether the command line offers it (a wrapped design is given by name instead).
    """
    meta = {"help": help, "minimum": minimum, "maximum": maximum, "exclusive": exclusive,
            "choices": choices, "length": length, "cli": cli}
    return dataclasses.field(default=default, metadata=meta)


@dataclass(frozen=True, slots=True)
class OptionSpec:
    """What the registry knows of one option: read from the field and its metadata."""

    name: str
    kind: str  # "int", "float", "str", "bool", "floats", "design"
    optional: bool  # None allowed
    default: Any
    required: bool
    help: str
    minimum: float | None
    maximum: float | None
    exclusive: bool
    choices: tuple[str, ...] | None
    length: str | None
    cli: bool

    @property
    def flag(self) -> str:
        """The command-line flag: ``--cohort-size`` for ``cohort_size``."""
        return "--" + self.name.replace("_", "-")

    def describe_bounds(self) -> str:
        """The bounds in words, e.g. ``"a number in (0, 1)"``, as error messages say them."""
        if self.choices:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        kind = "float" if self.kind == "floats" else self.kind
        noun = {"int": "a whole number", "float": "a number", "bool": "True or False",
                "str": "a text", "design": "a design"}[kind]
        lo, hi = self.minimum, self.maximum
        if lo is not None and hi is not None:
            left, right = ("(", ")") if self.exclusive else ("[", "]")
            text = f"{noun} in {left}{lo:g}, {hi:g}{right}"
        elif lo is not None:
            text = f"{noun} {'>' if self.exclusive else '>='} {lo:g}"
        elif hi is not None:
            text = f"{noun} {'<' if self.exclusive else '<='} {hi:g}"
        else:
            text = noun
        if self.kind == "floats":
            text = "a list of numbers" + ("" if text == noun else ", each " + text.removeprefix("a number "))
        return text + (" or None" if self.optional else "")


def _kind(annotation: Any) -> tuple[str, bool]:
    optional = False
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        optional = len(args) < len(typing.get_args(annotation))
        annotation = args[0] if len(args) == 1 else annotation
        origin = typing.get_origin(annotation)
    if annotation is bool:
        return "bool", optional
    if annotation is int:
        return "int", optional
    if annotation is float:
        return "float", optional
    if annotation is str or typing.get_origin(annotation) is typing.Literal:
        return "str", optional
    if origin is tuple:
        return "floats", optional
    return "design", optional


@lru_cache(maxsize=None)
def option_specs(cls: type) -> tuple[OptionSpec, ...]:
    """The options of a design class, in field order (fields made by :func:`option` only)."""
    hints = typing.get_type_hints(cls)
    out = []
    for f in dataclasses.fields(cls):
        if "help" not in f.metadata:
            continue
        kind, optional = _kind(hints[f.name])
        m = f.metadata
        out.append(OptionSpec(
            f.name, kind, optional, None if f.default is MISSING else f.default, f.default is MISSING,
            m["help"], m["minimum"], m["maximum"], m["exclusive"], m["choices"], m["length"], m["cli"],
        ))
    return tuple(out)


def _check_number(value: Any, spec: OptionSpec, where: str) -> float | int:
    integral = spec.kind == "int"
    ok = not isinstance(value, bool) and isinstance(value, Integral if integral else Real)
    if integral and not ok and isinstance(value, Real) and not isinstance(value, bool) and float(value).is_integer():
        value, ok = int(value), True
    if not ok or not math.isfinite(float(value)):
        raise ConfigError(where, spec.describe_bounds(), value)
    v = int(value) if integral else float(value)
    lo, hi = spec.minimum, spec.maximum
    low_bad = lo is not None and (v <= lo if spec.exclusive else v < lo)
    high_bad = hi is not None and (v >= hi if spec.exclusive else v > hi)
    if low_bad or high_bad:
        raise ConfigError(where, spec.describe_bounds(), value)
    return v


def validate_options(design: Any) -> None:
    """Check (and normalise) every option of ``design`` against its metadata, in place.

    Numbers become ``int``/``float``, lists become tuples; the first bad option raises
    :class:`ConfigError` naming ``<Class>.<option>`` and the value. Cross-option rules
    (``phi1 < target``) stay in the design's own ``__post_init__``.
    """
    cls = type(design)
    for spec in option_specs(cls):
        where = f"{cls.__name__}.{spec.name}"
        value = getattr(design, spec.name)
        if value is None:
            if not spec.optional:
                raise ConfigError(where, spec.describe_bounds(), value)
            continue
        if spec.kind in ("int", "float"):
            value = _check_number(value, spec, where)
        elif spec.kind == "bool":
            if not isinstance(value, bool):
                raise ConfigError(where, "True or False", value)
        elif spec.kind == "str":
            if not isinstance(value, str) or (spec.choices and value not in spec.choices):
                raise ConfigError(where, spec.describe_bounds(), value)
        elif spec.kind == "floats":
            if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
                raise ConfigError(where, spec.describe_bounds(), value)
            items = list(value)
            if not items:
                raise ConfigError(where, "a list with at least one number", items)
            item_spec = dataclasses.replace(spec, kind="float", optional=False)
            value = tuple(_check_number(v, item_spec, f"{where} item {i + 1}") for i, v in enumerate(items))
        elif spec.kind == "design":
            if not callable(getattr(value, "decide", None)):
                raise ConfigError(where, "a design (with decide and select_mtd)", type(value).__name__)
        object.__setattr__(design, spec.name, value)


def design_to_dict(design: Any) -> dict[str, Any]:
    """A design (or wrapper, recursively) as plain values: ``{"design": name, option: value}``.

    Tuples become lists, so the result is JSON-ready; :func:`doseflow.designs.registry.build_design`
    is the inverse.
    """
    out: dict[str, Any] = {"design": type(design).name}
    for spec in option_specs(type(design)):
        value = getattr(design, spec.name)
        if spec.kind == "design":
            value = design_to_dict(value)
        elif isinstance(value, tuple):
            value = list(value)
        out[spec.name] = value
    return out


def describe_design(design: Any) -> str:
    """``name(option=value, ...)`` with the options that differ from their defaults; a wrapper
    follows its base after ``" + "``."""
    parts, base = [], None
    for spec in option_specs(type(design)):
        value = getattr(design, spec.name)
        if spec.kind == "design":
            base = value
        elif spec.required or value != spec.default:
            parts.append(f"{spec.name}={value:g}" if isinstance(value, float) else f"{spec.name}={value}")
    own = f"{type(design).name}({', '.join(parts)})" if parts else type(design).name
    return own if base is None else f"{describe_design(base)} + {own}"
