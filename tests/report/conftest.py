"""The demo's report, made once per session for the report tests (a small replicate study)."""

from __future__ import annotations

import pytest

#: Replicate trials of the test demo: enough for every percentile to be defined, few enough to be quick.
TEST_REPLICATES = 24


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """``run_demo`` (seed 1, 24 replicates, HTML and Word) and the folder it wrote."""
    from doseflow.conduct.workflows import run_demo

    out = tmp_path_factory.mktemp("demo") / "demo"
    summary = run_demo(out, seed=1, replicates=TEST_REPLICATES, workers=2, formats=("docx",))
    return summary, out
