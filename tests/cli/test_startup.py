"""The command line starts fast: registering every command imports none of the heavy libraries.

``doseflow --version`` and the design commands must answer in under 0.5 s from a cold
start (timed by benchmarks/cli_startup.py; figures in benchmarks/RESULTS.md). What keeps
them fast is that no command module imports, at its top, what only running a command
needs; these tests fail as soon as one does, whatever the machine's speed.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

#: Imported only by the commands that compute with them.
HEAVY = ("scipy.stats", "scipy.special", "pandas", "matplotlib", "lifelines", "statsmodels", "sqlalchemy", "fastapi",
         "dask", "doseflow.readout", "doseflow.report", "doseflow.insilico", "doseflow.simulate.engine",
         "doseflow.service", "doseflow.conduct")


def modules_after(argv: list[str]) -> set[str]:
    """The modules a fresh interpreter has imported after ``doseflow argv`` (run in-process there)."""
    code = ("import contextlib, io, json, sys\n"
            "from doseflow.cli.app import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    rc = main({argv!r})\n"
            "print(json.dumps([rc, sorted(sys.modules)]))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    rc, modules = json.loads(proc.stdout.splitlines()[-1])
    assert rc == 0, proc.stderr
    return set(modules)


@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["designs"], ["simulate", "--help"],
                                  ["next", "3+3", "--n", "3,6,3,0", "--dlt", "0,1,2,0", "--current", "3"]],
                         ids=["version", "help", "designs", "simulate-help", "next-3+3"])
def test_design_commands_import_none_of_the_heavy_libraries(argv):
    loaded = modules_after(argv)
    assert sorted(m for m in loaded if m.split(".")[0] in HEAVY or any(m.startswith(h) for h in HEAVY)) == []


INTERVAL_DECISIONS = {
    "next-boin": ["next", "boin", "--n", "3,3,6,0,0,0", "--dlt", "0,0,1,0,0,0", "--current", "3"],
    "next-keyboard": ["next", "keyboard", "--n", "3,3,6,0,0,0", "--dlt", "0,0,3,0,0,0", "--current", "3"],
    "next-mtpi2": ["next", "mtpi2", "--n", "3,3,6,0,0,0", "--dlt", "0,0,1,0,0,0", "--current", "3"],
    "mtd-boin": ["mtd", "boin", "--n", "3,3,15,9,0", "--dlt", "0,0,4,4,0"],
    "boundaries-keyboard": ["boundaries", "keyboard", "--cohorts", "10"],
    "next-boin-stop-when-too-toxic": ["next", "boin", "--n", "3,3,6,0,0,0", "--dlt", "0,0,1,0,0,0", "--current", "3",
                                      "--stop-when-too-toxic"],
}


@pytest.mark.parametrize("argv", INTERVAL_DECISIONS.values(), ids=INTERVAL_DECISIONS.keys())
def test_interval_designs_decide_without_scipy(argv):
    """Their Beta posterior probabilities are binomial sums (doseflow.designs.beta_probability)."""
    loaded = modules_after(argv)
    assert sorted(m for m in loaded if m == "scipy" or m.startswith("scipy.")) == []


def test_the_version_imports_no_command_and_no_numpy():
    loaded = modules_after(["--version"])
    assert not {m for m in loaded if m.startswith(("numpy", "doseflow.designs", "doseflow.cli."))} - {"doseflow.cli.app",
                                                                                                      "doseflow.cli.help_style"}


def test_a_command_imports_its_own_module_only():
    loaded = modules_after(["designs"])
    assert sorted(m for m in loaded if m.startswith("doseflow.cli.") and m.endswith("_cmd")) == ["doseflow.cli.designs_cmd"]


def test_the_command_table_names_the_module_of_every_command():
    """app.COMMAND_MODULES, which lets a command import its own module only, matches what the modules declare."""
    code = ("import importlib, json\n"
            "from doseflow.cli.app import COMMAND_MODULES\n"
            "out = {}\n"
            "for name in dict.fromkeys(COMMAND_MODULES.values()):\n"
            "    commands = importlib.import_module('doseflow.cli.' + name).commands\n"
            "    for c in commands.registered_commands:\n"
            "        out[c.name] = name\n"
            "    for g in commands.registered_groups:\n"
            "        out[g.name] = name\n"
            "print(json.dumps([out, COMMAND_MODULES]))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    declared, table = json.loads(proc.stdout)
    assert declared == table
    assert list(declared) == list(table), "the help lists the commands in the table's order"


def test_the_help_lists_every_command_in_order_after_one_command_ran(capsys):
    from doseflow.cli.app import COMMAND_MODULES, main

    assert main(["scenarios", "--json"]) == 0  # a command of a module in the middle of the table
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    commands = out[out.index("Commands"):]
    positions = [commands.find(f"\n│ {name} ") for name in COMMAND_MODULES]
    assert -1 not in positions and positions == sorted(positions), dict(zip(COMMAND_MODULES, positions))
