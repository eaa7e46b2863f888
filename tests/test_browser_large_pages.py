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
