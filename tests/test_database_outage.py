"""The database lost in the middle of a request (its connections terminated, a
restart, a failover): the request is answered with a clear 503 that says so,
never a 500, nothing of it is kept, and the next request is answered as usual.

The loss at the commit, at the end of the request (the kept tables' upkeep runs
there, so that is where a terminated connection shows most), used to escape the
error handlers: Flask turned it into its bare 500."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from skills_app import transaction
from skills_app.extensions import db
from skills_app.models import Assessment
from skills_app.policy import SYSTEM
from skills_app.services import tokens


def _lost(*_args, **_kwargs):
    raise OperationalError("COMMIT", {}, Exception("terminating connection due to administrator command"))


@pytest.fixture
def erin(make_person, load_seed_frameworks):
    load_seed_frameworks()
    person = make_person("Erin Employee")
    _row, secret = tokens.create(SYSTEM, person, "test")
    db.session.commit()
    return person, {"Authorization": f"Bearer {secret}"}


def drafts() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Assessment))


def test_the_database_lost_at_the_commit_is_a_503_in_json_and_the_next_request_is_answered(client, erin, monkeypatch):
    _person, headers = erin
    before = drafts()
    with monkeypatch.context() as patched:
        patched.setattr(transaction, "commit", _lost)
        r = client.post("/api/v1/assessments", json={"framework": "SFIA", "skill": "SLMO", "claimed_level": 3}, headers=headers)
    assert r.status_code == 503, r.get_data(as_text=True)
    assert r.get_json()["error"]["code"] == "unavailable" and r.headers["Retry-After"] == "5"
    assert drafts() == before
    again = client.post("/api/v1/assessments", json={"framework": "SFIA", "skill": "SLMO", "claimed_level": 3}, headers=headers)
    assert again.status_code == 201 and drafts() == before + 1


def test_the_database_lost_at_the_commit_is_a_503_page(client, auth, erin, monkeypatch):
    person, _headers = erin
    assert auth.login(person).status_code == 302
    with monkeypatch.context() as patched:
        patched.setattr(transaction, "commit", _lost)
        page = client.get("/my/skills")
    assert page.status_code == 503 and "The database is not answering just now" in page.get_data(as_text=True)
    assert client.get("/my/skills").status_code == 200
