"""Sign-in through an OpenID Connect provider, against a real one: Canaille
(pytest-iam) serving on loopback. The app fetches its discovery document and
JWKS and exchanges codes over HTTP, exactly as with Entra ID, Okta or Keycloak;
the test plays the browser between the two."""
from __future__ import annotations

import time
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import select

from skills_app import oidc
from skills_app.extensions import db
from skills_app.models import AuditEvent, ExternalIdentity, Person
from skills_app.policy import SYSTEM

CLIENT_ID, CLIENT_SECRET = "skills-app", "a-client-secret-for-tests"
REDIRECT = "http://localhost/login/oidc/callback"


@pytest.fixture(scope="session")
def iam_client(iam):
    """Our application, registered at the provider (confidential client, code flow)."""
    with iam.app.app_context():
        client = iam.models.Client(
            client_id=CLIENT_ID, client_secret=CLIENT_SECRET, client_name="skills_app", client_uri="http://localhost",
            redirect_uris=[REDIRECT], post_logout_redirect_uris=["http://localhost/login"],
            token_endpoint_auth_method="client_secret_basic", grant_types=["authorization_code"],
            response_types=["code"], scope=["openid", "profile", "email", "groups"])
        iam.backend.save(client)
        client.audience = [client]
        iam.backend.save(client)
    return client


@pytest.fixture
def idp(app, iam, iam_client):
    """The app configured for the provider, as docs/identity.md says."""
    settings = {"OIDC_ISSUER": iam.url, "OIDC_CLIENT_ID": CLIENT_ID, "OIDC_CLIENT_SECRET": CLIENT_SECRET,
                "OIDC_SCOPES": "openid email profile groups", "OIDC_PROVIDER_NAME": "Canaille",
                "OIDC_CREATE_USERS": False, "OIDC_ROLE_MAP": "", "OIDC_TRUST_EMAIL": False}
    saved = {key: app.config.get(key) for key in settings}
    app.config.update(settings)
    oidc.init_app(app)
    yield iam
    iam.logout()
    app.config.update(saved)
    app.extensions.pop(oidc.EXTENSION, None)


def provider_user(iam, email: str, *, name: str = "Sam Taylor", verified: bool = True, **extra):
    return iam.random_user(user_name=f"u-{uuid.uuid4().hex[:10]}", emails=[email], formatted_name=name,
                           title=None if verified else "unverified", **extra)


def authorize(client, iam, user, path: str = "/login/oidc") -> str:
    """Start at the app, sign in at the provider (as ``user``), and return the
    callback URL the provider sends the browser back to."""
    start = client.get(path)
    assert start.status_code == 302 and start.location.startswith(iam.url), start.location
    query = parse_qs(urlsplit(start.location).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"] and query["nonce"] and query["state"]
    iam.login(user)
    iam.consent(user)
    answer = requests.get(start.location, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text[:500]
    back = urlsplit(answer.headers["Location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == REDIRECT
    return f"{back.path}?{back.query}"


def signed_in_as(client) -> str | None:
    """Whom the app takes the client for: None when it is sent to sign in."""
    if client.get("/").status_code != 200:
        return None
    with client.session_transaction() as sess:
        user_id = sess.get("_user_id")
    if not user_id:
        return None
    person = db.session.get(Person, int(user_id.partition(":")[0]))
    db.session.expire_all()
    return person.email if person else None


def test_the_sign_in_page_offers_the_provider_above_the_password_form(client, idp):
    page = client.get("/login").get_data(as_text=True)
    assert "Sign in with Canaille" in page
    assert page.index("Sign in with Canaille") < page.index('name="password"')


def test_first_sign_in_links_the_account_by_verified_email_then_by_sub(client, idp, make_person):
    person = make_person("Sam Taylor", email="sam.taylor@example.test")
    user = provider_user(idp, "Sam.Taylor@example.test")
    response = client.get(authorize(client, idp, user))
    assert response.status_code == 302 and urlsplit(response.location).path == "/"
    assert signed_in_as(client) == "sam.taylor@example.test"
    identity = db.session.scalar(select(ExternalIdentity).where(ExternalIdentity.person_id == person.id))
    assert identity.subject == user.user_name and identity.issuer == idp.url.rstrip("/")
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.entity_id == person.id).order_by(AuditEvent.id)).all()
    assert [e.action for e in events][-2:] == ["account.identity_linked", "account.signed_in"]
    assert events[-1].data == {"method": "oidc"}

    # Once linked, the provider's sub is what counts: a changed address at the
    # provider still signs in the same person.
    client.post("/logout")
    with idp.app.app_context():
        user.emails = ["sam.t@elsewhere.test"]
        idp.backend.save(user)
    response = client.get(authorize(client, idp, user))
    assert response.status_code == 302
    assert signed_in_as(client) == "sam.taylor@example.test"


def test_password_sign_in_is_audited_with_its_method(client, idp, auth, make_person):
    person = make_person("Pat Password")
    auth.login(person)
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "account.signed_in").order_by(AuditEvent.id)).all()[-1]
    assert event.entity_id == person.id and event.data == {"method": "password"}


def test_an_unverified_email_is_not_matched(client, idp, make_person):
    make_person("Vera Unverified", email="vera@example.test")
    user = provider_user(idp, "vera@example.test", verified=False)
    response = client.get(authorize(client, idp, user))
    assert response.status_code == 403
    assert "has not verified the email address vera@example.test" in response.get_data(as_text=True)
    assert signed_in_as(client) is None
    assert db.session.scalar(select(ExternalIdentity)) is None


def test_an_unknown_person_is_refused_with_a_clear_page(client, idp, make_person):
    user = provider_user(idp, "stranger@example.test")
    response = client.get(authorize(client, idp, user))
    body = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "You are not signed in" in body and "There is no account here for you yet (stranger@example.test)" in body
    assert signed_in_as(client) is None
    assert db.session.scalar(select(Person).where(Person.email == "stranger@example.test")) is None


def test_an_unknown_person_gets_an_account_when_creation_is_on(app, client, idp):
    app.config["OIDC_CREATE_USERS"] = True
    user = provider_user(idp, "newcomer@example.test", name="Nia Newcomer")
    assert client.get(authorize(client, idp, user)).status_code == 302
    person = db.session.scalar(select(Person).where(Person.email == "newcomer@example.test"))
    assert person.name == "Nia Newcomer" and person.roles == {"employee"} and person.password_hash is None
    created = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "person.created"))
    assert created.actor_id is None and "sign-in through Canaille" in created.actor_label


def test_groups_map_to_application_roles_at_every_sign_in(app, client, idp, make_person):
    app.config["OIDC_ROLE_MAP"] = "hr=Skills-HR;admin=Skills-Admins"
    person = make_person("Hana Groups", email="hana.groups@example.test", roles=("employee", "learning"))
    make_person("Ada Admin", roles=("employee", "admin"))
    user = provider_user(idp, "hana.groups@example.test")
    group = idp.random_group(display_name="Skills-HR", members=[user])
    assert client.get(authorize(client, idp, user)).status_code == 302
    db.session.expire_all()
    # hr from the group; learning is not in the map and stays.
    assert db.session.get(Person, person.id).roles == {"employee", "learning", "hr"}

    client.post("/logout")
    with idp.app.app_context():
        group.members = []
        idp.backend.save(group)
        idp.backend.reload(user)
        assert not user.groups
    assert client.get(authorize(client, idp, user)).status_code == 302
    db.session.expire_all()
    assert db.session.get(Person, person.id).roles == {"employee", "learning"}
    changes = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "person.roles_changed").order_by(AuditEvent.id)).all()
    assert [c.data["to"] for c in changes] == [["employee", "hr", "learning"], ["employee", "learning"]]


def test_a_bad_role_map_stops_the_app_with_its_reason(app):
    for bad, reason in (("boss=Skills-Bosses", "unknown role 'boss'"), ("hr", "is not role=Group")):
        with pytest.raises(ValueError, match=reason):
            from skills_app.services import sso

            sso.parse_role_map(bad)


def test_a_tampered_state_signs_no_one_in(client, idp, make_person):
    make_person("Sam Taylor", email="sam.state@example.test")
    callback = authorize(client, idp, provider_user(idp, "sam.state@example.test"))
    path, _, query = callback.partition("?")
    params = parse_qs(query)
    params["state"] = ["forged" + params["state"][0][6:]]
    response = client.get(path, query_string={k: v[0] for k, v in params.items()})
    assert response.status_code == 400
    assert "was not started here" in response.get_data(as_text=True)
    assert signed_in_as(client) is None


def test_a_replayed_code_signs_no_one_in(client, idp, make_person):
    make_person("Sam Taylor", email="sam.replay@example.test")
    user = provider_user(idp, "sam.replay@example.test")
    callback = authorize(client, idp, user)
    assert client.get(callback).status_code == 302
    client.post("/logout")
    # The same callback again: its state was used up.
    assert client.get(callback).status_code == 400
    assert signed_in_as(client) is None
    # A fresh sign-in (a new state) carrying the old code: the provider refuses it.
    fresh = authorize(client, idp, user)
    old_code = parse_qs(urlsplit(callback).query)["code"][0]
    path, _, query = fresh.partition("?")
    params = {k: v[0] for k, v in parse_qs(query).items()} | {"code": old_code}
    response = client.get(path, query_string=params)
    assert response.status_code == 400
    assert "invalid_grant" in response.get_data(as_text=True)
    assert signed_in_as(client) is None


def test_an_id_token_for_another_audience_is_refused(client, app, idp, make_person):
    """The provider issues its token to the client it knows ("skills-app"); the app is told its
    own client id is another one, so the token's ``aud`` is not the app's: a token minted for
    another application at the same provider is refused."""
    make_person("Sam Taylor", email="sam.aud@example.test")
    callback = authorize(client, idp, provider_user(idp, "sam.aud@example.test"))
    app.config["OIDC_CLIENT_ID"] = "another-app"  # idp's teardown restores it
    response = client.get(callback)
    assert response.status_code == 400
    assert "did not pass the checks" in response.get_data(as_text=True) and "aud" in response.get_data(as_text=True)
    assert signed_in_as(client) is None


def test_an_expired_id_token_is_refused(client, idp, make_person, monkeypatch):
    make_person("Sam Taylor", email="sam.exp@example.test")
    callback = authorize(client, idp, provider_user(idp, "sam.exp@example.test"))
    # The token arrives two hours after it was issued (its lifetime is one hour).
    monkeypatch.setattr(oidc, "clock", lambda: time.time() + 2 * 3600)
    response = client.get(callback)
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)
    assert signed_in_as(client) is None


def test_a_nonce_other_than_the_one_sent_is_refused(client, idp, make_person):
    make_person("Sam Taylor", email="sam.nonce@example.test")
    callback = authorize(client, idp, provider_user(idp, "sam.nonce@example.test"))
    with client.session_transaction() as sess:
        key = next(k for k in sess if k.startswith("_state_provider_"))
        state = sess[key]
        state["data"]["nonce"] = "not-the-nonce-that-was-sent"
        sess[key] = state
    response = client.get(callback)
    assert response.status_code == 400 and "nonce" in response.get_data(as_text=True)
    assert signed_in_as(client) is None


def test_the_issuer_must_be_the_one_the_provider_names(app, client, idp):
    # The same provider reached under another name: its discovery document names
    # another issuer, and its tokens would not be ours to trust.
    app.config["OIDC_ISSUER"] = idp.url.replace("localhost", "127.0.0.1")
    app.extensions.pop(oidc.EXTENSION)
    oidc.init_app(app)
    response = client.get("/login/oidc")
    assert response.status_code == 400
    assert "names the issuer" in response.get_data(as_text=True)


def test_a_deactivated_person_is_refused(client, idp, make_person):
    make_person("Lee Leaver", email="lee.leaver@example.test", active=False)
    response = client.get(authorize(client, idp, provider_user(idp, "lee.leaver@example.test")))
    assert response.status_code == 403 and "is deactivated" in response.get_data(as_text=True)
    assert signed_in_as(client) is None


def test_single_logout_ends_the_session_here_and_at_the_provider(client, idp, make_person):
    make_person("Sam Taylor", email="sam.logout@example.test")
    assert client.get(authorize(client, idp, provider_user(idp, "sam.logout@example.test"))).status_code == 302
    response = client.post("/logout")
    end = urlsplit(response.location)
    assert f"{end.scheme}://{end.netloc}/" == idp.url and end.path == "/oauth/end_session"
    params = parse_qs(end.query)
    assert params["post_logout_redirect_uri"] == ["http://localhost/login"] and params["id_token_hint"]
    assert signed_in_as(client) is None
    # The provider accepts the request (the hint is its own token) and sends the browser back.
    answer = requests.get(response.location, allow_redirects=False, timeout=10)
    assert answer.status_code == 302 and answer.headers["Location"].startswith("http://localhost/login")


def test_identity_provider_sign_in_starts_a_server_side_session_that_sign_out_ends(app, client, idp, make_person):
    from skills_app.models import SignInSession

    person = make_person("Sam Taylor", email="sam.server@example.test")
    assert client.get(authorize(client, idp, provider_user(idp, "sam.server@example.test"))).status_code == 302
    row = db.session.scalar(select(SignInSession).where(SignInSession.person_id == person.id))
    assert row is not None and row.method == "oidc" and row.ended_at is None
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    assert signed_in_as(thief) == "sam.server@example.test"
    client.post("/logout")
    assert signed_in_as(thief) is None


def test_a_password_sign_in_signs_out_here_only(client, idp, auth, make_person):
    person = make_person("Pat Password")
    auth.login(person)
    response = client.post("/logout")
    assert urlsplit(response.location).path == "/login" and not response.location.startswith(idp.url)


def test_an_administrator_can_turn_the_password_form_off_only_with_a_provider(app, client, auth, make_person, idp):
    from skills_app.services import settings

    admin = make_person("Ada Admin", roles=("employee", "admin"))
    auth.login(admin)
    client.post("/admin/identity/sign-in", data={})  # the box unticked: off
    page = client.get("/login")
    client.post("/logout")
    page = client.get("/login").get_data(as_text=True)
    assert "Sign in with Canaille" in page and 'name="password"' not in page
    refused = auth.login(admin)
    assert refused.status_code == 403 and "Password sign-in is turned off" in refused.get_data(as_text=True)
    assert signed_in_as(client) is None
    # Without a provider, passwords always work (no one is locked out), and the
    # setting cannot be turned off.
    app.config["OIDC_ISSUER"] = None
    assert settings.password_sign_in() is True
    assert auth.login(admin).status_code == 302
    from skills_app.errors import InvalidInput

    with pytest.raises(InvalidInput, match="only while sign-in through an identity provider is configured"):
        settings.set_password_sign_in(SYSTEM, False)


def test_without_a_provider_its_pages_are_not_there(client):
    assert client.get("/login/oidc").status_code == 404
    assert client.get("/login/oidc/callback?code=x&state=y").status_code == 404
    assert "Sign in with" not in client.get("/login").get_data(as_text=True)


def test_the_command_line_turns_the_password_form_back_on(app, runner, idp):
    from skills_app.services import settings

    assert runner.invoke(args=["settings", "password-sign-in", "off"]).exit_code == 0
    assert settings.password_sign_in() is False
    result = runner.invoke(args=["settings", "password-sign-in", "on"])
    assert result.exit_code == 0 and "Password sign-in is on." in result.output
    assert settings.password_sign_in() is True
    app.config["OIDC_ISSUER"] = None
    refused = runner.invoke(args=["settings", "password-sign-in", "off"])
    assert refused.exit_code != 0 and "only while sign-in through an identity provider is configured" in refused.output
