"""Replicate study: many virtual trials of a preset, their headline figures and distributions.

Trials run in chunks of fixed size; chunk k uses the k-th child of
``numpy.random.SeedSequence(seed)`` (design.md, "Simulation"), and chunks run in local worker
processes or on a Dask cluster (:mod:`doseflow.simulate.backends`), so the result depends on the
seed and the chunk size alone, never on the number of workers or on scheduling. No
per-trial records are built; the headline figures are computed vectorised per chunk
(:func:`doseflow.insilico.headline.compute_headline`).

Speed: a worker runs up to :data:`CHUNKS_TOGETHER` chunks in lockstep, one thread per
chunk with its own random stream, and integrates the cycles they request together
(:class:`LockstepIntegrator`): the integrator's cost is mostly per step, not per patient,
so one batch of 100 trials costs about half as much as four of 25. Chunks are grouped in
a fixed order, so results still depend on the seed and the chunk size alone. A patient's
solution does not depend on who is integrated with it
(:meth:`doseflow.insilico.models.pk.model.PKModel.advance` refines each patient's grid on its own),
except in the last bit: vectorised exp/log may round differently by array position.

Examples
--------
>>> from doseflow.insilico.preset import load_preset
>>> study = run_replicates(load_preset("gq1001"), n_trials=4, seed=1, workers=1, chunk_size=2)
>>> study.to_dict()["trials"], sorted(study.to_dict())
(4, ['medians', 'no_dlt_fraction', 'percentiles', 'published', 'quartiles', 'seed', 'trials'])
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

import numpy as np

from doseflow.checks import check_int
from doseflow.insilico.headline import FIGURE_LABELS, HEADLINE_FIGURES, PUBLISHED
from doseflow.insilico.models.pk.state import ModelState
from doseflow.insilico.trial.simulation import simulate_trials
from doseflow.simulate.backends import make_backend

__all__ = ["CHUNKS_TOGETHER", "LockstepIntegrator", "ReplicateStudy", "run_replicates"]

#: Chunks a worker simulates in lockstep (speed; results depend on it only at rounding level).
CHUNKS_TOGETHER = 4

#: Decimals of the figures in :meth:`ReplicateStudy.to_dict` (percentiles of percentages,
#: months, weeks and counts; more would be simulation noise, not information).
JSON_DECIMALS = 3


def _rounded(value: float | None) -> float | None:
    """``value`` rounded to :data:`JSON_DECIMALS` decimals; None for NaN or None (strict JSON)."""
    if value is None or not np.isfinite(value):
        return None
    return round(float(value), JSON_DECIMALS)


class LockstepIntegrator:
    """Integrates the cycles that several threads request as one batch.

    Thread ``slot`` (0-based) calls :meth:`wait_turn` before it starts, then the function
    from :meth:`advance_for` (the ``advance`` argument of
    :func:`doseflow.insilico.models.toxicity.model.simulate_cycle`) for each cycle, and :meth:`finish`
    when done. The threads run one at a time in slot order (no contention for the
    interpreter); when every live thread waits for a cycle, all requests are integrated
    together (patients concatenated in slot order) and each receives its own patients.

    Examples
    --------
    >>> from doseflow.insilico.models.pk.model import PKModel
    >>> from doseflow.insilico.models.pk.parameters import GQ1001_DEFAULT
    >>> lock = LockstepIntegrator(1)
    >>> pk = PKModel(GQ1001_DEFAULT, weight=[60.0])
    >>> cyc = lock.advance_for(0)(pk, pk.initial_state(), [3.6])
    >>> lock.finish(0)
    >>> bool(cyc.auc["ADC"][0] == pk.advance(pk.initial_state(), [3.6]).auc["ADC"][0])
    True
    """

    def __init__(self, n_batches: int) -> None:
        self._cond = threading.Condition()
        self._live = set(range(check_int(n_batches, "n_batches", minimum=1)))
        self._pending: dict[int, tuple] = {}
        self._results: dict[int, object] = {}
        self._turn = 0

    def wait_turn(self, slot: int) -> None:
        """Block until thread ``slot`` may run."""
        with self._cond:
            while self._turn != slot:
                self._cond.wait()

    def advance_for(self, slot: int) -> Callable:
        """The ``advance`` function of thread ``slot``."""

        def advance(pk, state, dose, **options):
            with self._cond:
                self._pending[slot] = (pk, state, dose, options)
                self._pass_turn()
                while self._turn != slot or slot not in self._results:
                    self._cond.wait()
                out = self._results.pop(slot)
            if isinstance(out, BaseException):
                raise out
            return out

        return advance

    def finish(self, slot: int) -> None:
        """Thread ``slot`` requests no more cycles."""
        with self._cond:
            self._live.discard(slot)
            self._pass_turn()

    def _pass_turn(self) -> None:
        """The next live thread of this round runs; after the last, the batch is integrated."""
        waiting = sorted(self._live - self._pending.keys())
        if not waiting and self._pending:
            pending, self._pending = self._pending, {}
            try:
                self._results.update(_advance_together(pending))
            except Exception as exc:  # every waiting thread raises it
                self._results.update({slot: exc for slot in pending})
            waiting = sorted(self._live)
        self._turn = waiting[0] if waiting else -1
        self._cond.notify_all()


def _advance_together(pending: dict[int, tuple]) -> dict[int, object]:
    """One ``PKModel.advance`` per set of equal options over the requests' patients."""
    groups: dict[tuple, list[int]] = {}
    for slot in sorted(pending):
        opts = pending[slot][3]
        key = tuple(sorted((k, tuple(v) if k == "record_times" else v) for k, v in opts.items() if k != "pd_models"))
        groups.setdefault(key, []).append(slot)
    results = {}
    for slots in groups.values():
        pks = [pending[s][0] for s in slots]
        opts = dict(pending[slots[0]][3])
        pds = [pending[s][3].get("pd_models", ()) for s in slots]
        opts["pd_models"] = [type(ms[0]).concatenate(list(ms)) for ms in zip(*pds)]
        pk = type(pks[0]).concatenate(pks)
        y = np.hstack([pending[s][1].y for s in slots])
        dose = np.concatenate([np.broadcast_to(np.asarray(pending[s][2], float), (p.n_patients,)) for s, p in zip(slots, pks)])
        res = pk.advance(ModelState(y, 0.0), dose, **opts)
        start = 0
        for s, p in zip(slots, pks):
            part = res.select(start, start + p.n_patients)
            results[s] = replace(part, state=ModelState(part.state.y, pending[s][1].day + res.state.day))
            start += p.n_patients
    return results


def _run_chunks(preset, sizes: list[int], seed_seqs: list) -> list[dict[str, np.ndarray]]:
    """Headline figures of chunks simulated in lockstep (runs in a worker process)."""
    lock = LockstepIntegrator(len(sizes))
    results: list = [None] * len(sizes)

    def work(k: int) -> None:
        lock.wait_turn(k)
        try:
            rng = np.random.default_rng(seed_seqs[k])
            results[k] = simulate_trials(preset, sizes[k], rng=rng, advance=lock.advance_for(k)).headline
        except BaseException as exc:  # re-raised below, in the calling thread
            results[k] = exc
        finally:
            lock.finish(k)

    threads = [threading.Thread(target=work, args=(k,), daemon=True) for k in range(len(sizes))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in results:
        if isinstance(r, BaseException):
            raise r
    return results


@dataclass(frozen=True)
class ReplicateStudy:
    """Headline figures of ``trials`` virtual trials and their distribution.

    Attributes
    ----------
    trials : int
    seed : int
    figures : dict of str to float array (trials,)
        Each headline figure per trial (NaN where not computable, e.g. a PFS median not
        reached; see ``flags``).
    flags : dict of str to str array (trials,)
        Why a figure is NaN ("" where it is a number).
    """

    trials: int
    seed: int
    figures: dict[str, np.ndarray]
    flags: dict[str, np.ndarray]

    @property
    def no_dlt_fraction(self) -> float:
        """Fraction of trials without any DLT."""
        return float(np.mean(self.figures["n_dlt"] == 0))

    def quantiles(self, figure: str, q: tuple[float, ...] = (50, 5, 95)) -> tuple[float, ...]:
        """Percentiles ``q`` (0-100) of ``figure`` across trials (NaN trials left out; all NaN: NaN).

        Percentiles are NumPy's default (linear interpolation between order statistics,
        Hyndman and Fan 1996 definition 7, R's ``quantile`` type 7).
        """
        v = self.figures[figure]
        v = v[~np.isnan(v)]
        if v.size == 0:
            return (float("nan"),) * len(q)
        return tuple(float(x) for x in np.percentile(v, q))

    def summary(self, figure: str) -> tuple[float, float, float]:
        """Median, 5th and 95th percentile across trials (NaN trials left out)."""
        med, p5, p95 = self.quantiles(figure, (50, 5, 95))
        return med, p5, p95

    def to_dict(self) -> dict:
        """JSON-ready summary, floats rounded to :data:`JSON_DECIMALS` decimals (NaN as null).

        Keys: ``trials``, ``seed``, ``no_dlt_fraction``; ``medians`` {figure: median},
        ``percentiles`` {figure: [p5, p95]}, ``quartiles`` {figure: [p25, p75]} for every
        figure of :data:`~doseflow.insilico.headline.HEADLINE_FIGURES`; ``published``
        {figure: {label, value, text, tolerance}} for the figures the abstract reports
        (:data:`~doseflow.insilico.headline.PUBLISHED`; tolerance null where none).
        """
        medians, pct, quart = {}, {}, {}
        for f in HEADLINE_FIGURES:
            med, p5, p25, p75, p95 = self.quantiles(f, (50, 5, 25, 75, 95))
            medians[f] = _rounded(med)
            pct[f] = [_rounded(p5), _rounded(p95)]
            quart[f] = [_rounded(p25), _rounded(p75)]
        published = {f: {"label": FIGURE_LABELS[f][0], "value": p.value, "text": p.text, "tolerance": p.tolerance}
                     for f, p in PUBLISHED.items()}
        return {"trials": self.trials, "seed": self.seed, "no_dlt_fraction": _rounded(self.no_dlt_fraction),
                "medians": medians, "percentiles": pct, "quartiles": quart, "published": published}

    def table(self) -> list[tuple[str, float, float, float, float | None, float | None]]:
        """Rows (figure, median, p5, p95, published, tolerance) for every headline figure."""
        rows = []
        for f in HEADLINE_FIGURES:
            pub = PUBLISHED.get(f)
            rows.append((f, *self.summary(f), None if pub is None else pub.value,
                         None if pub is None else pub.tolerance))
        return rows

    def compare(self, observed: Mapping[str, float | None]) -> list[dict]:
        """Each published figure beside one trial's value and this study's distribution.

        Parameters
        ----------
        observed : mapping of str to float or None
            One trial's value of each figure (e.g. the readout of the demo's virtual trial);
            a figure absent or None is shown as not available.

        Returns
        -------
        list of dict
            In :data:`~doseflow.insilico.headline.HEADLINE_FIGURES` order, one per figure of
            :data:`~doseflow.insilico.headline.PUBLISHED`: ``figure``, ``label``,
            ``published`` (value), ``published_text``, ``tolerance``, ``observed``,
            ``median``, ``p5``, ``p25``, ``p75``, ``p95``, ``n_trials`` (trials where the
            figure is defined), ``inside_90`` (the published value within [p5, p95]) and
            ``inside_50`` (within [p25, p75]); None where undefined.

        Examples
        --------
        >>> study = ReplicateStudy(3, 1, {f: np.array([1.0, 2.0, 3.0]) for f in HEADLINE_FIGURES}, {})
        >>> row = study.compare({"n_dlt": 0.0})[[r["figure"] for r in study.compare({})].index("n_dlt")]
        >>> row["observed"], row["p5"], row["inside_90"]
        (0.0, 1.1, False)
        """
        rows = []
        for f in HEADLINE_FIGURES:
            pub = PUBLISHED.get(f)
            if pub is None:
                continue
            med, p5, p25, p75, p95 = self.quantiles(f, (50, 5, 25, 75, 95))
            value = observed.get(f)
            defined = int(np.sum(~np.isnan(self.figures[f])))
            rows.append({
                "figure": f, "label": FIGURE_LABELS[f][0], "published": pub.value, "published_text": pub.text,
                "tolerance": pub.tolerance, "observed": None if value is None or not np.isfinite(value) else
                float(value), "median": _rounded(med), "p5": _rounded(p5), "p25": _rounded(p25),
                "p75": _rounded(p75), "p95": _rounded(p95), "n_trials": defined,
                "inside_90": None if np.isnan(p5) else bool(p5 <= pub.value <= p95),
                "inside_50": None if np.isnan(p25) else bool(p25 <= pub.value <= p75),
            })
        return rows


def _run_group(job: tuple) -> list[dict[str, np.ndarray]]:
    """One group of chunks (a backend job): ``(preset, sizes, seed sequences)``."""
    return _run_chunks(*job)


def run_replicates(
    preset,
    n_trials: int,
    seed: int,
    *,
    workers: int = 2,
    chunk_size: int = 25,
    progress: Callable[[int, int], None] | None = None,
    scheduler: str | None = None,
    client=None,
) -> ReplicateStudy:
    """Simulate ``n_trials`` virtual trials of ``preset`` in chunks, in parallel.

    Parameters
    ----------
    preset : doseflow.insilico.preset.Preset
        Components, design and trial configuration.
    n_trials : int
        Number of trials (>= 1).
    seed : int
        Seed (>= 0) of ``numpy.random.SeedSequence``; chunk k uses its k-th child.
    workers : int
        Worker processes (>= 1); 1 runs in this process. Results do not depend on it.
    chunk_size : int
        Trials per chunk (>= 1); part of the random stream's definition (changing it changes
        the trials simulated, as a different seed would).
    progress : callable, optional
        Called as ``progress(done_trials, n_trials)`` as each group of up to :data:`CHUNKS_TOGETHER` chunks finishes (e.g. a Rich bar).
    scheduler, client
        Run on a Dask cluster (its address, or a ``dask.distributed.Client``) instead of local
        processes: the backends of :mod:`doseflow.simulate.backends`, shared with the
        simulation of designs. Results do not depend on the backend either.

    Returns
    -------
    ReplicateStudy

    Raises
    ------
    ConfigError
        If a number is not a whole number in range.
    """
    n_trials = check_int(n_trials, "--trials", minimum=1)
    seed = check_int(seed, "--seed", minimum=0)
    workers = check_int(workers, "--workers", minimum=1)
    chunk_size = check_int(chunk_size, "chunk_size", minimum=1)
    sizes = [chunk_size] * (n_trials // chunk_size) + ([n_trials % chunk_size] if n_trials % chunk_size else [])
    children = np.random.SeedSequence(seed).spawn(len(sizes))
    groups = [list(range(i, min(i + CHUNKS_TOGETHER, len(sizes)))) for i in range(0, len(sizes), CHUNKS_TOGETHER)]
    results: list[dict[str, np.ndarray] | None] = [None] * len(sizes)

    jobs = [(preset, [sizes[k] for k in g], [children[k] for k in g]) for g in groups]
    trials_of = [sum(sizes[k] for k in g) for g in groups]

    done = 0

    def report(job: int) -> None:
        nonlocal done
        done += trials_of[job]
        progress(done, n_trials)

    runner = make_backend(min(workers, len(groups)), scheduler, client)
    try:
        per_group = runner.map(_run_group, jobs, None if progress is None else report)
    finally:
        runner.close()
    for group, heads in zip(groups, per_group):
        for k, head in zip(group, heads):
            results[k] = head
    figures = {f: np.concatenate([r[f] for r in results]) for f in HEADLINE_FIGURES}
    flags = {}
    for f, v in figures.items():
        reason = "median PFS not reached" if f == "pfs_median_months" else "no patient in the denominator"
        flags[f] = np.where(np.isnan(v), reason, "")
    return ReplicateStudy(n_trials, seed, figures, flags)
