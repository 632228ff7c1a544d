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

from doseflow.errors import ConfigError
from doseflow.readout.config.analyses import EfficacyConfig, PKConfig, SafetyConfig
from doseflow.readout.config.inputs import ADAM_DATASETS, AdamConfig, DatasetsConfig, DesignConfig, PopulationConfig

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
