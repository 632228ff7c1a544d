"""Shared test configuration: a deterministic hypothesis profile and the shared/ data path."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "doseflow",
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("doseflow")

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"
PHARMAVERSE = SHARED / "data" / "pharmaverse" / "sdtm"


@pytest.fixture(scope="session")
def pharmaverse_dir() -> Path:
    """The pharmaverse SDTM folder (CI always has ../shared beside the project): a missing
    folder fails the tests that read it rather than skipping them unseen."""
    if not PHARMAVERSE.is_dir():
        pytest.fail(f"pharmaverse data not found at {PHARMAVERSE}: clone the project with ../shared beside it")
    return PHARMAVERSE


@pytest.fixture(scope="session")
def small_folder(tmp_path_factory, pharmaverse_dir) -> Path:
    """DM, EX and DS of pharmaverse only (every optional domain missing): a readout in seconds."""
    import shutil

    folder = tmp_path_factory.mktemp("dm_ex_only")
    for name in ("dm", "ex", "ds"):
        shutil.copy(pharmaverse_dir / f"{name}.csv", folder)
    return folder


@pytest.fixture(scope="session")
def pharmaverse_run(tmp_path_factory, pharmaverse_dir):
    """(Readout, ReadoutOutputs, stages) of the pharmaverse folder, computed once per session.

    The readout reads 60k-row files, so the pipeline, report and browser tests share one run.
    """
    from doseflow.readout.pipeline import run_readout
    from doseflow.report import write_outputs

    stages: list[str] = []
    readout = run_readout(pharmaverse_dir, progress=lambda s, i, n: stages.append(s))
    outputs = write_outputs(readout, tmp_path_factory.mktemp("pharmaverse_readout"))
    return readout, outputs, stages
