"""Issue 21's finder and what-if, in a real browser by labels: HR finds everyone
at SLMO 4 or above in a unit (with a mistake on the way, and the back button),
a line manager searches their own people only, and HR sees what one leaver would
do to the services, saves the scenario with a double click, and compares two.
Each page is checked with axe; a screenshot per step."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from skills_app.extensions import db
from skills_app.models import AuditEvent, Scenario
from tests.test_accessibility import axe, error_announcement, page_problems  # noqa: F401  (axe: the fixture)

pytestmark = pytest.mark.browser


def test_hr_finds_everyone_at_a_level_in_a_unit(page, live_server, sign_in_page, demo_org, axe, shots):
    sign_in_page("hannah.lee@acme.example")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="People", exact=True).click()
    page.get_by_role("link", name="Find people by skill").click()
    expect(page.get_by_role("heading", name="Find people by skill")).to_be_visible()
    skill = page.get_by_role("group", name="Skill 1").get_by_label("Skill", exact=True)
    skill.select_option(label="SLMO — Service level management")
    page.get_by_role("group", name="Skill 1").get_by_label("At level or above").fill("8")
    page.get_by_role("button", name="Find people").click()
    # A mistake: said at the top, linked to the field, what was typed kept.
    expect(page.locator("#error-summary")).to_contain_text("defined up to level 7")
    assert error_announcement(page) == []
    expect(page.get_by_role("group", name="Skill 1").get_by_label("At level or above")).to_have_value("8")
    shots(page, "mistake")

    page.get_by_role("group", name="Skill 1").get_by_label("At level or above").fill("4")
    page.get_by_label("In the org unit (and the units below it)").select_option(label="— — Service Management Office")
    page.get_by_role("button", name="Find people").dblclick()  # a double click searches once more, nothing else
    expect(page.locator("h2#results")).to_have_text(re.compile(r"^3\s+people found$"))
    results = page.get_by_role("table", name="People found")
    expect(results).to_contain_text("Liam Walsh")
    expect(results).not_to_contain_text("Marcus Webb")  # SLMO 4, but in the Service Desk
    expect(results.locator("tbody tr")).to_have_count(3)
    assert page_problems(page, axe) == []
    shots(page, "found")

    page.get_by_label("Also show people one level below").check()
    page.get_by_role("button", name="Find people").click()
    expect(page.get_by_role("table", name="People found")).to_contain_text("One level below in 1 skill")
    page.go_back()
    expect(page.locator("h2#results")).to_have_text(re.compile(r"^3\s+people found$"))
    shots(page, "back")
    searches = db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "finder.searched"))
    assert searches >= 2


def test_a_line_manager_finds_among_their_own_people(page, live_server, sign_in_page, demo_org, shots):
    sign_in_page("marcus.webb@acme.example")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="People", exact=True).click()
    page.get_by_role("link", name="Find people by skill").click()
    expect(page.get_by_text("You search among your own people")).to_be_visible()
    page.get_by_role("group", name="Skill 1").get_by_label("Skill", exact=True).select_option(
        label="SLMO — Service level management")
    page.get_by_role("group", name="Skill 1").get_by_label("At level or above").fill("3")
    page.get_by_role("button", name="Find people").click()
    results = page.get_by_role("table", name="People found")
    expect(results).to_contain_text("Aisha Khan")
    expect(results).not_to_contain_text("Liam Walsh")  # not one of Marcus's people
    shots(page, "own-people")


def test_hr_sees_what_one_leaver_would_do_and_compares_scenarios(page, live_server, sign_in_page, demo_org, axe, shots):
    sign_in_page("hannah.lee@acme.example")
    page.goto(f"{live_server}/what-if/")
    expect(page.get_by_role("heading", name="What if these people left?")).to_be_visible()
    people = page.get_by_label("People who might leave or move")
    people.fill("maria.lopez@acme.example\nnobody@acme.example")
    page.get_by_role("button", name="See what would happen").click()
    expect(page.locator("#error-summary")).to_contain_text("nobody@acme.example")
    assert error_announcement(page) == []
    shots(page, "unknown-person")

    people.fill("maria.lopez@acme.example")
    page.get_by_role("button", name="See what would happen").click()
    outcome = page.get_by_role("region", name="What would happen")
    expect(outcome).to_contain_text("1 person would go")
    expect(outcome.get_by_role("row", name="Payroll platform")).to_contain_text("María López")
    assert page_problems(page, axe) == []
    shots(page, "outcome")

    page.get_by_label("Name (to save it)").fill("María leaves")
    page.get_by_role("button", name="Save the scenario").dblclick()
    expect(page.get_by_text("Scenario María leaves is saved.")).to_be_visible()
    assert db.session.scalar(select(func.count()).select_from(Scenario)) == 1
    shots(page, "saved")

    page.goto(f"{live_server}/what-if/")
    page.get_by_label("Org units to reorganise").select_option(label="— — Service Desk")
    page.get_by_label("Name (to save it)").fill("Service desk outsourced")
    page.get_by_role("button", name="Save the scenario").click()
    expect(page.get_by_role("heading", name="What if: Service desk outsourced")).to_be_visible()
    page.goto(f"{live_server}/what-if/")
    page.get_by_label("Compare María leaves").check()
    page.get_by_label("Compare Service desk outsourced").check()
    page.get_by_role("button", name="Compare the ticked scenarios").click()
    table = page.get_by_role("table", name="Scenarios side by side")
    expect(table.get_by_role("row", name="People who would go")).to_contain_text("1")
    assert page_problems(page, axe) == []
    shots(page, "compared")


def test_hr_picks_people_by_keyboard_and_adds_everyone_in_a_unit(page, live_server, sign_in_page, demo_org, axe, shots):
    sign_in_page("hannah.lee@acme.example")
    page.goto(f"{live_server}/what-if/")
    find = page.get_by_label("Find people by name or email")
    find.fill("lopez")
    find.press("Enter")  # Enter in the search box searches
    expect(page.locator("#picker-status")).to_contain_text("found")
    maria = page.get_by_role("checkbox", name=re.compile(r"^María López — maria\.lopez@acme\.example"))
    maria.focus()
    page.keyboard.press("Space")
    expect(maria).to_be_checked()
    assert page_problems(page, axe) == []
    shots(page, "picker-found")
    page.get_by_role("button", name="See what would happen").focus()
    page.keyboard.press("Enter")
    outcome = page.get_by_role("region", name="What would happen")
    expect(outcome).to_contain_text("1 person would go")
    expect(outcome.get_by_role("row", name="Payroll platform")).to_contain_text("María López")
    expect(maria).to_be_checked()  # still picked, to change the scenario
    # everyone in a unit, with the search box empty
    find.fill("")
    page.get_by_label("In the org unit (and the units below it)").select_option(label="— — Service Desk")
    page.get_by_role("button", name="Search people").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#picker-status")).to_contain_text("Service Desk and below")
    page.get_by_role("button", name="Add everyone in this unit").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#picker-status")).to_contain_text("Everyone in")
    expect(page.get_by_label("Org units to reorganise")).to_have_values([re.compile(r"\d+")])
    page.get_by_role("button", name="See what would happen").click()
    expect(page.get_by_role("region", name="What would happen")).to_contain_text("would go")
    assert page_problems(page, axe) == []
    shots(page, "picker-unit")
