"""SQL statements per request, counted for the whole request (the sign-in, the
layout, the review badge, the notifications included), do not grow with the
number of people, their requirements or the reviews and development goals waiting:
the main page of each role issues as many statements for a team of four as for a team of fourteen."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event

from skills_app.extensions import db
from skills_app.models import Assessment, Goal
from skills_app.policy import SYSTEM
from skills_app.services import requirements
from tests.conftest import PASSWORD, make_person

NOW = datetime.now(timezone.utc)
PAGES = [
    ("sam", "/"), ("sam", "/my/skills"),
    ("manager", "/"), ("manager", "/reviews"), ("manager", "/team"),
    ("hr", "/"), ("hr", "/reviews"), ("hr", "/reports/gaps"), ("hr", "/reports/gaps?group=org_unit"),
]


def _grow(team, role, n: int) -> None:
    """``n`` more reports of the manager, each with the role's requirements, a submitted assessment
    and a development goal waiting for agreement."""
    for _ in range(n):
        person = make_person(manager=team.manager, unit="Acme/IT/Service Desk")
        requirements.assign(SYSTEM, person, job_roles=[role], services=[])
        db.session.add(Assessment(person_id=person.id, framework_id=team.slmo.framework_id, skill_id=team.slmo.id,
                                  claimed_level=3, status="submitted", submitted_at=NOW - timedelta(days=1),
                                  created_at=NOW - timedelta(days=2)))
        db.session.add(Goal(person_id=person.id, skill_id=team.slm.id, target_level=4, state="proposed"))
    db.session.commit()


def _count(app, person, path: str) -> int:
    client = app.test_client()
    statements: list[str] = []
    listener = lambda *a, **k: statements.append(a[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        signed_in = client.post("/login", data={"email": person.email, "password": PASSWORD})
        response = client.get(path)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert signed_in.status_code == 302 and response.status_code == 200, (path, signed_in.status_code, response.status_code)
    return len(statements)


@pytest.fixture
def grown(team):
    role = requirements.save_job_role(SYSTEM, None, name="Service Desk Analyst", description=None)
    requirements.set_role_requirement(SYSTEM, role, team.slmo, min_level=3, essential=True)
    requirements.set_role_requirement(SYSTEM, role, team.slm, min_level=2, essential=False)
    requirements.assign(SYSTEM, team.sam, job_roles=[role], services=[])
    requirements.assign(SYSTEM, team.pat, job_roles=[role], services=[])
    db.session.commit()
    return lambda n: _grow(team, role, n)


def test_statements_per_request_do_not_grow_with_people(app, team, grown):
    people = {"sam": team.sam, "manager": team.manager, "hr": team.hr}
    grown(2)
    small = {(who, path): _count(app, people[who], path) for who, path in PAGES}
    grown(10)
    large = {(who, path): _count(app, people[who], path) for who, path in PAGES}
    assert large == small, {k: (small[k], large[k]) for k in small if small[k] != large[k]}
    # And every page's count is small: sign-in, layout and badge included.
    assert max(small.values()) < 60, small


def _statements_of(app, person, path: str) -> tuple[str, list[str]]:
    """Sign in (not counted), then GET ``path``: its page and its statements."""
    client = app.test_client()
    assert client.post("/login", data={"email": person.email, "password": PASSWORD}).status_code == 302
    client.get(path)  # a first request writes what later ones do not (the session's last use)
    statements: list[str] = []
    listener = lambda *a, **k: statements.append(" ".join(a[2].split()))  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        response = client.get(path)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True), statements


@pytest.mark.parametrize("who", ["sam", "manager", "hr"])
def test_a_signed_in_request_reads_its_person_in_one_statement(app, team, who):
    """The session's row, the person, their roles and whether anyone reports to them: one statement,
    whatever the request; the layout's two counts (the Reviews badge, the unread notifications) one more."""
    person = getattr(team, who)
    _page, statements = _statements_of(app, person, "/healthz")
    assert len(statements) == 1 and "sign_in_session" in statements[0] and "person_role" in statements[0], statements
    _page, statements = _statements_of(app, person, "/notifications")
    assert sum("sign_in_session" in s or "person_role" in s for s in statements) == 1, statements
    counts = [s for s in statements if "notification.read_at IS NULL" in s]
    assert len(counts) == 1, statements
    assert ("assessment.status" in counts[0]) == (who != "sam"), counts  # the badge only for those who review


def test_the_badges_count_what_they_did_at_the_next_request(app, client, auth, team):
    """The counts are read for each page, never kept from one request to the next."""
    from skills_app.models import Notification

    auth.login(team.manager)
    assert '<span class="badge">' not in client.get("/notifications").get_data(as_text=True)
    db.session.add(Notification(person_id=team.manager.id, message="One"))
    db.session.add(Assessment(person_id=team.sam.id, framework_id=team.slmo.framework_id, skill_id=team.slmo.id,
                              claimed_level=3, status="submitted", submitted_at=NOW, created_at=NOW))
    db.session.commit()
    page = client.get("/notifications").get_data(as_text=True)
    assert '1<span class="visually-hidden"> waiting</span>' in page and '1<span class="visually-hidden"> unread</span>' in page


def test_a_report_given_in_the_request_counts_at_once(app, team):
    """Whether anyone reports to the signed-in person is read with them (the sign-in's one
    statement); anything written after, in the same request, has it read again."""
    from skills_app.models import Person
    from skills_app.services import sign_in_sessions

    with app.test_request_context("/"):
        key = sign_in_sessions.start(team.pat)
        db.session.commit()
        user_id, otto_id = team.pat.get_id(), team.otto.id
        db.session.expunge_all()
        pat = sign_in_sessions.person_for(user_id, key)
        assert pat is not None and not pat.has_reports and "reports" not in pat.__dict__
        otto = db.session.get(Person, otto_id)
        otto.manager_id = pat.id
        db.session.flush()
        assert pat.has_reports
        db.session.rollback()
        assert not pat.has_reports
