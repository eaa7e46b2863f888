"""The journey of a sign-in through the identity provider, in Chromium: the
sign-in page, the provider's own login form (Canaille, on loopback), back to
the dashboard signed in, and single logout through the provider."""
from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from skills_app import oidc
from skills_app.extensions import db
from skills_app.policy import SYSTEM

pytestmark = pytest.mark.browser

PASSWORD_AT_PROVIDER = "correct-horse-at-the-provider"


@pytest.fixture
def provider(browser_app, live_server, iam):
    client_id = f"skills-browser-{uuid.uuid4().hex[:6]}"
    with iam.app.app_context():
        client = iam.models.Client(
            client_id=client_id, client_secret="browser-secret", client_name="skills_app", client_uri=live_server,
            redirect_uris=[f"{live_server}/login/oidc/callback"], post_logout_redirect_uris=[f"{live_server}/login"],
            token_endpoint_auth_method="client_secret_basic", grant_types=["authorization_code"],
            response_types=["code"], scope=["openid", "profile", "email", "groups"])
        iam.backend.save(client)
        client.audience = [client]
        iam.backend.save(client)
    settings = {"OIDC_ISSUER": iam.url, "OIDC_CLIENT_ID": client_id, "OIDC_CLIENT_SECRET": "browser-secret",
                "OIDC_PROVIDER_NAME": "Acme single sign-on", "OIDC_SCOPES": "openid email profile"}
    saved = {key: browser_app.config.get(key) for key in settings}
    browser_app.config.update(settings)
    oidc.init_app(browser_app)
    yield iam
    browser_app.config.update(saved)
    browser_app.extensions.pop(oidc.EXTENSION, None)
    with iam.app.app_context():
        iam.backend.delete(client)


def test_signing_in_through_the_identity_provider(page, live_server, provider, shots):
    from skills_app.services import accounts

    accounts.create_person(SYSTEM, email="sam.taylor@acme.example", name="Sam Taylor", roles=["employee"])
    db.session.commit()
    login = f"sam-{uuid.uuid4().hex[:6]}"
    provider.random_user(user_name=login, emails=["sam.taylor@acme.example"], formatted_name="Sam Taylor",
                         password=PASSWORD_AT_PROVIDER)

    page.goto(f"{live_server}/login")
    shots(page, "sign-in-page")
    page.get_by_role("link", name="Sign in with Acme single sign-on").click()
    # The provider's own pages.
    page.wait_for_url(f"{provider.url}**")
    shots(page, "provider-login")
    page.get_by_label("Login").fill(login)
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("textbox", name="Password").fill(PASSWORD_AT_PROVIDER)
    shots(page, "provider-password")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server}/")
    shots(page, "dashboard")
    expect(page.locator("header.site")).to_contain_text("Sam Taylor")

    # Out here, then through the provider's end-session endpoint and back.
    with page.expect_request(lambda r: r.url.startswith(f"{provider.url}oauth/end_session")):
        page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{live_server}/login**")
    shots(page, "signed-out")
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    # Signed out at the provider too: signing in again asks for the login.
    page.get_by_role("link", name="Sign in with Acme single sign-on").click()
    page.wait_for_url(f"{provider.url}**")
    expect(page.get_by_label("Login")).to_be_visible()
    shots(page, "provider-asks-again")


def test_someone_without_an_account_is_told_so(page, live_server, provider, shots):
    login = f"stranger-{uuid.uuid4().hex[:6]}"
    provider.random_user(user_name=login, emails=["stranger@acme.example"], formatted_name="Stan Stranger",
                         password=PASSWORD_AT_PROVIDER)
    page.goto(f"{live_server}/login")
    page.get_by_role("link", name="Sign in with Acme single sign-on").click()
    page.get_by_label("Login").fill(login)
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("textbox", name="Password").fill(PASSWORD_AT_PROVIDER)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server}/login/oidc/callback**")
    shots(page, "refused")
    expect(page.get_by_role("heading", name="You are not signed in")).to_be_visible()
    expect(page.get_by_text("There is no account here for you yet (stranger@acme.example)")).to_be_visible()
