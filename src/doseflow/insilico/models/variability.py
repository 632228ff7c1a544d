"""Inter-individual variability (log-normal, correlated) and residual error.

Population models in pharmacometrics (NONMEM convention, Beal and Sheiner) give each
patient's parameter as ``P_i = P_typical * exp(eta_i)`` with ``eta ~ N(0, Omega)`` and
observations as ``Y = F * (1 + eps_prop) + eps_add``. This module samples ``eta`` for many
virtual patients at once from an ``Omega`` matrix, converts published %CV to variances,
and adds residual error to simulated concentrations. Every random draw comes from a
:class:`numpy.random.Generator` that the caller passes (or a seed); nothing touches the
global ``numpy.random`` state.

Examples
--------
>>> import numpy as np
>>> omega = compute_omega([0.3, 0.2], correlation=[[1, 0.5], [0.5, 1]])
>>> eta = sample_eta(omega, 4, np.random.default_rng(1))
>>> eta.shape
(4, 2)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Integral

import numpy as np

from doseflow.checks import check_real
from doseflow.errors import ConfigError

__all__ = [
    "validate_generator",
    "compute_omega",
    "validate_omega",
    "sample_eta",
    "apply_iiv",
    "ResidualError",
    "compute_observations",
]


def validate_generator(rng: object, where: str = "rng") -> np.random.Generator:
    """Return a :class:`numpy.random.Generator` from a Generator or an integer seed.

    Raises
    ------
    ConfigError
        If ``rng`` is neither (global ``numpy.random`` functions are never used).

    Examples
    --------
    >>> bool(validate_generator(7).integers(10) == validate_generator(7).integers(10))
    True
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, Integral) and not isinstance(rng, bool) and int(rng) >= 0:
        return np.random.default_rng(int(rng))
    raise ConfigError(where, "a numpy.random.Generator or a whole number >= 0 (seed)", rng)


def compute_omega(
    cv: Sequence[float], *, correlation: Sequence[Sequence[float]] | None = None
) -> np.ndarray:
    """Omega (variance-covariance of eta) from coefficients of variation and correlations.

    Parameters
    ----------
    cv : sequence of float
        Coefficient of variation of each log-normal parameter as a fraction (0.3 =
        30% CV), >= 0.
    correlation : matrix, optional
        Correlation between the etas (symmetric, unit diagonal); identity by default.

    Returns
    -------
    numpy.ndarray
        ``Omega`` with ``omega_jj = ln(1 + cv_j^2)`` and
        ``omega_jk = r_jk * sqrt(omega_jj * omega_kk)``.

    Raises
    ------
    ConfigError
        If a CV is negative or the correlation matrix is not a valid correlation matrix.

    Notes
    -----
    For ``X = exp(eta)``, ``eta ~ N(0, w2)``: ``CV(X)^2 = exp(w2) - 1`` (the log-normal
    moments; e.g. Mould and Upton 2013, section "Between subject variability"), hence
    ``w2 = ln(1 + CV^2)``. Some papers report ``sqrt(w2)`` as "%CV" (the small-CV
    approximation); where a paper tabulates variances they are used directly instead.

    References
    ----------
    Mould DR, Upton RN. Basic concepts in population modeling, simulation, and
    model-based drug development - part 2. CPT Pharmacometrics Syst Pharmacol
    2013;2:e38.

    Examples
    --------
    >>> round(float(compute_omega([0.401])[0, 0]), 6)
    0.14911
    """
    c = np.asarray(cv, dtype=float).ravel()
    if c.size == 0 or np.any(~np.isfinite(c)) or np.any(c < 0):
        raise ConfigError("cv", "coefficients of variation >= 0 (fractions)", list(cv))
    var = np.log1p(c**2)
    r = np.eye(c.size) if correlation is None else np.asarray(correlation, dtype=float)
    if r.shape != (c.size, c.size) or not np.allclose(r, r.T) or not np.allclose(np.diag(r), 1):
        raise ConfigError("correlation", f"a symmetric {c.size}x{c.size} matrix with unit diagonal", r.tolist())
    if np.any(np.abs(r) > 1):
        raise ConfigError("correlation", "a matrix with entries in [-1, 1]", r.tolist())
    sd = np.sqrt(var)
    return validate_omega(r * np.outer(sd, sd), "correlation")


def validate_omega(omega: object, where: str = "omega") -> np.ndarray:
    """Return ``omega`` as a float matrix if symmetric positive semi-definite.

    Raises
    ------
    ConfigError
        Naming ``where`` and the matrix, if it is not square, symmetric or PSD.

    Examples
    --------
    >>> validate_omega([[0.1, 0.0], [0.0, 0.2]]).shape
    (2, 2)
    """
    w = np.asarray(omega, dtype=float)
    if w.ndim != 2 or w.shape[0] != w.shape[1] or not np.all(np.isfinite(w)):
        raise ConfigError(where, "a square matrix of finite numbers", np.asarray(omega).tolist())
    if not np.allclose(w, w.T, rtol=0, atol=1e-12):
        raise ConfigError(where, "a symmetric matrix", w.tolist())
    if w.size and np.linalg.eigvalsh(w).min() < -1e-12 * max(1.0, float(np.abs(w).max())):
        raise ConfigError(where, "a positive semi-definite matrix", w.tolist())
    return w


def sample_eta(omega: object, n: int, rng: object) -> np.ndarray:
    """Draw ``n`` vectors ``eta ~ N(0, Omega)``.

    Parameters
    ----------
    omega : matrix
        Variance-covariance of the etas (k x k), positive semi-definite.
    n : int
        Number of virtual patients, >= 0.
    rng : numpy.random.Generator or int
        Source of randomness (or a seed).

    Returns
    -------
    numpy.ndarray
        Shape ``(n, k)``.

    Notes
    -----
    ``eta = Z L^T`` with ``Z`` standard normal and ``L L^T = Omega``; ``L`` is taken
    from the symmetric eigen-decomposition (``L = V sqrt(Lambda)``) so that singular
    matrices (a zero variance, a correlation of 1) are accepted.

    Examples
    --------
    >>> import numpy as np
    >>> sample_eta(np.zeros((2, 2)), 3, 0).tolist()
    [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]]
    """
    w = validate_omega(omega)
    if isinstance(n, bool) or not isinstance(n, Integral) or n < 0:
        raise ConfigError("n", "a whole number >= 0", n)
    gen = validate_generator(rng)
    vals, vecs = np.linalg.eigh(w)
    root = vecs * np.sqrt(np.clip(vals, 0.0, None))
    z = gen.standard_normal((int(n), w.shape[0]))
    return z @ root.T


def apply_iiv(typical: object, eta: object) -> np.ndarray:
    """Individual parameters ``P_i = P_typical * exp(eta_i)`` (log-normal IIV).

    Examples
    --------
    >>> apply_iiv(2.0, [0.0]).tolist()
    [2.0]
    """
    return np.asarray(typical, dtype=float) * np.exp(np.asarray(eta, dtype=float))


@dataclass(frozen=True, slots=True)
class ResidualError:
    """Combined proportional + additive residual error, ``Y = F (1 + e1) + e2``.

    Parameters
    ----------
    proportional : float
        Standard deviation of ``e1`` (fraction, 0.197 = 19.7%), >= 0.
    additive : float
        Standard deviation of ``e2`` in the concentration unit (ug/mL), >= 0.

    References
    ----------
    Beal SL, Sheiner LB, et al. NONMEM Users Guides, Part V (1989-2009): the
    additive plus proportional (combined) error model, with independent e1, e2.
    """

    proportional: float = 0.0
    additive: float = 0.0

    def __post_init__(self) -> None:
        check_real(self.proportional, "ResidualError.proportional", minimum=0.0)
        check_real(self.additive, "ResidualError.additive", minimum=0.0)


def compute_observations(
    concentration: object,
    error: ResidualError,
    rng: object,
    *,
    lloq: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Simulated assay results: model concentrations plus residual error.

    Parameters
    ----------
    concentration : array_like
        Model-predicted concentrations (ug/mL), any shape.
    error : ResidualError
        Proportional and additive standard deviations.
    rng : numpy.random.Generator or int
        Source of randomness (or a seed).
    lloq : float, optional
        Lower limit of quantification (ug/mL), >= 0.

    Returns
    -------
    values : numpy.ndarray
        ``F (1 + e1) + e2``; NaN where the result is below ``lloq`` (or <= 0 when
        ``lloq`` is 0), because such a value cannot be reported, and where the model
        concentration is 0 (no drug, e.g. before the first dose: the additive error
        describes the assay's noise around drug that is there, it cannot create drug).
    blq : numpy.ndarray of bool
        True where the value was set to NaN (below the limit of quantification): the
        flag that says why.

    Examples
    --------
    >>> v, blq = compute_observations([10.0, 0.0], ResidualError(0.0, 0.0), 0)
    >>> v.tolist(), blq.tolist()
    ([10.0, nan], [False, True])
    >>> compute_observations([0.0, 0.0], ResidualError(0.0, 5.0), 1, lloq=0.06)[1].tolist()
    [True, True]
    """
    lloq = check_real(lloq, "lloq", minimum=0.0)
    f = np.asarray(concentration, dtype=float)
    gen = validate_generator(rng)
    e1 = gen.standard_normal(f.shape) * error.proportional
    e2 = gen.standard_normal(f.shape) * error.additive
    y = f * (1.0 + e1) + e2
    blq = (y < lloq) | (y <= 0.0) | np.isnan(y) | (f <= 0.0)
    return np.where(blq, np.nan, y), blq
