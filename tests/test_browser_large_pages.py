"""In Chromium, the demo organisation shown as a large one is (issue 20, item 7): the
People directory's and the finder's unit typed as a path, by its label, with its
suggestions, an unknown path announced at its field; a framework's skills listed,
each opening on its own page; axe finds nothing on these page states."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from skills_app.services import org
from skills_app.web import frameworks as framework_pages
from tests.test_accessibility import axe, page_problems  # noqa: F401  (axe: a fixture)

pytestmark = pytest.mark.browser


@pytest.fixture
def large(monkeypatch):
    monkeypatch.setattr(org, "CHOICE_LIMIT", 2)
    monkeypatch.setattr(framework_pages, "FULL_SKILLS", 0)


def test_a_unit_typed_as_a_path_filters_people_and_the_finder(page, live_server, sign_in_page, demo_org, large, axe):  # noqa: F811
    sign_in_page("hannah.lee@acme.example")
    page.goto(f"{live_server}/people")
    field = page.get_by_label("Org unit (and the units below it): its path")
    expect(field).to_have_attribute("list", "unit-list")
    assert "Acme/IT/Service Desk" in page.locator("#unit-list option").evaluate_all("os => os.map(o => o.value)")
    assert page_problems(page, axe) == []
    field.fill("acme/it/service desk")
    page.get_by_role("button", name="Search people").click()
    table = page.locator("#people")
    expect(table.get_by_role("link", name="Sam Taylor")).to_be_visible()
    expect(table.get_by_role("link", name="Hannah Lee")).to_have_count(0)
    expect(page.get_by_label("Org unit (and the units below it): its path")).to_have_value("Acme/IT/Service Desk")

    page.get_by_label("Org unit (and the units below it): its path").fill("Acme/Nowhere")
    page.get_by_role("button", name="Search people").click()
    field = page.get_by_label("Org unit (and the units below it): its path")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#unit-error")).to_contain_text("No org unit has the path Acme/Nowhere.")
    assert page_problems(page, axe) == []

    page.goto(f"{live_server}/finder/")
    expect(page.get_by_label("In the org unit (and the units below it): its path")).to_be_visible()
    assert page_problems(page, axe) == []


def test_a_large_framework_lists_its_skills_each_on_its_own_page(page, live_server, sign_in_page, demo_org, large, axe):  # noqa: F811
    sign_in_page("sam.taylor@acme.example")
    page.goto(f"{live_server}/frameworks/SFIA")
    link = page.get_by_role("link", name="SLMO Service level management")
    expect(link).to_be_visible()
    assert page_problems(page, axe) == []
    link.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Service level management")
    expect(page.locator("ul.descriptors li").first).to_be_visible()


def test_the_admin_types_a_persons_org_unit_and_a_units_part_of_path(page, live_server, sign_in_page, demo_org, large, axe):  # noqa: F811
    sign_in_page("alex.morgan@acme.example")
    page.goto(f"{live_server}/admin/people/new")
    unit = page.get_by_label("Org unit", exact=True)
    expect(unit).to_have_attribute("list", "org_unit_path-list")
    assert "Acme/IT/Service Desk" in page.locator("#org_unit_path-list option").evaluate_all("os => os.map(o => o.value)")
    assert page_problems(page, axe) == []
    page.get_by_label("Name", exact=True).fill("Nia Newcombe")
    page.get_by_label("Email", exact=True).fill("nia.newcombe@acme.example")
    page.get_by_label("Initial password").fill("a first password")
    unit.fill("Acme/Nowhere")  # a mistake: no such unit
    page.get_by_role("button", name="Create person").click()
    unit = page.get_by_label("Org unit", exact=True)
    expect(unit).to_have_attribute("aria-invalid", "true")
    expect(unit).to_have_value("Acme/Nowhere")
    expect(page.locator("#org_unit_path-error")).to_contain_text("No org unit has the path Acme/Nowhere.")
    expect(page.locator("#error-summary")).to_contain_text("Org unit: No org unit has the path Acme/Nowhere.")
    expect(page.get_by_label("Name", exact=True)).to_have_value("Nia Newcombe")
    assert page_problems(page, axe) == []
    page.get_by_role("link", name="Org unit: No org unit has the path Acme/Nowhere.").click()
    expect(unit).to_be_focused()
    unit.fill("acme/it/service desk")
    page.get_by_label("Initial password").fill("a first password")
    page.get_by_role("button", name="Create person").click()
    expect(page.get_by_text("Created an account for Nia Newcombe.")).to_be_visible()
    expect(page.get_by_label("Org unit", exact=True)).to_have_value("Acme/IT/Service Desk")

    # The org units page: one level at a time, a unit added by its typed "Part of" path.
    page.goto(f"{live_server}/admin/org-units")
    expect(page.locator("table.data").get_by_role("link", name="Acme", exact=True)).to_be_visible()
    assert page_problems(page, axe) == []
    page.get_by_label("Show the units under: its path").fill("Acme/IT")
    page.get_by_role("button", name="Show org units").click()
    expect(page.locator("table.data").get_by_role("link", name="Service Desk", exact=True)).to_be_visible()
    expect(page.get_by_label("Part of")).to_have_value("Acme/IT")
    page.get_by_label("Name", exact=True).fill("Tier 2")
    page.get_by_label("Part of").fill("Acme/IT/Nowhere")
    page.get_by_role("button", name="Add org unit").click()
    expect(page.get_by_label("Part of")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#parent_path-error")).to_contain_text("No org unit has the path Acme/IT/Nowhere.")
    assert page_problems(page, axe) == []
    page.get_by_label("Part of").fill("Acme/IT/Service Desk")
    page.get_by_role("button", name="Add org unit").click()
    expect(page.get_by_text("Added Acme/IT/Service Desk/Tier 2.")).to_be_visible()


def test_hr_types_a_campaigns_org_unit_and_mends_a_mistake(page, live_server, sign_in_page, demo_org, large, axe):  # noqa: F811
    sign_in_page("hannah.lee@acme.example")
    page.goto(f"{live_server}/campaigns/new")
    page.get_by_label("Campaign name").fill("Service desk spring review")
    skills = page.get_by_label("Skills to assess")
    skills.select_option(index=0)
    chosen = skills.evaluate("s => Array.from(s.selectedOptions).map(o => o.textContent)")
    field = page.get_by_label("Org unit (and the units below it)")
    expect(field).to_have_attribute("list", "org_unit_path-list")
    assert page_problems(page, axe) == []
    field.fill("Acme/Nowhere")
    page.get_by_role("button", name="Open the campaign").click()
    field = page.get_by_label("Org unit (and the units below it)")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#org_unit_path-error")).to_contain_text("No org unit has the path Acme/Nowhere.")
    expect(page.get_by_label("Campaign name")).to_have_value("Service desk spring review")  # what was typed stays
    assert page.get_by_label("Skills to assess").evaluate("s => Array.from(s.selectedOptions).map(o => o.textContent)") == chosen
    assert page_problems(page, axe) == []
    field.fill("acme/it/service desk")
    page.get_by_role("button", name="Open the campaign").click()
    expect(page.get_by_text("Opened the campaign 'Service desk spring review'")).to_be_visible()
    expect(page.get_by_text("Acme/IT/Service Desk (and below)").first).to_be_visible()


def test_a_large_cohorts_training_plan_is_for_the_whole_step_or_the_people_named(page, live_server, sign_in_page, demo_org,
                                                                                monkeypatch, axe):  # noqa: F811
    """Past learning.LIST_MAX people needing the skill, the plan's participants are a set (everyone at
    the step, everyone who needs the skill) or people named by email address or employee number; an
    unknown one is announced at its field, the choice and the typed lines kept."""
    from skills_app.services import learning

    monkeypatch.setattr(learning, "LIST_MAX", 0)
    sign_in_page("laura.chen@acme.example")
    page.goto(f"{live_server}/reports/training-needs")
    page.get_by_role("link", name="Plan training for").first.click()
    participants = page.get_by_role("group", name="Participants")
    expect(participants.get_by_role("radio", name="Everyone at this step")).to_be_checked()
    expect(page.get_by_role("checkbox")).to_have_count(0)
    assert page_problems(page, axe) == []
    participants.get_by_role("radio", name="Only the people I name below").check()
    field = page.get_by_label("People to enrol, when named: their email addresses or employee numbers, one a line")
    field.fill("sam.taylor@acme.example\nnobody@acme.example")
    page.get_by_role("button", name="Create training plan").click()
    field = page.get_by_label("People to enrol, when named: their email addresses or employee numbers, one a line")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#named-error")).to_contain_text("nobody@acme.example")
    expect(field).to_have_value("sam.taylor@acme.example\nnobody@acme.example")
    expect(page.get_by_role("group", name="Participants").get_by_role("radio", name="Only the people I name below")).to_be_checked()
    assert page_problems(page, axe) == []
    page.get_by_role("group", name="Participants").get_by_role("radio", name="Everyone at this step").check()
    page.get_by_role("button", name="Create training plan").click()
    expect(page.get_by_text("Created the training plan")).to_be_visible()
