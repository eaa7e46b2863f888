"""A development plan in Chromium, by labels: the employee picks the job role they want
next, adds the gap's skill and level to their plan (the level and its learning
prefilled) with a double click and goes back; their line manager finds the goal in the
review queue and agrees it, twice by mistake; the employee self-assesses, the manager
validates, and the goal is achieved. A screenshot per step (test-artifacts/)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from skills_app.extensions import db

pytestmark = pytest.mark.browser

SAM, MARCUS = "sam.taylor@acme.example", "marcus.webb@acme.example"


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()


def sams_goals(app) -> list[tuple[str, int, str, bool]]:
    from skills_app.models import Goal, Person

    with app.app_context():
        db.session.remove()
        rows = db.session.scalars(select(Goal).join(Person, Goal.person_id == Person.id).where(Person.email == SAM)
                                  .order_by(Goal.id)).all()
        return [(g.skill.code, g.target_level, g.state, g.plan_id is not None) for g in rows]


def test_a_goal_from_a_gap_agreed_then_achieved_by_a_validation(page, sign_in_page, demo_org, browser_app, shots):
    due = (date.today() + timedelta(days=120)).isoformat()
    before = sams_goals(browser_app)
    assert before == [("SLMO", 2, "agreed", True)]   # the demo's cohort plan "SLA fundamentals"

    # The employee picks the job role they want next and adds the gap to their plan.
    sign_in_page(SAM)
    page.get_by_role("link", name="My skills").first.click()
    page.get_by_role("link", name="Explore roles: see your levels against any job role or service, and what it would take").click()
    page.get_by_label("Job role or service").select_option(label="Senior Service Desk Analyst")
    page.get_by_role("button", name="Compare my levels").click()
    expect(page.get_by_role("heading", name="What you would need")).to_be_visible()
    shots(page, "employee-gap")
    page.get_by_role("link", name="Add SFIA SLMO level 3 to my plan").click()
    expect(page.get_by_role("heading", name="A new goal: SLMO Service level management")).to_be_visible()
    expect(page.get_by_label("Target level")).to_have_value("3")
    learning = page.get_by_role("group", name="Learning you will use")
    expect(learning.get_by_role("checkbox", checked=True)).not_to_have_count(0)   # the gap's learning is ticked
    page.get_by_label("Reach it by").fill(due)
    page.get_by_label("Note for your line manager (optional)").fill("I would like to run the SLA reviews next year.")
    shots(page, "employee-goal-form")
    page.get_by_role("button", name="Propose this goal").dblclick()   # the mistake: a double click
    expect(page.get_by_text("Proposed your goal SLMO level 3. Marcus Webb has been asked to agree it.")).to_be_visible()
    expect(page.get_by_role("heading", name="My development plan")).to_be_visible()
    expect(page.get_by_text("Proposed, waiting for agreement")).to_be_visible()
    shots(page, "employee-plan-proposed")
    assert sams_goals(browser_app) == before + [("SLMO", 3, "proposed", False)]
    # Back to the form: it leads to the goal there is, nothing is proposed twice.
    page.go_back()
    expect(page.get_by_text("You already have an open goal for SLMO (level 3, proposed); here it is.")).to_be_visible()
    assert len(sams_goals(browser_app)) == 2
    # The role's page now says the gap is in the plan.
    page.go_back()
    page.reload()
    expect(page.get_by_role("link", name="In your development plan: SFIA SLMO level 3 (proposed)")).to_be_visible()
    sign_out(page)

    # The line manager finds it in the review queue and agrees it.
    sign_in_page(MARCUS)
    page.get_by_role("link", name="Reviews").click()
    expect(page.get_by_role("heading", name="Development goals waiting for agreement")).to_be_visible()
    page.get_by_role("link", name="Sam Taylor: SLMO Service level management, level 3").click()
    expect(page.get_by_role("heading", name="Development plan: Sam Taylor")).to_be_visible()
    expect(page.get_by_text("I would like to run the SLA reviews next year.")).to_be_visible()
    shots(page, "manager-plan")
    page.get_by_role("button", name="Agree SLMO level 3").dblclick()
    expect(page.get_by_text("Agreed Sam Taylor's goal SLMO level 3.")).to_be_visible()
    expect(page.get_by_role("button", name="Agree SLMO level 3")).to_have_count(0)
    page.go_back()
    page.reload()
    expect(page.get_by_role("button", name="Agree SLMO level 3")).to_have_count(0)
    shots(page, "manager-agreed")
    assert sams_goals(browser_app) == before + [("SLMO", 3, "agreed", False)]
    sign_out(page)

    # The employee self-assesses at the goal's level, from the goal.
    sign_in_page(SAM)
    page.get_by_role("link", name="My skills").first.click()
    page.get_by_role("link", name="My development plan: the goals you agree with your line manager, and your progress").click()
    page.get_by_role("link", name="Assess yourself in SLMO").first.click()
    page.get_by_label("Level you claim").select_option("3")
    page.get_by_role("button", name="Start self-assessment").click()
    descriptors = page.locator("fieldset.descriptor")
    for i in range(descriptors.count()):
        descriptors.nth(i).get_by_label("Met", exact=True).check()
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    boxes = page.get_by_role("group", name="Descriptors this evidence supports").get_by_role("checkbox")
    for i in range(boxes.count()):
        boxes.nth(i).check()
    page.get_by_label("Describe your evidence").fill("I ran the monthly SLA reviews for the service desk this year.")
    page.get_by_role("button", name="Add evidence").click()
    expect(page.get_by_text("Evidence added.")).to_be_visible()
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_text("Submitted for review")).to_be_visible()
    assert sams_goals(browser_app)[-1][2] == "agreed"   # a self-assessment closes nothing
    sign_out(page)

    # The manager validates level 3: the goal is achieved (and the cohort's level 2 with it).
    sign_in_page(MARCUS)
    page.get_by_role("link", name="Reviews").click()
    page.get_by_role("link", name="Review Sam Taylor's SLMO").click()
    groups = page.locator("fieldset.descriptor")
    for i in range(groups.count()):
        groups.nth(i).get_by_label("Accepted", exact=True).check()
    page.get_by_role("button", name="Approve at level 3 (as claimed)").click()
    expect(page.get_by_text("Decision recorded: validated.")).to_be_visible()
    assert sams_goals(browser_app) == [("SLMO", 2, "achieved", True), ("SLMO", 3, "achieved", False)]
    sign_out(page)

    sign_in_page(SAM)
    page.get_by_role("link", name="My skills").first.click()
    page.get_by_role("link", name="My development plan: the goals you agree with your line manager, and your progress").click()
    achieved = page.locator("section.goal").filter(has_text="Service level management: level 3").filter(has_text="Achieved")
    expect(achieved).to_have_count(1)
    expect(achieved).to_contain_text("Validated level now")
    shots(page, "employee-achieved")
