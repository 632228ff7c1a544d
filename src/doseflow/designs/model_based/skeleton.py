"""CRM skeleton calibration by indifference intervals (Lee and Cheung 2009).

The CRM recommends level ``k`` while ``p_k(beta)`` is the estimate closest to the target
``t``; it switches from ``k`` to ``k + 1`` at the ``b_{k+1}`` where
``p_k(b_{k+1}) + p_{k+1}(b_{k+1}) = 2 t``. Lee and Cheung (2009, sect. 2-3) choose the
skeleton so that at every switch the two curves sit at ``t - delta`` and ``t + delta``:

    p_k(b_{k+1}) = t - delta,   p_{k+1}(b_{k+1}) = t + delta,   p_nu(0) = t,

so the CRM eventually selects a level whose DLT probability lies in the indifference
interval ``t +- delta`` (the half-width ``delta``), ``nu`` being the prior guess of the
MTD. This is the recursion of dfcrm's ``getprior``. For the two working models it has a
closed form (derived here from the recursion):

- empiric ``p = x ** exp(beta)``: ``log x_k = log(t) * r ** (k - nu)`` with
  ``r = log(t + delta) / log(t - delta)``;
- logistic ``logit p = a0 + exp(beta) x``: labels ``x_k = (logit(t) - a0) * q ** (k - nu)``
  with ``q = (logit(t + delta) - a0) / (logit(t - delta) - a0)``, skeleton
  ``expit(a0 + x_k)``.

References
----------
Lee SM, Cheung YK (2009). Model calibration in the continual reassessment method.
Clinical Trials 6:227-238.
Cheung YK (2011). *Dose Finding by the Continual Reassessment Method*, ch. 7. CRC.
"""

from __future__ import annotations

import math

import numpy as np

from doseflow.checks import check_int, check_probability
from doseflow.designs.model_based.crm_model import DEFAULT_INTERCEPT, validate_crm_model
from doseflow.errors import ConfigError

__all__ = ["compute_crm_skeleton"]


def compute_crm_skeleton(
    halfwidth: float,
    target: float,
    prior_mtd: int,
    n_levels: int,
    model: str = "empiric",
    intercept: float = DEFAULT_INTERCEPT,
) -> np.ndarray:
    """Skeleton whose CRM indifference interval is ``target +- halfwidth`` at every level.

    Parameters
    ----------
    halfwidth : float
        Half-width ``delta`` of the indifference interval, ``0 < delta < min(t, 1 - t)``.
    target : float in (0, 1)
        Target DLT probability ``t``.
    prior_mtd : int
        1-based level ``nu`` guessed to be the MTD (its skeleton value is ``t``).
    n_levels : int >= 1
        Number of dose levels.
    model : {"empiric", "logistic"}, default "empiric"
    intercept : float, default 3
        Intercept ``a0`` of the logistic model; ``t + delta`` must be below ``expit(a0)``.

    Returns
    -------
    numpy.ndarray, shape (n_levels,)
        The skeleton, strictly increasing in (0, 1) (dfcrm ``getprior``).

    Raises
    ------
    ConfigError
        For a half-width, target, level or intercept out of range.

    Notes
    -----
    See the module docstring for the rule and its closed form (Lee and Cheung 2009).

    Examples
    --------
    dfcrm ``getprior(0.05, 0.3, 3, 5)``:

    >>> compute_crm_skeleton(0.05, 0.3, 3, 5).round(10).tolist()
    [0.1225293582, 0.2039560076, 0.3, 0.4018194361, 0.5013464478]
    """
    from scipy.special import expit, logit

    t = check_probability(target, "target")
    model, a0 = validate_crm_model(model, intercept)
    levels = check_int(n_levels, "n_levels", minimum=1)
    nu = check_int(prior_mtd, "prior_mtd", minimum=1, maximum=levels)
    delta = check_probability(halfwidth, "halfwidth")
    if delta >= min(t, 1.0 - t):
        raise ConfigError(
            "halfwidth", f"below min(target, 1 - target) = {min(t, 1.0 - t):g}", halfwidth
        )
    power = np.arange(1, levels + 1) - nu
    if model == "empiric":
        ratio = math.log(t + delta) / math.log(t - delta)
        return np.exp(math.log(t) * ratio**power)
    if logit(t + delta) >= a0:
        raise ConfigError(
            "intercept",
            f"greater than logit(target + halfwidth) = {logit(t + delta):.4g}",
            intercept,
            "The logistic model with this intercept cannot reach target + halfwidth.",
        )
    ratio = (logit(t + delta) - a0) / (logit(t - delta) - a0)
    labels = (logit(t) - a0) * ratio**power
    return expit(a0 + labels)
