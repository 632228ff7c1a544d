"""`doseflow simulate`: operating characteristics from the command line."""

from __future__ import annotations

import json

import pytest

from doseflow.cli.app import main
from doseflow.designs import BOIN
from doseflow.simulate import simulate_oc

SCENARIO = "0.05,0.15,0.30,0.45,0.60"


def test_exact_three_plus_three_matches_the_reference(capsys):
    """../shared/reference/threeplusthree.md, variant B: no MTD 2.78; 20.06, 42.88, 27.65, 5.88, 0.76;
    mean N 15.116; mean DLTs 3.198."""
    assert main(["simulate", "3+3", "--true-dlt", SCENARIO, "--exact", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["method"] == "exact" and out["trials"] is None
    assert [round(v, 2) for v in out["selection_pct"]] == [20.06, 42.88, 27.65, 5.88, 0.76]
    assert round(out["no_mtd_pct"], 2) == 2.78
    assert (round(out["mean_n"], 3), round(out["mean_dlts"], 3)) == (15.116, 3.198)


def test_monte_carlo_json_equals_the_python_api(capsys):
    assert main(["simulate", "boin", "--true-dlt", SCENARIO, "--trials", "2000", "--seed", "7", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    api = simulate_oc(BOIN(target=0.3), [0.05, 0.15, 0.30, 0.45, 0.60], n_trials=2000, max_n=30, seed=7)
    assert out["selection_pct"] == api.selection_pct.tolist()
    assert (out["mean_n"], out["trials"], out["seed"]) == (api.mean_n, 2000, 7)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--true-dlt", "0.05,1.5"], "error: --true-dlt item 2: must be a probability in [0, 1]; got '1.5'."),
        (["--true-dlt", "0.05,x"], "error: --true-dlt item 2: must be a number; got 'x'."),
        (["--true-dlt", SCENARIO, "--trials", "0"], "error: --trials: must be a whole number >= 1; got 0."),
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys, argv, message):
    assert main(["simulate", "boin", *argv]) == 2
    assert capsys.readouterr().err.strip() == message
