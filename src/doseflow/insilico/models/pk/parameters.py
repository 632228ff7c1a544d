"""Published and default parameter sets of the ADC pharmacokinetic model, with sources.

Each set is a frozen :class:`PKParameters` for a typical subject at the source's reference
covariates (weight in kg, albumin in g/L). Tags say how solid a value is:
``"literature"`` (read from the cited table), ``"assumption"`` (chosen by us within a
stated range; replace when data appear) or ``"calibrated"``.

Sets
----
:data:`LU_2014_TDM1`
    T-DM1 conjugate, linear 2-compartment (Lu et al. 2014, Table 1, Eq. 5).
:data:`YIN_2021_TDXD`
    Intact T-DXd, linear 2-compartment (Yin et al. 2021, Table 1).
:data:`QUARTINO_2019_TRASTUZUMAB`
    Trastuzumab, 2-compartment with linear + Michaelis-Menten elimination (Quartino et
    al. 2019, Table 1).
:data:`GQ1001_DEFAULT`
    GQ1001 (site-specific DAR-2 HER2 ADC): total antibody as trastuzumab (Quartino 2019)
    plus an assumed first-order deconjugation of the conjugate (Bender 2014; Lu 2013).

:data:`PHASE1A_SCHEDULE` (a :class:`SamplingSchedule`) is the PK sampling configuration
used by :meth:`doseflow.insilico.models.pk.model.PKModel.sample`. :func:`compute_half_lives` and
:func:`compute_two_compartment_infusion` give the reference quantities of a linear set
(half-lives, closed-form single-dose profile) used to check it against its source.

The single-analyte sets (Lu, Yin, Quartino) have ``k_dec = 0``: the published model
describes one analyte, and the model's "ADC" and "TAb" outputs are then identical.

Examples
--------
>>> LU_2014_TDM1.cl, LU_2014_TDM1.reference_weight
(0.676, 70.0)
>>> GQ1001_DEFAULT.tag("k_dec")
'assumption'
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

import numpy as np

from doseflow.checks import check_real
from doseflow.errors import ConfigError
from doseflow.insilico.models.variability import ResidualError, validate_omega

__all__ = [
    "IIV_PARAMETERS",
    "PayloadParameters",
    "PKParameters",
    "LU_2014_TDM1",
    "YIN_2021_TDXD",
    "QUARTINO_2019_TRASTUZUMAB",
    "GQ1001_DEFAULT",
    "PK_PARAMETER_SETS",
    "SamplingSchedule",
    "PHASE1A_SCHEDULE",
    "compute_half_lives",
    "compute_two_compartment_infusion",
]

#: Parameters that may carry inter-individual variability, in this order.
IIV_PARAMETERS: tuple[str, ...] = ("CL", "Vc", "Q", "Vp", "Km", "k_dec")


@dataclass(frozen=True, slots=True)
class PayloadParameters:
    """Released payload: one compartment, formation from deconjugation and catabolism.

    Parameters
    ----------
    mass_ratio : float
        mg of payload released per mg of conjugated antibody deconjugated or catabolised
        (DAR x MW_payload / MW_ADC), in (0, 1).
    fraction_catabolism : float
        Fraction of the conjugate's clearance flux (linear + Michaelis-Menten) that
        releases free payload, in [0, 1]; deconjugation always releases it.
    volume : float
        Payload volume of distribution (L), > 0.
    k_el : float
        Payload elimination rate constant (1/day), > 0 ("fast": much larger than the
        antibody's rate constants).
    source : str
        Where the values come from.
    """

    mass_ratio: float
    fraction_catabolism: float
    volume: float
    k_el: float
    source: str = ""

    def __post_init__(self) -> None:
        check_real(self.mass_ratio, "PayloadParameters.mass_ratio", minimum=0.0, maximum=1.0, strict=True)
        check_real(self.fraction_catabolism, "PayloadParameters.fraction_catabolism", minimum=0.0, maximum=1.0)
        check_real(self.volume, "PayloadParameters.volume", minimum=0.0, strict=True)
        check_real(self.k_el, "PayloadParameters.k_el", minimum=0.0, strict=True)


@dataclass(frozen=True, slots=True)
class PKParameters:
    """Typical-subject parameters of the two-analyte ADC model (days, L, mg, ug/mL).

    Parameters
    ----------
    name : str
        Short name of the set.
    cl, vc, q, vp : float
        Linear clearance of total antibody (L/day), central volume (L),
        inter-compartmental clearance (L/day), peripheral volume (L); all > 0.
    vmax : float
        Michaelis-Menten maximum elimination rate (mg/day), >= 0 (0 = linear).
    km : float
        Michaelis-Menten constant (ug/mL), > 0.
    k_dec : float
        First-order deconjugation rate of the conjugate in the central compartment
        (1/day), >= 0.
    reference_weight : float
        Weight (kg) at which the typical values hold.
    wt_exp_cl, wt_exp_vc : float
        Power exponents of weight on CL and Vc.
    reference_albumin : float
        Albumin (g/L) at which the typical values hold.
    alb_exp_cl : float
        Power exponent of albumin on CL.
    omega : tuple of tuples
        Variance-covariance of the etas of ``iiv_names`` (log scale).
    iiv_names : tuple of str
        Which of :data:`IIV_PARAMETERS` carry IIV, in the order of ``omega``.
    residual : ResidualError
        Residual error of concentration measurements.
    payload : PayloadParameters or None
        Released payload; ``None`` when not modelled.
    source : str
        Full citation.
    tags : tuple of (str, str)
        Per-field provenance: pairs (field, tag) with tag "literature", "assumption"
        or "calibrated"; read with :meth:`tag`.
    """

    name: str
    cl: float
    vc: float
    q: float
    vp: float
    vmax: float = 0.0
    km: float = 1.0
    k_dec: float = 0.0
    reference_weight: float = 70.0
    wt_exp_cl: float = 0.0
    wt_exp_vc: float = 0.0
    reference_albumin: float = 40.0
    alb_exp_cl: float = 0.0
    omega: tuple[tuple[float, ...], ...] = ()
    iiv_names: tuple[str, ...] = ()
    residual: ResidualError = field(default_factory=ResidualError)
    payload: PayloadParameters | None = None
    source: str = ""
    tags: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        for f in ("cl", "vc", "q", "vp", "km", "reference_weight", "reference_albumin"):
            check_real(getattr(self, f), f"PKParameters({self.name}).{f}", minimum=0.0, strict=True)
        for f in ("vmax", "k_dec"):
            check_real(getattr(self, f), f"PKParameters({self.name}).{f}", minimum=0.0)
        for f in ("wt_exp_cl", "wt_exp_vc", "alb_exp_cl"):
            check_real(getattr(self, f), f"PKParameters({self.name}).{f}")
        bad = [n for n in self.iiv_names if n not in IIV_PARAMETERS]
        if bad or len(set(self.iiv_names)) != len(self.iiv_names):
            raise ConfigError(f"PKParameters({self.name}).iiv_names", "distinct names from " + ", ".join(IIV_PARAMETERS), self.iiv_names)
        w = validate_omega(np.asarray(self.omega, dtype=float).reshape(len(self.iiv_names), len(self.iiv_names)) if self.iiv_names else np.zeros((0, 0)), f"PKParameters({self.name}).omega")
        if w.shape[0] != len(self.iiv_names):
            raise ConfigError(f"PKParameters({self.name}).omega", f"a {len(self.iiv_names)}x{len(self.iiv_names)} matrix", self.omega)
        object.__setattr__(self, "tags", tuple((str(k), str(v)) for k, v in dict(self.tags).items()))

    def tag(self, name: str) -> str:
        """Provenance tag of field ``name`` ("" if untagged)."""
        return dict(self.tags).get(name, "")

    @property
    def omega_matrix(self) -> np.ndarray:
        """``omega`` as a float array (k x k)."""
        k = len(self.iiv_names)
        return np.asarray(self.omega, dtype=float).reshape(k, k)


def _block(*blocks: np.ndarray) -> tuple[tuple[float, ...], ...]:
    """Block-diagonal omega as nested tuples (for frozen dataclasses)."""
    n = sum(b.shape[0] for b in blocks)
    out = np.zeros((n, n))
    i = 0
    for b in blocks:
        k = b.shape[0]
        out[i : i + k, i : i + k] = b
        i += k
    return tuple(tuple(float(v) for v in row) for row in out)


LU_2014_TDM1 = PKParameters(
    name="Lu 2014 T-DM1",
    cl=0.676, vc=3.127, q=1.534, vp=0.66,
    reference_weight=70.0, wt_exp_cl=0.49, wt_exp_vc=0.596,
    reference_albumin=41.0, alb_exp_cl=-0.423,
    # Table 1: CL 19.11% CV, Vc 11.66% CV, cov(CL, Vc) 0.011; Q 180.8% CV; Vp 74.5% CV,
    # variances ln(1 + CV^2).
    omega=_block(np.array([[0.03585, 0.011], [0.011, 0.01351]]), np.array([[1.4513]]), np.array([[0.4415]])),
    iiv_names=("CL", "Vc", "Q", "Vp"),
    residual=ResidualError(proportional=0.3156, additive=0.0),
    source=(
        "Lu D, Girish S, Gao Y, et al. Population pharmacokinetics of trastuzumab emtansine "
        "(T-DM1), a HER2-targeted antibody-drug conjugate, in patients with HER2-positive "
        "metastatic breast cancer. Cancer Chemother Pharmacol 2014;74(2):399-410, Table 1 and "
        "Eq. 5 (reference 70 kg, albumin 41 g/L; other covariates at reference)."
    ),
    tags=tuple((k, "literature") for k in ("cl", "vc", "q", "vp", "wt_exp_cl", "wt_exp_vc", "alb_exp_cl", "omega", "residual")),
)

YIN_2021_TDXD = PKParameters(
    name="Yin 2021 T-DXd",
    cl=0.421, vc=2.77, q=0.199, vp=5.16,
    reference_weight=57.8, wt_exp_cl=0.370, wt_exp_vc=0.489,
    reference_albumin=40.0, alb_exp_cl=-0.533,
    # Table 1 variances: CL 0.063, V1 0.025, cov 0.021; Q 0.090; V2 0.430.
    omega=_block(np.array([[0.063, 0.021], [0.021, 0.025]]), np.array([[0.090]]), np.array([[0.430]])),
    iiv_names=("CL", "Vc", "Q", "Vp"),
    residual=ResidualError(proportional=0.163, additive=1.181),
    source=(
        "Yin O, Iwata H, Lin CC, et al. Population pharmacokinetics of trastuzumab deruxtecan "
        "in patients with HER2-positive breast cancer and other solid tumors. Clin Pharmacol "
        "Ther 2021;109(5):1314-1325, Table 1 (reference female, non-Japan, 57.8 kg, albumin "
        "40 g/L, tumour 57 mm)."
    ),
    tags=tuple((k, "literature") for k in ("cl", "vc", "q", "vp", "wt_exp_cl", "wt_exp_vc", "alb_exp_cl", "omega", "residual")),
)

_QUARTINO_OMEGA = _block(
    # Table 1: CL 40.1% CV, Vc 24.6% CV, cov 0.0230; Vp 49.5% CV; Km 139% CV.
    np.array([[0.149110, 0.0230], [0.0230, 0.058756]]), np.array([[0.219156]]), np.array([[1.075719]])
)
_QUARTINO_SOURCE = (
    "Quartino AL, Li H, Kirschbrown WP, et al. Population pharmacokinetic and covariate "
    "analyses of intravenous trastuzumab (Herceptin), a HER2-targeted monoclonal antibody, "
    "in patients with a variety of solid tumors. Cancer Chemother Pharmacol "
    "2019;83(2):329-340, Table 1 (reference 66 kg, AST 24 IU/L, albumin 4 g/dL = 40 g/L, no "
    "liver metastases, breast cancer)."
)

QUARTINO_2019_TRASTUZUMAB = PKParameters(
    name="Quartino 2019 trastuzumab",
    cl=0.127, vc=2.62, q=0.544, vp=2.97, vmax=8.81, km=8.92,
    reference_weight=66.0, wt_exp_cl=0.967, wt_exp_vc=0.0,
    reference_albumin=40.0, alb_exp_cl=-0.998,
    omega=_QUARTINO_OMEGA,
    iiv_names=("CL", "Vc", "Vp", "Km"),
    residual=ResidualError(proportional=0.197, additive=1.38),
    source=_QUARTINO_SOURCE,
    tags=tuple((k, "literature") for k in ("cl", "vc", "q", "vp", "vmax", "km", "wt_exp_cl", "alb_exp_cl", "omega", "residual")),
)

#: Deconjugation rate of GQ1001 (1/day): an assumption in the range 0.05-0.1/day implied by
#: k_dec = (CL_ADC - CL_TAb) / V1 with CL_ADC 0.3-0.45 L/day (between trastuzumab and
#: T-DXd) - no GQ1001 PK has been published.
_GQ1001_K_DEC = 0.08

GQ1001_DEFAULT = PKParameters(
    name="GQ1001 default",
    cl=0.127, vc=2.62, q=0.544, vp=2.97, vmax=8.81, km=8.92,
    k_dec=_GQ1001_K_DEC,
    reference_weight=66.0, wt_exp_cl=0.967, wt_exp_vc=0.0,
    reference_albumin=40.0, alb_exp_cl=-0.998,
    omega=_QUARTINO_OMEGA,
    iiv_names=("CL", "Vc", "Vp", "Km"),
    # Proportional error of Quartino 2019; the additive part is the assay's, not the popPK
    # model's 1.38 ug/mL (fitted on trastuzumab levels far above 1 ug/mL, it would swamp the
    # ~1-3 ug/mL troughs at 1.2-2.4 mg/kg): 25% of the 0.06 ug/mL LLOQ, the precision a
    # ligand-binding assay must meet at its LLOQ (FDA Bioanalytical Method Validation, 2018).
    residual=ResidualError(proportional=0.197, additive=0.015),
    payload=PayloadParameters(
        # DAR 2 x ~0.74 kDa (maytansinoid-type payload) / 148 kDa antibody = 0.010.
        mass_ratio=2 * 0.74 / 148.0,
        fraction_catabolism=1.0,
        volume=30.0,
        k_el=math.log(2) / 0.5,
        source="assumption: DAR 2, payload MW ~0.74 kDa, V 30 L, half-life 12 h (no GQ1001 data)",
    ),
    source=(
        "Total antibody: " + _QUARTINO_SOURCE + " Conjugate: two-analyte structure with "
        "first-order deconjugation into naked antibody (Bender B, Leipold DD, Xu K, et al. "
        "AAPS J 2014;16(5):994-1008, reduced model; Lu D, et al. integrated multiple-analyte "
        "model of T-DM1, 2013); k_dec = 0.08/day is an ASSUMPTION within 0.05-0.1/day "
        "(CL_ADC 0.3-0.45 L/day), pending published GQ1001 PK."
    ),
    tags=tuple((k, "literature") for k in ("cl", "vc", "q", "vp", "vmax", "km", "wt_exp_cl", "alb_exp_cl", "omega", "residual"))
    + (("k_dec", "assumption"), ("payload", "assumption")),
)

#: All parameter sets by name.
PK_PARAMETER_SETS: Mapping[str, PKParameters] = MappingProxyType(
    {p.name: p for p in (LU_2014_TDM1, YIN_2021_TDXD, QUARTINO_2019_TRASTUZUMAB, GQ1001_DEFAULT)}
)


@dataclass(frozen=True, slots=True)
class SamplingSchedule:
    """PK sampling times per cycle, as configuration.

    Each entry is ``(label, days after the start of the infusion)``; the time ``None``
    means the end of the infusion. Nominal study day D of a cycle is ``D - 1`` days after
    the start of the infusion on day 1; "pre-dose" is time 0 (before the infusion).

    Parameters
    ----------
    first_cycle : tuple of (str, float or None)
        Samples in cycle 1.
    later_cycles : tuple of (str, float or None)
        Samples in every later cycle.
    """

    first_cycle: tuple[tuple[str, float | None], ...]
    later_cycles: tuple[tuple[str, float | None], ...]

    def __post_init__(self) -> None:
        for where, entries in (("first_cycle", self.first_cycle), ("later_cycles", self.later_cycles)):
            for label, t in entries:
                if t is not None:
                    check_real(t, f"SamplingSchedule.{where} {label!r}", minimum=0.0)

    def times_for(self, cycle: int, infusion_days: float) -> tuple[list[str], np.ndarray]:
        """Labels and times (days after the start of the infusion) for 1-based ``cycle``."""
        entries = self.first_cycle if cycle == 1 else self.later_cycles
        labels = [e[0] for e in entries]
        times = np.array([infusion_days if e[1] is None else float(e[1]) for e in entries])
        return labels, times


#: Typical phase Ia schedule: cycle 1 pre-dose, end of infusion, 2, 4, 8 h, days 2, 3, 4,
#: 8, 15 and 21; later cycles pre-dose and end of infusion.
PHASE1A_SCHEDULE = SamplingSchedule(
    first_cycle=(
        ("pre-dose", 0.0), ("EOI", None), ("2 h", 2 / 24), ("4 h", 4 / 24), ("8 h", 8 / 24),
        ("day 2", 1.0), ("day 3", 2.0), ("day 4", 3.0), ("day 8", 7.0), ("day 15", 14.0),
        ("day 21", 20.0),
    ),
    later_cycles=(("pre-dose", 0.0), ("EOI", None)),
)


def compute_half_lives(cl, vc, q, vp) -> tuple[np.ndarray, np.ndarray]:
    """Distribution (alpha) and terminal (beta) half-lives of a linear 2-compartment model.

    Parameters
    ----------
    cl, vc, q, vp : float or array_like
        Clearance (L/day), central volume (L), inter-compartmental clearance (L/day),
        peripheral volume (L).

    Returns
    -------
    (alpha_half_life, beta_half_life) : tuple of numpy.ndarray
        In days.

    Notes
    -----
    With micro-constants k10 = CL/Vc, k12 = Q/Vc, k21 = Q/Vp, the hybrid rate constants
    are the roots of s^2 - (k10 + k12 + k21) s + k10 k21 = 0 (Gibaldi and Perrier 1982,
    chapter 2, Eq. 2.69-2.70)::

        alpha, beta = [(k10 + k12 + k21) +- sqrt((k10 + k12 + k21)^2 - 4 k10 k21)] / 2

    and t1/2 = ln 2 / rate.

    References
    ----------
    Gibaldi M, Perrier D. Pharmacokinetics, 2nd ed. Marcel Dekker, 1982, chapter 2.

    Examples
    --------
    >>> a, b = compute_half_lives(0.676, 3.127, 1.534, 0.66)
    >>> round(float(a), 2), round(float(b), 2)
    (0.24, 3.94)
    """
    k10 = np.asarray(cl, float) / np.asarray(vc, float)
    k12 = np.asarray(q, float) / np.asarray(vc, float)
    k21 = np.asarray(q, float) / np.asarray(vp, float)
    s = k10 + k12 + k21
    root = np.sqrt(s * s - 4.0 * k10 * k21)
    return np.log(2) / (0.5 * (s + root)), np.log(2) / (0.5 * (s - root))


def compute_two_compartment_infusion(cl, vc, q, vp, dose_mg, infusion_days, times) -> np.ndarray:
    """Analytic central concentration of a linear 2-compartment model after one infusion.

    Parameters
    ----------
    cl, vc, q, vp : float or array_like of shape (patients,)
        L/day, L, L/day, L.
    dose_mg : float or array_like of shape (patients,)
        Amount infused (mg) at a constant rate over ``infusion_days``.
    infusion_days : float
        Infusion duration (days), > 0.
    times : array_like
        Times after the start of the infusion (days), shape (times,).

    Returns
    -------
    numpy.ndarray
        Concentrations (ug/mL), shape (patients, times).

    Notes
    -----
    For a zero-order input R0 = dose/T (Gibaldi and Perrier 1982, chapter 2, Eq. 2.94),
    with A = (alpha - k21)/(Vc alpha (alpha - beta)) and B = (k21 - beta)/(Vc beta
    (alpha - beta)), the unit-rate response is ``A (1 - e^{-alpha t}) + B (1 - e^{-beta
    t})`` during the infusion; after it, the response at t minus the response at t - T
    (superposition of a start and a stop of the infusion).

    Examples
    --------
    >>> c = compute_two_compartment_infusion(0.676, 3.127, 1.534, 0.66, 252.0, 0.5/24, [0.5/24])
    >>> round(float(c[0, 0]), 1)
    80.0
    """
    cl, vc, q, vp, dose = (np.atleast_1d(np.asarray(v, float))[:, None] for v in (cl, vc, q, vp, dose_mg))
    t = np.asarray(times, float)[None, :]
    k10, k12, k21 = cl / vc, q / vc, q / vp
    s = k10 + k12 + k21
    root = np.sqrt(s * s - 4 * k10 * k21)
    alpha, beta = 0.5 * (s + root), 0.5 * (s - root)
    a = (alpha - k21) / (vc * alpha * (alpha - beta))
    b = (k21 - beta) / (vc * beta * (alpha - beta))

    def unit(tt):
        tt = np.clip(tt, 0.0, None)
        return a * (1 - np.exp(-alpha * tt)) + b * (1 - np.exp(-beta * tt))

    rate = dose / infusion_days
    return rate * (unit(t) - unit(t - infusion_days))
