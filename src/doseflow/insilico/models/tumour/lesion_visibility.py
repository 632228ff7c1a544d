"""What a CT scan sees of the target lesions: non-shrinking residual mass and a detection limit.

The tumour growth inhibition model (:mod:`doseflow.insilico.models.tumour.growth`, Claret et al. 2009) is
log-linear, so a strong responder's modelled size shrinks towards 0 mm without bound. A CT scan
does not see that quantity. It sees each lesion's anatomical size, which includes tissue that no
longer shrinks: fibrosis, necrosis, cysts and scar left where tumour cells were killed. Size can
therefore understate a response on CT (Choi et al. 2007: in GIST under imatinib, 52% of PET
responders met RECIST PR at 2 months), and a lesion is recorded as gone only once nothing
of it can be seen. Two documented modelling choices follow from this:

1. **Residual mass.** Each patient has a fraction :math:`r_i \\in [0, 1)` of every target lesion's
   baseline diameter that does not shrink. The visible diameter of lesion *j* is

   .. math:: v_{ij}(t) = f_{ij} \\max(y_i(t),\\; r_i\\, y_{0i}),

   where :math:`y_i(t)` is the modelled (viable) sum of diameters, :math:`y_{0i}` its baseline
   value and :math:`f_{ij}` the lesion's fixed share of it (``Population.lesion_fraction``).
   :math:`r_i` is logit-normal: :math:`\\mathrm{logit}\\, r_i = \\mathrm{logit}\\, r_{50} +
   \\omega_r \\eta_i` with :math:`\\eta_i \\sim N(0, 1)`. The median :math:`r_{50}` and
   :math:`\\omega_r` are calibrated so that complete responses are a small share of responses, as
   in HER2 ADC trials. In DESTINY-Breast01 (T-DXd 5.4 mg/kg, Modi et al. 2020), 11 of 184
   patients (6.0%) had a confirmed CR and 101 (54.9%) a PR, so CRs were 11/112 = 9.8% of
   responders. GQ1001 phase Ia reported 6 PR and no CR among 15 (Lemech et al. 2023). Regrowth
   of the viable tumour stays hidden until it outgrows the residual mass.
2. **Lesion-level disappearance.** A lesion is seen only if its visible diameter is at least
   the detection limit :math:`d` (5 mm, the largest CT slice thickness that RECIST 1.1 allows:
   "10 mm by CT scan (CT scan slice thickness no greater than 5 mm)", Eisenhauer et al. 2009,
   section 3.1.1). Below it the lesion is recorded as 0 mm (disappeared). RECIST 1.1 puts 5 mm
   for a lesion that is seen but is "too small to measure" (Eisenhauer 2009, Appendix I). With
   :math:`d` = 5 mm nothing lies between 0 and 5 mm, so that rule never fires. CR needs every
   target lesion gone: :math:`\\max_j v_{ij} < d`.

Both are assumptions (no HER2 ADC TGI model with a residual compartment was found;
``insilico-sources.md`` section 7, point 3). The RECIST rules themselves are unchanged
(:mod:`doseflow.insilico.models.tumour.recist_scan`).

Examples
--------
>>> import numpy as np
>>> compute_visible_diameters(np.array([8.0]), np.array([40.0]), np.array([[0.75, 0.25, 0.0]]),
...                           np.array([0.1]), 5.0).tolist()   # 0.75 x 8 = 6 seen; 0.25 x 8 = 2 gone
[[6.0, 0.0, nan]]
"""

from __future__ import annotations

import numpy as np

from doseflow.checks import check_int, check_real
from doseflow.errors import ConfigError, DataError

__all__ = ["sample_residual_fraction", "compute_visible_diameters"]


def sample_residual_fraction(
    n: int, median: float, omega: float, rng: np.random.Generator | int | None = None
) -> np.ndarray:
    """Draw each patient's non-shrinking residual fraction of the baseline lesion size.

    Parameters
    ----------
    n : int
        Number of patients (>= 0).
    median : float
        Median residual fraction :math:`r_{50}`, in [0, 1). At 0 every patient gets 0 and the
        model reduces to the Claret SLD, which can shrink to nothing.
    omega : float
        SD of the logit-normal inter-individual variability (>= 0).
    rng : numpy.random.Generator or int or None
        Generator or seed; ``n`` standard normal draws are taken even when ``median`` is 0, so
        the random stream does not depend on the parameter values.

    Returns
    -------
    numpy.ndarray
        Fractions in [0, 1), shape (n,).

    Raises
    ------
    ConfigError
        If ``median`` is outside [0, 1) or ``omega`` is negative.

    Notes
    -----
    :math:`r_i = 1 / (1 + \\exp(-(\\mathrm{logit}\\, r_{50} + \\omega \\eta_i)))`,
    :math:`\\eta_i \\sim N(0, 1)`; the median of :math:`r_i` is :math:`r_{50}` because the
    logistic function is monotone. This is a logit-normal IIV model, the usual choice for a
    parameter bounded by 0 and 1 in NONMEM-style population models.

    References
    ----------
    Choi H et al. J Clin Oncol 2007;25:1753-1759 (CT size understates response).
    Modi S et al. N Engl J Med 2020;382:610-621 (CR 6.0%, PR 54.9% of 184).

    Examples
    --------
    >>> r = sample_residual_fraction(5, 0.3, 0.0, 1)
    >>> [round(float(x), 12) for x in r]
    [0.3, 0.3, 0.3, 0.3, 0.3]
    """
    n = check_int(n, "n", minimum=0)
    median = check_real(median, "residual_fraction_median", minimum=0.0)
    omega = check_real(omega, "omega_residual_fraction", minimum=0.0)
    if median >= 1.0:
        raise ConfigError("residual_fraction_median", "a number in [0, 1)", median)
    eta = np.random.default_rng(rng).standard_normal(n)
    if median == 0.0:
        return np.zeros(n)
    logit = np.log(median) - np.log1p(-median)
    return 1.0 / (1.0 + np.exp(-(logit + omega * eta)))


def compute_visible_diameters(
    sld_mm: np.ndarray,
    baseline_sld_mm: np.ndarray,
    lesion_fraction: np.ndarray,
    residual_fraction: np.ndarray,
    detection_mm: float,
) -> np.ndarray:
    """True diameter of each target lesion as a CT scan sees it (0 = disappeared).

    Parameters
    ----------
    sld_mm : array of float (n,)
        Modelled (viable) sum of diameters now, mm (>= 0), e.g. from
        :func:`doseflow.insilico.models.tumour.growth.compute_tumour_sld`.
    baseline_sld_mm : array of float (n,)
        The same quantity at baseline, mm (> 0).
    lesion_fraction : array of float (n, lesions)
        Each lesion's share of the sum (rows sum to 1; 0 for a lesion the patient does not have).
    residual_fraction : array of float (n,)
        Non-shrinking fraction of each lesion's baseline diameter, in [0, 1)
        (:func:`sample_residual_fraction`).
    detection_mm : float
        Smallest visible diameter, mm (>= 0); smaller lesions are recorded as 0 mm.

    Returns
    -------
    numpy.ndarray (n, lesions)
        Visible true diameters, mm: :math:`f_{ij} \\max(y_i, r_i y_{0i})` where that is at least
        ``detection_mm``, 0 where it is smaller, NaN for lesions a patient does not have.

    Raises
    ------
    DataError
        If the shapes disagree, or a value is negative or not finite.

    Notes
    -----
    Module docstring: residual mass (Choi et al. 2007) and lesion-level disappearance below
    the CT slice thickness (Eisenhauer et al. 2009, section 3.1.1). All target lesions are
    gone, so the time point can be a CR, exactly when every entry that is not NaN is 0.

    References
    ----------
    Eisenhauer EA et al. Eur J Cancer 2009;45:228-247.

    Examples
    --------
    >>> compute_visible_diameters(np.array([2.0, 2.0]), np.array([20.0, 100.0]),
    ...                           np.array([[1.0], [1.0]]), np.array([0.2, 0.2]), 5.0).tolist()
    [[0.0], [20.0]]
    """
    y = np.asarray(sld_mm, dtype=float)
    y0 = np.asarray(baseline_sld_mm, dtype=float)
    f = np.asarray(lesion_fraction, dtype=float)
    r = np.asarray(residual_fraction, dtype=float)
    n = y.shape[0] if y.ndim == 1 else -1
    if y.ndim != 1 or y0.shape != (n,) or r.shape != (n,) or f.ndim != 2 or f.shape[0] != n:
        raise DataError("sld_mm/baseline_sld_mm/lesion_fraction/residual_fraction",
                        "arrays of shapes (n,), (n,), (n, lesions), (n,)", (y.shape, y0.shape, f.shape, r.shape))
    for name, a in (("sld_mm", y), ("baseline_sld_mm", y0), ("residual_fraction", r), ("lesion_fraction", f)):
        bad = ~np.isfinite(a) | (a < 0)
        if bad.any():
            i = tuple(int(k) for k in np.argwhere(bad)[0])
            raise DataError(f"{name}[{', '.join(map(str, i))}]", "a finite number >= 0", float(a[i]))
    detection_mm = check_real(detection_mm, "lesion_detection_mm", minimum=0.0)
    size = np.maximum(y, r * y0)[:, None] * f
    return np.where(f > 0, np.where(size >= detection_mm, size, 0.0), np.nan)
