"""The one-parameter dose-toxicity models of the continual reassessment method (CRM).

Two working models, as in the R package dfcrm (Cheung 2011, ch. 3-4), both equal to the
skeleton at ``beta = 0`` and decreasing in ``beta`` at every level:

- empiric (power): ``p_d(beta) = x_d ** exp(beta)`` with dose labels ``x_d`` = the
  skeleton (O'Quigley, Pepe and Fisher 1990, sect. 2; Cheung 2011, sect. 3.2);
- one-parameter logistic: ``logit p_d(beta) = a0 + exp(beta) * x_d`` with fixed intercept
  ``a0`` (3 by default) and dose labels ``x_d = logit(skeleton_d) - a0``, which must be
  negative (Cheung 2011, sect. 3.2; dfcrm ``crm(model = "logistic")``).

Log probabilities are computed directly (``log p = exp(beta) log x`` and
``log(1 - p) = log(-expm1(exp(beta) log x))`` for the empiric model, ``log p =
-log(1 + exp(-eta))`` by ``logaddexp`` for the logistic), so no value under- or
overflows for any finite ``beta`` up to |beta| = 700.

References
----------
O'Quigley J, Pepe M, Fisher L (1990). Continual reassessment method: a practical design
for phase 1 clinical trials in cancer. Biometrics 46:33-48.
Cheung YK (2011). *Dose Finding by the Continual Reassessment Method*. Chapman & Hall/CRC.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from doseflow.checks import check_choice, check_real
from doseflow.errors import ConfigError

__all__ = [
    "CRM_MODELS",
    "DEFAULT_INTERCEPT",
    "DEFAULT_PRIOR_SD",
    "compute_crm_beta_at_toxicity",
    "compute_crm_dose_labels",
    "compute_crm_log_toxicity",
    "compute_crm_toxicity",
    "validate_crm_model",
    "validate_skeleton",
]

#: Working models: ``"empiric"`` (power) and ``"logistic"`` (fixed intercept).
CRM_MODELS = ("empiric", "logistic")
#: dfcrm's default intercept of the one-parameter logistic model.
DEFAULT_INTERCEPT = 3.0
#: dfcrm's default prior standard deviation of beta, sqrt(1.34) (Cheung 2011, sect. 3.2).
DEFAULT_PRIOR_SD = math.sqrt(1.34)
#: |beta| beyond which the models are evaluated at the limit (p is 0 or 1 there).
BETA_LIMIT = 300.0


def validate_skeleton(skeleton: Sequence[float] | np.ndarray, where: str = "skeleton") -> np.ndarray:
    """Return the skeleton as a float array if it is strictly increasing inside (0, 1).

    Raises
    ------
    ConfigError
        Naming ``where`` and the offending value.

    Examples
    --------
    >>> validate_skeleton([0.05, 0.1, 0.2]).tolist()
    [0.05, 0.1, 0.2]
    """
    try:
        x = np.asarray(skeleton, dtype=float)
    except (TypeError, ValueError):
        raise ConfigError(where, "a list of probabilities in (0, 1)", skeleton) from None
    if x.ndim != 1 or x.size == 0:
        raise ConfigError(where, "a non-empty list of probabilities in (0, 1)", skeleton)
    if not np.all(np.isfinite(x)) or np.any(x <= 0) or np.any(x >= 1):
        raise ConfigError(where, "probabilities strictly between 0 and 1", skeleton)
    if np.any(np.diff(x) <= 0):
        raise ConfigError(where, "strictly increasing in dose", skeleton)
    return x


def validate_crm_model(model: str, intercept: float) -> tuple[str, float]:
    """Return ``(model, intercept)`` after checking the model name and a finite intercept."""
    return check_choice(model, "model", CRM_MODELS), check_real(intercept, "intercept")


def compute_crm_dose_labels(
    skeleton: Sequence[float] | np.ndarray, model: str = "empiric", intercept: float = DEFAULT_INTERCEPT
) -> np.ndarray:
    """Dose labels ``x_d`` of the working model, so that ``p_d(0)`` equals the skeleton.

    Parameters
    ----------
    skeleton : sequence of float, shape (levels,)
        Prior guesses of the DLT probability, strictly increasing in (0, 1).
    model : {"empiric", "logistic"}
        Working model.
    intercept : float, default 3
        Intercept ``a0`` of the logistic model (ignored by the empiric model).

    Returns
    -------
    numpy.ndarray, shape (levels,)
        Empiric: the skeleton. Logistic: ``logit(skeleton) - a0`` (Cheung 2011, sect. 3.2).

    Raises
    ------
    ConfigError
        If a logistic label is not negative (``a0 <= logit`` of the highest skeleton value,
        dfcrm's "intercept parameter in logit model is too small").

    Examples
    --------
    >>> compute_crm_dose_labels([0.05, 0.5], "logistic").round(4).tolist()
    [-5.9444, -3.0]
    """
    from scipy.special import logit

    x = validate_skeleton(skeleton)
    model, intercept = validate_crm_model(model, intercept)
    if model == "empiric":
        return x
    labels = logit(x) - intercept
    if np.any(labels >= 0):
        top = float(logit(x[-1]))
        raise ConfigError(
            "intercept",
            f"a number greater than logit of the highest skeleton value ({top:.4g})",
            intercept,
            "Raise the intercept or lower the skeleton.",
        )
    return labels


def compute_crm_log_toxicity(
    beta: np.ndarray, labels: np.ndarray, model: str, intercept: float = DEFAULT_INTERCEPT
) -> tuple[np.ndarray, np.ndarray]:
    """``(log p_d(beta), log(1 - p_d(beta)))`` for every beta and level, without overflow.

    Parameters
    ----------
    beta : numpy.ndarray, any shape s
        Values of the model parameter.
    labels : numpy.ndarray, shape (levels,)
        Dose labels from :func:`compute_crm_dose_labels`.
    model : {"empiric", "logistic"}
    intercept : float
        Logistic intercept ``a0``.

    Returns
    -------
    tuple of numpy.ndarray, each of shape s + (levels,)

    Notes
    -----
    Empiric: ``log p = exp(beta) log x``, ``log(1 - p) = log(-expm1(exp(beta) log x))``.
    Logistic: with ``eta = a0 + exp(beta) x``, ``log p = -log(1 + exp(-eta))`` and
    ``log(1 - p) = -log(1 + exp(eta))``, each by ``numpy.logaddexp``. ``beta`` is clipped
    to [-300, 300], where ``p_d`` is 1 or 0 to double precision, so that every value is
    finite.
    """
    u = np.exp(np.clip(np.asarray(beta, dtype=float), -BETA_LIMIT, BETA_LIMIT))[..., None]
    if model == "empiric":
        log_p = u * np.log(labels)
        return log_p, np.log(-np.expm1(log_p))
    eta = intercept + u * labels
    return -np.logaddexp(0.0, -eta), -np.logaddexp(0.0, eta)


def compute_crm_toxicity(
    beta: np.ndarray | float,
    skeleton: Sequence[float] | np.ndarray,
    model: str = "empiric",
    intercept: float = DEFAULT_INTERCEPT,
) -> np.ndarray:
    """DLT probability ``p_d(beta)`` at every level (Cheung 2011, sect. 3.2).

    Parameters
    ----------
    beta : float or numpy.ndarray, shape s
        Model parameter(s), e.g. the posterior mean (dfcrm's plug-in estimate ``ptox``).
    skeleton : sequence of float, shape (levels,)
    model : {"empiric", "logistic"}
    intercept : float, default 3

    Returns
    -------
    numpy.ndarray, shape s + (levels,)

    Examples
    --------
    >>> compute_crm_toxicity(0.0, [0.1, 0.3]).round(12).tolist()
    [0.1, 0.3]
    >>> compute_crm_toxicity(np.log(2.0), [0.1, 0.3]).round(4).tolist()
    [0.01, 0.09]
    """
    labels = compute_crm_dose_labels(skeleton, model, intercept)
    log_p, _ = compute_crm_log_toxicity(np.asarray(beta, dtype=float), labels, model, intercept)
    return np.exp(log_p)


def compute_crm_beta_at_toxicity(
    probability: float, labels: np.ndarray, model: str, intercept: float = DEFAULT_INTERCEPT
) -> np.ndarray:
    """The ``beta`` at which ``p_d(beta)`` equals ``probability``, per level.

    Since ``p_d`` decreases in ``beta``, ``p_d(beta) > probability`` exactly when
    ``beta`` is below the returned value. Empiric: ``log(log t / log x_d)``. Logistic:
    ``log((logit t - a0) / x_d)``, or ``-inf`` when ``logit t >= a0`` (the logistic
    model never exceeds ``expit(a0)``).

    Parameters
    ----------
    probability : float in (0, 1)
    labels : numpy.ndarray, shape (levels,)
    model : {"empiric", "logistic"}
    intercept : float

    Returns
    -------
    numpy.ndarray, shape (levels,)

    Examples
    --------
    >>> labels = compute_crm_dose_labels([0.1, 0.3])
    >>> b = compute_crm_beta_at_toxicity(0.2, labels, "empiric")
    >>> compute_crm_toxicity(b[0], [0.1, 0.3]).round(6).tolist()[0]
    0.2
    """
    from scipy.special import logit

    t = float(probability)
    if model == "empiric":
        return np.log(np.log(t) / np.log(labels))
    gap = float(logit(t)) - intercept
    if gap >= 0:
        return np.full(labels.shape, -np.inf)
    return np.log(gap / labels)
