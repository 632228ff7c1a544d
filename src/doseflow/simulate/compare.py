"""Several designs in several scenarios, on the same simulated patients: a paired comparison.

Each scenario's trials are simulated for every design with the same seed, chunk size and
number of patients drawn per trial, so every design meets the same patients (as
``escalation::simulate_compare`` does, Brock 2019): differences between designs are not
differences between patient samples.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from doseflow.checks import check_int
from doseflow.errors import ConfigError
from doseflow.simulate.metrics import OperatingCharacteristics
from doseflow.simulate.run import MAX_PATIENTS, prepare, simulate
from doseflow.simulate.scenario import Scenario

__all__ = ["Comparison", "compare_designs"]

#: Colour-blind-safe palette (Paul Tol's bright scheme), one colour per design.
PALETTE = ("#4477AA", "#EE6677", "#228833", "#CCBB44", "#66CCEE", "#AA3377", "#BBBBBB")


@dataclass(frozen=True)
class Comparison:
    """The operating characteristics of every (design, scenario) pair, in input order."""

    designs: tuple[str, ...]
    scenarios: tuple[Scenario, ...]
    results: Mapping[tuple[str, str], OperatingCharacteristics]

    def to_frame(self):
        """Tidy: one row per design, scenario and level (and "none"), with every figure and its SE."""
        import pandas as pd

        rows = []
        for (design, scenario), oc in self.results.items():
            for row in oc.to_frame().to_dict("records"):
                rows.append({"design": design, "scenario": scenario, **row, "sample_size": oc.sample_size_mean,
                             "sample_size_se": oc.sample_size_se,
                             "overdose_pct": np.nan if oc.overdose_pct is None else oc.overdose_pct})
        return pd.DataFrame(rows)

    def selection_table(self):
        """Side by side: rows scenario x level, one column of selection % per design."""
        frame = self.to_frame()
        return frame.pivot_table(index=["scenario", "level"], columns="design", values="selection_pct",
                                 sort=False)[list(self.designs)]

    def to_dict(self) -> dict:
        return {"designs": list(self.designs), "scenarios": [s.to_dict() for s in self.scenarios],
                "results": [{"label": d, "scenario": s, **oc.to_dict()} for (d, s), oc in self.results.items()]}

    def _grid(self, width: float):
        from matplotlib.figure import Figure

        n = len(self.scenarios)
        cols = min(n, 3)
        rows = -(-n // cols)
        fig = Figure(figsize=(width * cols, 2.8 * rows + 0.6), layout="constrained")
        axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
        for ax in axes[n:]:
            ax.set_visible(False)
        return fig, axes

    def _bars(self, value: Callable[[OperatingCharacteristics], Sequence[float]], ylabel: str, title: str,
              with_none: bool):
        fig, axes = self._grid(4.2)
        m = len(self.designs)
        width = 0.8 / m
        for ax, scenario in zip(axes, self.scenarios):
            k = scenario.n_levels
            labels = [str(i + 1) for i in range(k)] + (["none"] if with_none else [])
            x = np.arange(len(labels))
            target = scenario.target
            if target is None:
                target = next((oc.target for (d, s), oc in self.results.items() if s == scenario.name
                               and oc.target is not None), None)
            mtd = -1 if target is None else scenario.true_mtd(target)
            if mtd >= 0:
                ax.axvspan(mtd - 0.45, mtd + 0.45, color="#E8E8E8", zorder=0, label="true MTD")
            for j, design in enumerate(self.designs):
                oc = self.results[(design, scenario.name)]
                ax.bar(x + (j - (m - 1) / 2) * width, value(oc), width, color=PALETTE[j % len(PALETTE)],
                       label=design)
            ax.set_xticks(x, labels)
            truth = ", ".join(f"{p:g}" for p in scenario.true_dlt)
            ax.set_title(f"{scenario.name}: true DLT {truth}", fontsize=8)
            ax.set_xlabel("dose level")
            ax.set_ylabel(ylabel)
        fig.suptitle(title, fontsize=10)
        handles, labels = [], []
        for ax in axes[:len(self.scenarios)]:
            for h, lab in zip(*ax.get_legend_handles_labels()):
                if lab not in labels:
                    handles.append(h)
                    labels.append(lab)
        fig.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 4), fontsize=8, frameon=False)
        return fig

    def plot_selection(self):
        """Selection % per level and none, a panel per scenario, designs side by side (a Figure)."""
        return self._bars(lambda oc: list(oc.selection_pct) + [oc.no_mtd_pct], "selected as MTD (%)",
                          "Selection of the MTD", True)

    def plot_patients(self):
        """Mean patients treated per level, a panel per scenario (a Figure)."""
        return self._bars(lambda oc: oc.patients_per_level, "patients (mean)", "Patients treated per level", False)


def compare_designs(
    designs: Mapping[str, object],
    scenarios: Sequence[Scenario],
    *,
    n_trials: int = 10_000,
    seed: int = 1,
    chunk_size: int = 10_000,
    workers: int = 1,
    scheduler: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Comparison:
    """Simulate every design in every scenario on the same patients (see module docstring).

    Parameters
    ----------
    designs : mapping of label to design
    scenarios : sequence of Scenario
        With distinct names.
    n_trials, seed, chunk_size, workers, scheduler
        As :func:`doseflow.simulate.simulate`.
    progress : callable, optional
        ``progress(done, total)`` over all (design, scenario) pairs.
    """
    if not designs:
        raise ConfigError("designs", "at least one design", {})
    if not scenarios:
        raise ConfigError("scenarios", "at least one scenario", [])
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names) or "" in names:
        raise ConfigError("scenario names", "distinct, non-empty names", names)
    n_trials = check_int(n_trials, "n_trials", minimum=1)
    results: dict[tuple[str, str], OperatingCharacteristics] = {}
    total = len(designs) * len(scenarios)
    done = 0
    for scenario in scenarios:
        capacity = max(prepare(d, scenario).capacity for d in designs.values())
        if capacity > MAX_PATIENTS:
            raise ConfigError("designs", f"at most {MAX_PATIENTS} patients per trial", capacity)
        for label, design in designs.items():
            results[(label, scenario.name)] = simulate(design, scenario, n_trials=n_trials, seed=seed,
                                                       chunk_size=chunk_size, workers=workers, scheduler=scheduler,
                                                       patients_per_trial=capacity)
            done += 1
            if progress:
                progress(done, total)
    return Comparison(tuple(designs), tuple(scenarios), results)
