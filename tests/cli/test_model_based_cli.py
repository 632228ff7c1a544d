"""`doseflow next | mtd | skeleton | simulate` with the model-based and time-to-event designs.

dfcrm reference values (../shared/reference/crm.md), as literals: the ``crm`` example gives the
plug-in estimates 0.0887, 0.1553, 0.2721, 0.4278, 0.5708, 0.7494 and next level 2;
``getprior(0.05, 0.3, 3, 6, model = "logistic")`` the skeleton below.
"""

from __future__ import annotations

import json

import pytest

from doseflow.cli.app import main

DFCRM = ["--target", "0.2", "--skeleton", "0.05,0.10,0.20,0.35,0.50,0.70", "--n", "0,3,4,3,0,0",
         "--dlt", "0,0,1,2,0,0"]


def run(capsys, *argv):
    rc = main(list(argv))
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_next_crm_json_has_the_estimates_and_the_posterior(capsys):
    rc, out, _ = run(capsys, "next", "crm", *DFCRM, "--current", "4", "--json")
    data = json.loads(out)
    assert rc == 0 and (data["action"], data["next_dose"], data["rule"]) == ("de-escalate", 2, "crm.deescalate")
    assert [round(v, 4) for v in data["estimates"]] == [0.0887, 0.1553, 0.2721, 0.4278, 0.5708, 0.7494]
    assert set(data["posterior"]) == {"mean", "lower", "upper", "credibility"}


def test_mtd_crm_logistic_model(capsys):
    rc, out, _ = run(capsys, "mtd", "crm", *DFCRM, "--model", "logistic", "--prior-sd", "1.1576", "--json")
    data = json.loads(out)
    assert rc == 0 and data["mtd"] == 2 and data["rule"] == "crm.mtd"
    assert [round(v, 4) for v in data["estimates"]] == [0.0891, 0.1604, 0.2831, 0.4399, 0.5776, 0.7449]


def test_skeleton_command_against_dfcrm_getprior(capsys):
    rc, out, _ = run(capsys, "skeleton", "--halfwidth", "0.05", "--target", "0.3", "--prior-mtd", "3", "--levels", "6",
                     "--model", "logistic", "--json")
    assert rc == 0
    assert json.loads(out)["skeleton"] == pytest.approx(
        [0.1262536390, 0.2047090386, 0.3, 0.4020019049, 0.5000907329, 0.5869440412], abs=5e-7)  # 6 decimals
    rc, out, _ = run(capsys, "skeleton", "--halfwidth", "0.05", "--target", "0.3", "--prior-mtd", "3", "--levels", "5")
    assert rc == 0 and "--skeleton 0.1225,0.2040,0.3000,0.4018,0.5013" in out


@pytest.mark.parametrize("argv, message", [
    (["skeleton", "--halfwidth", "0.4", "--target", "0.3", "--prior-mtd", "2", "--levels", "4"],
     "error: --halfwidth: must be below min(target, 1 - target) = 0.3; got 0.4."),
    (["skeleton", "--halfwidth", "0.05", "--target", "0.3", "--prior-mtd", "2", "--levels", "0"],
     "error: --levels: must be a whole number in [1, 100]; got 0."),
    (["next", "crm", "--skeleton", "0.1,0.2", "--n", "3,0,0", "--dlt", "0,0,0", "--current", "1"],
     "error: CRM.skeleton: must be one probability per dose level (3); got [0.1, 0.2]."),
    (["next", "boin", "--n", "3,3", "--dlt", "0,0", "--current", "2", "--followup", "2:10"],
     "error: --followup: must be given only to a time-to-event design (tite-boin, tite-crm); got '2:10'."),
    (["next", "tite-crm", "--n", "3,3", "--dlt", "0,0", "--current", "2", "--pending", "0,1"],
     "error: --followup: must be the days of follow-up of every pending patient, per level; got None."),
    (["next", "tite-crm", "--n", "3,3", "--dlt", "0,0", "--current", "2", "--followup", "2:10,x"],
     "error: --followup level 2: must be numbers of days; got 'x'."),
    (["next", "tite-crm", "--n", "3,3", "--dlt", "0,1", "--current", "2", "--followup", "2:10",
      "--dlt-days", "2:4,5"], "error: --dlt-days level 2: must be 1 number(s) of days, one per DLT (--dlt); got 2."),
])
def test_errors_name_the_option(capsys, argv, message):
    rc, _, err = run(capsys, *argv)
    assert rc == 2 and err.strip().startswith(message), err


def test_next_tite_crm_with_follow_up_and_adaptive_weights(capsys):
    """Level 2: 1 DLT (day 7), 2 pending followed 14 and 3.5 days of 28: adaptive weights 2/3 and 1/4
    (one DLT, on day 7: the support is 0, 7, 28, so 14 days weigh (1 + 7/21) / 2 = 2/3 and 3.5 days
    (0 + 3.5/7) / 2 = 1/4)."""
    rc, out, _ = run(capsys, "next", "tite-crm", "--target", "0.25", "--weights", "adaptive", "--n", "3,3,0,0",
                     "--dlt", "0,1,0,0", "--current", "2", "--followup", "2:14,3.5", "--dlt-days", "2:7", "--json")
    data = json.loads(out)
    assert rc == 0 and data["cohort_kind"] == "up_to"
    assert "2 pending weighted by their follow-up (weights 0.25, 0.67)" in data["reason"]


def test_next_tite_boin_suspends_and_decides(capsys):
    rc, out, _ = run(capsys, "next", "tite-boin", "--n", "3,3,0", "--dlt", "0,0,0", "--current", "2",
                     "--followup", "2:20,10", "--json")
    assert rc == 0 and json.loads(out)["rule"] == "tite-boin.suspend"
    rc, out, _ = run(capsys, "next", "tite-boin", "--n", "3,3,0", "--dlt", "0,0,0", "--current", "2",
                     "--followup", "2:20")
    assert rc == 0 and "escalate to level 3" in out and "imputed DLT rate" in out


def test_next_blrm_json_has_the_interval_probabilities(capsys):
    rc, out, _ = run(capsys, "next", "blrm", "--doses", "10,20,40,80,160", "--n", "3,3,0,0,0", "--dlt", "0,0,0,0,0",
                     "--current", "2", "--json")
    data = json.loads(out)
    assert rc == 0 and data["next_dose"] == 3 and data["admissible"] == [1, 2, 3]
    probs = data["interval_probabilities"]
    assert [round(u + t + o, 5) for u, t, o in zip(probs["underdose"], probs["target"], probs["overdose"])] == [1.0] * 5  # each rounded to 6 decimals
    assert len(data["prior_effective_sample_size"]) == 5


def test_simulate_crm_exact_and_tite_boin_in_calendar_time(capsys):
    rc, out, _ = run(capsys, "simulate", "crm", "--target", "0.25", "--max-n", "12", "--no-skipping",
                     "--true-dlt", "0.05,0.15,0.30,0.45", "--exact", "--json")
    data = json.loads(out)
    assert rc == 0 and data["method"] == "exact" and sum(data["selection_pct"]) + data["no_mtd_pct"] == pytest.approx(100)
    rc, out, _ = run(capsys, "simulate", "tite-boin", "--max-n", "12", "--true-dlt", "0.05,0.15,0.30,0.45",
                     "--dlt-window", "28", "--arrivals-per-month", "6", "--trials", "500", "--json")
    data = json.loads(out)
    assert rc == 0 and data["duration_days"]["mean"] > 28


def test_skeleton_command_mirrors_the_crm_model_constants():
    """The command shows the models and default intercept without importing the designs at start-up."""
    from doseflow.cli import skeleton_cmd
    from doseflow.designs.model_based.crm_model import CRM_MODELS, DEFAULT_INTERCEPT

    assert tuple(skeleton_cmd.MODELS) == tuple(CRM_MODELS) and skeleton_cmd.INTERCEPT == DEFAULT_INTERCEPT
