"""What the virtual trial does not simulate but SDTM needs: treatment name, site, clock, specimen.

:class:`SDTMOptions` holds the constants the SDTM writer puts into the domains. The defaults
describe the GQ1001 phase Ia trial (NCT04450732; ``shared/reference/example-trial.md``):
intravenous GQ1001 on day 1 of 21-day cycles, infusions at 09:00, CT scans every 6 weeks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from doseflow.checks import check_choice, check_int
from doseflow.errors import ConfigError

__all__ = ["SDTMOptions"]

_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_COUNTRY = re.compile(r"^[A-Z]{3}$")


def _text(value: object, where: str, *, max_len: int = 200) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > max_len or not value.isascii():
        raise ConfigError(where, f"non-empty ASCII text of at most {max_len} characters", value)
    return value


@dataclass(frozen=True, slots=True)
class SDTMOptions:
    """Constants of the SDTM mapping of a virtual trial (frozen; validated on creation).

    Parameters
    ----------
    treatment : str
        EXTRT and the start of ARM, e.g. ``"GQ1001"`` -> ARM ``"GQ1001 7.2 mg/kg"``.
    dose_form, route, dose_frequency : str
        EXDOSFRM, EXROUTE, EXDOSFRQ (CDISC CT FRM, ROUTE, FREQ): ``"INJECTION"``,
        ``"INTRAVENOUS"``, ``"Q3W"``.
    dosing_clock : str
        ``"HH:MM"`` time of day of every infusion start (day 0 of a patient is its first
        infusion); ``"09:00"``.
    site_id, country : str
        SITEID and COUNTRY (ISO 3166-1 alpha-3) of every patient; sites are not simulated.
        Default ``"01"``, ``"AUS"``.
    race, ethnic : str
        RACE and ETHNIC of every patient (not simulated): ``"NOT REPORTED"`` (CDISC CT RACE
        C74457 and ETHNIC C66790 both hold this term).
    pk_specimen : str
        PCSPEC of every sample; ``"SERUM"``.
    pk_unit : str
        PCORRESU/PCSTRESU of concentrations; ``"ug/mL"``.
    scan_interval_days : int
        Nominal days between tumour scans; scan k is VISIT ``"WEEK <k * days / 7>"`` (or
        ``"DAY <k * days>"`` when the interval is not whole weeks). 42.
    consent_lead_days : int
        Informed consent is dated this many days before a patient's earliest record (first
        dose, baseline labs or scan, whichever is earliest); not simulated. 14.
    imaging_method : str
        TUMETHOD/TRMETHOD; ``"CT SCAN"``.
    evaluator : str
        TUEVAL/TREVAL/RSEVAL; ``"INVESTIGATOR"`` (the readout's default evaluator).

    Raises
    ------
    ConfigError
        Naming the option and the value.

    Examples
    --------
    >>> SDTMOptions().clock_minutes
    540
    >>> SDTMOptions(dosing_clock="25:00")
    Traceback (most recent call last):
    ...
    doseflow.errors.ConfigError: dosing_clock: must be a time of day 'HH:MM' (00:00-23:59); got '25:00'.
    """

    treatment: str = "GQ1001"
    dose_form: str = "INJECTION"
    route: str = "INTRAVENOUS"
    dose_frequency: str = "Q3W"
    dosing_clock: str = "09:00"
    site_id: str = "01"
    country: str = "AUS"
    race: str = "NOT REPORTED"
    ethnic: str = "NOT REPORTED"
    pk_specimen: str = "SERUM"
    pk_unit: str = "ug/mL"
    scan_interval_days: int = 42
    consent_lead_days: int = 14
    imaging_method: str = "CT SCAN"
    evaluator: str = "INVESTIGATOR"

    def __post_init__(self) -> None:
        for name in ("treatment", "dose_form", "route", "dose_frequency", "site_id", "race", "pk_specimen",
                     "pk_unit", "imaging_method"):
            _text(getattr(self, name), name)
        if not isinstance(self.dosing_clock, str) or not _CLOCK.match(self.dosing_clock):
            raise ConfigError("dosing_clock", "a time of day 'HH:MM' (00:00-23:59)", self.dosing_clock)
        if not isinstance(self.country, str) or not _COUNTRY.match(self.country):
            raise ConfigError("country", "an ISO 3166-1 alpha-3 code such as 'AUS'", self.country)
        check_choice(self.ethnic, "ethnic", ("HISPANIC OR LATINO", "NOT HISPANIC OR LATINO", "NOT REPORTED",
                                             "UNKNOWN"))
        check_choice(self.evaluator, "evaluator", ("INVESTIGATOR", "INDEPENDENT ASSESSOR"))
        check_int(self.scan_interval_days, "scan_interval_days", minimum=1)
        check_int(self.consent_lead_days, "consent_lead_days", minimum=0)

    @property
    def clock_minutes(self) -> int:
        """The dosing clock as minutes after midnight."""
        hours, minutes = self.dosing_clock.split(":")
        return int(hours) * 60 + int(minutes)

    def scan_visit(self, scan: int) -> str:
        """VISIT of tumour scan ``scan`` (0 = ``"BASELINE"``)."""
        if scan == 0:
            return "BASELINE"
        days = scan * self.scan_interval_days
        return f"WEEK {days // 7}" if days % 7 == 0 else f"DAY {days}"
