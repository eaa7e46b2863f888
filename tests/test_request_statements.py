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
