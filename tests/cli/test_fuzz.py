"""Every command and option, fed absurd values: exit 0 or 2, one ``error:`` line, strict JSON, no traceback.

Each example runs one command in-process through :func:`doseflow.cli.app.main` with one
option replaced by a drawn value: huge, negative, non-finite, empty, text, a list where a
number is expected, a number where a list is expected. The contract checked:

- the exit status is 0 or 2 (an exception escaping ``main`` fails the test with the argv);
- on 2, standard error is exactly one line starting with ``error: ``;
- on 0 with ``--json``, standard output is strict JSON (no NaN or Infinity);
- no example runs longer than :data:`LIMIT_SECONDS` (a hang fails instead of blocking).

Values that would start long legitimate work (a web server on a valid port, the full demo,
a hundred million simulated trials) are left out of the options that would run it; the
bounds that refuse them are tested in test_bad_input.py. The hypothesis profile is the
suite's fixed, derandomized one; the examples per test keep the file to a few hundred.
"""

from __future__ import annotations

import contextlib
import io
import json
import signal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from doseflow.cli.app import main
from doseflow.designs.registry import cli_options

#: Longest an example may run.
LIMIT_SECONDS = 60

#: Texts no option should take lightly.
ABSURD = ("", " ", "-1", "0", "-0", "nan", "NaN", "inf", "-inf", "1e309", "1e-320", "abc", "1,2", ",", "0x1F", "3.5",
          "½", "٣", "9" * 30, "-" + "9" * 30, "1" + "0" * 5000, "1_000", "--json", "None", "true", "[1, 2]",
          "\u202e7", "1e3", "0.1,nan,0.3", "3,3,3,3,3,3,3,3,3,3,3,3")


def numbers() -> st.SearchStrategy[str]:
    """Numbers of every size and sign as text, non-finite ones included."""
    return st.one_of(st.integers(-10**30, 10**30).map(str), st.floats(allow_nan=True, allow_infinity=True).map(repr),
                     st.integers(-3, 40).map(str))


def values() -> st.SearchStrategy[str]:
    """Any value: absurd texts, numbers, lists of numbers."""
    return st.one_of(st.sampled_from(ABSURD), numbers(),
                     st.lists(numbers(), min_size=1, max_size=4).map(",".join))


def small(low: int, high: int) -> st.SearchStrategy[str]:
    """Absurd texts, or whole numbers in [low, high] (for options whose large valid values mean long work)."""
    return st.one_of(st.sampled_from(ABSURD + ("1" + "0" * 20, "-5")), st.integers(low, high).map(str))


def invalid(valid) -> st.SearchStrategy[str]:
    """Values for which ``valid(text)`` is False (for options whose valid values start long work)."""
    return values().filter(lambda v: not valid(v))


def whole(text: str, low: int, high: int) -> bool:
    try:
        return low <= int(text.strip()) <= high
    except ValueError:
        return False


@contextlib.contextmanager
def time_limit(seconds: int):
    def stop(signum, frame):
        raise TimeoutError(f"no answer within {seconds} s")

    old = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def check_contract(argv: list[str]) -> int:
    """Run ``doseflow argv`` in-process and check the command line's contract; return the exit status."""
    out, err = io.StringIO(), io.StringIO()
    with time_limit(LIMIT_SECONDS), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(argv)
    assert rc in (0, 2), (argv, rc, err.getvalue()[-2000:])
    if rc == 2:
        lines = err.getvalue().strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), (argv, err.getvalue()[-2000:])
    elif "--json" in argv:
        json.loads(out.getvalue(), parse_constant=lambda name: pytest.fail(f"{name} in the JSON of {argv}"))
    return rc


DESIGN_VALUE_FLAGS = tuple(o.flag for o in cli_options() if o.spec.kind != "bool")
DESIGN_SWITCHES = tuple(o.flag for o in cli_options() if o.spec.kind == "bool")
DESIGNS = st.sampled_from(("3+3", "rolling6", "boin", "keyboard", "mtpi2", "i3+3", "BOIN", "crm", "", "stop_at_n_at_dose"))

#: (base argv, option -> values) of the design commands; the base alone is valid and quick.
DESIGN_COMMANDS = {
    "boundaries": (["boundaries", "boin", "--cohorts", "3"], {"--cohorts": values()}),
    "next": (["next", "boin", "--n", "3,3,0", "--dlt", "0,1,0", "--current", "2"],
             {"--n": values(), "--dlt": values(), "--current": values(), "--pending": values(), "--grade2": values()}),
    "mtd": (["mtd", "keyboard", "--n", "3,6,0", "--dlt", "0,1,0"],
            {"--n": values(), "--dlt": values(), "--current": values()}),
    "paths": (["paths", "3+3", "--levels", "3"],
              {"--cohorts": values(), "--levels": values(), "--from": values(), "--plot": st.sampled_from(ABSURD)}),
}


@settings(max_examples=120, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_design_commands_answer_every_value(data, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    name = data.draw(st.sampled_from(sorted(DESIGN_COMMANDS)), label="command")
    base, own = DESIGN_COMMANDS[name]
    where = data.draw(st.sampled_from(["DESIGN", *own, *DESIGN_VALUE_FLAGS, *DESIGN_SWITCHES]), label="option")
    argv = list(base)
    if where == "DESIGN":
        argv[1] = data.draw(st.one_of(DESIGNS, st.sampled_from(ABSURD)), label="design")
    elif where in DESIGN_SWITCHES:
        argv.append(where)
    else:
        argv += [where, data.draw(own.get(where, values()), label="value")]
    if data.draw(st.booleans(), label="json"):
        argv.append("--json")
    check_contract(argv)


#: Options of simulate, with values that keep valid runs short (a few hundred trials).
SIMULATE_OPTIONS = {
    "--true-dlt": values(), "--scenario": st.one_of(st.sampled_from(ABSURD), st.just("zhao-2024/3")),
    "--overdose-target": values(), "--dlt-window": values(), "--arrivals-per-month": values(),
    "--dlt-time": st.one_of(st.sampled_from(ABSURD), st.sampled_from(["uniform", "late", "early"])),
    "--arrival": st.one_of(st.sampled_from(ABSURD), st.sampled_from(["poisson", "uniform"])),
    "--trials": small(-2, 300), "--seed": values(), "--chunk-size": small(-2, 300), "--workers": small(-1, 2),
    "--scheduler": st.sampled_from(ABSURD),
}


@settings(max_examples=80, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_simulate_answers_every_value(data, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    exact = data.draw(st.booleans(), label="exact")
    base = (["simulate", "3+3", "--exact", "--true-dlt", "0.1,0.3"] if exact else
            ["simulate", "boin", "--max-n", "12", "--true-dlt", "0.1,0.3", "--trials", "200"])
    where = data.draw(st.sampled_from([*SIMULATE_OPTIONS, *DESIGN_VALUE_FLAGS, *DESIGN_SWITCHES]), label="option")
    argv = list(base)
    if where in DESIGN_SWITCHES:
        argv.append(where)
    else:
        value = data.draw(SIMULATE_OPTIONS.get(where, small(-2, 60) if where == "--max-n" else values()), label="value")
        argv += [where, value]
    if data.draw(st.booleans(), label="json"):
        argv.append("--json")
    check_contract(argv)


STUDY = ('[study]\n{study}\n[designs.A]\ndesign = "{design}"\nmax_n = {max_n}\n[designs.B]\ndesign = "3+3"\n'
         '[scenarios.S]\ntrue_dlt = [{true_dlt}]\n')
TOML_VALUES = st.one_of(st.integers(-10**20, 10**20).map(str), st.sampled_from(
    ['"abc"', "nan", "inf", "-inf", "1e309", "[]", "[1, 2]", "{}", "true", "0", "1.5", '"3+3"', "-1"]))


@settings(max_examples=30, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(key=st.sampled_from(["trials", "seed", "chunk_size", "workers", "nonsense", "max_n", "true_dlt", "design"]),
       value=TOML_VALUES, json_out=st.booleans())
def test_compare_answers_every_study_value(key, value, json_out, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    fields = {"study": "trials = 100", "design": "boin", "max_n": "12", "true_dlt": "0.1, 0.3"}
    if key in ("trials", "seed", "chunk_size", "workers", "nonsense"):
        if key in ("trials", "chunk_size", "workers") and whole(value, 3, 10**8):
            value = "1" + "0" * 20  # a valid large value would be long work, not a fuzz case
        fields["study"] = f"trials = 100\n{key} = {value}" if key != "trials" else f"trials = {value}"
    elif key == "design":
        fields["design"] = value.strip('"')
    else:
        fields[key] = value.strip("[]")
    (tmp_path / "study.toml").write_text(STUDY.format(**fields), encoding="utf-8")
    check_contract(["compare", "--config", "study.toml", "--out", "out"] + (["--json"] if json_out else []))


@settings(max_examples=12, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(option=st.sampled_from(["--seed", "--workers"]), value=small(-2, 2))
def test_compare_options_answer_every_value(option, value, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "study.toml").write_text(STUDY.format(study="trials = 50", design="boin", max_n=9, true_dlt="0.1"))
    check_contract(["compare", "--config", "study.toml", "--out", "out", option, value])


def test_commands_without_value_options_answer():
    for argv in (["designs"], ["designs", "--json"], ["scenarios"], ["scenarios", "--json"], ["--version"], ["--help"],
                 [], ["insilico"], ["nonsense"], ["designs", "--nonsense"]):
        check_contract(argv)


def _slow_if_valid(option: str):
    """Values of ``option`` of the in-silico, readout, demo and service commands that fail fast."""
    return {
        "--seed": invalid(lambda v: whole(v, 0, 2**63 - 1)),
        "--trials": small(-2, 2),
        "--workers": small(-1, 1),
        "--port": invalid(lambda v: whole(v, 1, 65535)),
        "--replicates": values(),
        "--format": st.one_of(st.sampled_from(ABSURD), st.sampled_from(["html", "pdf", "docx", "odt"])),
    }.get(option, st.sampled_from(ABSURD))


#: (base argv, options) of the other commands; the base alone fails fast or runs in a second.
OTHER_COMMANDS = {
    "insilico run": (["insilico", "run", "--out", "sdtm"], ["--seed", "--format", "--preset"]),
    "insilico replicate": (["insilico", "replicate", "--trials", "2"],
                           ["--trials", "--seed", "--workers", "--preset", "--scheduler"]),
    "analyze": (["analyze", "missing-folder", "--out", "readout"], ["--out", "--config", "--format"]),
    "analyze folder": (["analyze", "."], ["SDTM_DIR"]),
    "demo": (["demo", "--preset", "missing.toml"], ["--seed", "--out", "--replicates", "--format"]),
    "serve": (["serve", "--port", "0"], ["--port", "--host"]),
    "db upgrade": (["db", "upgrade"], ["--db"]),
    "audit verify": (["audit", "verify"], ["--db"]),
}


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_other_commands_answer_every_value(data, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("sdtm").mkdir(exist_ok=True)
    Path("sdtm", "other.txt").write_text("not written by doseflow\n")
    name = data.draw(st.sampled_from(sorted(OTHER_COMMANDS)), label="command")
    base, options = OTHER_COMMANDS[name]
    option = data.draw(st.sampled_from(options), label="option")
    value = data.draw(_slow_if_valid(option), label="value")
    argv = [*base, value] if option == "SDTM_DIR" else [*base, option, value]
    check_contract(argv)
