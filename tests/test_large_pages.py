"""Pages that stay small in a large organisation (issue 20, item 7): a unit filter
chosen by typing its path once there are more units than a select should hold; a
framework of many skills listed with each skill on its own page; a skill's page
that reads its own descriptors only; a credential's standing read from its own
person and skill; a manager's people read by their tree."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from markupsafe import escape
from sqlalchemy import event, select

from skills_app.extensions import db
from skills_app.models import Assessment, Descriptor
from skills_app.policy import SYSTEM
from skills_app.services import accounts, credentials, org
from skills_app.web import frameworks as framework_pages
from tests.pages import statements

NOW = datetime.now(timezone.utc)


@pytest.fixture
def units(team):
    """Sam in Acme/IT/Service Desk, Pat in Acme/Ops: four units and their parents."""
    desk = org.ensure_path(SYSTEM, "Acme/IT/Service Desk")
    team.sam.org_unit = desk
    team.pat.org_unit = org.ensure_path(SYSTEM, "Acme/Ops")
    db.session.commit()
    return team


@pytest.fixture
def few_choices(monkeypatch):
    """An organisation "large" past two units."""
    monkeypatch.setattr(org, "CHOICE_LIMIT", 2)


def _people(html: str) -> list[str]:
    return re.findall(r'<a href="/people/\d+">([^<]+)</a>', html)


def test_a_small_organisation_keeps_its_select_of_units(units, sign_in):
    html = sign_in(units.manager).get("/people").get_data(as_text=True)
    assert '<select id="unit" name="unit">' in html
    assert 'name="unit_path"' not in html


def test_a_large_organisation_types_the_unit_path_with_the_top_levels_suggested(units, few_choices, sign_in):
    client = sign_in(units.manager)
    html = client.get("/people").get_data(as_text=True)
    assert '<select id="unit"' not in html
    field = re.search(r'<input id="unit" name="unit_path" list="unit-list"[^>]*>', html).group(0)
    assert 'aria-describedby="unit-hint"' in field
    assert re.search(r'<label for="unit">Org unit \(and the units below it\): its path</label>', html)
    suggested = re.findall(r'<option value="([^"]+)"></option>', re.search(r'<datalist id="unit-list">(.*?)</datalist>', html).group(1))
    assert "Acme/IT" in suggested and "Acme/IT/Service Desk" in suggested  # the top three levels
    # Typed (any case, slashes around it): the unit and those below it; the pager and the field carry it on.
    html = client.get("/people?unit_path=/acme/it/").get_data(as_text=True)
    assert _people(html) == ["Sam Subject"]
    unit = org.by_path("Acme/IT")
    assert f'value="{unit.path}"' in html
    # The same filter by id (links, the pager) still works.
    assert _people(client.get(f"/people?unit={unit.id}").get_data(as_text=True)) == ["Sam Subject"]


def test_an_unknown_unit_path_is_said_beside_its_field(units, few_choices, sign_in):
    html = sign_in(units.manager).get("/people?unit_path=Acme/Nowhere").get_data(as_text=True)
    assert re.search(r'<input id="unit" name="unit_path"[^>]*value="Acme/Nowhere"[^>]*aria-describedby="unit-hint unit-error"'
                     r'[^>]*aria-invalid="true"', html)
    assert 'id="unit-error"' in html and "No org unit has the path Acme/Nowhere." in html


def test_the_finder_takes_a_typed_unit_path_too(units, few_choices, sign_in):
    hold = dict(framework_id=units.slmo.framework_id, skill_id=units.slmo.id, claimed_level=4, status="validated",
                validated_level=4, decided_at=NOW - timedelta(days=3), valid_until=NOW + timedelta(days=300))
    for person in (units.sam, units.pat):
        db.session.add(Assessment(person_id=person.id, **hold))
    db.session.commit()
    client = sign_in(units.hr)
    html = client.get(f"/finder/?skill_1={units.slmo.id}&level_1=3&unit_path=acme/it&search=1").get_data(as_text=True)
    assert "Sam Subject" in html and "Pat Peer" not in html
    response = client.get(f"/finder/?skill_1={units.slmo.id}&level_1=3&unit_path=Acme/Nowhere&search=1")
    assert response.status_code == 400
    assert "No org unit has the path Acme/Nowhere." in response.get_data(as_text=True)


def test_a_framework_of_many_skills_lists_them_each_on_its_own_page(team, sign_in, monkeypatch):
    monkeypatch.setattr(framework_pages, "FULL_SKILLS", 0)
    client = sign_in(team.sam)
    descriptor = db.session.scalars(select(Descriptor).join(Descriptor.skill_level)
                                    .where(Descriptor.skill_level.has(skill_id=team.slmo.id))).first()
    html = client.get("/frameworks/SFIA?version=8").get_data(as_text=True)
    assert 'id="skill-SLMO"' in html and "/frameworks/SFIA/skills/SLMO?version=8" in html
    assert str(escape(descriptor.text)) not in html
    assert str(escape(descriptor.text)) in client.get("/frameworks/SFIA/skills/SLMO?version=8").get_data(as_text=True)
    monkeypatch.setattr(framework_pages, "FULL_SKILLS", 30)
    assert str(escape(descriptor.text)) in client.get("/frameworks/SFIA?version=8").get_data(as_text=True)


def test_a_skill_page_reads_its_own_descriptors_only(team, sign_in):
    client = sign_in(team.sam)
    client.get("/frameworks/SFIA/skills/SLMO?version=8")
    read: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        read.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        html = client.get("/frameworks/SFIA/skills/SLMO?version=8").get_data(as_text=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    descriptors = [s for s in read if re.search(r"FROM descriptor\b", s)]
    assert len(descriptors) == 1, descriptors
    for level in team.slmo.levels:
        for d in level.descriptors:
            assert str(escape(d.text)) in html


def test_a_credential_stands_by_its_own_person_and_skill(team):
    def validated(person, level, days_ago, valid_for=700):
        a = Assessment(person_id=person.id, framework_id=team.slmo.framework_id, skill_id=team.slmo.id, claimed_level=level,
                       status="validated", validated_level=level, decided_at=NOW - timedelta(days=days_ago),
                       valid_until=NOW - timedelta(days=days_ago) + timedelta(days=valid_for))
        db.session.add(a)
        db.session.flush()
        return a

    older, newer = validated(team.sam, 3, 200), validated(team.sam, 4, 10)
    lapsed = validated(team.pat, 5, 800)
    other = validated(team.pat, 2, 5)  # Pat's, of the same skill: ranked apart from Sam's
    db.session.commit()
    assert [credentials.revoked(a.id) for a in (older, newer, lapsed, other)] == [True, False, True, False]
    assert credentials.revoked(10**9) is True
    assert set(credentials.revoked_indexes()) >= {older.id, lapsed.id}
    assert not {newer.id, other.id} & set(credentials.revoked_indexes())


def test_a_manager_sees_themselves_and_their_tree_only(team):
    seen = set(db.session.scalars(org.visible_people(team.manager).with_only_columns(org.Person.id)))
    assert seen == {team.manager.id, team.sam.id, team.pat.id}
    seen = set(db.session.scalars(org.visible_people(team.director).with_only_columns(org.Person.id)))
    assert seen == {team.director.id, team.manager.id, team.sam.id, team.pat.id, team.other.id, team.otto.id}
    assert set(db.session.scalars(org.visible_people(team.sam).with_only_columns(org.Person.id))) == {team.sam.id}



def test_the_gap_summary_counts_without_jit_over_the_kept_tables_covering_indexes(team):
    from sqlalchemy import text

    from skills_app.services import gaps

    total, _ = gaps.summary(SYSTEM)
    assert total["requirements"] == len(gaps.frame(SYSTEM))
    if db.engine.dialect.name != "postgresql":
        return
    assert db.session.scalar(text("SHOW jit")) == "off"  # for the rest of the summary's transaction only
    db.session.rollback()
    definitions = dict(db.session.execute(text(
        "SELECT indexname, indexdef FROM pg_indexes WHERE indexname IN "
        "('ix_person_requirement_person_skill', 'ix_current_level_person_skill')")).all())
    assert definitions["ix_person_requirement_person_skill"].endswith(
        "(person_id, skill_id) INCLUDE (required_level, essential, job_role_id, service_id)")
    assert definitions["ix_current_level_person_skill"].endswith(
        "(person_id, skill_id) INCLUDE (level, held_from, valid_until, via_skill_id, self_level, pending, lapsed_at)")


# -- the account form's line manager ----------------------------------------------------

@pytest.fixture
def many_people(monkeypatch):
    """An organisation "large" past three active people (accounts.MANAGER_CHOICES)."""
    monkeypatch.setattr(accounts, "MANAGER_CHOICES", 3)


def _new_person(**changes) -> dict:
    form = {"name": "Nia Newcombe", "email": "nia.newcombe@example.com", "employee_number": "", "job_title": "Analyst",
            "org_unit": "", "roles": ["employee"], "password": "a first password"}
    form.update(changes)
    return form


def test_a_small_organisation_keeps_its_select_of_line_managers(team, sign_in):
    html = sign_in(team.admin).get("/admin/people/new").get_data(as_text=True)
    assert '<select id="manager" name="manager"' in html
    assert f'<option value="{team.manager.id}">Manny Manager &lt;{team.manager.email}&gt;</option>' in html
    assert 'name="manager_ref"' not in html


def test_a_large_organisation_types_the_line_manager_with_managers_suggested(team, many_people, sign_in):
    client = sign_in(team.admin)
    html = client.get("/admin/people/new").get_data(as_text=True)
    assert '<select id="manager"' not in html
    assert re.search(r'<label for="manager_ref">Reports to \(their line manager\)</label>', html)
    field = re.search(r'<input[^>]*id="manager_ref"[^>]*>', html).group(0)
    assert 'name="manager_ref"' in field and 'list="manager_ref-list"' in field and 'aria-describedby="manager_ref-hint"' in field
    suggested = re.findall(r'<option value="([^"]+)">', re.search(r'<datalist id="manager_ref-list">(.*?)</datalist>', html).group(1))
    assert set(suggested) == {team.director.email, team.manager.email, team.other.email}  # those with reports
    # Created with the manager typed by email (any case) ...
    response = client.post("/admin/people/new", data=_new_person(manager_ref=f" {team.manager.email.upper()} "))
    assert response.status_code == 302, response.get_data(as_text=True)
    nia = accounts.by_email("nia.newcombe@example.com")
    assert nia.manager == team.manager
    # ... edited by employee number, the page showing the manager's email.
    html = client.get(f"/admin/people/{nia.id}").get_data(as_text=True)
    assert re.search(rf'<input[^>]*id="manager_ref"[^>]*value="{re.escape(team.manager.email)}"', html)
    form = {"name": nia.name, "email": nia.email, "employee_number": "", "job_title": "Analyst", "org_unit": "",
            "roles": ["employee"], "manager_ref": team.other.employee_number}
    assert client.post(f"/admin/people/{nia.id}", data=form).status_code == 302
    db.session.refresh(nia)
    assert nia.manager == team.other
    # Emptied: no manager.
    assert client.post(f"/admin/people/{nia.id}", data=dict(form, manager_ref="")).status_code == 302
    db.session.refresh(nia)
    assert nia.manager is None


def test_an_unknown_line_manager_is_refused_beside_its_field(team, many_people, sign_in):
    client = sign_in(team.admin)
    response = client.post("/admin/people/new", data=_new_person(manager_ref="nobody@example.com"))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    field = re.search(r'<input[^>]*id="manager_ref"[^>]*>', html).group(0)
    assert 'aria-describedby="manager_ref-hint manager_ref-error"' in field and 'aria-invalid="true"' in field
    assert 'value="nobody@example.com"' in field
    assert 'id="manager_ref-error"' in html and '<a href="#manager_ref">Reports to (their line manager): ' in html
    assert "No active person has the email address or employee number nobody@example.com." in html
    assert 'value="Nia Newcombe"' in html and 'value="Analyst"' in html  # the other values kept
    assert accounts.by_email("nia.newcombe@example.com") is None
    # A deactivated person is no manager either; a loop of managers is said beside the field too.
    accounts.set_active(SYSTEM, team.otto, False)
    db.session.commit()
    sam = {"name": team.sam.name, "email": team.sam.email, "employee_number": team.sam.employee_number, "job_title": "",
           "org_unit": "", "roles": ["employee"]}
    html = client.post(f"/admin/people/{team.sam.id}", data=dict(sam, manager_ref=team.otto.email)).get_data(as_text=True)
    assert "No active person has the email address or employee number" in html
    html = client.post(f"/admin/people/{team.manager.id}", data=dict(sam, name=team.manager.name, email=team.manager.email,
                       employee_number=team.manager.employee_number, manager_ref=team.sam.email)).get_data(as_text=True)
    assert 'id="manager_ref-error"' in html and "loop of managers" in html
    db.session.refresh(team.manager)
    assert team.manager.manager == team.director


def test_the_account_pages_read_as_many_statements_for_few_people_as_for_many(team, sign_in, make_person, monkeypatch):
    client = sign_in(team.admin)
    pages = ("/admin/people/new", f"/admin/people/{team.sam.id}")
    small = [statements(client, path) for path in pages]
    monkeypatch.setattr(accounts, "MANAGER_CHOICES", 3)
    typed = [statements(client, path) for path in pages]
    for n in range(12):
        make_person(f"Extra {n}", manager=team.manager if n % 2 else team.other)
    more = [statements(client, path) for path in pages]
    assert more == typed
    assert typed == small  # the people counted, then listed or suggested


# -- the account form's org unit, and the org units page --------------------------------

def test_a_small_organisation_keeps_its_selects_of_units_on_the_admin_pages(units, sign_in):
    client = sign_in(units.admin)
    desk = org.by_path("Acme/IT/Service Desk")
    html = client.get("/admin/people/new").get_data(as_text=True)
    assert '<select id="org_unit" name="org_unit"' in html and 'name="org_unit_path"' not in html
    html = client.get("/admin/org-units").get_data(as_text=True)
    assert '<select id="parent" name="parent"' in html and 'name="parent_path"' not in html
    assert f'href="/admin/org-units/{desk.id}">Service Desk</a>' in html  # every unit in one table
    html = client.get(f"/admin/org-units/{desk.id}").get_data(as_text=True)
    assert re.search(r'<select[^>]*id="parent" name="parent"', html) and not re.search(rf'<option[^>]*value="{desk.id}"', html)


def test_a_large_organisation_types_a_persons_org_unit_with_the_top_levels_suggested(units, few_choices, sign_in):
    client = sign_in(units.admin)
    html = client.get("/admin/people/new").get_data(as_text=True)
    assert '<select id="org_unit"' not in html
    assert re.search(r'<label for="org_unit_path">Org unit</label>', html)
    field = re.search(r'<input[^>]*id="org_unit_path"[^>]*>', html).group(0)
    assert 'name="org_unit_path"' in field and 'list="org_unit_path-list"' in field
    assert 'aria-describedby="org_unit_path-hint"' in field
    suggested = re.findall(r'<option value="([^"]+)"></option>',
                           re.search(r'<datalist id="org_unit_path-list">(.*?)</datalist>', html).group(1))
    assert "Acme/IT" in suggested and "Acme/IT/Service Desk" in suggested
    # Created with the path typed (any case, slashes around it) ...
    response = client.post("/admin/people/new", data=_new_person(manager="", org_unit_path=" /acme/it/service desk/ "))
    assert response.status_code == 302, response.get_data(as_text=True)
    nia = accounts.by_email("nia.newcombe@example.com")
    assert nia.org_unit.path == "Acme/IT/Service Desk"
    # ... shown by its path, moved by another, emptied.
    html = client.get(f"/admin/people/{nia.id}").get_data(as_text=True)
    assert re.search(r'<input[^>]*id="org_unit_path"[^>]*value="Acme/IT/Service Desk"', html)
    form = {"name": nia.name, "email": nia.email, "employee_number": "", "job_title": "Analyst", "roles": ["employee"],
            "manager": "", "org_unit_path": "Acme/Ops"}
    assert client.post(f"/admin/people/{nia.id}", data=form).status_code == 302
    db.session.refresh(nia)
    assert nia.org_unit.path == "Acme/Ops"
    assert client.post(f"/admin/people/{nia.id}", data=dict(form, org_unit_path="")).status_code == 302
    db.session.refresh(nia)
    assert nia.org_unit is None


def test_an_unknown_org_unit_path_is_refused_beside_its_field_with_the_form_kept(units, few_choices, sign_in):
    client = sign_in(units.admin)
    response = client.post("/admin/people/new", data=_new_person(manager="", org_unit_path="Acme/Nowhere"))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    field = re.search(r'<input[^>]*id="org_unit_path"[^>]*>', html).group(0)
    assert 'aria-describedby="org_unit_path-hint org_unit_path-error"' in field and 'aria-invalid="true"' in field
    assert 'value="Acme/Nowhere"' in field
    assert 'id="org_unit_path-error"' in html and '<a href="#org_unit_path">Org unit: No org unit has the path Acme/Nowhere.</a>' in html
    assert 'value="Nia Newcombe"' in html and 'value="Analyst"' in html
    assert accounts.by_email("nia.newcombe@example.com") is None
    # Editing too: the person stays where they were.
    sam = {"name": units.sam.name, "email": units.sam.email, "employee_number": units.sam.employee_number,
           "job_title": "", "roles": ["employee"], "manager": str(units.manager.id), "org_unit_path": "Acme//IT"}
    response = client.post(f"/admin/people/{units.sam.id}", data=sam)
    assert response.status_code == 400 and "Type an org unit&#39;s path, such as Group/IT." in response.get_data(as_text=True)
    db.session.refresh(units.sam)
    assert units.sam.org_unit.path == "Acme/IT/Service Desk"


def _unit_rows(html: str) -> list[str]:
    return re.findall(r'<tr><td><a href="/admin/org-units/\d+">([^<]+)</a>', html)


def test_a_large_organisations_org_units_page_shows_one_level_at_a_time(units, few_choices, sign_in, make_person):
    for n in range(3):
        org.ensure_path(SYSTEM, f"Acme/IT/Team {n}")
    org.ensure_path(SYSTEM, "Beta/Team 9")
    db.session.commit()
    make_person("Tess Teamer", unit="Acme/IT/Team 1")
    client = sign_in(units.hr)
    it = org.by_path("Acme/IT")
    html = client.get("/admin/org-units").get_data(as_text=True)
    assert _unit_rows(html) == ["Acme", "Beta"]
    assert '<select id="parent"' not in html and 'name="parent_path"' in html
    html = client.get(f"/admin/org-units?unit={it.id}").get_data(as_text=True)
    assert _unit_rows(html) == ["Service Desk", "Team 0", "Team 1", "Team 2"]
    assert re.search(r'Team 1</a></td><td class="num">1</td>', html)  # its one person
    assert f'<a href="/admin/org-units?unit={org.by_path("Acme").id}">Acme</a>' in html  # the trail above
    assert re.search(r'<input[^>]*id="parent_path"[^>]*value="Acme/IT"', html)  # added here, goes under here
    # Typed (any case), and found by name at any depth below.
    assert _unit_rows(client.get("/admin/org-units?unit_path=acme/it").get_data(as_text=True))[0] == "Service Desk"
    assert _unit_rows(client.get("/admin/org-units?q=team").get_data(as_text=True)) == ["Team 0", "Team 1", "Team 2", "Team 9"]
    assert _unit_rows(client.get(f"/admin/org-units?q=team&unit={org.by_path('Beta').id}").get_data(as_text=True)) == ["Team 9"]
    html = client.get("/admin/org-units?unit_path=Acme/Nowhere").get_data(as_text=True)
    assert re.search(r'<input id="unit" name="unit_path"[^>]*value="Acme/Nowhere"[^>]*aria-invalid="true"', html)
    assert "No org unit has the path Acme/Nowhere." in html
    # Paged by keyset: the next page carries the level.
    page = org.unit_level(units.hr, it, per_page=2)
    assert [u.name for u in page.page.items] == ["Service Desk", "Team 0"] and page.page.total == 4
    assert [u.name for u in org.unit_level(units.hr, it, per_page=2, cursor=page.page.next).page.items] == ["Team 1", "Team 2"]
    html = client.get(f"/admin/org-units?unit={it.id}&cursor={page.page.next}").get_data(as_text=True)
    assert _unit_rows(html) == ["Team 1", "Team 2"]


def test_a_large_organisation_types_the_part_of_path_to_add_and_move_a_unit(units, few_choices, sign_in):
    client = sign_in(units.admin)
    response = client.post("/admin/org-units", data={"name": "Tier 2", "parent_path": "acme/it/service desk"})
    assert response.status_code == 302, response.get_data(as_text=True)
    tier2 = org.by_path("Acme/IT/Service Desk/Tier 2")
    assert tier2 is not None
    response = client.post("/admin/org-units", data={"name": "Tier 3", "parent_path": "Acme/Nowhere"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    field = re.search(r'<input[^>]*id="parent_path"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in field and 'value="Acme/Nowhere"' in field
    assert '<a href="#parent_path">Part of: No org unit has the path Acme/Nowhere.</a>' in html and 'value="Tier 3"' in html
    assert org.by_path("Acme/Nowhere/Tier 3") is None
    # Moved by its typed path, shown by it; to the top level when emptied.
    html = client.get(f"/admin/org-units/{tier2.id}").get_data(as_text=True)
    assert re.search(r'<input[^>]*id="parent_path"[^>]*value="Acme/IT/Service Desk"', html)
    assert client.post(f"/admin/org-units/{tier2.id}", data={"name": "Tier 2", "parent_path": "Acme/Ops"}).status_code == 302
    db.session.refresh(tier2)
    assert tier2.path == "Acme/Ops/Tier 2"
    response = client.post(f"/admin/org-units/{tier2.id}", data={"name": "Tier 2", "parent_path": "Acme/Nowhere"})
    assert response.status_code == 400 and 'id="parent_path-error"' in response.get_data(as_text=True)
    assert client.post(f"/admin/org-units/{tier2.id}", data={"name": "Tier 2", "parent_path": ""}).status_code == 302
    db.session.refresh(tier2)
    assert tier2.path == "Tier 2" and tier2.parent is None


def test_the_admin_unit_pages_read_as_many_statements_for_few_units_as_for_many(units, few_choices, sign_in, make_person):
    client = sign_in(units.admin)
    it = org.by_path("Acme/IT")
    pages = ("/admin/org-units", f"/admin/org-units?unit={it.id}", "/admin/org-units?q=desk",
             "/admin/people/new", f"/admin/people/{units.sam.id}", f"/admin/org-units/{it.id}")
    few = [statements(client, path) for path in pages]
    for n in range(12):
        org.ensure_path(SYSTEM, f"Acme/IT/Desk {n}/Tier {n}")
        make_person(f"Extra {n}", unit=f"Acme/IT/Desk {n}")
    db.session.commit()
    assert [statements(client, path) for path in pages] == few


def _campaign(**fields) -> dict:
    today = datetime.now(timezone.utc).date()
    return {"name": "Service desk review", "description": "", "job_role": "0", "service": "0",
            "opens_on": today.isoformat(), "due_on": (today + timedelta(days=28)).isoformat(), **fields}


def test_a_large_organisation_types_a_campaigns_org_unit(units, few_choices, sign_in):
    from skills_app.models import Campaign, CampaignTemplate

    client = sign_in(units.hr)
    html = client.get(f"/campaigns/new?person_id={units.sam.id}").get_data(as_text=True)
    assert '<select id="org_unit"' not in html
    field = re.search(r'<input[^>]*id="org_unit_path"[^>]*>', html).group(0)
    assert 'value="Acme/IT/Service Desk"' in field  # from a report's next step: the person's unit
    assert 'list="org_unit_path-list"' in field and 'aria-describedby="org_unit_path-hint"' in field
    assert "leave it empty for any org unit" in html
    # Opened with the path typed (any case, slashes around it): the unit and those below it are invited.
    response = client.post("/campaigns/new", data=_campaign(skills=[str(units.slmo.id)], org_unit_path=" acme/it/ "))
    assert response.status_code == 302, response.get_data(as_text=True)
    campaign = db.session.scalars(select(Campaign).where(Campaign.name == "Service desk review")).one()
    assert campaign.org_unit.path == "Acme/IT"
    # A template from it shows the path; saved with another; emptied, with a job role instead.
    html = client.get(f"/campaigns/templates/new?from_campaign={campaign.id}").get_data(as_text=True)
    assert re.search(r'<input[^>]*id="org_unit_path"[^>]*value="Acme/IT"', html)
    form = {"name": "Quarterly", "description": "", "skills": [str(units.slmo.id)], "org_unit_path": "Acme/Ops",
            "job_role": "0", "service": "0", "duration_days": "28"}
    assert client.post("/campaigns/templates/new", data=form).status_code == 302
    template = db.session.scalars(select(CampaignTemplate).where(CampaignTemplate.name == "Quarterly")).one()
    assert template.org_unit.path == "Acme/Ops"
    html = client.get(f"/campaigns/templates/{template.id}").get_data(as_text=True)
    assert re.search(r'<input[^>]*id="org_unit_path"[^>]*value="Acme/Ops"', html)


def test_an_unknown_campaign_unit_path_is_refused_beside_its_field_with_the_form_kept(units, few_choices, sign_in):
    from skills_app.models import Campaign

    client = sign_in(units.hr)
    response = client.post("/campaigns/new", data=_campaign(skills=[str(units.slmo.id)], org_unit_path="Acme/Nowhere",
                                                            description="Please assess by Friday."))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    field = re.search(r'<input[^>]*id="org_unit_path"[^>]*>', html).group(0)
    assert 'value="Acme/Nowhere"' in field and 'aria-invalid="true"' in field
    assert 'aria-describedby="org_unit_path-hint org_unit_path-error"' in field
    assert '<a href="#org_unit_path">Org unit (and the units below it): No org unit has the path Acme/Nowhere.</a>' in html
    assert 'value="Service desk review"' in html and "Please assess by Friday." in html
    assert re.search(rf'<option selected value="{units.slmo.id}">', html)  # the skills ticked stay ticked
    assert db.session.scalar(select(Campaign.id).where(Campaign.name == "Service desk review")) is None
    # Nobody chosen at all: the refusal is beside the typed unit, the first of the choices.
    response = client.post("/campaigns/new", data=_campaign(skills=[str(units.slmo.id)], org_unit_path=""))
    assert response.status_code == 400
    assert re.search(r'<a href="#org_unit_path">[^<]*Choose who is invited', response.get_data(as_text=True))


def test_the_org_units_page_takes_no_digit_it_cannot_read_as_a_unit(units, few_choices, sign_in):
    # '²' and '１' are digits to str.isdigit(); the first is no number to int() (it was a 500).
    client = sign_in(units.admin)
    for value in ("%C2%B2", "%EF%BC%91", "-1", "1e5", "9" * 12):
        response = client.get(f"/admin/org-units?unit={value}")
        assert response.status_code == 200, value
        assert "Acme" in response.get_data(as_text=True)  # the top level, as without a unit


def test_a_unit_whose_path_would_be_too_long_is_refused_at_its_name(units, few_choices, sign_in):
    # The path holds at most 1,000 characters: PostgreSQL refused the row with an error (a 500); SQLite kept it.
    client = sign_in(units.admin)
    parent = org.ensure_path(SYSTEM, "/".join(c * 160 for c in "ABCDE"))  # 804 characters
    db.session.commit()
    response = client.post("/admin/org-units", data={"name": "E" * 199, "parent_path": parent.path})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "can have at most 1,000 characters" in html and 'aria-invalid="true"' in html
    assert org.by_path(parent.path + "/" + "E" * 199) is None
    # Nor may a unit move (its units below it following) where a path below it would be too long.
    deep = org.ensure_path(SYSTEM, "Acme/IT/" + "F" * 199 + "/" + "G" * 199)
    db.session.commit()
    it = org.by_path("Acme/IT")
    response = client.post(f"/admin/org-units/{it.id}", data={"name": "IT", "parent_path": parent.path})
    assert response.status_code == 400
    assert "can have at most 1,000 characters" in response.get_data(as_text=True)
    db.session.expire_all()
    assert it.path == "Acme/IT" and deep.path == "Acme/IT/" + "F" * 199 + "/" + "G" * 199
    # A move that fits is made.
    response = client.post(f"/admin/org-units/{it.id}", data={"name": "IT", "parent_path": "A" * 160})
    assert response.status_code == 302
    db.session.expire_all()
    assert deep.path.startswith("A" * 160 + "/IT/")
