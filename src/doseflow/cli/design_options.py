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

from doseflow.designs.registry import CliOption, cli_options, design_classes
from doseflow.errors import InputError

__all__ = ["with_design_options", "parse_numbers", "DESIGN_ARGUMENT", "design_names_help"]

_PANEL = "Design options (each design takes its own; see `doseflow designs`)"


def design_names_help() -> str:
    """``"Design: 3+3, rolling6, boin, ..."``: the valid names, for help texts."""
    return "Design: " + ", ".join(design_classes()) + "."


DESIGN_ARGUMENT = typer.Argument(..., help="Design name (see `doseflow designs`).", metavar="DESIGN",
                                 show_default=False)


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
    """The value of a flag's text, by the option's kind; a clear error naming the flag and the text."""
    kind = option.spec.kind
    if kind == "floats":
        return parse_numbers(text, option.flag)
    if kind == "int":
        try:
            return int(text)
        except ValueError:
            raise InputError(option.flag, "a whole number", text) from None
    if kind == "float":
        try:
            return float(text)
        except ValueError:
            raise InputError(option.flag, "a number", text) from None
    return text


def parse_numbers(text: str, where: str) -> list[float]:
    """``"0.05,0.1,0.2"`` as numbers, naming ``where`` and the item on error."""
    out = []
    for i, item in enumerate(str(text).split(","), start=1):
        try:
            out.append(float(item.strip()))
        except ValueError:
            raise InputError(f"{where} item {i}", "a number", item.strip()) from None
    return out


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

