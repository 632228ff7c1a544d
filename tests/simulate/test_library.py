"""The library of published scenarios: every file loads, values match their sources, bad files fail clearly.

Expected values are literals copied from the sources named in each scenario file:
Zhao et al. (2024) Tables 3 and 4 (openpharma/bfboin ``vignettes/Compare_to_publication.Rmd``
and ``vignettes/table_4.PNG``); Liu and Yuan (2015) Table 4 scenario 1, Ji et al. (2010)
Table 1 and Guo et al. (2017) scenarios 1-6 (brockk/escalation ``vignettes/A230-BOIN.Rmd``,
``Scratch/mTPI-simulations.R``, ``Scratch/mTPI2-simulations.R``).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from doseflow.designs import BOIN, MTPI2, StopAtNAtDose, StopAtSampleSize
from doseflow.errors import ConfigError
from doseflow.simulate import Scenario
from doseflow.simulate.library import (
    PUBLISHED_FIGURES,
    list_scenarios,
    load_scenario,
    load_scenario_set,
    read_scenario_set,
)

FILES = sorted(p.name for p in (resources.files("doseflow.simulate") / "scenarios").iterdir()
               if p.name.endswith(".toml"))
SOURCES = {"guo-2017": 6, "ji-2010": 6, "liu-yuan-2015": 1, "zhao-2024": 12}


def test_shipped_files_are_the_four_sources():
    assert FILES == ["guo_2017.toml", "ji_2010.toml", "liu_yuan_2015.toml", "zhao_2024.toml"]


@pytest.mark.parametrize("file", FILES)
def test_every_file_loads_and_validates(file):
    path = Path(str(resources.files("doseflow.simulate") / "scenarios" / file))
    scenario_set = read_scenario_set(path)
    assert scenario_set.key == file[:-5].replace("_", "-")
    assert len(scenario_set.entries) == SOURCES[scenario_set.key]
    assert all(s.target == scenario_set.settings.target for s in scenario_set.scenarios)
    assert all(s.source.startswith(scenario_set.citation) for s in scenario_set.scenarios)


def test_list_scenarios_names_every_scenario_once_and_each_loads():
    listing = list_scenarios()
    assert len(listing) == sum(SOURCES.values())
    assert len({row.name for row in listing}) == len(listing)
    for name, description, source in listing:
        scenario = load_scenario(name)
        assert isinstance(scenario, Scenario) and scenario.name == name
        assert description and source


@pytest.mark.parametrize(
    "name, true_dlt, target",
    [
        ("liu-yuan-2015/1", (0.25, 0.35, 0.50, 0.60, 0.70, 0.80), 0.25),
        ("ji-2010/2", (0.01, 0.02, 0.03, 0.04, 0.05, 0.25, 0.50, 0.60), 0.25),
        ("ji-2010/4", (0.40, 0.50, 0.60, 0.70, 0.80, 0.90, 0.95, 0.99), 0.25),
        ("guo-2017/2", (0.04, 0.06, 0.08, 0.10, 0.30, 0.60), 0.30),
        ("guo-2017/4", (0.25, 0.27, 0.29, 0.31, 0.33, 0.35), 0.30),
        ("zhao-2024/3", (0.04, 0.12, 0.25, 0.43, 0.63), 0.25),
        ("zhao-2024/12", (0.02, 0.05, 0.08, 0.11, 0.25), 0.25),
    ],
)
def test_true_dlt_and_target_against_the_source(name, true_dlt, target):
    scenario = load_scenario(name)
    assert scenario.true_dlt == true_dlt
    assert scenario.target == target


def test_zhao_2024_response_and_settings_against_the_source():
    """Table 3 response probabilities; settings of the bfboin reproduction (10 cohorts of 3, n.earlystop 9)."""
    zhao = load_scenario_set("zhao-2024")
    assert zhao.entry(7).response == (0.15, 0.30, 0.35, 0.36, 0.36)
    assert zhao.entry(12).response == (0.10, 0.15, 0.30, 0.32, 0.35)
    s = zhao.settings
    assert (s.target, s.cohort_size, s.max_n, s.start_dose, s.n_earlystop, s.eps1) == (0.25, 3, 30, 1, 9, None)
    guo = load_scenario_set("guo-2017").settings
    assert (guo.target, guo.max_n, guo.eps1, guo.eps2, guo.n_earlystop) == (0.30, 30, 0.05, 0.05, None)


def test_zhao_2024_published_figures_against_table_4():
    boin = load_scenario_set("zhao-2024").entry(1).published["boin"]
    assert dict(boin) == {
        "correct_selection_pct": 77.0, "overdose_selection_pct": 16.7, "patients_at_mtd": 8.7,
        "patients_at_mtd_pct": 58.1, "patients_above_mtd": 6.2, "patients_above_mtd_pct": 41.9,
        "sample_size_mean": 15.1, "duration_months": 8.8,
    }
    bf = load_scenario_set("zhao-2024").entry(4).published["bf-boin"]
    assert (bf["correct_selection_pct"], bf["patients_below_mtd"], bf["sample_size_mean"], bf["duration_months"]) == (
        56.7, 20.4, 33.8, 15.6)


def _published_sets():
    for key in SOURCES:
        for entry in load_scenario_set(key).entries:
            for design, figures in entry.published.items():
                yield pytest.param(key, entry, design, figures, id=f"{entry.scenario.name}-{design}")


#: Rows of a published table that do not add up as printed (checked to stay so, so that a
#: transcription change is noticed): Zhao et al. 2024 Table 4, scenario 1, BOIN prints 8.7
#: patients at the MTD and 6.2 above it (58.1% + 41.9%), i.e. 14.9, but a mean sample size of 15.1.
PRINTED_INCONSISTENT = {("zhao-2024/1", "boin")}


@pytest.mark.parametrize("key, entry, design, figures", list(_published_sets()))
def test_published_figures_are_consistent_with_themselves(key, entry, design, figures):
    """A transcription check: the below/at/above split matches the truth and adds up, to the printed digits.

    Table 4 prints no "below" figure when the MTD is level 1 and no "above" figure when it is the
    top level; patients add up to the mean sample size (each rounded to 0.1) and percentages
    to 100 (each rounded to 0.1), except in the rows of :data:`PRINTED_INCONSISTENT`.
    """
    target = load_scenario_set(key).settings.target
    p = entry.scenario.true_dlt
    parts = {"below": any(q < target for q in p), "at": target in p, "above": any(q > target for q in p)}
    for part, exists in parts.items():
        assert (f"patients_{part}_mtd" in figures) == exists, part
    if "sample_size_mean" in figures and "patients_at_mtd" in figures:
        counts = [figures[f"patients_{part}_mtd"] for part, exists in parts.items() if exists]
        adds_up = abs(sum(counts) - figures["sample_size_mean"]) <= 0.05 * (len(counts) + 1) + 1e-9
        assert adds_up == ((entry.scenario.name, design) not in PRINTED_INCONSISTENT), (counts, figures)
        pcts = [figures[f"patients_{part}_mtd_pct"] for part, exists in parts.items() if exists]
        assert sum(pcts) == pytest.approx(100.0, abs=0.05 * len(pcts) + 1e-9)


def test_boin_figures_repeat_where_the_dlt_probabilities_repeat():
    """BOIN ignores response, so Table 4 repeats its row for scenarios 6-12 (same DLT truth as 2-5)."""
    zhao = load_scenario_set("zhao-2024")
    for entry in zhao.entries:
        twins = [e for e in zhao.entries if e.scenario.true_dlt == entry.scenario.true_dlt]
        assert all(dict(t.published["boin"]) == dict(entry.published["boin"]) for t in twins)


def test_build_design_runs_the_sources_settings():
    assert load_scenario_set("zhao-2024").build_design("boin") == StopAtSampleSize(
        StopAtNAtDose(BOIN(target=0.25, cohort_size=3, start_dose=1), n=9, when="stay"), max_n=30)
    assert load_scenario_set("guo-2017").build_design("mtpi2") == StopAtSampleSize(
        MTPI2(target=0.30, cohort_size=3, start_dose=1, eps1=0.05, eps2=0.05), max_n=30)
    with pytest.raises(ConfigError, match="option 'eps1'"):
        load_scenario_set("ji-2010").build_design("boin")


def test_unknown_scenario_name_lists_close_names():
    with pytest.raises(ConfigError) as err:
        load_scenario("zhao-2042/3")
    message = str(err.value)
    assert message.startswith("scenario name: must be a published scenario")
    assert "'zhao-2042/3'" in message and "zhao-2024/3" in message


def test_unknown_source_lists_close_names():
    with pytest.raises(ConfigError, match=r"got 'liu-yuan'\. Close names: liu-yuan-2015"):
        load_scenario_set("liu-yuan")
    with pytest.raises(ConfigError, match="scenario set 'guo-2017' id: must be one of 1, 2, 3, 4, 5, 6; got 7"):
        load_scenario_set("guo-2017").entry(7)


GOOD = """\
[source]
short = "Doe 2020"
citation = "Doe J (2020). A paper. J Trials 1:1-2"
tables = "Table 1"
read_from = "the paper"
settings_from = "the paper"

[settings]
target = 0.3
cohort_size = 3
max_n = 30
start_dose = 1

[[scenario]]
id = 1
true_dlt = [0.1, 0.3, 0.5]

[scenario.published.boin]
selection_pct = [10.0, 60.0, 25.0]
n_trials = 1000
"""


def _write(tmp_path: Path, text: str, name: str = "doe_2020.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_valid_file_reads(tmp_path):
    doe = read_scenario_set(_write(tmp_path, GOOD))
    assert doe.key == "doe-2020"
    assert doe.entry(1).scenario == Scenario((0.1, 0.3, 0.5), name="doe-2020/1", target=0.3,
                                             source="Doe J (2020). A paper. J Trials 1:1-2; Table 1")
    assert dict(doe.entry(1).published["boin"]) == {"selection_pct": (10.0, 60.0, 25.0), "n_trials": 1000}


@pytest.mark.parametrize(
    "old, new, message",
    [
        ("start_dose = 1", "start_dose = 1\ncohorts = 10",
         "doe_2020.toml [settings] key 'cohorts': must be one of target, cohort_size, max_n, start_dose, "
         "n_earlystop, eps1, eps2; got 10."),
        ('tables = "Table 1"\n', "",
         "doe_2020.toml [source] key 'tables': must be given; got None."),
        ("true_dlt = [0.1, 0.3, 0.5]", "true_dlt = [0.1, 1.3, 0.5]",
         "doe_2020.toml [[scenario]] 1 (id 1) key 'true_dlt' level 2: must be a number in [0, 1]; got 1.3."),
        ("true_dlt = [0.1, 0.3, 0.5]", "true_dlt = [0.1, 0.3, 0.5]\nresponse = [0.2, 0.3]",
         "doe_2020.toml [[scenario]] 1 (id 1) key 'response': must be 3 probabilities, one per dose level; "
         "got [0.2, 0.3]."),
        ("n_trials = 1000", "n_trials = 1000\nselection = 3",
         "doe_2020.toml [scenario.published.boin] (scenario 1, id 1) key 'selection': must be one of "
         + ", ".join(PUBLISHED_FIGURES)),
        ("selection_pct = [10.0, 60.0, 25.0]", "selection_pct = [10.0, 60.0]",
         "doe_2020.toml [scenario.published.boin] (scenario 1, id 1) key 'selection_pct': must be a list of "
         "3 values, one per dose level; got [10.0, 60.0]."),
        ("selection_pct = [10.0, 60.0, 25.0]", "selection_pct = [10.0, 160.0, 25.0]",
         "key 'selection_pct' level 2: must be a number <= 100; got 160.0."),
        ("target = 0.3", "target = 0",
         "doe_2020.toml [settings] key 'target': must be a number in (0, 1); got 0."),
        ("start_dose = 1", "start_dose = 4",
         "doe_2020.toml [[scenario]] 1 (id 1) key 'true_dlt': must be at least start_dose = 4 levels"),
        ("cohort_size = 3", "cohort_size = 3\neps1 = 0.05",
         "doe_2020.toml [settings] key 'eps2': must be given together with eps1; got None."),
        ("[settings]", "[setting]",
         "doe_2020.toml key 'setting': must be one of source, settings, scenario"),
        ("id = 1", "id = 1\nmtd = 2", "doe_2020.toml [[scenario]] 1 key 'mtd': must be one of id, true_dlt"),
        ('short = "Doe 2020"', 'short = "Doe 2020',
         "doe_2020.toml line 2, column 18: must be valid TOML; got \"Illegal character '\\\\n'\"."),
    ],
    ids=["unknown-settings-key", "missing-source-key", "probability-above-1", "response-length",
         "unknown-figure", "figure-length", "percentage-above-100", "target-0", "start-dose-past-levels",
         "eps1-without-eps2", "unknown-top-table", "unknown-scenario-key", "toml-syntax"],
)
def test_bad_files_fail_naming_file_table_and_key(tmp_path, old, new, message):
    assert old in GOOD
    with pytest.raises(ConfigError) as err:
        read_scenario_set(_write(tmp_path, GOOD.replace(old, new, 1)))
    assert message in str(err.value)


def test_repeated_scenario_id_fails(tmp_path):
    text = GOOD + "\n[[scenario]]\nid = 1\ntrue_dlt = [0.2, 0.4, 0.6]\n"
    with pytest.raises(ConfigError, match=r"\[\[scenario\]\] 2 key 'id': must be an id not used by an earlier "
                                          r"scenario; got 1\."):
        read_scenario_set(_write(tmp_path, text))


def test_missing_file_fails_clearly(tmp_path):
    with pytest.raises(ConfigError, match="nowhere_2020.toml: must be a readable UTF-8 scenario file"):
        read_scenario_set(tmp_path / "nowhere_2020.toml")


def test_non_utf8_file_fails_clearly(tmp_path):
    path = tmp_path / "latin_2020.toml"
    path.write_bytes(GOOD.replace("Doe J", "Dö J").encode("latin-1"))
    with pytest.raises(ConfigError, match="latin_2020.toml: must be a readable UTF-8 scenario file"):
        read_scenario_set(path)
