"""Virtual patients of the in-silico phase I trial and their enrolment over calendar time.

A virtual population reproduces the baseline characteristics reported for the GQ1001 phase Ia
trial (NCT04450732; Lemech et al., AACR 2023, abstract CT178): 32 patients with HER2-positive
advanced solid tumours (breast 9, gastric/GEJ 9, salivary gland 4, others 10), a median of 3
prior lines of therapy (range 0-11) and 37.5% (12/32) with >= 2 prior anti-HER2 lines. What the
abstract does not report (age, sex, weight, albumin, ECOG, tumour burden) comes from the
sources cited on :class:`PopulationConfig`, or is an assumption said to be one there.

Patients arrive as a homogeneous Poisson process (:func:`sample_enrolment_days`); the trial
calendar starts on the registry's actual study start date (7 July 2020) and the data cut-off
is 28 December 2022 (Lemech 2023).

Examples
--------
>>> import numpy as np
>>> pop = sample_population(4, np.random.default_rng(1))
>>> pop.n, pop.id.tolist()
(4, [1, 2, 3, 4])
>>> bool(np.all(pop.baseline_sld_mm >= 10 * pop.n_lesions))
True
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field, fields

import numpy as np
from scipy import stats

from doseflow.checks import check_int, check_probability, check_real
from doseflow.errors import ConfigError

__all__ = [
    "TUMOUR_TYPES",
    "MAX_TARGET_LESIONS",
    "PopulationConfig",
    "Population",
    "sample_population",
    "sample_enrolment_days",
]

#: Tumour types of the GQ1001 phase Ia trial, in the order of the abstract (Lemech 2023).
TUMOUR_TYPES: tuple[str, ...] = ("breast", "gastric_gej", "salivary_gland", "other")

#: RECIST 1.1 allows at most 5 target lesions (Eisenhauer et al. 2009, section 4.3).
MAX_TARGET_LESIONS = 5

#: RECIST 1.1 minimum size of a measurable (non-nodal) lesion on CT, mm (Eisenhauer 2009, 3.1.1).
MEASURABLE_MM = 10.0


def _check_distribution(pairs: tuple[tuple[str, float], ...], where: str) -> tuple[tuple[str, float], ...]:
    names = [p[0] for p in pairs]
    if sorted(names) != sorted(TUMOUR_TYPES):
        raise ConfigError(where, "one entry for each of " + ", ".join(TUMOUR_TYPES), names)
    for name, value in pairs:
        check_real(value, f"{where} {name!r}", minimum=0.0)
    total = sum(p[1] for p in pairs)
    if total <= 0:
        raise ConfigError(where, "weights with a positive sum", pairs)
    return tuple(pairs)


@dataclass(frozen=True, slots=True)
class PopulationConfig:
    """Distributions of the baseline characteristics of virtual patients.

    Parameters
    ----------
    tumour_mix : tuple of (str, float)
        Relative frequency of each tumour type; default 9/10/4/... = the GQ1001 phase Ia
        enrolment: breast 9, gastric/GEJ 9, salivary gland 4, other 10 of 32 (Lemech 2023).
    p_female : tuple of (str, float)
        Probability that a patient with the tumour type is female. Breast 0.99: men account
        for about 1% of breast cancers (Giordano, N Engl J Med 2018;378:2311-2320); gastric/GEJ
        0.24: ToGA enrolled about 76% men (Bang et al., Lancet 2010;376:687-697) [value from
        memory]; salivary gland 0.11: 89% men in the phase II trial of trastuzumab-docetaxel in
        HER2-positive salivary duct carcinoma (Takahashi et al., J Clin Oncol 2019;37:125-134);
        other 0.5 (assumption).
    age_median_years, age_sd_years, age_min_years, age_max_years : float
        Normal distribution truncated to [min, max]; default 55, 10, 30 and 78 years. The
        abstract gives no age; median 55 (range 30-78) is the brief's assumption for a phase I
        HER2 population (Takahashi 2019: median 57, range 38-82).
    weight_median_female_kg, weight_median_male_kg, weight_sd_log : float
        Log-normal body weight. Female 57.8 kg is the reference (median) weight of the T-DXd
        popPK population, 639 patients, female reference (Yin et al., Clin Pharmacol Ther
        2021;109:1314-1325); male 68 kg is an assumption (+18%); sd of log weight 0.18.
        With ~40% men this gives an overall median of about 62 kg, between Yin's 57.8 kg (many
        Japanese patients) and Lu's 70 kg (T-DM1, mostly Western; Lu et al., Cancer Chemother
        Pharmacol 2014;74:399-410), fitting a trial run in Australia and China.
    albumin_mean_g_l, albumin_sd_g_l : float
        Normal albumin truncated to [20, 55] g/L; 40 g/L is the reference (median) albumin of
        Yin 2021 (Lu 2014: 41 g/L); sd 4.5 g/L is an assumption.
    prior_lines_size, prior_lines_mean, max_prior_lines : float, float, int
        Prior lines of therapy ~ negative binomial (size 2.5, mean 3.6) truncated at 11 and
        renormalised: median 3, P(0) = 0.11, range 0-11, calibrated to the reported median 3
        (range 0-11) (Lemech 2023). The truncated distribution has P(<= 2) = 0.439 and
        P(<= 3) = 0.587, so its median is 3.
    p_anti_her2_per_line : float
        Each prior line is anti-HER2 with probability 0.40 (binomial thinning), calibrated so that
        P(>= 2 anti-HER2 lines) = 0.374, against the reported 12/32 = 0.375 (Lemech 2023).
    p_her2_ihc3 : float
        Probability of HER2 IHC 3+ (otherwise IHC 2+ with ISH amplification); 0.7 (assumption).
    p_ecog1 : float
        Probability of ECOG performance status 1 (otherwise 0); 0.6 (assumption; phase I
        trials enrol ECOG 0-1).
    sld_median_mm, sld_sd_log : float
        Log-normal baseline sum of longest diameters of target lesions; median 70 mm between the
        reference (median) tumour sizes of Yin 2021 (57 mm) and Lu 2014 (90 mm); sd of log 0.6
        (assumption). Values are drawn again until >= 10 mm (one measurable lesion).
    lesion_count_weights : tuple of float
        Relative frequency of 1..5 target lesions before the measurability cap (assumption);
        a patient has at most floor(SLD / 10 mm) lesions so each is >= 10 mm (RECIST 1.1).
    lesion_dirichlet_alpha : float
        Concentration of the Dirichlet split of SLD above the 10 mm floor into lesions.
    """

    tumour_mix: tuple[tuple[str, float], ...] = (
        ("breast", 9.0),
        ("gastric_gej", 9.0),
        ("salivary_gland", 4.0),
        ("other", 10.0),
    )
    p_female: tuple[tuple[str, float], ...] = (
        ("breast", 0.99),
        ("gastric_gej", 0.24),
        ("salivary_gland", 0.11),
        ("other", 0.5),
    )
    age_median_years: float = 55.0
    age_sd_years: float = 10.0
    age_min_years: float = 30.0
    age_max_years: float = 78.0
    weight_median_female_kg: float = 57.8
    weight_median_male_kg: float = 68.0
    weight_sd_log: float = 0.18
    albumin_mean_g_l: float = 40.0
    albumin_sd_g_l: float = 4.5
    prior_lines_size: float = 2.5
    prior_lines_mean: float = 3.6
    max_prior_lines: int = 11
    p_anti_her2_per_line: float = 0.40
    p_her2_ihc3: float = 0.7
    p_ecog1: float = 0.6
    sld_median_mm: float = 70.0
    sld_sd_log: float = 0.6
    lesion_count_weights: tuple[float, ...] = (0.25, 0.25, 0.2, 0.15, 0.15)
    lesion_dirichlet_alpha: float = 2.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "tumour_mix", _check_distribution(tuple(self.tumour_mix), "tumour_mix"))
        object.__setattr__(self, "p_female", _check_distribution(tuple(self.p_female), "p_female"))
        for name, p in self.p_female:
            check_probability(p, f"p_female {name!r}", open_interval=False)
        for name in ("age_sd_years", "weight_median_female_kg", "weight_median_male_kg", "weight_sd_log",
                     "albumin_mean_g_l", "albumin_sd_g_l", "prior_lines_size", "prior_lines_mean",
                     "sld_median_mm", "sld_sd_log", "lesion_dirichlet_alpha"):
            check_real(getattr(self, name), name, minimum=0.0, strict=True)
        check_real(self.age_min_years, "age_min_years", minimum=18.0)
        check_real(self.age_max_years, "age_max_years", minimum=self.age_min_years, strict=True)
        check_real(self.age_median_years, "age_median_years", minimum=self.age_min_years,
                   maximum=self.age_max_years)
        check_int(self.max_prior_lines, "max_prior_lines", minimum=0)
        for name in ("p_anti_her2_per_line", "p_her2_ihc3", "p_ecog1"):
            check_probability(getattr(self, name), name, open_interval=False)
        w = tuple(self.lesion_count_weights)
        if len(w) != MAX_TARGET_LESIONS:
            raise ConfigError("lesion_count_weights", f"{MAX_TARGET_LESIONS} weights (1..5 lesions)", w)
        for i, x in enumerate(w):
            check_real(x, f"lesion_count_weights[{i}]", minimum=0.0)
        if sum(w) <= 0:
            raise ConfigError("lesion_count_weights", "weights with a positive sum", w)
        object.__setattr__(self, "lesion_count_weights", w)

    def mix_probabilities(self) -> np.ndarray:
        """Tumour-type probabilities in the order of :data:`TUMOUR_TYPES`."""
        d = dict(self.tumour_mix)
        p = np.array([d[t] for t in TUMOUR_TYPES], dtype=float)
        return p / p.sum()

    def prior_lines_pmf(self) -> np.ndarray:
        """P(prior lines = k), k = 0..max_prior_lines (truncated negative binomial)."""
        r = self.prior_lines_size
        pmf = stats.nbinom(r, r / (r + self.prior_lines_mean)).pmf(np.arange(self.max_prior_lines + 1))
        return pmf / pmf.sum()


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a)
    a.setflags(write=False)
    return a


@dataclass(frozen=True, slots=True)
class Population:
    """Baseline characteristics of ``n`` virtual patients, one array entry per patient.

    Attributes
    ----------
    id : int array, 1..n
    tumour_type : str array, one of :data:`TUMOUR_TYPES`
    tumour_type_index : int array, index into :data:`TUMOUR_TYPES`
    age : float array, years
    sex : str array, ``"F"`` or ``"M"`` (SDTM DM.SEX codes)
    weight_kg, albumin_g_l : float arrays
    prior_lines, prior_anti_her2_lines : int arrays
    her2_status : str array, ``"IHC 3+"`` or ``"IHC 2+/ISH+"``
    ecog : int array, 0 or 1
    baseline_sld_mm : float array, true baseline sum of longest diameters, mm (>= 10)
    n_lesions : int array, 1..5 target lesions
    lesion_fraction : float array (n, 5); each lesion's share of SLD (rows sum to 1; 0 for
        lesions a patient does not have); shares are fixed so lesions shrink and grow together.
    """

    id: np.ndarray
    tumour_type: np.ndarray
    tumour_type_index: np.ndarray
    age: np.ndarray
    sex: np.ndarray
    weight_kg: np.ndarray
    albumin_g_l: np.ndarray
    prior_lines: np.ndarray
    prior_anti_her2_lines: np.ndarray
    her2_status: np.ndarray
    ecog: np.ndarray
    baseline_sld_mm: np.ndarray
    n_lesions: np.ndarray
    lesion_fraction: np.ndarray
    config: PopulationConfig = field(repr=False, default_factory=PopulationConfig)

    def __post_init__(self) -> None:
        n = len(self.id)
        for f in fields(self):
            if f.name == "config":
                continue
            a = _readonly(np.asarray(getattr(self, f.name)))
            if a.shape[0] != n:
                raise ConfigError(f"Population.{f.name}", f"an array of length {n}", a.shape)
            object.__setattr__(self, f.name, a)

    @property
    def n(self) -> int:
        """Number of patients."""
        return len(self.id)


def _truncated_normal(rng: np.random.Generator, n: int, mean: float, sd: float, lo: float, hi: float) -> np.ndarray:
    a, b = stats.norm.cdf([(lo - mean) / sd, (hi - mean) / sd])
    return mean + sd * stats.norm.ppf(rng.uniform(a, b, size=n))


def sample_population(
    n: int, rng: np.random.Generator | int | None = None, config: PopulationConfig | None = None
) -> Population:
    """Draw ``n`` virtual patients with the baseline characteristics of :class:`PopulationConfig`.

    Parameters
    ----------
    n : int
        Number of patients, >= 0.
    rng : numpy.random.Generator or int or None
        Generator, or a seed for ``numpy.random.default_rng``.
    config : PopulationConfig, optional
        Distributions; the default reproduces the GQ1001 phase Ia population.

    Returns
    -------
    Population
        Frozen dataclass of read-only arrays.

    Raises
    ------
    ConfigError
        If ``n`` is not a whole number >= 0.

    Notes
    -----
    Tumour type ~ categorical(mix); sex ~ Bernoulli(p_female[type]); age ~ N(55, 10) truncated
    to [30, 78]; weight ~ log-normal with a sex-specific median; albumin ~ N(40, 4.5) truncated
    to [20, 55] g/L; prior lines ~ truncated negative binomial; anti-HER2 lines ~
    Binomial(prior lines, 0.40); baseline SLD ~ log-normal(log 70 mm, 0.6) redrawn below 10 mm;
    target lesions min(k, floor(SLD / 10)) with k ~ categorical(weights); lesion diameters =
    10 mm + Dirichlet share of (SLD - 10 k) so each lesion is measurable (>= 10 mm, RECIST 1.1,
    Eisenhauer et al. 2009 section 3.1.1) and they sum to SLD. Sources are on
    :class:`PopulationConfig`.

    References
    ----------
    Lemech C et al. GQ1001 ... phase Ia study. AACR Annual Meeting 2023, abstract CT178.
    Eisenhauer EA et al. New response evaluation criteria in solid tumours: revised RECIST
    guideline (version 1.1). Eur J Cancer 2009;45:228-247.

    Examples
    --------
    >>> pop = sample_population(2000, 7)
    >>> round(float(np.median(pop.prior_lines)))
    3
    """
    n = check_int(n, "n", minimum=0)
    rng = np.random.default_rng(rng)
    cfg = config if config is not None else PopulationConfig()
    types = np.asarray(TUMOUR_TYPES)
    t_idx = rng.choice(len(TUMOUR_TYPES), size=n, p=cfg.mix_probabilities())
    pf = dict(cfg.p_female)
    p_female = np.array([pf[t] for t in TUMOUR_TYPES])[t_idx]
    female = rng.uniform(size=n) < p_female
    age = _truncated_normal(rng, n, cfg.age_median_years, cfg.age_sd_years, cfg.age_min_years, cfg.age_max_years)
    w_med = np.where(female, cfg.weight_median_female_kg, cfg.weight_median_male_kg)
    weight = w_med * np.exp(cfg.weight_sd_log * rng.standard_normal(n))
    albumin = _truncated_normal(rng, n, cfg.albumin_mean_g_l, cfg.albumin_sd_g_l, 20.0, 55.0)
    prior = rng.choice(cfg.max_prior_lines + 1, size=n, p=cfg.prior_lines_pmf())
    anti_her2 = rng.binomial(prior, cfg.p_anti_her2_per_line)
    her2 = np.where(rng.uniform(size=n) < cfg.p_her2_ihc3, "IHC 3+", "IHC 2+/ISH+")
    ecog = (rng.uniform(size=n) < cfg.p_ecog1).astype(np.int64)
    # Log-normal SLD conditioned on >= 10 mm, by inverse CDF of the truncated distribution.
    lo = stats.norm.cdf((np.log(MEASURABLE_MM) - np.log(cfg.sld_median_mm)) / cfg.sld_sd_log)
    sld = cfg.sld_median_mm * np.exp(cfg.sld_sd_log * stats.norm.ppf(rng.uniform(lo, 1.0, size=n)))
    sld = np.maximum(sld, MEASURABLE_MM)
    w = np.asarray(cfg.lesion_count_weights, dtype=float)
    k = rng.choice(MAX_TARGET_LESIONS, size=n, p=w / w.sum()) + 1
    k = np.minimum(k, np.floor(sld / MEASURABLE_MM + 1e-9).astype(np.int64))
    g = rng.gamma(cfg.lesion_dirichlet_alpha, size=(n, MAX_TARGET_LESIONS))
    has = np.arange(MAX_TARGET_LESIONS)[None, :] < k[:, None]
    g = np.where(has, g, 0.0)
    share = g / g.sum(axis=1, keepdims=True)
    diam = np.where(has, MEASURABLE_MM + share * (sld - MEASURABLE_MM * k)[:, None], 0.0)
    fraction = diam / sld[:, None]
    return Population(
        id=np.arange(1, n + 1),
        tumour_type=types[t_idx],
        tumour_type_index=t_idx.astype(np.int64),
        age=age,
        sex=np.where(female, "F", "M"),
        weight_kg=weight,
        albumin_g_l=albumin,
        prior_lines=prior.astype(np.int64),
        prior_anti_her2_lines=anti_her2.astype(np.int64),
        her2_status=her2,
        ecog=ecog,
        baseline_sld_mm=sld,
        n_lesions=k.astype(np.int64),
        lesion_fraction=fraction,
        config=cfg,
    )


#: Actual study start date of NCT04450732 (ClinicalTrials.gov record).
STUDY_START = _dt.date(2020, 7, 7)
#: Data cut-off of the AACR 2023 readout (Lemech 2023).
DATA_CUTOFF = _dt.date(2022, 12, 28)
#: Default accrual: 32 patients over about 24 months (assumption: enrolment ended about six
#: months before the cut-off, leaving follow-up for the last patients), in patients per day.
DEFAULT_ACCRUAL_PER_DAY = 32.0 / (24.0 * 30.4375)


def sample_enrolment_days(
    n: int, rate: float = DEFAULT_ACCRUAL_PER_DAY, rng: np.random.Generator | int | None = None
) -> np.ndarray:
    """Enrolment days of ``n`` patients arriving as a homogeneous Poisson process.

    Parameters
    ----------
    n : int
        Number of patients, >= 0.
    rate : float
        Accrual rate in patients per day (> 0); the default 32 / (24 x 30.4375) = 0.0438/day
        is 1.31 patients per month.
    rng : numpy.random.Generator or int or None
        Generator or seed.

    Returns
    -------
    numpy.ndarray of float
        Increasing days since the study start (day 0 = :data:`STUDY_START`).

    Raises
    ------
    ConfigError
        If ``n`` < 0 or ``rate`` <= 0.

    Notes
    -----
    Inter-arrival times of a Poisson process of rate r are independent exponentials with
    mean 1/r; the k-th arrival is their cumulative sum, Gamma(k, r) distributed (Ross,
    Introduction to Probability Models, 11th ed., 2014, section 5.3).

    Examples
    --------
    >>> days = sample_enrolment_days(3, rate=0.05, rng=0)
    >>> bool(np.all(np.diff(days) > 0))
    True
    """
    n = check_int(n, "n", minimum=0)
    rate = check_real(rate, "rate", minimum=0.0, strict=True)
    rng = np.random.default_rng(rng)
    return np.cumsum(rng.exponential(1.0 / rate, size=n))


__all__ += ["STUDY_START", "DATA_CUTOFF", "DEFAULT_ACCRUAL_PER_DAY"]
