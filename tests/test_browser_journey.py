"""The whole journey in a real browser (Debian's Chromium through Playwright):

an employee signs in, self-assesses SLMO at level 4 with evidence on the
descriptors and submits; the manager signs in, reviews and approves at level 3
with a reason; the employee sees the decision; HR's gap report shows the change
and the XLSX download opens with pandas. Fields are found by their labels, as a
person finds them; a screenshot per step is kept under test-artifacts/.
"""
from __future__ import annotations

import pandas as pd
import pytest

from playwright.sync_api import expect

from skills_app.extensions import db
from skills_app.models import Assessment

from tests.conftest import open_menu

pytestmark = pytest.mark.browser

SAM, MARCUS, HANNAH = "sam.taylor@acme.example", "marcus.webb@acme.example", "hannah.lee@acme.example"
REASON = "Solid level 3: monitors and reports on service levels; level 4 needs evidence of negotiating them."


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()


def sams_slmo_row(page):
    """HR's gap report, filtered by label to SLMO and Sam's job role: Sam's row."""
    open_menu(page, "Reports")
    page.get_by_role("link", name="Capability gaps", exact=True).click()
    expect(page.get_by_role("heading", name="Capability gap report")).to_be_visible()
    page.get_by_label("Skill", exact=True).select_option("SLMO")
    page.get_by_label("Job role").select_option("Service Desk Analyst")
    page.get_by_role("button", name="Apply filters").click()
    row = page.locator("table.data tbody tr").filter(has_text="Sam Taylor")
    expect(row).to_have_count(1)
    return row


def test_the_whole_journey(page, live_server, sign_in_page, demo_org, shots, tmp_path):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

    # HR first: Sam is not assessed in SLMO, which his role needs at level 2.
    sign_in_page(HANNAH)
    row = sams_slmo_row(page)
    expect(row).to_contain_text("Not assessed")
    shots(page, "hr-gap-report-before")
    sign_out(page)

    # The employee self-assesses SLMO at level 4.
    sign_in_page(SAM)
    shots(page, "employee-dashboard")
    page.get_by_role("link", name="My skills").first.click()
    page.get_by_label("Skill to assess").select_option(label="SFIA 8 · SLMO Service level management")
    page.get_by_role("button", name="Choose a level to claim").click()
    page.get_by_label("Level you claim").select_option("4")
    page.get_by_role("button", name="Start self-assessment").click()
    expect(page.get_by_text("Started your self-assessment of SLMO at level 4")).to_be_visible()
    descriptors = page.locator("fieldset.descriptor")
    assert descriptors.count() >= 6
    for i in range(descriptors.count()):
        descriptors.nth(i).get_by_label("Met", exact=True).check()
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()

    # Evidence on the descriptors: a text on every one, a link and a file on the level-4 ones.
    supports = page.get_by_role("group", name="Descriptors this evidence supports")
    boxes = supports.get_by_role("checkbox")
    for i in range(boxes.count()):
        boxes.nth(i).check()
    page.get_by_label("Describe your evidence").fill("I run the monthly SLA reviews for the service desk and publish the figures.")
    page.get_by_role("button", name="Add evidence").click()
    expect(page.get_by_text("Evidence added.")).to_be_visible()
    level4 = page.get_by_role("group", name="Descriptors this evidence supports").get_by_label("Level 4", exact=False)
    for i in range(level4.count()):
        level4.nth(i).check()
    page.get_by_label("Link (optional, http or https)").fill("https://intranet.acme.example/sla/2026-q1")
    report = tmp_path / "sla-review-q1.pdf"
    report.write_bytes(b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n")
    page.get_by_label("File (optional)").set_input_files(str(report))
    page.get_by_role("button", name="Add evidence").click()
    expect(page.get_by_text("Evidence added.")).to_be_visible()
    expect(page.locator("ul.evidence-list").get_by_role("link", name="sla-review-q1.pdf").first).to_be_visible()
    expect(page.get_by_text("Every descriptor of level 4 has evidence.")).to_be_visible()
    shots(page, "employee-evidence")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_text("Submitted for review: Marcus Webb has been told.")).to_be_visible()
    shots(page, "employee-submitted")
    sign_out(page)

    # The manager reviews and approves at level 3 with a reason.
    sign_in_page(MARCUS)
    page.get_by_role("link", name="Reviews").click()
    page.get_by_role("link", name="Review Sam Taylor's SLMO").click()
    expect(page.get_by_text("I run the monthly SLA reviews for the service desk").first).to_be_visible()
    groups = page.locator("fieldset.descriptor")
    for i in range(groups.count()):
        claimed = "(claimed)" in groups.nth(i).locator("xpath=preceding::h3[1]").inner_text()
        groups.nth(i).get_by_label("Not accepted" if claimed else "Accepted", exact=True).check()
    page.get_by_label("Reason or comment").fill(REASON)
    shots(page, "manager-review")
    page.get_by_role("button", name="Approve at level 3", exact=True).click()
    expect(page.get_by_text("Decision recorded: validated. Sam Taylor has been told.")).to_be_visible()
    shots(page, "manager-decided")
    sign_out(page)

    # The employee sees the decision and the reason.
    sign_in_page(SAM)
    page.get_by_role("link", name="Notifications").click()
    page.get_by_role("link", name="Marcus Webb validated your SLMO").click()
    expect(page.get_by_role("heading", name="Validated at level 3 (level 4 claimed)")).to_be_visible()
    expect(page.locator("section.decision")).to_contain_text(f"Reason: {REASON}")
    shots(page, "employee-sees-decision")
    sign_out(page)

    # HR's gap report shows the change, and the XLSX download opens with pandas.
    sign_in_page(HANNAH)
    row = sams_slmo_row(page)
    expect(row).to_contain_text("Met")
    expect(row.locator("td").nth(5)).to_have_text("3")
    shots(page, "hr-gap-report-after")
    with page.expect_download() as info:
        page.get_by_role("link", name="Excel (XLSX)").click()
    download = info.value
    assert download.suggested_filename.startswith("gap-report-") and download.suggested_filename.endswith(".xlsx")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    sheet = pd.read_excel(path, sheet_name="Gaps")
    sam = sheet[(sheet["email"] == SAM) & (sheet["skill"] == "SLMO") & (sheet["job_role"] == "Service Desk Analyst")]
    assert len(sam) == 1
    assert sam.iloc[0]["current_level"] == 3 and sam.iloc[0]["required_level"] == 2
    assert sam.iloc[0]["status"] == "met" and sam.iloc[0]["gap"] == 0
    shots(page, "hr-downloaded-xlsx")

    db.session.rollback()
    assessment = db.session.scalars(db.select(Assessment).where(Assessment.status == "validated")
                                    .order_by(Assessment.id.desc())).first()
    assert assessment.person.email == SAM and assessment.claimed_level == 4 and assessment.validated_level == 3
    assert dialogs == []
