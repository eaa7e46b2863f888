"""Journeys in a real browser (Debian's Chromium through Playwright), with a
screenshot per step under test-artifacts/. Fields are found by their labels."""
from __future__ import annotations

import pytest

from playwright.sync_api import expect

from tests.conftest import open_menu


pytestmark = pytest.mark.browser


def test_employee_reads_a_framework(page, live_server, sign_in_page, demo_org, shots):
    page.goto(live_server)
    expect(page).to_have_url(f"{live_server}/login?next=%2F")
    shots(page, "sign-in")
    sign_in_page("sam.taylor@acme.example")
    expect(page.get_by_role("heading", name="Hello, Sam")).to_be_visible()
    shots(page, "dashboard")
    page.get_by_role("link", name="Frameworks", exact=True).click()
    page.get_by_role("link", name="SFIA").click()
    expect(page.get_by_role("heading", name="Skills Framework for the Information Age (SFIA, version 8)")).to_be_visible()
    expect(page.get_by_text("Negotiates with relevant parties in respect of disruptions")).to_be_visible()
    expect(page.get_by_text("Not defined at this level.")).to_be_visible()
    shots(page, "sfia-framework")
    # An employee has no people directory, and a crafted URL to someone else's page is refused.
    expect(page.get_by_role("link", name="People")).to_have_count(0)
    response = page.goto(f"{live_server}/people/1")
    assert response.status in (403, 404)
    shots(page, "other-person-refused")


def test_wrong_password_then_admin_signs_in(page, live_server, sign_in_page, demo_org, shots):
    sign_in_page("alex.morgan@acme.example", "wrong password", signed_in=False)
    expect(page.get_by_text("That email and password do not match an active account.")).to_be_visible()
    shots(page, "wrong-password")
    sign_in_page("alex.morgan@acme.example")
    open_menu(page, "Admin")
    page.get_by_role("link", name="Accounts", exact=True).click()
    expect(page.get_by_role("heading", name="Accounts and roles")).to_be_visible()
    page.get_by_label("Search by name, email, job title or employee number").fill("Sam")
    page.get_by_role("button", name="Search accounts").click()
    page.get_by_role("link", name="Sam Taylor").click()
    expect(page.get_by_label("Name", exact=True)).to_have_value("Sam Taylor")
    shots(page, "admin-edit-person")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
