"""Dose levels and the ordered dose plan of a trial."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from doseflow.checks import check_real
from doseflow.errors import ConfigError

__all__ = ["DoseLevel", "DosePlan"]


@dataclass(frozen=True, slots=True)
class DoseLevel:
    """One dose level: a label a person reads, an amount and its unit.

    Examples
    --------
    >>> DoseLevel("DL3", 3.6, "mg/kg")
    DoseLevel(label='DL3', amount=3.6, unit='mg/kg')
    """

    label: str
    amount: float
    unit: str = ""

    def __post_init__(self) -> None:
        check_real(self.amount, f"dose level {self.label!r} amount", minimum=0.0)

    def __str__(self) -> str:
        return f"{self.amount:g} {self.unit}".strip()

    def to_dict(self) -> dict:
        """``{"label", "amount", "unit"}``, for JSON and database rows."""
        return {"label": self.label, "amount": self.amount, "unit": self.unit}

    @classmethod
    def from_dict(cls, data: dict) -> "DoseLevel":
        """The inverse of :meth:`to_dict`; names a missing key."""
        _require_keys(data, ("label", "amount"), "dose level")
        return cls(str(data["label"]), data["amount"], str(data.get("unit", "")))


@dataclass(frozen=True, slots=True)
class DosePlan:
    """The ordered dose levels of a trial, lowest first.

    Levels are numbered 1..K for people (``plan.level(1)`` is the lowest); arrays that
    hold one value per level are 0-based.

    Examples
    --------
    >>> plan = DosePlan.from_amounts([1.2, 2.4, 3.6], "mg/kg")
    >>> len(plan), str(plan.level(3))
    (3, '3.6 mg/kg')
    """

    levels: tuple[DoseLevel, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.levels, tuple):
            object.__setattr__(self, "levels", tuple(self.levels))
        if len(self.levels) == 0:
            raise ConfigError("dose plan", "at least one dose level", list(self.levels))
        amounts = [lv.amount for lv in self.levels]
        for i in range(1, len(amounts)):
            if amounts[i] <= amounts[i - 1]:
                raise ConfigError(
                    f"dose plan level {i + 1} amount",
                    f"greater than level {i}'s amount {amounts[i - 1]:g} (levels are ordered, lowest first)",
                    amounts[i],
                )

    @classmethod
    def from_amounts(cls, amounts: Sequence[float], unit: str = "") -> "DosePlan":
        """Build a plan from increasing amounts; labels are ``"DL1"``, ``"DL2"``, ..."""
        return cls(tuple(DoseLevel(f"DL{i + 1}", float(a), unit) for i, a in enumerate(amounts)))

    @classmethod
    def of_size(cls, n_levels: int) -> "DosePlan":
        """A plan of ``n_levels`` unnamed levels (amounts 1..K, no unit), for counts-only use."""
        if isinstance(n_levels, bool) or not isinstance(n_levels, int) or n_levels < 1:
            raise ConfigError("number of dose levels", "a whole number >= 1", n_levels)
        return cls.from_amounts(list(range(1, n_levels + 1)))

    def __len__(self) -> int:
        return len(self.levels)

    def __iter__(self) -> Iterator[DoseLevel]:
        return iter(self.levels)

    @property
    def n_levels(self) -> int:
        """Number of dose levels K."""
        return len(self.levels)

    @property
    def amounts(self) -> tuple[float, ...]:
        """The amounts of the levels, lowest first (one per level, for array work)."""
        return tuple(lv.amount for lv in self.levels)

    @property
    def unit(self) -> str:
        """The unit shared by every level ("" when the levels' units differ or are not given)."""
        units = {lv.unit for lv in self.levels}
        return units.pop() if len(units) == 1 else ""

    def level(self, number: int) -> DoseLevel:
        """The dose level numbered ``number`` (1-based)."""
        self.check_level(number)
        return self.levels[number - 1]

    def to_dict(self) -> dict:
        """``{"levels": [{"label", "amount", "unit"}, ...]}``, lowest level first."""
        return {"levels": [lv.to_dict() for lv in self.levels]}

    @classmethod
    def from_dict(cls, data: dict) -> "DosePlan":
        """The inverse of :meth:`to_dict`.

        Examples
        --------
        >>> plan = DosePlan.from_amounts([1.2, 2.4], "mg/kg")
        >>> DosePlan.from_dict(plan.to_dict()) == plan
        True
        """
        _require_keys(data, ("levels",), "dose plan")
        levels = data["levels"]
        if not isinstance(levels, (list, tuple)):
            raise ConfigError("dose plan levels", "a list of dose levels", levels)
        return cls(tuple(DoseLevel.from_dict(lv) for lv in levels))

    def check_level(self, number: object, where: str = "dose level") -> int:
        """Return ``number`` if it is a valid 1-based level of this plan, else raise."""
        if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= len(self):
            raise ConfigError(where, f"a dose level from 1 to {len(self)}", number)
        return number


def _require_keys(data: object, keys: tuple[str, ...], where: str) -> None:
    if not isinstance(data, dict):
        raise ConfigError(where, "a mapping (JSON object)", data)
    for key in keys:
        if key not in data:
            raise ConfigError(f"{where} key {key!r}", "present", None)
