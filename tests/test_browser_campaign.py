"""Issue 10's "done when", in a real browser: HR opens a campaign for the
service desk, a person completes it, the completion counts move, the campaign
closes and its snapshot appears in the coverage trend. Fields are found by
their labels; a screenshot per step."""
from __future__ import annotations

import re

import pytest

from playwright.sync_api import expect

from skills_app.extensions import db
from skills_app.models import AuditEvent

from tests.conftest import open_menu

pytestmark = pytest.mark.browser


def submitted_count(page) -> tuple[int, int]:
    text = page.locator("p", has_text="people have submitted every campaign skill").locator("strong").inner_text()
    done, total = re.fullmatch(r"(\d+) of (\d+)", text).groups()
    return int(done), int(total)


def test_campaign_from_opening_to_the_trend_chart(page, live_server, sign_in_page, demo_org, shots):
    # HR opens a campaign for the service desk.
    sign_in_page("hannah.lee@acme.example")
    open_menu(page, "Admin")
    page.get_by_role("link", name="Campaigns", exact=True).click()
    expect(page.get_by_role("heading", name="Assessment campaigns")).to_be_visible()
    shots(page, "campaigns")
    page.get_by_role("link", name="Open a new campaign").click()
    page.get_by_label("Campaign name").fill("Service desk review")
    page.get_by_label("Skills to assess").select_option(label="SFIA 8 · SLMO Service level management")
    unit = page.get_by_label("Org unit (and the units below it)")
    unit.select_option(value=unit.locator("option", has_text=re.compile(r"Acme/IT/Service Desk$")).get_attribute("value"))
    shots(page, "open-form")
    page.get_by_role("button", name="Open the campaign").click()
    expect(page.get_by_text("Opened the campaign 'Service desk review'")).to_be_visible()
    sam_row = page.locator("tr", has=page.get_by_role("link", name="Sam Taylor"))
    expect(sam_row).to_contain_text("Not started")
    before, invited = submitted_count(page)
    assert invited >= 5
    shots(page, "completion-before")
    page.get_by_role("button", name="Sign out").click()

    # Sam sees it on the dashboard, with what to do, and completes it.
    sign_in_page("sam.taylor@acme.example")
    card = page.locator("section.campaign-card", has=page.get_by_role("heading", name=re.compile("Campaign: .*Service desk review")))
    expect(card).to_contain_text("Not started")
    shots(page, "dashboard-invited")
    card.get_by_role("link", name="Self-assess SLMO").click()
    page.get_by_label("Level you claim").select_option("3")
    page.get_by_role("button", name="Start self-assessment").click()
    groups = page.locator("fieldset.descriptor")
    for i in range(groups.count()):
        groups.nth(i).get_by_label("Met", exact=True).check()
    page.get_by_role("button", name="Save draft").click()
    page.get_by_role("group", name="Descriptors this evidence supports").get_by_label("Level 3", exact=False).first.check()
    page.get_by_label("Describe your evidence").fill("I produce the monthly SLA report for the service desk.")
    page.get_by_role("button", name="Add evidence").click()
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_text("Submitted for review")).to_be_visible()
    page.get_by_role("link", name="Dashboard").click()
    expect(page.locator("section.campaign-card", has=page.get_by_role("heading", name=re.compile("Campaign: .*Service desk review")))).to_contain_text("Submitted")
    shots(page, "dashboard-submitted")
    page.get_by_role("button", name="Sign out").click()

    # HR sees the counts move, reminds those behind, and closes the campaign.
    sign_in_page("hannah.lee@acme.example")
    open_menu(page, "Admin")
    page.get_by_role("link", name="Campaigns", exact=True).click()
    page.get_by_role("link", name="Service desk review").click()
    assert submitted_count(page) == (before + 1, invited)
    expect(page.locator("tr", has=page.get_by_role("link", name="Sam Taylor"))).to_contain_text("Submitted")
    page.get_by_role("button", name="Send reminders to those behind and to managers with reviews waiting").click()
    expect(page.get_by_role("heading", name="Send reminders for Service desk review?")).to_be_visible()
    shots(page, "confirm-reminders")
    page.get_by_role("button", name=re.compile(r"^Send \d+ reminders? now$")).click()
    expect(page.get_by_text(re.compile(r"Reminded \d+ (person|people) behind"))).to_be_visible()
    shots(page, "completion-after")
    # Pressed again at once: nobody is reminded twice within the cooldown.
    page.get_by_role("button", name="Send reminders to those behind and to managers with reviews waiting").click()
    expect(page.get_by_text(re.compile(r"Leaves \d+ (person|people) alone: reminded for this campaign in the last 3 days"))).to_be_visible()
    page.get_by_role("link", name="Cancel, and go back without doing it").click()
    page.get_by_role("button", name="Close the campaign and freeze its results").click()
    expect(page.get_by_text(re.compile(r"Freezes the results of \d+ (person|people) in 1 skill"))).to_be_visible()
    shots(page, "confirm-close")
    page.get_by_role("button", name=re.compile(r"^Close Service desk review and freeze the results of")).click()
    expect(page.get_by_text("Closed the campaign 'Service desk review'")).to_be_visible()
    expect(page.get_by_role("heading", name="Snapshot at closing")).to_be_visible()
    shots(page, "closed-with-snapshot")

    # The snapshot is a point of the coverage trend.
    page.get_by_role("link", name="coverage trend").click()
    expect(page.get_by_role("heading", name="Coverage over time")).to_be_visible()
    # Its circle beside the demo's own closed campaign (the Service Management Office's).
    expect(page.locator("svg.lines circle.snapshot")).to_have_count(2)
    expect(page.get_by_role("table", name="Campaign snapshots")).to_contain_text("Service desk review")
    page.get_by_label("One line per").select_option(label="Org unit")
    page.get_by_role("button", name="Draw one line per group").click()
    expect(page.locator("svg.lines polyline")).not_to_have_count(0)
    shots(page, "trend-with-snapshot")
    page.get_by_role("link", name="Calibration").click()
    expect(page.get_by_role("heading", name="Calibration: self-assessed against validated levels")).to_be_visible()
    shots(page, "calibration")

    actions = {e.action for e in db.session.scalars(db.select(AuditEvent).where(AuditEvent.entity_type == "campaign"))}
    assert {"campaign.opened", "campaign.reminded", "campaign.closed"} <= actions
