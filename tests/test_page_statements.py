"""Every page of every role issues as many SQL statements for an organisation ten
times the size: the demo organisation, then the same with ten times its people
(nine times the demo's people added across its org units and line managers, each
with a job role and a validated level, the walked line manager's new reports a
submitted assessment waiting for them as well).

Each role's pages are the ones its person reaches by links from the dashboard
(one per route shape, as tests/test_accessibility.py walks them) and the
filtered reports; each page is counted for its whole request: the signed-in
person read from their session, the layout, the review badge, the
notifications. Sign-in itself is counted too. A page may issue up to ``SLACK``
statements more or any number fewer (what it shows differs in kind between
the two organisations: a gap report page's rows may ask for campaigns or not);
growth with the people would show as tens more. Where they differ, the
failure names the statements that differ.
"""
from __future__ import annotations

import re
from collections import Counter as Counter
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event, select

from skills_app.devdata import demo
from skills_app.extensions import db
from skills_app.models import Assessment, Person, Skill
from skills_app.policy import SYSTEM
from tests.conftest import make_person
from tests.pages import links, queue_links

pytestmark = pytest.mark.xdist_group("demo_world")

ROLES = {"employee": "sam.taylor", "manager": "marcus.webb", "hr": "hannah.lee", "learning": "laura.chen",
         "admin": "alex.morgan"}
EXTRA_PAGES = {
    "hr": ["/reports/gaps?view=heatmap", "/reports/gaps?view=heatmap-units", "/reports/gaps?group=org_unit",
           "/reports/gaps?skill=SLMO&status=below&status=not_assessed&group=job_role", "/reports/training-needs",
           "/reports/trends", "/reports/calibration", "/service-levels", "/finder/?skill_1=1&level_1=2&search=1"],
    "learning": ["/reports/gaps?view=heatmap&skill=SLMO", "/reports/training-needs"],
    "manager": ["/team", "/reviews"],
    "employee": ["/my/plan", "/my/skills"],
}
# Links that act, leave, or download rather than show a page.
SKIP = ("/logout", "/static/", "format=", "/export", "/download", "/file", "/credential", "/api/")
LIMIT = 60
# What a page may issue beyond the small organisation's count: a related row that a page of the small
# organisation finds already in the session (a listed person's line manager on the same page) is read by
# one statement in the large one. An N+1 over ten times the people would add tens.
SLACK = 2


class Listener:
    def __init__(self):
        self.statements: list[str] = []

    def __call__(self, _conn, _cursor, statement, *_args):
        # The test's own SAVEPOINTs (its session joins a transaction rolled back at the end) are not the app's.
        if not re.match(r"\s*(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)\b", statement):
            self.statements.append(re.sub(r"\?(, \?)+", "?, …", statement))


def _counted(client, method: str, path: str, **kwargs):
    # Each request starts with an empty identity map, as it does in production (a session a request):
    # the test's session is shared by its requests.
    db.session.expunge_all()
    counter = Listener()
    event.listen(db.engine, "before_cursor_execute", counter)
    try:
        response = getattr(client, method)(path, **kwargs)
        body = response.get_data(as_text=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", counter)
    return response, body, counter.statements


def _sign_in(app, who: str):
    client = app.test_client()
    response, _, statements = _counted(client, "post", "/login",
                                       data={"email": f"{ROLES[who]}@acme.example", "password": demo.DEMO_PASSWORD})
    assert response.status_code == 302, who
    return client, statements


def _walk(app, who: str) -> tuple[int, dict[str, int]]:
    """Sign in, then every page the role reaches (one per route shape): {path: statements}."""
    _sign_in(app, who)  # the first sign-in of a person writes what later ones do not
    client, signing_in = _sign_in(app, who)
    counts: dict[str, list[str]] = {}
    queue = ["/", *EXTRA_PAGES.get(who, [])]
    extra = set(EXTRA_PAGES.get(who, []))
    seen: set[str] = set()
    while queue and len(seen) < LIMIT:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response, body, statements = _counted(client, "get", path)
        if response.status_code != 200 or "text/html" not in response.content_type:
            continue
        counts[path] = statements
        queue_links(links(body), queue, seen, extra, SKIP)
    return signing_in, counts


def _recount(app, who: str, paths) -> tuple[int, dict[str, int]]:
    client, signing_in = _sign_in(app, who)
    out = {}
    for path in paths:
        response, _body, statements = _counted(client, "get", path)
        assert response.status_code == 200, (who, path, response.status_code)
        out[path] = statements
    return signing_in, out


def _grow(times: int) -> int:
    """``times - 1`` times the demo's people more, spread over the demo's org units and
    line managers, each with a job role, a validated level in one of its skills, and
    the walk's line manager's new reports a submitted assessment waiting for them too
    (other queues stay empty: a queue going from no rows to some is not growth). Returns the number of people after."""
    from skills_app.models import JobRole, OrgUnit, Requirement
    from skills_app.services import requirements

    people = db.session.scalars(select(Person).order_by(Person.id)).all()
    # Line managers who have reports already: their pages show rows before and after (a page going
    # from no rows to some reads what the rows need once, which is not growth with the people).
    managers = [p for p in people if any(q.manager_id == p.id for q in people)]
    units = db.session.scalars(select(OrgUnit.path).order_by(OrgUnit.id)).all()
    roles = [r for r in db.session.scalars(select(JobRole).order_by(JobRole.id)).all()]
    skills = {r.id: db.session.scalars(select(Requirement.skill_id).where(Requirement.job_role_id == r.id)
                                       .order_by(Requirement.id)).all() for r in roles}
    roles = [r for r in roles if skills[r.id]]
    now = datetime.now(timezone.utc)
    for i in range(len(people) * (times - 1)):
        manager = managers[i % len(managers)]
        person = make_person(manager=manager, unit=units[i % len(units)])
        role = roles[i % len(roles)]
        requirements.assign(SYSTEM, person, job_roles=[role], services=[])
        skill = db.session.get(Skill, skills[role.id][i % len(skills[role.id])])
        level = skill.defined_levels[len(skill.defined_levels) // 2]
        db.session.add(Assessment(person_id=person.id, framework_id=skill.framework_id, skill_id=skill.id, claimed_level=level,
                                  status="validated", validated_level=level, submitted_at=now - timedelta(days=20),
                                  decided_at=now - timedelta(days=10), reviewer_id=manager.id,
                                  created_at=now - timedelta(days=21)))
        if manager.email == f"{ROLES['manager']}@acme.example":  # a queue with rows already: it grows
            db.session.add(Assessment(person_id=person.id, framework_id=skill.framework_id, skill_id=skill.id,
                                      claimed_level=level, status="submitted", submitted_at=now - timedelta(days=1),
                                      created_at=now - timedelta(days=2)))
    db.session.commit()
    return len(db.session.scalars(select(Person.id)).all())


def test_every_page_of_every_role_issues_as_many_statements_for_ten_times_the_people(app, demo_world):
    small = {who: _walk(app, who) for who in ROLES}
    people_before = len(db.session.scalars(select(Person.id)).all())
    people_after = _grow(10)
    assert people_after >= 10 * people_before
    large = {who: _recount(app, who, counts) for who, (_s, counts) in small.items()}
    grew = {}
    for who in ROLES:
        (sign_small, pages_small), (sign_large, pages_large) = small[who], large[who]
        if len(sign_large) > len(sign_small) + SLACK:
            grew[f"{who} signing in"] = (sign_small, sign_large)
        for path, statements in pages_small.items():
            if len(pages_large[path]) > len(statements) + SLACK:
                grew[f"{who} {path}"] = (statements, pages_large[path])
    walked = sum(len(counts) for _s, counts in small.values())
    assert walked >= 60, {who: sorted(counts) for who, (_s, counts) in small.items()}

    def more(a, b):
        extra = Counter(b) - Counter(a)
        return " | ".join(f"{n}× {s[:160]}" for s, n in extra.items())

    assert not grew, "statements grew with the people (small → 10×): " + "; ".join(
        f"{k}: {len(a)} → {len(b)} ({more(a, b) or 'fewer: ' + more(b, a)})" for k, (a, b) in grew.items())
