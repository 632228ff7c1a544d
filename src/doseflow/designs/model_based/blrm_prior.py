"""BLRM prior helpers: a weakly informative prior from two guesses, and its effective sample size.

References
----------
Neuenschwander B, Branson M, Gsponer T (2008). Critical aspects of the Bayesian approach
to phase I cancer trials. Statistics in Medicine 27:2420-2439.
Neuenschwander B, Matano A, Tang Z, Roychoudhury S, Wandel S, Bailey S (2015). A
Bayesian industry approach to phase I combination trials in oncology. In Zhao W, Yang H
(eds), *Statistical Methods in Drug Combination Studies*, ch. 6. Chapman & Hall/CRC.
Morita S, Thall PF, Mueller P (2008). Determining the effective sample size of a
parametric prior. Biometrics 64:595-602.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from doseflow.checks import check_probability, check_real
from doseflow.designs.model_based.blrm_model import BLRMPrior
from doseflow.designs.model_based.blrm_posterior import compute_blrm_posterior
from doseflow.errors import ConfigError

__all__ = ["compute_blrm_prior_effective_sample_size", "compute_blrm_prior_from_guesses"]


def compute_blrm_prior_from_guesses(
    doses: Sequence[float],
    probabilities: Sequence[float],
    reference_dose: float,
    *,
    sd_log_alpha: float = 2.0,
    sd_log_beta: float = 1.0,
    correlation: float = 0.0,
) -> BLRMPrior:
    """Weakly informative BLRM prior from guesses of the DLT probability at two doses.

    Parameters
    ----------
    doses : pair of float > 0
        Two different doses ``d_1 < d_2`` (same unit as ``reference_dose``).
    probabilities : pair of float in (0, 1)
        Guessed DLT probabilities ``q_1 < q_2`` at those doses.
    reference_dose : float > 0
        ``d_ref`` of the model.
    sd_log_alpha, sd_log_beta : float > 0, default 2 and 1
        Prior standard deviations: the weakly informative defaults of Neuenschwander et
        al. (2015), about a factor of 50 (log alpha) and 7 (beta) on a 95% range.
    correlation : float in (-1, 1), default 0

    Returns
    -------
    BLRMPrior
        Means chosen so that the dose-toxicity curve at the prior medians of the
        parameters passes through both guesses: with ``s_k = log(d_k / d_ref)``,
        ``exp(mu_b) = (logit q_2 - logit q_1) / (s_2 - s_1)`` and ``mu_a = logit q_1 -
        exp(mu_b) s_1`` (the "prior medians" construction of Neuenschwander et al. 2008,
        sect. 3; the median of ``p`` at ``d_ref`` is then exactly ``expit(mu_a)``).

    Raises
    ------
    ConfigError
        If the doses or probabilities are not increasing pairs in range.

    Examples
    --------
    Guesses of 5% at 10 mg and 30% at 80 mg, reference dose 80 mg:

    >>> prior = compute_blrm_prior_from_guesses([10, 80], [0.05, 0.30], 80)
    >>> round(prior.mean_log_alpha, 4), round(prior.mean_log_beta, 4)
    (-0.8473, 0.0085)
    """
    from scipy.special import logit

    if len(doses) != 2 or len(probabilities) != 2:
        raise ConfigError("doses, probabilities", "two doses and two DLT probabilities", (doses, probabilities))
    d1, d2 = (check_real(d, f"doses[{i}]", minimum=0.0, strict=True) for i, d in enumerate(doses))
    q1, q2 = (check_probability(q, f"probabilities[{i}]") for i, q in enumerate(probabilities))
    ref = check_real(reference_dose, "reference_dose", minimum=0.0, strict=True)
    if not d1 < d2:
        raise ConfigError("doses", "two increasing doses", list(doses))
    if not q1 < q2:
        raise ConfigError("probabilities", "DLT probabilities increasing with dose", list(probabilities))
    s1, s2 = math.log(d1 / ref), math.log(d2 / ref)
    slope = (logit(q2) - logit(q1)) / (s2 - s1)
    return BLRMPrior(
        mean_log_alpha=logit(q1) - slope * s1,
        mean_log_beta=math.log(slope),
        sd_log_alpha=sd_log_alpha,
        sd_log_beta=sd_log_beta,
        correlation=correlation,
    )


def compute_blrm_prior_effective_sample_size(
    prior: BLRMPrior, doses: Sequence[float], reference_dose: float
) -> np.ndarray:
    """Prior effective sample size of the DLT probability at each dose.

    Parameters
    ----------
    prior : BLRMPrior
    doses : sequence of float > 0, increasing
    reference_dose : float > 0

    Returns
    -------
    numpy.ndarray, shape (levels,)
        ``m (1 - m) / v - 1`` with ``m``, ``v`` the prior mean and variance of ``p_d``
        (computed by quadrature, no data).

    Notes
    -----
    The prior of ``p_d`` is matched by the Beta(a, b) distribution with the same mean and
    variance, and its effective sample size taken as ``a + b = m (1 - m) / v - 1``: the
    effective sample size of a Beta(a, b) prior in the sense of Morita, Thall and Mueller
    (2008, sect. 3.1), applied to the beta approximation as in Neuenschwander et al.
    (2015). It is an approximation: the BLRM prior of ``p_d`` is not a beta distribution.

    Examples
    --------
    The weakly informative prior carries less than two patients' worth of information
    per dose; a tight one (sd 0.5 and 0.3) about 15 to 30:

    >>> wide = compute_blrm_prior_effective_sample_size(BLRMPrior(-1.0986, 0.0, 2.0, 1.0), [1, 2, 4, 8], 4)
    >>> wide.round(2).tolist()
    [1.57, 1.6, 1.62, 1.28]
    >>> tight = compute_blrm_prior_effective_sample_size(BLRMPrior(-1.0986, 0.0, 0.5, 0.3), [1, 2, 4, 8], 4)
    >>> tight.round(1).tolist()
    [29.5, 25.9, 21.2, 14.6]
    """
    covariate_doses = np.asarray(doses, dtype=float)
    empty = np.zeros((1, covariate_doses.size), dtype=np.int64)
    moments = compute_blrm_posterior(covariate_doses, reference_dose, empty, empty, prior)
    mean, sd = moments.toxicity_mean[0], moments.toxicity_sd[0]
    return mean * (1.0 - mean) / sd**2 - 1.0
