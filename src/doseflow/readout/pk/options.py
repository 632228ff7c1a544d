"""Options of the non-compartmental analysis (NCA): documented, defaulted and validated in one place.

Each option is a field of the frozen dataclass :class:`NCAOptions`. Its metadata names the
equivalent option of the R package PKNCA (Denney, Duvvuri and Buckeridge 2015; the
``PKNCA.options()`` list) and describes it, so that :meth:`NCAOptions.describe` answers
"what does this option do and what is it called in PKNCA" without reading the code, as
``PKNCA.options.describe()`` does. Validation runs in ``__post_init__``, so a variant made
with :func:`dataclasses.replace` is validated again.

Defaults and where they differ from PKNCA's:

==========================  =======================  ==============================================
option                      default                  PKNCA name and default
==========================  =======================  ==============================================
auc_method                  "lin up/log down"        ``auc.method`` = "lin up/log down"
blq_first                   "keep" (as 0)            ``conc.blq$first`` = "keep"
blq_middle                  "drop"                   ``conc.blq$middle`` = "drop"
blq_last                    "drop"                   ``conc.blq$last`` = "keep" (differs; only AUCall
                                                     depends on it, and AUCall is not computed here)
first_tmax                  True                     ``first.tmax`` = TRUE
min_hl_points               3                        ``min.hl.points`` = 3
adj_r_squared_factor        1e-4                     ``adj.r.squared.factor`` = 1e-4
allow_tmax_in_half_life     False                    ``allow.tmax.in.half.life`` = FALSE
min_span_ratio              2                        ``min.span.ratio`` = 2 (flag only)
min_hl_r_squared            0.9                      ``min.hl.r.squared`` = 0.9 (flag only)
max_aucinf_pext             20                       ``max.aucinf.pext`` = 20 (flag only)
impute_start                "auto"                   ``impute`` = none by default; "auto" here is
                                                     PKNCA's "start_conc0" for extravascular and
                                                     infusion first doses and "start_logslope"
                                                     (C0 back-extrapolation) for an IV bolus, the
                                                     WinNonlin convention
min_profile_samples         3                        none: PKNCA computes what the samples allow;
                                                     here a profile with fewer post-dose samples
                                                     is not analysed (its samples are
                                                     concentrations at their times)
==========================  =======================  ==============================================

The "flag only" options never change a value: a parameter that breaks them keeps its
value and carries a flag, as PKNCA's ``exclude_nca_*`` functions mark rather than delete.

References
----------
Denney W, Duvvuri S, Buckeridge C (2015). Simple, automatic noncompartmental analysis:
the PKNCA R package. J Pharmacokinet Pharmacodyn 42(1):11-107, S65. PKNCA source
``R/PKNCA.options.R`` (option checks and defaults), ``R/half.life.R``, ``R/auc.R``.

Gabrielsson J, Weiner D (2000). Pharmacokinetic and Pharmacodynamic Data Analysis:
Concepts and Applications, 3rd ed., section 2.8.4 (strategies for estimating lambda-z).

Examples
--------
>>> opts = NCAOptions()
>>> opts.auc_method, opts.min_hl_points, opts.adj_r_squared_factor
('lin up/log down', 3, 0.0001)
>>> NCAOptions.pknca_name("adj_r_squared_factor")
'adj.r.squared.factor'
>>> NCAOptions(blq_middle=0.005).blq_middle
0.005
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from numbers import Real
from typing import Any

from doseflow.checks import check_choice, check_int, check_real
from doseflow.errors import ConfigError

__all__ = ["NCAOptions", "AUC_METHODS", "START_IMPUTATIONS", "BLQRule"]

AUC_METHODS: tuple[str, ...] = ("lin up/log down", "linear")
START_IMPUTATIONS: tuple[str, ...] = ("auto", "none")

#: A BLQ rule: "keep" (use the BLQ value as 0), "drop" (leave the sample out) or a number
#: (use that concentration instead), as the elements of PKNCA's ``conc.blq``.
BLQRule = str | float


def _opt(default: Any, pknca: str, doc: str) -> Any:
    return field(default=default, metadata={"pknca": pknca, "doc": doc})


def _check_blq(value: object, where: str) -> BLQRule:
    if isinstance(value, str):
        v = value.strip().lower()
        if v in ("keep", "drop"):
            return v
        raise ConfigError(where, "'keep', 'drop' or a finite number >= 0", value,
                          "As the elements of PKNCA's conc.blq.")
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(float(value)) \
            or float(value) < 0:
        raise ConfigError(where, "'keep', 'drop' or a finite number >= 0", value,
                          "As the elements of PKNCA's conc.blq.")
    return float(value)


@dataclass(frozen=True, slots=True)
class NCAOptions:
    """Rules of the non-compartmental analysis, each named after its PKNCA option.

    Parameters
    ----------
    auc_method : {"lin up/log down", "linear"}
        Trapezoid rule for AUC and AUMC (PKNCA ``auc.method``). "lin up/log down": the
        linear trapezoid where the concentration rises or stays level, the logarithmic
        trapezoid where it falls and both concentrations are > 0; "linear": the linear
        trapezoid throughout.
    blq_first, blq_middle, blq_last : {"keep", "drop"} or float >= 0
        Handling of below-limit-of-quantification (BLQ) samples before the first
        measurable concentration, between measurable ones, and after the last one
        (PKNCA ``conc.blq`` elements ``first``, ``middle``, ``last``). "keep" uses the
        sample as 0, "drop" leaves it out, a number replaces it. A profile with no
        measurable sample counts all its samples as "first".
    first_tmax : bool
        Tmax is the first time Cmax occurs (True) or the last (PKNCA ``first.tmax``).
    min_hl_points : int >= 2
        Fewest points in a lambda-z regression (PKNCA ``min.hl.points``).
    adj_r_squared_factor : float in (0, 1)
        Tolerance on the adjusted R-squared: fits within this of the best one are ties,
        and the tie with the most points wins (PKNCA ``adj.r.squared.factor``).
    allow_tmax_in_half_life : bool
        Whether the Tmax sample may enter the lambda-z regression (PKNCA
        ``allow.tmax.in.half.life``); by default only samples after Tmax are used.
    min_span_ratio : float > 0
        A lambda-z whose span ratio (time covered / half-life) is below this is flagged
        (PKNCA ``min.span.ratio``).
    min_hl_r_squared : float in (0, 1)
        A lambda-z fit whose R-squared is below this is flagged (PKNCA
        ``min.hl.r.squared``).
    max_aucinf_pext : float > 0
        AUCinf whose extrapolated percentage exceeds this is flagged, percent scale
        (PKNCA ``max.aucinf.pext``).
    impute_start : {"auto", "none"}
        What to do when a dosing interval has no concentration at time 0. "auto": for the
        first dose of an extravascular or infusion profile insert C(0) = 0 (PKNCA impute
        "start_conc0"); for an IV bolus back-extrapolate C0 log-linearly from the first
        two samples when they decline, else use the first sample (PKNCA ``pk.calc.c0``
        methods "logslope" then "c1"); for later doses leave AUCs missing with a flag.
        "none": AUCs are missing with a flag whenever time 0 has no sample (PKNCA's
        behaviour without ``impute``).
    min_profile_samples : int >= 1
        Post-dose samples (time > 0) a profile needs to be analysed
        (:mod:`doseflow.readout.pk.sampling`): a peak-and-trough or single-sample cycle is
        reported as concentrations at their nominal times, not as a profile. doseflow's
        rule; PKNCA has no such option.

    Raises
    ------
    ConfigError
        Naming the option (``NCAOptions.<name>``) and the offending value.

    Notes
    -----
    PKNCA's lambda-z search (``pk.calc.half.life``) uses the samples after Tmax whose
    concentration is not 0, fits log(C) on time for the last 3, 4, ... of them, keeps
    the fits with lambda-z > 0 whose adjusted R-squared is above the best adjusted
    R-squared minus ``adj_r_squared_factor``, and among those takes the one with the most
    points (Gabrielsson and Weiner 2000, section 2.8.4). With ``first_tmax`` True and
    ``allow_tmax_in_half_life`` False, the Cmax sample is left out of the fit but a later
    sample equal to Cmax is not.

    References
    ----------
    Denney W, Duvvuri S, Buckeridge C (2015). J Pharmacokinet Pharmacodyn 42:S65; PKNCA
    ``R/PKNCA.options.R``.

    Examples
    --------
    >>> NCAOptions(auc_method="linear").auc_method
    'linear'
    >>> NCAOptions(min_hl_points=1)
    Traceback (most recent call last):
    ...
    doseflow.errors.ConfigError: NCAOptions.min_hl_points: must be a whole number >= 2; got 1. PKNCA option min.hl.points.
    """

    auc_method: str = _opt(
        "lin up/log down", "auc.method",
        "Trapezoid rule for AUC/AUMC: 'lin up/log down' (log trapezoid where the "
        "concentration falls and both ends are > 0) or 'linear'.")
    blq_first: BLQRule = _opt(
        "keep", "conc.blq$first",
        "BLQ samples before the first measurable one: 'keep' (as 0), 'drop' or a number.")
    blq_middle: BLQRule = _opt(
        "drop", "conc.blq$middle",
        "BLQ samples between measurable ones: 'keep' (as 0), 'drop' or a number.")
    blq_last: BLQRule = _opt(
        "drop", "conc.blq$last",
        "BLQ samples after the last measurable one: 'keep' (as 0), 'drop' or a number.")
    first_tmax: bool = _opt(
        True, "first.tmax",
        "If Cmax occurs more than once, Tmax is its first time (True) or its last (False).")
    min_hl_points: int = _opt(
        3, "min.hl.points", "Fewest points in a lambda-z regression (>= 2).")
    adj_r_squared_factor: float = _opt(
        1e-4, "adj.r.squared.factor",
        "Fits whose adjusted R-squared is within this of the best are ties; the tie with "
        "the most points wins.")
    allow_tmax_in_half_life: bool = _opt(
        False, "allow.tmax.in.half.life",
        "Whether the Tmax sample may be used in the lambda-z regression.")
    min_span_ratio: float = _opt(
        2.0, "min.span.ratio",
        "Flag lambda-z when (time span of the fit) / half-life is below this.")
    min_hl_r_squared: float = _opt(
        0.9, "min.hl.r.squared", "Flag lambda-z when the fit's R-squared is below this.")
    max_aucinf_pext: float = _opt(
        20.0, "max.aucinf.pext",
        "Flag AUCinf when its extrapolated part exceeds this percentage.")
    impute_start: str = _opt(
        "auto", "impute (start_conc0 / start_logslope)",
        "'auto': C(0) = 0 for a first extravascular or infusion dose, C0 back-extrapolated "
        "for an IV bolus; 'none': AUCs missing when time 0 has no sample.")

    min_profile_samples: int = _opt(
        3, "none (doseflow)",
        "Post-dose samples a profile needs for NCA; fewer are concentrations at their times.")

    def __post_init__(self) -> None:
        def where(name: str) -> str:
            return f"NCAOptions.{name}"

        def hint(name: str) -> str:
            return f"PKNCA option {self.pknca_name(name)}."

        def setv(name: str, value: Any) -> None:
            object.__setattr__(self, name, value)

        try:
            setv("auc_method", check_choice(self.auc_method, where("auc_method"), AUC_METHODS))
            setv("impute_start", check_choice(self.impute_start, where("impute_start"), START_IMPUTATIONS))
        except ConfigError as err:
            raise ConfigError(err.where, err.expected, err.value, hint(err.where.split(".")[1])) from None
        for name in ("blq_first", "blq_middle", "blq_last"):
            setv(name, _check_blq(getattr(self, name), where(name)))
        for name in ("first_tmax", "allow_tmax_in_half_life"):
            if not isinstance(getattr(self, name), bool):
                raise ConfigError(where(name), "True or False", getattr(self, name), hint(name))
        checks = {
            "min_hl_points": lambda v, w: check_int(v, w, minimum=2),
            "min_profile_samples": lambda v, w: check_int(v, w, minimum=1),
            "adj_r_squared_factor": lambda v, w: check_real(v, w, minimum=0.0, maximum=1.0, strict=True),
            "min_span_ratio": lambda v, w: check_real(v, w, minimum=0.0, strict=True),
            "min_hl_r_squared": lambda v, w: check_real(v, w, minimum=0.0, maximum=1.0, strict=True),
            "max_aucinf_pext": lambda v, w: check_real(v, w, minimum=0.0, maximum=100.0, strict=True),
        }
        for name, check in checks.items():
            try:
                setv(name, check(getattr(self, name), where(name)))
            except ConfigError as err:
                raise ConfigError(err.where, err.expected, err.value, hint(name)) from None

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """The option names, in declaration order."""
        return tuple(f.name for f in dataclasses.fields(cls))

    @classmethod
    def _field(cls, name: str) -> dataclasses.Field:
        for f in dataclasses.fields(cls):
            if f.name == name:
                return f
        raise ConfigError("option name", "one of " + ", ".join(cls.names()), name)

    @classmethod
    def pknca_name(cls, name: str) -> str:
        """The PKNCA option that ``name`` corresponds to."""
        return cls._field(name).metadata["pknca"]

    @classmethod
    def describe(cls, name: str) -> str:
        """One paragraph on option ``name``: what it does, its default and PKNCA name.

        Examples
        --------
        >>> print(NCAOptions.describe("min_span_ratio"))
        min_span_ratio (PKNCA min.span.ratio, default 2.0): Flag lambda-z when (time span of the fit) / half-life is below this.
        """
        f = cls._field(name)
        return f"{name} (PKNCA {f.metadata['pknca']}, default {f.default!r}): {f.metadata['doc']}"

    def as_dict(self) -> dict[str, Any]:
        """The option values as a plain dict (for result objects and reports)."""
        return {name: getattr(self, name) for name in self.names()}
