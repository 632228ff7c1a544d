"""The create-trial and design forms, generated from the design registry's option metadata.

Every design and wrapper in :func:`doseflow.designs.registry.design_classes` /
:func:`~doseflow.designs.registry.wrapper_classes` offers its options as dataclass fields
with type, default, bounds, help and choices (:func:`~doseflow.designs.registry.options_of`);
the form shows one input per option and :func:`parse_design_form` turns the submitted text
back into a registry spec, so every design doseflow has can run a live trial.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from doseflow.designs.registry import design_classes, options_of, wrapper_classes
from doseflow.errors import InputError

__all__ = ["design_form", "parse_design_form", "registry_metadata"]


def _field(spec, prefix: str) -> dict[str, Any]:  # noqa: ANN001
    default = spec.default
    if isinstance(default, tuple):
        default = ", ".join(f"{v:g}" for v in default)
    return {"name": prefix + spec.name, "option": spec.name, "kind": spec.kind, "required": spec.required,
            "optional": spec.optional, "default": "" if default is None else default, "help": spec.help,
            "bounds": spec.describe_bounds(), "minimum": spec.minimum, "maximum": spec.maximum,
            "choices": list(spec.choices or ())}


def design_form(design: str, wrappers: list[str]) -> dict[str, Any]:
    """The inputs for ``design`` with ``wrappers``: ``{"design", "title", "fields", "wrappers": [...]}``."""
    designs = design_classes()
    if design not in designs:
        raise InputError("design", "one of " + ", ".join(designs), design)
    cls = designs[design]
    fields = [_field(s, "opt.") for s in options_of(cls) if s.kind != "design"]
    if cls.uses_followup:  # the trial's DLT window unless another is typed (and then it must agree)
        for field in fields:
            if field["option"] == "window":
                field["default"] = ""
                field["help"] += " Empty: the trial's DLT window."
    out = {"design": design, "title": cls.title, "citation": cls.citation, "fields": fields, "wrappers": []}
    for name, wcls in wrapper_classes().items():
        if name in wrappers:
            out["wrappers"].append({"name": name, "title": wcls.title,
                                    "fields": [_field(s, f"w.{name}.") for s in options_of(wcls) if s.kind != "design"]})
    return out


def registry_metadata() -> dict[str, Any]:
    """Every design and wrapper with its options (the API's ``GET /api/designs``)."""
    return {
        "designs": {n: {"title": c.title, "citation": c.citation, "options": [_field(s, "") for s in options_of(c)]}
                    for n, c in design_classes().items()},
        "wrappers": {n: {"title": c.title, "options": [_field(s, "") for s in options_of(c) if s.kind != "design"]}
                     for n, c in wrapper_classes().items()},
    }


def _value(field: dict[str, Any], text: str) -> Any:
    where = field["option"]
    kind = field["kind"]
    try:
        if kind == "int":
            return int(text)
        if kind == "float":
            return float(text)
        if kind == "floats":
            return [float(v) for v in text.replace(";", ",").split(",") if v.strip()]
    except ValueError:
        raise InputError(where, field["bounds"], text) from None
    if kind == "bool":
        return text.lower() in ("1", "true", "on", "yes")
    return text


def _options(fields: list[dict[str, Any]], form: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for field in fields:
        text = str(form.get(field["name"], "")).strip()
        if field["kind"] == "bool":
            out[field["option"]] = text != "" and _value(field, text)
        elif text == "":
            if field["required"]:
                raise InputError(field["option"], f"given ({field['help']})", text)
        else:
            out[field["option"]] = _value(field, text)
    return out


def parse_design_form(form: Mapping[str, str]) -> dict[str, Any]:
    """A registry spec from the submitted form (``design``, ``wrappers``, ``opt.*``, ``w.<wrapper>.*``)."""
    wrappers = [w for w in str(form.get("wrappers", "")).split(",") if w]
    shape = design_form(str(form.get("design", "")), wrappers)
    spec: dict[str, Any] = {"design": shape["design"], **_options(shape["fields"], form)}
    for wrapper in shape["wrappers"]:
        spec = {"design": wrapper["name"], **_options(wrapper["fields"], form), "base": spec}
    return spec
