"""Several app servers on one database serve as one: sessions are signed
cookies, and throttling counters and report caches live in Redis when
REDIS_URL is set. Two servers run here on different ports."""
from __future__ import annotations

import http.cookiejar
import os
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest
from werkzeug.serving import make_server

from skills_app import create_app
from skills_app.extensions import db
from tests.conftest import CI, PASSWORD

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
# One Redis database for the run: under pytest-xdist these tests share a worker.
pytestmark = pytest.mark.xdist_group("redis")


@pytest.fixture
def redis_url():
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        if CI:
            pytest.fail(f"Redis does not answer at {REDIS_URL}; CI runs the scale-out test against it", pytrace=False)
        pytest.skip(f"the scale-out test needs Redis at {REDIS_URL} (TEST_REDIS_URL)")
    client = redis.Redis.from_url(REDIS_URL)

    def forget():
        for key in client.scan_iter("skills_app:*"):
            client.delete(key)

    forget()
    yield REDIS_URL
    forget()


@pytest.fixture
def two_servers(app, redis_url):
    servers = []
    for _ in range(2):
        other = create_app({
            "TESTING": False, "SECRET_KEY": app.config["SECRET_KEY"], "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "WTF_CSRF_ENABLED": False, "PASSWORD_METHOD": app.config["PASSWORD_METHOD"], "REDIS_URL": redis_url,
            "UPLOAD_DIR": app.config["UPLOAD_DIR"],
        })
        server = make_server("127.0.0.1", 0, other, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append((server, other))
    yield [f"http://127.0.0.1:{s.server_port}" for s, _ in servers]
    for server, other in servers:
        server.shutdown()
        with other.app_context():
            db.engine.dispose()


class Browser:
    """A cookie jar shared by both servers, as a browser behind a load balancer has."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect())

    def request(self, url, data=None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(url, data=body, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_sign_in_on_one_server_and_act_on_the_other(two_servers, make_person):
    a, b = two_servers
    person = make_person("Roaming Person")
    browser = Browser()
    status, _ = browser.request(f"{a}/login", {"email": person.email, "password": PASSWORD})
    assert status == 302
    status, page = browser.request(f"{b}/my/skills")
    assert status == 200 and "Roaming Person" in page
    status, _ = browser.request(f"{b}/logout", {})
    assert status == 302
    # Signed out on one server means signed out on both (the cookie is gone).
    status, _ = browser.request(f"{a}/my/skills")
    assert status == 302


def test_failed_sign_ins_are_counted_across_servers(two_servers, make_person):
    a, b = two_servers
    person = make_person("Guarded Person", email=f"guarded.{uuid.uuid4().hex[:8]}@example.test")
    browser = Browser()
    for server in (a, b, a):
        status, _ = browser.request(f"{server}/login", {"email": person.email, "password": "wrong password!"})
        assert status == 401
    # The next try from this address, on either server, waits a little, said plainly.
    for server in (b, a):
        status, page = browser.request(f"{server}/login", {"email": person.email, "password": PASSWORD})
        assert status == 429
        assert "Too many failed sign-ins" in page and "please wait" in page


def test_report_cache_is_shared_and_invalidated_by_a_change(two_servers, load_seed_frameworks, make_person):
    from skills_app.policy import SYSTEM
    from skills_app.services import requirements

    frameworks = load_seed_frameworks()
    hr = make_person("Cache HR", roles=("employee", "hr"))
    staff = make_person("Cache Staff")
    role = requirements.save_job_role(SYSTEM, None, name=f"Role {uuid.uuid4().hex[:6]}", description=None)
    requirements.set_role_requirement(SYSTEM, role, frameworks["SFIA"].skills[0], min_level=3, essential=True)
    db.session.commit()
    a, b = two_servers
    browser = Browser()
    browser.request(f"{a}/login", {"email": hr.email, "password": PASSWORD})
    status, page = browser.request(f"{a}/reports/gaps")
    assert status == 200 and "Cache Staff" not in page
    status, page = browser.request(f"{b}/reports/gaps")
    assert status == 200 and "Cache Staff" not in page
    # A recorded change made through one server invalidates every server's cache.
    status, _ = browser.request(f"{a}/people/{staff.id}/assignments", {"job_roles": str(role.id)})
    assert status == 302
    status, page = browser.request(f"{b}/reports/gaps")
    assert "Cache Staff" in page
