"""My team lists the reviews waiting (everyone's, for HR) a page at a time, as the
Reviews page does (keyset, 50 a page, in the queue's order): walking forward and back
loses and repeats no row, a forged cursor is refused, a short queue looks as it did
(no pager), and a page is read in as many statements for a queue of 60 as for one of 5."""
from __future__ import annotations

import re
from datetime import timedelta

from skills_app.extensions import db
from skills_app.models import Assessment
from skills_app.models.framework import utcnow
from skills_app.services import assessments as service
from tests.conftest import make_person
from tests.pages import statements
from tests.test_review_queue_paging import _queue, _walk

REVIEW = re.compile(r'href="/reviews/(\d+)"')
NEXT = re.compile(r'<a href="([^"]+)">Next →</a>')
PREVIOUS = re.compile(r'<a href="([^"]+)">← Previous</a>')


def _ids(html: str) -> list[int]:
    return [int(i) for i in REVIEW.findall(html)]


def test_a_long_queue_on_my_team_is_paged_forward_and_back(client, auth, team):
    order = _queue(team, 120)
    auth.login(team.manager)
    pages = _walk(client, "/team")
    assert [len(ids) for _, ids, _ in pages] == [50, 50, 20]
    assert [i for _, ids, _ in pages for i in ids] == order  # none lost, none repeated, in order
    assert all(url.startswith("/team") for url, _, _ in pages)
    assert "Waiting for your review (120)" in pages[0][2] and "Page 1 of 3 (120 in all)" in pages[0][2]
    assert "← Previous" not in pages[0][2]
    html, back = pages[-1][2], []
    while (found := PREVIOUS.search(html)):
        html = client.get(found.group(1).replace("&amp;", "&")).get_data(as_text=True)
        back.append(_ids(html))
    assert back == [pages[1][1], pages[0][1]]
    # HR sees everyone's, paged the same way.
    auth.logout()
    auth.login(team.hr)
    assert [i for _, ids, _ in _walk(client, "/team") for i in ids] == [a.id for a in service.review_queue(team.hr)]


def test_a_short_queue_looks_as_before(client, auth, team):
    order = _queue(team, 5)
    auth.login(team.manager)
    html = client.get("/team").get_data(as_text=True)
    assert _ids(html) == order
    assert "Waiting for your review (5)" in html
    assert 'class="pager"' not in html and "Next →" not in html


def test_a_forged_cursor_is_refused(client, auth, team):
    _queue(team, 5)
    auth.login(team.manager)
    for cursor in ("garbage!", "eyJrIjpbIngiLCJ5IiwieiJdLCJuIjoyfQ", "eyJrIjpbMV0sIm4iOjJ9"):
        assert client.get("/team", query_string={"cursor": cursor}).status_code == 422, cursor


def _reports_waiting(team, size: int) -> None:
    """``size`` more reports of the manager, each with a self-assessment waiting."""
    skill = team.slmo
    now = utcnow()
    for n in range(size):
        person = make_person(f"Member {n:03d} {size}", manager=team.manager)
        db.session.add(Assessment(person_id=person.id, framework_id=skill.framework_id, skill_id=skill.id, claimed_level=3,
                                  status="submitted", submitted_at=now - timedelta(days=2), created_at=now - timedelta(days=3)))
    db.session.commit()


def test_a_team_of_60_s_first_page_is_read_in_as_many_statements_as_a_team_of_5(client, auth, team):
    _reports_waiting(team, 3)  # with Sam and Pat, 5 people
    auth.login(team.manager)
    client.get("/team")
    small = statements(client, "/team")
    _reports_waiting(team, 55)  # 60 people, 58 reviews waiting: two pages
    client.get("/team")
    large = statements(client, "/team")
    assert large == small, (small, large)
    auth.logout()
    auth.login(team.hr)  # HR sees everyone's waiting reviews
    client.get("/team")
    hr_large = statements(client, "/team")
    _reports_waiting(team, 60)
    client.get("/team")
    assert statements(client, "/team") == hr_large
