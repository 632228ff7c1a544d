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


def test_an_interval_design_imports_scipy_special_only_when_it_decides():
    """BOIN's elimination rule needs the incomplete beta function; still no scipy.stats or pandas."""
    loaded = modules_after(["next", "boin", "--n", "3,3,6,0,0,0", "--dlt", "0,0,1,0,0,0", "--current", "3"])
    assert "scipy.special" in loaded
    assert not {"scipy.stats", "pandas", "matplotlib", "doseflow.readout"} & loaded
