"""What the readout reads: [datasets], [design], [population] and [adam] of the configuration.

The sections are documented with the whole file in :mod:`doseflow.readout.config`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from doseflow.checks import check_choice, check_int
from doseflow.designs.registry import build_design
from doseflow.errors import ConfigError, InputError
from doseflow.readout.config.values import read_text, set_frozen
from doseflow.readout.groups import DOSE_BY

__all__ = ["DatasetsConfig", "DesignConfig", "PopulationConfig", "ADAM_DATASETS", "AdamConfig"]


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
            clean[read_text(dom, "[datasets] key").lower()] = read_text(stem, f"[datasets] {dom}").lower()
        set_frozen(self, "prefer", clean)


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
        set_frozen(self, "dose_by", check_choice(self.dose_by, "[population] dose_by", DOSE_BY))
        set_frozen(self, "cycle_length_days", check_int(self.cycle_length_days, "[population] cycle_length_days", minimum=1))
        set_frozen(self, "exposure_to", check_choice(self.exposure_to, "[population] exposure_to", ("last_dose", "cycle_end")))



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
        set_frozen(self, "use", tuple(dict.fromkeys(n.strip().lower() for n in self.use)))
        if self.dose_variable is not None:
            set_frozen(self, "dose_variable", read_text(self.dose_variable, w + "dose_variable").upper())
        for name in ("bor_confirmed_param", "bor_unconfirmed_param", "pfs_param", "dor_param"):
            set_frozen(self, name, read_text(getattr(self, name), w + name).upper())
