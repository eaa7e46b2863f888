"""The journey of issue 4 in a real browser: an employee self-assesses SLMO at
level 4 with evidence and submits; their manager judges each descriptor and
approves at level 3 with a reason; the employee sees the decision, the reason
and the history. Fields are found by their labels; a screenshot per step."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from skills_app.extensions import db
from skills_app.models import AuditEvent

pytestmark = pytest.mark.browser


def test_self_assessment_review_and_decision(page, live_server, sign_in_page, demo_org, shots, tmp_path):
    # The employee claims level 4 of SLMO.
    sign_in_page("sam.taylor@acme.example")
    page.get_by_role("link", name="My skills").first.click()
    expect(page.get_by_role("heading", name="My skills")).to_be_visible()
    page.get_by_label("Skill to assess").select_option(label="SFIA 8 · SLMO Service level management")
    shots(page, "my-skills")
    page.get_by_role("button", name="Choose a level to claim").click()
    page.get_by_label("Level you claim").select_option("4")
    shots(page, "choose-level")
    page.get_by_role("button", name="Start self-assessment").click()
    expect(page.get_by_text("Started your self-assessment of SLMO at level 4")).to_be_visible()

    # A rating per descriptor, then save the draft.
    groups = page.locator("fieldset.descriptor")
    count = groups.count()
    assert count >= 6
    for i in range(count):
        groups.nth(i).get_by_label("Met", exact=True).check()
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()

    # Evidence: a text on every level-4 descriptor, a file on the first.
    level4 = page.get_by_role("group", name="Descriptors this evidence supports").get_by_label("Level 4", exact=False)
    for i in range(level4.count()):
        level4.nth(i).check()
    page.get_by_label("Describe your evidence").fill("I own the SLA review with our two biggest customers and report monthly.")
    page.get_by_role("button", name="Add evidence").click()
    expect(page.get_by_text("Evidence added.")).to_be_visible()
    report = tmp_path / "sla-report.pdf"
    report.write_bytes(b"%PDF-1.7\n%%EOF\n")
    page.get_by_role("group", name="Descriptors this evidence supports").get_by_label("Level 4", exact=False).first.check()
    page.get_by_label("File (optional)").set_input_files(str(report))
    page.get_by_role("button", name="Add evidence").click()
    expect(page.locator("ul.evidence-list").get_by_role("link", name="sla-report.pdf")).to_be_visible()
    expect(page.get_by_text("Every descriptor of level 4 has evidence.")).to_be_visible()
    shots(page, "self-assessment-with-evidence")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_text("Submitted for review: Marcus Webb has been told.")).to_be_visible()
    shots(page, "submitted")
    page.get_by_role("button", name="Sign out").click()

    # The manager finds it in the queue, judges each descriptor, approves at level 3.
    sign_in_page("marcus.webb@acme.example")
    reviews = page.get_by_role("link", name="Reviews")
    expect(reviews).to_contain_text("waiting")
    reviews.click()
    shots(page, "review-queue")
    page.get_by_role("link", name="Review Sam Taylor's SLMO").click()
    expect(page.get_by_text("I own the SLA review with our two biggest customers")).to_have_count(4)
    groups = page.locator("fieldset.descriptor")
    for i in range(groups.count()):
        level4_descriptor = "(claimed)" in (groups.nth(i).locator("xpath=preceding::h3[1]").inner_text())
        groups.nth(i).get_by_label("Not accepted" if level4_descriptor else "Accepted", exact=True).check()
    groups.first.get_by_label("Comment on this descriptor (optional)").fill("Negotiating with customers is not shown yet.")
    page.get_by_label("Reason or comment").fill("Solid level 3; level 4 needs evidence of negotiating service levels.")
    shots(page, "review-page")
    page.get_by_role("button", name="Approve at level 3", exact=True).click()
    expect(page.get_by_text("Decision recorded: validated. Sam Taylor has been told.")).to_be_visible()
    shots(page, "decided")
    page.get_by_role("button", name="Sign out").click()

    # The employee sees the decision, the reason and the history.
    sign_in_page("sam.taylor@acme.example")
    page.get_by_role("link", name="Notifications").click()
    expect(page.get_by_text("Marcus Webb validated your SLMO")).to_be_visible()
    shots(page, "notifications")
    page.get_by_role("link", name="Marcus Webb validated your SLMO").click()
    expect(page.get_by_role("heading", name="Validated at level 3 (level 4 claimed)")).to_be_visible()
    expect(page.locator("section.decision")).to_contain_text("Reason: Solid level 3; level 4 needs evidence of negotiating service levels.")
    expect(page.get_by_text("Negotiating with customers is not shown yet.")).to_be_visible()
    history = page.locator("ol.history")
    expect(history).to_contain_text("draft → awaiting review")
    expect(history).to_contain_text("awaiting review → validated")
    shots(page, "decision-and-history")
    page.get_by_role("link", name="My skills").first.click()
    shots(page, "my-skills-after")

    actions = [e.action for e in db.session.scalars(db.select(AuditEvent).where(AuditEvent.entity_type == "assessment"))]
    assert {"assessment.started", "assessment.evidence_added", "assessment.submitted", "assessment.validated"} <= set(actions)
