"""The one way a web form is handled (skills_app/web/forms) and the one
transaction per request (skills_app/web/transaction.py): a refused form is
shown again with what was typed and the problem at its field; a successful
post commits once; anything that goes wrong is rolled back."""
from __future__ import annotations

import pytest
from sqlalchemy import event, func, select

from skills_app.errors import InvalidInput
from skills_app.extensions import db
from skills_app.models import OrgUnit
from skills_app.policy import SYSTEM
from skills_app.services import org
from tests.pages import field_error, flashes, problems


@pytest.fixture
def as_hr(make_person, auth):
    hr = make_person("Hana HR", roles=("employee", "hr"))
    auth.login(hr)
    return auth.client


@pytest.fixture
def it(app):
    unit = org.ensure_path(SYSTEM, "Group/IT")
    db.session.commit()
    return unit


@pytest.fixture
def transactions(app):
    """Commits and rollbacks of the session from here on."""
    counts = {"commit": 0, "rollback": 0}
    session = db.session()

    def committed(_session):
        if not _session.in_nested_transaction():  # a savepoint released inside a service is not the request's commit
            counts["commit"] += 1

    def rolled_back(_session, _previous):
        counts["rollback"] += 1

    event.listen(session, "after_commit", committed)
    event.listen(session, "after_soft_rollback", rolled_back)
    yield counts
    event.remove(session, "after_commit", committed)
    event.remove(session, "after_soft_rollback", rolled_back)


def units() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(OrgUnit))


def test_a_successful_post_commits_once_after_the_view(as_hr, it, transactions):
    response = as_hr.post("/admin/org-units", data={"name": "Service Desk", "parent": str(it.id)})

    assert response.status_code == 302
    assert transactions == {"commit": 1, "rollback": 0}
    assert org.by_path("Group/IT/Service Desk") is not None
    assert "Added Group/IT/Service Desk." in flashes(as_hr.get("/admin/org-units"))


def test_a_refused_form_is_shown_again_with_what_was_typed_and_the_problem_at_its_field(as_hr, it, transactions):
    before = units()

    response = as_hr.post("/admin/org-units", data={"name": "Desk/Tier 1", "parent": str(it.id)})

    # The same page, not a redirect: the name typed and the unit chosen are still there.
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "<h1>Org units</h1>" in page
    assert 'value="Desk/Tier 1"' in page
    assert f'<option selected value="{it.id}">' in page
    # The problem beside its field, the field marked and described by it, and in the summary, linked.
    assert field_error(response, "name") == "A unit's name cannot contain '/'."
    assert 'aria-invalid="true"' in page and 'aria-describedby="name-error"' in page
    assert problems(response) == "Name: A unit's name cannot contain '/'."
    assert '<a href="#name">' in page
    assert transactions["commit"] == 0 and transactions["rollback"] >= 1
    assert units() == before


def test_a_refusal_without_a_field_is_told_for_the_whole_form(as_hr, it):
    """An error the service gives without a field (a unit with people cannot go) is the summary's."""
    org.ensure_path(SYSTEM, "Group/IT/Service Desk")
    db.session.commit()

    response = as_hr.post(f"/admin/org-units/{it.id}/delete")

    assert response.status_code == 400
    assert problems(response) == "Group/IT has units below it; move or delete them first"
    assert org.by_path("Group/IT") is not None


def test_a_conflict_is_a_409(as_hr, it):
    org.ensure_path(SYSTEM, "Group/IT/Service Desk")
    db.session.commit()

    response = as_hr.post("/admin/org-units", data={"name": "Service Desk", "parent": str(it.id)})

    assert response.status_code == 409
    assert field_error(response, "name") == "There is already an org unit Group/IT/Service Desk."


def test_a_form_that_does_not_validate_never_reaches_the_service(as_hr, it, transactions, monkeypatch):
    called = []
    monkeypatch.setattr(org, "add_unit", lambda *args, **kwargs: called.append(args))

    response = as_hr.post("/admin/org-units", data={"name": "", "parent": str(it.id)})

    assert response.status_code == 400 and not called
    assert "Name: This field is required." in problems(response)
    assert transactions["commit"] == 0


def test_what_a_refused_service_wrote_before_it_refused_is_undone(as_hr, it, monkeypatch):
    def half_done(actor, name, parent=None):
        org.ensure_path(actor, "Group/Half done")
        raise InvalidInput.on("name", "refused after a write")

    monkeypatch.setattr(org, "add_unit", half_done)

    response = as_hr.post("/admin/org-units", data={"name": "Anything", "parent": str(it.id)})

    assert response.status_code == 400
    # The page shown again already reads the database as it was.
    assert "Group/Half done" not in response.get_data(as_text=True)
    assert org.by_path("Group/Half done") is None


def test_an_exception_rolls_the_request_back(app, as_hr, it, transactions, monkeypatch):
    def broken(actor, name, parent=None):
        org.ensure_path(actor, "Group/Broken")
        raise RuntimeError("a bug")

    monkeypatch.setattr(org, "add_unit", broken)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)

    response = as_hr.post("/admin/org-units", data={"name": "Anything", "parent": str(it.id)})

    assert response.status_code == 500
    assert transactions["commit"] == 0 and transactions["rollback"] >= 1
    assert org.by_path("Group/Broken") is None


def test_a_refused_read_is_rolled_back(as_hr, transactions):
    assert as_hr.get("/admin/org-units/999999").status_code == 404
    assert transactions["commit"] == 0 and transactions["rollback"] >= 1
