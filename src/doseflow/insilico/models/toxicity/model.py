"""Toxicity of an ADC in virtual patients: platelets, AST/ALT and per-cycle AE hazards.

Three parts, all vectorised across patients and advanced cycle by cycle together with PK
(the same RK4 integrator, :meth:`doseflow.insilico.models.pk.model.PKModel.advance`):

- platelets: Friberg et al. (2002) semi-mechanistic transit model, Prol -> n transits ->
  Circ with feedback (Circ0/Circ)^gamma and a drug effect of the conjugate's
  concentration on proliferation;
- AST and ALT: indirect-response models with the drug inhibiting loss (Dayneka et al.
  1993 model II; structure of Wang et al. 2020), so enzymes rise with exposure;
- other treatment-related AEs (pyrexia, nausea, vomiting, anaemia, alkaline phosphatase
  increased, fatigue, hypertension): per-cycle hazards of the cycle's ADC AUC,
  P(event) = 1 - exp(-(h0 + h1 AUC)), with a grade distribution and a duration per event.

Labs are graded by CTCAE v5 (:func:`doseflow.standards.ctcae.grade_lab`) at scheduled draws; a
cycle's grade of a lab term counts only if it is worse than the patient's baseline grade
(treatment-emergent). Parameters live in frozen dataclasses with a source or a
"calibrated"/"assumption" tag; :data:`GQ1001_TOXICITY` is the calibrated default.
The grading of a cycle (:func:`~doseflow.insilico.models.toxicity.grading.simulate_cycle`,
:class:`~doseflow.insilico.models.toxicity.grading.GradedToxicity`,
:class:`~doseflow.insilico.models.toxicity.grading.CycleOutcome`) is in
:mod:`doseflow.insilico.models.toxicity.grading`.

Examples
--------
>>> import numpy as np
>>> from doseflow.insilico.models.pk.model import PKModel
>>> from doseflow.insilico.models.pk.parameters import GQ1001_DEFAULT
>>> from doseflow.insilico.models.toxicity.grading import simulate_cycle
>>> pk = PKModel(GQ1001_DEFAULT, weight=np.full(2, 66.0))
>>> tox = ToxicityModel(GQ1001_TOXICITY, 2)
>>> out = simulate_cycle(pk, tox, pk.initial_state([tox]), [0.0, 8.4], rng=1)
>>> bool(out.labs["PLT"][0].min() == out.labs["PLT"][0].max())   # no drug: stays at Circ0
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from doseflow.checks import check_choice, check_int, check_probability, check_real
from doseflow.errors import ConfigError
from doseflow.insilico.models.variability import compute_omega, sample_eta, validate_generator
from doseflow.standards.ctcae import grade_lab

__all__ = [
    "THROMBOCYTOPENIA",
    "AST_INCREASED",
    "ALT_INCREASED",
    "HAEMATOLOGICAL_TERMS",
    "PlateletParameters",
    "LiverEnzymeParameters",
    "AEHazard",
    "ToxicityParameters",
    "GQ1001_TOXICITY",
    "ToxicityModel",
]

THROMBOCYTOPENIA = "Thrombocytopenia"
AST_INCREASED = "Aspartate aminotransferase increased"
ALT_INCREASED = "Alanine aminotransferase increased"
#: Terms treated as haematological by DLT definitions.
HAEMATOLOGICAL_TERMS = frozenset({THROMBOCYTOPENIA, "Anaemia", "Neutropenia", "Febrile neutropenia"})


@dataclass(frozen=True, slots=True)
class PlateletParameters:
    """Friberg transit model of platelets (system values + ADC potency).

    Parameters
    ----------
    circ0 : float
        Typical baseline platelet count (10^9/L), > 0.
    mtt_hours : float
        Mean transit time from proliferating cells to circulation (hours), > 0.
    n_transit : int
        Number of transit compartments, 1-10.
    gamma : float
        Feedback exponent, >= 0.
    drug_effect : {"linear", "emax"}
        ``E = min(slope C, 1)`` or ``E = emax C / (ec50 + C)`` (C: ADC, ug/mL).
    slope : float
        Linear potency (mL/ug), >= 0.
    emax, ec50 : float
        Emax-model potency: maximum effect in [0, 1] and C at half of it (ug/mL).
    cv_circ0, cv_mtt, cv_potency : float
        Log-normal IIV (CV fractions) of Circ0, MTT and slope (or ec50).
    lln : float
        Lower limit of normal (10^9/L) for CTCAE grade 1.
    source : str
        Provenance of the values.
    """

    circ0: float = 250.0
    mtt_hours: float = 140.0
    n_transit: int = 4
    gamma: float = 0.2
    drug_effect: str = "linear"
    slope: float = 0.0
    emax: float = 1.0
    ec50: float = 100.0
    cv_circ0: float = 0.0
    cv_mtt: float = 0.0
    cv_potency: float = 0.0
    lln: float = 150.0
    source: str = ""

    def __post_init__(self) -> None:
        w = "PlateletParameters"
        for f in ("circ0", "mtt_hours", "ec50", "lln"):
            check_real(getattr(self, f), f"{w}.{f}", minimum=0.0, strict=True)
        for f in ("gamma", "slope", "cv_circ0", "cv_mtt", "cv_potency"):
            check_real(getattr(self, f), f"{w}.{f}", minimum=0.0)
        check_int(self.n_transit, f"{w}.n_transit", minimum=1, maximum=10)
        check_choice(self.drug_effect, f"{w}.drug_effect", ("linear", "emax"))
        check_probability(self.emax, f"{w}.emax", open_interval=False)


@dataclass(frozen=True, slots=True)
class LiverEnzymeParameters:
    """Indirect-response model of a liver enzyme with inhibition of its loss.

    Parameters
    ----------
    testcd : {"AST", "ALT"}
        SDTM test code (grading by CTCAE v5).
    base : float
        Typical baseline (U/L), > 0.
    kout : float
        First-order loss rate constant (1/day), > 0.
    kpd : float
        Linear inhibition of loss per ADC concentration (mL/ug), >= 0.
    imax : float
        Largest fractional inhibition, in (0, 1); keeps the loss positive when kpd C
        would exceed 1 (a numerical guard on the linear model).
    uln : float
        Upper limit of normal (U/L).
    cv_base, cv_kpd : float
        Log-normal IIV (CV fractions) of base and kpd.
    source : str
        Provenance of the values.
    """

    testcd: str
    base: float
    kout: float
    kpd: float
    imax: float = 0.95
    uln: float = 40.0
    cv_base: float = 0.0
    cv_kpd: float = 0.0
    source: str = ""

    def __post_init__(self) -> None:
        w = f"LiverEnzymeParameters({self.testcd})"
        check_choice(self.testcd, f"{w}.testcd", ("AST", "ALT"))
        for f in ("base", "kout", "uln"):
            check_real(getattr(self, f), f"{w}.{f}", minimum=0.0, strict=True)
        for f in ("kpd", "cv_base", "cv_kpd"):
            check_real(getattr(self, f), f"{w}.{f}", minimum=0.0)
        check_probability(self.imax, f"{w}.imax")


@dataclass(frozen=True, slots=True)
class AEHazard:
    """A treatment-related AE as a per-cycle hazard of the cycle's ADC exposure.

    Parameters
    ----------
    term : str
        MedDRA preferred term as reported (e.g. "Pyrexia").
    h0 : float
        Exposure-independent cumulative hazard per cycle, >= 0.
    h1 : float
        Cumulative hazard per cycle per unit ADC AUC over the cycle (per ug*day/mL), >= 0.
    grade_probabilities : tuple of float
        P(worst grade = 1, 2, 3, 4) given the event; sums to 1.
    mean_duration_days : float
        Mean duration (days) of an event (exponential), used for "lasting > 7 days".
    source : str
        Provenance (calibration target).
    """

    term: str
    h0: float
    h1: float
    grade_probabilities: tuple[float, ...]
    mean_duration_days: float = 3.0
    source: str = ""

    def __post_init__(self) -> None:
        w = f"AEHazard({self.term})"
        check_real(self.h0, f"{w}.h0", minimum=0.0)
        check_real(self.h1, f"{w}.h1", minimum=0.0)
        check_real(self.mean_duration_days, f"{w}.mean_duration_days", minimum=0.0, strict=True)
        p = np.asarray(self.grade_probabilities, dtype=float)
        if p.shape != (4,) or np.any(p < 0) or not np.isclose(p.sum(), 1.0):
            raise ConfigError(f"{w}.grade_probabilities", "4 probabilities (grades 1-4) summing to 1", self.grade_probabilities)

    def compute_probability(self, auc) -> np.ndarray:
        """P(event in a cycle) = 1 - exp(-(h0 + h1 AUC)) (constant hazard within a cycle).

        Examples
        --------
        >>> AEHazard("Pyrexia", 0.0, 0.001, (1.0, 0.0, 0.0, 0.0)).compute_probability(0.0).item()
        0.0
        >>> h = AEHazard("Pyrexia", 0.0, 0.001, (1.0, 0.0, 0.0, 0.0))
        >>> round(float(h.compute_probability(693.15)), 4)
        0.5
        """
        return -np.expm1(-(self.h0 + self.h1 * np.asarray(auc, dtype=float)))


@dataclass(frozen=True, slots=True)
class ToxicityParameters:
    """All toxicity model parameters: platelets, AST, ALT, AE hazards, IIV correlations.

    ``corr_kpd`` is the correlation of the AST and ALT kpd etas (shared hepatocellular
    sensitivity), ``corr_base`` of their baselines.
    """

    platelets: PlateletParameters
    ast: LiverEnzymeParameters
    alt: LiverEnzymeParameters
    hazards: tuple[AEHazard, ...] = ()
    corr_kpd: float = 0.0
    corr_base: float = 0.0
    notes: str = ""

    def __post_init__(self) -> None:
        for f in ("corr_kpd", "corr_base"):
            check_real(getattr(self, f), f"ToxicityParameters.{f}", minimum=-1.0, maximum=1.0)
        terms = [h.term for h in self.hazards]
        if len(set(terms)) != len(terms):
            raise ConfigError("ToxicityParameters.hazards", "AE hazards with distinct terms", terms)


_T = "calibrated to GQ1001 phase Ia TRAE incidence (Lemech et al., AACR 2023, CT178)"
#: Calibrated GQ1001 default (see docs/_drafts/insilico_pk_tox.md for the calibration).
GQ1001_TOXICITY = ToxicityParameters(
    platelets=PlateletParameters(
        circ0=250.0, cv_circ0=0.30,      # literature: 237 (32.9%) oxaliplatin, 323 (33.3%) sunitinib
        mtt_hours=140.0, cv_mtt=0.177,   # literature range 120-175 h; IIV of Centanni 2025
        n_transit=4,                     # platelet Friberg-type models use 4-5 transits
        gamma=0.4,                       # within published 0.09 (sunitinib) - 0.62 (oxaliplatin)
        drug_effect="emax", emax=0.8, ec50=1500.0, cv_potency=3.0,  # calibrated
        lln=150.0,
        source="Friberg 2002 structure; system values within published platelet ranges; Emax, EC50 and its IIV " + _T,
    ),
    ast=LiverEnzymeParameters(
        testcd="AST", base=26.2, cv_base=0.295,  # Wang 2020: BASE 26.2 U/L (29.5%)
        kout=0.35, kpd=0.0045, cv_kpd=1.5, imax=0.95, uln=40.0,
        source="Wang 2020 structure and BASE; kout 0.35/day chosen (peak 3-5 days after a dose, recovery within the cycle); kpd and its IIV " + _T,
    ),
    alt=LiverEnzymeParameters(
        testcd="ALT", base=22.0, cv_base=0.40,
        kout=0.35, kpd=0.0035, cv_kpd=1.5, imax=0.95, uln=40.0,
        source="assumption: AST structure and kout; base 22 U/L (40%); kpd and its IIV " + _T,
    ),
    hazards=(
        AEHazard("Pyrexia", 0.0, 5.3e-5, (0.75, 0.25, 0.0, 0.0), 2.0, _T),
        AEHazard("Anaemia", 0.0, 4.2e-5, (0.25, 0.30, 0.45, 0.0), 14.0, _T),
        AEHazard("Alkaline phosphatase increased", 0.0, 2.8e-5, (0.75, 0.25, 0.0, 0.0), 14.0, _T),
        AEHazard("Vomiting", 0.0, 2.65e-5, (0.5, 0.25, 0.25, 0.0), 2.0, _T),
        AEHazard("Nausea", 0.0, 2.65e-5, (0.7, 0.3, 0.0, 0.0), 3.0, _T),
        AEHazard("Fatigue", 0.0, 1.9e-5, (0.6, 0.35, 0.05, 0.0), 7.0, _T),
        AEHazard("Hypertension", 0.0, 1.5e-5, (0.3, 0.3, 0.4, 0.0), 14.0, _T),
    ),
    corr_kpd=0.8, corr_base=0.6,
    notes="IIV correlations of AST/ALT are assumptions (shared hepatocellular sensitivity).",
)


class ToxicityModel:
    """Individual toxicity parameters of many virtual patients; a PD model for PKModel.

    Parameters
    ----------
    params : ToxicityParameters
        Typical values, IIV and hazards.
    n_patients : int
        Number of virtual patients.
    rng : numpy.random.Generator or int, optional
        Draws the random effects; without it every patient is typical.

    Notes
    -----
    Platelets (Friberg et al. 2002, Eq. 1-4), k_tr = (n + 1)/MTT, all compartments
    starting at Circ0::

        dProl/dt = k_tr Prol (1 - E) (Circ0/Circ)^gamma - k_tr Prol
        dT_1/dt  = k_tr (Prol - T_1);  dT_j/dt = k_tr (T_{j-1} - T_j);  dCirc/dt = k_tr (T_n - Circ)

    Liver enzymes (indirect response, inhibition of loss: Dayneka et al. 1993 model II;
    Wang et al. 2020), kin = kout BASE so that R(0) = BASE is the steady state::

        dR/dt = kin - kout (1 - I(C)) R,   I(C) = min(kpd C, imax)

    References
    ----------
    Friberg LE, Henningsson A, Maas H, Nguyen L, Karlsson MO. J Clin Oncol
    2002;20(24):4713-4721.
    Dayneka NL, Garg V, Jusko WJ. J Pharmacokinet Biopharm 1993;21(4):457-478.
    Wang E, et al. Cancer Chemother Pharmacol 2020;86:181-192.
    """

    def __init__(self, params: ToxicityParameters, n_patients: int, rng=None) -> None:
        if not isinstance(params, ToxicityParameters):
            raise ConfigError("params", "a ToxicityParameters instance", type(params).__name__)
        n = check_int(n_patients, "n_patients", minimum=1)
        self.params = params
        pl, ast, alt = params.platelets, params.ast, params.alt
        cv = [pl.cv_circ0, pl.cv_mtt, pl.cv_potency, ast.cv_base, ast.cv_kpd, alt.cv_base, alt.cv_kpd]
        corr = np.eye(7)
        corr[3, 5] = corr[5, 3] = params.corr_base
        corr[4, 6] = corr[6, 4] = params.corr_kpd
        eta = np.zeros((n, 7)) if rng is None else sample_eta(compute_omega(cv, correlation=corr), n, validate_generator(rng))
        ex = np.exp(eta)
        self.n_patients = n
        self.circ0 = pl.circ0 * ex[:, 0]
        self.k_tr = (pl.n_transit + 1) / (pl.mtt_hours / 24.0 * ex[:, 1])
        pot = ex[:, 2]
        self.slope = pl.slope * pot
        self.ec50 = pl.ec50 / pot  # higher sensitivity = lower ec50
        self.n_chain = pl.n_transit + 2
        self.enzymes = {}
        for j, e in ((3, ast), (5, alt)):
            self.enzymes[e.testcd] = (e.base * ex[:, j], e.kout, e.kpd * ex[:, j + 1], e.imax, e.uln)
        self.n_states = self.n_chain + 2

    def initial_state(self) -> np.ndarray:
        """Platelet compartments at Circ0 and enzymes at BASE, shape (n_states, patients)."""
        y = np.empty((self.n_states, self.n_patients))
        y[: self.n_chain] = self.circ0
        y[self.n_chain] = self.enzymes["AST"][0]
        y[self.n_chain + 1] = self.enzymes["ALT"][0]
        return y

    def derivatives(self, y: np.ndarray, c_adc: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """dy/dt of platelets and enzymes given ADC concentrations (ug/mL), into ``out`` if given."""
        pl = self.params.platelets
        if pl.drug_effect == "linear":
            effect = np.minimum(self.slope * c_adc, 1.0)
        else:
            effect = pl.emax * c_adc
            effect /= self.ec50 + c_adc
        ktr, nch = self.k_tr, self.n_chain
        dy = np.empty_like(y) if out is None else out
        feedback = np.maximum(y[nch - 1], 1e-9)
        np.divide(self.circ0, feedback, out=feedback)
        np.log(feedback, out=feedback)
        feedback *= pl.gamma
        np.exp(feedback, out=feedback)  # (Circ0/Circ)^gamma
        np.subtract(1.0, effect, out=effect)
        effect *= feedback
        effect -= 1.0
        np.multiply(ktr, y[0], out=dy[0])
        dy[0] *= effect  # k_tr Prol ((1 - E) (Circ0/Circ)^gamma - 1)
        np.subtract(y[0 : nch - 1], y[1:nch], out=dy[1:nch])
        dy[1:nch] *= ktr
        for i, code in enumerate(("AST", "ALT")):
            base, kout, kpd, imax, _ = self.enzymes[code]
            loss = kpd * c_adc
            np.minimum(loss, imax, out=loss)
            np.subtract(1.0, loss, out=loss)
            loss *= y[nch + i]
            np.subtract(base, loss, out=dy[nch + i])
            dy[nch + i] *= kout  # kout (BASE - (1 - I(C)) R)
        return dy

    @property
    def observed_rows(self) -> dict[str, int]:
        """State rows of platelets (Circ), AST and ALT."""
        return {"PLT": self.n_chain - 1, "AST": self.n_chain, "ALT": self.n_chain + 1}

    def observe(self, y: np.ndarray) -> dict[str, np.ndarray]:
        """Platelets (10^9/L), AST and ALT (U/L)."""
        return {name: y[row] for name, row in self.observed_rows.items()}

    def max_rate(self) -> np.ndarray:
        """Per-patient bound on the rate constants (1/day): 2 k_tr (1 + gamma), kout."""
        kout = max(self.enzymes["AST"][1], self.enzymes["ALT"][1])
        return np.maximum(2.0 * self.k_tr * (1.0 + self.params.platelets.gamma), kout)

    def subset(self, idx) -> "ToxicityModel":
        """The same model restricted to patients ``idx`` (0-based indices)."""
        new = object.__new__(ToxicityModel)
        new.__dict__.update(self.__dict__)
        for k in ("circ0", "k_tr", "slope", "ec50"):
            setattr(new, k, getattr(self, k)[idx])
        new.enzymes = {c: (e[0][idx], e[1], e[2][idx], e[3], e[4]) for c, e in self.enzymes.items()}
        new.n_patients = int(np.size(new.circ0))
        return new

    @classmethod
    def concatenate(cls, models) -> "ToxicityModel":
        """One model of the patients of ``models`` (same parameters), in order."""
        first = models[0]
        if any(m.params != first.params for m in models):
            raise ConfigError("models", "toxicity models with the same parameters", len(models))
        new = object.__new__(cls)
        new.__dict__.update(first.__dict__)
        for k in ("circ0", "k_tr", "slope", "ec50"):
            setattr(new, k, np.concatenate([getattr(m, k) for m in models]))
        new.enzymes = {c: (np.concatenate([m.enzymes[c][0] for m in models]), e[1],
                           np.concatenate([m.enzymes[c][2] for m in models]), e[3], e[4]) for c, e in first.enzymes.items()}
        new.n_patients = int(new.circ0.size)
        return new

    def baseline(self) -> dict[str, np.ndarray]:
        """Baseline lab values of each patient."""
        return {"PLT": self.circ0, "AST": self.enzymes["AST"][0], "ALT": self.enzymes["ALT"][0]}

    def compute_grades(self, labs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """CTCAE v5 grades of lab arrays (patients, times), baseline-aware for AST/ALT."""
        b = self.baseline()
        out = {THROMBOCYTOPENIA: grade_lab("PLT", labs["PLT"], lln=self.params.platelets.lln)}
        for term, code in ((AST_INCREASED, "AST"), (ALT_INCREASED, "ALT")):
            uln = self.enzymes[code][4]
            out[term] = grade_lab(code, labs[code], uln=uln, baseline=b[code][:, None])
        return out
