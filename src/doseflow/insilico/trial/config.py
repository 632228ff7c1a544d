"""Configuration of the virtual phase Ia trial: dose grid, calendar and dose-modification rule.

:class:`TrialConfig` is frozen, validated configuration (days, mg/kg); every field is a
parameter of the ``[trial]`` section of a preset (:mod:`doseflow.insilico.preset`). The
defaults describe the GQ1001 phase Ia trial (NCT04450732; Lemech et al., AACR 2023,
CT178): seven levels 1.2-8.4 mg/kg, 21-day cycles, a 21-day DLT window, 32 patients.

Examples
--------
>>> cfg = TrialConfig()
>>> cfg.n_levels, str(cfg.dose_levels.level(7)), cfg.n_patients
(7, '8.4 mg/kg', 32)
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

from doseflow.checks import check_int, check_real
from doseflow.core.dose import DosePlan
from doseflow.errors import ConfigError
from doseflow.insilico.population import DEFAULT_ACCRUAL_PER_DAY, STUDY_START

__all__ = ["TrialConfig", "GQ1001_DOSE_LEVELS"]

#: Dose levels of the GQ1001 phase Ia trial, mg/kg (Lemech et al., AACR 2023, CT178).
GQ1001_DOSE_LEVELS: tuple[float, ...] = (1.2, 2.4, 3.6, 4.8, 6.0, 7.2, 8.4)


@dataclass(frozen=True, slots=True)
class TrialConfig:
    """How the virtual trial is run.

    Parameters
    ----------
    dose_levels : DosePlan or sequence of float
        The dose plan (:class:`doseflow.core.DosePlan`, in mg/kg, the unit the models compute
        in), or its increasing amounts in mg/kg (> 0), made into one.
    n_patients : int
        Patients per trial (escalation plus expansion), >= 1; 32 as in Lemech 2023.
    cycle_days : float
        Treatment cycle (days), > 0; 21 (q3w).
    dlt_window_days : float
        DLT observation window (days); the next cohort may be enrolled this long after the
        previous cohort's last enrolment; 21 (cycle 1).
    infusion_hours : float
        Infusion duration (hours), 0.25-6; 0.5 (the PK calibration's infusion).
    accrual_per_day : float
        Poisson arrival rate (patients/day), > 0; 32 per 24 months.
    expansion_levels : int
        Expansion patients alternate between the top cleared level (the selected MTD, or
        the top level when the MTD is not reached) and the ``expansion_levels - 1`` levels
        below it, highest first; 1 to the number of dose levels; 2.
    study_start : str
        ISO date of study day 0; 2020-07-07 (NCT04450732 actual start).
    cutoff_date : str
        ISO date of the data cut-off, or "" to put the cut-off ``followup_days`` after the
        last enrolment (default; the trial's enrolment then never crosses the cut-off).
    followup_days : float
        Days from the last enrolment to the cut-off when ``cutoff_date`` is ""; 180
        (assumption: enrolment ended about six months before the 28 Dec 2022 cut-off).
    high_dose_mg_kg : float
        Threshold of the "high dose" efficacy population (>= 7.2 mg/kg in Lemech 2023); at
        most the highest dose level (above it the population would be empty).
    pfs_death_window_days : float
        A death without progression is a PFS event only within this many days of the last
        adequate scan (or of the first dose without one); later, PFS is censored at that
        scan. 84 = two missed 6-weekly scans (FDA 2018 guidance, Clinical Trial Endpoints
        for the Approval of Cancer Drugs and Biologics, Appendix 1). The readout applies the
        same rule with ``[efficacy] death_window_days``.
    reduce_nonhaem_grade, reduce_haem_grade : int
        A cycle with a non-haematological TRAE of at least ``reduce_nonhaem_grade`` (3) or
        a haematological one of at least ``reduce_haem_grade`` (4) reduces the next dose by
        one level.
    max_reductions : int
        Reductions allowed (2); the next trigger discontinues treatment (ADVERSE EVENT), as
        does a trigger at the lowest level.
    hold_grade : int
        Pre-dose (day 21) platelets, AST or ALT of at least this grade (3) hold the next
        dose for one cycle; still that grade after the held cycle: discontinuation.
    max_cycles : int
        Largest number of cycles simulated per patient (>= 1); 60 (beyond the horizon).
    lab_days : tuple of float
        Lab draws, days after each dose; (7, 14, 21) = days 8 and 15 and day 1 of the next
        cycle.
    pk_lloq_ug_ml : float
        Lower limit of quantification of the PK assays (ug/mL); 0.06 (assumption: the
        T-DM1 conjugate ELISA's 60 ng/mL, Lu et al. 2014).
    baseline_scan_day : float
        Day of the baseline scan relative to the first dose (<= 0); -7 (assumption; RECIST
        asks for baseline within 4 weeks).
    """

    dose_levels: DosePlan = DosePlan.from_amounts(GQ1001_DOSE_LEVELS, "mg/kg")
    n_patients: int = 32
    cycle_days: float = 21.0
    dlt_window_days: float = 21.0
    infusion_hours: float = 0.5
    accrual_per_day: float = DEFAULT_ACCRUAL_PER_DAY
    expansion_levels: int = 2
    study_start: str = STUDY_START.isoformat()
    cutoff_date: str = ""
    followup_days: float = 180.0
    high_dose_mg_kg: float = 7.2
    pfs_death_window_days: float = 84.0
    reduce_nonhaem_grade: int = 3
    reduce_haem_grade: int = 4
    max_reductions: int = 2
    hold_grade: int = 3
    max_cycles: int = 60
    lab_days: tuple[float, ...] = (7.0, 14.0, 21.0)
    pk_lloq_ug_ml: float = 0.06
    baseline_scan_day: float = -7.0

    def __post_init__(self) -> None:
        w = "TrialConfig"
        plan = self.dose_levels
        if not isinstance(plan, DosePlan):
            if isinstance(plan, (str, bytes)) or not hasattr(plan, "__iter__"):
                raise ConfigError(f"{w}.dose_levels", "a list of increasing dose levels (mg/kg)", plan)
            amounts = tuple(float(check_real(d, f"{w}.dose_levels[{i}]", minimum=0.0, strict=True))
                            for i, d in enumerate(plan))
            if not amounts or any(b <= a for a, b in zip(amounts, amounts[1:])):
                raise ConfigError(f"{w}.dose_levels", "increasing dose levels (mg/kg)", list(plan))
            plan = DosePlan.from_amounts(amounts, "mg/kg")
        if any(lv.unit != "mg/kg" or lv.amount <= 0 for lv in plan):
            raise ConfigError(f"{w}.dose_levels", "dose levels > 0 in mg/kg (the unit the models compute in)",
                              [str(lv) for lv in plan])
        object.__setattr__(self, "dose_levels", plan)
        levels = plan.amounts
        check_int(self.n_patients, f"{w}.n_patients", minimum=1)
        check_real(self.cycle_days, f"{w}.cycle_days", minimum=0.0, strict=True)
        check_real(self.dlt_window_days, f"{w}.dlt_window_days", minimum=0.0)
        check_real(self.infusion_hours, f"{w}.infusion_hours", minimum=0.25, maximum=6.0)
        check_real(self.accrual_per_day, f"{w}.accrual_per_day", minimum=0.0, strict=True)
        check_int(self.expansion_levels, f"{w}.expansion_levels", minimum=1)
        if self.expansion_levels > len(levels):
            raise ConfigError(f"{w}.expansion_levels", f"at most the number of dose levels ({len(levels)})",
                              self.expansion_levels)
        for name in ("study_start", "cutoff_date"):
            text = getattr(self, name)
            if name == "cutoff_date" and text == "":
                continue
            try:
                _dt.date.fromisoformat(str(text))
            except ValueError:
                raise ConfigError(f"{w}.{name}", "an ISO date YYYY-MM-DD", text) from None
        check_real(self.followup_days, f"{w}.followup_days", minimum=0.0)
        check_real(self.high_dose_mg_kg, f"{w}.high_dose_mg_kg", minimum=0.0)
        if self.high_dose_mg_kg > levels[-1]:
            raise ConfigError(f"{w}.high_dose_mg_kg", f"at most the highest dose level ({levels[-1]:g} mg/kg; above it "
                              "the high-dose population is empty)", self.high_dose_mg_kg)
        check_real(self.pfs_death_window_days, f"{w}.pfs_death_window_days", minimum=0.0)
        for name in ("reduce_nonhaem_grade", "reduce_haem_grade", "hold_grade"):
            check_int(getattr(self, name), f"{w}.{name}", minimum=1, maximum=5)
        check_int(self.max_reductions, f"{w}.max_reductions", minimum=0)
        check_int(self.max_cycles, f"{w}.max_cycles", minimum=1)
        days = tuple(float(check_real(d, f"{w}.lab_days[{i}]", minimum=0.0, maximum=self.cycle_days))
                     for i, d in enumerate(self.lab_days))
        object.__setattr__(self, "lab_days", days)
        check_real(self.pk_lloq_ug_ml, f"{w}.pk_lloq_ug_ml", minimum=0.0)
        check_real(self.baseline_scan_day, f"{w}.baseline_scan_day", maximum=0.0)

    @property
    def n_levels(self) -> int:
        """Number of dose levels."""
        return len(self.dose_levels)

    @property
    def start_date(self) -> _dt.date:
        """``study_start`` as a date."""
        return _dt.date.fromisoformat(self.study_start)

    @property
    def cutoff_day(self) -> float | None:
        """Fixed cut-off in days since study start, or None (cut-off after last enrolment)."""
        if not self.cutoff_date:
            return None
        return float((_dt.date.fromisoformat(self.cutoff_date) - self.start_date).days)
