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

from typing import Optional

import typer
from rich.markup import escape

from doseflow.cli.common_options import json_option, parse_whole_number, whole_number_option
from doseflow.cli.console import console
from doseflow.cli.design_options import design_argument, with_design_options
from doseflow.cli.help_style import Command
from doseflow.cli.json_output import print_json
from doseflow.cli.tables import print_table
from doseflow.core import DosePlan, TrialState
from doseflow.designs.registry import cli_options, design_classes, design_from_options, options_of, wrapper_classes
from doseflow.errors import InputError

__all__ = ["parse_counts", "parse_level_days", "state_from_counts", "MAX_LEVELS", "MAX_TRIAL_PATIENTS"]

#: The commands of this module, added to the application by :mod:`doseflow.cli.app`.
commands = typer.Typer()

#: Most dose levels a trial typed on the command line may have.
MAX_LEVELS = 100
#: Most patients a trial typed on the command line (or a decision table) may hold: the
#: largest trial that is simulated (``doseflow.simulate.run.MAX_PATIENTS``, not imported at
#: start-up; tested equal); it bounds the memory and time of a decision.
MAX_TRIAL_PATIENTS = 2_000
#: Most cohorts a decision table spans.
MAX_TABLE_COHORTS = 100


def parse_counts(text: str, option: str) -> list[int]:
    """Parse ``"3,3,6,0"`` into whole numbers 0..MAX_TRIAL_PATIENTS, naming ``option`` and the bad item."""
    items = [t.strip() for t in str(text).split(",")]
    if len(items) > MAX_LEVELS:
        raise InputError(option, f"at most {MAX_LEVELS} dose levels", len(items))
    return [parse_whole_number(item, f"{option} level {i}", 0, MAX_TRIAL_PATIENTS)
            for i, item in enumerate(items, start=1)]


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
    if sum(n_list) > MAX_TRIAL_PATIENTS:
        raise InputError("--n", f"at most {MAX_TRIAL_PATIENTS:,} patients in all", sum(n_list))
    y_list = parse_counts(dlt, "--dlt")
    if len(y_list) != len(n_list):
        raise InputError("--dlt", f"a list as long as --n ({len(n_list)} levels)", y_list)
    for i, (ni, yi) in enumerate(zip(n_list, y_list), start=1):
        if yi > ni:
            raise InputError(f"--dlt level {i}", f"at most the number of patients at that level ({ni})", yi)
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


@commands.command("designs", cls=Command)
def designs_command(as_json: bool = json_option()) -> None:
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
        print_json(data)
        return
    from rich import box
    from rich.table import Table

    designs = Table("design", "what it does, its options and its source", title="doseflow designs",
                    box=box.SIMPLE_HEAD, show_lines=True)
    for row in data["designs"]:
        designs.add_row(f"[bold]{row['name']}[/bold]", f"{row['title']}\noptions: "
                        + ", ".join(o["flag"] for o in row["options"]) + f"\n[dim]{row['citation']}[/dim]")
    print_table(designs)
    wrappers = Table("wrapper", "what it adds and its flags",
                     title="wrappers: add to any design (applied innermost first)", box=box.SIMPLE_HEAD,
                     show_lines=True)
    for row in data["wrappers"]:
        flags = ([row["switch"]] if row["switch"] else []) + [o["flag"] for o in row["options"]]
        wrappers.add_row(row["name"], f"{row['title']}\nflags: " + ", ".join(flags))
    print_table(wrappers)


def _table_designs() -> list[str]:
    return [n for n, c in design_classes().items() if hasattr(c, "decision_table")]


@commands.command("boundaries", cls=Command)
@with_design_options
def boundaries_command(
    design: str = design_argument(_table_designs()),
    cohorts: int = whole_number_option(10, "--cohorts", "Cohorts the table spans: n runs from 1 to cohort size x "
                                       f"cohorts, at most {MAX_TRIAL_PATIENTS:,}", minimum=1,
                                       maximum=MAX_TABLE_COHORTS),
    as_json: bool = json_option(),
    design_options: dict = None,  # type: ignore[assignment]
) -> None:
    """The decision table on the DLT count at the current level, one row per n.

    Escalate if DLTs <= the first number, de-escalate if >=, eliminate the level and all above if >=.

    Example: doseflow boundaries boin --target 0.3 --cohorts 10
    """
    d = design_from_options(design, design_options)
    inner = getattr(d, "innermost", d)
    if not hasattr(inner, "decision_table"):
        raise InputError("DESIGN", "a design with a count-based decision table (" + ", ".join(_table_designs()) + ")",
                         design)
    size = getattr(inner, "cohort_size", 3)
    if size * cohorts > MAX_TRIAL_PATIENTS:
        raise InputError("--cohorts", f"at most {MAX_TRIAL_PATIENTS // size:,} with cohorts of {size} (a table of "
                         f"at most {MAX_TRIAL_PATIENTS:,} patients)", cohorts)
    table = inner.decision_table(size * cohorts)
    out = {"design": inner.name, **table.to_dict()}
    if as_json:
        print_json(out)
        return
    from rich import box
    from rich.table import Table

    fmt = lambda v: "-" if v is None else str(v)  # noqa: E731
    t = Table(title=f"{inner.name}, by the DLTs among the n patients at the current level: escalate if DLTs <= "
                    "the number, de-escalate if >=, eliminate the level and those above if >=",
              caption="-: no number of DLTs gives it", box=box.SIMPLE_HEAD, pad_edge=False)
    for col in ("n", "escalate", "de-escalate", "eliminate"):
        t.add_column(col, justify="right")
    for n, e, de, x in zip(table.n, table.escalate, table.deescalate, table.eliminate):
        t.add_row(str(n), fmt(e), fmt(de), fmt(x))
    print_table(t)


N_OPT = typer.Option(..., "--n", metavar="COUNTS", show_default=False,
                     help=f"Patients treated per level, lowest first, e.g. 3,3,6,0,0,0 (whole numbers >= 0; at most "
                     f"{MAX_LEVELS} levels and {MAX_TRIAL_PATIENTS:,} patients in all).")
DLT_OPT = typer.Option(..., "--dlt", metavar="COUNTS", show_default=False,
                       help="DLTs per level, e.g. 0,0,1,0,0,0 (whole numbers from 0 to the patients at the level).")
CURRENT = whole_number_option(None, "--current", "Level of the last cohort, 1-based (required once a patient is "
                              "treated)", minimum=1, maximum=MAX_LEVELS)
PENDING = typer.Option(None, "--pending", metavar="COUNTS", show_default=False,
                       help="Patients per level whose DLT window is still open (counted in --n, outcome not known), "
                       "e.g. 0,0,2; every design reads it: interval designs (boin, keyboard, mtpi2, i3+3) decide "
                       "from the evaluated patients and wait when none is evaluated at the current level, 3+3 waits "
                       "for complete cohorts, rolling6 and time-to-event designs enrol while outcomes are pending.")
GRADE2 = typer.Option(None, "--grade2", metavar="COUNTS", show_default=False,
                      help="Patients per level with a related grade >= 2 toxicity and no DLT, e.g. 1,0,0; read only "
                      "by designs that read grades (add --accelerated).")
FOLLOWUP = typer.Option(None, "--followup", metavar="DAYS", show_default=False,
                        help="Time-to-event designs: days of DLT-window follow-up of each pending patient, per level, "
                        "e.g. 1:10,20;2:5 (--pending then follows from it).")
DLT_DAYS = typer.Option(None, "--dlt-days", metavar="DAYS", show_default=False,
                        help="Adaptive TITE weights: day of each DLT after enrolment, per level, e.g. 2:7,21.")


@commands.command("next", cls=Command)
@with_design_options
def next_command(
    design: str = design_argument(),
    n: str = N_OPT,
    dlt: str = DLT_OPT,
    current: Optional[int] = CURRENT,
    pending: Optional[str] = PENDING,
    grade2: Optional[str] = GRADE2,
    followup: Optional[str] = FOLLOWUP,
    dlt_days: Optional[str] = DLT_DAYS,
    as_json: bool = json_option(),
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
        print_json(decision.to_dict())
        return
    if decision.next_dose is None:
        head = "stop"
    elif decision.cohort_kind == "wait":
        head = f"wait (level {decision.next_dose})"
    else:
        how = "up to " if decision.cohort_kind == "up_to" else ""
        move = "stay at" if decision.action == "stay" else f"{decision.action} to"
        head = f"{move} level {decision.next_dose}: treat {how}{decision.cohort_size}"
    console.print(f"[bold]{head}[/bold] ({decision.rule})\n{escape(decision.reason)}", highlight=False)
    if decision.eliminated:
        console.print("eliminated levels: " + ", ".join(map(str, decision.eliminated)))


@commands.command("mtd", cls=Command)
@with_design_options
def mtd_command(
    design: str = design_argument(),
    n: str = N_OPT,
    dlt: str = DLT_OPT,
    current: Optional[int] = CURRENT,
    as_json: bool = json_option(),
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
        print_json(selection.to_dict())
        return
    label = "no MTD" if selection.dose is None else f"MTD = level {selection.dose}"
    console.print(f"[bold]{label}[/bold] ({selection.rule})\n{escape(selection.reason)}", highlight=False)
