"""From gap to growth in Chromium, by labels: an employee explores a job role
and sees the levels they lack, what each asks and the learning for them; an
unknown job role is a page that says so; a stranger, signed out, is told a
pasted text is not a credential. (The download and verification of a real
credential are covered through HTTP in tests/test_credentials.py.)"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect


@pytest.mark.browser
def test_explore_a_role_and_see_what_it_takes(page, live_server, sign_in_page, demo_org, browser):
    sign_in_page("sam.taylor@acme.example")
    page.goto(f"{live_server}/my/skills")
    page.get_by_role("link", name="Explore roles: see your levels against any job role or service, and what it would take").click()
    expect(page.get_by_role("heading", name="Closest job roles")).to_be_visible()
    page.get_by_label("Job role or service").select_option(label="Service Desk Analyst")
    page.get_by_role("button", name="Compare my levels").click()
    expect(page.get_by_role("heading", name="Service Desk Analyst", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="What you would need")).to_be_visible()
    expect(page.get_by_role("heading", name="Learning for this step").first).to_be_visible()

    response = page.goto(f"{live_server}/my/roles/999999")
    assert response.status == 404

    stranger = browser.new_page()
    stranger.goto(f"{live_server}/credentials/verify")
    stranger.get_by_label("Credential (JSON)").fill('{"name": "not signed"}')
    stranger.get_by_role("button", name="Verify the credential").click()
    expect(stranger.get_by_text("The credential does not check out")).to_be_visible()
    stranger.close()
