"""Sign-in sessions end on the server: signing out, signing out everywhere,
deactivation and the idle and absolute lifetimes end a session for every copy
of its cookie; API tokens expire. The clock is injected (``SESSION_CLOCK``),
never slept on."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from skills_app.extensions import db
from skills_app.models import ApiToken, SignInSession
from skills_app.policy import SYSTEM
from skills_app.services import accounts, tokens
from tests.conftest import PASSWORD


def refused(client) -> bool:
    """Whether the app sends this client to sign in (its session is not good)."""
    answer = client.get("/")
    return answer.status_code == 302 and urlsplit(answer.location).path == "/login"


def copy_of(app, client):
    """A second client holding a copy of ``client``'s session cookie (a stolen cookie)."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def token_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(ApiToken))


@pytest.fixture
def clock(app):
    """The sessions' clock, moved by the test."""
    state = {"now": datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)}
    app.config["SESSION_CLOCK"] = lambda: state["now"]

    def move(**delta):
        state["now"] += timedelta(**delta)

    yield move
    app.config.pop("SESSION_CLOCK", None)


def test_a_copied_cookie_is_refused_after_its_owner_signs_out_and_cannot_mint_a_token(app, sign_in, make_person):
    person = make_person("Cora Copied")
    owner = sign_in(person)
    thief = copy_of(app, owner)
    assert not refused(thief), "the copy works while the session is open (it is the same session)"

    assert owner.post("/logout").status_code == 302
    assert refused(thief)
    answer = thief.post("/account/tokens", data={"name": "stolen", "days": "365"})
    assert answer.status_code == 302 and urlsplit(answer.location).path == "/login"
    assert token_count() == 0
    row = db.session.scalar(select(SignInSession).where(SignInSession.person_id == person.id))
    assert row.ended_reason == "signed_out"


def test_sign_out_everywhere_ends_every_session_and_every_copy(app, sign_in, make_person):
    person = make_person("Eve Everywhere")
    laptop, phone = sign_in(person), sign_in(person)
    thief = copy_of(app, phone)
    other = sign_in(make_person("Someone Else"))

    page = laptop.get("/account").get_data(as_text=True)
    assert "Sign out everywhere" in page and page.count("Password</td>") == 2 and "This session" in page
    answer = laptop.post("/account/sign-out-everywhere", data={})
    assert answer.status_code == 302 and urlsplit(answer.location).path == "/login"
    assert refused(laptop) and refused(phone) and refused(thief)
    assert thief.post("/account/tokens", data={"name": "stolen"}).status_code == 302 and token_count() == 0
    assert not refused(other), "another person's session is not touched"
    # Signing in again works.
    assert not refused(sign_in(person))


def test_sign_out_everywhere_can_revoke_the_api_tokens_too(app, client, sign_in, make_person):
    person = make_person("Rita Revoke")
    _row, secret = tokens.create(SYSTEM, person, "script")
    db.session.commit()
    browser = sign_in(person)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    browser.post("/account/sign-out-everywhere", data={"revoke_tokens": "y"})
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_sign_out_everywhere_keeps_the_tokens_unless_asked(app, client, sign_in, make_person):
    person = make_person("Kit Keep")
    _row, secret = tokens.create(SYSTEM, person, "script")
    db.session.commit()
    sign_in(person).post("/account/sign-out-everywhere", data={})
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200


def test_changing_ones_password_ends_the_other_sessions_and_keeps_this_one(app, sign_in, make_person):
    person = make_person("Pia Password")
    here, elsewhere = sign_in(person), sign_in(person)
    thief = copy_of(app, elsewhere)
    answer = here.post("/account/password", data={"current": PASSWORD, "new": "another long password",
                                                  "confirm": "another long password"})
    assert answer.status_code == 302
    assert not refused(here) and refused(elsewhere) and refused(thief)
    reasons = sorted(str(r) for r in db.session.scalars(select(SignInSession.ended_reason).where(SignInSession.person_id == person.id)))
    assert reasons == ["None", "password_changed"], "this session open, the other ended"


def test_deactivation_ends_every_session_of_the_person(app, sign_in, make_person):
    person = make_person("Lee Leaver")
    browser = sign_in(person)
    thief = copy_of(app, browser)
    accounts.set_active(SYSTEM, person, False)
    db.session.commit()
    assert refused(browser) and refused(thief)
    reasons = set(db.session.scalars(select(SignInSession.ended_reason).where(SignInSession.person_id == person.id)))
    assert reasons == {"deactivated"}


def test_a_session_unused_for_the_idle_lifetime_ends(app, sign_in, make_person, clock):
    app.config["SESSION_IDLE_MINUTES"] = 30
    browser = sign_in(make_person("Ida Idle"))
    clock(minutes=29)
    assert not refused(browser), "used within the idle lifetime"
    clock(minutes=29)
    assert not refused(browser), "the idle lifetime counts from the last request"
    clock(minutes=31)
    assert refused(browser)
    clock(seconds=-3600)
    assert refused(browser), "an ended session stays ended, whatever the clock says"
    app.config["SESSION_IDLE_MINUTES"] = 60


def test_a_session_ends_at_its_absolute_lifetime_even_while_in_use(app, sign_in, make_person, clock):
    app.config["SESSION_MAX_HOURS"] = 2
    browser = sign_in(make_person("Max Lifetime"))
    for _ in range(3):
        clock(minutes=39)
        assert not refused(browser)
    clock(minutes=4)
    assert refused(browser), "2 hours and a minute after sign-in"
    row = db.session.scalar(select(SignInSession).order_by(SignInSession.created_at.desc()))
    assert row.ended_reason == "expired"
    app.config["SESSION_MAX_HOURS"] = 12


def test_a_session_cookie_without_its_server_side_session_is_refused(app, client, make_person):
    """Flask-Login's id alone (what a cookie carried before sessions were kept on the server) signs no one in."""
    person = make_person("Old Cookie")
    with client.session_transaction() as session:
        session["_user_id"] = person.get_id()
        session["_fresh"] = True
    assert refused(client)
    with client.session_transaction() as session:
        session["_sign_in"] = "a guessed key"
    assert refused(client)


def test_api_tokens_expire_after_90_days_unless_another_term_is_chosen(app, client, sign_in, make_person):
    person = make_person("Tom Token")
    browser = sign_in(person)
    page = browser.post("/account/tokens", data={"name": "default", "days": "90"}).get_data(as_text=True)
    assert "Expires" in page
    browser.post("/account/tokens", data={"name": "short", "days": "7"})
    rows = {t.name: t for t in db.session.scalars(select(ApiToken).where(ApiToken.person_id == person.id))}
    lived = {name: (t.expires_at - t.created_at).days for name, t in rows.items()}
    assert lived == {"default": 90, "short": 7}
    for days in ("0", "366", "many"):
        answer = browser.post("/account/tokens", data={"name": "bad", "days": days})
        assert answer.status_code == 400 and "from 1 to 365" in answer.get_data(as_text=True) or days == "many"
    assert token_count() == 2
    with pytest.raises(Exception, match="1 to 365"):
        tokens.create(SYSTEM, person, "too long", days=400)


def test_an_expired_api_token_is_refused_with_401_saying_so(app, client, make_person):
    person = make_person("Exa Expired")
    row, secret = tokens.create(SYSTEM, person, "old script", days=1)
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    row.expires_at = datetime.now(timezone.utc) - timedelta(seconds=1)
    db.session.commit()
    answer = client.get("/api/v1/me", headers=headers)
    assert answer.status_code == 401
    assert "expired" in answer.get_json()["error"]["message"]


def test_the_tokens_page_shows_each_tokens_expiry(app, sign_in, make_person):
    person = make_person("Sue Shown")
    row, _ = tokens.create(SYSTEM, person, "shown", days=30)
    old, _ = tokens.create(SYSTEM, person, "gone", days=1)
    old.expires_at = datetime.now(timezone.utc) - timedelta(days=1)
    db.session.commit()
    page = sign_in(person).get("/account/tokens").get_data(as_text=True)
    assert row.expires_at.strftime("%Y-%m-%d") in page and "Expired" in page


def test_the_command_line_token_takes_days(app, runner, make_person):
    person = make_person("Cli Days")
    result = runner.invoke(args=["users", "token", person.email, "--days", "10"])
    assert result.exit_code == 0, result.output
    row = db.session.scalar(select(ApiToken).where(ApiToken.person_id == person.id))
    assert (row.expires_at - row.created_at).days == 10 and "expires" in result.output
    assert runner.invoke(args=["users", "token", person.email, "--days", "0"]).exit_code != 0
