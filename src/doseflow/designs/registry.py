"""The designs and wrappers doseflow offers, found from their modules, built from plain values.

Nothing registers itself on import: :func:`design_classes` looks, when first asked, through
the modules of ``doseflow.designs.rule_based``, ``interval``, ``model_based`` and
``wrappers`` for frozen dataclasses with a ``name`` and a ``decide`` method. Adding a design
therefore touches its own module (and its tests and docs) only.

Every option of a design is a field with metadata (:mod:`doseflow.designs.options`), which
gives the three ways of building one:

- :func:`build_design` from a mapping, the form of config files, the web service and
  :meth:`to_dict` (``{"design": "boin", "target": 0.25}``; a wrapper holds its base:
  ``{"design": "stop_at_sample_size", "max_n": 30, "base": {...}}``);
- :func:`design_from_options` from command-line style flags
  (``{"--target": 0.25, "--max-n": 30}``), wrappers switched on by their own flags and
  applied in :data:`doseflow.designs.wrappers.WRAPPER_ORDER`;
- the classes themselves, in Python.

Examples
--------
>>> design = design_from_options("boin", {"--target": 0.25, "--max-n": 30})
>>> type(design).__name__, design.base.target, design.max_n
('StopAtSampleSize', 0.25, 30)
>>> build_design(design.to_dict()) == design
True
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from doseflow.designs.options import OptionSpec, option_specs
from doseflow.designs.wrappers import WRAPPER_ORDER, Wrapper
from doseflow.errors import ConfigError, InputError

__all__ = [
    "CliOption",
    "build_design",
    "cli_options",
    "design_classes",
    "design_from_options",
    "options_of",
    "wrapper_classes",
]

_FAMILIES = ("rule_based", "interval", "model_based")
_DEFAULT_TARGET = 0.3

#: Command-line flags of the wrappers' options, where the field name alone would be ambiguous.
#: A wrapper is switched on by its switch flag or by any of its required options.
_WRAPPER_FLAGS: dict[str, dict[str, str]] = {
    "accelerated": {"max_single_levels": "--max-single-levels", "trigger_grade": "--trigger-grade",
                    "trigger_count": "--trigger-count"},
    "start_up": {"cohort_size": "--start-up-cohort-size"},
    "no_skipping": {"when_deescalating": "--no-skipping-down"},
    "no_escalation_after_dlt": {},
    "stop_when_too_toxic": {"level": "--too-toxic-level", "threshold": "--too-toxic-threshold",
                            "confidence": "--too-toxic-confidence", "min_n": "--too-toxic-min-n",
                            "prior_a": "--too-toxic-prior-a", "prior_b": "--too-toxic-prior-b"},
    "stop_at_n_at_dose": {"n": "--n-earlystop", "when": "--earlystop-when"},
    "demand_n_at_dose": {"n": "--demand-n"},
    "stop_at_sample_size": {"max_n": "--max-n"},
    "expansion": {"n": "--expansion-n", "levels": "--expansion-levels"},
}
#: Switches of the wrappers that have no required option.
_WRAPPER_SWITCHES: dict[str, str] = {
    "accelerated": "--accelerated",
    "start_up": "--start-up",
    "no_skipping": "--no-skipping",
    "no_escalation_after_dlt": "--no-escalation-after-dlt",
    "stop_when_too_toxic": "--stop-when-too-toxic",
}


def _is_design(obj: Any, module: str) -> bool:
    return (
        inspect.isclass(obj) and obj.__module__ == module and dataclasses.is_dataclass(obj)
        and bool(getattr(obj, "name", "")) and callable(getattr(obj, "decide", None))
        and not inspect.isabstract(obj)
    )


@lru_cache(maxsize=1)
def design_classes() -> dict[str, type]:
    """Design name -> class, families in the order rule-based, interval, model-based."""
    found: dict[str, type] = {}
    for family in _FAMILIES:
        try:
            package = importlib.import_module(f"doseflow.designs.{family}")
        except ModuleNotFoundError:
            continue
        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            for _, obj in inspect.getmembers(module, lambda o, m=module.__name__: _is_design(o, m)):
                if issubclass(obj, Wrapper):
                    continue
                if obj.name in found and found[obj.name] is not obj:
                    raise ConfigError("design registry", f"one class per name ({obj.name!r} is taken)", obj.__name__)
                found[obj.name] = obj
    return found


def wrapper_classes() -> dict[str, type]:
    """Wrapper name -> class, innermost first (the order they are applied)."""
    return {cls.name: cls for cls in WRAPPER_ORDER}


def options_of(cls: type) -> tuple[OptionSpec, ...]:
    """The options of a design or wrapper class (see :func:`doseflow.designs.options.option_specs`)."""
    return option_specs(cls)


def _lookup(name: object, where: str) -> type:
    key = str(name).lower()
    table = {**design_classes(), **wrapper_classes()}
    if key not in table:
        raise InputError(where, "one of " + ", ".join(design_classes()), name, "List them with `doseflow designs`.")
    return table[key]


def build_design(spec: Mapping[str, Any], where: str = "design") -> Any:
    """Build a design (with its wrappers) from plain values: the inverse of ``design.to_dict()``.

    Parameters
    ----------
    spec : mapping
        ``{"design": name, option: value, ...}``; a wrapper's ``base`` is a mapping too.
    where : str
        How error messages name the spec (e.g. ``"study.toml [designs.boin]"``).

    Raises
    ------
    InputError, ConfigError
        For an unknown design or option (naming it) or an invalid value.
    """
    if not isinstance(spec, Mapping) or "design" not in spec:
        raise ConfigError(where, "a mapping with a 'design' key naming the design", spec)
    cls = _lookup(spec["design"], where if where.endswith("design") else f"{where} design")
    specs = {s.name: s for s in options_of(cls)}
    kwargs: dict[str, Any] = {}
    for key, value in spec.items():
        if key == "design":
            continue
        if key not in specs:
            raise ConfigError(f"{where} option {key!r}", f"an option of {cls.name} ({', '.join(specs)})", value)
        if specs[key].kind == "design":
            value = build_design(value, f"{where}.{key}")
        kwargs[key] = value
    if "target" in specs and "target" not in kwargs and specs["target"].required:
        kwargs["target"] = _DEFAULT_TARGET
    missing = [s.name for s in specs.values() if s.required and s.name not in kwargs]
    if missing:
        raise ConfigError(f"{where} option {missing[0]!r}", f"given ({specs[missing[0]].help})", None)
    return cls(**kwargs)


@dataclass(frozen=True, slots=True)
class CliOption:
    """One command-line flag: the option it sets and which designs or wrappers own it."""

    flag: str
    spec: OptionSpec
    owners: tuple[str, ...]
    switch_for: str | None = None  # a wrapper's on/off switch


def _wrapper_flag(wrapper: str, spec: OptionSpec) -> str:
    return _WRAPPER_FLAGS.get(wrapper, {}).get(spec.name, spec.flag)


@lru_cache(maxsize=1)
def cli_options() -> tuple[CliOption, ...]:
    """Every flag the design commands accept, generated from the options' metadata."""
    by_flag: dict[str, CliOption] = {}

    def add(flag: str, spec: OptionSpec, owner: str, switch_for: str | None = None) -> None:
        if flag in by_flag:
            old = by_flag[flag]
            if old.spec.kind != spec.kind:
                raise ConfigError("design registry", f"one kind per flag ({flag} is {old.spec.kind})", spec.kind)
            by_flag[flag] = dataclasses.replace(old, owners=old.owners + (owner,))
        else:
            by_flag[flag] = CliOption(flag, spec, (owner,), switch_for)

    for name, cls in design_classes().items():
        for spec in options_of(cls):
            if spec.cli:
                add(spec.flag, spec, name)
    for name, cls in wrapper_classes().items():
        if name in _WRAPPER_SWITCHES:
            switch = OptionSpec(name, "bool", False, False, False, f"Add the wrapper: {cls.title}.", None, None,
                                False, None, None, True)
            add(_WRAPPER_SWITCHES[name], switch, name, switch_for=name)
        for spec in options_of(cls):
            if spec.cli:
                add(_wrapper_flag(name, spec), spec, name)
    return tuple(by_flag.values())


def design_from_options(name: str, given: Mapping[str, Any]) -> Any:
    """Build the design called ``name`` from command-line flags (``"--target"`` -> value).

    Flags of the design itself set its options; flags of a wrapper switch the wrapper on
    (its switch, or any of its options), and wrappers are applied in
    :data:`~doseflow.designs.wrappers.WRAPPER_ORDER`. A flag that neither the design nor a
    wrapper takes is an :class:`InputError` naming it and listing what the design takes.
    Interval designs get target 0.3 when none is given.
    """
    cls = _lookup(name, "DESIGN")
    if issubclass(cls, Wrapper):
        raise InputError("DESIGN", "a design (wrappers are added with their flags)", name,
                         "List the designs with `doseflow designs`.")
    own = {s.flag: s for s in options_of(cls) if s.cli}
    flags = {o.flag: o for o in cli_options()}
    wrappers = wrapper_classes()
    base_kwargs: dict[str, Any] = {}
    wrapper_kwargs: dict[str, dict[str, Any]] = {}
    for flag, value in given.items():
        if value is None or (value is False and flag in _WRAPPER_SWITCHES.values()):
            continue
        if flag in own:
            base_kwargs[own[flag].name] = value
            continue
        option_ = flags.get(flag)
        owner = None if option_ is None else next((o for o in option_.owners if o in wrappers), None)
        if owner is None:
            takes = ", ".join(sorted(own)) or "no options of its own"
            raise InputError(flag, f"an option of design {cls.name!r}", value,
                             f"{cls.name} takes: {takes}; and the wrapper flags listed by `doseflow designs`.")
        kwargs = wrapper_kwargs.setdefault(owner, {})
        if option_.switch_for is None:
            kwargs[option_.spec.name] = value
    if "target" in {s.name for s in options_of(cls)} and "target" not in base_kwargs:
        base_kwargs["target"] = _DEFAULT_TARGET
    design = _construct(cls, base_kwargs, lambda field: own_flag(cls, field))
    for wname, wcls in wrappers.items():
        if wname in wrapper_kwargs:
            design = _construct(wcls, {"base": design, **wrapper_kwargs[wname]},
                                lambda field, w=wname, c=wcls: _flag_of(w, c, field))
    return design


def own_flag(cls: type, field: str) -> str | None:
    """The command-line flag of a design's option ``field``, if it has one."""
    return next((s.flag for s in options_of(cls) if s.name == field and s.cli), None)


def _flag_of(wrapper: str, cls: type, field: str) -> str | None:
    spec = next((s for s in options_of(cls) if s.name == field), None)
    return None if spec is None or not spec.cli else _wrapper_flag(wrapper, spec)


def _construct(cls: type, kwargs: dict[str, Any], flag_of) -> Any:
    missing = [s for s in options_of(cls) if s.required and s.name not in kwargs]
    if missing:
        flag = flag_of(missing[0].name) or missing[0].name
        raise InputError(flag, f"given for {cls.name} ({missing[0].help})", None)
    try:
        return cls(**kwargs)
    except ConfigError as exc:
        # name the command-line flag rather than the dataclass field
        field = str(exc.where).rsplit(".", 1)[-1].split(" ")[0]
        flag = flag_of(field)
        if flag is None:
            raise
        raise InputError(flag, exc.expected, exc.value, exc.hint) from None
