"""Signing out everywhere and erasing a person, in a real browser with CSRF on
(Debian's Chromium through Playwright); fields and buttons found by their labels."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from skills_app.devdata import demo
from skills_app.extensions import db
from skills_app.models import Person
from tests.conftest import open_menu

pytestmark = pytest.mark.browser


def test_sign_out_everywhere_ends_the_session_of_another_browser(browser, page, live_server, sign_in_page, demo_org, shots):
    sign_in_page("sam.taylor@acme.example")
    other = browser.new_context().new_page()
    other.goto(f"{live_server}/login")
    other.get_by_label("Email").fill("sam.taylor@acme.example")
    other.get_by_label("Password").fill(demo.DEMO_PASSWORD)
    other.get_by_role("button", name="Sign in").click()
    expect(other.get_by_role("button", name="Sign out")).to_be_visible()

    open_menu(page, "Your account")
    page.get_by_role("link", name="My account").click()
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    expect(page.get_by_role("cell", name="This session")).to_be_visible()
    expect(page.get_by_role("row")).to_have_count(3)  # the header and two sessions
    shots(page, "account-two-sessions")
    page.get_by_role("button", name="Sign out everywhere").click()
    expect(page.get_by_text("You are signed out everywhere: 2 sessions ended.")).to_be_visible()
    shots(page, "signed-out-everywhere")

    other.reload()
    expect(other).to_have_url(f"{live_server}/login?next=%2F")
    other.context.close()


def test_hr_erases_a_person_after_typing_their_email(page, live_server, sign_in_page, demo_org, shots):
    person = db.session.scalar(select(Person).where(Person.email == "sam.taylor@acme.example"))
    sign_in_page("hannah.lee@acme.example")
    page.goto(f"{live_server}/people/{person.id}")
    page.get_by_role("link", name="Erase this person (right to erasure)").click()
    expect(page.get_by_role("heading", name="Erase Sam Taylor")).to_be_visible()
    page.get_by_label("Type the person's email address to confirm").fill("not.sam@acme.example")
    page.get_by_role("button", name="Erase this person").click()
    expect(page.get_by_text("Type the person's email address, sam.taylor@acme.example, to confirm the erasure.").first).to_be_visible()
    shots(page, "erase-wrong-email")
    page.get_by_label("Type the person's email address to confirm").fill("sam.taylor@acme.example")
    page.get_by_role("button", name="Erase this person").click()
    expect(page.get_by_text(f"Person {person.id} erased")).to_be_visible()
    shots(page, "erased")
