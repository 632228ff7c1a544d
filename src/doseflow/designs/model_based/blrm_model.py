"""The two-parameter Bayesian logistic regression model (BLRM) and its prior.

Neuenschwander, Branson and Gsponer (2008, sect. 2):

    logit p_d = log(alpha) + beta * log(d / d_ref),   alpha, beta > 0,

with a bivariate normal prior on ``theta = (log alpha, log beta)`` (sect. 3): means, standard
deviations and correlation. ``log alpha`` is the log-odds of a DLT at the reference dose
``d_ref``; ``beta`` the increase of the log-odds per unit of log dose.

References
----------
Neuenschwander B, Branson M, Gsponer T (2008). Critical aspects of the Bayesian approach
to phase I cancer trials. Statistics in Medicine 27:2420-2439.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from doseflow.checks import check_real
from doseflow.errors import ConfigError

__all__ = [
    "LOG_BETA_LIMIT",
    "BLRMPrior",
    "compute_blrm_dose_covariate",
    "compute_blrm_log_prior",
    "compute_blrm_log_toxicity",
]


#: log beta is evaluated at most at this value (beta = e^300: p is a step in dose there),
#: so that every value stays finite.
LOG_BETA_LIMIT = 300.0


@dataclass(frozen=True, slots=True)
class BLRMPrior:
    """Bivariate normal prior of ``(log alpha, log beta)`` (Neuenschwander et al. 2008, sect. 3).

    Parameters
    ----------
    mean_log_alpha : float
        Prior mean of ``log alpha``, the log-odds of a DLT at the reference dose.
    mean_log_beta : float
        Prior mean of ``log beta``.
    sd_log_alpha, sd_log_beta : float > 0
        Prior standard deviations.
    correlation : float in (-1, 1), default 0
        Prior correlation of ``log alpha`` and ``log beta``.

    Examples
    --------
    >>> BLRMPrior(-1.0986, 0.0, 2.0, 1.0).correlation
    0.0
    """

    mean_log_alpha: float
    mean_log_beta: float
    sd_log_alpha: float
    sd_log_beta: float
    correlation: float = 0.0

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "mean_log_alpha", check_real(self.mean_log_alpha, "mean_log_alpha"))
        set_(self, "mean_log_beta", check_real(self.mean_log_beta, "mean_log_beta"))
        set_(self, "sd_log_alpha", check_real(self.sd_log_alpha, "sd_log_alpha", minimum=0.0, strict=True))
        set_(self, "sd_log_beta", check_real(self.sd_log_beta, "sd_log_beta", minimum=0.0, strict=True))
        set_(
            self,
            "correlation",
            check_real(self.correlation, "correlation", minimum=-1.0, maximum=1.0, strict=True),
        )

    @property
    def mean(self) -> np.ndarray:
        """``(mean_log_alpha, mean_log_beta)``."""
        return np.array([self.mean_log_alpha, self.mean_log_beta])

    @property
    def sd(self) -> np.ndarray:
        """``(sd_log_alpha, sd_log_beta)``."""
        return np.array([self.sd_log_alpha, self.sd_log_beta])


def compute_blrm_dose_covariate(doses: Sequence[float] | np.ndarray, reference_dose: float) -> np.ndarray:
    """``log(d / d_ref)`` per level, after checking the doses increase and are positive.

    Examples
    --------
    >>> compute_blrm_dose_covariate([50, 100, 200], 100).round(4).tolist()
    [-0.6931, 0.0, 0.6931]
    """
    try:
        d = np.asarray(doses, dtype=float)
    except (TypeError, ValueError):
        raise ConfigError("doses", "a list of positive dose amounts", doses) from None
    if d.ndim != 1 or d.size == 0 or not np.all(np.isfinite(d)) or np.any(d <= 0):
        raise ConfigError("doses", "a non-empty list of positive dose amounts", doses)
    if np.any(np.diff(d) <= 0):
        raise ConfigError("doses", "strictly increasing amounts", doses)
    ref = check_real(reference_dose, "reference_dose", minimum=0.0, strict=True)
    return np.log(d / ref)


def compute_blrm_log_toxicity(
    log_alpha: np.ndarray, log_beta: np.ndarray, covariate: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``(log p_d, log(1 - p_d))`` at broadcast ``(log_alpha, log_beta)``, per level.

    ``eta = log alpha + exp(log beta) log(d / d_ref)``; ``log p = -log(1 + exp(-eta))``
    and ``log(1 - p) = -log(1 + exp(eta))`` by ``numpy.logaddexp`` (no overflow; log beta
    above ``LOG_BETA_LIMIT`` is evaluated at the limit).

    Returns
    -------
    tuple of numpy.ndarray, each of shape broadcast(log_alpha, log_beta) + (levels,)
    """
    beta = np.exp(np.minimum(np.asarray(log_beta, dtype=float), LOG_BETA_LIMIT))
    eta = np.asarray(log_alpha)[..., None] + beta[..., None] * covariate
    return -np.logaddexp(0.0, -eta), -np.logaddexp(0.0, eta)


def compute_blrm_log_prior(prior: BLRMPrior, log_alpha: np.ndarray, log_beta: np.ndarray) -> np.ndarray:
    """Bivariate normal log density of the prior at broadcast ``(log_alpha, log_beta)``.

    ``-(u^2 - 2 rho u v + v^2) / (2 (1 - rho^2)) - log(2 pi s_a s_b sqrt(1 - rho^2))`` with
    ``u, v`` the standardised parameters.
    """
    rho = prior.correlation
    u = (np.asarray(log_alpha) - prior.mean_log_alpha) / prior.sd_log_alpha
    v = (np.asarray(log_beta) - prior.mean_log_beta) / prior.sd_log_beta
    constant = math.log(2.0 * math.pi * prior.sd_log_alpha * prior.sd_log_beta * math.sqrt(1.0 - rho * rho))
    return -(u * u - 2.0 * rho * u * v + v * v) / (2.0 * (1.0 - rho * rho)) - constant
