"""The evidence library in Chromium, by labels: last year Sam's SLA report supported
their in-house SLM level 3; this year they find it in My evidence, start a
self-assessment of SFIA SLMO, attach the report from the library to two of its
descriptors (no upload), submit with a double click (one assessment, one item) and go
back; their line manager sees on the review page that the report was also used in
the validated SLM assessment. axe-core checks the new pages. A screenshot per step
(test-artifacts/)."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from skills_app.extensions import db
from tests.test_accessibility import axe, page_problems  # noqa: F401  (axe: the fixture)

pytestmark = pytest.mark.browser

SAM, MARCUS = "sam.taylor@acme.example", "marcus.webb@acme.example"
PDF = b"%PDF-1.7\n% the SLA report 2025\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()


def last_years_report(app) -> int:
    """Sam's SLM level 3, validated a year ago by Marcus, with the SLA report as evidence; returns its id."""
    from skills_app.models import Framework, Person, Skill
    from skills_app.models.framework import utcnow
    from skills_app.services import assessments

    with app.app_context():
        db.session.remove()
        sam = db.session.scalar(select(Person).where(Person.email == SAM))
        marcus = db.session.scalar(select(Person).where(Person.email == MARCUS))
        slm = db.session.scalar(select(Skill).join(Framework).where(Framework.code == "SLM", Framework.status == "published",
                                                                    Skill.code == "SLM"))
        a = assessments.start(sam, slm, 3)
        assessments.add_evidence(sam, a, descriptor_ids=[d.id for d in assessments.claimed_descriptors(a)[:2]],
                                 filename="sla-report-2025.pdf", stream=io.BytesIO(PDF), title="SLA report 2025",
                                 text="The monthly SLA report I wrote for the service desk.")
        assessments.save_draft(sam, a, claimed_level=3, ratings={d.id: "met" for d in assessments.descriptors_in_view(a)})
        assessments.submit(sam, a)
        assessments.decide(marcus, a, outcome="approve", comment=None)
        year_ago = utcnow() - timedelta(days=365)
        a.submitted_at, a.decided_at = year_ago - timedelta(days=5), year_ago
        a.evidence[0].item.created_at = a.evidence[0].created_at = year_ago - timedelta(days=6)
        db.session.commit()
        return a.id


def counts(app) -> tuple[int, int, int]:
    """Sam's SFIA SLMO assessments, library items and attachments."""
    from skills_app.models import Assessment, Evidence, EvidenceItem, Person, Skill

    with app.app_context():
        db.session.remove()
        sam = db.session.scalar(select(Person.id).where(Person.email == SAM))
        slmo = db.session.scalar(select(func.count()).select_from(Assessment).join(Skill, Assessment.skill_id == Skill.id)
                                 .where(Assessment.person_id == sam, Skill.code == "SLMO"))
        items = db.session.scalar(select(func.count()).select_from(EvidenceItem).where(EvidenceItem.person_id == sam))
        attached = db.session.scalar(select(func.count()).select_from(Evidence).join(EvidenceItem)
                                     .where(EvidenceItem.person_id == sam))
        return slmo, items, attached


def test_last_years_report_attached_from_the_library_and_the_manager_sees_where_else_it_was_used(
        page, sign_in_page, demo_org, browser_app, shots, axe):
    before = counts(browser_app)   # the demo's own (Sam's MIM 2 evidence)
    slm_id = last_years_report(browser_app)

    def grown() -> tuple[int, int, int]:
        return tuple(now - then for now, then in zip(counts(browser_app), before))

    assert grown() == (0, 1, 1)

    # The employee finds last year's report in their library.
    sign_in_page(SAM)
    page.get_by_role("link", name="My skills").first.click()
    page.get_by_role("link", name="My evidence: your notes, links and files, to attach to any self-assessment").click()
    expect(page.get_by_role("heading", name="My evidence", exact=True)).to_be_visible()
    report = page.locator("li.library-item").filter(has_text="SLA report 2025")
    expect(report).to_contain_text("used in 1 assessment")
    expect(report.get_by_role("link", name="Download sla-report-2025.pdf")).to_be_visible()
    shots(page, "employee-library")
    assert page_problems(page, axe) == []
    report.get_by_role("link", name="SLA report 2025", exact=True).click()
    expect(page.get_by_role("heading", name="SLA report 2025")).to_be_visible()
    expect(page.get_by_label("Title")).to_have_value("SLA report 2025")
    assert page_problems(page, axe) == []

    # A new self-assessment of SFIA SLMO, the report attached from the library.
    page.get_by_role("link", name="My skills").first.click()
    page.get_by_label("Skill to assess").select_option(label="SFIA 8 · SLMO Service level management")
    page.get_by_role("button", name="Choose a level to claim").click()
    page.get_by_label("Level you claim").select_option("3")
    page.get_by_role("button", name="Start self-assessment").click()
    descriptors = page.locator("fieldset.descriptor")
    for i in range(descriptors.count()):
        descriptors.nth(i).get_by_label("Met", exact=True).check()
    library = page.get_by_role("group", name="Evidence from your library")
    library.get_by_label("SLA report 2025", exact=False).check()
    supports = page.get_by_role("group", name="Descriptors it supports here").get_by_role("checkbox")
    expect(supports).not_to_have_count(0)
    for i in range(min(2, supports.count())):
        supports.nth(i).check()
    shots(page, "employee-attach")
    page.get_by_role("button", name="Attach from my library").click()
    expect(page.get_by_text("Attached from your library: “SLA report 2025”.")).to_be_visible()
    evidence = page.locator("ul.evidence-list li").filter(has_text="SLA report 2025")
    expect(evidence).to_have_count(1)
    expect(evidence).to_contain_text("Also used in:")
    # Still offered, to add to what it supports here.
    expect(page.get_by_role("group", name="Evidence from your library")).to_contain_text("attached here already")
    assert grown() == (1, 1, 2), "attached, not copied"
    assert page_problems(page, axe) == []
    shots(page, "employee-attached")

    # Submitted with a double click: one assessment; then the back button.
    page.get_by_role("button", name="Submit for review").dblclick()
    expect(page.get_by_text("Submitted for review").first).to_be_visible()
    assert grown() == (1, 1, 2)
    page.go_back()
    page.reload()
    expect(page.get_by_role("button", name="Submit for review")).to_have_count(0)
    assert grown() == (1, 1, 2)
    shots(page, "employee-submitted")
    sign_out(page)

    # The line manager sees where else the report was used.
    sign_in_page(MARCUS)
    page.get_by_role("link", name="Reviews").click()
    page.get_by_role("link", name="Review Sam Taylor's SLMO").click()
    box = page.locator("fieldset.descriptor .evidence").filter(has_text="SLA report 2025").first
    expect(box).to_contain_text("Also used in:")
    also = box.locator(".also-used-list li")
    expect(also).to_have_count(1)
    expect(also).to_contain_text("level 3, validated")
    expect(also.get_by_role("link")).to_have_attribute("href", f"/assessments/{slm_id}")
    shots(page, "manager-review")
    assert page_problems(page, axe) == []
