"""Fixtures: an app per database (SQLite always, PostgreSQL when
TEST_DATABASE_URL is set), built by the Alembic migrations; a clean database
for every test, or a world built once per database with each test rolled back
(``world_fixture``); factories and organisations; signed-in clients and
browser pages; the command line."""
from __future__ import annotations

import itertools
import os
import sqlite3
import threading
from contextlib import closing, contextmanager
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import g, request_started
from flask.testing import FlaskCliRunner
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import select, text

from skills_app import create_app
from skills_app.extensions import db
from skills_app.models import Person
from skills_app.policy import SYSTEM

ROOT = Path(__file__).resolve().parent.parent
# The two source documents, kept in the repository so the suite runs anywhere;
# test_seeds_faithful checks that they match the shared seeds when they are there.
SEEDS = ROOT / "seed_data" / "sources"
# The project's shared folder (seeds/, realfiles/): ../shared beside the checkout,
# or where SKILLS_APP_SHARED says (.ci/run sets it when the checkout stands elsewhere).
SHARED = Path(os.environ.get("SKILLS_APP_SHARED") or ROOT.parent / "shared")
SHARED_SEEDS = SHARED / "seeds"
REAL_FILES = SHARED / "realfiles"
PASSWORD = "correct horse battery"
CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
# Under pytest-xdist (`make test` runs two workers) each worker has a PostgreSQL
# database of its own, named after TEST_DATABASE_URL's and the worker
# (test_x_gw0), created here and dropped when the worker ends; SQLite files are
# in each worker's own temporary folder already.
WORKER = os.environ.get("PYTEST_XDIST_WORKER")

BACKENDS = ["sqlite", "postgresql"]


def _worker_database() -> None:
    """Point TEST_DATABASE_URL at this worker's database (see ``WORKER``), so that
    every test and fixture that reads it (the restore target of test_backup too)
    stays in the worker's own databases."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not (url and WORKER) or os.environ.get("TESTS_BASE_DATABASE_URL"):
        return
    from sqlalchemy.engine import make_url

    from skills_app.config import normalise_database_url

    base = make_url(normalise_database_url(url))
    os.environ["TESTS_BASE_DATABASE_URL"] = url
    os.environ["TEST_DATABASE_URL"] = base.set(database=f"{base.database}_{WORKER}").render_as_string(hide_password=False)


_worker_database()


def _admin(statements: list[str]) -> None:
    """Run statements outside a transaction (CREATE and DROP DATABASE cannot run
    inside one), on the server's ``postgres`` database."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from skills_app.config import normalise_database_url

    url = make_url(normalise_database_url(os.environ["TESTS_BASE_DATABASE_URL"])).set(database="postgres")
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            for statement in statements:
                conn.execute(text(statement))
    finally:
        engine.dispose()


def _worker_database_name() -> str:
    from sqlalchemy.engine import make_url

    return make_url(os.environ["TEST_DATABASE_URL"]).database


def pytest_sessionfinish(session):
    """A worker's PostgreSQL database goes when the worker ends."""
    if WORKER and os.environ.get("TESTS_BASE_DATABASE_URL") and session.config.stash.get(_CREATED, False):
        try:
            _admin([f'DROP DATABASE IF EXISTS "{_worker_database_name()}" WITH (FORCE)'])
        except Exception as exc:  # pragma: no cover - the server went away
            print(f"could not drop the worker's database: {exc}")


_CREATED = pytest.StashKey[bool]()


def _postgres_url(config) -> str | None:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        from skills_app.config import normalise_database_url

        if WORKER and not config.stash.get(_CREATED, False):
            name = _worker_database_name()
            try:
                _admin([f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'])
            except Exception as exc:  # pragma: no cover - environment problem
                pytest.fail(f"cannot create the worker's PostgreSQL database {name}: {exc}", pytrace=False)
            config.stash[_CREATED] = True
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
        # Kept small so that a request over it is cheap to make.
        "MAX_REQUEST_MB": 12,
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
        url = _postgres_url(request.config)
        _reset_postgres(url)
    app = build_app(url, tmp)
    app.config["BACKEND"] = request.param
    yield app
    with app.app_context():
        db.engine.dispose()


def _clean(app) -> None:
    _forget_counters(app)
    # Worlds built once (see ``world_fixture``) are gone with the rows.
    app.extensions.pop("tests.worlds", None)
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


def _forget_counters(app) -> None:
    """Sign-in throttling counters and the report cache live outside the database."""
    app.extensions.pop("skills_app.throttle", None)
    app.extensions.pop("skills_app.cache", None)
    app.extensions.pop("skills_app.redis", None)


# -- a world built once, each test rolled back -----------------------------------

WORLDS: dict[str, object] = {}


class _JoinedSession(FlaskSession):
    """``db.session`` for one test: bound to the test's connection, so that every
    commit (the views' and services' as well as the test's) releases a SAVEPOINT
    inside the test's transaction, which is rolled back at the end."""

    def get_bind(self, *args, **kwargs):
        return self.bind


@contextmanager
def rolled_back(app):
    """Run the body inside one database transaction that is rolled back, with
    ``db.session`` joined to it (SQLAlchemy's "joining a session into an external
    transaction" recipe, ``join_transaction_mode="create_savepoint"``).

    The caller has pushed an app context; requests of the test client reuse it,
    and so use the same session."""
    db.session.remove()
    connection = db.engine.connect()
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # pysqlite begins transactions itself, late, and commits on RELEASE of an
        # outer SAVEPOINT; take that over and say BEGIN ourselves.
        raw = connection.connection.dbapi_connection
        raw.isolation_level = None
    outer = connection.begin()
    if sqlite:
        connection.exec_driver_sql("BEGIN")
    db.session.registry.set(_JoinedSession(db, bind=connection, join_transaction_mode="create_savepoint"))
    try:
        yield connection
    finally:
        db.session.remove()
        outer.rollback()
        if sqlite:
            raw.isolation_level = ""
        connection.close()


def world_fixture(build):
    """Turn ``build()`` into a fixture for a world that costs one build per database.

    ``build()`` creates rows through the services, commits, and returns plain
    values (ids, not model objects: each test has a session of its own). The
    world is built the first time a test asks for it on a database, and again
    only after another test emptied the tables; every test that uses it runs in
    a transaction that is rolled back (``rolled_back``), so it may write freely
    and the next test finds the world as it was built."""
    name = build.__name__
    if name in WORLDS:
        # the built worlds are kept by name: two of one name would be taken for each other
        raise ValueError(f"there is already a world fixture named {name!r}")

    @pytest.fixture(name=name)
    def fixture(app):
        built = app.extensions.setdefault("tests.worlds", {})
        if name not in built:
            _clean(app)
            built = app.extensions.setdefault("tests.worlds", {})
            db.session.remove()
            built[name] = build()
            db.session.commit()
            db.session.remove()
        _forget_counters(app)
        with rolled_back(app):
            yield built[name]

    fixture.__doc__ = build.__doc__
    WORLDS[name] = fixture
    return fixture


@pytest.fixture(autouse=True)
def _fresh_database(request):
    """Each test that uses the app starts from empty tables (or from its world,
    see ``world_fixture``)."""
    if "app" not in request.fixturenames and "browser_app" not in request.fixturenames:
        yield
        return
    name = "browser_app" if "browser_app" in request.fixturenames else "app"
    app = request.getfixturevalue(name)
    if not WORLDS.keys() & set(request.fixturenames):
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


class CommandLine(FlaskCliRunner):
    """Flask's CliRunner, and ``run("frameworks", "import", path)``: the words
    of a command as they come (paths, numbers), its result."""

    def run(self, *args, input=None):
        return self.invoke(args=[str(a) for a in args], input=input)


@pytest.fixture
def runner(app):
    """The skills-app command line, through Flask's CliRunner, in the test's app context."""
    return CommandLine(app)


@pytest.fixture
def real_file():
    """``real_file(name)``: a file of the shared folder of real files made by
    others (SHARED/realfiles), or the test skipped, with the reason, where it
    is not there."""

    def real(name: str) -> Path:
        path = REAL_FILES / name
        if not path.exists():
            pytest.skip(f"{name} is not in {REAL_FILES} (the shared folder of real files; set SKILLS_APP_SHARED to it)")
        return path

    return real


@pytest.fixture
def csrf(app):
    """Turn CSRF protection on for one test, as in production."""
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


# -- factories ---------------------------------------------------------------

# Numbers unique in the whole run: a test's people never clash with its world's.
_PERSON_NUMBERS = itertools.count(1)


def make_person(name: str | None = None, *, roles=("employee",), manager=None, unit: str | None = None,
                email: str | None = None, active: bool = True, job_title: str | None = None):
    """A person created through the services (with the test password), committed."""
    from skills_app.services import accounts, org

    n = next(_PERSON_NUMBERS)
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


def load_seed_frameworks():
    """Load the two framework files of frameworks/ and return {code: Framework}."""
    from skills_app.importers import parse_file
    from skills_app.services import frameworks

    out = {}
    for path in sorted((ROOT / "frameworks").glob("*.yaml")):
        result = frameworks.import_doc(SYSTEM, parse_file(path), source=str(path))
        out[result.framework.code] = result.framework
    db.session.commit()
    return out


def load_demo():
    """The demo organisation of seed_data/ (and the frameworks), committed."""
    from skills_app.devdata import demo

    demo.load(ROOT / "frameworks", ROOT / "seed_data")
    db.session.commit()


@pytest.fixture(name="make_person")
def make_person_fixture(app):
    return make_person


@pytest.fixture(name="load_seed_frameworks")
def load_seed_frameworks_fixture(app):
    return load_seed_frameworks



# -- organisations ---------------------------------------------------------------

@pytest.fixture
def team(app):
    """Director > Manager > (Sam, Pat); Director > Other manager > Otto; HR, learning, admin; the
    seed frameworks (``sfia``, ``slmo``, ``slm``). Built for each test."""
    frameworks = load_seed_frameworks()
    director = make_person("Dana Director", roles=("employee", "manager"))
    manager = make_person("Manny Manager", roles=("employee", "manager"), manager=director)
    sam = make_person("Sam Subject", manager=manager)
    pat = make_person("Pat Peer", manager=manager)
    other = make_person("Olga Other", roles=("employee", "manager"), manager=director)
    otto = make_person("Otto Outside", manager=other)
    hr = make_person("Hana HR", roles=("employee", "hr"))
    learning = make_person("Lars Learning", roles=("employee", "learning"))
    admin = make_person("Ada Admin", roles=("employee", "admin"))
    sfia = frameworks["SFIA"]
    slmo = next(s for s in sfia.skills if s.code == "SLMO")
    slm = next(s for s in frameworks["SLM"].skills if s.code == "SLM")
    return SimpleNamespace(director=director, manager=manager, sam=sam, pat=pat, other=other, otto=otto, hr=hr,
                           learning=learning, admin=admin, sfia=sfia, slmo=slmo, slm=slm)


@world_fixture
def demo_world():
    """The demo organisation of seed_data/ (and the frameworks), as ``make run`` loads it.
    Built once per database; every test runs in a transaction that is rolled back. Tests
    that use it share an xdist group ("demo_world"), so that one worker builds it once."""
    load_demo()
    return {}


@world_fixture
def matrix_world():
    """The callers of the access matrix (tests/test_access_matrix.py draws them), and something behind every id in a URL: the subject's submitted SLMO
    assessment with a file as evidence (the peer asked to endorse it), a job role and a service with a requirement each,
    a crosswalk, a learning resource, a training plan the subject is enrolled in, a goal the
    subject proposed in their development plan, a campaign, a holiday, an escalated breach of the review service level, an API token, a SCIM token.
    Built once per database; every test runs in a transaction that is rolled back."""
    import io
    from datetime import date, timedelta

    from skills_app.models.framework import utcnow
    from skills_app.policy import SYSTEM
    from skills_app.services import assessments, campaigns, crosswalks, learning, requirements, service_levels, tokens

    director = make_person("Dana Director", roles=("employee", "manager"), unit="Group/IT")
    manager = make_person("Manny Manager", roles=("employee", "manager"), manager=director, unit="Group/IT/Service Desk")
    subject = make_person("Sasha Subject", manager=manager, unit="Group/IT/Service Desk", job_title="Service Desk Analyst")
    peer = make_person("Pat Peer", manager=manager, unit="Group/IT/Service Desk")
    other_manager = make_person("Olga Other", roles=("employee", "manager"), manager=director, unit="Group/IT/Infrastructure")
    make_person("Otto Otherreport", manager=other_manager, unit="Group/IT/Infrastructure")
    org = {
        "self": subject,
        "peer": peer,
        "manager": manager,
        "indirect": director,
        "other_manager": other_manager,
        "hr": make_person("Hana HR", roles=("employee", "hr"), unit="Group/People"),
        "learning": make_person("Lars Learning", roles=("employee", "learning"), unit="Group/People"),
        "admin": make_person("Ada Admin", roles=("employee", "admin"), unit="Group/IT"),
    }

    frameworks = load_seed_frameworks()
    slmo = frameworks["SFIA"].skills[0]
    assessment = assessments.start(subject, slmo, 3)
    descriptor = assessments.claimed_descriptors(assessment)[0]
    evidence = assessments.add_evidence(subject, assessment, descriptor_ids=[descriptor.id], filename="report.txt",
                                        stream=io.BytesIO(b"Monthly SLA report, written by me."))
    assessments.save_draft(subject, assessment, claimed_level=assessment.claimed_level, ratings={d.id: "met" for d in assessments.descriptors_in_view(assessment)})
    assessments.submit(subject, assessment)
    # The subject asked the peer to endorse it, sharing the descriptor and the file.
    from skills_app.services import endorsements

    endorsement = endorsements.request(subject, assessment, endorser_email=peer.email, item_ids=[descriptor.id],
                                       evidence_ids=[evidence.id])
    role = requirements.save_job_role(SYSTEM, None, name="Analyst", description=None)
    role_req = requirements.set_role_requirement(SYSTEM, role, slmo, min_level=3, essential=True)
    service = requirements.save_service(SYSTEM, None, name="Payroll", description=None)
    service_req = requirements.set_service_requirement(SYSTEM, service, slmo, min_level=3, headcount=2)
    requirements.assign(SYSTEM, subject, job_roles=[role], services=[service])
    doc = crosswalks.parse({"crosswalk": {"name": "x", "from": {"framework": "SLM"}, "to": {"framework": "SFIA"}},
                            "skills": [{"from": "SLM", "to": "SLMO", "levels": {2: 2, 3: 3}}]}, "x.yaml")
    crosswalk, _ = crosswalks.import_doc(SYSTEM, doc, "x.yaml")
    resource = learning.save_resource(SYSTEM, None, title="Course", kind="course", provider=None, url=None, duration_hours=None,
                                      description=None, skill=slmo, target_level=3)
    plan = learning.create_plan(SYSTEM, name="Plan", skill=slmo, target_level=3, resource=resource, starts_on=None, ends_on=None,
                                people=[subject])
    # The subject's development plan: a goal proposed to their line manager, with the course.
    from skills_app.services import plans

    goal = plans.propose(subject, subject, skill=slmo, target_level=4, resources=[resource])
    campaign = campaigns.open_campaign(SYSTEM, name="Service desk 2026", skills=[slmo], opens_on=date.today(),
                                       due_on=date.today(), org_unit=subject.org_unit)
    template = campaigns.save_template(SYSTEM, None, name="Desk every spring", skills=[slmo], duration_days=28,
                                       org_unit=subject.org_unit)
    # A holiday, and the subject's review overdue: a breach, escalated to the manager's manager.
    holiday = service_levels.add_holiday(SYSTEM, day=date(2030, 12, 25), name="Christmas Day")
    assessment.due_at = utcnow() - timedelta(days=1)
    service_levels.run_checks(SYSTEM)
    breach = service_levels.breaches(SYSTEM)[0]
    token, _secret = tokens.create(SYSTEM, subject, "matrix")
    from skills_app.services import scim_tokens

    scim_token, _secret = scim_tokens.create(SYSTEM, "Entra ID")
    from skills_app.services import what_if

    scenario = what_if.save(SYSTEM, None, name="Subject leaves", note=None, who=what_if.Who([subject], []))
    db.session.commit()
    return {
        "people": {caller: person.id for caller, person in org.items()},
        "things": {
            "token_id": token.id, "holiday_id": holiday.id, "breach_id": breach.id,
            # SCIM: a SCIM token, a resource type and a schema (SCIM's <resource_id> is
            # the learning resource's id below: every caller is refused there anyway).
            "scim_token_id": scim_token.id, "name": "User", "schema_id": "urn:ietf:params:scim:schemas:core:2.0:User",
            "campaign_id": campaign.id, "template_id": template.id,
            "assessment_id": assessment.id, "evidence_id": evidence.id, "role_id": role.id, "service_id": service.id,
            # The subject's file in their evidence library (attached to the assessment above).
            "library_item_id": evidence.item_id,
            "endorsement_id": endorsement.id,
            "requirement_id": role_req.id, "service_requirement_id": service_req.id, "crosswalk_id": crosswalk.id,
            "resource_id": resource.id, "plan_id": plan.id, "enrolment_id": plan.enrolments[0].id,
            "goal_id": goal.id, "item_id": goal.resources[0].id,
            "scenario_id": scenario.id,
            # A background job (services/jobs.py): none runs here (the matrix has no Redis), so every
            # caller is told it is not found; tests/test_jobs.py has a real one, its owner's and no one else's.
            "job_id": "0123456789abcdef",
        },
    }


@pytest.fixture
def org(matrix_world) -> dict:
    """The callers, by kind (``anonymous`` is None), in the test's session."""
    ids = matrix_world["people"]
    people = {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(ids.values())))}
    return {"anonymous": None, **{caller: people[id] for caller, id in ids.items()}}


@pytest.fixture
def things(matrix_world) -> dict[str, int]:
    """The ids behind the URLs (see ``matrix_world``)."""
    return matrix_world["things"]


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
    """Sign the test's ``client`` in and out through the sign-in form."""
    return Auth(client)


def sign_in_directly(client, person) -> None:
    """Sign ``client`` in as ``person`` without posting the sign-in form (for tests
    that turn CSRF on): a server-side session is started as the form would, and
    its key put in the client's session cookie with Flask-Login's id."""
    from skills_app.services import sign_in_sessions

    key = sign_in_sessions.start(person)
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = person.get_id()
        session["_fresh"] = True
        session[sign_in_sessions.SESSION_KEY] = key


@pytest.fixture
def sign_in(app):
    """A test client of its own, signed in as ``person`` through the sign-in form."""
    def sign_in(person, password: str = PASSWORD):
        client = app.test_client()
        response = Auth(client).login(person, password)
        assert response.status_code == 302, f"{person.email} could not sign in"
        return client

    return sign_in


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
def demo_org(browser_app, tmp_path_factory):
    """The demo organisation (and the frameworks) in the browser tests' database:
    loaded once, then copied back from a snapshot (SQLite's backup API) for each test."""
    snapshot = browser_app.config.get("TESTS_DEMO_SNAPSHOT")
    with db.engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        if snapshot is None:
            load_demo()
            snapshot = tmp_path_factory.mktemp("demo") / "demo.db"
            with closing(sqlite3.connect(snapshot)) as copy:
                raw.backup(copy)
            browser_app.config["TESTS_DEMO_SNAPSHOT"] = snapshot
        else:
            with closing(sqlite3.connect(snapshot)) as copy:
                copy.backup(raw)


@pytest.fixture
def sign_in_page(page, live_server):
    """Sign ``page`` in through the sign-in form; unless told to expect a refusal
    (``signed_in=False``), wait until the page says who is signed in."""
    from playwright.sync_api import expect

    from skills_app.devdata import demo

    def sign_in(email: str, password: str = demo.DEMO_PASSWORD, *, signed_in: bool = True):
        page.goto(f"{live_server}/login")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        if signed_in:
            expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    return sign_in


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


# -- a real OpenID Connect provider on loopback --------------------------------------

@pytest.fixture(scope="session")
def iam(iam_configuration, iam_server_port):
    """Canaille (through pytest-iam), a full OpenID Connect provider, serving on
    localhost in a thread for the whole run. Its ID tokens say ``email_verified``
    for users whose ``title`` is not "unverified" (Canaille sends no such claim
    unless told to)."""
    from canaille import create_app as create_iam
    from canaille.backends import Backend
    from canaille.backends.memory.backend import MemoryBackend
    from pytest_iam import Server

    _and_queries(MemoryBackend)

    iam_app = create_iam(config=iam_configuration, env_file=".pytest-iam.env", env_prefix="PYTEST_IAM_")
    iam_app.config["CANAILLE_OIDC"]["USERINFO_MAPPING"]["EMAIL_VERIFIED"] = (
        "{% if user.title != 'unverified' %}true{% else %}false{% endif %}")
    server = Server(iam_app, iam_server_port, Backend.instance)
    thread = threading.Thread(target=server.httpd.serve_forever, daemon=True)
    thread.start()
    yield server
    server.httpd.shutdown()
    thread.join(timeout=10)


def _and_queries(backend_class) -> None:
    """Canaille's in-memory store answers ``query(Model, a=x, b=y)`` with the
    items matching a=x OR b=y, where its documentation (and its other stores)
    mean AND. A provider that looks up an authorization code by code and
    client then finds another code of the same client, which would hide a
    replayed code. The test provider gets the documented meaning."""
    from canaille.backends.memory.backend import listify

    def do_query(self, model, *args, **kwargs):
        if not kwargs:
            return [model(**state) for state in self.index(model).values()]
        ids = None
        for attribute, values in kwargs.items():
            found = {id for value in model.serialize(listify(values))
                     for id in self.attribute_index(model, attribute).get(value, [])}
            ids = found if ids is None else ids & found
        instances = [model(**self.index(model)[id]) for id in ids]
        for instance in instances:
            instance._cache = {}
        return instances

    backend_class.do_query = do_query


def open_menu(page, name: str) -> None:
    """Open a menu of the navigation ("Reports", "Admin", "Your account") by its name."""
    page.locator("header.site summary").filter(has_text=name).first.click()
