"""Both reports (the demo and the pharmaverse readout) opened in Debian's headless Chromium through Playwright.

What a reader sees, measured in the browser at 1280 x 900: every section heading; no table wider
than its container unless it sits in a horizontal scroll box; in every scrolled table the pooled
column (Overall / All active) in view; every figure decoded and shown at most at its natural size
and at least 200 px tall; the escalation figure; no console error. Then the page is printed
(Chromium's ``page.pdf``, the print styles of the report) and the PDF read back with pypdf: every
body table's caption ("Table 7.") and its footer line ("Table 7:") are on the same page, so no
table is cut across pages, and wide tables sit on landscape pages. Chromium is /usr/bin/chromium
(``make test`` installs it); its absence is a failure.
"""

from __future__ import annotations

import io
import re
import unicodedata
from pathlib import Path

import pytest

from doseflow.report.layout import SECTIONS
from doseflow.report.pdf import CHROMIUM, CHROMIUM_ARGS

_SCROLL_CHECK = """() => [...document.querySelectorAll('table.data')].map(t => {
  const box = t.closest('.scroll'); const main = document.querySelector('main').getBoundingClientRect();
  const style = getComputedStyle(box);
  return {wider: t.getBoundingClientRect().width > box.clientWidth + 1, scrolls: ['auto', 'scroll'].includes(style.overflowX),
          inside: box.getBoundingClientRect().right <= main.right + 1, visible: t.checkVisibility()};
})"""
_POOLED_CHECK = """() => [...document.querySelectorAll('table.data[class*=sticky-r]')].filter(t => t.checkVisibility()).map(t => {
  const head = t.querySelector('thead tr').lastElementChild; head.scrollIntoView({block: 'center'});
  const box = t.closest('.scroll'); const b = box.getBoundingClientRect(); const r = head.getBoundingClientRect();
  const hit = document.elementFromPoint(Math.min(r.left + r.width / 2, b.right - 2), r.top + r.height / 2);
  return {text: head.textContent, inView: r.left >= b.left - 1 && r.right <= b.right + 1,
          onTop: !!hit && (hit === head || head.contains(hit)), scrolled: t.scrollWidth > box.clientWidth};
})"""
_IMAGES = """() => [...document.querySelectorAll('figure.fig img')].map(i => ({
  id: i.closest('figure').id, complete: i.complete, natural: i.naturalWidth, shown: i.width,
  height: i.getBoundingClientRect().height}))"""


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} not found: run `make test`, which installs Debian's chromium for the browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS))
        yield b
        b.close()


@pytest.fixture(params=["demo", "pharmaverse"])
def report(request, demo_run, pharmaverse_run) -> tuple[str, Path]:
    if request.param == "demo":
        return "demo", Path(demo_run[0]["report"])
    return "pharmaverse", pharmaverse_run[1].report


@pytest.mark.browser
def test_report_reads_in_chromium(browser, report, tmp_path):
    which, report = report
    errors: list[str] = []
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(report.resolve().as_uri(), wait_until="load")
    headings = page.locator("section > h2").all_inner_texts()
    assert headings[:6] == [SECTIONS[s] for s in ("summary", "conduct", "population", "safety", "pk", "efficacy")]
    assert headings[-2:] == [SECTIONS["methods"], SECTIONS["appendices"]]
    tables = page.evaluate(_SCROLL_CHECK)
    shown = [t for t in tables if t["visible"]]
    assert shown and all(t["inside"] for t in shown)
    assert all(t["scrolls"] for t in shown if t["wider"]), "a table wider than its box without a scroll box"
    pooled = page.evaluate(_POOLED_CHECK)
    assert pooled and all(p["inView"] and p["onTop"] for p in pooled), [p for p in pooled if not p["onTop"]]
    if which == "demo":  # 7 dose levels: the AE tables scroll and their Overall column stays in view
        assert any(p["scrolled"] for p in pooled)
    images = page.evaluate(_IMAGES)
    assert images and all(i["complete"] and i["natural"] >= i["shown"] - 1 and i["height"] >= 200 for i in images), \
        [i for i in images if not (i["natural"] >= i["shown"] - 1 and i["height"] >= 200)]
    assert "conduct_escalation-figure" in {i["id"] for i in images}
    page.click('nav.toc a[href="#efficacy"]')
    assert page.evaluate("location.hash") == "#efficacy"
    page.screenshot(path=str(tmp_path / "report.png"))
    assert (tmp_path / "report.png").stat().st_size > 10_000
    assert errors == []
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    page.close()
    _check_pdf(pdf)


def _check_pdf(pdf: bytes) -> None:
    from pypdf import PdfReader

    pages = PdfReader(io.BytesIO(pdf)).pages
    texts = [unicodedata.normalize("NFKC", p.extract_text() or "") for p in pages]  # "ﬁrst" -> "first"
    captions = {int(n): i for i, t in enumerate(texts) for n in re.findall(r"Table (\d+)\. ", t)}
    footers = {int(n): i for i, t in enumerate(texts)
               for n in re.findall(r"Table (\d+): (?:first \d+ of )?\d+ rows?", t)}
    assert captions and set(captions) == set(footers)
    cut = {n: (captions[n], footers[n]) for n in captions if captions[n] != footers[n]}
    assert not cut, f"tables cut across pages (table: (caption page, footer page)): {cut}"
    assert any(float(p.mediabox.width) > float(p.mediabox.height) for p in pages)  # landscape for wide tables
    assert len(pages) < 40
