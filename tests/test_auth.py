"""Signing in and out: passwords, throttling, redirects, sessions, CSRF and headers."""
from __future__ import annotations

import re
import time
from urllib.parse import quote, urlsplit

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD
from skills_app import throttle
from skills_app.extensions import db
from skills_app.models import AuditEvent
from skills_app.policy import SYSTEM
from skills_app.services import accounts

NEW_PASSWORD = "a completely new passphrase"


def signed_in(client) -> bool:
    """Whether this client's session is signed in: the dashboard answers instead of sending to /login."""
    response = client.get("/")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def sign_in_events() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "account.signed_in"))


def csrf_token(client, path: str) -> str:
    match = re.search(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"', client.get(path).get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login_from(client, email, password, address):
    return client.post("/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address})


# -- signing in and out --------------------------------------------------------

def test_sign_in_then_sign_out(client, auth, make_person):
    person = make_person("Sam Taylor")
    assert not signed_in(client)

    response = auth.login(person)
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/"
    dashboard = client.get("/")
    assert dashboard.status_code == 200
    assert person.email in dashboard.get_data(as_text=True)
    assert sign_in_events() == 1

    response = auth.logout()
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/login"
    assert not signed_in(client)


def test_email_is_matched_whatever_its_case_and_spaces(client, auth, make_person):
    make_person("Sam Taylor", email="sam.taylor@example.test")
    assert auth.login("  Sam.Taylor@Example.TEST ").status_code == 302
    assert signed_in(client)
    assert sign_in_events() == 1


def test_wrong_password_and_unknown_email_get_the_same_answer(app, make_person):
    person = make_person("Sam Taylor", email="sam@example.test")
    unknown = "nobody@example.test"

    wrong_password = app.test_client().post("/login", data={"email": person.email, "password": "not the password"})
    no_account = app.test_client().post("/login", data={"email": unknown, "password": "not the password"})

    assert wrong_password.status_code == no_account.status_code == 401
    # The form echoes the email typed; apart from that the pages are identical.
    assert (wrong_password.get_data(as_text=True).replace(person.email, "EMAIL")
            == no_account.get_data(as_text=True).replace(unknown, "EMAIL"))
    assert "do not match" in wrong_password.get_data(as_text=True)
    assert sign_in_events() == 0


def test_deactivated_person_cannot_sign_in(client, auth, make_person):
    person = make_person("Gone Person", active=False)
    response = auth.login(person)
    assert response.status_code == 401
    assert not signed_in(client)


def test_deactivation_signs_out_an_existing_session(client, auth, make_person):
    person = make_person("Soon Gone")
    auth.login(person)
    assert signed_in(client)

    accounts.set_active(SYSTEM, person, False)
    db.session.commit()
    assert not signed_in(client)

    # Re-activating the account does not bring the old session back.
    accounts.set_active(SYSTEM, person, True)
    db.session.commit()
    assert not signed_in(client)
    assert auth.login(person).status_code == 302
    assert signed_in(client)


# -- throttling ----------------------------------------------------------------

@pytest.fixture
def clock(monkeypatch):
    """Move the clock the throttle (and Flask-Limiter's storage) reads."""
    real_time = time.time
    state = {"offset": 0.0}
    monkeypatch.setattr(throttle.time, "time", lambda: real_time() + state["offset"])

    def move(seconds: float):
        state["offset"] += seconds

    return move


def test_failures_against_an_account_never_refuse_its_owner_from_another_address(app, make_person):
    """Lock-out was a denial of service: five wrong passwords from anywhere kept the owner out for 15 minutes."""
    person = make_person("Sam Taylor")
    attacker = app.test_client()
    answers = [login_from(attacker, person.email, f"guess number {i}", "203.0.113.5").status_code for i in range(12)]
    assert answers[:3] == [401, 401, 401] and 429 in answers
    for i in range(12):
        login_from(attacker, person.email, f"another guess {i}", f"203.0.113.{10 + i}")
    owner = app.test_client()
    assert login_from(owner, person.email, PASSWORD, "198.51.100.1").status_code == 302
    assert signed_in(owner)


def test_failures_from_one_address_slow_its_guesses_at_that_account_with_growing_waits(app, make_person, clock):
    person = make_person("Sam Taylor")
    client = app.test_client()
    for _ in range(3):
        assert login_from(client, person.email, "wrong password", "10.0.0.1").status_code == 401
    # The third failure set a wait of 2 seconds: the right password waits too, and the
    # answer is the same as for a wrong one (a wait does not tell whether it was right).
    right = login_from(client, person.email, PASSWORD, "10.0.0.1")
    wrong = login_from(client, person.email, "wrong password", "10.0.0.1")
    assert right.status_code == wrong.status_code == 429
    body = right.get_data(as_text=True)
    assert "please wait 2 seconds" in body and body == wrong.get_data(as_text=True)
    waits = []
    for _ in range(4):
        clock(waits[-1] + 1 if waits else 3)
        assert login_from(client, person.email, "wrong password", "10.0.0.1").status_code == 401
        page = login_from(client, person.email, "wrong password", "10.0.0.1").get_data(as_text=True)
        waits.append(int(re.search(r"please wait (\d+) second", page).group(1)))
    assert waits == [4, 8, 16, 32], "each failure doubles the wait"
    clock(33)
    assert login_from(client, person.email, PASSWORD, "10.0.0.1").status_code == 302
    assert sign_in_events() == 1


def test_three_failures_do_not_slow(client, make_person):
    person = make_person("Sam Taylor")
    for _ in range(2):
        assert login_from(client, person.email, "wrong password", "10.0.0.1").status_code == 401
    assert login_from(client, person.email, PASSWORD, "10.0.0.1").status_code == 302


def test_failures_from_one_address_against_many_accounts_make_that_address_wait(app, make_person, clock):
    app.config["SIGN_IN_ADDRESS_LIMIT"] = 5
    try:
        victim = make_person("Sam Taylor")
        client = app.test_client()
        for i in range(5):
            assert login_from(client, f"guess{i}@example.test", "wrong password", "192.0.2.7").status_code == 401
        refused = login_from(client, victim.email, PASSWORD, "192.0.2.7")
        assert refused.status_code == 429 and "please wait" in refused.get_data(as_text=True)
        assert not signed_in(client)
        # The account itself is not blocked: the same person from elsewhere gets in.
        assert login_from(app.test_client(), victim.email, PASSWORD, "198.51.100.1").status_code == 302
        # Failures older than fifteen minutes no longer count.
        clock(14 * 60)
        assert login_from(client, victim.email, PASSWORD, "192.0.2.7").status_code == 429
        clock(60 + 1)
        assert login_from(client, victim.email, PASSWORD, "192.0.2.7").status_code == 302
    finally:
        app.config["SIGN_IN_ADDRESS_LIMIT"] = 30


def test_x_forwarded_for_is_ignored_without_proxy_fix(app, make_person):
    """Without PROXY_FIX anyone could send X-Forwarded-For to dodge the throttle (a new address for every guess)."""
    person = make_person("Sam Taylor")
    client = app.test_client()
    for i in range(3):
        answer = client.post("/login", data={"email": person.email, "password": "wrong password"},
                             headers={"X-Forwarded-For": f"10.1.1.{i}"}, environ_base={"REMOTE_ADDR": "10.0.0.1"})
        assert answer.status_code == 401
    forged = client.post("/login", data={"email": person.email, "password": PASSWORD},
                         headers={"X-Forwarded-For": "10.1.1.99"}, environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert forged.status_code == 429


def test_x_forwarded_for_is_the_client_behind_the_trusted_proxy_with_proxy_fix(app, make_person):
    """Behind the documented reverse proxy every client shares its address; PROXY_FIX=1 tells them apart."""
    app.config["PROXY_FIX"] = 1
    try:
        person = make_person("Sam Taylor")
        proxy = app.test_client()
        for _ in range(3):
            answer = proxy.post("/login", data={"email": person.email, "password": "wrong password"},
                                headers={"X-Forwarded-For": "203.0.113.5"}, environ_base={"REMOTE_ADDR": "127.0.0.1"})
            assert answer.status_code == 401
        # The attacker behind the proxy waits; the owner, through the same proxy, does not.
        again = proxy.post("/login", data={"email": person.email, "password": PASSWORD},
                           headers={"X-Forwarded-For": "203.0.113.5"}, environ_base={"REMOTE_ADDR": "127.0.0.1"})
        assert again.status_code == 429
        owner = app.test_client().post("/login", data={"email": person.email, "password": PASSWORD},
                                       headers={"X-Forwarded-For": "198.51.100.1"}, environ_base={"REMOTE_ADDR": "127.0.0.1"})
        assert owner.status_code == 302
        # Only the hop the proxy added is trusted: an address the client put in front is not.
        spoofed = proxy.post("/login", data={"email": person.email, "password": PASSWORD},
                             headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.5"}, environ_base={"REMOTE_ADDR": "127.0.0.1"})
        assert spoofed.status_code == 429
    finally:
        app.config["PROXY_FIX"] = 0


# -- where sign-in leads --------------------------------------------------------

@pytest.mark.parametrize("target", [
    "https://evil.example",
    "//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    " //evil.example",
    "///evil.example",
    "http:/evil.example",
    "javascript:alert(document.cookie)",
    "frameworks",
])
def test_next_leading_off_the_site_is_ignored(client, auth, make_person, target):
    person = make_person("Sam Taylor")
    response = client.post(f"/login?next={quote(target, safe='')}",
                           data={"email": person.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.location == "/"
    # Already signed in, /login?next=... redirects at once: the same rule applies.
    again = client.get(f"/login?next={quote(target, safe='')}")
    assert again.status_code == 302
    assert again.location == "/"


def test_next_to_a_local_page_is_followed(client, auth, make_person):
    person = make_person("Sam Taylor")
    response = client.post("/login?next=/frameworks", data={"email": person.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.location == "/frameworks"


def test_a_page_that_needs_sign_in_comes_back_after_it(client, make_person):
    person = make_person("Sam Taylor")
    to_login = client.get("/frameworks")
    assert to_login.status_code == 302
    assert urlsplit(to_login.location).path == "/login"
    response = client.post(to_login.location, data={"email": person.email, "password": PASSWORD})
    assert response.location == "/frameworks"


# -- sessions -------------------------------------------------------------------

def test_sign_in_starts_a_new_session(client, auth, make_person):
    person = make_person("Sam Taylor")
    with client.session_transaction() as session:
        session["planted"] = "set before sign-in"
    # A page that needs sign-in leaves a flashed message in the session.
    client.get("/people")
    before = client.get_cookie("session").value

    auth.login(person)

    after = client.get_cookie("session").value
    assert after != before
    with client.session_transaction() as session:
        assert "planted" not in session
        assert "_flashes" not in session
        assert session["_user_id"] == f"{person.id}:{person.session_version}"
    assert "Please sign in to see that page." not in client.get("/").get_data(as_text=True)


def test_sign_out_forgets_the_session(client, auth, make_person):
    person = make_person("Sam Taylor")
    auth.login(person)
    with client.session_transaction() as session:
        session["planted"] = "set while signed in"
    auth.logout()
    with client.session_transaction() as session:
        assert "planted" not in session
        assert "_user_id" not in session


def test_changing_ones_password_signs_out_the_other_sessions(app, make_person):
    person = make_person("Sam Taylor")
    here, elsewhere = app.test_client(), app.test_client()
    for client in (here, elsewhere):
        assert client.post("/login", data={"email": person.email, "password": PASSWORD}).status_code == 302
        assert signed_in(client)

    response = here.post("/account/password", data={"current": PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD})

    assert response.status_code == 302
    assert signed_in(here)
    assert not signed_in(elsewhere)
    fresh = app.test_client()
    assert fresh.post("/login", data={"email": person.email, "password": PASSWORD}).status_code == 401
    assert fresh.post("/login", data={"email": person.email, "password": NEW_PASSWORD}).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "account.password_changed", AuditEvent.entity_id == person.id)) == 1


def test_a_wrong_current_password_changes_nothing(app, client, auth, make_person):
    person = make_person("Sam Taylor")
    auth.login(person)
    other = app.test_client()
    other.post("/login", data={"email": person.email, "password": PASSWORD})

    response = client.post("/account/password", data={"current": "not my password", "new": NEW_PASSWORD, "confirm": NEW_PASSWORD})

    assert response.status_code >= 400
    assert signed_in(client) and signed_in(other)
    assert accounts.authenticate(person.email, PASSWORD) is not None
    assert accounts.authenticate(person.email, NEW_PASSWORD) is None


# -- CSRF -------------------------------------------------------------------------

def test_sign_in_without_a_csrf_token_is_refused(client, make_person, csrf):
    person = make_person("Sam Taylor")
    response = client.post("/login", data={"email": person.email, "password": PASSWORD})
    assert response.status_code == 400
    assert not signed_in(client)
    assert sign_in_events() == 0

    token = csrf_token(client, "/login")
    response = client.post("/login", data={"email": person.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    assert signed_in(client)


def test_sign_out_without_a_csrf_token_is_refused(client, make_person, csrf):
    person = make_person("Sam Taylor")
    client.post("/login", data={"email": person.email, "password": PASSWORD, "csrf_token": csrf_token(client, "/login")})
    assert signed_in(client)

    assert client.post("/logout").status_code == 400
    assert signed_in(client)

    assert client.post("/logout", data={"csrf_token": csrf_token(client, "/")}).status_code == 302
    assert not signed_in(client)


def test_an_admin_form_without_a_csrf_token_is_refused(client, make_person, csrf):
    admin = make_person("Ada Admin", roles=("employee", "admin"))
    client.post("/login", data={"email": admin.email, "password": PASSWORD, "csrf_token": csrf_token(client, "/login")})
    form = {"name": "New Starter", "email": "new.starter@example.com", "roles": ["employee"],
            "password": "a good first password", "org_unit": "", "manager": ""}

    response = client.post("/admin/people/new", data=form)
    assert response.status_code == 400
    assert accounts.by_email("new.starter@example.com") is None

    form["csrf_token"] = csrf_token(client, "/admin/people/new")
    assert client.post("/admin/people/new", data=form).status_code == 302
    assert accounts.by_email("new.starter@example.com") is not None


# -- headers and cookies -------------------------------------------------------------

@pytest.mark.parametrize("path", ["/login", "/", "/frameworks", "/no-such-page", "/healthz"])
def test_security_headers_on_every_kind_of_response(client, auth, make_person, path):
    auth.login(make_person("Sam Taylor"))
    response = client.get(path)
    csp = response.headers.get("Content-Security-Policy", "")
    assert "frame-ancestors 'none'" in csp
    assert "default-src 'self'" in csp
    assert response.headers.get("X-Content-Type-Options") == "nosniff"


def test_security_headers_for_anonymous_callers(client):
    for path in ("/login", "/people"):
        response = client.get(path)
        assert "frame-ancestors" in response.headers.get("Content-Security-Policy", "")
        assert response.headers.get("X-Content-Type-Options") == "nosniff"


def test_session_cookie_is_http_only_and_same_site_lax(client, make_person):
    person = make_person("Sam Taylor")
    response = client.post("/login", data={"email": person.email, "password": PASSWORD})
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, "signing in sets the session cookie"
    attributes = {part.strip().lower() for part in cookies[-1].split(";")[1:]}
    assert "httponly" in attributes
    assert "samesite=lax" in attributes


def test_signed_in_pages_are_not_cached(client, auth, make_person):
    auth.login(make_person("Sam Taylor"))
    assert client.get("/").headers.get("Cache-Control") == "no-store"
