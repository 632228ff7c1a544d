"""`doseflow designs | boundaries | next | mtd`: JSON contracts, errors, and agreement with Python."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from doseflow.cli.app import main
from doseflow.cli.json_output import to_json_value
from doseflow.core import TrialState
from doseflow.designs import (
    BOIN,
    AcceleratedTitration,
    I3Plus3,
    Keyboard,
    StopAtNAtDose,
    StopAtSampleSize,
    ThreePlusThree,
    design_classes,
    design_from_options,
)


def run(capsys, *argv):
    rc = main(list(argv))
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_designs_lists_every_design_and_wrapper_with_citation_and_options(capsys):
    rc, out, _ = run(capsys, "designs", "--json")
    data = json.loads(out)
    assert rc == 0
    names = [r["name"] for r in data["designs"]]
    assert names == list(design_classes()) and {"3+3", "rolling6", "boin", "keyboard", "mtpi2", "i3+3"} <= set(names)
    assert all(r["citation"] for r in data["designs"] + data["wrappers"])
    boin = next(r for r in data["designs"] if r["name"] == "boin")
    assert "Liu" in boin["citation"]
    target = next(o for o in boin["options"] if o["flag"] == "--target")
    assert target["bounds"] == "a number in (0, 1)"
    wrappers = {r["name"]: r for r in data["wrappers"]}
    assert wrappers["accelerated"]["switch"] == "--accelerated"
    assert [o["flag"] for o in wrappers["stop_at_n_at_dose"]["options"]] == ["--n-earlystop", "--earlystop-when"]


def test_boundaries_json_is_the_boin_reference_table(capsys):
    """BOIN 2.7.2 get.boundary(target=0.3, ncohort=10, cohortsize=3), ../shared/reference/boin.md."""
    rc, out, _ = run(capsys, "boundaries", "boin", "--target", "0.3", "--cohort-size", "3", "--cohorts", "10", "--json")
    table = json.loads(out)
    assert rc == 0
    assert table["n"] == list(range(1, 31))
    assert table["escalate"] == [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 4, 5, 5, 5, 5, 6, 6, 6, 6, 7]
    assert table["deescalate"] == [1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 6, 6, 6, 7, 7, 7, 8, 8, 8, 9, 9, 9, 10, 10, 11, 11, 11]
    assert table["eliminate"] == [None, None, 3, 3, 4, 4, 5, 5, 5, 6, 6, 7, 7, 8, 8, 8, 9, 9, 9, 10, 10, 11, 11, 11, 12, 12, 12, 13, 13, 14]


def test_next_json_shape_and_value(capsys):
    """1 DLT in 6 at level 3: 1/6 = 0.167 <= lambda_e 0.236, so BOIN escalates to level 4."""
    rc, out, _ = run(capsys, "next", "boin", "--n", "3,3,6,0,0,0", "--dlt", "0,0,1,0,0,0", "--current", "3", "--json")
    got = json.loads(out)
    assert rc == 0
    assert set(got) == {"action", "next_dose", "reason", "eliminated", "rule", "cohort_size", "cohort_kind", "backfill",
                        "role"}
    assert (got["action"], got["next_dose"], got["eliminated"]) == ("escalate", 4, [])
    assert (got["rule"], got["cohort_size"], got["cohort_kind"]) == ("boin.escalate", 3, "exact")


def test_mtd_json_reproduces_the_boin_documentation_example(capsys):
    """BOIN select.mtd example (boin.md): n = (3, 3, 15, 9, 0), y = (0, 0, 4, 4, 0) -> MTD level 3."""
    rc, out, _ = run(capsys, "mtd", "boin", "--n", "3,3,15,9,0", "--dlt", "0,0,4,4,0", "--json")
    got = json.loads(out)
    assert rc == 0 and got["mtd"] == 3
    assert [round(v, 2) for v in got["estimates"][:4]] == [0.02, 0.02, 0.27, 0.45]
    assert got["estimates"][4] is None


def test_three_plus_three_mtd_found(capsys):
    """3+3: 2/3 at level 3 and 1/6 at level 2 -> stop, MTD = level 2; levels 3-4 eliminated."""
    rc, out, _ = run(capsys, "next", "3+3", "--n", "3,6,3,0", "--dlt", "0,1,2,0", "--current", "3", "--json")
    got = json.loads(out)
    assert (got["action"], got["next_dose"], got["eliminated"]) == ("stop", None, [3, 4])
    rc, out, _ = run(capsys, "mtd", "3+3", "--n", "3,6,3,0", "--dlt", "0,1,2,0", "--json")
    assert json.loads(out)["mtd"] == 2


@pytest.mark.parametrize(
    "argv, message",
    [
        (["next", "boin", "--n", "3,3", "--dlt", "0,4", "--current", "2"],
         "error: --dlt level 2: must be at most the number of patients at that level (3); got 4."),
        (["next", "boin", "--n", "3,-3", "--dlt", "0,0", "--current", "1"],
         "error: --n level 2: must be a whole number in [0, 2,000]; got -3."),
        (["next", "boin", "--n", "3,3", "--dlt", "0", "--current", "1"],
         "error: --dlt: must be a list as long as --n (2 levels); got [0]."),
        (["next", "boin", "--n", "3,3", "--dlt", "0,1", "--current", "2", "--target", "1.3"],
         "error: --target: must be a number in (0, 1); got 1.3."),
        (["next", "boin", "--n", "3,3", "--dlt", "0,1", "--current", "2", "--target", "abc"],
         "error: --target: must be a number; got 'abc'."),
        (["next", "foo", "--n", "3", "--dlt", "0", "--current", "1"],
         "error: DESIGN: must be one of " + ", ".join(design_classes()) + "; got 'foo'. "
         "List them with `doseflow designs`."),
        (["next", "boin", "--n", "3,3", "--dlt", "0,0", "--current", "5"],
         "error: --current: must be a dose level from 1 to 2 (the length of --n); got 5."),
        (["next", "3+3", "--n", "3,3", "--dlt", "0,0", "--current", "1", "--phi1", "0.2"],
         "error: --phi1: must be an option of design '3+3'; got 0.2. 3+3 takes: --start-dose, --variant; and the "
         "wrapper flags listed by `doseflow designs`."),
        (["boundaries", "rolling6"],
         "error: DESIGN: must be a design with a count-based decision table (3+3, boin, i3+3, keyboard, mtpi2, "
         "tite-boin); got 'rolling6'."),
    ],
    ids=["dlt>n", "negative", "lengths", "target-range", "target-text", "design", "current", "option", "table"],
)
def test_wrong_input_exits_2_with_one_line(capsys, argv, message):
    rc, out, err = run(capsys, *argv)
    assert rc == 2
    assert err.strip() == message
    assert out == ""


def test_console_script_prints_no_traceback():
    proc = subprocess.run(
        [sys.executable, "-m", "doseflow", "next", "boin", "--n", "3", "--dlt", "5", "--current", "1"],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "error: --dlt level 1: must be at most the number of patients at that level (3); got 5."
    ]


counts = st.integers(2, 6).flatmap(
    lambda k: st.tuples(
        st.lists(st.integers(0, 12), min_size=k, max_size=k),
        st.lists(st.floats(0, 1), min_size=k, max_size=k),
        st.integers(1, k),
    )
)


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(counts, st.sampled_from(["boin", "keyboard", "i3+3", "3+3"]))
def test_cli_json_equals_python_api(capsys, case, name):
    n, frac, current = case
    y = [int(round(f * v)) for f, v in zip(frac, n)]
    n[current - 1] = max(n[current - 1], 1)
    argv = ["--n", ",".join(map(str, n)), "--dlt", ",".join(map(str, y))]
    rc, out, err = run(capsys, "next", name, *argv, "--current", str(current), "--json")
    assert rc == 0, err
    design = design_from_options(name, {})
    state = TrialState.from_counts(len(n), n, y, current)
    assert json.loads(out) == to_json_value(design.decide(state).to_dict())
    rc, out, err = run(capsys, "mtd", name, *argv, "--json")
    assert json.loads(out) == to_json_value(design.select_mtd(TrialState.from_counts(len(n), n, y)).to_dict())


def test_registry_builds_the_classes_with_defaults():
    assert design_from_options("boin", {}) == BOIN(target=0.3)
    assert design_from_options("keyboard", {"--target": 0.25}) == Keyboard(target=0.25)
    assert design_from_options("i3+3", {"--eps1": 0.04}) == I3Plus3(target=0.3, eps1=0.04)
    assert design_from_options("3+3", {"--variant": "A"}) == ThreePlusThree(variant="A")


def test_wrapper_flags_build_the_chain_in_its_documented_order():
    d = design_from_options("boin", {"--max-n": 30, "--n-earlystop": 12, "--target": 0.25})
    assert d == StopAtSampleSize(StopAtNAtDose(BOIN(target=0.25), n=12), max_n=30)
    assert design_from_options("3+3", {"--accelerated": True, "--max-single-levels": 2}) == \
        AcceleratedTitration(ThreePlusThree(), max_single_levels=2)


def test_next_reports_waits_and_cohorts_in_words(capsys):
    rc, out, _ = run(capsys, "next", "boin", "--n", "3,3", "--dlt", "0,0", "--pending", "0,3", "--current", "2")
    assert rc == 0 and out.startswith("wait (level 2)")
    rc, out, _ = run(capsys, "next", "3+3", "--accelerated", "--n", "1,0,0", "--dlt", "0,0,0", "--current", "1",
                     "--grade2", "0,0,0")
    assert rc == 0 and out.startswith("escalate to level 2: treat 1")
    rc, _, err = run(capsys, "next", "boin", "--n", "3", "--dlt", "0", "--current", "1", "--grade2", "0")
    assert rc == 2 and "--grade2: must be given only to a design that reads grades" in err
