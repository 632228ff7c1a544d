"""NCAOptions: PKNCA defaults (R/PKNCA.options.R), self-description and validation."""

from __future__ import annotations

import dataclasses

import pytest

from doseflow.errors import ConfigError
from doseflow.readout.pk import NCAOptions


def test_defaults_match_pknca_where_stated():
    """PKNCA.options(default=TRUE): auc.method 'lin up/log down', conc.blq first 'keep' middle 'drop',
    first.tmax TRUE, min.hl.points 3, adj.r.squared.factor 1e-4, allow.tmax.in.half.life FALSE,
    min.span.ratio 2, min.hl.r.squared 0.9, max.aucinf.pext 20 (PKNCA R/PKNCA.options.R)."""
    o = NCAOptions()
    assert (o.auc_method, o.blq_first, o.blq_middle, o.blq_last) == ("lin up/log down", "keep", "drop", "drop")
    assert (o.first_tmax, o.min_hl_points, o.adj_r_squared_factor, o.allow_tmax_in_half_life) == \
        (True, 3, 1e-4, False)
    assert (o.min_span_ratio, o.min_hl_r_squared, o.max_aucinf_pext) == (2.0, 0.9, 20.0)


def test_every_option_documents_itself_with_its_pknca_name():
    for name in NCAOptions.names():
        text = NCAOptions.describe(name)
        assert text.startswith(f"{name} (PKNCA ") and len(text) > 40
    assert NCAOptions.pknca_name("blq_middle") == "conc.blq$middle"


@pytest.mark.parametrize("field, value", [
    ("auc_method", "log"), ("blq_first", "zero"), ("blq_last", -1.0), ("min_hl_points", 1),
    ("adj_r_squared_factor", 1.0), ("min_span_ratio", 0), ("max_aucinf_pext", 0),
    ("min_hl_r_squared", 1.5), ("first_tmax", "yes"), ("impute_start", "predose"),
])
def test_invalid_option_names_field_and_value(field, value):
    with pytest.raises(ConfigError) as err:
        NCAOptions(**{field: value})
    assert str(err.value).startswith(f"NCAOptions.{field}: must be")
    assert repr(value) in str(err.value) and "PKNCA" in str(err.value)


def test_replace_validates_again_and_numbers_are_floats():
    o = dataclasses.replace(NCAOptions(), blq_middle=0)
    assert o.blq_middle == 0.0 and isinstance(o.blq_middle, float)
    with pytest.raises(ConfigError):
        dataclasses.replace(o, min_hl_points=0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        o.min_hl_points = 4  # type: ignore[misc]
