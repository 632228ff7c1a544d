"""The pharmaverse report opened in Debian's headless Chromium through Playwright.

Checks what a reader sees: every section heading, every embedded figure decoded by the
browser (naturalWidth > 0), no console error; a screenshot is saved to the test's tmp_path.
Chromium is /usr/bin/chromium (``make test`` installs it); its absence is a failure.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from doseflow.report.html import REPORT_SECTIONS

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]




@pytest.mark.browser
def test_report_renders_in_chromium(pharmaverse_run, tmp_path):
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} not found: run `make test`, which installs Debian's chromium for the browser tests")
    from playwright.sync_api import sync_playwright

    _, out, _ = pharmaverse_run
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(out.report.resolve().as_uri(), wait_until="load")
            headings = page.locator("section > h2").all_inner_texts()
            assert headings == list(REPORT_SECTIONS.values())
            sizes = page.eval_on_selector_all("img", "imgs => imgs.map(i => [i.complete, i.naturalWidth])")
            assert len(sizes) == len(out.figures)
            assert all(done and width > 0 for done, width in sizes), sizes
            page.click('nav.toc a[href="#efficacy"]')
            assert page.evaluate("location.hash") == "#efficacy"
            shot = tmp_path / "report.png"
            page.screenshot(path=str(shot), full_page=False)
        finally:
            browser.close()
    assert errors == []
    assert shot.stat().st_size > 10_000
