"""Model-based designs: the CRM, TITE-CRM and BLRM, and their numerical core.

The designs (:class:`CRM`, :class:`TITECRM`, :class:`BLRM`; modules :mod:`.crm`,
:mod:`.tite_crm`, :mod:`.blrm`) stand on pure functions, batched over simulated trials
(arrays over trials x levels, or trials x patients):

- CRM (O'Quigley, Pepe and Fisher 1990; Cheung 2011): working models
  (:mod:`.crm_model`), posterior by adaptive lattice quadrature (:mod:`.crm_posterior`),
  dfcrm's recommended level (settled for many trials at once by a cheaper posterior with an
  error bound where it can be, :mod:`.crm_screen`), skeleton calibration (:mod:`.skeleton`,
  Lee and Cheung 2009);
- TITE-CRM (Cheung and Chappell 2000): follow-up weights (:mod:`.tite_weights`) and
  pending patients in the likelihood (:mod:`.counts`);
- BLRM (Neuenschwander, Branson and Gsponer 2008): model and prior (:mod:`.blrm_model`),
  posterior and interval probabilities (:mod:`.blrm_posterior`), prior helpers
  (:mod:`.blrm_prior`), EWOC (:mod:`.ewoc`);
- one posterior per distinct trial state (:mod:`.memo`).

The quadrature (:mod:`.lattice`, :mod:`.posterior_lattice`) integrates in log space on
adaptive uniform lattices with an error estimate per trial.
"""

from doseflow.designs.model_based.blrm import BLRM
from doseflow.designs.model_based.blrm_model import BLRMPrior, compute_blrm_dose_covariate, compute_blrm_log_toxicity
from doseflow.designs.model_based.blrm_posterior import DEFAULT_INTERVAL_BOUNDS, BLRMPosterior, compute_blrm_posterior
from doseflow.designs.model_based.blrm_prior import (
    compute_blrm_prior_effective_sample_size,
    compute_blrm_prior_from_guesses,
)
from doseflow.designs.model_based.counts import OutcomeCounts, compute_outcome_counts
from doseflow.designs.model_based.crm import CRM
from doseflow.designs.model_based.crm_model import (
    CRM_MODELS,
    DEFAULT_INTERCEPT,
    DEFAULT_PRIOR_SD,
    compute_crm_beta_at_toxicity,
    compute_crm_dose_labels,
    compute_crm_log_toxicity,
    compute_crm_toxicity,
    validate_skeleton,
)
from doseflow.designs.model_based.crm_posterior import (
    CRMPosterior,
    compute_crm_posterior,
    compute_crm_posterior_from_patients,
    compute_crm_recommended_level,
)
from doseflow.designs.model_based.ewoc import compute_ewoc_admissible, compute_ewoc_next_level
from doseflow.designs.model_based.memo import compute_once_per_state, find_distinct_states
from doseflow.designs.model_based.skeleton import compute_crm_skeleton
from doseflow.designs.model_based.tite_crm import TITECRM
from doseflow.designs.model_based.tite_weights import compute_adaptive_weights, compute_linear_weights

__all__ = [
    "BLRM",
    "BLRMPosterior",
    "BLRMPrior",
    "CRM",
    "CRMPosterior",
    "CRM_MODELS",
    "DEFAULT_INTERCEPT",
    "DEFAULT_INTERVAL_BOUNDS",
    "DEFAULT_PRIOR_SD",
    "OutcomeCounts",
    "TITECRM",
    "compute_adaptive_weights",
    "compute_blrm_dose_covariate",
    "compute_blrm_log_toxicity",
    "compute_blrm_posterior",
    "compute_blrm_prior_effective_sample_size",
    "compute_blrm_prior_from_guesses",
    "compute_crm_beta_at_toxicity",
    "compute_crm_dose_labels",
    "compute_crm_log_toxicity",
    "compute_crm_posterior",
    "compute_crm_posterior_from_patients",
    "compute_crm_recommended_level",
    "compute_crm_skeleton",
    "compute_crm_toxicity",
    "compute_ewoc_admissible",
    "compute_ewoc_next_level",
    "compute_linear_weights",
    "compute_once_per_state",
    "compute_outcome_counts",
    "find_distinct_states",
    "validate_skeleton",
]
