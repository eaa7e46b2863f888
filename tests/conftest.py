"""Fixtures: an app per database (SQLite always, PostgreSQL when
TEST_DATABASE_URL is set), built by the Alembic migrations; a clean database
for every test; factories for the data tests need; a signed-in client."""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from flask import g, request_started
from sqlalchemy import text

from skills_app import create_app
from skills_app.extensions import db
from skills_app.policy import SYSTEM

ROOT = Path(__file__).resolve().parent.parent
# The two source documents, kept in the repository so the suite runs anywhere;
# test_seeds_faithful checks that they match ../shared/seeds when it is there.
SEEDS = ROOT / "seed_data" / "sources"
SHARED_SEEDS = ROOT.parent / "shared" / "seeds"
PASSWORD = "correct horse battery"
CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

BACKENDS = ["sqlite", "postgresql"]


def _postgres_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        from skills_app.config import normalise_database_url

        return normalise_database_url(url)
    if CI:
        pytest.fail("CI=true but TEST_DATABASE_URL is not set: the PostgreSQL run must not be skipped in CI "
                    "(.ci/run sets it when PostgreSQL answers on 127.0.0.1:5432).", pytrace=False)
    pytest.skip("PostgreSQL tests skipped: set TEST_DATABASE_URL=postgresql+psycopg://user@host/db to run them")


def _reset_postgres(url: str) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    except Exception as exc:  # pragma: no cover - environment problem
        pytest.fail(f"cannot reach the PostgreSQL test database at {url}: {exc}", pytrace=False)
    finally:
        engine.dispose()


def build_app(url: str, tmp: Path, **extra):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        "PASSWORD_METHOD": "pbkdf2:sha256:1000",
        "UPLOAD_DIR": str(tmp / "uploads"),
        "SERVER_NAME": None,
        # Tests write rows directly; a report must see them at once.
        "REPORT_CACHE": False,
    }
    config.update(extra)
    app = create_app(config)
    from flask_migrate import downgrade, upgrade

    with app.app_context():
        # Every run proves the migrations: up to head, all the way down, and up again.
        upgrade()
        downgrade(revision="base")
        upgrade()
    return app


@pytest.fixture(scope="session", params=BACKENDS)
def app(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(request.param)
    if request.param == "sqlite":
        url = f"sqlite:///{tmp / 'test.db'}"
    else:
        url = _postgres_url()
        _reset_postgres(url)
    app = build_app(url, tmp)
    app.config["BACKEND"] = request.param
    yield app
    with app.app_context():
        db.engine.dispose()


def _clean(app) -> None:
    app.extensions.pop("skills_app.throttle", None)
    app.extensions.pop("skills_app.cache", None)
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            # Trees (managers, org units) first lose their links, so that no
            # row is deleted before one that points at it.
            for table in db.metadata.sorted_tables:
                for fk in table.foreign_keys:
                    if fk.column.table is table:
                        conn.execute(table.update().values({fk.parent.name: None}))
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())


@pytest.fixture(autouse=True)
def _fresh_database(request):
    """Each test that uses the app starts from empty tables."""
    if "app" not in request.fixturenames and "browser_app" not in request.fixturenames:
        yield
        return
    name = "browser_app" if "browser_app" in request.fixturenames else "app"
    app = request.getfixturevalue(name)
    _clean(app)
    ctx = app.app_context()
    ctx.push()

    # The test client reuses the app context the test pushed, so without this
    # ``g`` (where Flask-Login caches the signed-in user and Flask-WTF the CSRF
    # token) would carry over from one request, and one client, to the next.
    def clear_g(sender, **extra):
        vars(g._get_current_object()).clear()

    request_started.connect(clear_g, app, weak=False)
    yield
    request_started.disconnect(clear_g, app)
    db.session.remove()
    ctx.pop()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def csrf(app):
    """Turn CSRF protection on for one test, as in production."""
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


# -- factories ---------------------------------------------------------------

@pytest.fixture
def make_person(app):
    from skills_app.services import accounts, org

    counter = {"n": 0}

    def factory(name: str | None = None, *, roles=("employee",), manager=None, unit: str | None = None,
                email: str | None = None, active: bool = True, job_title: str | None = None):
        counter["n"] += 1
        n = counter["n"]
        name = name or f"Person {n}"
        email = email or f"{name.lower().replace(' ', '.')}.{n}@example.test"
        org_unit = org.ensure_path(SYSTEM, unit) if unit else None
        person = accounts.create_person(SYSTEM, email=email, name=name, roles=roles, password=PASSWORD,
                                        manager=manager, org_unit=org_unit, job_title=job_title,
                                        employee_number=f"T{n:05d}")
        if not active:
            accounts.set_active(SYSTEM, person, False)
        db.session.commit()
        return person

    return factory


@pytest.fixture
def load_seed_frameworks(app):
    """Load the two framework files of frameworks/ and return {code: Framework}."""
    from skills_app.importers import parse_file
    from skills_app.services import frameworks

    def load():
        out = {}
        for path in sorted((ROOT / "frameworks").glob("*.yaml")):
            result = frameworks.import_doc(SYSTEM, parse_file(path), source=str(path))
            out[result.framework.code] = result.framework
        db.session.commit()
        return out

    return load


class Auth:
    def __init__(self, client):
        self.client = client

    def login(self, person_or_email, password: str = PASSWORD, follow: bool = False):
        email = getattr(person_or_email, "email", person_or_email)
        return self.client.post("/login", data={"email": email, "password": password}, follow_redirects=follow)

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client):
    return Auth(client)


# -- the browser ---------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        if CI:
            pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium", pytrace=False)
        pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM} (`make test` installs it)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture(scope="session")
def browser_app(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("browser")
    app = build_app(f"sqlite:///{tmp / 'browser.db'}", tmp, WTF_CSRF_ENABLED=True, TESTING=False)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(browser_app):
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, browser_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def shots(request):
    """Save a screenshot per step under test-artifacts/<test name>/."""
    folder = ROOT / "test-artifacts" / request.node.name.replace("[", "_").replace("]", "")
    folder.mkdir(parents=True, exist_ok=True)
    counter = {"n": 0}

    def shot(page, name: str):
        counter["n"] += 1
        page.screenshot(path=str(folder / f"{counter['n']:02d}-{name}.png"), full_page=True)

    return shot
