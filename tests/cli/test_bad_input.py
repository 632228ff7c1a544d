"""The bad inputs of issue 8, each named after its case: one ``error:`` line and exit 2, in bounded time and memory.

Before the fix these ended in tracebacks asking for 74-671 GiB (``boundaries --cohorts
100000``, ``next --n 3,3,100000``), were killed for memory, hung (``next --n
3,3,999999999999999999999``, ``simulate boin --exact`` without ``--max-n``) or crashed on
a path (``demo --out /dev/null/x``). The expected messages are the contract.
"""

from __future__ import annotations

import json
import time

import pytest

from doseflow.cli.app import main

SCENARIO = "0.05,0.15,0.30,0.45,0.60"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out = capsys.readouterr()
    return rc, out.out, out.err


@pytest.mark.parametrize("argv, message", [
    (["boundaries", "boin", "--cohorts", "100000"], "error: --cohorts: must be a whole number in [1, 100]; got 100000."),
    (["boundaries", "boin", "--cohorts", "1000000000"],
     "error: --cohorts: must be a whole number in [1, 100]; got 1000000000."),
    (["boundaries", "boin", "--cohort-size", "100", "--cohorts", "100"],
     "error: --cohorts: must be at most 20 with cohorts of 100 (a table of at most 2,000 patients); got 100."),
    (["next", "boin", "--n", "3,3,100000", "--dlt", "0,0,0", "--current", "3"],
     "error: --n level 3: must be a whole number in [0, 2,000]; got 100000."),
    (["mtd", "boin", "--n", "3,3,100000", "--dlt", "0,0,0"],
     "error: --n level 3: must be a whole number in [0, 2,000]; got 100000."),
    (["next", "boin", "--n", "3,3,999999999999999999999", "--dlt", "0,0,0", "--current", "3"],
     "error: --n level 3: must be a whole number in [0, 2,000]; got 999999999999999999999."),
    (["next", "boin", "--n", "1500,1500", "--dlt", "0,0", "--current", "2"],
     "error: --n: must be at most 2,000 patients in all; got 3000."),
    (["simulate", "3+3", "--true-dlt", SCENARIO, "--seed", "-1"],
     "error: --seed: must be a whole number in [0, 2^63 - 1]; got -1."),
    (["simulate", "boin", "--max-n", "30", "--true-dlt", SCENARIO, "--trials", "1000000000"],
     "error: --trials: must be a whole number in [1, 100,000,000]; got 1000000000."),
    (["simulate", "boin", "--max-n", "2000", "--true-dlt", SCENARIO, "--trials", "100000"],
     "error: --trials: must be at most 25,000 for trials of up to 2,000 patients (a local run is bounded to 10^11 "
     "trials x patients^2, about half an hour of one core); got 100000. Run fewer trials, or on a Dask cluster with "
     "--scheduler."),
    (["simulate", "boin", "--max-n", "2000", "--true-dlt", SCENARIO, "--chunk-size", "1000000"],
     "error: --chunk-size: must be at most 10,000 trials for trials of up to 2,000 patients (20,000,000 simulated "
     "patients per chunk bound the memory); got 1000000."),
    (["simulate", "boin", "--max-n", "30", "--true-dlt", SCENARIO, "--trials", "100000000", "--chunk-size", "1"],
     "error: --chunk-size: must be at least 1,000 trials per chunk for 100,000,000 trials (at most 100,000 chunks); "
     "got 1."),
    (["simulate", "boin", "--exact", "--true-dlt", SCENARIO],
     "error: max_n: must be a maximum sample size: boin does not stop by itself; got None. Give --max-n (e.g. 30), "
     "or wrap the design in StopAtSampleSize."),
    (["simulate", "3+3", "--exact", "--trials", "5", "--true-dlt", SCENARIO],
     "error: --exact: must be used without --trials, --workers or --scheduler (exact enumeration has no Monte Carlo "
     "error); got True."),
    (["simulate", "3+3", "--true-dlt", SCENARIO, "--dlt-window", "nan", "--arrivals-per-month", "4"],
     "error: --dlt-window: must be a number in (0, 3650]; got nan."),
    (["simulate", "3+3", "--true-dlt", "0.1,inf"], "error: --true-dlt item 2: must be a probability in [0, 1]; got inf."),
    (["simulate", "3+3", "--true-dlt", SCENARIO, "--workers", "1000"],
     "error: --workers: must be a whole number in [1, 64]; got 1000."),
    (["simulate", "3+3", "--true-dlt", SCENARIO, "--scheduler", "not an address"],
     "error: --scheduler: must be the address of a Dask scheduler, e.g. tcp://10.0.0.5:8786; got 'not an address'."),
    (["next", "boin", "--n", "3", "--dlt", "0", "--current", "1", "--grade2", "0"],
     "error: --grade2: must be given only to a design that reads grades (accelerated titration: add --accelerated); "
     "boin does not; got '0'."),
    (["next", "boin", "--n", "3", "--dlt", "0", "--current", "1", "--variant", "A"],
     "error: --variant: must be an option of design 'boin'; got 'A'. boin takes: --cohort-size, "
     "--elimination-cutoff, --elimination-min-n, --phi1, --phi2, --start-dose, --target; and the wrapper flags "
     "listed by `doseflow designs`."),
    (["paths", "3+3", "--from", "1" + "N" * 5000], "error: --from: must be a trial of at most 2,000 patients; got "
     "'5,000 patients'."),
    (["insilico", "replicate", "--trials", "1000000000"],
     "error: --trials: must be a whole number in [1, 100,000]; got 1000000000."),
    (["serve", "--port", "70000"], "error: --port: must be a whole number in [1, 65,535]; got 70000."),
], ids=["boundaries-cohorts-100000", "boundaries-cohorts-1e9", "boundaries-table-too-long", "next-n-100000",
        "mtd-n-100000", "next-n-1e21", "next-n-total", "simulate-seed-negative", "simulate-trials-1e9",
        "simulate-work-budget", "simulate-chunk-memory", "simulate-chunks-1e8", "simulate-boin-exact-without-max-n", "exact-with-trials",
        "simulate-dlt-window-nan", "simulate-true-dlt-inf", "simulate-workers-1000", "simulate-scheduler-text",
        "grade2-with-boin", "option-the-design-does-not-take", "paths-from-too-long", "replicate-trials-1e9",
        "serve-port-70000"])
def test_bad_input_is_one_line_and_exit_2(capsys, argv, message):
    start = time.perf_counter()
    rc, out, err = run(capsys, *argv)
    assert (rc, err.strip(), out) == (2, message, "")
    assert time.perf_counter() - start < 10


@pytest.mark.parametrize("command", [["demo"], ["insilico", "run", "--seed", "1"]], ids=["demo", "insilico-run"])
def test_out_under_a_file_is_one_line(capsys, command):
    """``--out /dev/null/x``: a folder that cannot be created, named, before any work is done."""
    rc, _, err = run(capsys, *command, "--out", "/dev/null/x")
    assert rc == 2
    assert err.startswith("error: --out: must be a folder that can be created; got '/dev/null/x'.")
    assert err.count("\n") == 1


def test_exact_enumeration_too_large_is_refused_within_seconds(capsys):
    """BOIN on 5 levels with up to 90 patients passes the state budget: refused, naming Monte Carlo, in seconds."""
    start = time.perf_counter()
    rc, _, err = run(capsys, "simulate", "boin", "--max-n", "90", "--true-dlt", SCENARIO, "--exact")
    assert time.perf_counter() - start < 30
    assert rc == 2
    assert err.startswith("error: exact enumeration: must be a design whose outcome paths reach at most 250,000 trial "
                          "states on 5 levels; got 'more than ")
    assert err.strip().endswith("Reduce the sample size or the number of levels, or use Monte Carlo simulation.")


def test_max_n_below_a_cohort_cuts_the_cohort_and_says_so(capsys):
    """--max-n 2 with cohorts of 3 is accepted: one cohort of 2 at level 1 (rule stop_at_sample_size.cut)."""
    rc, out, _ = run(capsys, "simulate", "boin", "--max-n", "2", "--true-dlt", SCENARIO, "--exact", "--json")
    oc = json.loads(out)
    assert rc == 0
    assert oc["sample_size"]["mean"] == 2 and oc["patients_per_level"] == [2, 0, 0, 0, 0]
    rc, out, _ = run(capsys, "simulate", "boin", "--max-n", "2", "--true-dlt", SCENARIO, "--exact")
    assert "note: --max-n 2 is not a multiple of the cohort size 3: the cohort that would pass it is cut to fit" in \
        " ".join(out.split())
    rc, out, _ = run(capsys, "next", "boin", "--max-n", "2", "--n", "0,0", "--dlt", "0,0", "--json")
    decision = json.loads(out)
    assert (decision["rule"], decision["cohort_size"]) == ("stop_at_sample_size.cut", 2)


def test_analyze_config_confirm_min_days_1e9_confirms_no_response(tmp_path, capsys):
    """``confirm_min_days = 1e9``: a valid (if useless) rule; no response can be confirmed, no traceback."""
    assert main(["insilico", "run", "--seed", "1", "--out", str(tmp_path / "sdtm")]) == 0
    (tmp_path / "readout.toml").write_text("[efficacy]\nconfirm_min_days = 1e9\n")
    capsys.readouterr()
    rc, out, err = run(capsys, "analyze", str(tmp_path / "sdtm"), "--out", str(tmp_path / "o"), "--config",
                       str(tmp_path / "readout.toml"), "--json")
    assert (rc, err) == (0, "")
    results = json.loads(out)
    assert results["orr_n"] == 0 and results["confirmation"] is True
