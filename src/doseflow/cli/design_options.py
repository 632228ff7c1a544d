"""Command-line options of the design commands, generated from the designs' option metadata.

Every design and wrapper option (:func:`doseflow.designs.registry.cli_options`) becomes a
``--flag`` of ``boundaries``, ``next``, ``mtd``, ``simulate`` and ``paths``, typed (whole
number, number, text, switch, list of numbers) and documented with its bounds and the
designs that take it. Flags a design does not take are refused by
:func:`doseflow.designs.registry.design_from_options`, naming the flag.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, Optional

import typer
from rich.markup import escape

from doseflow.cli.common_options import parse_number, parse_whole_number
from doseflow.designs.registry import CliOption, cli_options, design_classes
from doseflow.errors import InputError

__all__ = ["with_design_options", "parse_numbers", "design_argument"]

_PANEL = "Design options (each design takes its own; see `doseflow designs`)"


def design_argument(names: list[str] | None = None) -> Any:
    """The DESIGN argument, its help listing the valid names (all designs, or ``names``)."""
    names = list(design_classes()) if names is None else names
    return typer.Argument(..., metavar="DESIGN", show_default=False,
                          help="The design: " + ", ".join(names) + " (see `doseflow designs`).")


def _param_name(flag: str) -> str:
    return "opt_" + flag.lstrip("-").replace("-", "_")


def _help(option: CliOption) -> str:
    owners = ", ".join(option.owners)
    if option.switch_for is not None:
        return escape(f"{option.spec.help} ({owners})")
    bounds = option.spec.describe_bounds()
    return escape(f"{option.spec.help} ({bounds}; {owners})")


def _parameter(option: CliOption) -> inspect.Parameter:
    spec = option.spec
    name = _param_name(option.flag)
    if spec.kind == "bool":
        default = typer.Option(False, option.flag, help=_help(option), rich_help_panel=_PANEL, show_default=False)
        return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=bool)
    metavar = {"int": "INTEGER", "float": "NUMBER", "str": "TEXT", "floats": "NUMBERS"}[spec.kind]
    if spec.choices:
        metavar = "[" + "|".join(spec.choices) + "]"
    default = typer.Option(None, option.flag, help=_help(option), rich_help_panel=_PANEL, metavar=metavar,
                           show_default=False)
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=Optional[str])


def _convert(option: CliOption, text: str) -> Any:
    """The value of a flag's text, by the option's kind; a clear error naming the flag and the text.

    Only the kind is checked here; the bounds are the design's own (its options' metadata),
    checked when the design is built, so they are stated once.
    """
    kind = option.spec.kind
    if kind == "floats":
        return parse_numbers(text, option.flag)
    if kind == "int":
        return parse_whole_number(text, option.flag)
    if kind == "float":
        return parse_number(text, option.flag)
    return text


#: Most items of a list of numbers (one per dose level).
MAX_ITEMS = 100


def parse_numbers(text: str, where: str, minimum: float | None = None, maximum: float | None = None, *,
                  noun: str = "a number") -> list[float]:
    """``"0.05,0.1,0.2"`` as finite numbers within their bounds, naming ``where`` and the item on error."""
    items = str(text).split(",")
    if len(items) > MAX_ITEMS:
        raise InputError(where, f"at most {MAX_ITEMS} numbers (one per dose level)", len(items))
    return [parse_number(item.strip(), f"{where} item {i}", minimum, maximum, noun=noun)
            for i, item in enumerate(items, start=1)]


def with_design_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add every design option flag to a command; the command receives them as ``design_options``.

    ``design_options`` maps the flags the user gave to their values (switches only when on;
    lists of numbers parsed).
    """
    options = cli_options()
    by_param = {_param_name(o.flag): o for o in options}
    sig = inspect.signature(func)

    @functools.wraps(func)
    def wrapper(**kwargs: Any) -> Any:
        given: dict[str, Any] = {}
        for name in list(kwargs):
            if name in by_param:
                value = kwargs.pop(name)
                option = by_param[name]
                if value is None or value is False:
                    continue
                given[option.flag] = value if value is True else _convert(option, value)
        return func(design_options=given, **kwargs)

    params = [p for p in sig.parameters.values() if p.name != "design_options"]
    params += [_parameter(o) for o in options]
    wrapper.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
    return wrapper

