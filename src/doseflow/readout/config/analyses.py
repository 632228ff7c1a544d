"""How the readout analyses: the [safety], [pk] and [efficacy] sections of the configuration.

The sections are documented with the whole file in :mod:`doseflow.readout.config`.
"""

from __future__ import annotations

from dataclasses import dataclass

from doseflow.checks import check_choice, check_int, check_probability, check_real
from doseflow.errors import ConfigError
from doseflow.readout.config.values import read_bool, read_strings, read_text, set_frozen
from doseflow.readout.pk.options import AUC_METHODS, NCAOptions
from doseflow.readout.safety.dlt import EVALUABLE_RULES
from doseflow.readout.safety.flags import RELATED_VALUES
from doseflow.standards.ctcae import LAB_CRITERIA

__all__ = ["SafetyConfig", "PKConfig", "EfficacyConfig"]


@dataclass(frozen=True, slots=True)
class SafetyConfig:
    """[safety]: treatment emergence, relatedness, incidence threshold, DLTs and labs.

    Parameters
    ----------
    teae_window_days : int >= 0
        An AE is treatment-emergent from the first dose to this many days after the last
        dose (admiral ``derive_var_trtemfl`` ``end_window``; default 30).
    related_values : list of str
        AEREL values counted as related (case-insensitive; default
        :data:`doseflow.readout.safety.flags.RELATED_VALUES`: possible, probable, related,
        definite and variants, as the WHO-UMC categories are usually dichotomised).
    missing_relationship : {"related", "not_related"}
        How an AE without AEREL is counted (default "related", ICH E2A's conservative rule).
    incidence_threshold_pct : float in [0, 100]
        The "most common" AE table keeps preferred terms whose overall incidence is
        strictly above this percentage (default 10).
    dlt_variable : str
        AE column or SUPPAE QNAM flagging DLTs "Y" (default "AEDLT"; SDTM has no standard).
    dlt_window_days : int >= 1
        DLT window, study days 1 to this (default 21: cycle 1 of a 21-day schedule).
    dlt_evaluable : {"window", "treated"}
        Who is DLT-evaluable: a treated patient followed to the end of the DLT window (last
        date known alive on or after its last day) or who had a DLT (default), or every
        treated patient (:func:`doseflow.readout.safety.dlt.tabulate_dlt`).
    lab_tests : list of str
        CTCAE-graded lab tests of the shift table (codes of :data:`doseflow.standards.ctcae.LAB_CRITERIA`).
    """

    teae_window_days: int = 30
    related_values: tuple[str, ...] = RELATED_VALUES
    missing_relationship: str = "related"
    incidence_threshold_pct: float = 10.0
    dlt_variable: str = "AEDLT"
    dlt_window_days: int = 21
    dlt_evaluable: str = "window"
    lab_tests: tuple[str, ...] = ("PLT", "AST", "ALT")

    def __post_init__(self) -> None:
        w = "[safety] "
        set_frozen(self, "teae_window_days", check_int(self.teae_window_days, w + "teae_window_days", minimum=0))
        set_frozen(self, "related_values", read_strings(self.related_values, w + "related_values", upper=True))
        set_frozen(self, "missing_relationship", check_choice(self.missing_relationship, w + "missing_relationship",
                                                        ("related", "not_related")))
        set_frozen(self, "incidence_threshold_pct", check_real(self.incidence_threshold_pct, w + "incidence_threshold_pct",
                                                         minimum=0.0, maximum=100.0))
        set_frozen(self, "dlt_variable", read_text(self.dlt_variable, w + "dlt_variable").upper())
        set_frozen(self, "dlt_window_days", check_int(self.dlt_window_days, w + "dlt_window_days", minimum=1))
        set_frozen(self, "dlt_evaluable", check_choice(self.dlt_evaluable, w + "dlt_evaluable", EVALUABLE_RULES))
        tests = read_strings(self.lab_tests, w + "lab_tests", upper=True)
        for t in tests:
            check_choice(t, w + "lab_tests", tuple(LAB_CRITERIA))
        set_frozen(self, "lab_tests", tests)


@dataclass(frozen=True, slots=True)
class PKConfig:
    """[pk]: the concentration-time frame and the NCA rules (PKNCA names in brackets).

    Parameters
    ----------
    time : {"actual", "nominal"}
        Actual time (PCDTC minus dose time, ADNCA ARRLT; default) or nominal time
        (PCELTM/PCTPTNUM, ADNCA NRRLT).
    auc_method : {"lin up/log down", "linear"}
        Trapezoid rule [auc.method]; default "lin up/log down".
    blq_first, blq_middle, blq_last : "keep", "drop" or a number >= 0
        BLQ samples before the first, between, and after the last measurable one
        [conc.blq]: defaults keep (as 0), drop, drop.
    specimens : list of str
        PCSPEC values analysed (default ["PLASMA", "SERUM"]: blood matrices; urine is not NCA of concentrations).
    proportionality_level : float in (0, 1)
        Confidence level of the power-model slope CI (Smith et al. 2000; default 0.90).
    proportionality_cycles : {"first", "all"}
        Profiles of the dose-proportionality fit: cycle 1, the first dose, one per patient
        (default; least squares), or every full profile of every cycle, with a random
        intercept per patient (:mod:`doseflow.readout.pk.proportionality`).
    min_profile_samples : int >= 1
        Post-dose samples a profile needs for NCA (default 3); a cycle sampled only at its
        peak and trough is summarised as concentrations at their nominal times
        (:mod:`doseflow.readout.pk.sampling`).
    """

    time: str = "actual"
    auc_method: str = "lin up/log down"
    blq_first: str | float = "keep"
    blq_middle: str | float = "drop"
    blq_last: str | float = "drop"
    specimens: tuple[str, ...] = ("PLASMA", "SERUM")
    proportionality_level: float = 0.90
    proportionality_cycles: str = "first"
    min_profile_samples: int = 3

    def __post_init__(self) -> None:
        w = "[pk] "
        set_frozen(self, "time", check_choice(self.time, w + "time", ("actual", "nominal")))
        set_frozen(self, "auc_method", check_choice(self.auc_method, w + "auc_method", AUC_METHODS))
        set_frozen(self, "specimens", read_strings(self.specimens, w + "specimens", upper=True))
        set_frozen(self, "proportionality_level", check_probability(self.proportionality_level,
                                                              w + "proportionality_level"))
        set_frozen(self, "proportionality_cycles", check_choice(self.proportionality_cycles, w + "proportionality_cycles",
                                                          ("first", "all")))
        set_frozen(self, "min_profile_samples", check_int(self.min_profile_samples, w + "min_profile_samples", minimum=1))
        for name in ("blq_first", "blq_middle", "blq_last"):
            try:
                NCAOptions(**{name: getattr(self, name)})
            except ConfigError as err:
                raise ConfigError(w + name, err.expected, err.value, err.hint) from None
            value = getattr(self, name)
            set_frozen(self, name, value.strip().lower() if isinstance(value, str) else float(value))

    def nca_options(self) -> NCAOptions:
        """The :class:`~doseflow.readout.pk.options.NCAOptions` these settings give."""
        return NCAOptions(auc_method=self.auc_method, blq_first=self.blq_first, blq_middle=self.blq_middle,
                          blq_last=self.blq_last, min_profile_samples=self.min_profile_samples)


@dataclass(frozen=True, slots=True)
class EfficacyConfig:
    """[efficacy]: RECIST 1.1 response, the evaluable population and time-to-event settings.

    Parameters
    ----------
    evaluator : {"INVESTIGATOR", "INDEPENDENT ASSESSOR"}
        Whose overall responses (RSEVAL) are used (default the investigator's).
    confirmation : bool
        CR/PR must be confirmed by a repeat assessment (RECIST 1.1 sec. 4.4; default true,
        as for single-arm trials). The readout reports BOR both ways; this one is primary.
    confirm_min_days : int >= 1
        Minimum days between a response and its confirmation (RECIST 1.1: 4 weeks = 28).
    sd_min_days : int >= 0
        Minimum days from the reference date for SD to count (protocol-defined; default 42).
    reference : {"TRTSDT", "RANDDT"}
        Day 1 of response and PFS: first dose (default) or randomisation.
    evaluable_min_dose : float > 0, optional
        Efficacy population: subjects whose dose (ADSL DOSE) is at least this, e.g. 7.2;
        absent = every treated subject who did not receive placebo.
    evaluable_dose_unit : str, optional
        The unit of ``evaluable_min_dose`` (e.g. "mg/kg"); required with it and checked
        against the data's EXDOSU so that 7.2 mg is never read as 7.2 mg/kg.
    min_post_baseline : int >= 0
        Response-evaluable: at least this many usable post-baseline overall responses
        (default 1); 0 counts every subject of the efficacy population.
    conf_type : {"log", "log-log"}
        Primary transform of the Kaplan-Meier pointwise CI (log = R survfit default,
        log-log = SAS LIFETEST default); both are reported, this one in the summary.
    alpha : float in (0, 1)
        1 - confidence level of every interval (default 0.05: 95% CIs).
    unknown_response : {"ne", "exclude", "error"}
        An RSSTRESC outside the RECIST codelist (an open query such as "CHECK"): read as
        NE and flagged (default; NE never improves a best response), left out, or an error.
    death_window_days : int >= 0, optional
        PFS and duration of response: a death without PD counts as an event only within
        this many days of the last adequate assessment; later, the subject is censored at
        that assessment (FDA 2018 guidance, Clinical Trial Endpoints, Appendix 1: death
        after two or more missed assessments). Absent (default): every death counts.
    """

    evaluator: str = "INVESTIGATOR"
    confirmation: bool = True
    confirm_min_days: int = 28
    sd_min_days: int = 42
    reference: str = "TRTSDT"
    evaluable_min_dose: float | None = None
    evaluable_dose_unit: str | None = None
    min_post_baseline: int = 1
    conf_type: str = "log"
    alpha: float = 0.05
    unknown_response: str = "ne"
    death_window_days: int | None = None

    def __post_init__(self) -> None:
        w = "[efficacy] "
        if self.death_window_days is not None:
            set_frozen(self, "death_window_days", check_int(self.death_window_days, w + "death_window_days", minimum=0))
        set_frozen(self, "evaluator", check_choice(str(self.evaluator).upper() if isinstance(self.evaluator, str)
                                             else self.evaluator, w + "evaluator",
                                             ("INVESTIGATOR", "INDEPENDENT ASSESSOR")))
        set_frozen(self, "confirmation", read_bool(self.confirmation, w + "confirmation"))
        set_frozen(self, "confirm_min_days", check_int(self.confirm_min_days, w + "confirm_min_days", minimum=1))
        set_frozen(self, "sd_min_days", check_int(self.sd_min_days, w + "sd_min_days", minimum=0))
        set_frozen(self, "reference", check_choice(self.reference, w + "reference", ("TRTSDT", "RANDDT")))
        if self.evaluable_min_dose is not None:
            set_frozen(self, "evaluable_min_dose", check_real(self.evaluable_min_dose, w + "evaluable_min_dose",
                                                        minimum=0.0, strict=True))
            if self.evaluable_dose_unit is None:
                raise ConfigError(w + "evaluable_dose_unit", "given with evaluable_min_dose (e.g. \"mg/kg\")", None)
        if self.evaluable_dose_unit is not None:
            set_frozen(self, "evaluable_dose_unit", read_text(self.evaluable_dose_unit, w + "evaluable_dose_unit"))
        set_frozen(self, "min_post_baseline", check_int(self.min_post_baseline, w + "min_post_baseline", minimum=0))
        set_frozen(self, "conf_type", check_choice(self.conf_type, w + "conf_type", ("log", "log-log")))
        set_frozen(self, "alpha", check_probability(self.alpha, w + "alpha"))
        set_frozen(self, "unknown_response", check_choice(self.unknown_response, w + "unknown_response",
                                                    ("ne", "exclude", "error")))
