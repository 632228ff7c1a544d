"""Reading one value of the readout configuration: lists of text, booleans, text, frozen fields."""

from __future__ import annotations

from typing import Any

from doseflow.errors import ConfigError

__all__ = ["read_strings", "read_bool", "read_text", "set_frozen"]


def read_strings(value: object, where: str, *, upper: bool = False) -> tuple[str, ...]:
    """A non-empty list of non-empty strings, as a tuple."""
    if isinstance(value, str) or not isinstance(value, (list, tuple)) or not value \
            or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(where, "a non-empty list of text values", value)
    return tuple(v.strip().upper() if upper else v.strip() for v in value)


def read_bool(value: object, where: str) -> bool:
    """``value`` when it is true or false, else a ConfigError naming ``where``."""
    if not isinstance(value, bool):
        raise ConfigError(where, "true or false", value)
    return value


def read_text(value: object, where: str) -> str:
    """``value`` stripped, when it is non-empty text."""
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(where, "a non-empty text value", value)
    return value.strip()


def set_frozen(obj: object, name: str, value: Any) -> None:
    """Set a field of a frozen dataclass in its ``__post_init__`` (the checked, normalised value)."""
    object.__setattr__(obj, name, value)

