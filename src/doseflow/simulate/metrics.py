"""Operating characteristics: one result for exact enumeration and for Monte Carlo.

Monte Carlo runs are summarised chunk by chunk into sums (:class:`ChunkSummary`), which add
up in chunk order whatever the backend, so memory is bounded by the chunk size and the
result depends on (seed, chunk size) only. Exact enumeration fills the same result with
expectations and no Monte Carlo error.

Figures (percentages 0-100): selection of each level as the MTD and of no level; patients
and DLTs per level; sample size (mean, 5th and 95th percentiles); DLTs per trial; % of a
trial's patients treated above the true MTD (at levels whose true DLT probability exceeds
the target); early stops with no dose selected (BOIN's ``percentstop``) and how all trials
ended (% by the rule that ended them); trial duration in calendar time. Each mean has its Monte Carlo standard error: sqrt(p (1 - p) / N) for a proportion,
s / sqrt(N) for a mean (s the sample standard deviation).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from doseflow.simulate.engine import TrialRuns
from doseflow import DAYS_PER_MONTH
from doseflow.simulate.scenario import Scenario

__all__ = ["ChunkSummary", "OperatingCharacteristics", "summarise_runs", "combine_summaries"]

#: Width (days) of the duration histogram used for its percentiles.
DURATION_BIN_DAYS = 1.0


@dataclass
class ChunkSummary:
    """Sums over the trials of one chunk (all arrays add up across chunks)."""

    n_trials: int
    selection: np.ndarray  # (levels + 1,), index 0 = no MTD
    n_sum: np.ndarray
    n_sq: np.ndarray
    y_sum: np.ndarray
    y_sq: np.ndarray
    size_hist: np.ndarray
    dlt_sum: float
    dlt_sq: float
    over_sum: float
    over_sq: float
    rules: np.ndarray
    early: int
    dur_sum: float = 0.0
    dur_sq: float = 0.0
    dur_hist: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def __add__(self, other: "ChunkSummary") -> "ChunkSummary":
        def pad_add(a: np.ndarray, b: np.ndarray) -> np.ndarray:
            m = max(a.size, b.size)
            return np.pad(a, (0, m - a.size)) + np.pad(b, (0, m - b.size))

        return ChunkSummary(
            self.n_trials + other.n_trials, self.selection + other.selection, self.n_sum + other.n_sum,
            self.n_sq + other.n_sq, self.y_sum + other.y_sum, self.y_sq + other.y_sq,
            pad_add(self.size_hist, other.size_hist), self.dlt_sum + other.dlt_sum, self.dlt_sq + other.dlt_sq,
            self.over_sum + other.over_sum, self.over_sq + other.over_sq, self.rules + other.rules,
            self.early + other.early, self.dur_sum + other.dur_sum, self.dur_sq + other.dur_sq,
            pad_add(self.dur_hist, other.dur_hist),
        )


def _over_fraction(n: np.ndarray, true_dlt: np.ndarray, target: float | None) -> np.ndarray:
    if target is None:
        return np.full(n.shape[0], np.nan)
    above = true_dlt > target + 1e-12
    total = n.sum(axis=1)
    return np.where(total > 0, n[:, above].sum(axis=1) / np.maximum(total, 1), 0.0)


def summarise_runs(runs: TrialRuns, scenario: Scenario, target: float | None) -> ChunkSummary:
    """The sums of one chunk of simulated trials."""
    t, k = runs.n.shape
    size = runs.sample_size
    dlts = runs.y.sum(axis=1).astype(float)
    over = _over_fraction(runs.n, np.asarray(scenario.true_dlt), target)
    early = int((runs.mtd < 0).sum())
    out = ChunkSummary(
        t, np.bincount(runs.mtd + 1, minlength=k + 1).astype(float), runs.n.sum(axis=0).astype(float),
        (runs.n.astype(float) ** 2).sum(axis=0), runs.y.sum(axis=0).astype(float),
        (runs.y.astype(float) ** 2).sum(axis=0), np.bincount(size).astype(float), float(dlts.sum()),
        float((dlts ** 2).sum()), float(np.nansum(over)), float(np.nansum(over ** 2)),
        np.bincount(runs.rule, minlength=len(runs.rules)).astype(float), early,
    )
    if np.isfinite(runs.duration).any():
        dur = runs.duration
        out.dur_sum, out.dur_sq = float(dur.sum()), float((dur ** 2).sum())
        out.dur_hist = np.bincount(np.floor(dur / DURATION_BIN_DAYS).astype(np.int64)).astype(float)
    return out


def combine_summaries(parts: list[ChunkSummary]) -> ChunkSummary:
    """Add chunk summaries in chunk order."""
    total = parts[0]
    for part in parts[1:]:
        total = total + part
    return total


def _percentile_from_hist(hist: np.ndarray, q: float, width: float = 1.0) -> float:
    """The q-quantile (0-1) of a distribution given as counts per bin of ``width`` (bin i: [i w, (i+1) w))."""
    total = hist.sum()
    if total <= 0:
        return float("nan")
    cum = np.cumsum(hist)
    i = int(np.searchsorted(cum, q * total, side="left"))
    before = cum[i - 1] if i > 0 else 0.0
    inside = hist[i]
    frac = 0.0 if inside == 0 else (q * total - before) / inside
    return (i + frac) * width


def _discrete_percentile(hist: np.ndarray, q: float) -> float:
    """The q-quantile of an integer-valued distribution given as counts per value (type 1, as R's quantile)."""
    total = hist.sum()
    if total <= 0:
        return float("nan")
    return float(np.searchsorted(np.cumsum(hist) / total, q - 1e-12, side="left"))


@dataclass(frozen=True)
class OperatingCharacteristics:
    """Operating characteristics of a design in a scenario, exact or by Monte Carlo.

    Percentages are 0-100; every ``*_se`` is the Monte Carlo standard error of the figure
    beside it (0 for exact results). ``selection_pct[j]`` is the % of trials selecting level
    ``j + 1``. ``stop_reasons`` maps the rule that ended a trial to the % of trials it ended.
    ``duration_*`` are in days (None without a calendar).

    Examples
    --------
    >>> from doseflow.designs import ThreePlusThree
    >>> from doseflow.simulate import simulate
    >>> oc = simulate(ThreePlusThree(), [0.05, 0.15, 0.30, 0.45, 0.60], exact=True)
    >>> [round(v, 2) for v in oc.selection_pct], round(oc.no_mtd_pct, 2)
    ([20.06, 42.88, 27.65, 5.88, 0.76], 2.78)
    """

    design: str
    design_spec: dict[str, Any]
    scenario: Scenario
    method: str
    target: float | None
    n_trials: int | None
    seed: int | None
    chunk_size: int | None
    selection_pct: tuple[float, ...]
    selection_se: tuple[float, ...]
    no_mtd_pct: float
    no_mtd_se: float
    patients_per_level: tuple[float, ...]
    patients_per_level_se: tuple[float, ...]
    dlts_per_level: tuple[float, ...]
    dlts_per_level_se: tuple[float, ...]
    sample_size_mean: float
    sample_size_se: float
    sample_size_p5: float
    sample_size_p95: float
    dlts_mean: float
    dlts_se: float
    overdose_pct: float | None
    overdose_se: float | None
    early_stop_pct: float
    early_stop_se: float
    stop_reasons: dict[str, float]
    duration_mean: float | None = None
    duration_se: float | None = None
    duration_p5: float | None = None
    duration_p95: float | None = None
    n_states: int | None = None

    @property
    def n_levels(self) -> int:
        return len(self.selection_pct)

    # ----- construction ---------------------------------------------------------------
    @classmethod
    def from_summary(cls, s: ChunkSummary, design, scenario: Scenario, rules: tuple[str, ...], *, target,
                     seed: int | None, chunk_size: int | None) -> "OperatingCharacteristics":
        n = s.n_trials
        frac = s.selection / n

        def prop_se(p: np.ndarray | float) -> np.ndarray | float:
            return np.sqrt(np.clip(p * (1 - p), 0, None) / n) * 100

        def mean_se(total: np.ndarray | float, sq: np.ndarray | float) -> tuple:
            mean = total / n
            var = np.clip((sq - n * mean ** 2) / max(n - 1, 1), 0, None)
            return mean, np.sqrt(var / n)

        n_mean, n_se = mean_se(s.n_sum, s.n_sq)
        y_mean, y_se = mean_se(s.y_sum, s.y_sq)
        sizes = np.arange(s.size_hist.size)
        ss_mean, ss_se = mean_se(float((s.size_hist * sizes).sum()), float((s.size_hist * sizes ** 2).sum()))
        d_mean, d_se = mean_se(s.dlt_sum, s.dlt_sq)
        over = mean_se(s.over_sum, s.over_sq) if target is not None else (None, None)
        early = s.early / n
        timed = s.dur_hist.size > 0
        dur = mean_se(s.dur_sum, s.dur_sq) if timed else (None, None)
        return cls(
            design=design.label, design_spec=design.to_dict(), scenario=scenario, method="monte carlo", target=target,
            n_trials=n, seed=seed, chunk_size=chunk_size,
            selection_pct=tuple(float(v) for v in frac[1:] * 100), selection_se=tuple(float(v) for v in prop_se(frac[1:])),
            no_mtd_pct=float(frac[0] * 100), no_mtd_se=float(prop_se(frac[0])),
            patients_per_level=tuple(map(float, n_mean)), patients_per_level_se=tuple(map(float, n_se)),
            dlts_per_level=tuple(map(float, y_mean)), dlts_per_level_se=tuple(map(float, y_se)),
            sample_size_mean=float(ss_mean), sample_size_se=float(ss_se),
            sample_size_p5=_discrete_percentile(s.size_hist, 0.05),
            sample_size_p95=_discrete_percentile(s.size_hist, 0.95),
            dlts_mean=float(d_mean), dlts_se=float(d_se),
            overdose_pct=None if over[0] is None else float(over[0] * 100),
            overdose_se=None if over[1] is None else float(over[1] * 100),
            early_stop_pct=float(early * 100), early_stop_se=float(prop_se(early)),
            stop_reasons={r: float(c / n * 100) for r, c in zip(rules, s.rules) if c > 0},
            duration_mean=None if dur[0] is None else float(dur[0]),
            duration_se=None if dur[1] is None else float(dur[1]),
            duration_p5=_percentile_from_hist(s.dur_hist, 0.05, DURATION_BIN_DAYS) if timed else None,
            duration_p95=_percentile_from_hist(s.dur_hist, 0.95, DURATION_BIN_DAYS) if timed else None,
        )

    # ----- presentation -----------------------------------------------------------------
    def to_frame(self):
        """One row per level (and one for "none"): truth, selection %, patients, DLTs, each with its SE."""
        import pandas as pd

        k = self.n_levels
        rows = [{
            "level": str(i + 1), "true_dlt": self.scenario.true_dlt[i],
            "selection_pct": self.selection_pct[i], "selection_se": self.selection_se[i],
            "patients": self.patients_per_level[i], "patients_se": self.patients_per_level_se[i],
            "dlts": self.dlts_per_level[i], "dlts_se": self.dlts_per_level_se[i],
        } for i in range(k)]
        rows.append({"level": "none", "true_dlt": float("nan"), "selection_pct": self.no_mtd_pct,
                     "selection_se": self.no_mtd_se, "patients": float("nan"), "patients_se": float("nan"),
                     "dlts": float("nan"), "dlts_se": float("nan")})
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        """Everything, as strict-JSON values (no NaN; None where a figure does not apply); levels 1-based."""
        def clean(v):
            if isinstance(v, float):
                return None if not math.isfinite(v) else round(v, 6)
            if isinstance(v, (list, tuple)):
                return [clean(x) for x in v]
            if isinstance(v, dict):
                return {str(a): clean(b) for a, b in v.items()}
            return v

        return clean({
            "design": self.design, "design_spec": self.design_spec, "scenario": self.scenario.to_dict(),
            "method": self.method, "target": self.target, "trials": self.n_trials, "seed": self.seed,
            "chunk_size": self.chunk_size, "true_dlt": list(self.scenario.true_dlt),
            "selection_pct": list(self.selection_pct), "selection_se": list(self.selection_se),
            "no_mtd_pct": self.no_mtd_pct, "no_mtd_se": self.no_mtd_se,
            "patients_per_level": list(self.patients_per_level), "patients_per_level_se": list(self.patients_per_level_se),
            "dlts_per_level": list(self.dlts_per_level), "dlts_per_level_se": list(self.dlts_per_level_se),
            "sample_size": {"mean": self.sample_size_mean, "se": self.sample_size_se, "p5": self.sample_size_p5,
                            "p95": self.sample_size_p95},
            "dlts": {"mean": self.dlts_mean, "se": self.dlts_se},
            "overdose_pct": self.overdose_pct, "overdose_se": self.overdose_se,
            "early_stop_pct": self.early_stop_pct, "early_stop_se": self.early_stop_se,
            "stop_reasons": self.stop_reasons,
            "duration_days": None if self.duration_mean is None else {
                "mean": self.duration_mean, "se": self.duration_se, "p5": self.duration_p5, "p95": self.duration_p95},
            "states": self.n_states,
        })

    def summary(self) -> str:
        """A plain-text report: per-level table, then the trial-level figures with their SEs."""
        mc = self.method == "monte carlo"
        how = (f"{self.n_trials:,} simulated trials, seed {self.seed}, chunks of {self.chunk_size}" if mc
               else f"exact enumeration ({self.n_states:,} states)")

        def pm(v: float, se: float | None, fmt: str = ".1f") -> str:
            return f"{v:{fmt}}" + (f" ± {se:{fmt}}" if mc and se is not None else "")

        lines = [f"Operating characteristics of {self.design} ({how})",
                 f"{'level':>6} {'true DLT':>9} {'selected %':>16} {'patients':>16} {'DLTs':>16}"]
        for i in range(self.n_levels):
            lines.append(f"{i + 1:>6} {self.scenario.true_dlt[i]:>9.2f} {pm(self.selection_pct[i], self.selection_se[i]):>16}"
                         f" {pm(self.patients_per_level[i], self.patients_per_level_se[i], '.2f'):>16}"
                         f" {pm(self.dlts_per_level[i], self.dlts_per_level_se[i], '.2f'):>16}")
        lines.append(f"{'none':>6} {'':>9} {pm(self.no_mtd_pct, self.no_mtd_se):>16}")
        lines.append(f"sample size {pm(self.sample_size_mean, self.sample_size_se, '.2f')} (5-95%: "
                     f"{self.sample_size_p5:g}-{self.sample_size_p95:g}); DLTs {pm(self.dlts_mean, self.dlts_se, '.2f')}")
        if self.overdose_pct is not None:
            lines.append(f"patients treated above the true MTD (target {self.target:g}): "
                         f"{pm(self.overdose_pct, self.overdose_se)}%")
        lines.append(f"stopped early with no MTD: {pm(self.early_stop_pct, self.early_stop_se)}%")
        if self.duration_mean is not None:
            lines.append(f"duration {self.duration_mean / DAYS_PER_MONTH:.1f} months (5-95%: "
                         f"{self.duration_p5 / DAYS_PER_MONTH:.1f}-{self.duration_p95 / DAYS_PER_MONTH:.1f})")
        ends = ", ".join(f"{r} {v:.1f}%" for r, v in sorted(self.stop_reasons.items(), key=lambda kv: -kv[1]))
        lines.append(f"how trials ended: {ends}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        sel = " ".join(f"{v:.1f}" for v in self.selection_pct)
        n = f"{self.n_trials} trials" if self.n_trials else "exact"
        return (f"<OperatingCharacteristics {self.design} ({n}): selection % {sel}, none {self.no_mtd_pct:.1f}; "
                f"mean N {self.sample_size_mean:.2f}>")

    def plot(self, ax=None):
        """Selection % (bars, with 95% Monte Carlo intervals) and patients per level (points) per level.

        Returns the matplotlib Figure (object API; nothing is shown or saved).
        """
        from matplotlib.figure import Figure

        fig = None
        if ax is None:
            fig = Figure(figsize=(6.0, 3.6), layout="constrained")
            ax = fig.add_subplot()
        levels = np.arange(1, self.n_levels + 1)
        err = None if self.method == "exact" else 1.96 * np.asarray(self.selection_se)
        ax.bar(levels, self.selection_pct, yerr=err, color="#4477AA", label="selected as MTD (%)")
        ax.set_xlabel("dose level")
        ax.set_ylabel("selected as MTD (%)")
        ax.set_xticks(levels)
        ax.set_ylim(0, 100)
        twin = ax.twinx()
        twin.plot(levels, self.patients_per_level, "o-", color="#EE6677", label="patients (mean)")
        twin.set_ylabel("patients treated (mean)")
        twin.set_ylim(0, max(max(self.patients_per_level) * 1.2, 1))
        ax.set_title(f"{self.design}: none selected {self.no_mtd_pct:.1f}%", fontsize=10)
        handles = ax.get_legend_handles_labels()[0] + twin.get_legend_handles_labels()[0]
        labels = ax.get_legend_handles_labels()[1] + twin.get_legend_handles_labels()[1]
        (fig or ax.figure).legend(handles, labels, loc="outside lower center", ncols=2, fontsize=8, frameon=False)
        return fig or ax.figure
