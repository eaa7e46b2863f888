"""Redis is optional at run time: with ``REDIS_URL`` set and Redis not
answering, sign-in, the API and the reports answer as usual (counters and
cache in memory), one warning is logged per outage, and Redis is used again
when it answers. The report cache keeps JSON in Redis and never unpickles."""
from __future__ import annotations

import logging
import os
import pickle
import re

import pandas as pd
import pytest
import redis as redis_module

from skills_app import cache, redis_link
from skills_app.paging import Page
from skills_app.policy import SYSTEM
from skills_app.services import tokens
from skills_app.extensions import db
from tests.conftest import CI, PASSWORD

CLOSED_PORT = "redis://127.0.0.1:1/0"
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
# One Redis database for the run: under pytest-xdist the tests that use it share a worker (as tests/test_scale_out.py).
pytestmark = pytest.mark.xdist_group("redis")


@pytest.fixture
def redis_down(app):
    """The app configured for a Redis that does not answer (a closed port)."""
    before = {k: app.config.get(k) for k in ("REDIS_URL", "REPORT_CACHE")}
    app.config.update(REDIS_URL=CLOSED_PORT, REPORT_CACHE=True)
    for name in ("skills_app.redis", "skills_app.cache", "skills_app.throttle"):
        app.extensions.pop(name, None)
    yield
    app.config.update(before)
    for name in ("skills_app.redis", "skills_app.cache", "skills_app.throttle"):
        app.extensions.pop(name, None)


@pytest.fixture
def real_redis(app):
    try:
        client = redis_module.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
        client.ping()
    except redis_module.exceptions.ConnectionError:
        if CI:
            pytest.fail(f"Redis does not answer at {REDIS_URL}", pytrace=False)
        pytest.skip(f"needs Redis at {REDIS_URL} (TEST_REDIS_URL)")
    for key in client.scan_iter("skills_app:*"):
        client.delete(key)
    before = {k: app.config.get(k) for k in ("REDIS_URL", "REPORT_CACHE")}
    app.config.update(REDIS_URL=REDIS_URL, REPORT_CACHE=True)
    for name in ("skills_app.redis", "skills_app.cache", "skills_app.throttle"):
        app.extensions.pop(name, None)
    yield client
    app.config.update(before)
    for name in ("skills_app.redis", "skills_app.cache", "skills_app.throttle"):
        app.extensions.pop(name, None)
    for key in client.scan_iter("skills_app:*"):
        client.delete(key)


def outage_warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "skills_app.redis" and "does not answer" in r.getMessage()]


def test_with_redis_down_sign_in_answers_for_right_and_wrong_passwords(app, client, auth, make_person, redis_down, caplog):
    person = make_person("Dora Down")
    caplog.set_level(logging.WARNING, logger="skills_app.redis")
    wrong = auth.login(person, "not the password at all")
    assert wrong.status_code == 401 and "do not match" in wrong.get_data(as_text=True)
    right = auth.login(person)
    assert right.status_code == 302
    assert client.get("/").status_code == 200
    assert len(outage_warnings(caplog)) == 1, "one warning for the outage, not one per request"
    assert "127.0.0.1:1" in outage_warnings(caplog)[0]


def test_with_redis_down_failed_sign_ins_are_still_counted_in_memory(app, auth, make_person, redis_down):
    person = make_person("Cole Counted")
    for _ in range(3):
        assert auth.login(person, "not the password at all").status_code == 401
    assert auth.login(person, PASSWORD).status_code == 429


def test_with_redis_down_the_api_answers(app, client, make_person, redis_down):
    person = make_person("Api Down")
    _row, secret = tokens.create(SYSTEM, person, "script")
    db.session.commit()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    bad = client.get("/api/v1/me", headers={"Authorization": "Bearer ska_00000000_wrong"})
    assert bad.status_code == 401


def test_with_redis_down_the_gap_report_answers_and_is_cached_in_memory(app, sign_in, make_person, load_seed_frameworks,
                                                                        redis_down):
    load_seed_frameworks()
    hr = make_person("Hana Down", roles=("employee", "hr"))
    browser = sign_in(hr)
    first = browser.get("/reports/gaps")
    assert first.status_code == 200
    def page(response):
        return re.sub(r'name="csrf_token"[^>]*>', "", response.get_data(as_text=True))

    assert page(browser.get("/reports/gaps")) == page(first)
    assert browser.get("/api/v1/reports/gaps").status_code in (401,), "the API wants a token, not a cookie"


class FlakyClient:
    """A Redis client that does not answer while ``down``."""

    def __init__(self):
        self.down = True
        self.calls = 0

    def get(self, key):
        self.calls += 1
        if self.down:
            raise redis_module.exceptions.ConnectionError("Connection refused")
        return b"42"


def test_redis_is_used_again_when_it_answers_and_the_outage_is_logged_once(caplog):
    caplog.set_level(logging.WARNING, logger="skills_app.redis")
    now = {"t": 1000.0}
    link = redis_link.Link("redis://:secret@127.0.0.1:1/0", retry_seconds=5, clock=lambda: now["t"])
    link.client = FlakyClient()
    recovered = []
    link.on_recover.append(lambda: recovered.append(True))

    assert link.call(lambda r: r.get("x"), lambda: "memory") == "memory"
    for _ in range(10):
        assert link.call(lambda r: r.get("x"), lambda: "memory") == "memory"
    assert link.client.calls == 1, "while down, Redis is not asked again before the retry time"
    now["t"] += 6
    assert link.call(lambda r: r.get("x"), lambda: "memory") == "memory"
    assert link.client.calls == 2
    link.client.down = False
    now["t"] += 6
    assert link.call(lambda r: r.get("x"), lambda: "memory") == b"42"
    assert link.up and recovered == [True]
    messages = [r.getMessage() for r in caplog.records if r.name == "skills_app.redis"]
    assert len([m for m in messages if "does not answer" in m]) == 1
    assert len([m for m in messages if "answers again" in m]) == 1
    assert "secret" not in " ".join(messages), "the log does not show Redis's password"


class Exploit:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_pickle_planted_in_redis_is_never_unpickled(app, real_redis, tmp_path):
    marker = tmp_path / "pwned"
    store = cache.store()
    key = "gaps:summary:planted"
    real_redis.set(f"skills_app:cache:{store.generation()}:{key}", pickle.dumps(Exploit(marker)))
    computed = []
    value = cache.cached(key, lambda: computed.append(1) or {"rows": 3})
    assert value == {"rows": 3} and computed == [1], "the planted entry is a miss"
    assert not marker.exists(), "the pickle was loaded: code ran"
    # What the cache wrote instead is JSON.
    raw = real_redis.get(f"skills_app:cache:{store.generation()}:{key}")
    assert raw == b'{"rows":3}'


def test_report_values_come_back_from_redis_as_they_went_in(app, real_redis):
    frame = pd.DataFrame({"org_unit": ["Group/IT", "Group/HR"], "people": [3, 1], "share": [0.5, float("nan")]})
    value = ({"requirements": 4, "by": None}, frame)
    page = Page(items=[{"person": "Sam", "gap": 1}], number=2, next="abc", total=51, per_page=50)
    heat = {"columns": ["SLMO"], "rows": [{"label": "Sam", "cells": [1, None]}], 3: "int key"}
    for key, item in (("a", value), ("b", page), ("c", heat)):
        assert cache.cached(key, lambda item=item: item) is item
        back = cache.cached(key, lambda: pytest.fail("not served from Redis"))
        if key == "a":
            assert back[0] == value[0]
            pd.testing.assert_frame_equal(back[1], frame)
        else:
            assert back == item
