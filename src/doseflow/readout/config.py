"""The readout configuration: a frozen dataclass tree read from a TOML file.

Every option has a default, so an empty file (or no file) is a valid configuration. Each
section is a frozen dataclass validated in ``__post_init__`` (a variant made with
:func:`dataclasses.replace` is validated again); a bad value raises
:class:`~doseflow.errors.ConfigError` naming the TOML key and the value, e.g.
``readout.toml [safety] teae_window_days: must be a whole number >= 0; got -1.``
Unknown sections and keys are errors too, so a typo never passes silently.

A complete file with the defaults (``evaluable_min_dose`` has none: absent means no
dose limit)::

    [datasets]              # domain = dataset (file stem), when several share a domain
    rs = "rs_onco"

    [population]
    dose_by = "auto"        # "auto" | "first_dose" | "max_dose" | "arm"
    cycle_length_days = 21
    exposure_to = "last_dose"           # "last_dose" | "cycle_end"

    [safety]
    teae_window_days = 30
    related_values = ["RELATED", "POSSIBLE", "POSSIBLY RELATED", "PROBABLE", ...]
    missing_relationship = "related"    # "related" | "not_related"
    incidence_threshold_pct = 10.0
    dlt_variable = "AEDLT"
    dlt_window_days = 21
    dlt_evaluable = "window"            # "window" | "treated"
    lab_tests = ["PLT", "AST", "ALT"]

    [pk]
    time = "actual"                     # "actual" | "nominal"
    auc_method = "lin up/log down"      # "lin up/log down" | "linear"
    blq_first = "keep"                  # "keep" | "drop" | a number >= 0
    blq_middle = "drop"
    blq_last = "drop"
    specimens = ["PLASMA", "SERUM"]
    proportionality_level = 0.90
    proportionality_cycles = "first"    # "first" | "all" (mixed model, random intercept per patient)
    min_profile_samples = 3

    [efficacy]
    evaluator = "INVESTIGATOR"          # "INVESTIGATOR" | "INDEPENDENT ASSESSOR"
    confirmation = true
    confirm_min_days = 28
    sd_min_days = 42
    reference = "TRTSDT"                # "TRTSDT" | "RANDDT"
    evaluable_min_dose = 7.2            # optional
    evaluable_dose_unit = "mg/kg"       # required with evaluable_min_dose
    min_post_baseline = 1
    conf_type = "log"                   # "log" | "log-log"
    alpha = 0.05
    unknown_response = "ne"             # "ne" | "exclude" | "error"
    death_window_days = 84              # optional; absent: every death is a PFS event

    [design]                # optional: the escalation design the trial followed, replayed cohort by cohort
    design = "accelerated"              # a name of doseflow.designs.registry (``doseflow designs``)
    max_single_levels = 2               # its options, by their registry names
    base = { design = "3+3" }           # a wrapper's base design

    [adam]                  # sponsor ADaM datasets in the folder win over doseflow's derivation
    use = ["adsl", "adae", "adrs", "adtte", "adpc"]   # [] derives everything from SDTM
    dose_variable = "TRT01AN"           # optional: numeric ADSL dose; default parsed from TRT01A
    bor_confirmed_param = "CBOR"
    bor_unconfirmed_param = "BOR"
    pfs_param = "PFS"
    dor_param = "DOR"

References
----------
TOML v1.0.0 (tomllib, Python 3.11). The option sets follow the analyses they configure:
admiral's ADSL template and ``derive_var_trtemfl`` (safety), PKNCA's options (Denney et
al. 2015; PK), RECIST 1.1 (Eisenhauer et al. 2009) and admiralonco (efficacy).

Examples
--------
>>> cfg = parse_config('[efficacy]\\nevaluable_min_dose = 7.2\\nevaluable_dose_unit = "mg/kg"')
>>> cfg.efficacy.evaluable_min_dose, cfg.safety.teae_window_days
(7.2, 30)
>>> parse_config("[safety]\\nteae_window_days = -1")
Traceback (most recent call last):
...
doseflow.errors.ConfigError: [safety] teae_window_days: must be a whole number >= 0; got -1.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from doseflow.checks import check_choice, check_int, check_probability, check_real
from doseflow.designs.registry import build_design
from doseflow.standards.ctcae import LAB_CRITERIA
from doseflow.errors import ConfigError, InputError
from doseflow.readout.groups import DOSE_BY
from doseflow.readout.pk.options import AUC_METHODS, NCAOptions
from doseflow.readout.safety.dlt import EVALUABLE_RULES
from doseflow.readout.safety.flags import RELATED_VALUES

__all__ = [
    "DatasetsConfig",
    "DesignConfig",
    "PopulationConfig",
    "SafetyConfig",
    "PKConfig",
    "EfficacyConfig",
    "AdamConfig",
    "ADAM_DATASETS",
    "ReadoutConfig",
    "read_config",
    "parse_config",
]


def _strings(value: object, where: str, *, upper: bool = False) -> tuple[str, ...]:
    """A non-empty list of non-empty strings, as a tuple."""
    if isinstance(value, str) or not isinstance(value, (list, tuple)) or not value \
            or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(where, "a non-empty list of text values", value)
    return tuple(v.strip().upper() if upper else v.strip() for v in value)


def _bool(value: object, where: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(where, "true or false", value)
    return value


def _text(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(where, "a non-empty text value", value)
    return value.strip()


def _set(obj: object, name: str, value: Any) -> None:
    object.__setattr__(obj, name, value)


@dataclass(frozen=True, slots=True)
class DatasetsConfig:
    """[datasets]: which dataset to use for a domain when several files share it.

    Parameters
    ----------
    prefer : dict[str, str]
        Domain (lower case, e.g. ``"rs"``) -> file stem (``"rs_onco"``); passed to
        :func:`doseflow.cdisc.read_sdtm` as ``prefer``. TU and TR follow a preferred RS
        family. Empty (default): the reader chooses and says why in its notes.
    """

    prefer: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.prefer, dict):
            raise ConfigError("[datasets]", "a table of domain = dataset names", self.prefer)
        clean = {}
        for dom, stem in self.prefer.items():
            clean[_text(dom, "[datasets] key").lower()] = _text(stem, f"[datasets] {dom}").lower()
        _set(self, "prefer", clean)


@dataclass(frozen=True, slots=True)
class DesignConfig:
    """[design]: the escalation design the trial followed, as the design registry builds it.

    Parameters
    ----------
    spec : dict
        ``{"design": name, option: value, ...}`` as :func:`doseflow.designs.registry.build_design`
        reads it (a wrapper's ``base`` is a table); the inverse of ``design.to_dict()``. Empty
        (default): no design given, so the report shows the cohorts without decisions.
    """

    spec: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.spec, dict):
            raise ConfigError("[design]", "a table naming the design and its options", self.spec)
        if self.spec:
            try:
                build_design(self.spec, "[design]")
            except InputError as err:  # the registry's errors, as configuration errors of this table
                raise ConfigError(err.where, err.expected, err.value, err.hint) from None

    @property
    def design(self) -> Any:
        """The design, or None when none was given."""
        return build_design(self.spec, "[design]") if self.spec else None


@dataclass(frozen=True, slots=True)
class PopulationConfig:
    """[population]: how subjects are grouped into dose levels.

    Parameters
    ----------
    dose_by : {"auto", "first_dose", "max_dose", "arm"}
        What defines a subject's dose group (:mod:`doseflow.readout.groups`). ``"auto"``
        (default): the actual arm (DM.ACTARM), labelled by its dose when the arms are the
        dose levels of an escalation, or the first dose when every subject is in one arm;
        or always the EXDOSE of the first dose (the dose a subject was enrolled at), the
        largest EXDOSE, or the actual arm.
    cycle_length_days : int >= 1
        Length of a treatment cycle, for the number of cycles started (default 21).
    exposure_to : {"last_dose", "cycle_end"}
        Exposure duration ends at the last dose (TRTDURD, default) or at the end of the
        last cycle (last dose + cycle length - 1 day); see
        :func:`doseflow.readout.population.summarise_population`.
    """

    dose_by: str = "auto"
    cycle_length_days: int = 21
    exposure_to: str = "last_dose"

    def __post_init__(self) -> None:
        _set(self, "dose_by", check_choice(self.dose_by, "[population] dose_by", DOSE_BY))
        _set(self, "cycle_length_days", check_int(self.cycle_length_days, "[population] cycle_length_days", minimum=1))
        _set(self, "exposure_to", check_choice(self.exposure_to, "[population] exposure_to", ("last_dose", "cycle_end")))


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
        _set(self, "teae_window_days", check_int(self.teae_window_days, w + "teae_window_days", minimum=0))
        _set(self, "related_values", _strings(self.related_values, w + "related_values", upper=True))
        _set(self, "missing_relationship", check_choice(self.missing_relationship, w + "missing_relationship",
                                                        ("related", "not_related")))
        _set(self, "incidence_threshold_pct", check_real(self.incidence_threshold_pct, w + "incidence_threshold_pct",
                                                         minimum=0.0, maximum=100.0))
        _set(self, "dlt_variable", _text(self.dlt_variable, w + "dlt_variable").upper())
        _set(self, "dlt_window_days", check_int(self.dlt_window_days, w + "dlt_window_days", minimum=1))
        _set(self, "dlt_evaluable", check_choice(self.dlt_evaluable, w + "dlt_evaluable", EVALUABLE_RULES))
        tests = _strings(self.lab_tests, w + "lab_tests", upper=True)
        for t in tests:
            check_choice(t, w + "lab_tests", tuple(LAB_CRITERIA))
        _set(self, "lab_tests", tests)


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
        _set(self, "time", check_choice(self.time, w + "time", ("actual", "nominal")))
        _set(self, "auc_method", check_choice(self.auc_method, w + "auc_method", AUC_METHODS))
        _set(self, "specimens", _strings(self.specimens, w + "specimens", upper=True))
        _set(self, "proportionality_level", check_probability(self.proportionality_level,
                                                              w + "proportionality_level"))
        _set(self, "proportionality_cycles", check_choice(self.proportionality_cycles, w + "proportionality_cycles",
                                                          ("first", "all")))
        _set(self, "min_profile_samples", check_int(self.min_profile_samples, w + "min_profile_samples", minimum=1))
        for name in ("blq_first", "blq_middle", "blq_last"):
            try:
                NCAOptions(**{name: getattr(self, name)})
            except ConfigError as err:
                raise ConfigError(w + name, err.expected, err.value, err.hint) from None
            value = getattr(self, name)
            _set(self, name, value.strip().lower() if isinstance(value, str) else float(value))

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
            _set(self, "death_window_days", check_int(self.death_window_days, w + "death_window_days", minimum=0))
        _set(self, "evaluator", check_choice(str(self.evaluator).upper() if isinstance(self.evaluator, str)
                                             else self.evaluator, w + "evaluator",
                                             ("INVESTIGATOR", "INDEPENDENT ASSESSOR")))
        _set(self, "confirmation", _bool(self.confirmation, w + "confirmation"))
        _set(self, "confirm_min_days", check_int(self.confirm_min_days, w + "confirm_min_days", minimum=1))
        _set(self, "sd_min_days", check_int(self.sd_min_days, w + "sd_min_days", minimum=0))
        _set(self, "reference", check_choice(self.reference, w + "reference", ("TRTSDT", "RANDDT")))
        if self.evaluable_min_dose is not None:
            _set(self, "evaluable_min_dose", check_real(self.evaluable_min_dose, w + "evaluable_min_dose",
                                                        minimum=0.0, strict=True))
            if self.evaluable_dose_unit is None:
                raise ConfigError(w + "evaluable_dose_unit", "given with evaluable_min_dose (e.g. \"mg/kg\")", None)
        if self.evaluable_dose_unit is not None:
            _set(self, "evaluable_dose_unit", _text(self.evaluable_dose_unit, w + "evaluable_dose_unit"))
        _set(self, "min_post_baseline", check_int(self.min_post_baseline, w + "min_post_baseline", minimum=0))
        _set(self, "conf_type", check_choice(self.conf_type, w + "conf_type", ("log", "log-log")))
        _set(self, "alpha", check_probability(self.alpha, w + "alpha"))
        _set(self, "unknown_response", check_choice(self.unknown_response, w + "unknown_response",
                                                    ("ne", "exclude", "error")))


#: The ADaM datasets the readout can take instead of deriving from SDTM, and what each replaces.
ADAM_DATASETS: dict[str, str] = {
    "adsl": "subjects, treatment dates and dose groups (instead of DM, EX, DS)",
    "adae": "treatment emergence, relatedness and grade of AEs (instead of AE)",
    "adrs": "best overall response (instead of RS)",
    "adtte": "PFS and duration of response (instead of RS)",
    "adpc": "the NCA concentration-time frame (instead of PC and EX)",
}


@dataclass(frozen=True, slots=True)
class AdamConfig:
    """[adam]: which sponsor ADaM datasets win over doseflow's derivation from SDTM.

    Parameters
    ----------
    use : list of str
        ADaM datasets used when they are in the folder (default all of
        :data:`ADAM_DATASETS`: adsl, adae, adrs, adtte, adpc); each present one replaces
        doseflow's derivation for its analyses, and the readout's notes say so. ``[]``
        forces every analysis to be derived from SDTM.
    dose_variable : str, optional
        Numeric ADSL variable holding each subject's dose (e.g. ``"TRT01AN"`` when it is
        the dose, or a sponsor ``"DOSE"``); its unit is ADSL DOSEU, else the one in TRT01A.
        Default: the dose is read from the TRT01A label ("1.2 mg/kg", "Placebo" = 0).
    bor_confirmed_param, bor_unconfirmed_param : str
        ADRS PARAMCD of the best overall response with and without confirmation
        (admiralonco ``ad_adrs.R``: "CBOR", "BOR").
    pfs_param, dor_param : str
        ADTTE PARAMCD of progression-free survival and of duration of response
        (default "PFS", "DOR"; admiralonco's template calls the latter "RSD").
    """

    use: tuple[str, ...] = tuple(ADAM_DATASETS)
    dose_variable: str | None = None
    bor_confirmed_param: str = "CBOR"
    bor_unconfirmed_param: str = "BOR"
    pfs_param: str = "PFS"
    dor_param: str = "DOR"

    def __post_init__(self) -> None:
        w = "[adam] "
        if isinstance(self.use, str) or not isinstance(self.use, (list, tuple)):
            raise ConfigError(w + "use", "a list of ADaM datasets (" + ", ".join(ADAM_DATASETS) + "), possibly empty",
                              self.use)
        for name in self.use:
            check_choice(name.strip().lower() if isinstance(name, str) else name, w + "use", tuple(ADAM_DATASETS))
        _set(self, "use", tuple(dict.fromkeys(n.strip().lower() for n in self.use)))
        if self.dose_variable is not None:
            _set(self, "dose_variable", _text(self.dose_variable, w + "dose_variable").upper())
        for name in ("bor_confirmed_param", "bor_unconfirmed_param", "pfs_param", "dor_param"):
            _set(self, name, _text(getattr(self, name), w + name).upper())


_SECTIONS: dict[str, type] = {"datasets": DatasetsConfig, "design": DesignConfig, "population": PopulationConfig,
                              "safety": SafetyConfig,
                              "pk": PKConfig, "efficacy": EfficacyConfig, "adam": AdamConfig}


@dataclass(frozen=True, slots=True)
class ReadoutConfig:
    """The whole readout configuration: one frozen section per TOML table.

    Examples
    --------
    >>> ReadoutConfig().efficacy.conf_type
    'log'
    """

    datasets: DatasetsConfig = field(default_factory=DatasetsConfig)
    design: DesignConfig = field(default_factory=DesignConfig)
    population: PopulationConfig = field(default_factory=PopulationConfig)
    safety: SafetyConfig = field(default_factory=SafetyConfig)
    pk: PKConfig = field(default_factory=PKConfig)
    efficacy: EfficacyConfig = field(default_factory=EfficacyConfig)
    adam: AdamConfig = field(default_factory=AdamConfig)

    def __post_init__(self) -> None:
        for name, cls in _SECTIONS.items():
            if not isinstance(getattr(self, name), cls):
                raise ConfigError(f"[{name}]", f"a {cls.__name__}", type(getattr(self, name)).__name__)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReadoutConfig:
        """Build from the parsed TOML tables; unknown sections or keys are ConfigErrors."""
        if not isinstance(data, dict):
            raise ConfigError("configuration", "a table of sections", data)
        sections = {}
        for name, table in data.items():
            if name not in _SECTIONS:
                raise ConfigError("configuration section", "one of " + ", ".join(f"[{s}]" for s in _SECTIONS),
                                  name)
            if not isinstance(table, dict):
                raise ConfigError(f"[{name}]", "a table of key = value lines", table)
            if name == "datasets":
                sections[name] = DatasetsConfig(prefer=dict(table))
                continue
            if name == "design":
                sections[name] = DesignConfig(spec=dict(table))
                continue
            known = [f.name for f in dataclasses.fields(_SECTIONS[name])]
            for key in table:
                if key not in known:
                    raise ConfigError(f"[{name}] {key}", "a known option (" + ", ".join(known) + ")", key)
            sections[name] = _SECTIONS[name](**table)
        return cls(**sections)

    def to_dict(self) -> dict[str, Any]:
        """The settings as plain TOML-like tables (for the report and results.json)."""
        out: dict[str, Any] = {"datasets": dict(self.datasets.prefer), "design": dict(self.design.spec)}
        for name in ("population", "safety", "pk", "efficacy", "adam"):
            section = getattr(self, name)
            out[name] = {f.name: (list(v) if isinstance(v := getattr(section, f.name), tuple) else v)
                         for f in dataclasses.fields(section)}
        return out


def parse_config(text: str, *, source: str = "") -> ReadoutConfig:
    """Parse TOML text into a :class:`ReadoutConfig`.

    Parameters
    ----------
    text : str
        TOML source.
    source : str
        File name prefixed to the ``where`` of every error ("" for none).

    Raises
    ------
    ConfigError
        Invalid TOML (with tomllib's line and column), an unknown section or key, or a bad
        value, naming the key.
    """
    prefix = f"{source} " if source else ""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(source or "configuration", "valid TOML", str(err)) from None
    try:
        return ReadoutConfig.from_dict(data)
    except TypeError as err:  # a section given as a value of the wrong kind
        raise ConfigError(f"{prefix}configuration", "sections of key = value options", str(err)) from None
    except ConfigError as err:
        if not prefix:
            raise
        raise ConfigError(prefix + err.where, err.expected, err.value, err.hint) from None


def read_config(path: str | Path | None) -> ReadoutConfig:
    """Read a readout TOML file; ``None`` gives the defaults.

    Raises
    ------
    ConfigError
        The file is missing or unreadable, or its content is invalid (see :func:`parse_config`).
    """
    if path is None:
        return ReadoutConfig()
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError("--config", "a readable UTF-8 TOML file", str(path), str(getattr(err, "strerror", "") or err)) from None
    return parse_config(text, source=path.name)
