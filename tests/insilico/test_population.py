"""Tests of doseflow.insilico.population: marginal distributions against the GQ1001 phase Ia
baseline (Lemech et al., AACR 2023, CT178: breast 9, gastric/GEJ 9, salivary 4, other 10 of 32;
prior lines median 3, range 0-11; 12/32 = 37.5% with >= 2 anti-HER2 lines) within Monte Carlo
error (4 standard errors, stated per test), and the Poisson enrolment process."""

from __future__ import annotations

import numpy as np
import pytest

from doseflow.errors import ConfigError
from doseflow.insilico.population import (
    TUMOUR_TYPES, PopulationConfig, sample_enrolment_days, sample_population,
)

N = 20_000


@pytest.fixture(scope="module")
def pop():
    return sample_population(N, 20200707)


@pytest.mark.parametrize(("tumour", "count"), [("breast", 9), ("gastric_gej", 9), ("salivary_gland", 4), ("other", 10)])
def test_tumour_mix(pop, tumour, count):
    """Proportion count/32 (Lemech 2023); SE = sqrt(p(1-p)/N) <= 0.0033."""
    p = count / 32
    assert abs(np.mean(pop.tumour_type == tumour) - p) < 4 * np.sqrt(p * (1 - p) / N)


def test_prior_lines(pop):
    """Median 3 and range within 0-11 (Lemech 2023); P(0) of the truncated NB(2.5, mean 3.6) is
    0.1097 (scipy.stats.nbinom pmf renormalised on 0..11, computed outside the code)."""
    assert np.median(pop.prior_lines) == 3
    assert pop.prior_lines.min() == 0 and pop.prior_lines.max() <= 11
    assert abs(np.mean(pop.prior_lines == 0) - 0.1097) < 4 * np.sqrt(0.11 * 0.89 / N)


def test_prior_anti_her2(pop):
    """P(>= 2 anti-HER2 lines) vs 12/32 = 0.375 (Lemech 2023); SE 0.0034; never more anti-HER2
    lines than prior lines."""
    assert abs(np.mean(pop.prior_anti_her2_lines >= 2) - 0.375) < 4 * np.sqrt(0.375 * 0.625 / N)
    assert np.all(pop.prior_anti_her2_lines <= pop.prior_lines)


def test_age_sex_weight_albumin(pop):
    """Age in [30, 78] with median ~55 (brief); breast 99% female (Giordano 2018); salivary 11%
    female (Takahashi 2019: 89% men); female median weight 57.8 kg (Yin 2021; SE of a log-normal
    median ~ 1.25 x 0.18 x 57.8 / sqrt(n_female)); albumin mean 40 g/L."""
    assert pop.age.min() >= 30 and pop.age.max() <= 78
    assert abs(np.median(pop.age) - 55) < 0.5
    breast = pop.tumour_type == "breast"
    assert abs(np.mean(pop.sex[breast] == "F") - 0.99) < 4 * np.sqrt(0.99 * 0.01 / breast.sum())
    sal = pop.tumour_type == "salivary_gland"
    assert abs(np.mean(pop.sex[sal] == "F") - 0.11) < 4 * np.sqrt(0.11 * 0.89 / sal.sum())
    f = pop.sex == "F"
    assert abs(np.median(pop.weight_kg[f]) - 57.8) < 4 * 1.2533 * 0.18 * 57.8 / np.sqrt(f.sum())
    assert abs(pop.albumin_g_l.mean() - 40.0) < 0.2
    assert set(np.unique(pop.ecog).tolist()) == {0, 1}
    assert set(np.unique(pop.her2_status).tolist()) == {"IHC 3+", "IHC 2+/ISH+"}


def test_target_lesions_are_measurable_and_sum_to_sld(pop):
    """RECIST 1.1: 1-5 target lesions each >= 10 mm; diameters sum to the SLD; SLD median 70 mm
    (log-normal, sd 0.6; SE of median ~ 1.2533 x 0.6 x 70 / sqrt(N))."""
    assert pop.n_lesions.min() >= 1 and pop.n_lesions.max() <= 5
    diam = pop.lesion_fraction * pop.baseline_sld_mm[:, None]
    has = np.arange(5)[None, :] < pop.n_lesions[:, None]
    assert np.all(diam[has] >= 10.0 - 1e-9) and np.all(diam[~has] == 0.0)
    np.testing.assert_allclose(pop.lesion_fraction.sum(axis=1), 1.0)
    assert abs(np.median(pop.baseline_sld_mm) - 70.0) < 4 * 1.2533 * 0.6 * 70 / np.sqrt(N)


def test_determinism_and_frozen_arrays():
    a, b, c = sample_population(50, 1), sample_population(50, 1), sample_population(50, 2)
    assert np.array_equal(a.baseline_sld_mm, b.baseline_sld_mm) and np.array_equal(a.tumour_type, b.tumour_type)
    assert not np.array_equal(a.baseline_sld_mm, c.baseline_sld_mm)
    with pytest.raises(ValueError):
        a.age[0] = 99.0
    assert a.id.tolist() == list(range(1, 51)) and sample_population(0, 1).n == 0


def test_enrolment_poisson_process():
    """Exponential inter-arrival times with mean 1/rate = 1/0.05 = 20 days; SE = 20/sqrt(n)."""
    n = 20_000
    d = sample_enrolment_days(n, 0.05, 4)
    gaps = np.diff(np.concatenate([[0.0], d]))
    assert np.all(gaps > 0)
    assert abs(gaps.mean() - 20.0) < 4 * 20.0 / np.sqrt(n)
    assert abs(gaps.std() - 20.0) < 4 * 20.0 * np.sqrt(2) / np.sqrt(n)  # exponential: SD = mean
    assert np.array_equal(sample_enrolment_days(5, 0.05, 9), sample_enrolment_days(5, 0.05, 9))


def test_default_accrual_gives_32_patients_in_about_24_months():
    """Default rate 32 / (24 x 30.4375) per day: the 32nd arrival is Gamma(32, rate), mean 730.5
    days; the mean over 2,000 replicates is within 4 SE (SE = sqrt(32)/rate/sqrt(2000))."""
    rate = 32 / (24 * 30.4375)
    rng = np.random.default_rng(6)
    last = np.array([sample_enrolment_days(32, rng=rng)[-1] for _ in range(2000)])
    assert abs(last.mean() - 730.5) < 4 * np.sqrt(32) / rate / np.sqrt(2000)


def test_config_errors_name_the_field():
    with pytest.raises(ConfigError, match="tumour_mix"):
        PopulationConfig(tumour_mix=(("breast", 1.0),))
    with pytest.raises(ConfigError, match="rate: must be a number > 0; got 0"):
        sample_enrolment_days(3, 0.0, 1)
    with pytest.raises(ConfigError, match="n: must be a whole number >= 0"):
        sample_population(-1, 1)
    assert TUMOUR_TYPES == ("breast", "gastric_gej", "salivary_gland", "other")
