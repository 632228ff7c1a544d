"""``doseflow designs | boundaries | next | mtd``: the designs, their decision tables and decisions.

JSON contracts (1-based dose levels; every command takes ``--json``):

- ``designs --json``: ``{"designs": [{"name", "title", "citation", "options": [{"flag", "help", "bounds",
  "default"}]}], "wrappers": [...]}``
- ``boundaries --json``: ``{"design": str, "n": [...], "escalate": [...], "deescalate": [...],
  "eliminate": [...]}`` with ``null`` where no count applies.
- ``next --json``: :meth:`doseflow.core.Decision.to_dict`: ``{"action", "next_dose", "reason",
  "eliminated", "rule", "cohort_size", "cohort_kind", "backfill", "role", ...design details}``
- ``mtd --json``: :meth:`doseflow.core.MTDSelection.to_dict`: ``{"mtd", "estimates", "reason", "rule", ...}``
"""

from __future__ import annotations

import json
from typing import Any, Optional

import typer

from doseflow.checks import check_counts, check_int
from doseflow.cli.console import console
from doseflow.cli.design_options import DESIGN_ARGUMENT, with_design_options
from doseflow.core import DosePlan, TrialState
from doseflow.designs.registry import cli_options, design_classes, design_from_options, options_of, wrapper_classes
from doseflow.errors import InputError

__all__ = ["parse_counts", "parse_level_days", "state_from_counts"]

#: The commands of this module, added to the application by :mod:`doseflow.cli.app`.
commands = typer.Typer()

JSON = typer.Option(False, "--json", help="Print machine-readable JSON.")
#: Largest number of patients a level may hold on the command line (bounds memory and time).
MAX_PER_LEVEL = 10_000
MAX_LEVELS = 100


def parse_counts(text: str, option: str) -> list[int]:
    """Parse ``"3,3,6,0"`` into whole numbers 0..MAX_PER_LEVEL, naming ``option`` and the bad item."""
    items = [t.strip() for t in str(text).split(",")]
    if len(items) > MAX_LEVELS:
        raise InputError(option, f"at most {MAX_LEVELS} dose levels", len(items))
    out: list[int] = []
    for i, item in enumerate(items, start=1):
        try:
            value = int(item)
        except ValueError:
            raise InputError(f"{option} level {i}", "a whole number", item) from None
        out.append(check_int(value, f"{option} level {i}", minimum=0, maximum=MAX_PER_LEVEL, error=InputError))
    return out


def parse_level_days(text: str, option: str, n_levels: int) -> dict[int, list[float]]:
    """Parse ``"1:10,20;2:5"`` (per 1-based level, days of each patient) into {0-based level: days}.

    Days are numbers >= 0 (at most 3650); a level may appear once. Errors name the option
    and the item.

    Examples
    --------
    >>> parse_level_days("1:10,20;3:5.5", "--followup", 4)
    {0: [10.0, 20.0], 2: [5.5]}
    """
    out: dict[int, list[float]] = {}
    for item in (t.strip() for t in str(text).split(";")):
        if not item:
            continue
        level_text, sep, days_text = item.partition(":")
        try:
            level = int(level_text)
        except ValueError:
            level = 0
        if not sep or not 1 <= level <= n_levels:
            raise InputError(f"{option} item {item!r}", f"LEVEL:DAYS,DAYS with a level from 1 to {n_levels}", item,
                             "E.g. 1:10,20;2:5 (two patients at level 1 followed 10 and 20 days, one at level 2).")
        if level - 1 in out:
            raise InputError(f"{option} level {level}", "given once", item)
        days = []
        for day_text in days_text.split(","):
            try:
                day = float(day_text)
            except ValueError:
                raise InputError(f"{option} level {level}", "numbers of days", day_text.strip()) from None
            if not 0.0 <= day <= 3650.0:
                raise InputError(f"{option} level {level}", "a number of days from 0 to 3650", day_text.strip())
            days.append(day)
        out[level - 1] = days
    return out


def _with_days(state: TrialState, followup: dict[int, list[float]], dlt_days: dict[int, list[float]]) -> TrialState:
    """The records of ``state`` with the follow-up of pending patients and the days of DLTs, level by level."""
    seen: dict[tuple[int, bool | None], int] = {}
    records = []
    for r in state.records:
        key = (r.dose_level - 1, r.dlt)
        j = seen.get(key, 0)
        seen[key] = j + 1
        if r.dlt is None and key[0] in followup:
            r = r.with_outcome(None, followup_day=followup[key[0]][j])
        elif r.dlt is True and key[0] in dlt_days:
            r = r.with_outcome(True, dlt_day=dlt_days[key[0]][j])
        records.append(r)
    return TrialState(state.plan, tuple(records), state.current)


def state_from_counts(n: str, dlt: str, current: Optional[int], pending: Optional[str] = None,
                      grade2: Optional[str] = None, followup: Optional[str] = None,
                      dlt_days: Optional[str] = None) -> TrialState:
    """The trial state typed on the command line (per-level counts), every count checked.

    ``followup`` gives the days of DLT-window follow-up of each pending patient and
    ``dlt_days`` the day of each DLT after enrolment, per level (:func:`parse_level_days`);
    without ``pending`` the pending patients are those of ``followup``.
    """
    n_list = parse_counts(n, "--n")
    y_list = parse_counts(dlt, "--dlt")
    check_counts(n_list, y_list)
    k = len(n_list)
    follow = parse_level_days(followup, "--followup", k) if followup else {}
    days = parse_level_days(dlt_days, "--dlt-days", k) if dlt_days else {}
    p_list = parse_counts(pending, "--pending") if pending else [len(follow.get(i, [])) for i in range(k)]
    g_list = parse_counts(grade2, "--grade2") if grade2 else None
    for option, seq in (("--pending", p_list), ("--grade2", g_list)):
        if seq is None:
            continue
        if len(seq) != k:
            raise InputError(option, f"a list as long as --n ({k} levels)", ",".join(map(str, seq)))
        for i, v in enumerate(seq):
            free = n_list[i] - y_list[i] - (p_list[i] if option == "--grade2" else 0)
            if v > free:
                raise InputError(f"{option} level {i + 1}", f"a whole number from 0 to {free} (patients without a DLT)", v)
    for option, given, want, noun in (("--followup", follow, p_list, "pending patient (--pending)"),
                                      ("--dlt-days", days, y_list, "DLT (--dlt)")):
        for i, values in given.items():
            if len(values) != want[i]:
                raise InputError(f"{option} level {i + 1}", f"{want[i]} number(s) of days, one per {noun}",
                                 len(values))
    if current is not None:
        if not 1 <= current <= k:
            raise InputError("--current", f"a dose level from 1 to {k} (the length of --n)", current)
    elif any(n_list):
        raise InputError("--current", "the level the last cohort was treated at (1-based)", None)
    if not any(n_list):
        return TrialState(DosePlan.of_size(k))
    state = TrialState.from_counts(k, n_list, y_list, current, pending=p_list, grade2=g_list)
    return _with_days(state, follow, days) if follow or days else state


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, allow_nan=False))


@commands.command("designs")
def designs_command(as_json: bool = JSON) -> None:
    """List the dose-escalation designs and the wrappers that add rules to any of them.

    Example: doseflow designs --json
    """
    def describe(cls: type, wrapper: bool) -> dict:
        flags = {o.spec.name: o.flag for o in cli_options() if cls.name in o.owners and o.switch_for is None}
        switch = next((o.flag for o in cli_options() if o.switch_for == cls.name), None)
        opts = [{"flag": flags.get(s.name, s.flag), "help": s.help, "bounds": s.describe_bounds(),
                 "default": list(s.default) if isinstance(s.default, tuple) else s.default}
                for s in options_of(cls) if s.cli]
        out = {"name": cls.name, "title": cls.title, "citation": cls.citation, "options": opts}
        if wrapper:
            out["switch"] = switch
        return out

    data = {"designs": [describe(c, False) for c in design_classes().values()],
            "wrappers": [describe(c, True) for c in wrapper_classes().values()]}
    if as_json:
        _print_json(data)
        return
    from rich.table import Table

    table = Table("design", "what", "options", title="doseflow designs", show_lines=True)
    for row in data["designs"]:
        table.add_row(f"[bold]{row['name']}[/bold]", f"{row['title']}\n[dim]{row['citation']}[/dim]",
                      ", ".join(o["flag"] for o in row["options"]))
    console.print(table)
    wrappers = Table("wrapper", "what", "flags", title="wrappers: add to any design (applied innermost first)",
                     show_lines=True)
    for row in data["wrappers"]:
        flags = ([row["switch"]] if row["switch"] else []) + [o["flag"] for o in row["options"]]
        wrappers.add_row(row["name"], row["title"], ", ".join(flags))
    console.print(wrappers)


@commands.command("boundaries")
@with_design_options
def boundaries_command(
    design: str = DESIGN_ARGUMENT,
    cohorts: int = typer.Option(10, "--cohorts", min=1, max=1000,
                                help="Number of cohorts: n runs to cohort size x cohorts [1-1000]."),
    as_json: bool = JSON,
    design_options: dict = None,  # type: ignore[assignment]
) -> None:
    """The decision table on the DLT count at the current level, one row per n.

    Escalate if DLTs <= the first number, de-escalate if >=, eliminate the level and all above if >=.

    Example: doseflow boundaries boin --target 0.3 --cohorts 10
    """
    d = design_from_options(design, design_options)
    inner = getattr(d, "innermost", d)
    if not hasattr(inner, "decision_table"):
        names = [n for n, c in design_classes().items() if hasattr(c, "decision_table")]
        raise InputError("DESIGN", "a design with a count-based decision table (" + ", ".join(names) + ")", design)
    size = getattr(inner, "cohort_size", 3)
    table = inner.decision_table(size * cohorts)
    out = {"design": inner.name, **table.to_dict()}
    if as_json:
        _print_json(out)
        return
    from rich.table import Table

    fmt = lambda v: "-" if v is None else str(v)  # noqa: E731
    t = Table(title=f"{inner.name}: decisions on the DLTs at the current level", caption="-: no count gives it")
    for col in ("n", "escalate if DLTs <=", "de-escalate if DLTs >=", "eliminate if DLTs >="):
        t.add_column(col, justify="right")
    for n, e, de, x in zip(table.n, table.escalate, table.deescalate, table.eliminate):
        t.add_row(str(n), fmt(e), fmt(de), fmt(x))
    console.print(t)


N_OPT = typer.Option(..., "--n", help="Patients treated per level, lowest first, e.g. 3,3,6,0,0,0.", show_default=False)
DLT_OPT = typer.Option(..., "--dlt", help="DLTs per level, e.g. 0,0,1,0,0,0.", show_default=False)
CURRENT = typer.Option(None, "--current", min=1, max=MAX_LEVELS, help="Level of the last cohort (1-based).")
PENDING = typer.Option(None, "--pending", help="Patients per level still in the DLT window (outcome not known).")
GRADE2 = typer.Option(None, "--grade2", help="Accelerated titration: patients per level with a related grade >= 2 "
                      "toxicity and no DLT.")
FOLLOWUP = typer.Option(None, "--followup", metavar="LEVEL:DAYS;...",
                        help="Time-to-event designs: days of DLT-window follow-up of each pending patient, per level, "
                        "e.g. 1:10,20;2:5 (--pending then follows from it).")
DLT_DAYS = typer.Option(None, "--dlt-days", metavar="LEVEL:DAYS;...",
                        help="Adaptive TITE weights: day of each DLT after enrolment, per level, e.g. 2:7,21.")


@commands.command("next")
@with_design_options
def next_command(
    design: str = DESIGN_ARGUMENT,
    n: str = N_OPT,
    dlt: str = DLT_OPT,
    current: Optional[int] = CURRENT,
    pending: Optional[str] = PENDING,
    grade2: Optional[str] = GRADE2,
    followup: Optional[str] = FOLLOWUP,
    dlt_days: Optional[str] = DLT_DAYS,
    as_json: bool = JSON,
    design_options: dict = None,  # type: ignore[assignment]
) -> None:
    """The design's next decision for the trial so far, with its reason.

    Example: doseflow next boin --n 3,3,6,0,0,0 --dlt 0,0,1,0,0,0 --current 3
    """
    d = design_from_options(design, design_options)
    if grade2 and d.state_kind != "grades":
        raise InputError("--grade2", f"given only to a design that reads grades (accelerated titration: add "
                         f"--accelerated); {d.name} does not", grade2)
    timed = [n_ for n_, c in design_classes().items() if c.uses_followup]
    for option, value in (("--followup", followup), ("--dlt-days", dlt_days)):
        if value and not d.uses_followup:
            raise InputError(option, f"given only to a time-to-event design ({', '.join(timed)})", value)
    if d.uses_followup and pending and any(parse_counts(pending, "--pending")) and not followup:
        raise InputError("--followup", "the days of follow-up of every pending patient, per level", None,
                         f"{d.name} weights pending patients by their follow-up: e.g. --followup 2:10,20.")
    decision = d.decide(state_from_counts(n, dlt, current, pending, grade2, followup, dlt_days))
    if as_json:
        _print_json(decision.to_dict())
        return
    if decision.next_dose is None:
        head = "stop"
    elif decision.cohort_kind == "wait":
        head = f"wait (level {decision.next_dose})"
    else:
        how = "up to " if decision.cohort_kind == "up_to" else ""
        move = "stay at" if decision.action == "stay" else f"{decision.action} to"
        head = f"{move} level {decision.next_dose}: treat {how}{decision.cohort_size}"
    console.print(f"[bold]{head}[/bold] ({decision.rule})\n{decision.reason}", highlight=False)
    if decision.eliminated:
        console.print("eliminated levels: " + ", ".join(map(str, decision.eliminated)))


@commands.command("mtd")
@with_design_options
def mtd_command(
    design: str = DESIGN_ARGUMENT,
    n: str = N_OPT,
    dlt: str = DLT_OPT,
    current: Optional[int] = CURRENT,
    as_json: bool = JSON,
    design_options: dict = None,  # type: ignore[assignment]
) -> None:
    """The maximum tolerated dose selected from the trial's data.

    Example: doseflow mtd boin --n 3,3,15,9,0 --dlt 0,0,4,4,0
    """
    d = design_from_options(design, design_options)
    if current is None:
        current = max((i + 1 for i, v in enumerate(parse_counts(n, "--n")) if v > 0), default=None)
    selection = d.select_mtd(state_from_counts(n, dlt, current))
    if as_json:
        _print_json(selection.to_dict())
        return
    label = "no MTD" if selection.dose is None else f"MTD = level {selection.dose}"
    console.print(f"[bold]{label}[/bold] ({selection.rule})\n{selection.reason}", highlight=False)
