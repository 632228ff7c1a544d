"""The HTML report printed to PDF by headless Chromium (the browser's own print engine).

:func:`write_pdf` opens report.html in Chromium through Playwright (``page.pdf``), with the
print styles of the report: A4 portrait pages, landscape pages for wide tables (CSS named
pages), each section on a new page, no table split across pages, the collapsed listings
left out, page numbers in the footer. Chromium is Debian's ``/usr/bin/chromium`` (or the
``DOSEFLOW_CHROMIUM`` environment variable); Playwright drives it without downloading a
browser of its own.
"""

from __future__ import annotations

import os
from pathlib import Path

from doseflow.errors import InputError

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "find_chromium", "write_pdf"]

#: Where Debian installs Chromium (``apt-get install chromium``).
CHROMIUM = Path("/usr/bin/chromium")
#: Headless flags: no sandbox (containers), no GPU, no background network traffic.
CHROMIUM_ARGS = ("--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run")
_FOOTER = ('<div style="font-size:7pt;width:100%;text-align:center;color:#555;">'
           '<span class="title"></span> &middot; page <span class="pageNumber"></span> of '
           '<span class="totalPages"></span></div>')


def find_chromium() -> Path:
    """The Chromium executable: ``DOSEFLOW_CHROMIUM`` if set, else :data:`CHROMIUM`.

    Raises
    ------
    InputError
        No such executable, with how to install it.
    """
    path = Path(os.environ.get("DOSEFLOW_CHROMIUM", str(CHROMIUM)))
    if not (path.is_file() and os.access(path, os.X_OK)):
        raise InputError("--format pdf", "headless Chromium to print the report", str(path),
                         "Install it (Debian: apt-get install chromium) or set DOSEFLOW_CHROMIUM to its path; "
                         "report.html prints to PDF from any browser too.")
    return path


def write_pdf(html: Path, pdf: Path, *, timeout_ms: int = 120_000) -> Path:
    """Print ``html`` to ``pdf`` with headless Chromium and return ``pdf``.

    Raises
    ------
    InputError
        Chromium or Playwright is missing, or printing failed (the message says why).
    """
    chromium = find_chromium()
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise InputError("--format pdf", "the Playwright package to drive Chromium", "not installed",
                         "pip install 'doseflow[pdf]'") from None
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(chromium), args=list(CHROMIUM_ARGS))
            try:
                page = browser.new_page()
                page.goto(Path(html).resolve().as_uri(), wait_until="load", timeout=timeout_ms)
                page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True,
                         display_header_footer=True, header_template="<span></span>", footer_template=_FOOTER)
            finally:
                browser.close()
    except PlaywrightError as err:
        raise InputError("--format pdf", "a report Chromium can print", str(html),
                         str(err).splitlines()[0]) from None
    return Path(pdf)
