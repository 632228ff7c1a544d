"""What a live trial records besides the core state: subjects, assessments, cohorts, SRC decisions.

Each record is a frozen dataclass with ``to_dict``/``from_dict`` (plain JSON values), so a
trial is stored, exported and imported as one document. Study days count from the first
enrolment (day 0); dose levels are 1-based.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import Any

from doseflow.checks import check_int, check_real
from doseflow.errors import InputError

__all__ = ["Assessment", "Cohort", "SEXES", "Signature", "SrcDecision", "Subject", "check_country",
           "check_patient_id", "from_plain"]

#: SDTM DM.SEX codelist (C66731): female, male, unknown.
SEXES: tuple[str, ...] = ("F", "M", "U")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
_COUNTRY = re.compile(r"^[A-Z]{3}$")


def check_patient_id(value: object, where: str = "patient_id") -> str:
    """Return ``value`` if it is a subject identifier: 1-40 letters, digits, ``.``, ``_`` or ``-``."""
    if not isinstance(value, str) or not _ID.match(value):
        raise InputError(where, "1 to 40 letters, digits, '.', '_' or '-' (starting with a letter or digit)", value)
    return value


def check_country(value: object, where: str = "country") -> str:
    """Return ``value`` if it is an ISO 3166-1 alpha-3 code (``"AUS"``), as SDTM DM.COUNTRY wants."""
    if not isinstance(value, str) or not _COUNTRY.match(value):
        raise InputError(where, "an ISO 3166-1 alpha-3 country code such as 'AUS' or 'USA'", value)
    return value


def from_plain(cls: type, data: Any, where: str) -> Any:
    """Build record ``cls`` from a mapping, naming a missing or unknown key."""
    if not isinstance(data, dict):
        raise InputError(where, "a mapping (JSON object)", data)
    names = [f.name for f in fields(cls)]
    extra = sorted(set(data) - set(names))
    if extra:
        raise InputError(f"{where} key {extra[0]!r}", "one of " + ", ".join(names), data[extra[0]])
    return cls(**data)


def _plain(record: Any) -> dict[str, Any]:
    return {f.name: getattr(record, f.name) for f in fields(record)}


@dataclass(frozen=True, slots=True)
class Subject:
    """One enrolled patient's conduct data (the dose and outcome live in the core ``PatientRecord``).

    Attributes
    ----------
    patient_id : str
    sex : {"F", "M", "U"}
        SDTM DM.SEX.
    age : int or None
        Age in years at enrolment.
    site : str
        Study site identifier (SDTM DM.SITEID).
    country : str
        ISO 3166-1 alpha-3 code (SDTM DM.COUNTRY).
    enrolled_at : str
        ISO 8601 time the enrolment was recorded.
    window_closed_day : float or None
        Study day on which the DLT window was closed without a DLT (None while open or
        after a DLT).
    off_level_reason : str
        Why the patient was enrolled at another level than recommended ("" if not).
    """

    patient_id: str
    sex: str = "U"
    age: int | None = None
    site: str = "01"
    country: str = "USA"
    enrolled_at: str = ""
    window_closed_day: float | None = None
    off_level_reason: str = ""

    def __post_init__(self) -> None:
        check_patient_id(self.patient_id)
        if self.sex not in SEXES:
            raise InputError("sex", "one of " + ", ".join(repr(s) for s in SEXES), self.sex)
        if self.age is not None:
            object.__setattr__(self, "age", check_int(self.age, "age", minimum=0, maximum=120, error=InputError))
        if not isinstance(self.site, str) or not self.site.strip() or len(self.site) > 20:
            raise InputError("site", "a site identifier of 1 to 20 characters", self.site)
        check_country(self.country)

    def to_dict(self) -> dict[str, Any]:
        return _plain(self)


@dataclass(frozen=True, slots=True)
class Assessment:
    """One toxicity assessment of a patient in the DLT window.

    Attributes
    ----------
    id : str
        ``"A1"``, ``"A2"``, ... in order of entry.
    patient_id : str
    dlt : bool
        Whether the toxicity is dose-limiting (per the protocol's DLT definition).
    term : str
        The toxicity, as reported (e.g. "Thrombocytopenia").
    grade : int
        NCI CTCAE v5.0 grade, 1-5.
    onset_day : float
        Study day of onset; on or after the patient's enrolment, inside the DLT window.
    """

    id: str
    patient_id: str
    dlt: bool
    term: str
    grade: int
    onset_day: float

    def __post_init__(self) -> None:
        if not isinstance(self.dlt, bool):
            raise InputError("dlt", "true or false", self.dlt)
        if not isinstance(self.term, str) or not self.term.strip() or len(self.term) > 200:
            raise InputError("term", "the toxicity's name (1 to 200 characters)", self.term)
        object.__setattr__(self, "grade", check_int(self.grade, "grade", minimum=1, maximum=5, error=InputError))
        object.__setattr__(self, "onset_day", check_real(self.onset_day, "onset_day", minimum=0.0, error=InputError))

    def to_dict(self) -> dict[str, Any]:
        return _plain(self)


@dataclass(frozen=True, slots=True)
class Cohort:
    """The cohort open for enrolment: its number, level, size and the patients' role.

    ``size`` slots are open; ``kind`` "up_to" means the design may be asked again before
    the cohort is full (rolling six, time-to-event designs).
    """

    number: int
    level: int
    size: int
    role: str = "escalation"
    kind: str = "exact"

    def to_dict(self) -> dict[str, Any]:
        return _plain(self)


@dataclass(frozen=True, slots=True)
class Signature:
    """An electronic signature (21 CFR 11.50): who signed, when, and what the signature means.

    Attributes
    ----------
    username : str
        The signer's unique user name (11.100(a)).
    printed_name : str
        The signer's full printed name.
    signed_at : str
        ISO 8601 date and time of signing (UTC).
    meaning : str
        What the signature means, e.g. "Approval of the dose-escalation decision".
    """

    username: str
    printed_name: str
    signed_at: str
    meaning: str

    def to_dict(self) -> dict[str, Any]:
        return _plain(self)

    def __str__(self) -> str:
        return f"{self.printed_name} ({self.username}), {self.signed_at}: {self.meaning}"


@dataclass(frozen=True, slots=True)
class SrcDecision:
    """A safety review committee decision, signed.

    Attributes
    ----------
    number : int
        1, 2, ... in order.
    day : float
        Study day of the decision.
    recommendation : dict
        The design's decision (``Decision.to_dict()``) when the SRC met.
    mtd_estimate : dict
        The design's MTD selection (``MTDSelection.to_dict()``) at that time.
    accepted : bool
        True when the SRC followed the recommendation; False for an override.
    action : {"escalate", "stay", "de-escalate", "stop"}
    next_dose : int or None
        Level of the next cohort; None when the trial stops.
    cohort_size : int or None
        Patients of the next cohort; None when the trial stops.
    mtd : int or None
        The MTD the SRC declares when it stops the trial (None: no MTD, or not stopping).
    reason : str
        The SRC's reason (required for an override).
    signature : dict
        :class:`Signature` as a dict.
    """

    number: int
    day: float
    recommendation: dict
    mtd_estimate: dict
    accepted: bool
    action: str
    next_dose: int | None
    cohort_size: int | None
    mtd: int | None
    reason: str
    signature: dict

    @property
    def final(self) -> bool:
        """Whether this decision ended the escalation."""
        return self.action == "stop"

    def to_dict(self) -> dict[str, Any]:
        return _plain(self)
