"""The readout configuration: documented defaults, TOML parsing, and errors naming the key and value."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doseflow.errors import ConfigError
from doseflow.readout.config import ReadoutConfig, parse_config, read_config


def test_defaults_are_the_documented_ones():
    """Defaults stated in the module docstring: admiral's 30-day TEAE window, a 21-day DLT
    window (cycle 1), RECIST 1.1's 28-day confirmation, 42 days for SD, PKNCA's BLQ rules."""
    c = ReadoutConfig()
    assert c.datasets.prefer == {}
    assert (c.population.dose_by, c.population.cycle_length_days) == ("auto", 21)
    s = c.safety
    assert (s.teae_window_days, s.missing_relationship, s.incidence_threshold_pct) == (30, "related", 10.0)
    assert (s.dlt_variable, s.dlt_window_days, s.lab_tests) == ("AEDLT", 21, ("PLT", "AST", "ALT"))
    assert {"POSSIBLE", "PROBABLE", "RELATED"} <= set(s.related_values) and "REMOTE" not in s.related_values
    p = c.pk
    assert (p.time, p.auc_method, p.blq_first, p.blq_middle, p.blq_last) == (
        "actual", "lin up/log down", "keep", "drop", "drop")
    e = c.efficacy
    assert (e.evaluator, e.confirmation, e.confirm_min_days, e.sd_min_days, e.reference) == (
        "INVESTIGATOR", True, 28, 42, "TRTSDT")
    assert (e.evaluable_min_dose, e.min_post_baseline, e.conf_type, e.alpha, e.unknown_response) == (
        None, 1, "log", 0.05, "ne")


def test_full_file_is_read(tmp_path):
    path = tmp_path / "readout.toml"
    path.write_text("""
[datasets]
rs = "RS_ONCO"

[population]
dose_by = "max_dose"

[safety]
teae_window_days = 28
related_values = ["related", "possible"]
incidence_threshold_pct = 15
dlt_variable = "dltfl"
dlt_window_days = 28
lab_tests = ["plt", "neut"]

[pk]
time = "nominal"
auc_method = "linear"
blq_middle = 0.005
specimens = ["plasma", "serum"]

[efficacy]
evaluator = "independent assessor"
confirmation = false
evaluable_min_dose = 7.2
evaluable_dose_unit = "mg/kg"
min_post_baseline = 2
conf_type = "log-log"
alpha = 0.1
unknown_response = "exclude"
""")
    c = read_config(path)
    assert c.datasets.prefer == {"rs": "rs_onco"}
    assert c.population.dose_by == "max_dose"
    assert c.safety.related_values == ("RELATED", "POSSIBLE")
    assert (c.safety.incidence_threshold_pct, c.safety.dlt_variable, c.safety.lab_tests) == (15.0, "DLTFL",
                                                                                             ("PLT", "NEUT"))
    assert (c.pk.time, c.pk.auc_method, c.pk.blq_middle, c.pk.specimens) == ("nominal", "linear", 0.005,
                                                                             ("PLASMA", "SERUM"))
    assert c.pk.nca_options().blq_middle == 0.005
    e = c.efficacy
    assert (e.evaluator, e.confirmation, e.evaluable_min_dose, e.evaluable_dose_unit) == (
        "INDEPENDENT ASSESSOR", False, 7.2, "mg/kg")
    assert (e.min_post_baseline, e.conf_type, e.alpha, e.unknown_response) == (2, "log-log", 0.1, "exclude")


@pytest.mark.parametrize("section, line, where, shown", [
    ("population", 'dose_by = "last"', "[population] dose_by", "'last'"),
    ("population", "cycle_length_days = 0", "[population] cycle_length_days", "0"),
    ("safety", "teae_window_days = -1", "[safety] teae_window_days", "-1"),
    ("safety", "teae_window_days = 2.5", "[safety] teae_window_days", "2.5"),
    ("safety", "related_values = []", "[safety] related_values", "[]"),
    ("safety", 'missing_relationship = "maybe"', "[safety] missing_relationship", "'maybe'"),
    ("safety", "incidence_threshold_pct = 120", "[safety] incidence_threshold_pct", "120"),
    ("safety", "dlt_window_days = 0", "[safety] dlt_window_days", "0"),
    ("safety", 'lab_tests = ["XYZ"]', "[safety] lab_tests", "'XYZ'"),
    ("pk", 'time = "clock"', "[pk] time", "'clock'"),
    ("pk", 'auc_method = "log"', "[pk] auc_method", "'log'"),
    ("pk", 'blq_first = "zero"', "[pk] blq_first", "'zero'"),
    ("pk", "blq_last = -1.0", "[pk] blq_last", "-1.0"),
    ("pk", "proportionality_level = 1.5", "[pk] proportionality_level", "1.5"),
    ("efficacy", 'evaluator = "ME"', "[efficacy] evaluator", "'ME'"),
    ("efficacy", 'confirmation = "yes"', "[efficacy] confirmation", "'yes'"),
    ("efficacy", "confirm_min_days = 0", "[efficacy] confirm_min_days", "0"),
    ("efficacy", 'reference = "RFSTDTC"', "[efficacy] reference", "'RFSTDTC'"),
    ("efficacy", "evaluable_min_dose = 0", "[efficacy] evaluable_min_dose", "0"),
    ("efficacy", "min_post_baseline = -1", "[efficacy] min_post_baseline", "-1"),
    ("efficacy", 'conf_type = "plain"', "[efficacy] conf_type", "'plain'"),
    ("efficacy", "alpha = 0", "[efficacy] alpha", "0"),
    ("efficacy", 'unknown_response = "pd"', "[efficacy] unknown_response", "'pd'"),
    ("safety", "teae_windows = 30", "[safety] teae_windows", "'teae_windows'"),
])
def test_bad_value_names_file_key_and_value(tmp_path, section, line, where, shown):
    path = tmp_path / "readout.toml"
    path.write_text(f"[{section}]\n{line}\n")
    with pytest.raises(ConfigError) as err:
        read_config(path)
    message = str(err.value)
    assert message.startswith(f"readout.toml {where}: must be ")
    assert f"; got {shown}." in message


def test_min_dose_needs_its_unit():
    with pytest.raises(ConfigError, match=r"^\[efficacy\] evaluable_dose_unit: must be given with evaluable_min_dose"):
        parse_config("[efficacy]\nevaluable_min_dose = 7.2")


def test_unknown_section_bad_toml_and_missing_file(tmp_path):
    with pytest.raises(ConfigError, match=r"configuration section: must be one of \[datasets\].*got 'plots'"):
        parse_config("[plots]\nx = 1")
    with pytest.raises(ConfigError, match=r"^r\.toml: must be valid TOML; got .*line 1"):
        parse_config("[safety\n", source="r.toml")
    with pytest.raises(ConfigError, match=r"^--config: must be a readable UTF-8 TOML file; got '.*nope\.toml'"):
        read_config(tmp_path / "nope.toml")
    assert read_config(None) == ReadoutConfig()


def test_replace_validates_again():
    c = ReadoutConfig()
    with pytest.raises(ConfigError, match=r"\[efficacy\] sd_min_days: must be a whole number >= 0; got -5"):
        dataclasses.replace(c.efficacy, sd_min_days=-5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.safety.teae_window_days = 1  # type: ignore[misc]


@settings(derandomize=True, max_examples=40)
@given(window=st.integers(min_value=-1000, max_value=1000), pct=st.floats(-50, 150, allow_nan=False))
def test_window_and_threshold_accepted_exactly_in_range(window, pct):
    """Property: a window is valid iff it is >= 0, a threshold iff it is in [0, 100]; valid
    values come back unchanged and the configuration round-trips through to_dict/from_dict."""
    text = f"[safety]\nteae_window_days = {window}\nincidence_threshold_pct = {pct!r}\n"
    if window < 0 or not 0 <= pct <= 100:
        with pytest.raises(ConfigError):
            parse_config(text)
        return
    c = parse_config(text)
    assert (c.safety.teae_window_days, c.safety.incidence_threshold_pct) == (window, pct)
    assert ReadoutConfig.from_dict(c.to_dict()) == c


def test_death_window_days_is_optional_and_validated():
    """[efficacy] death_window_days: absent = every death is a PFS event; a whole number >= 0 otherwise."""
    assert parse_config("").efficacy.death_window_days is None
    assert parse_config("[efficacy]\ndeath_window_days = 84").efficacy.death_window_days == 84
    with pytest.raises(ConfigError, match=r"\[efficacy\] death_window_days: must be a whole number >= 0; got -1"):
        parse_config("[efficacy]\ndeath_window_days = -1")
