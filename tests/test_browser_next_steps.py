"""Issue 23's "reports lead to action", in a real browser by labels: HR sees a
service short of qualified people on the coverage report, follows "Assign
qualified people" to the people list filtered to those holding the skill,
ticks two, confirms on the page that states the numbers, and the coverage
closes; from a gap row HR reminds a person in one step, and the person finds
the reminder. A screenshot per step."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from skills_app.extensions import db
from skills_app.models import AuditEvent

pytestmark = pytest.mark.browser


def test_a_shortfall_is_staffed_from_the_people_list(page, live_server, sign_in_page, demo_org, shots):
    sign_in_page("hannah.lee@acme.example")
    page.goto(f"{live_server}/reports/coverage")
    row = page.locator("tr", has_text="Major incident reporting")
    expect(row).to_contain_text("Single point of failure")
    shots(page, "coverage")
    row.get_by_role("link", name="Assign qualified people to Major incident reporting").click()
    expect(page.get_by_text("holding SFIA SLMO at level 2 or above")).to_be_visible()
    expect(page.get_by_label("Job role or service")).to_have_value(
        page.get_by_label("Job role or service").locator("option", has_text="Service: Major incident reporting").get_attribute("value"))
    page.get_by_label("Tick Aisha Khan").check()
    page.get_by_label("Tick Zoe Brown").check()
    shots(page, "ticked")
    page.get_by_role("button", name="Assign the ticked people").click()

    # Nothing has changed yet: the confirmation states who and what.
    expect(page.get_by_role("heading", name="Assign 2 people to the service Major incident reporting?")).to_be_visible()
    expect(page.get_by_text("2 people (Aisha Khan, Zoe Brown) join the service Major incident reporting.")).to_be_visible()
    shots(page, "confirm")
    page.get_by_role("button", name="Assign 2 people to Major incident reporting").click()
    expect(page.get_by_text("Assigned 2 people to the service Major incident reporting.")).to_be_visible()
    shots(page, "assigned")

    page.goto(f"{live_server}/reports/coverage")
    expect(page.locator("tr", has_text="Major incident reporting")).to_contain_text("Covered")
    shots(page, "covered")
    assigned = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "service.people_assigned")).all()
    assert len(assigned) == 1 and len(assigned[0].data["people"]) == 2


def test_a_gap_row_reminds_the_person_in_one_step(page, live_server, sign_in_page, demo_org, shots):
    sign_in_page("laura.chen@acme.example")  # the learning team
    page.goto(f"{live_server}/reports/gaps?status=not_assessed")
    page.get_by_role("button", name="Remind Ella of SFIA SLMO (Ella Nowak)").click()
    expect(page.get_by_text("Reminded Ella Nowak of SLMO (in the app and by email)")).to_be_visible()
    shots(page, "reminded")
    # Once is enough: the same button within the cooldown says when it can be sent again.
    page.get_by_role("button", name="Remind Ella of SFIA SLMO (Ella Nowak)").click()
    expect(page.get_by_role("alert")).to_contain_text("can be reminded again from")
    shots(page, "not-twice")
    page.get_by_role("button", name="Sign out").click()

    sign_in_page("ella.nowak@acme.example")
    page.goto(f"{live_server}/notifications")
    expect(page.get_by_text("Reminder: Your job role Service Desk Analyst needs SFIA SLMO")).to_be_visible()
    shots(page, "ella-notified")
