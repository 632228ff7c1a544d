"""A whole 3+3 trial walked in the browser, from sign-in to the SRC's final MTD decision.

Used by ``test_browser.py`` and, to make the screenshots of ``docs/service.md``, run as
``python tests/service/browser_walk.py docs/images/service`` (it starts its own server on a
temporary SQLite database).

Three people in three browser contexts: Ann (administrator) creates the trial and gives
roles, Dana (data manager) enrols and records, Sam (safety reviewer) signs. Outcomes:
level 1 "NNN" (escalate), level 2 "NTN" (expand), level 2 "NNN" (escalate), level 3
"TNT": two DLTs at level 3 with 1 DLT in 6 at level 2, so the 3+3 stops with MTD level 2
(Storer 1989).
"""

from __future__ import annotations

import sys
from pathlib import Path

PASSWORD = "correct horse battery"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
#: (level, outcomes, enrolment day) per cohort; "T" = DLT (Neutropenia grade 4 on day + 9).
COHORTS = ((1, "NNN", 0), (2, "NTN", 25), (2, "NNN", 50), (3, "TNT", 75))


def shot(page, shots: Path | None, name: str) -> None:
    if shots is not None:
        page.screenshot(path=str(shots / f"{name}.png"), full_page=True)


def sign_in(browser, base: str, username: str, shots: Path | None = None):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(base + "/signin")
    shot(page, shots, "signin")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(base + "/")
    return page


def expect_text(page, text: str) -> None:
    body = page.inner_text("main")
    if text not in body:
        raise AssertionError(f"{page.url}: {text!r} not on the page:\n{body[:1500]}")


def walk_trial(browser, base: str, shots: Path | None = None) -> dict:
    """Walk the trial; returns what the final decision page says."""
    ann = sign_in(browser, base, "ann", shots)
    ann.goto(base + "/trials/new")
    ann.fill("input[name=protocol_id]", "WALK-1")
    ann.fill("input[name=title]", "3+3 walk-through")
    ann.fill("input[name=amounts]", "1.2, 2.4, 3.6")
    ann.fill("input[name=dlt_window_days]", "21")
    shot(ann, shots, "new-trial")
    ann.click("button:has-text('Create the trial')")
    ann.wait_for_url("**/trials/*")
    trial_url = ann.url
    ann.goto(trial_url + "/members")
    for username, role in (("dana", "data_manager"), ("sam", "safety_reviewer"), ("vic", "viewer")):
        ann.fill("form.grant input[name=username]", username)
        ann.select_option("form.grant select[name=role]", role)
        ann.click("button:has-text('Give the role')")
        expect_text(ann, username)
    shot(ann, shots, "roles")
    ann.goto(base + "/")
    shot(ann, shots, "trials")
    ann.goto(base + "/admin/users")
    shot(ann, shots, "users")

    dana = sign_in(browser, base, "dana")
    sam = sign_in(browser, base, "sam")
    number = 0
    for k, (level, outcomes, day) in enumerate(COHORTS):
        if k > 0:
            sam.goto(trial_url + "/decide")
            if k == 2:
                shot(sam, shots, "decide")
            sam.fill("input[name=password]", PASSWORD)
            sam.click("button:has-text('Sign the decision')")
            sam.wait_for_url("**/decisions?done=signed")
        dana.goto(trial_url)
        for letter in outcomes:
            number += 1
            dana.fill("form.enrol input[name=day]", str(day))
            dana.click("form.enrol button")
            dana.wait_for_url("**?done=enrolled")
            expect_text(dana, f"P{number}")
        for offset, letter in enumerate(outcomes):
            pid = f"P{number - len(outcomes) + offset + 1}"
            dana.goto(f"{trial_url}/patients/{pid}")
            if letter == "T":
                dana.select_option("form.assess select[name=dlt]", "yes")
                dana.fill("form.assess input[name=term]", "Neutropenia")
                dana.fill("form.assess input[name=grade]", "4")
                dana.fill("form.assess input[name=onset_day]", str(day + 9))
                dana.click("form.assess button")
                dana.wait_for_url("**?done=recorded")
                expect_text(dana, "DLT on day")
            else:
                if pid == "P2":  # a non-DLT toxicity, then corrected with a reason
                    dana.fill("form.assess input[name=term]", "Nausea")
                    dana.fill("form.assess input[name=grade]", "2")
                    dana.fill("form.assess input[name=onset_day]", "3")
                    dana.click("form.assess button")
                    dana.wait_for_url("**?done=recorded")
                    dana.fill("form.row input[name=grade]", "1")
                    dana.fill("form.row input[name=reason]", "grade transcribed wrongly from the CRF")
                    dana.click("form.row button")
                    dana.wait_for_url("**?done=corrected")
                    shot(dana, shots, "patient")
                dana.fill("form.close input[name=day]", str(day + 21))
                dana.click("form.close button")
                dana.wait_for_url("**?done=window+closed")
        if k == 2:
            shot(dana, shots, "dashboard")
    sam.goto(trial_url)
    expect_text(sam, "SRC decision due")
    expect_text(sam, "level 2 is the MTD")
    sam.goto(trial_url + "/decide")
    shot(sam, shots, "decide-final")
    sam.fill("input[name=password]", PASSWORD)
    sam.click("button:has-text('Sign the decision')")
    sam.wait_for_url("**/decisions?done=signed")
    expect_text(sam, "stop; MTD: level 2 (2.4 mg/kg)")
    expect_text(sam, "Signed by Sam Safety")
    expect_text(sam, "Approval of the final dose-escalation decision and MTD")
    shot(sam, shots, "decisions")
    final = sam.inner_text("section.decision.final")
    sam.goto(trial_url)
    expect_text(sam, "escalation stopped")
    shot(sam, shots, "dashboard-final")
    sam.goto(trial_url + "/audit")
    expect_text(sam, "grade transcribed wrongly from the CRF")
    shot(sam, shots, "audit")
    sam.goto(trial_url + "/design")
    shot(sam, shots, "design")
    sam.goto(base + "/account/tokens")
    shot(sam, shots, "tokens")
    # refused on the server: the viewer cannot enrol even by posting the form directly
    vic = sign_in(browser, base, "vic")
    vic.goto(trial_url)
    csrf = vic.get_attribute("input[name=csrf_token]", "value")
    response = vic.request.post(trial_url + "/enrol", form={"csrf_token": csrf, "day": "80"})
    if response.status != 403:
        raise AssertionError(f"viewer enrolment answered {response.status}")
    return {"final": final, "trial_url": trial_url}


def prepare_users(url: str) -> None:
    """Ann (administrator), Dana, Sam and Vic, all with :data:`PASSWORD`."""
    from doseflow.service.server import prepare_database
    from doseflow.service.store.accounts import create_user

    engine, _ = prepare_database(url)
    for username, name, admin in (("ann", "Ann Admin", True), ("dana", "Dana Data", False),
                                  ("sam", "Sam Safety", False), ("vic", "Vic Viewer", False)):
        create_user(engine, username=username, full_name=name, password=PASSWORD, is_admin=admin, actor="setup",
                    at="2024-03-01T09:00:00+00:00")


def main(out: str) -> None:
    import tempfile

    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(Path(__file__).parent))
    from conftest import ServerProcess

    shots = Path(out)
    shots.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'doseflow.db'}"
    prepare_users(url)
    server = ServerProcess(url).start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            print(walk_trial(browser, server.base, shots)["final"])
            browser.close()
    finally:
        server.stop()


if __name__ == "__main__":
    main(sys.argv[1])
