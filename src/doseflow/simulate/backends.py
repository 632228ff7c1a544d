"""Where chunks of simulated trials run: local processes or a Dask distributed cluster.

Both map one function over the chunks and return the results in chunk order, so results
depend on (seed, chunk size) only, never on the backend or the number of workers. Chunk k
draws its patients from the k-th child of ``numpy.random.SeedSequence(seed)``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any, Protocol

from doseflow.errors import ConfigError

__all__ = ["Backend", "LocalBackend", "DaskBackend", "make_backend"]

Progress = Callable[[int], None]


class Backend(Protocol):
    """Runs ``fn`` on every job, results in job order; ``progress(k)`` is called when job ``k`` finishes."""

    def map(self, fn: Callable[[Any], Any], jobs: Sequence[Any], progress: Progress | None = None) -> list[Any]: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class LocalBackend:
    """Chunks in this process (``workers = 1``) or in a pool of local worker processes."""

    workers: int = 1

    def map(self, fn, jobs, progress=None):
        if self.workers <= 1 or len(jobs) <= 1:
            out = []
            for i, job in enumerate(jobs):
                out.append(fn(job))
                if progress:
                    progress(i)
            return out
        results: list[Any] = [None] * len(jobs)
        with ProcessPoolExecutor(max_workers=self.workers) as pool:
            futures = {pool.submit(fn, job): i for i, job in enumerate(jobs)}
            for fut in as_completed(futures):
                results[futures[fut]] = fut.result()
                if progress:
                    progress(futures[fut])
        return results

    def close(self) -> None:
        """Nothing to release: each map opens and closes its own pool."""


@dataclass(frozen=True)
class DaskBackend:
    """Chunks on a Dask distributed cluster, given by scheduler address or as a ``Client``."""

    client: Any
    owns_client: bool = False

    def map(self, fn, jobs, progress=None):
        from dask.distributed import as_completed as dask_completed

        futures = self.client.map(fn, list(jobs), pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        results: list[Any] = [None] * len(jobs)
        for fut in dask_completed(futures):
            results[index[fut.key]] = fut.result()
            if progress:
                progress(index[fut.key])
        return results

    def close(self) -> None:
        """Close the client if this backend opened it (from a scheduler address)."""
        if self.owns_client:
            self.client.close()


def make_backend(workers: int = 1, scheduler: str | None = None, client: Any = None) -> Backend:
    """A :class:`DaskBackend` for a client or scheduler address, else a :class:`LocalBackend`."""
    if client is not None:
        return DaskBackend(client)
    if scheduler is not None:
        try:
            from dask.distributed import Client
        except ImportError:  # pragma: no cover - dask is a dependency
            raise ConfigError("--scheduler", "usable with dask.distributed installed", scheduler) from None
        try:
            return DaskBackend(Client(scheduler, timeout=10), owns_client=True)
        except (OSError, TimeoutError) as exc:
            raise ConfigError("--scheduler", "the address of a running Dask scheduler (tcp://HOST:PORT)", scheduler,
                              f"Could not connect: {exc}.") from None
    return LocalBackend(workers)
