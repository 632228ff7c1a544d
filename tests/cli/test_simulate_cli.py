"""`doseflow simulate | compare | paths`: operating characteristics, comparisons and pathways from the command line."""

from __future__ import annotations

import json

import pytest

from doseflow.cli.app import main
from doseflow.cli.json_output import to_json_value
from doseflow.designs import BOIN, StopAtSampleSize
from doseflow.simulate import simulate

SCENARIO = "0.05,0.15,0.30,0.45,0.60"


def test_exact_three_plus_three_matches_the_reference(capsys):
    """../shared/reference/threeplusthree.md, variant B: no MTD 2.78; 20.06, 42.88, 27.65, 5.88, 0.76;
    mean N 15.116; mean DLTs 3.198."""
    assert main(["simulate", "3+3", "--true-dlt", SCENARIO, "--exact", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["method"] == "exact" and out["trials"] is None
    assert [round(v, 2) for v in out["selection_pct"]] == [20.06, 42.88, 27.65, 5.88, 0.76]
    assert round(out["no_mtd_pct"], 2) == 2.78
    assert (round(out["sample_size"]["mean"], 3), round(out["dlts"]["mean"], 3)) == (15.116, 3.198)


def test_monte_carlo_json_equals_the_python_api(capsys):
    assert main(["simulate", "boin", "--max-n", "30", "--true-dlt", SCENARIO, "--trials", "2000", "--seed", "7",
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    api = simulate(StopAtSampleSize(BOIN(target=0.3), max_n=30), [0.05, 0.15, 0.30, 0.45, 0.60], n_trials=2000,
                   seed=7)
    assert out == to_json_value(api.to_dict())
    assert (out["trials"], out["seed"]) == (2000, 7)
    assert len(out["selection_se"]) == 5 and out["overdose_pct"] is not None and "stop_reasons" in out


def test_calendar_time_reports_duration(capsys):
    assert main(["simulate", "rolling6", "--true-dlt", SCENARIO, "--dlt-window", "28", "--arrivals-per-month", "4",
                 "--trials", "1000", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert 30 < out["duration_days"]["mean"] < 365


@pytest.mark.parametrize(
    "argv, message",
    [
        (["boin", "--max-n", "30", "--true-dlt", "0.05,1.5"],
         "error: --true-dlt item 2: must be a probability in [0, 1]; got 1.5."),
        (["boin", "--max-n", "30", "--true-dlt", "0.05,x"],
         "error: --true-dlt item 2: must be a probability in [0, 1]; got 'x'."),
        (["boin", "--max-n", "30", "--true-dlt", SCENARIO, "--trials", "0"],
         "error: --trials: must be a whole number in [1, 100,000,000]; got 0."),
        (["boin", "--true-dlt", SCENARIO],
         "error: max_n: must be a maximum sample size: boin does not stop by itself; got None. Give --max-n (e.g. "
         "30), or wrap the design in StopAtSampleSize."),
        (["rolling6", "--true-dlt", SCENARIO],
         "error: scenario: must be a DLT window and an arrival rate for rolling6 (it enrols while outcomes are "
         "pending); got None. Give --dlt-window and --arrivals-per-month."),
        (["3+3", "--true-dlt", SCENARIO, "--exact", "--trials", "5"],
         "error: --exact: must be used without --trials, --workers or --scheduler (exact enumeration has no Monte "
         "Carlo error); got True."),
        (["rolling6", "--true-dlt", SCENARIO, "--dlt-window", "28", "--arrivals-per-month", "4", "--exact"],
         "error: exact enumeration: must be a design that decides from counts with outcomes known at once; got "
         "'rolling6'. Outcomes pending in calendar time, or decisions from more than the counts, make paths too many "
         "to enumerate: use Monte Carlo simulation."),
        (["3+3", "--true-dlt", SCENARIO, "--seed", "-1"],
         "error: --seed: must be a whole number in [0, 2^63 - 1]; got -1."),
    ],
    ids=["probability", "text", "trials", "no-end", "calendar", "exact-trials", "exact-calendar", "seed"],
)
def test_bad_input_is_one_line_and_exit_2(capsys, argv, message):
    assert main(["simulate", *argv]) == 2
    assert capsys.readouterr().err.strip() == message


def test_compare_writes_csv_figures_and_a_paired_table(tmp_path, capsys):
    study = tmp_path / "study.toml"
    study.write_text(
        '[study]\ntrials = 2000\nseed = 3\n\n[designs."3+3"]\ndesign = "3+3"\n\n[designs.BOIN]\ndesign = "boin"\n'
        'max_n = 30\n\n[scenarios.S1]\ntrue_dlt = [0.05, 0.15, 0.30, 0.45, 0.60]\n', encoding="utf-8-sig")
    assert main(["compare", "--config", str(study), "--out", str(tmp_path / "out"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [r["label"] for r in data["results"]] == ["3+3", "BOIN"]
    for name in ("comparison.csv", "selection.png", "patients.png"):
        assert (tmp_path / "out" / name).stat().st_size > 1000
    solo = simulate(StopAtSampleSize(BOIN(target=0.3), max_n=30), [0.05, 0.15, 0.30, 0.45, 0.60], n_trials=2000,
                    seed=3)
    assert data["results"][1]["selection_pct"] == pytest.approx(list(solo.selection_pct), abs=1e-6)


def test_compare_names_the_bad_key(tmp_path, capsys):
    study = tmp_path / "study.toml"
    study.write_text('[designs.A]\ndesign = "boin"\nmax_n = 0\n\n[scenarios.S]\ntrue_dlt = [0.1]\n')
    assert main(["compare", "--config", str(study), "--out", str(tmp_path / "o")]) == 2
    assert capsys.readouterr().err.strip().startswith(f"error: {study} [designs.A] max_n: must be a whole number in")


def test_paths_table_and_tree(tmp_path, capsys):
    assert main(["paths", "3+3", "--cohorts", "2", "--levels", "4", "--plot", str(tmp_path / "t.png"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    # start, 4 outcomes of cohort 1 (two stop), then 4 more under each of 1NNN and 1TNN
    assert len(data["nodes"]) == 1 + 4 + 8
    first = {n["outcomes"]: n["rule"] for n in data["nodes"] if n["cohort"] == 1}
    assert first == {"1NNN": "3+3.escalate", "1TNN": "3+3.expand", "1TTN": "3+3.no_mtd", "1TTT": "3+3.no_mtd"}
    assert (tmp_path / "t.png").stat().st_size > 5000


def test_the_command_lines_choices_and_bounds_are_the_engines():
    """The command line states the engine's choices and bounds without importing it (start-up): the same values."""
    from doseflow.cli import demo_cmd, designs_cmd, simulate_cmd
    from doseflow.conduct.workflows import DEMO_MAX_REPLICATES
    from doseflow.simulate import run, scenario

    assert simulate_cmd.DLT_TIME_DISTRIBUTIONS == scenario.DLT_TIME_DISTRIBUTIONS
    assert simulate_cmd.ARRIVAL_PROCESSES == scenario.ARRIVAL_PROCESSES
    assert simulate_cmd.MAX_TRIALS == run.MAX_TRIALS
    assert designs_cmd.MAX_TRIAL_PATIENTS == run.MAX_PATIENTS
    assert demo_cmd.MAX_REPLICATES == DEMO_MAX_REPLICATES
