"""``doseflow compare --config study.toml``: several designs in several scenarios, on the same patients.

The study file (TOML)::

    [study]                # all optional; --seed and --workers on the command line win
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

Bounds: at most 20 designs and 20 scenarios; [study] keys as the ``simulate`` options of the
same names, and the whole study within ``simulate``'s bound on local work
(:func:`doseflow.cli.simulate_cmd.check_simulation_size`, counting every design in every
scenario).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Optional

import typer

from doseflow.cli.common_options import (
    MAX_SEED,
    MAX_WORKERS,
    json_option,
    scheduler_option,
    seed_option,
    workers_option,
)
from doseflow.cli.console import console
from doseflow.cli.help_style import Command
from doseflow.cli.json_output import print_json
from doseflow.cli.outputs import prepare_output_dir, save_figure
from doseflow.cli.progress import progress_bar
from doseflow.cli.simulate_cmd import MAX_CHUNK_SIZE, MAX_TRIALS, check_simulation_size
from doseflow.cli.tables import print_table
from doseflow.designs.registry import design_from_options
from doseflow.errors import ConfigError, InputError

__all__ = ["compare_command", "read_study", "MAX_STUDY_TABLES"]

#: The commands of this module, added to the application by :mod:`doseflow.cli.app`.
commands = typer.Typer()

_STUDY_KEYS = {"trials": (1, MAX_TRIALS), "seed": (0, MAX_SEED), "chunk_size": (1, MAX_CHUNK_SIZE),
               "workers": (1, MAX_WORKERS)}
#: Most designs, and most scenarios, in one study (the figures have a panel per scenario).
MAX_STUDY_TABLES = 20


def read_study(path: Path) -> tuple[dict[str, Any], dict[str, Any], list]:
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
    from doseflow.simulate.scenario import Scenario

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
    if len(tables) > MAX_STUDY_TABLES:
        raise ConfigError(f"{path} [{key}.*]", f"at most {MAX_STUDY_TABLES} [{key}.NAME] tables", len(tables))
    for label, table in tables.items():
        if not isinstance(table, dict):
            raise ConfigError(f"{path} [{key}.{label}]", "a table", table)
    return tables


@commands.command("compare", cls=Command)
def compare_command(
    config: Path = typer.Option(..., "--config", metavar="FILE", show_default=False,
                                help=r"The study file (TOML): \[study], \[designs.LABEL], \[scenarios.LABEL]."),
    out: Path = typer.Option(Path("comparison"), "--out", metavar="FOLDER",
                             help="Folder for comparison.csv and the figures."),
    seed: Optional[int] = seed_option(None, "The seed (default: [study] seed, else 1): the same seed gives the "
                                      "same result"),
    workers: Optional[int] = workers_option(None, "Local worker processes (default: [study] workers, else 1); the "
                                            "result does not depend on it"),
    as_json: bool = json_option(),
    scheduler: Optional[str] = scheduler_option(),
) -> None:
    r"""Several designs x several scenarios on the same simulated patients: a CSV, a table and figures.

    The study file: \[study] trials, seed, chunk_size, workers (each optional, bounded as the options of
    `doseflow simulate`); \[designs.LABEL] design = "boin" and the design's options by name, e.g.
    target = 0.3, max_n = 30; \[scenarios.LABEL] true_dlt = \[0.05, 0.15, 0.30] or published = "zhao-2024/3".
    At most 20 designs and 20 scenarios.

    Example: doseflow compare --config study.toml --out comparison
    """
    from doseflow.simulate.compare import compare_designs
    from doseflow.simulate.run import prepare

    settings, designs, scenarios = read_study(config)
    trials, chunk_size = settings.get("trials", 10_000), settings.get("chunk_size", 10_000)
    capacity = max(prepare(d, s).capacity for s in scenarios for d in designs.values())
    check_simulation_size(trials, chunk_size, capacity, scheduler, runs=len(designs) * len(scenarios),
                          trials_option=f"{config} [study] trials", chunk_option=f"{config} [study] chunk_size")
    folder = prepare_output_dir(out)
    with progress_bar("comparing", total=len(designs) * len(scenarios)) as update:
        result = compare_designs(designs, scenarios, n_trials=trials, chunk_size=chunk_size,
                                 seed=settings.get("seed", 1) if seed is None else seed,
                                 workers=settings.get("workers", 1) if workers is None else workers,
                                 scheduler=scheduler, progress=update)
    result.to_frame().to_csv(folder / "comparison.csv", index=False)
    save_figure(result.plot_selection(), folder / "selection.png", "--out")
    save_figure(result.plot_patients(), folder / "patients.png", "--out")
    if as_json:
        print_json(result.to_dict())
        return
    from rich import box
    from rich.table import Table

    table = result.selection_table()
    t = Table("scenario", "level", *table.columns, title="Selected as MTD (%), same patients for every design",
              box=box.SIMPLE_HEAD)
    for (scenario, level), row in table.iterrows():
        t.add_row(scenario, level, *(f"{v:.1f}" for v in row))
    print_table(t)
    console.print(f"written: {folder / 'comparison.csv'}, {folder / 'selection.png'}, {folder / 'patients.png'}")
