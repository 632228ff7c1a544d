"""``doseflow simulate DESIGN --true-dlt ...``: operating characteristics of a design.

Exact by enumerating every outcome path (``--exact``; count-based designs such as 3+3,
or interval designs with ``--max-n``) or by Monte Carlo (``--trials`` trials, reproducible
for ``--seed`` whatever ``--workers``). JSON (1-based levels, percentages 0-100)::

    {"design": str, "method": "exact"|"monte carlo", "true_dlt": [...], "selection_pct": [...],
     "no_mtd_pct": float, "patients_per_dose": [...], "dlts_per_dose": [...], "mean_n": float,
     "mean_dlts": float, "trials": int|null, "seed": int|null}
"""

from __future__ import annotations

import json
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from doseflow.checks import check_int
from doseflow.cli.app import app
from doseflow.cli.designs_cmd import (
    COHORT, CUTOFF, EPS1, EPS2, PHI1, PHI2, SINGLE, TARGET, VARIANT, _design_options, parse_number,
)
from doseflow.designs import make_design
from doseflow.errors import InputError
from doseflow.simulate import compute_exact_oc, simulate_oc

__all__ = ["simulate_command"]

console = Console()


def _probabilities(text: str) -> list[float]:
    out = []
    for i, item in enumerate(text.split(","), start=1):
        value = parse_number(item.strip(), f"--true-dlt item {i}")
        if not 0.0 <= value <= 1.0:
            raise InputError(f"--true-dlt item {i}", "a probability in [0, 1]", item.strip())
        out.append(value)
    return out


@app.command("simulate")
def simulate_command(
    design: str = typer.Argument(..., help="Design name (see `doseflow designs`)."),
    true_dlt: str = typer.Option(..., "--true-dlt", help="True DLT probability per level, e.g. 0.05,0.15,0.3,0.45,0.6."),
    exact: bool = typer.Option(False, "--exact", help="Enumerate every outcome path (no Monte Carlo error)."),
    trials: int = typer.Option(10_000, "--trials", help="Monte Carlo: number of simulated trials."),
    seed: int = typer.Option(1, "--seed", help="Monte Carlo: the seed (the only source of randomness)."),
    workers: int = typer.Option(1, "--workers", help="Monte Carlo: worker processes (the result does not depend on it)."),
    max_n: Optional[int] = typer.Option(None, "--max-n", help="Maximum sample size (default 30 for Monte Carlo)."),
    target: Optional[str] = TARGET,
    cohort_size: Optional[str] = COHORT,
    phi1: Optional[str] = PHI1,
    phi2: Optional[str] = PHI2,
    eps1: Optional[str] = EPS1,
    eps2: Optional[str] = EPS2,
    cutoff_eliminate: Optional[str] = CUTOFF,
    variant: Optional[str] = VARIANT,
    max_single_levels: Optional[str] = SINGLE,
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Operating characteristics: selection % per level, patients and DLTs per level, mean N."""
    opts = _design_options(target, cohort_size, phi1, phi2, eps1, eps2, cutoff_eliminate, None, variant,
                           max_single_levels)
    d = make_design(design, opts)
    p = _probabilities(true_dlt)
    if max_n is not None:
        check_int(max_n, "--max-n", minimum=1, error=InputError)
    if exact:
        oc = compute_exact_oc(d, p, max_n)
        out = {
            "design": design, "method": "exact", "true_dlt": p,
            "selection_pct": [100 * v for v in oc.selection], "no_mtd_pct": 100 * oc.no_mtd,
            "patients_per_dose": list(oc.patients_per_level), "dlts_per_dose": list(oc.dlts_per_level),
            "mean_n": oc.mean_n, "mean_dlts": oc.mean_dlts, "trials": None, "seed": None,
        }
    else:
        check_int(trials, "--trials", minimum=1, error=InputError)
        check_int(workers, "--workers", minimum=1, error=InputError)
        oc = simulate_oc(d, p, n_trials=trials, max_n=max_n or 30, seed=seed, workers=workers)
        out = {
            "design": design, "method": "monte carlo", "true_dlt": p,
            "selection_pct": oc.selection_pct.tolist(), "no_mtd_pct": oc.no_mtd_pct,
            "patients_per_dose": oc.patients_per_dose.tolist(), "dlts_per_dose": oc.dlts_per_dose.tolist(),
            "mean_n": oc.mean_n, "mean_dlts": oc.mean_dlts, "trials": trials, "seed": seed,
        }
    if as_json:
        typer.echo(json.dumps(out))
        return
    how = "exact enumeration" if exact else f"{trials:,} simulated trials, seed {seed}"
    t = Table(title=f"{design}: operating characteristics ({how})")
    for col in ("level", "true DLT rate", "selected as MTD %", "patients", "DLTs"):
        t.add_column(col, justify="right")
    for i, pi in enumerate(p):
        t.add_row(str(i + 1), f"{pi:.2f}", f"{out['selection_pct'][i]:.1f}", f"{out['patients_per_dose'][i]:.2f}",
                  f"{out['dlts_per_dose'][i]:.2f}")
    t.add_row("none", "", f"{out['no_mtd_pct']:.1f}", f"{out['mean_n']:.2f}", f"{out['mean_dlts']:.2f}")
    console.print(t)
