"""HR imports a framework file in the browser: checks it, reads the import report
(nothing written yet), then imports it. Fields found by their labels."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import ROOT

pytestmark = pytest.mark.browser

DATA = ROOT / "tests" / "data"


def test_hr_checks_the_sfia_download_then_imports_it(page, live_server, sign_in_page, demo_org, shots):
    sign_in_page("hannah.lee@acme.example")
    page.get_by_role("link", name="Frameworks", exact=True).click()
    page.get_by_role("link", name="Import a framework file").click()
    expect(page.get_by_role("heading", name="Import a framework file")).to_be_visible()
    page.get_by_label("Framework file").set_input_files(str(DATA / "sfia-8-download-layout.xlsx"))
    page.get_by_label("Version (where the file does not say)").fill("8-download")
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", name="Import report for sfia-8-download-layout.xlsx (sfia-xlsx) — nothing written yet")).to_be_visible()
    expect(page.get_by_text("Would create SFIA 8-download with 4 skills.")).to_be_visible()
    expect(page.get_by_text("Nothing: every part of the file would be imported.")).to_be_visible()
    shots(page, "import-report")
    page.get_by_role("button", name="Import the checked file").click()
    expect(page.get_by_role("heading", name="Skills Framework for the Information Age (SFIA, version 8-download)")).to_be_visible()
    expect(page.get_by_text("Created SFIA 8-download with 4 skills.")).to_be_visible()
    expect(page.get_by_role("heading", name="Generic attributes of the levels")).to_be_visible()
    shots(page, "imported")


def test_hr_imports_a_case_package_and_sees_its_tree(page, live_server, sign_in_page, demo_org, shots):
    sign_in_page("hannah.lee@acme.example")
    page.goto(f"{live_server}/frameworks/import")
    page.get_by_label("Framework file").set_input_files(str(DATA / "case-deep-tree-layout.json"))
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", name="Import report for case-deep-tree-layout.json (case) — nothing written yet")).to_be_visible()
    expect(page.get_by_text("4 groups", exact=False).first).to_be_visible()
    shots(page, "case-report")
    page.get_by_role("button", name="Import the checked file").click()
    # The four groups between the document and the skills are headings, the path below the top in one.
    expect(page.get_by_role("heading", name="Workshop Practice", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Hand Tools › Tools that cut: saws, chisels and knives › Cutting tools")).to_be_visible()
    shots(page, "case-tree")
    page.get_by_role("link", name="Open Name each saw on the wall board. on its own page").click()
    expect(page.get_by_text("Workshop Practice › Hand Tools › Tools that cut: saws, chisels and knives › Cutting tools")).to_be_visible()
    shots(page, "case-skill-path")


def test_a_long_check_shows_its_progress_and_a_second_press_sends_nothing(page, live_server, sign_in_page, demo_org, shots):
    """A large file takes a while: the form says what it is doing (file name and size, a
    progress bar, seconds elapsed, once through the live region) and a second press sends
    nothing; back on the page later, the form is ready again. The wait is made here by
    keeping the browser from leaving the page (a listener after the page's own)."""
    sign_in_page("hannah.lee@acme.example")
    page.goto(f"{live_server}/frameworks/import")
    page.evaluate("""() => {
        window.sent = 0;
        window.addEventListener('submit', (e) => { if (!e.defaultPrevented) window.sent += 1; e.preventDefault(); });
    }""")
    page.get_by_label("Framework file").set_input_files(str(DATA / "case-deep-tree-layout.json"))
    button = page.get_by_role("button", name="Check the file")
    button.click()
    page.evaluate("document.getElementById('check').requestSubmit()")  # the impatient second press
    assert page.evaluate("window.sent") == 1
    progress = page.locator("#check .upload-progress")
    expect(progress).to_have_count(1)
    expect(progress).to_contain_text("Sending and checking case-deep-tree-layout.json (")
    expect(progress).to_contain_text(" KB)…")
    expect(page.get_by_role("progressbar", name="Sending and checking case-deep-tree-layout.json")).to_be_visible()
    expect(button).to_be_disabled()
    expect(page.locator("#live-status")).to_have_text(re.compile(r"^Sending and checking case-deep-tree-layout\.json \(\d+ KB\), please wait\.$"))
    expect(progress).to_contain_text(" s", timeout=3000)  # the seconds elapsed
    shots(page, "import-progress")
    page.goto(f"{live_server}/frameworks")
    page.go_back()
    expect(page.get_by_role("heading", name="Import a framework file")).to_be_visible()
    expect(page.locator("#check .upload-progress")).to_have_count(0)
    expect(page.get_by_role("button", name="Check the file")).to_be_enabled()
