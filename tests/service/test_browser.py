"""Playwright on Debian's chromium (headless): a whole 3+3 trial from sign-in to the SRC's final MTD
decision. Screenshots of every page go to ``tests/artifacts/service/`` when the walk fails."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from browser_walk import ARGS, CHROMIUM, prepare_users, walk_trial
from conftest import ServerProcess

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "service"


@pytest.mark.browser
def test_whole_three_plus_three_trial_in_the_browser(sqlite_url, tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: run `make test`, which installs Debian's chromium")
    prepare_users(sqlite_url)
    server = ServerProcess(sqlite_url).start()
    shots = tmp_path / "shots"
    shots.mkdir()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                result = walk_trial(browser, server.base, shots)
            except Exception:
                ARTIFACTS.mkdir(parents=True, exist_ok=True)
                for context in browser.contexts:
                    for i, page in enumerate(context.pages):
                        page.screenshot(path=str(ARTIFACTS / f"failure-{id(context)}-{i}.png"), full_page=True)
                for png in shots.glob("*.png"):
                    png.replace(ARTIFACTS / png.name)
                raise
            finally:
                browser.close()
    finally:
        server.stop()
    assert "Decision 4 (study day 96): stop; MTD: level 2 (2.4 mg/kg)" in result["final"]
    assert "Accepted the design's recommendation" in result["final"]
    assert sorted(p.stem for p in shots.glob("*.png")) == sorted(
        ["signin", "new-trial", "roles", "trials", "users", "decide", "patient", "dashboard", "decide-final",
         "decisions", "dashboard-final", "audit", "design", "tokens"])
