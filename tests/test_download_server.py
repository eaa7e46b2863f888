"""A download streamed by a real server (werkzeug's, in a thread: the app's
contexts are the request's own, as under gunicorn, not the test's): the gap
export answers, on PostgreSQL from a COPY that is still being read when the view
returns, and a download left half read gives its database connection back.

(The test client runs requests in the test's app context, which hides what
this shows: the request's teardown closing the session while its COPY is
half read waited for ever.)"""
from __future__ import annotations

import http.client
import http.cookiejar
import threading
import urllib.parse
import urllib.request

import pytest
from werkzeug.serving import make_server

from skills_app import create_app
from skills_app.extensions import db
from tests.conftest import PASSWORD
from tests.test_jobs import gaps_world  # noqa: F401  (the fixture)


@pytest.fixture
def server(app):
    other = create_app({"TESTING": False, "SECRET_KEY": app.config["SECRET_KEY"],
                        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "WTF_CSRF_ENABLED": False,
                        "PASSWORD_METHOD": app.config["PASSWORD_METHOD"], "UPLOAD_DIR": app.config["UPLOAD_DIR"]})
    running = make_server("127.0.0.1", 0, other, threaded=True)
    threading.Thread(target=running.serve_forever, daemon=True).start()
    yield running.server_port, other
    running.shutdown()
    with other.app_context():
        db.engine.dispose()


def signed_in(port: int, email: str):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(f"http://127.0.0.1:{port}/login", data=urllib.parse.urlencode({"email": email, "password": PASSWORD}).encode(),
                timeout=60).read()
    return opener, "; ".join(f"{c.name}={c.value}" for c in jar)


def test_a_streamed_export_answers_and_a_half_read_one_lets_go_of_its_connection(server, gaps_world):  # noqa: F811
    port, other = server
    opener, cookie = signed_in(port, gaps_world.hr.email)
    for fmt in ("csv", "json"):
        with opener.open(f"http://127.0.0.1:{port}/reports/gaps/export?format={fmt}", timeout=60) as response:
            body = response.read()
        assert response.status == 200
        assert body.count(b"\n") == 19 if fmt == "csv" else body.count(b'"person_id"') == 18
    # Half read, then the client goes: every connection comes back to the pool.
    for _ in range(3):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        connection.request("GET", "/reports/gaps/export?format=csv", headers={"Cookie": cookie})
        response = connection.getresponse()
        response.read(10)
        response.close()
        connection.close()
    with opener.open(f"http://127.0.0.1:{port}/reports/gaps/export?format=csv", timeout=60) as response:
        assert response.status == 200 and response.read().count(b"\n") == 19
