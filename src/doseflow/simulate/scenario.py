"""A simulation scenario: the truth per dose level, and optionally time (DLT window, arrivals).

A scenario is what the simulated trials are run against: the true DLT probability of
each level; optionally the probability of a related grade >= 2 toxicity (for accelerated
titration); and, for designs that decide while outcomes are pending (rolling six,
time-to-event designs), a DLT window, the distribution of the time to a DLT inside it and
a patient arrival process. Without a window, outcomes are known as soon as a cohort is
treated (the cohort-synchronous case).

Units: days inside; arrival rates are given per month (30.4375 days), as protocols
state them.

Examples
--------
>>> s = Scenario((0.05, 0.15, 0.30, 0.45, 0.60), name="S1", dlt_window=28, arrivals_per_month=4)
>>> s.n_levels, s.timed, round(s.arrival_rate_per_day, 4)
(5, True, 0.1314)
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from doseflow import DAYS_PER_MONTH
from doseflow.checks import check_choice, check_probability, check_real
from doseflow.errors import ConfigError

__all__ = ["Scenario", "DLT_TIME_DISTRIBUTIONS", "ARRIVAL_PROCESSES"]

#: Distributions of the day of a DLT inside the window W, given a DLT, from one uniform v:
#: "uniform" W v; "late" W sqrt(v) (density rising linearly: half the DLTs in the last
#: 29% of the window); "early" W (1 - sqrt(1 - v)) (the mirror image).
DLT_TIME_DISTRIBUTIONS: tuple[str, ...] = ("uniform", "late", "early")
#: "poisson": exponential gaps of mean 1 / rate; "uniform": one patient every 1 / rate days.
ARRIVAL_PROCESSES: tuple[str, ...] = ("poisson", "uniform")


@dataclass(frozen=True, slots=True)
class Scenario:
    """The truth a design is simulated against.

    Parameters
    ----------
    true_dlt : tuple of float
        True DLT probability per level, lowest first, each in [0, 1].
    name : str
        A short label (``"S1"``).
    target : float in (0, 1), optional
        Target DLT rate for the overdose metrics; the design's target when None.
    grade2 : tuple of float, optional
        Probability of a related toxicity of grade >= 2 (a DLT included) per level, each
        at least the DLT probability; one latent uniform per patient orders the outcomes,
        so a patient with a DLT at a level has a grade >= 2 toxicity there too. Default:
        the DLT probabilities (no grade-2 toxicity without a DLT).
    dlt_window : float, optional
        Days of the DLT window; None: outcomes are known at once.
    dlt_time : {"uniform", "late", "early"}
        Distribution of the day of a DLT within the window (see
        :data:`DLT_TIME_DISTRIBUTIONS`).
    arrivals_per_month : float, optional
        Mean patient arrivals per month (needed with a window).
    arrival : {"poisson", "uniform"}
        Arrival process.
    source : str
        Where the scenario comes from (a citation for published scenarios).
    """

    true_dlt: tuple[float, ...]
    name: str = ""
    target: float | None = None
    grade2: tuple[float, ...] | None = None
    dlt_window: float | None = None
    dlt_time: str = "uniform"
    arrivals_per_month: float | None = None
    arrival: str = "poisson"
    source: str = ""

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        try:
            items = list(self.true_dlt)
        except TypeError:
            raise ConfigError("true_dlt", "a list of probabilities, one per dose level", self.true_dlt) from None
        if not items:
            raise ConfigError("true_dlt", "at least one probability (one per dose level)", items)
        if len(items) > 100:
            raise ConfigError("true_dlt", "at most 100 dose levels", len(items))
        set_(self, "true_dlt", tuple(
            check_probability(v, f"true_dlt level {i + 1}", open_interval=False) for i, v in enumerate(items)))
        if self.target is not None:
            set_(self, "target", check_probability(self.target, "scenario target"))
        if self.grade2 is not None:
            g = list(self.grade2)
            if len(g) != len(items):
                raise ConfigError("grade2", f"one probability per dose level ({len(items)})", g)
            g = [check_probability(v, f"grade2 level {i + 1}", open_interval=False) for i, v in enumerate(g)]
            for i, (gi, pi) in enumerate(zip(g, self.true_dlt)):
                if gi < pi:
                    raise ConfigError(f"grade2 level {i + 1}", f"at least the DLT probability {pi:g} (a DLT is a "
                                      "grade >= 3 toxicity)", gi)
            set_(self, "grade2", tuple(g))
        check_choice(self.dlt_time, "dlt_time", DLT_TIME_DISTRIBUTIONS)
        check_choice(self.arrival, "arrival", ARRIVAL_PROCESSES)
        if self.dlt_window is not None:
            set_(self, "dlt_window", check_real(self.dlt_window, "dlt_window (days)", minimum=0.0, maximum=3650.0,
                                                strict=True))
            if self.arrivals_per_month is None:
                raise ConfigError("arrivals_per_month", "a patient arrival rate when there is a DLT window", None,
                                  "Give --arrivals-per-month (e.g. 4).")
        if self.arrivals_per_month is not None:
            set_(self, "arrivals_per_month", check_real(self.arrivals_per_month, "arrivals_per_month",
                                                        minimum=1e-3, maximum=1e4))
            if self.dlt_window is None:
                raise ConfigError("dlt_window", "a DLT window (days) when patients arrive over time", None,
                                  "Give --dlt-window (e.g. 28).")

    @property
    def n_levels(self) -> int:
        return len(self.true_dlt)

    @property
    def timed(self) -> bool:
        """Whether trials run in calendar time (a DLT window and arrivals)."""
        return self.dlt_window is not None

    @property
    def arrival_rate_per_day(self) -> float:
        if self.arrivals_per_month is None:
            raise ConfigError("arrivals_per_month", "given for a timed scenario", None)
        return self.arrivals_per_month / DAYS_PER_MONTH

    @property
    def grade2_probs(self) -> tuple[float, ...]:
        return self.grade2 if self.grade2 is not None else self.true_dlt

    def true_mtd(self, target: float) -> int:
        """0-based true MTD: the highest level whose DLT probability does not exceed ``target`` (-1: none)."""
        below = [i for i, p in enumerate(self.true_dlt) if p <= target + 1e-12]
        return max(below, default=-1)

    def with_time(self, dlt_window: float, arrivals_per_month: float, **more: Any) -> "Scenario":
        """The same truth in calendar time."""
        return replace(self, dlt_window=dlt_window, arrivals_per_month=arrivals_per_month, **more)

    def to_dict(self) -> dict[str, Any]:
        out = {"name": self.name, "true_dlt": list(self.true_dlt), "target": self.target,
               "grade2": None if self.grade2 is None else list(self.grade2), "dlt_window": self.dlt_window,
               "dlt_time": self.dlt_time, "arrivals_per_month": self.arrivals_per_month, "arrival": self.arrival,
               "source": self.source}
        return {k: v for k, v in out.items() if v is not None and v != ""}

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str = "scenario") -> "Scenario":
        known = {"name", "true_dlt", "target", "grade2", "dlt_window", "dlt_time", "arrivals_per_month", "arrival",
                 "source"}
        if not isinstance(data, dict) or "true_dlt" not in data:
            raise ConfigError(where, "a table with true_dlt (one probability per level)", data)
        extra = sorted(set(data) - known)
        if extra:
            raise ConfigError(f"{where} key {extra[0]!r}", "one of " + ", ".join(sorted(known)), data[extra[0]])
        return cls(**{k: tuple(v) if k in ("true_dlt", "grade2") and v is not None else v for k, v in data.items()})

