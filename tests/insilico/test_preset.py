"""The TOML preset: it reproduces the components' defaults, and bad files are ConfigErrors."""

from dataclasses import fields, replace

import pytest

from doseflow.designs import AcceleratedTitration, ThreePlusThree
from doseflow.errors import ConfigError
from doseflow.insilico.models import SurvivalConfig
from doseflow.insilico.models.pk import GQ1001_DEFAULT
from doseflow.insilico.models.toxicity import GQ1001_TOXICITY, DLTDefinition
from doseflow.insilico.models.tumour import RecistConfig, TumourConfig
from doseflow.insilico.population import PopulationConfig
from doseflow.insilico.preset import load_preset
from doseflow.insilico.trial import TrialConfig

#: Parameters the engine calibration changed (docs/insilico.md), with their preset values.
#: new_lesion_hazard_per_day: 0.005 before the residual-mass model, 0.0045 with it (median exposure 18 weeks).
ENGINE_CALIBRATED = {
    ("tumour", "ec50_ug_ml"): 57.0, ("tumour", "resistance_rate_per_day"): 0.007,
    ("recist", "new_lesion_hazard_per_day"): 0.0045, ("survival", "withdrawal_per_cycle"): 0.01,
    ("trial", "expansion_levels"): 3,
}


@pytest.fixture(scope="module")
def preset():
    return load_preset("gq1001")


def test_toml_reproduces_component_defaults(preset):
    """Every component equals its default exactly, except the listed engine calibrations."""
    assert preset.pk == GQ1001_DEFAULT
    hz = {h.term: h for h in GQ1001_TOXICITY.hazards}
    expected_tox = replace(GQ1001_TOXICITY, hazards=tuple(
        replace(h, h1={"Pyrexia": 4.3e-5, "Anaemia": 3.4e-5}.get(h.term, h.h1)) for h in hz.values()))
    assert preset.toxicity == expected_tox
    assert preset.dlt == DLTDefinition()
    assert preset.population == PopulationConfig()
    for section, default in (("tumour", TumourConfig()), ("recist", RecistConfig()), ("survival", SurvivalConfig()),
                             ("trial", TrialConfig())):
        over = {k: v for (s, k), v in ENGINE_CALIBRATED.items() if s == section}
        assert getattr(preset, section) == replace(default, **over), section
    assert preset.design == AcceleratedTitration(ThreePlusThree(), max_single_levels=2)


def test_every_parameter_has_unit_and_source(preset):
    for e in preset.entries:
        assert e.source, (e.section, e.key)
    calibrated = {(e.section, e.key) for e in preset.calibrated()}
    assert set(ENGINE_CALIBRATED) <= calibrated
    # every numeric field of every component is in the file
    keys = {(e.section, e.key) for e in preset.entries}
    for section, obj in (("tumour", TumourConfig()), ("recist", RecistConfig()), ("survival", SurvivalConfig()),
                         ("trial", TrialConfig())):
        for f in fields(obj):
            assert (section, f.name) in keys, (section, f.name)


def test_user_file_overrides(tmp_path):
    p = tmp_path / "small.toml"
    p.write_text('[trial]\nn_patients = { value = 12, unit = "patient", source = "assumption" }\n'
                 '[design]\nname = { value = "3+3", unit = "", source = "Storer 1989" }\n')
    pr = load_preset(p)
    assert pr.trial.n_patients == 12 and pr.design == ThreePlusThree() and pr.name == "small"


@pytest.mark.parametrize("text, match", [
    ('[trial]\nn_patient = { value = 3 }\n', r"small.toml \[trial\] n_patient"),
    ('[trial]\nn_patients = 3\n', r"small.toml \[trial\] n_patients: must be an inline table"),
    ('[trial]\nn_patients = { value = -3 }\n', r"small.toml \[trial\] n_patients"),
    ('[tumour]\nhill = { value = "steep" }\n', r"small.toml \[tumour\] hill: must be a number"),
    ('[pk]\ncl = { value = 0.1, units = "L" }\n', r"small.toml \[pk\] cl.units"),
    ('[nonsense]\nx = { value = 1 }\n', r"small.toml \[nonsense\]"),
    ('[design]\nname = { value = "magic" }\n', r"small.toml \[design\]"),
])
def test_bad_files_name_file_section_key(tmp_path, text, match):
    p = tmp_path / "small.toml"
    p.write_text(text)
    with pytest.raises(ConfigError, match=match):
        load_preset(p)


def test_unknown_preset():
    with pytest.raises(ConfigError, match="--preset"):
        load_preset("nope")
