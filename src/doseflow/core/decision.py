"""What a design answers: the next enrolment with its reason, and the MTD selection."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from doseflow.checks import check_int
from doseflow.core.patient import ROLES
from doseflow.errors import ConfigError

__all__ = ["Action", "ACTIONS", "CohortKind", "COHORT_KINDS", "Decision", "MTDSelection"]

Action = Literal["escalate", "stay", "de-escalate", "stop"]
ACTIONS: tuple[str, ...] = ("escalate", "stay", "de-escalate", "stop")

CohortKind = Literal["exact", "up_to", "wait"]
#: How to read ``Decision.cohort_size``: enrol exactly that many and wait for all their
#: outcomes; enrol up to that many while earlier outcomes are pending, asking the design
#: again after each patient (rolling six, time-to-event designs); or enrol nobody until a
#: pending outcome is known (cohort size 0).
COHORT_KINDS: tuple[str, ...] = ("exact", "up_to", "wait")

_DECISION_KEYS = ("action", "next_dose", "reason", "eliminated", "rule", "cohort_size", "cohort_kind", "backfill",
                  "role")


@dataclass(frozen=True, slots=True)
class Decision:
    """A design's decision on the next enrolment.

    Attributes
    ----------
    action : {"escalate", "stay", "de-escalate", "stop"}
        Direction relative to the current dose, or stop.
    next_dose : int or None
        1-based level for the next patients; None when the trial stops.
    reason : str
        One plain sentence naming the rule that fired, e.g. "2 DLTs in 3 patients at
        level 3 (67%) is at or above the de-escalation boundary 0.359; de-escalate to
        level 2."
    eliminated : tuple of int
        1-based levels that may no longer be used (too toxic), in increasing order.
    rule : str
        Stable identifier of the rule that fired (``"boin.deescalate"``), for tests and logs.
    cohort_size : int or None
        Patients to enrol next (0: wait); None when stopping.
    cohort_kind : {"exact", "up_to", "wait"} or None
        How to read ``cohort_size`` (see :data:`COHORT_KINDS`); by default "wait" for size
        0 and "exact" otherwise; None when stopping.
    backfill : tuple of int
        1-based levels open to backfill patients (empty unless a backfill wrapper opens
        them).
    role : {"escalation", "backfill", "expansion"}
        The role of the patients to enrol next (expansion cohorts at the selected dose do
        not move the current dose).
    details : mapping
        Design-specific summaries for people and JSON (e.g. posterior estimates); keys
        must not clash with the attribute names.
    """

    action: Action
    next_dose: int | None
    reason: str
    eliminated: tuple[int, ...] = ()
    rule: str = ""
    cohort_size: int | None = None
    cohort_kind: CohortKind | None = None
    backfill: tuple[int, ...] = ()
    role: str = "escalation"
    details: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        if self.role not in ROLES:
            raise ConfigError("Decision.role", "one of " + ", ".join(ROLES), self.role)
        if self.action not in ACTIONS:
            raise ConfigError("Decision.action", "one of " + ", ".join(ACTIONS), self.action)
        stop = self.action == "stop"
        if stop != (self.next_dose is None):
            raise ConfigError("Decision.next_dose", "None exactly when the action is 'stop'", self.next_dose)
        set_(self, "eliminated", tuple(sorted(int(v) for v in self.eliminated)))
        set_(self, "backfill", tuple(sorted(int(v) for v in self.backfill)))
        if stop:
            if self.cohort_size not in (None, 0) or self.cohort_kind is not None:
                raise ConfigError("Decision.cohort_size", "None when the action is 'stop'", self.cohort_size)
            set_(self, "cohort_size", None)
            return
        if self.cohort_size is None:
            raise ConfigError("Decision.cohort_size", "a whole number >= 0 unless the trial stops", None)
        size = check_int(self.cohort_size, "Decision.cohort_size", minimum=0)
        set_(self, "cohort_size", size)
        kind = self.cohort_kind or ("wait" if size == 0 else "exact")
        if kind not in COHORT_KINDS:
            raise ConfigError("Decision.cohort_kind", "one of " + ", ".join(COHORT_KINDS), kind)
        if (kind == "wait") != (size == 0):
            raise ConfigError("Decision.cohort_kind", "'wait' exactly when the cohort size is 0", kind)
        set_(self, "cohort_kind", kind)
        clash = set(self.details) & set(_DECISION_KEYS)
        if clash:
            raise ConfigError("Decision.details", "keys other than the decision's own", sorted(clash))

    def to_dict(self) -> dict[str, Any]:
        """The CLI/API representation (1-based levels); ``details`` keys are added at the top."""
        out = {
            "action": self.action,
            "next_dose": self.next_dose,
            "reason": self.reason,
            "eliminated": list(self.eliminated),
            "rule": self.rule,
            "cohort_size": self.cohort_size,
            "cohort_kind": self.cohort_kind,
            "backfill": list(self.backfill),
            "role": self.role,
        }
        out.update(self.details)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Decision":
        """The inverse of :meth:`to_dict`: keys other than the decision's go to ``details``.

        Examples
        --------
        >>> d = Decision("stay", 2, "Stay.", (4, 5), "x.stay", 3)
        >>> Decision.from_dict(d.to_dict()) == d
        True
        """
        if not isinstance(data, Mapping):
            raise ConfigError("decision", "a mapping (JSON object)", data)
        for key in ("action", "next_dose", "reason"):
            if key not in data:
                raise ConfigError(f"decision key {key!r}", "present", None)
        return cls(
            data["action"], data["next_dose"], data["reason"], tuple(data.get("eliminated", ())),
            data.get("rule", ""), data.get("cohort_size"), data.get("cohort_kind"), tuple(data.get("backfill", ())),
            data.get("role", "escalation"), {k: v for k, v in data.items() if k not in _DECISION_KEYS},
        )


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
    details : mapping
        Design-specific summaries (e.g. posterior intervals), added to the JSON.
    """

    dose: int | None
    estimates: tuple[float | None, ...] = ()
    reason: str = ""
    rule: str = ""
    details: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "estimates", tuple(None if v is None else float(v) for v in self.estimates))
        if self.dose is not None:
            object.__setattr__(self, "dose", check_int(self.dose, "MTDSelection.dose", minimum=1))

    def to_dict(self) -> dict[str, Any]:
        """The CLI/API representation (1-based levels)."""
        out = {"mtd": self.dose, "estimates": list(self.estimates), "reason": self.reason, "rule": self.rule}
        out.update(self.details)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "MTDSelection":
        """The inverse of :meth:`to_dict`."""
        if not isinstance(data, Mapping) or "mtd" not in data:
            raise ConfigError("MTD selection", "a mapping with an 'mtd' key", data)
        own = ("mtd", "estimates", "reason", "rule")
        return cls(data["mtd"], tuple(data.get("estimates", ())), data.get("reason", ""), data.get("rule", ""),
                   {k: v for k, v in data.items() if k not in own})
