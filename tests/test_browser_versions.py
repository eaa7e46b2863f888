"""Issue 23's version journey, in a real browser and by labels: HR drafts
version 2 of the in-house SLM scale with one editorial and one substantive
change, publishes it and migrates the levels (each after its confirmation page,
with the numbers); the holder of level 3 is asked to revalidate on every page,
and revalidating starts a draft against version 2. A screenshot per step."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from skills_app.extensions import db
from skills_app.models import Assessment, AuditEvent, Person, Requirement
from skills_app.models.framework import utcnow
from skills_app.services import frameworks as framework_service

from tests.conftest import open_menu

pytestmark = pytest.mark.browser


def test_a_new_version_from_the_editor_to_revalidation(page, live_server, sign_in_page, demo_org, shots):
    # The demo dates María's SLM 3 two years back, so it has expired; this journey needs a live holder of level 3.
    held = db.session.scalars(db.select(Assessment).join(Assessment.person).where(
        Person.email == "maria.lopez@acme.example", Assessment.status == "validated",
        Assessment.skill.has(code="SLM"))).one()
    held.decided_at = utcnow() - timedelta(days=200)
    held.valid_until = utcnow() + timedelta(days=500)
    db.session.commit()
    sign_in_page("hannah.lee@acme.example")
    page.get_by_role("link", name="Frameworks", exact=True).click()
    page.get_by_role("main").get_by_role("link", name="SLM", exact=True).click()
    page.get_by_label("New version label").fill("2")
    page.get_by_role("button", name="Start a new draft version from 1").click()
    expect(page.get_by_text("Drafted SLM 2 as a copy of SLM 1")).to_be_visible()
    page.get_by_role("link", name="Edit SLM").click()

    # One substantive change at level 3, one editorial at level 1.
    level3 = page.get_by_label("Descriptor 1 of level 3")
    level3.fill(level3.input_value() + " Reviews the service catalogue every quarter.")
    page.get_by_role("button", name="Save descriptor 1 of level 3").click()
    level1 = page.get_by_label("Descriptor 1 of level 1")
    level1.fill(level1.input_value().replace("(e.g., response times, availability)", "(such as response times and availability)"))
    page.get_by_role("button", name="Save descriptor 1 of level 1").click()
    shots(page, "draft-with-two-changes")
    page.get_by_label("Editorial: the wording changed, not the meaning; levels held carry over (descriptor 1 of level 1)").check()
    page.get_by_role("button", name="Mark the change of descriptor 1 of level 1").click()
    page.get_by_label("Substantive: what the level asks changed; people holding it revalidate (descriptor 1 of level 3)").check()
    page.get_by_role("button", name="Mark the change of descriptor 1 of level 3").click()
    expect(page.get_by_text("The change of descriptor 1 of level 3 is marked substantive.")).to_be_visible()
    shots(page, "changes-marked")

    # Publish: asked first, with what it does.
    page.get_by_role("link", name="Back to the skills of SLM 2").click()
    page.get_by_role("button", name="Publish SLM 2").click()
    expect(page.get_by_role("heading", name="Publish SLM 2?")).to_be_visible()
    expect(page.get_by_text(re.compile(r"SLM 1 stays live beside it: \d+ (person holds|people hold) validated levels there"))).to_be_visible()
    shots(page, "confirm-publish")
    page.get_by_role("button", name="Publish SLM 2").click()
    expect(page.get_by_text("SLM 2 is published")).to_be_visible()

    # The diff shows the marks.
    page.goto(f"{live_server}/frameworks/SLM/diff?from=1&to=2")
    expect(page.get_by_text("editorial: levels carry over")).to_be_visible()
    expect(page.get_by_text("substantive: holders revalidate")).to_be_visible()
    shots(page, "diff-with-marks")

    # Migrate: the preview, then the confirmation with the numbers, then done.
    page.goto(f"{live_server}/frameworks/SLM/migrate?from=1&to=2")
    page.get_by_role("button", name="Migrate the levels now").click()
    expect(page.get_by_role("heading", name="Migrate the validated levels of SLM 1 to 2?")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Flags \d+ (person|people) for revalidation"))).to_be_visible()
    expect(page.get_by_text(re.compile(r"Carries: Job role .* requires SLM level \d in SLM 2"))).not_to_have_count(0)
    expect(page.get_by_text(re.compile(r"Carries: Crosswalk SLM 1 → SFIA 8 copied as SLM 2 → SFIA 8"))).to_be_visible()
    expect(page.get_by_text(re.compile(r"Carries: Open campaign"))).to_be_visible()
    expect(page.get_by_text(re.compile(r"Carries: Learning resource"))).to_be_visible()
    expect(page.get_by_text("Retires SLM 1: no longer offered for new self-assessments; its validated levels stay on record.")).to_be_visible()
    shots(page, "confirm-migrate")
    page.get_by_role("button", name=re.compile(r"^Migrate \d+ levels? and flag \d+ (person|people)$")).click()
    expect(page.get_by_text(re.compile(r"levels? flagged for re-validation"))).to_be_visible()
    shots(page, "migrated")
    slm2 = framework_service.find("SLM", "2")
    db.session.expire_all()
    assert {r.skill.framework_id for r in db.session.scalars(db.select(Requirement)) if r.skill.code == "SLM"} == {slm2.id}
    # Exactly the right people: level 3 and above changed in substance (flagged); levels 1 and 2 only in wording (carried).
    # (The demo's own migration, of its major incident scale, is another event.)
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "framework.levels_migrated",
                                                           AuditEvent.entity_type == "framework", AuditEvent.entity_id == slm2.id)).one()
    assert event.data["flagged"] and all(item["level"] >= 3 for item in event.data["flagged"])
    carried = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "assessment.migrated")).all()
    assert all(e.data["level"] < 3 for e in carried)

    # The revalidation list names her and why.
    page.goto(f"{live_server}/revalidation")
    expect(page.get_by_role("table", name="Levels flagged for revalidation by a new version")).to_contain_text("María López")
    expect(page.get_by_text("Revalidate: SLM 2 changed level 3").first).to_be_visible()
    shots(page, "revalidation-list")
    page.get_by_role("button", name="Sign out").click()

    # Maria sees it on My skills, and revalidates against version 2 from her evidence.
    sign_in_page("maria.lopez@acme.example")
    page.get_by_role("link", name="My skills", exact=True).click()
    expect(page.get_by_text("Revalidate: SLM 2 changed level 3").first).to_be_visible()
    shots(page, "my-skills-flagged")
    page.get_by_role("button", name="Revalidate SLM in SLM 2 from your last evidence").click()
    expect(page.get_by_text(re.compile(r"Started revalidating SLM in SLM 2 at level 3"))).to_be_visible()
    shots(page, "revalidation-draft")
    page.goto(f"{live_server}/assessments/new")
    expect(page.locator("option", has_text="SLM 1 ·")).to_have_count(0)
