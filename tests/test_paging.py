"""One keyset pagination (skills_app/paging.py) for the pages and the API:
every row exactly once, in order, forwards and back; a row written between
two pages neither repeats nor skips one; a cursor that was not given is
refused at its field."""
from __future__ import annotations

import base64
import html
import re

import pytest

from skills_app import paging
from skills_app.errors import InvalidInput
from skills_app.extensions import db
from skills_app.policy import SYSTEM
from skills_app.services import accounts, audit, org

NAMES = ["Ann", "Ben", "Cai", "Dee", "Eve", "Fay", "Gus"]


@pytest.fixture
def staff(make_person):
    return [make_person(name) for name in reversed(NAMES)]


def walk(read, cursor=None):
    """Every page forwards from ``cursor``: the pages' items and numbers."""
    pages = []
    while True:
        page = read(cursor)
        pages.append(page)
        if page.next is None:
            return pages
        cursor = page.next


def names(page) -> list[str]:
    return [p.name for p in page.items]


def test_pages_of_a_select_hold_every_row_once_in_order_and_lead_back(staff):
    def read(cursor):
        return org.directory(SYSTEM, cursor=cursor, per_page=3)

    pages = walk(read)

    assert [names(p) for p in pages] == [NAMES[:3], NAMES[3:6], NAMES[6:]]
    assert [(p.number, p.pages, p.total) for p in pages] == [(1, 3, 7), (2, 3, 7), (3, 3, 7)]
    assert pages[0].previous is None and pages[-1].next is None
    back = read(pages[-1].previous)
    assert names(back) == NAMES[3:6] and back.number == 2
    first = read(back.previous)
    assert names(first) == NAMES[:3] and first.number == 1 and first.previous is None


def test_a_row_written_between_two_pages_neither_repeats_nor_skips_one(staff, make_person):
    first = org.directory(SYSTEM, per_page=3)
    make_person("Aaron")  # sorts before every row already read

    rest = walk(lambda cursor: org.directory(SYSTEM, cursor=cursor, per_page=3), first.next)

    assert names(first) + [n for page in rest for n in names(page)] == NAMES


def test_newest_first_pages_break_ties_by_id(app, staff):
    # Events written in one transaction share a timestamp on some databases: the id orders them.
    for person in staff:
        accounts.set_roles(SYSTEM, person, ["employee", "manager"])
    db.session.commit()
    everything = db.session.scalars(audit_query()).all()

    pages = walk(lambda cursor: audit.trail(SYSTEM, cursor=cursor, per_page=4))

    assert [e.id for page in pages for e in page.items] == [e.id for e in everything]
    assert sum(len(page.items) for page in pages) == pages[0].total


def audit_query():
    from sqlalchemy import select

    from skills_app.models import AuditEvent

    return select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


def test_a_list_built_in_python_pages_the_same_way():
    items = [(letter, n) for n, letter in enumerate("abcdefg")]

    pages = walk(lambda cursor: paging.of_list(items, key=lambda item: item, cursor=cursor, limit=3))

    assert [page.items for page in pages] == [items[:3], items[3:6], items[6:]]
    assert paging.of_list(items, key=lambda item: item, cursor=pages[1].previous, limit=3).items == items[:3]


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize("cursor", ["nonsense", "bzo1", "e30", "eyJrIjpbXSwibiI6MX0", "x" * 2000,
                                    # a page number JSON reads as infinity (int() raised OverflowError: a 500)
                                    _b64('{"k":["a",1],"n":1e999}'), _b64('{"k":["a",1],"n":-1e999}'),
                                    _b64('{"k":["a",1],"n":NaN}')])
def test_a_cursor_that_was_not_given_is_refused_at_its_field(cursor):
    with pytest.raises(InvalidInput) as refused:
        paging.decode(cursor)
    assert refused.value.fields == {"cursor": "unknown cursor"}


def test_the_directory_page_links_its_pages(app, staff, make_person, auth, monkeypatch):
    auth.login(make_person("Hana HR", roles=("employee", "hr")))
    real = org.directory
    monkeypatch.setattr(org, "directory", lambda *args, **kwargs: real(*args, **{**kwargs, "per_page": 3}))

    first = auth.client.get("/people?q=example").get_data(as_text=True)

    # Everyone matches (by their address): three pages, and the search is kept from one to the next.
    assert "Page 1 of 3 (8 in all)" in first and "Previous" not in first
    following = html.unescape(re.search(r'<a href="([^"]+)">Next →</a>', first).group(1))
    assert "q=example" in following
    second = auth.client.get(following).get_data(as_text=True)
    assert "Page 2 of 3 (8 in all)" in second and "← Previous" in second and ">Dee<" in second


def test_the_api_walks_a_list_with_its_cursor(app, client, staff):
    from skills_app.services import tokens

    hr = staff[0]
    accounts.set_roles(SYSTEM, hr, ["employee", "hr"])
    _, secret = tokens.create(SYSTEM, hr, "paging")
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}

    seen, cursor = [], None
    while True:
        body = client.get("/api/v1/people", query_string={"limit": 2, **({"cursor": cursor} if cursor else {})},
                          headers=headers).get_json()
        assert set(body) == {"items", "next"}
        seen += [p["name"] for p in body["items"]]
        cursor = body["next"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(NAMES) and len(seen) == len(NAMES)

    refused = client.get("/api/v1/people?cursor=nonsense", headers=headers)
    assert refused.status_code == 422
    assert refused.get_json()["error"]["details"]["fields"] == {"cursor": "unknown cursor"}


@pytest.fixture
def gap_world(load_seed_frameworks, make_person):
    """Seven people holding a job role that needs two skills (one through a unit-less person), and an HR token."""
    from skills_app.services import requirements, tokens

    fw = load_seed_frameworks()
    role = requirements.save_job_role(SYSTEM, None, name="Service Level Manager", description=None)
    requirements.set_role_requirement(SYSTEM, role, fw["SFIA"].skills[0], min_level=4, essential=True)
    requirements.set_role_requirement(SYSTEM, role, fw["SLM"].skills[0], min_level=2, essential=False)
    for n, name in enumerate(NAMES):
        person = make_person(name, unit=None if n == 3 else f"Acme/Team {n % 2}")
        requirements.assign(SYSTEM, person, job_roles=[role], services=[])
    hr = make_person("Hana HR", roles=("employee", "hr"))
    _, secret = tokens.create(SYSTEM, hr, "paging")
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def api_walk(client, path, headers, limit):
    items, cursor = [], None
    while True:
        body = client.get(path, query_string={"limit": limit, **({"cursor": cursor} if cursor else {})}, headers=headers).get_json()
        items += body["items"]
        cursor = body["next"]
        if cursor is None:
            return items


def test_the_gap_report_pages_hold_every_row_once_in_the_order_of_the_whole(client, gap_world):
    from skills_app.services import gaps

    whole = gaps.frame(SYSTEM)
    order = [(r.person, r.skill) for r in whole.itertuples()]

    items = api_walk(client, "/api/v1/reports/gaps", gap_world, limit=3)

    assert [(i["person"], i["skill"]) for i in items] == order
    assert len(order) == 14 and len(set(order)) == 14
    # The person without an org unit comes first, on every database.
    assert order[0][0] == NAMES[3]


def test_the_gap_report_page_links_its_pages(app, gap_world, make_person, auth, monkeypatch):
    from skills_app.web import reports

    monkeypatch.setattr(reports, "PER_PAGE", 5)
    auth.login(make_person("Henry HR", roles=("employee", "hr")))

    first = auth.client.get("/reports/gaps?essential=1").get_data(as_text=True)

    assert "Page 1 of 2" in first and "← Previous" not in first
    following = html.unescape(re.search(r'<a href="([^"]+)">Next →</a>', first).group(1))
    assert "essential=1" in following
    second = auth.client.get(following).get_data(as_text=True)
    assert "Page 2 of 2" in second and "← Previous" in second and "Next →" not in second


def test_training_needs_page_in_their_order_of_urgency(client, gap_world):
    whole = client.get("/api/v1/reports/training-needs", query_string={"limit": 200}, headers=gap_world).get_json()

    items = api_walk(client, "/api/v1/reports/training-needs", gap_world, limit=1)

    assert items == whole["items"] and len(items) == 2 and whole["next"] is None


@pytest.mark.parametrize("key", [("x",), (["a"], "SFIA", "SLMO", 3, 2, 1), (-1, "SFIA", "SLMO", 3, True, 1), (-1, 2, "SLMO", 3, 2, 1)])
def test_a_training_needs_cursor_of_the_wrong_kinds_is_refused(client, gap_world, key):
    import base64
    import json
    forged = base64.urlsafe_b64encode(json.dumps({"k": list(key), "n": 2}).encode()).decode().rstrip("=")
    response = client.get("/api/v1/reports/training-needs", query_string={"cursor": forged}, headers=gap_world)
    assert response.status_code in (400, 422) and response.get_json()["error"]["code"]


def _forged(*key) -> str:
    import base64
    import json
    return base64.urlsafe_b64encode(json.dumps({"k": list(key), "n": 2}).encode()).decode().rstrip("=")


@pytest.mark.parametrize("key", [("x", "y"), ("Ann", "y"), (["Ann"], 1), ("Ann", 2 ** 40), ("Ann", True), ("Ann", 1.5)])
def test_a_forged_cursor_of_the_wrong_kinds_is_refused_not_sent_to_the_database(staff, key):
    from skills_app.models import Person

    stmt = db.select(Person)
    with pytest.raises(InvalidInput) as refused:
        paging.of_select(stmt, [Person.name, Person.id], cursor=_forged(*key), limit=3)
    assert refused.value.fields == {"cursor": "unknown cursor"}
    # a key of the right kinds pages on
    assert names(paging.of_select(stmt, [Person.name, Person.id], cursor=_forged("Cai", 0), limit=3)) == ["Cai", "Dee", "Eve"]


@pytest.mark.parametrize("path", ["/people?cursor={}", "/admin/audit?cursor={}", "/finder/?skill_1={skill}&search=1&cursor={}"])
def test_a_forged_cursor_on_a_page_is_a_400_never_a_500(app, team, sign_in, path):
    url = path.format(_forged("x", "y", "z") if "finder" in path else _forged("x", "y"), skill=team.slmo.id)
    answer = sign_in(team.admin if "admin" in path else team.hr).get(url)
    assert answer.status_code in (400, 422) and "cursor" in answer.get_data(as_text=True)


@pytest.mark.parametrize("key", [("A\x00nn", 1), ("\ud800", 1)])
def test_a_forged_cursor_with_text_the_database_cannot_hold_is_refused_never_a_500(staff, key):
    """A NUL or a lone surrogate in a key's text passed every kind check, then PostgreSQL refused it
    ("text fields cannot contain NUL", or the encoder did): a 500 on the accounts page."""
    from skills_app.models import Person

    with pytest.raises(InvalidInput) as refused:
        paging.of_select(db.select(Person), [Person.name, Person.id], cursor=_forged(*key), limit=3)
    assert refused.value.fields == {"cursor": "unknown cursor"}


@pytest.mark.parametrize("key", [("A\x00nn", 1), ("\ud800", 1)])
def test_the_accounts_page_refuses_a_cursor_with_text_the_database_cannot_hold(team, sign_in, key):
    answer = sign_in(team.admin).get(f"/admin/people?cursor={_forged(*key)}")
    assert answer.status_code in (400, 422) and "cursor" in answer.get_data(as_text=True)


@pytest.mark.parametrize("key", [("x", "y", "z"), (1, 2), ("Ann", None), ("Ann",), (1.5, 2)])
def test_a_forged_cursor_of_other_kinds_on_a_list_built_in_python_is_refused_never_a_500(key):
    """A list paged in Python compared the forged key with its own: 'x' against a number raised
    TypeError, a 500 at /api/v1/frameworks and /api/v1/reports/training-needs."""
    items = [("Ann", 1), ("Ben", 2), ("Cai", 3)]
    with pytest.raises(InvalidInput) as refused:
        paging.of_list(items, lambda item: item, cursor=_forged(*key), limit=2)
    assert refused.value.fields == {"cursor": "unknown cursor"}
    assert paging.of_list(items, lambda item: item, cursor=_forged("Ann", 1), limit=2).items == [("Ben", 2), ("Cai", 3)]


def test_the_api_refuses_a_forged_cursor_of_other_kinds_on_the_frameworks(client, make_person, load_seed_frameworks):
    from skills_app.services import tokens

    load_seed_frameworks()
    _row, secret = tokens.create(SYSTEM, make_person("Ada"), "test")
    db.session.commit()
    for key in ((1, 2, 3), ("x",), (1.5, "x")):
        answer = client.get(f"/api/v1/frameworks?cursor={_forged(*key)}", headers={"Authorization": f"Bearer {secret}"})
        assert answer.status_code == 422 and answer.get_json()["error"]["code"] == "invalid", key


@pytest.mark.parametrize("query", ["unit=%C2%B2", "skill_id=%C2%B2&level=1", "job_role=%C2%B2", "service=%C2%B2"])
def test_a_directory_filter_that_is_not_a_number_is_ignored_never_a_500(team, sign_in, query):
    answer = sign_in(team.hr).get(f"/people?{query}")
    assert answer.status_code == 200
