"""Skeleton calibration by indifference intervals (Lee and Cheung 2009): the defining property."""

from __future__ import annotations

import math

import numpy as np
import pytest

from doseflow.designs.model_based import compute_crm_skeleton, compute_crm_toxicity
from doseflow.errors import ConfigError


@pytest.mark.parametrize("model", ["empiric", "logistic"])
@pytest.mark.parametrize(
    ("halfwidth", "target", "mtd", "levels"), [(0.05, 0.3, 3, 6), (0.04, 0.2, 1, 5), (0.08, 0.25, 5, 5)]
)
def test_indifference_interval_at_every_switch(model, halfwidth, target, mtd, levels):
    """Where the CRM switches from level k to k+1 the curves sit at target -+ halfwidth."""
    skeleton = compute_crm_skeleton(halfwidth, target, mtd, levels, model=model)
    assert skeleton[mtd - 1] == pytest.approx(target, rel=1e-14)
    assert np.all(np.diff(skeleton) > 0) and 0 < skeleton[0] and skeleton[-1] < 1
    for k in range(levels - 1):
        # beta at which p_k = target - halfwidth, from the closed-form inverse of each model
        if model == "empiric":
            beta = math.log(math.log(target - halfwidth) / math.log(skeleton[k]))
        else:
            label = math.log(skeleton[k] / (1 - skeleton[k])) - 3.0
            beta = math.log((math.log((target - halfwidth) / (1 - target + halfwidth)) - 3.0) / label)
        p = compute_crm_toxicity(beta, skeleton, model)
        assert p[k] == pytest.approx(target - halfwidth, rel=1e-12)
        assert p[k + 1] == pytest.approx(target + halfwidth, rel=1e-12)


@pytest.mark.parametrize(
    ("args", "where"),
    [
        ((0.3, 0.3, 3, 5), "halfwidth"),
        ((0.05, 0.3, 6, 5), "prior_mtd"),
        ((0.05, 1.2, 3, 5), "target"),
        ((0.05, 0.3, 3, 0), "n_levels"),
    ],
)
def test_invalid_calibration(args, where):
    with pytest.raises(ConfigError) as caught:
        compute_crm_skeleton(*args)
    assert str(caught.value).startswith(where + ":")


def test_logistic_intercept_too_small_for_the_interval():
    with pytest.raises(ConfigError) as caught:
        compute_crm_skeleton(0.1, 0.5, 2, 4, model="logistic", intercept=0.2)
    assert str(caught.value).startswith("intercept:")
