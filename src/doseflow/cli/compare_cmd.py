"""``doseflow compare --config study.toml``: several designs in several scenarios, on the same patients.

The study file (TOML)::

    [study]                # all optional
    trials = 10000
    seed = 1
    chunk_size = 10000
    workers = 2

    [designs."3+3"]        # a label, then the design and its options by name (as the flags,
    design = "3+3"         # without the dashes), wrappers included: max_n, n_earlystop, ...

    [designs.BOIN]
    design = "boin"
    target = 0.3
    max_n = 30

    [scenarios.S1]         # true DLT probabilities (optionally target, dlt_window, ...)
    true_dlt = [0.05, 0.15, 0.30, 0.45, 0.60]

Outputs in ``--out`` (default ``comparison``): ``comparison.csv`` (tidy: design, scenario,
level, every figure and its standard error), ``selection.png`` and ``patients.png``; the
side-by-side selection table on screen. JSON: ``{"designs", "scenarios", "results": [...]}``.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any, Optional

import typer

from doseflow.cli.console import console
from doseflow.cli.outputs import prepare_output_dir, save_figure
from doseflow.cli.simulate_cmd import run_with_progress
from doseflow.designs.registry import design_from_options
from doseflow.errors import ConfigError, InputError
from doseflow.simulate.scenario import Scenario

__all__ = ["compare_command", "read_study"]

#: The commands of this module, added to the application by :mod:`doseflow.cli.app`.
commands = typer.Typer()

_STUDY_KEYS = {"trials": (1, 100_000_000), "seed": (0, 2**63 - 1), "chunk_size": (1, 1_000_000), "workers": (1, 256)}


def read_study(path: Path) -> tuple[dict[str, Any], dict[str, Any], list[Scenario]]:
    """(settings, designs by label, scenarios) of a study file; errors name the file, table and key."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise InputError("--config", "a readable TOML file", str(path), str(exc)) from None
    except UnicodeDecodeError:
        raise InputError("--config", "a UTF-8 text file", str(path)) from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(str(path), "valid TOML", str(exc)) from None
    extra = sorted(set(doc) - {"study", "designs", "scenarios"})
    if extra:
        raise ConfigError(f"{path} [{extra[0]}]", "one of the tables [study], [designs.*], [scenarios.*]", extra[0])
    settings = {}
    for key, value in doc.get("study", {}).items():
        if key not in _STUDY_KEYS:
            raise ConfigError(f"{path} [study] {key}", "one of " + ", ".join(_STUDY_KEYS), value)
        lo, hi = _STUDY_KEYS[key]
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise ConfigError(f"{path} [study] {key}", f"a whole number from {lo} to {hi}", value)
        settings[key] = value
    designs: dict[str, Any] = {}
    for label, table in _tables(doc, "designs", path).items():
        where = f"{path} [designs.{label}]"
        table = dict(table)
        name = table.pop("design", None)
        if name is None:
            raise ConfigError(f"{where} design", "the name of a design (see `doseflow designs`)", None)
        flags = {"--" + key.replace("_", "-"): value for key, value in table.items()}
        try:
            designs[label] = design_from_options(str(name), flags)
        except InputError as exc:
            raise ConfigError(f"{where} {exc.where.lstrip('-').replace('-', '_')}", exc.expected, exc.value,
                              exc.hint) from None
    scenarios = []
    for label, table in _tables(doc, "scenarios", path).items():
        where = f"{path} [scenarios.{label}]"
        table = dict(table)
        published = table.pop("published", None)
        if published is not None:
            from doseflow.simulate.library import load_scenario

            base = load_scenario(str(published)).to_dict()
            base.pop("name", None)
            table = {**base, **table}
        try:
            scenarios.append(Scenario.from_dict({"name": label, **table}, where))
        except ConfigError as exc:
            raise ConfigError(f"{where} {exc.where}", exc.expected, exc.value, exc.hint) from None
    return settings, designs, scenarios


def _tables(doc: dict, key: str, path: Path) -> dict[str, dict]:
    tables = doc.get(key, {})
    if not isinstance(tables, dict) or not tables:
        raise ConfigError(f"{path} [{key}.*]", f"at least one [{key}.NAME] table", tables or None)
    for label, table in tables.items():
        if not isinstance(table, dict):
            raise ConfigError(f"{path} [{key}.{label}]", "a table", table)
    return tables


@commands.command("compare")
def compare_command(
    config: Path = typer.Option(..., "--config", help="The study file (TOML): [study], [designs.*], [scenarios.*].",
                                show_default=False),
    out: Path = typer.Option(Path("comparison"), "--out", help="Folder for comparison.csv and the figures."),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Run on a Dask cluster: tcp://HOST:PORT."),
) -> None:
    """Several designs x several scenarios on the same simulated patients: a CSV, a table and figures.

    Example: doseflow compare --config study.toml --out comparison
    """
    from doseflow.simulate.compare import compare_designs

    settings, designs, scenarios = read_study(config)
    folder = prepare_output_dir(out)
    result = run_with_progress(
        "comparing", as_json,
        lambda progress: compare_designs(designs, scenarios, n_trials=settings.get("trials", 10_000),
                                         seed=settings.get("seed", 1), chunk_size=settings.get("chunk_size", 10_000),
                                         workers=settings.get("workers", 1), scheduler=scheduler, progress=progress),
    )
    result.to_frame().to_csv(folder / "comparison.csv", index=False)
    save_figure(result.plot_selection(), folder / "selection.png", "--out")
    save_figure(result.plot_patients(), folder / "patients.png", "--out")
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2, allow_nan=False))
        return
    from rich.table import Table

    table = result.selection_table()
    t = Table("scenario", "level", *table.columns, title="Selected as MTD (%), same patients for every design")
    for (scenario, level), row in table.iterrows():
        t.add_row(scenario, level, *(f"{v:.1f}" for v in row))
    console.print(t)
    console.print(f"written: {folder / 'comparison.csv'}, {folder / 'selection.png'}, {folder / 'patients.png'}")
