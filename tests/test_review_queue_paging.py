"""The Reviews page is paged (keyset, 50 a page) in the queue's order, the soonest due
first: walking forward and back loses and repeats no row, a forged cursor is refused,
and a page's rows are read in as many statements for a queue of 60 as for one of 5."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from skills_app.extensions import db
from skills_app.models import Assessment, Skill
from skills_app.models.framework import utcnow
from skills_app.services import assessments as service
from tests.conftest import make_person
from tests.pages import statements

REVIEW = re.compile(r'href="/reviews/(\d+)"')
NEXT = re.compile(r'<a href="([^"]+)">Next →</a>')
PREVIOUS = re.compile(r'<a href="([^"]+)">← Previous</a>')


def _queue(team, size: int) -> list[int]:
    """``size`` submitted assessments of the manager's reports (each skill), due at
    times with ties, some overdue and some with no due time; their ids in the queue's order."""
    skills = db.session.scalars(select(Skill).order_by(Skill.id)).all()
    now = utcnow()
    made = []
    for n in range(size):
        if n % len(skills) == 0:
            person = make_person(f"Report {n:03d}", manager=team.manager)
        skill = skills[n % len(skills)]
        due = None if n % 7 == 3 else now + timedelta(days=(n % 9) - 3)
        a = Assessment(person_id=person.id, framework_id=skill.framework_id, skill_id=skill.id, claimed_level=3,
                       status="submitted", submitted_at=now - timedelta(days=20, hours=n % 4), due_at=due,
                       created_at=now - timedelta(days=21))
        db.session.add(a)
        made.append(a)
    db.session.commit()
    return [a.id for a in service.review_queue(team.manager)]


def _walk(client, start="/reviews"):
    pages, url = [], start
    while url:
        answer = client.get(url)
        assert answer.status_code == 200, url
        html = answer.get_data(as_text=True)
        pages.append((url, [int(i) for i in REVIEW.findall(html)], html))
        found = NEXT.search(html)
        url = found.group(1).replace("&amp;", "&") if found else None
    return pages


def test_a_long_queue_is_paged_in_order_forward_and_back(client, auth, team):
    order = _queue(team, 120)
    assert len(order) == 120
    auth.login(team.manager)
    pages = _walk(client)
    assert [len(ids) for _, ids, _ in pages] == [50, 50, 20]
    assert [i for _, ids, _ in pages for i in ids] == order  # none lost, none repeated, in order
    assert "Page 1 of 3 (120 in all)" in pages[0][2] and "120 self-assessments waiting" in pages[0][2]
    assert "← Previous" not in pages[0][2]
    # Back from the last page to the first.
    html, back = pages[-1][2], []
    while (found := PREVIOUS.search(html)):
        html = client.get(found.group(1).replace("&amp;", "&")).get_data(as_text=True)
        back.append([int(i) for i in REVIEW.findall(html)])
    assert back == [pages[1][1], pages[0][1]]
    # HR sees everyone's, paged the same way.
    auth.logout()
    auth.login(team.hr)
    assert [i for _, ids, _ in _walk(client) for i in ids] == [a.id for a in service.review_queue(team.hr)]


def test_the_overdue_count_is_the_whole_queue_s(client, auth, team):
    _queue(team, 60)
    overdue = sum(1 for a in service.review_queue(team.manager) if a.due_at is not None and a.due_at.replace(tzinfo=None) <= utcnow().replace(tzinfo=None))
    auth.login(team.manager)
    html = client.get("/reviews").get_data(as_text=True)
    assert f"{overdue} reviews overdue" in html and "due soon on this page" in html


def test_a_short_queue_is_one_page_without_a_pager(client, auth, team):
    order = _queue(team, 5)
    auth.login(team.manager)
    html = client.get("/reviews").get_data(as_text=True)
    assert [int(i) for i in REVIEW.findall(html)] == order
    assert 'class="pager"' not in html and "Next →" not in html


def test_a_forged_cursor_is_refused(client, auth, team):
    _queue(team, 5)
    auth.login(team.manager)
    for cursor in ("garbage!", "eyJrIjpbIngiLCJ5IiwieiJdLCJuIjoyfQ", "eyJrIjpbMV0sIm4iOjJ9"):
        answer = client.get("/reviews", query_string={"cursor": cursor})
        assert answer.status_code == 422, cursor


def test_a_page_of_60_is_read_in_as_many_statements_as_a_queue_of_5(app, client, auth, team):
    _queue(team, 5)
    auth.login(team.manager)
    client.get("/reviews")
    small = statements(client, "/reviews")
    _queue(team, 55)  # 60 waiting, on two pages
    client.get("/reviews")
    large = statements(client, "/reviews")
    assert large == small, (small, large)
