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


def _edited(tmp_path, old: str, new: str, name: str = "edited.toml", prefix: bytes = b"") -> str:
    """A copy of the packaged preset with one line changed (``old`` must occur once)."""
    from doseflow.insilico.preset import preset_path

    text = preset_path("gq1001").read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path = tmp_path / name
    path.write_bytes(prefix + text.replace(old, new).encode("utf-8"))
    return str(path)


@pytest.mark.parametrize("old, new, message", [
    ('dose_levels = { value = [1.2, 2.4, 3.6, 4.8, 6.0, 7.2, 8.4], unit = "mg/kg"',
     'dose_levels = { value = [1.2, 2.4, 3.6, 4.8, 6.0, 7.2, 8.4], unit = "mg/m2"',
     "edited.toml [trial] dose_levels unit: must be 'mg/kg', the unit the virtual trial computes dose_levels in "
     "(units are not converted); got 'mg/m2'. Give the value in mg/kg."),
    ("expansion_levels = { value = 3,", "expansion_levels = { value = 9,",
     "edited.toml [trial] expansion_levels: must be at most the number of dose levels (7); got 9."),
    ("high_dose_mg_kg = { value = 7.2,", "high_dose_mg_kg = { value = 99.0,",
     "edited.toml [trial] high_dose_mg_kg: must be at most the highest dose level (8.4 mg/kg; above it the high-dose "
     "population is empty); got 99.0."),
    ("cl = { value = 0.127,", "cl = { value = nan,",
     "edited.toml [pk] cl: must be finite numbers (not nan or inf); got nan."),
    ('cl = { value = 0.127, unit = "L/day"', 'cl = { value = 0.127, unit = "L/h"',
     "edited.toml [pk] cl unit: must be 'L/day', the unit the virtual trial computes cl in (units are not "
     "converted); got 'L/h'. Give the value in L/day."),
], ids=["dose-unit-mg-m2", "expansion-levels-9-of-7", "high-dose-99-mg-kg", "nan-parameter", "clearance-per-hour"])
def test_preset_values_the_trial_cannot_use_are_refused(tmp_path, old, new, message):
    with pytest.raises(ConfigError) as err:
        load_preset(_edited(tmp_path, old, new))
    assert str(err.value) == message


def test_preset_with_a_byte_order_mark_is_read(tmp_path):
    """A file saved by an editor with a UTF-8 byte-order mark reads as the same preset."""
    path = _edited(tmp_path, "n_patients = { value = 32,", "n_patients = { value = 12,", prefix=b"\xef\xbb\xbf")
    assert load_preset(path).trial.n_patients == 12


def test_preset_not_utf8_is_refused_naming_the_byte(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes('[trial]\nstudy_start = { value = "2020-07-07", source = "café" }\n'.encode("latin-1"))
    with pytest.raises(ConfigError, match=r"latin1.toml: must be a UTF-8 text file; got 'byte 0xe9 at offset 59'"):
        load_preset(path)


def test_preset_units_may_be_left_out(tmp_path):
    """An empty unit means the packaged one: the file is read as the default."""
    path = _edited(tmp_path, 'n_patients = { value = 32, unit = "patient"', 'n_patients = { value = 32, unit = ""')
    assert load_preset(path).trial == load_preset("gq1001").trial


def test_the_dose_grid_is_a_dose_plan():
    """Issue 11: the virtual trial's dose grid is the core DosePlan (mg/kg), not a float list of its own."""
    from doseflow.core import DosePlan

    plan = load_preset().trial.dose_levels
    assert isinstance(plan, DosePlan) and plan.unit == "mg/kg"
    assert plan.amounts == (1.2, 2.4, 3.6, 4.8, 6.0, 7.2, 8.4) and str(plan.level(6)) == "7.2 mg/kg"
    assert TrialConfig(dose_levels=[1.0, 2.0], expansion_levels=1, high_dose_mg_kg=2.0).dose_levels == \
        DosePlan.from_amounts([1.0, 2.0], "mg/kg")
    with pytest.raises(ConfigError, match="mg/kg"):
        TrialConfig(dose_levels=DosePlan.from_amounts([50.0, 100.0], "mg/m2"), expansion_levels=1,
                    high_dose_mg_kg=50.0)
    with pytest.raises(ConfigError, match="increasing"):
        TrialConfig(dose_levels=[2.0, 1.0], expansion_levels=1, high_dose_mg_kg=1.0)
