"""What a design answers: the next dose with its reason, and the MTD selection."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from doseflow.errors import ConfigError

__all__ = ["Action", "ACTIONS", "Decision", "MTDSelection"]

Action = Literal["escalate", "stay", "de-escalate", "stop"]
ACTIONS: tuple[str, ...] = ("escalate", "stay", "de-escalate", "stop")


@dataclass(frozen=True, slots=True)
class Decision:
    """A design's decision for the next cohort.

    Attributes
    ----------
    action : {"escalate", "stay", "de-escalate", "stop"}
        Direction relative to the current dose, or stop.
    next_dose : int or None
        1-based level for the next cohort; None when the trial stops.
    reason : str
        One plain sentence naming the rule that fired, e.g. "1 DLT in 3 patients at
        level 3 (33%) is above the de-escalation boundary 0.358".
    eliminated : tuple of int
        1-based levels that may no longer be used (too toxic), in increasing order.
    rule : str
        Stable identifier of the rule that fired (``"boin.deescalate"``), for tests and logs.
    cohort_size : int or None
        Patients to enrol next (e.g. 1 during accelerated titration); None when stopping.
    """

    action: Action
    next_dose: int | None
    reason: str
    eliminated: tuple[int, ...] = ()
    rule: str = ""
    cohort_size: int | None = None

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise ConfigError("Decision.action", "one of " + ", ".join(ACTIONS), self.action)
        if (self.action == "stop") != (self.next_dose is None):
            raise ConfigError(
                "Decision.next_dose", "None exactly when the action is 'stop'", self.next_dose
            )
        if not isinstance(self.eliminated, tuple):
            object.__setattr__(self, "eliminated", tuple(sorted(self.eliminated)))

    def to_dict(self) -> dict:
        """The CLI/API representation (1-based levels)."""
        return {
            "action": self.action,
            "next_dose": self.next_dose,
            "reason": self.reason,
            "eliminated": list(self.eliminated),
        }


@dataclass(frozen=True, slots=True)
class MTDSelection:
    """The maximum tolerated dose chosen at the end of a trial.

    Attributes
    ----------
    dose : int or None
        1-based level selected as the MTD; None when no level is acceptable.
    estimates : tuple of float or None
        The design's DLT-rate estimate per level (None where it has none, e.g. untried).
    reason : str
        One plain sentence naming the rule that selected (or refused) the dose.
    rule : str
        Stable identifier of the rule, for tests and logs.
    """

    dose: int | None
    estimates: tuple[float | None, ...] = field(default=())
    reason: str = ""
    rule: str = ""

    def to_dict(self) -> dict:
        """The CLI/API representation (1-based levels)."""
        return {"mtd": self.dose, "estimates": list(self.estimates), "reason": self.reason}
