"""Administration: accounts, roles, line managers, org units, the people
directory, and the audit trail that records every change."""
from __future__ import annotations

import re

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from skills_app.errors import InvalidInput
from skills_app.extensions import db
from skills_app.models import AuditEvent, OrgUnit, Person
from skills_app.policy import SYSTEM
from skills_app.services import accounts, org
from tests.conftest import PASSWORD
from tests.pages import field_error, messages

NEW_PASSWORD = "a fresh start password"


def can_sign_in(app, person, password: str) -> bool:
    return app.test_client().post("/login", data={"email": person.email, "password": password}).status_code == 302


def still_signed_in(client) -> bool:
    return client.get("/").status_code == 200


@pytest.fixture
def person(make_person):
    """make_person with an address the admin forms accept (they refuse the
    special-use .test domain that make_person uses)."""
    def make(name: str, **options):
        options.setdefault("email", re.sub(r"[^a-z0-9]+", ".", name.lower()) + "@example.com")
        return make_person(name, **options)

    return make


@pytest.fixture
def admin(person):
    return person("Ada Admin", roles=("employee", "admin"))


@pytest.fixture
def hr(person):
    return person("Hana HR", roles=("employee", "hr"))


@pytest.fixture
def as_admin(sign_in, admin):
    return sign_in(admin)


@pytest.fixture
def audited(sign_in, admin, hr):
    """Check that a change left its audit event, by whom, shown on /admin/audit to HR and admin."""
    viewers = {}

    def check(action: str, about=None, by=None, viewers_now=None) -> AuditEvent:
        db.session.expire_all()
        stmt = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id.desc())
        if about is not None:
            stmt = stmt.where(AuditEvent.entity_id == about.id)
        event = db.session.scalars(stmt).first()
        assert event is not None, f"no {action} event recorded"
        actor = by or admin
        assert event.actor_id == actor.id and actor.email in event.actor_label
        for viewer in viewers_now or (hr, admin):
            client = viewers.get(viewer.id) or viewers.setdefault(viewer.id, sign_in(viewer))
            page = client.get("/admin/audit", query_string={"action": action})
            assert page.status_code == 200
            assert str(escape(event.summary)) in page.get_data(as_text=True), f"{viewer.name} cannot see {event.summary!r}"
        return event

    return check


def person_form(person: Person, **changes) -> dict:
    """The edit form as the page fills it in, with some fields changed."""
    db.session.refresh(person)
    form = {
        "name": person.name,
        "email": person.email,
        "employee_number": person.employee_number or "",
        "job_title": person.job_title or "",
        "org_unit": str(person.org_unit_id or ""),
        "manager": str(person.manager_id or ""),
        "roles": sorted(person.roles),
    }
    form.update(changes)
    return form


def listed_ids(response) -> set[int]:
    """Ids of the people in the directory's table (not the header's own link)."""
    body = response.get_data(as_text=True)
    table = body[body.index("<tbody>"):body.index("</tbody>")]
    return {int(i) for i in re.findall(r'href="/people/(\d+)"', table)}


# -- accounts ------------------------------------------------------------------------

def test_admin_creates_a_person_who_can_then_sign_in(app, as_admin, person, audited):
    boss = person("Marcus Webb", roles=("employee", "manager"), unit="Group/IT/Service Desk")
    unit = org.by_path("Group/IT/Service Desk")
    assert as_admin.get("/admin/people/new").status_code == 200

    response = as_admin.post("/admin/people/new", data={
        "name": "Nia Brown", "email": "Nia.Brown@Example.com", "employee_number": "E2001",
        "job_title": "Service Desk Analyst", "org_unit": str(unit.id), "manager": str(boss.id),
        "roles": ["employee", "learning"], "password": "a first password",
    })

    assert response.status_code == 302
    nia = accounts.by_email("nia.brown@example.com")
    assert nia is not None
    assert response.location == f"/admin/people/{nia.id}"
    assert (nia.name, nia.employee_number, nia.job_title) == ("Nia Brown", "E2001", "Service Desk Analyst")
    assert nia.org_unit == unit and nia.manager == boss
    assert nia.roles == {"employee", "learning"}
    assert nia.active
    assert can_sign_in(app, nia, "a first password")
    audited("person.created", about=nia)


@pytest.mark.parametrize("field, message", [("email", "already an account"), ("employee_number", "already someone else")])
def test_a_new_person_may_not_take_someone_elses_email_or_employee_number(as_admin, person, field, message):
    sam = person("Sam Taylor")
    form = {"name": "Nia Brown", "email": "nia.brown@example.com", "employee_number": "E2001",
            "org_unit": "", "manager": "", "roles": ["employee"], "password": "a first password"}
    form[field] = getattr(sam, field)
    before = db.session.scalar(select(func.count()).select_from(Person))

    response = as_admin.post("/admin/people/new", data=form)

    assert response.status_code == 409
    assert message in field_error(response, field)
    # The page is shown again with what was typed (but never the password).
    page = response.get_data(as_text=True)
    assert 'value="Nia Brown"' in page and f'value="{form[field]}"' in page
    assert "a first password" not in page
    assert db.session.scalar(select(func.count()).select_from(Person)) == before
    assert accounts.by_email("nia.brown@example.com") is None


def test_admin_edits_roles_manager_and_org_unit(as_admin, person, audited):
    old_boss = person("Marcus Webb", roles=("employee", "manager"), unit="Group/IT/Service Desk")
    new_boss = person("Priya Shah", roles=("employee", "manager"), unit="Group/IT/Service Management")
    sam = person("Sam Taylor", manager=old_boss, unit="Group/IT/Service Desk")
    new_unit = org.by_path("Group/IT/Service Management")

    response = as_admin.post(f"/admin/people/{sam.id}", data=person_form(
        sam, manager=str(new_boss.id), org_unit=str(new_unit.id), roles=["employee", "manager"],
        job_title="Service Level Analyst"))

    assert response.status_code == 302
    db.session.refresh(sam)
    assert sam.manager == new_boss
    assert sam.org_unit == new_unit
    assert sam.roles == {"employee", "manager"}
    assert sam.job_title == "Service Level Analyst"
    updated = audited("person.updated", about=sam)
    assert set(updated.data) == {"manager", "org_unit", "job_title"}
    roles = audited("person.roles_changed", about=sam)
    assert roles.data == {"from": ["employee"], "to": ["employee", "manager"]}


def test_saving_without_changes_records_nothing(as_admin, person):
    sam = person("Sam Taylor", unit="Group/IT")
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    assert as_admin.post(f"/admin/people/{sam.id}", data=person_form(sam)).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_reset_password_replaces_the_old_one_and_ends_the_persons_sessions(app, as_admin, sign_in, person, audited):
    sam = person("Sam Taylor")
    sams_session = sign_in(sam)

    response = as_admin.post(f"/admin/people/{sam.id}/password", data={"password": NEW_PASSWORD})

    assert response.status_code == 302
    assert not can_sign_in(app, sam, PASSWORD)
    assert can_sign_in(app, sam, NEW_PASSWORD)
    assert not still_signed_in(sams_session)
    audited("account.password_reset", about=sam)


def test_a_too_short_password_is_not_set(app, as_admin, person):
    sam = person("Sam Taylor")
    response = as_admin.post(f"/admin/people/{sam.id}/password", data={"password": "short"}, follow_redirects=True)
    assert "between 10 and 1024 characters" in messages(response)
    assert can_sign_in(app, sam, PASSWORD)


def test_deactivating_stops_sign_in_and_ends_sessions_and_can_be_undone(app, as_admin, sign_in, person, audited):
    sam = person("Sam Taylor")
    sams_session = sign_in(sam)

    assert as_admin.post(f"/admin/people/{sam.id}/active").status_code == 302

    db.session.refresh(sam)
    assert not sam.active
    assert not still_signed_in(sams_session)
    assert not can_sign_in(app, sam, PASSWORD)
    audited("person.deactivated", about=sam)

    assert as_admin.post(f"/admin/people/{sam.id}/active").status_code == 302
    db.session.refresh(sam)
    assert sam.active
    assert can_sign_in(app, sam, PASSWORD)
    audited("person.activated", about=sam)


def test_an_admin_cannot_deactivate_themself(as_admin, admin, person):
    person("Second Admin", roles=("employee", "admin"))  # so that "last admin" is not the reason

    response = as_admin.post(f"/admin/people/{admin.id}/active", follow_redirects=True)

    assert "cannot deactivate your own account" in messages(response)
    db.session.refresh(admin)
    assert admin.active
    assert still_signed_in(as_admin)


def test_the_last_admin_cannot_lose_the_admin_role(as_admin, admin, person):
    # A deactivated administrator does not count.
    person("Former Admin", roles=("employee", "admin"), active=False)

    response = as_admin.post(f"/admin/people/{admin.id}", data=person_form(admin, roles=["employee"]),
                             follow_redirects=True)

    assert "last active administrator" in messages(response)
    db.session.refresh(admin)
    assert "admin" in admin.roles


def test_the_last_admin_cannot_be_deactivated_even_from_the_command_line(runner, admin):
    with pytest.raises(InvalidInput, match="last active administrator"):
        accounts.set_active(SYSTEM, admin, False)
    db.session.rollback()

    result = runner.invoke(args=["users", "deactivate", admin.email])

    assert result.exit_code != 0
    assert "last active administrator" in result.output
    db.session.refresh(admin)
    assert admin.active


def test_with_a_second_admin_the_first_may_step_down(as_admin, admin, hr, person, audited):
    second = person("Second Admin", roles=("employee", "admin"))

    response = as_admin.post(f"/admin/people/{admin.id}", data=person_form(admin, roles=["employee"]))

    assert response.status_code == 302
    db.session.refresh(admin)
    assert admin.roles == {"employee"}
    audited("person.roles_changed", about=admin, viewers_now=(hr, second))
    # No longer an administrator: the account pages are closed to them at once.
    assert as_admin.get("/admin/people").status_code == 403


# -- line managers ------------------------------------------------------------------------

def test_a_manager_that_would_make_a_loop_is_refused(as_admin, person):
    top = person("Olivia Grant", roles=("employee", "manager"))
    middle = person("Priya Shah", roles=("employee", "manager"), manager=top)
    bottom = person("Marcus Webb", roles=("employee", "manager"), manager=middle)

    response = as_admin.post(f"/admin/people/{top.id}", data=person_form(top, manager=str(bottom.id)),
                             follow_redirects=True)

    assert "loop of managers" in messages(response)
    db.session.refresh(top)
    assert top.manager is None
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "person.updated")) == 0


def test_nobody_can_be_their_own_manager(as_admin, person):
    sam = person("Sam Taylor")
    response = as_admin.post(f"/admin/people/{sam.id}", data=person_form(sam, manager=str(sam.id)))
    assert response.status_code == 400
    db.session.refresh(sam)
    assert sam.manager is None
    with pytest.raises(InvalidInput, match="loop of managers"):
        accounts.update_details(SYSTEM, sam, name=sam.name, email=sam.email, job_title=None,
                                employee_number=sam.employee_number, manager=sam, org_unit=None)


# -- org units ------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["hr", "admin"])
def test_hr_and_admin_add_org_units(request, sign_in, who, audited):
    actor = request.getfixturevalue(who)
    client = sign_in(actor)
    it = org.ensure_path(SYSTEM, "Group/IT")
    db.session.commit()

    response = client.post("/admin/org-units", data={"name": " Service Desk ", "parent": str(it.id)})

    assert response.status_code == 302
    unit = org.by_path("Group/IT/Service Desk")
    assert unit is not None
    assert unit.name == "Service Desk" and unit.parent == it
    audited("org_unit.created", about=unit, by=actor)


@pytest.mark.parametrize("name, message", [("Service Desk", "already an org unit"), ("Desk/Tier 1", "cannot contain")])
def test_an_org_unit_that_exists_or_has_a_slash_in_its_name_is_not_added(as_admin, name, message):
    it = org.ensure_path(SYSTEM, "Group/IT/Service Desk").parent
    db.session.commit()
    before = db.session.scalar(select(func.count()).select_from(OrgUnit))

    response = as_admin.post("/admin/org-units", data={"name": name, "parent": str(it.id)})

    assert message in messages(response)
    assert db.session.scalar(select(func.count()).select_from(OrgUnit)) == before


@pytest.fixture
def tree(person):
    """Group/IT/Service Desk/Tier 1, a look-alike sibling Group/IT Support, and Group/Operations."""
    for path in ("Group/IT/Service Desk/Tier 1", "Group/IT Support/Desk", "Group/Operations"):
        org.ensure_path(SYSTEM, path)
    db.session.commit()
    sam = person("Sam Taylor", unit="Group/IT/Service Desk/Tier 1")
    return {u.path: u for u in org.all_units()} | {"sam": sam}


def paths() -> set[str]:
    db.session.expire_all()
    return {u.path for u in org.all_units()}


def test_renaming_a_unit_renames_the_paths_below_it_and_nothing_else(as_admin, tree, audited):
    it = tree["Group/IT"]

    response = as_admin.post(f"/admin/org-units/{it.id}", data={"name": "Technology", "parent": str(tree["Group"].id)})

    assert response.status_code == 302
    assert paths() == {"Group", "Group/Technology", "Group/Technology/Service Desk", "Group/Technology/Service Desk/Tier 1",
                       "Group/IT Support", "Group/IT Support/Desk", "Group/Operations"}
    db.session.refresh(tree["sam"])
    assert tree["sam"].org_unit.path == "Group/Technology/Service Desk/Tier 1"
    event = audited("org_unit.changed", about=it)
    assert event.data == {"from": "Group/IT", "to": "Group/Technology"}


def test_moving_a_unit_takes_the_units_below_it_along(as_admin, tree, audited):
    desk = tree["Group/IT/Service Desk"]

    response = as_admin.post(f"/admin/org-units/{desk.id}",
                             data={"name": "Service Desk", "parent": str(tree["Group/Operations"].id)})

    assert response.status_code == 302
    assert paths() == {"Group", "Group/IT", "Group/Operations", "Group/Operations/Service Desk",
                       "Group/Operations/Service Desk/Tier 1", "Group/IT Support", "Group/IT Support/Desk"}
    db.session.refresh(desk)
    assert desk.parent == tree["Group/Operations"]
    assert tree["Group/IT/Service Desk/Tier 1"].parent == desk
    audited("org_unit.changed", about=desk)


def test_a_unit_cannot_move_below_itself(as_admin, tree):
    it = tree["Group/IT"]
    before = paths()

    response = as_admin.post(f"/admin/org-units/{it.id}",
                             data={"name": "IT", "parent": str(tree["Group/IT/Service Desk/Tier 1"].id)})

    assert "cannot move under itself" in messages(response)
    assert paths() == before


def test_renaming_onto_an_existing_unit_is_refused(as_admin, tree):
    before = paths()
    response = as_admin.post(f"/admin/org-units/{tree['Group/IT'].id}",
                             data={"name": "Operations", "parent": str(tree["Group"].id)})
    assert "already an org unit" in messages(response)
    assert paths() == before


def test_only_an_empty_unit_can_be_deleted(as_admin, tree, audited):
    tier1, desk, ops = tree["Group/IT/Service Desk/Tier 1"], tree["Group/IT/Service Desk"], tree["Group/Operations"]

    with_people = as_admin.post(f"/admin/org-units/{tier1.id}/delete", follow_redirects=True)
    assert "still has 1 people" in messages(with_people)
    with_units_below = as_admin.post(f"/admin/org-units/{desk.id}/delete", follow_redirects=True)
    assert "has units below it" in messages(with_units_below)
    assert paths() >= {"Group/IT/Service Desk", "Group/IT/Service Desk/Tier 1"}

    response = as_admin.post(f"/admin/org-units/{ops.id}/delete")

    assert response.status_code == 302
    assert "Group/Operations" not in paths()
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "org_unit.deleted")).one()
    assert event.summary == "org unit Group/Operations deleted"
    audited("org_unit.deleted")


# -- the people directory --------------------------------------------------------------

@pytest.fixture
def staff(person):
    olivia = person("Olivia Grant", roles=("employee", "manager"), unit="Group/IT", job_title="Chief Information Officer")
    marcus = person("Marcus Webb", roles=("employee", "manager"), manager=olivia, unit="Group/IT/Service Desk",
                         job_title="Service Desk Manager")
    sam = person("Sam Taylor", manager=marcus, unit="Group/IT/Service Desk", job_title="Service Desk Analyst")
    mia = person("Mia Jensen", manager=marcus, unit="Group/IT/Service Desk", job_title="Service Desk Analyst")
    priya = person("Priya Shah", roles=("employee", "manager"), manager=olivia, unit="Group/IT Support",
                        job_title="Support Lead")
    raj = person("Raj Patel", manager=priya, unit="Group/IT Support", job_title="Support Engineer")
    femi = person("Femi 100% Adeyemi", unit="Group/Finance", job_title="Accountant")
    gone = person("Gone Person", manager=marcus, unit="Group/IT/Service Desk", active=False)
    return {p.name.split()[0].lower(): p for p in (olivia, marcus, sam, mia, priya, raj, femi, gone)}


def ids(*people) -> set[int]:
    return {p.id for p in people}


@pytest.mark.parametrize("q, expected", [
    ("sam", ["sam"]),
    ("TAYLOR", ["sam"]),
    ("mia.jensen", ["mia"]),
    ("service desk", ["marcus", "sam", "mia"]),
    ("100%", ["femi"]),
    ("%", ["femi"]),
    ("_", []),
    ("nobody at all", []),
])
def test_hr_searches_the_directory_by_name_email_job_title_and_employee_number(sign_in, hr, staff, q, expected):
    response = sign_in(hr).get("/people", query_string={"q": q})
    assert response.status_code == 200
    assert listed_ids(response) == ids(*(staff[name] for name in expected))


def test_hr_finds_a_person_by_employee_number(sign_in, hr, staff):
    number = staff["marcus"].employee_number
    response = sign_in(hr).get("/people", query_string={"q": number.lower()})
    assert listed_ids(response) == {staff["marcus"].id}


def test_the_org_unit_filter_includes_the_units_below_and_not_look_alikes(sign_in, hr, staff):
    it = org.by_path("Group/IT")
    response = sign_in(hr).get("/people", query_string={"unit": it.id})
    assert listed_ids(response) == ids(staff["olivia"], staff["marcus"], staff["sam"], staff["mia"])

    desk = org.by_path("Group/IT/Service Desk")
    response = sign_in(hr).get("/people", query_string={"unit": desk.id, "q": "analyst"})
    assert listed_ids(response) == ids(staff["sam"], staff["mia"])


def test_deactivated_people_are_left_out_of_the_directory_except_for_admins_who_ask(sign_in, hr, admin, staff):
    gone = staff["gone"]
    assert gone.id not in listed_ids(sign_in(hr).get("/people"))
    assert gone.id not in listed_ids(sign_in(hr).get("/people", query_string={"inactive": "1"}))
    assert gone.id in listed_ids(sign_in(admin).get("/people", query_string={"inactive": "1"}))


def test_a_manager_sees_only_their_direct_and_indirect_reports(sign_in, staff):
    everyone_below_olivia = ids(*(staff[n] for n in ("olivia", "marcus", "sam", "mia", "priya", "raj")))
    assert listed_ids(sign_in(staff["olivia"]).get("/people")) == everyone_below_olivia
    assert listed_ids(sign_in(staff["marcus"]).get("/people")) == ids(staff["marcus"], staff["sam"], staff["mia"])
    assert listed_ids(sign_in(staff["priya"]).get("/people", query_string={"q": "a"})) == ids(staff["priya"], staff["raj"])
    # Filtering by a unit does not widen what a manager sees.
    finance = org.by_path("Group/Finance")
    assert listed_ids(sign_in(staff["marcus"]).get("/people", query_string={"unit": finance.id})) == set()


# -- the audit trail ----------------------------------------------------------------------

def test_the_audit_trail_filters_by_action(as_admin, tree, person):
    person("Sam Two")
    assert as_admin.post(f"/admin/org-units/{tree['Group/Operations'].id}/delete").status_code == 302

    page = as_admin.get("/admin/audit", query_string={"action": "org_unit."}).get_data(as_text=True)

    assert "org unit Group/Operations deleted" in page
    assert "org unit Group created" in page
    assert "account created for" not in page
