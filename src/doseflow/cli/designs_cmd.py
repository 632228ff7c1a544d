"""``doseflow designs | boundaries | next | mtd``: the designs, their decision tables and decisions.

JSON contracts (1-based dose levels):

- ``designs --json``: ``[{"name": str, "title": str, "citation": str}, ...]``
- ``boundaries --json``: ``{"design": str, "n": [...], "escalate": [...], "deescalate": [...],
  "eliminate": [...]}`` with ``null`` where no count applies.
- ``next --json``: ``{"action": "escalate"|"stay"|"de-escalate"|"stop", "next_dose": int|null,
  "reason": str, "eliminated": [int, ...]}``
- ``mtd --json``: ``{"mtd": int|null, "estimates": [float|null, ...], "reason": str}``
"""

from __future__ import annotations

import json
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from doseflow.checks import check_counts, check_int
from doseflow.core import TrialState
from doseflow.cli.app import app
from doseflow.designs import DESIGNS, TITLES, make_design
from doseflow.errors import InputError

console = Console()


def parse_int_list(text: str, option: str) -> list[int]:
    """Parse ``"3,3,6,0"`` into integers, naming ``option`` and the bad item on error."""
    items = [t.strip() for t in text.split(",")]
    out: list[int] = []
    for i, item in enumerate(items, start=1):
        try:
            out.append(int(item))
        except ValueError:
            raise InputError(f"{option} item {i}", "a whole number", item) from None
    return out


def parse_number(text: Optional[str], option: str, kind: type = float):
    """Parse an option's text as ``kind`` (float or int), naming the option and value on error."""
    if text is None:
        return None
    try:
        value = kind(text)
    except ValueError:
        raise InputError(option, "a number" if kind is float else "a whole number", text) from None
    return value


def _design_options(
    target: Optional[str],
    cohort_size: Optional[str],
    phi1: Optional[str],
    phi2: Optional[str],
    eps1: Optional[str],
    eps2: Optional[str],
    cutoff_eliminate: Optional[str],
    n_earlystop: Optional[str],
    variant: Optional[str],
    max_single_levels: Optional[str],
) -> dict:
    given = {
        "--target": parse_number(target, "--target"),
        "--cohort-size": parse_number(cohort_size, "--cohort-size", int),
        "--phi1": parse_number(phi1, "--phi1"),
        "--phi2": parse_number(phi2, "--phi2"),
        "--eps1": parse_number(eps1, "--eps1"),
        "--eps2": parse_number(eps2, "--eps2"),
        "--cutoff-eliminate": parse_number(cutoff_eliminate, "--cutoff-eliminate"),
        "--n-earlystop": parse_number(n_earlystop, "--n-earlystop", int),
        "--variant": variant,
        "--max-single-levels": parse_number(max_single_levels, "--max-single-levels", int),
    }
    return {k: v for k, v in given.items() if v is not None}


# Options shared by boundaries, next and mtd.
TARGET = typer.Option(None, "--target", help="Target DLT rate, in (0, 1); default 0.3 where the design has one.")
COHORT = typer.Option(None, "--cohort-size", help="Patients per cohort.")
PHI1 = typer.Option(None, "--phi1", help="BOIN: highest DLT rate deemed sub-therapeutic (default 0.6 x target).")
PHI2 = typer.Option(None, "--phi2", help="BOIN: lowest DLT rate deemed overly toxic (default 1.4 x target).")
EPS1 = typer.Option(None, "--eps1", help="Keyboard/mTPI-2/i3+3: lower half-width of the target interval.")
EPS2 = typer.Option(None, "--eps2", help="Keyboard/mTPI-2/i3+3: upper half-width of the target interval.")
CUTOFF = typer.Option(None, "--cutoff-eliminate", help="Eliminate a level if P(DLT rate > target) exceeds this (default 0.95).")
EARLYSTOP = typer.Option(None, "--n-earlystop", help="Stop when the current level has this many patients.")
VARIANT = typer.Option(None, "--variant", help="3+3: 'B' (expand the level below to 6, default) or 'A'.")
SINGLE = typer.Option(None, "--max-single-levels", help="Accelerated titration: levels that may run single-patient.")
JSON = typer.Option(False, "--json", help="Print machine-readable JSON.")


@app.command("designs")
def designs_command(as_json: bool = JSON) -> None:
    """List the dose-escalation designs, one line each, with their citation."""
    rows = [{"name": name, "title": TITLES[name], "citation": cls.citation} for name, cls in DESIGNS.items()]
    if as_json:
        typer.echo(json.dumps(rows))
        return
    table = Table("design", "what", "citation", title="doseflow designs")
    for r in rows:
        table.add_row(r["name"], r["title"], r["citation"])
    console.print(table)


@app.command("boundaries")
def boundaries_command(
    design: str = typer.Argument(..., help="Design name (see `doseflow designs`)."),
    cohorts: int = typer.Option(10, "--cohorts", help="Number of cohorts; n runs to cohort size x cohorts."),
    target: Optional[str] = TARGET,
    cohort_size: Optional[str] = COHORT,
    phi1: Optional[str] = PHI1,
    phi2: Optional[str] = PHI2,
    eps1: Optional[str] = EPS1,
    eps2: Optional[str] = EPS2,
    cutoff_eliminate: Optional[str] = CUTOFF,
    variant: Optional[str] = VARIANT,
    as_json: bool = JSON,
) -> None:
    """The decision table over n = 1..(cohort size x cohorts): escalate if DLTs <=, de-escalate if
    DLTs >=, eliminate if DLTs >=."""
    opts = _design_options(target, cohort_size, phi1, phi2, eps1, eps2, cutoff_eliminate, None, variant, None)
    d = make_design(design, opts)
    check_int(cohorts, "--cohorts", minimum=1, error=InputError)
    if not hasattr(d, "decision_table"):
        raise InputError(
            "DESIGN", "a design with a count-based decision table (" + ", ".join(
                n for n, c in DESIGNS.items() if hasattr(c, "decision_table")) + ")", design
        )
    size = getattr(d, "cohort_size", 3)
    table = d.decision_table(size * cohorts)
    out = {"design": design, **table.to_dict()}
    if as_json:
        typer.echo(json.dumps(out))
        return
    t = Table(title=f"{design}: decision table (DLTs at the current level)")
    t.add_column("")
    for n in table.n:
        t.add_column(str(n), justify="right")
    fmt = lambda v: "-" if v is None else str(v)  # noqa: E731
    t.add_row("n", *[str(n) for n in table.n])
    t.add_row("escalate if <=", *map(fmt, table.escalate))
    t.add_row("de-escalate if >=", *map(fmt, table.deescalate))
    t.add_row("eliminate if >=", *map(fmt, table.eliminate))
    console.print(t)


def _state(n: str, dlt: str, current: Optional[int], pending: Optional[str], grade2: Optional[str]) -> TrialState:
    n_list = parse_int_list(n, "--n")
    y_list = parse_int_list(dlt, "--dlt")
    check_counts(n_list, y_list)
    k = len(n_list)
    p_list = parse_int_list(pending, "--pending") if pending else [0] * k
    g_list = parse_int_list(grade2, "--grade2") if grade2 else None
    for option, seq in (("--pending", p_list), ("--grade2", g_list)):
        if seq is None:
            continue
        if len(seq) != k:
            raise InputError(option, f"a list as long as --n ({k} levels)", ",".join(map(str, seq)))
        for i, v in enumerate(seq):
            free = n_list[i] - y_list[i] - (p_list[i] if option == "--grade2" else 0)
            if v < 0 or v > free:
                raise InputError(
                    f"{option} level {i + 1}", f"a whole number from 0 to {free} (patients without a DLT)", v
                )
    if current is not None:
        if not 1 <= current <= k:
            raise InputError("--current", f"a dose level from 1 to {k} (the length of --n)", current)
    elif any(n_list):
        raise InputError("--current", "the level the last cohort was treated at (1-based)", None)
    return TrialState.from_counts(k, n_list, y_list, current, pending=p_list, grade2=g_list)


N_OPT = typer.Option(..., "--n", help="Patients treated per level, lowest first, e.g. 3,3,6,0,0,0.")
DLT_OPT = typer.Option(..., "--dlt", help="DLTs per level, e.g. 0,0,1,0,0,0.")
PENDING = typer.Option(None, "--pending", help="Rolling six: patients per level still in the DLT window.")
GRADE2 = typer.Option(None, "--grade2", help="Accelerated titration: patients per level with a related grade >= 2 toxicity (no DLT).")


@app.command("next")
def next_command(
    design: str = typer.Argument(..., help="Design name (see `doseflow designs`)."),
    n: str = N_OPT,
    dlt: str = DLT_OPT,
    current: Optional[int] = typer.Option(None, "--current", help="Level of the last cohort (1-based)."),
    pending: Optional[str] = PENDING,
    grade2: Optional[str] = GRADE2,
    target: Optional[str] = TARGET,
    cohort_size: Optional[str] = COHORT,
    phi1: Optional[str] = PHI1,
    phi2: Optional[str] = PHI2,
    eps1: Optional[str] = EPS1,
    eps2: Optional[str] = EPS2,
    cutoff_eliminate: Optional[str] = CUTOFF,
    n_earlystop: Optional[str] = EARLYSTOP,
    variant: Optional[str] = VARIANT,
    max_single_levels: Optional[str] = SINGLE,
    as_json: bool = JSON,
) -> None:
    """The design's next decision for the trial so far."""
    opts = _design_options(target, cohort_size, phi1, phi2, eps1, eps2, cutoff_eliminate, n_earlystop, variant, max_single_levels)
    d = make_design(design, opts)
    decision = d.decide(_state(n, dlt, current, pending, grade2))
    out = decision.to_dict()
    if as_json:
        typer.echo(json.dumps(out))
        return
    where = "stop" if decision.next_dose is None else f"{decision.action} to level {decision.next_dose}"
    console.print(f"[bold]{where}[/bold]: {decision.reason}")
    if decision.eliminated:
        console.print("eliminated levels: " + ", ".join(map(str, decision.eliminated)))


@app.command("mtd")
def mtd_command(
    design: str = typer.Argument(..., help="Design name (see `doseflow designs`)."),
    n: str = N_OPT,
    dlt: str = DLT_OPT,
    current: Optional[int] = typer.Option(None, "--current", help="Level of the last cohort (1-based)."),
    target: Optional[str] = TARGET,
    cohort_size: Optional[str] = COHORT,
    phi1: Optional[str] = PHI1,
    phi2: Optional[str] = PHI2,
    eps1: Optional[str] = EPS1,
    eps2: Optional[str] = EPS2,
    cutoff_eliminate: Optional[str] = CUTOFF,
    variant: Optional[str] = VARIANT,
    as_json: bool = JSON,
) -> None:
    """The maximum tolerated dose selected from the trial's data."""
    opts = _design_options(target, cohort_size, phi1, phi2, eps1, eps2, cutoff_eliminate, None, variant, None)
    d = make_design(design, opts)
    n_list = parse_int_list(n, "--n")
    if current is None:
        current = max((i + 1 for i, v in enumerate(n_list) if v > 0), default=None)
    selection = d.select_mtd(_state(n, dlt, current, None, None))
    out = selection.to_dict()
    if as_json:
        typer.echo(json.dumps(out))
        return
    label = "no MTD" if selection.dose is None else f"MTD = level {selection.dose}"
    console.print(f"[bold]{label}[/bold]: {selection.reason}")
