"""The kept requirements and current levels (services/kept.py): every service path
that changes what they derive from leaves them as a recomputation gives them (no
drift), in the same transaction; expiry is compared when they are read; the check
command finds drift and fixes it."""
from __future__ import annotations

import textwrap
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import delete, func, select, update

from skills_app.extensions import db
from skills_app.models import Assessment, CurrentLevel, Person, PersonRequirement
from skills_app.policy import SYSTEM
from skills_app.services import assessments, crosswalks, erasure, gaps, kept, people_import, requirements
from tests.test_gaps import assess, row, world  # noqa: F401 (world: the gap tests' fixture)

NOW = datetime.now(timezone.utc)


def no_drift() -> None:
    """Committed (with nothing left to write after), and nothing differs from a recomputation."""
    db.session.commit()
    assert not kept.marks(db.session()), "a change committed without its kept rows"
    drift = kept.check(db.session())
    assert drift == [], drift[:5]


def test_the_demo_leaves_no_drift(app):
    from tests.conftest import load_demo

    load_demo()
    assert db.session.scalar(select(func.count()).select_from(PersonRequirement)) > 0
    assert db.session.scalar(select(func.count()).select_from(CurrentLevel)) > 0
    no_drift()


def test_requirement_and_assignment_changes_leave_no_drift(world, make_person):
    ann = world["person"]("Ann", service_member=True)
    bob = world["person"]("Bob")
    no_drift()
    assert {(r.skill_id, r.required_level) for r in db.session.scalars(
        select(PersonRequirement).where(PersonRequirement.person_id == ann.id))} == {
        (world["slmo"].id, 4), (world["slm"].id, 2), (world["slmo"].id, 3)}
    # A requirement raised, one added and one removed; a level of responsibility stated.
    requirements.set_role_requirement(SYSTEM, world["role"], world["slmo"], min_level=5, essential=True)
    no_drift()
    removed = next(r for r in world["role"].requirements if r.skill_id == world["slm"].id)
    requirements.remove_requirement(SYSTEM, world["role"], removed.id)
    no_drift()
    requirements.save_job_role(SYSTEM, world["role"], name=world["role"].name, description=None, responsibility_level=4)
    no_drift()
    # Assignments: the service taken from Ann, given to Bob; Bob's job role taken.
    requirements.assign(SYSTEM, ann, job_roles=[world["role"]], services=[])
    requirements.assign(SYSTEM, bob, job_roles=[], services=[world["service"]])
    no_drift()
    # In bulk, from the people list.
    cleo = make_person("Cleo")
    db.session.commit()
    requirements.assign_many(SYSTEM, [cleo.id, bob.id], f"job_role:{world['role'].id}")
    no_drift()
    requirements.assign_many(SYSTEM, [cleo.id], f"job_role:{world['role'].id}", remove=True)
    no_drift()
    # A new job role with holders, then the job role and the service deleted.
    other = requirements.save_job_role(SYSTEM, None, name="Other", description=None)
    requirements.set_role_requirement(SYSTEM, other, world["slm"], min_level=1, essential=True)
    requirements.assign(SYSTEM, cleo, job_roles=[other], services=[])
    no_drift()
    db.session.delete(other)
    db.session.delete(world["service"])
    no_drift()
    # A person deactivated keeps rows, read as not active; a person deleted takes theirs along.
    bob.active = False
    no_drift()
    assert gaps.frame(SYSTEM, gaps.Filters(person_id=bob.id)).empty
    db.session.delete(bob)
    no_drift()


def test_assessment_lifecycle_leaves_no_drift(world, make_person):
    ann = world["person"]("Ann", service_member=True)
    ann.manager = make_person("Max", roles=("employee", "manager"))
    db.session.commit()
    draft = assessments.start(ann, world["slmo"], 4)
    no_drift()
    assert row(gaps.frame(SYSTEM), ann, "SLMO", job_role="Service Level Manager")["self_level"] == 4
    assessments.save_draft(ann, draft, claimed_level=4, ratings={d.id: "met" for d in assessments.descriptors_in_view(draft)})
    assessments.add_evidence(ann, draft, descriptor_ids=[d.id for d in assessments.claimed_descriptors(draft)], text="I did it")
    assessments.save_draft(ann, draft, claimed_level=4, ratings={d.id: "met" for d in assessments.descriptors_in_view(draft)})
    assessments.submit(ann, draft)
    no_drift()
    assert row(gaps.frame(SYSTEM), ann, "SLMO", job_role="Service Level Manager")["status"] == "awaiting_review"
    assessments.decide(ann.manager, draft, outcome="approve", validated_level=4, comment="Good")
    no_drift()
    got = row(gaps.frame(SYSTEM), ann, "SLMO", job_role="Service Level Manager")
    assert (got["current_level"], got["status"]) == (4, "met")
    # An assessment's level changed and one removed outside any service (a repair by hand) are noted too.
    db.session.execute(update(Assessment).where(Assessment.id == draft.id).values(validated_level=3))
    no_drift()
    db.session.execute(delete(Assessment).where(Assessment.id == draft.id))
    no_drift()


def test_crosswalks_leave_no_drift(world):
    ann = world["person"]("Ann")
    assess(ann, world["slm"], "validated", claimed=4, validated=4)
    slm, sfia = world["slm"].framework, world["slmo"].framework
    crosswalk = crosswalks.create(SYSTEM, name="SLM onto SFIA", description=None, source=slm, target=sfia)
    crosswalks.set_skill_map(SYSTEM, crosswalk, from_code="SLM", to_code="SLMO", levels={"2": "2", "3": "3", "4": "5"})
    no_drift()
    got = row(gaps.frame(SYSTEM), ann, "SLMO", job_role="Service Level Manager")
    assert (got["current_level"], got["via"], got["status"]) == (5, "SLM", "met")
    crosswalks.set_skill_map(SYSTEM, crosswalk, from_code="SLM", to_code="SLMO", levels={"2": "2", "3": "3", "4": "3"})
    no_drift()
    assert row(gaps.frame(SYSTEM), ann, "SLMO", job_role="Service Level Manager")["current_level"] == 3
    crosswalks.delete(SYSTEM, crosswalk)
    no_drift()
    assert pd_missing(row(gaps.frame(SYSTEM), ann, "SLMO", job_role="Service Level Manager")["current_level"])


def pd_missing(value) -> bool:
    import pandas as pd

    return value is None or pd.isna(value)


def test_an_older_validation_counts_once_a_newer_one_lapses(world):
    """Expiry is compared when read: at each moment, the latest validation not lapsed."""
    ann = world["person"]("Ann")
    assess(ann, world["slmo"], "validated", claimed=5, validated=5, decided_days_ago=100, valid_for_days=700)
    assess(ann, world["slmo"], "validated", claimed=3, validated=3, decided_days_ago=10, valid_for_days=30)
    no_drift()
    assert db.session.scalar(select(func.count()).select_from(CurrentLevel).where(CurrentLevel.person_id == ann.id)) == 2

    def at(days):
        got = row(gaps.frame(SYSTEM, now=NOW + timedelta(days=days)), ann, "SLMO", job_role="Service Level Manager")
        return got["current_level"], got["status"]

    assert at(0) == (3, "below")
    assert at(25) == (5, "met")             # the newer one lapsed: the older one counts
    level, status = at(700)
    assert pd_missing(level) and status == "expired"


def test_people_import_and_erasure_leave_no_drift(world, make_person):
    csv = textwrap.dedent(f"""
        employee_number,email,name,org_unit,job_roles,services
        E1,ivy@example.org,Ivy,Acme/IT,{world['role'].name},{world['service'].name}
        E2,jon@example.org,Jon,Acme/IT,{world['role'].name},
    """).lstrip("\n")
    people_import.run(SYSTEM, csv, "people.csv")
    no_drift()
    ivy = db.session.scalar(select(Person).where(Person.email == "ivy@example.org"))
    assert db.session.scalar(select(func.count()).select_from(PersonRequirement).where(PersonRequirement.person_id == ivy.id)) == 3
    # Imported again with Ivy's service gone and Jon's job role swapped for the service.
    again = csv.replace(f"{world['role'].name},{world['service'].name}", f"{world['role'].name},").replace(
        f"Jon,Acme/IT,{world['role'].name},", f"Jon,Acme/IT,,{world['service'].name}")
    people_import.run(SYSTEM, again, "people.csv")
    no_drift()
    assess(ivy, world["slmo"], "validated", claimed=4, validated=4)
    erasure.erase(SYSTEM, ivy, confirm=ivy.email)
    no_drift()


def test_the_check_finds_drift_and_fixes_it(world, runner):
    ann = world["person"]("Ann")
    assess(ann, world["slmo"], "validated", claimed=4, validated=4)
    db.session.commit()
    # Rows changed behind the services' back.
    db.session.execute(update(CurrentLevel).where(CurrentLevel.person_id == ann.id).values(level=2))
    db.session.execute(delete(PersonRequirement).where(PersonRequirement.person_id == ann.id,
                                                       PersonRequirement.skill_id == world["slm"].id))
    db.session.commit()
    drift = kept.check(db.session())
    assert {(d.table, d.person_id, d.skill_id) for d in drift} == {
        ("current_level", ann.id, world["slmo"].id), ("person_requirement", ann.id, world["slm"].id)}
    result = runner.invoke(args=["kept", "check"])
    assert result.exit_code == 1, result.output
    assert "ann" in result.output.lower() and "expected" in result.output and "found" in result.output
    assert "2 differences for 1 people" in result.output
    result = runner.invoke(args=["kept", "check", "--fix"])
    assert result.exit_code == 0, result.output
    assert "Fixed" in result.output
    db.session.remove()
    result = runner.invoke(args=["kept", "check"])
    assert result.exit_code == 0 and "No drift" in result.output, result.output


def _key(df):
    return [(r.person_id, r.skill, r.job_role if isinstance(r.job_role, str) else "",
             r.service if isinstance(r.service, str) else "") for r in df.itertuples()]


@pytest.mark.parametrize("first", [1, 2, 64])
def test_the_gap_pages_read_from_the_next_people_walk_every_row_both_ways(world, monkeypatch, first):
    """A page is read from the rows of the next people in the order (widened when they hold too
    few): forwards and back, filtered or not, the pages hold every row of the list once, in order."""
    monkeypatch.setattr(gaps, "PEOPLE_FIRST", first)
    for i, unit in enumerate([None, "Acme/IT", "Acme/IT/SMO", "Acme/HR", None, "Acme/IT"]):
        p = world["person"](f"P{i}", unit=unit, service_member=i % 2 == 0)
        if i % 3 == 0:
            assess(p, world["slmo"], "validated", claimed=4, validated=4)
    for filters in (gaps.Filters(), gaps.Filters(status=["not_assessed"]), gaps.Filters(org_unit="Acme/IT"),
                    gaps.Filters(service=world["service"].name)):
        expected = _key(gaps.frame(SYSTEM, filters))
        assert expected
        pages, cursor = [], None
        for _ in range(40):
            found = gaps.page(SYSTEM, filters, cursor=cursor, limit=3)
            pages.append(found)
            cursor = found.next
            if cursor is None:
                break
        assert [k for p in pages for k in _key(p.items)] == expected
        assert [p.number for p in pages] == list(range(1, len(pages) + 1))
        # And back from the last page to the first.
        back, cursor = [], pages[-1].previous
        while cursor:
            found = gaps.page(SYSTEM, filters, cursor=cursor, limit=3)
            back.insert(0, found)
            cursor = found.previous
        assert [k for p in back for k in _key(p.items)] == [k for p in pages[:-1] for k in _key(p.items)]


def test_a_forged_cursor_on_the_hr_gap_page_is_refused_never_a_500(world, client, auth, make_person):
    import base64
    import json

    auth.login(make_person("Hana HR", roles=("employee", "hr")))
    world["person"]("Ann")
    db.session.commit()
    forged = [
        "nonsense",
        base64.urlsafe_b64encode(json.dumps({"k": [1, 2, "x", "", "", "", "", 0], "n": 2}).encode()).decode().rstrip("="),
        base64.urlsafe_b64encode(json.dumps({"k": ["", "Ann", 1], "n": 2}).encode()).decode().rstrip("="),
        base64.urlsafe_b64encode(json.dumps({"k": ["", "Ann", 2 ** 40, "", "", "", "", 0], "n": 2}).encode()).decode().rstrip("="),
    ]
    for cursor in forged:
        response = auth.client.get("/reports/gaps", query_string={"cursor": cursor})
        assert response.status_code in (400, 422), (cursor, response.status_code)
        assert "cursor" in response.get_data(as_text=True)


@pytest.mark.parametrize("first", [1, 64])
def test_the_hr_gap_page_and_its_next_page_issue_as_many_statements_for_more_people(app, team, monkeypatch, first):
    """Whole requests (sign-in, layout, badge), the first page and the next by keyset: as many
    statements for four people with requirements as for fourteen, however many people a page is read from."""
    from skills_app.web import reports as report_pages
    from tests.test_request_statements import _count, _grow

    monkeypatch.setattr(report_pages, "PER_PAGE", 3)
    monkeypatch.setattr(gaps, "PEOPLE_FIRST", first)
    role = requirements.save_job_role(SYSTEM, None, name="Service Desk Analyst", description=None)
    requirements.set_role_requirement(SYSTEM, role, team.slmo, min_level=3, essential=True)
    requirements.set_role_requirement(SYSTEM, role, team.slm, min_level=2, essential=False)
    db.session.commit()

    def counts():
        second = gaps.page(team.hr, gaps.Filters(), cursor=None, limit=3).next
        return [_count(app, team.hr, path) for path in ("/reports/gaps", f"/reports/gaps?cursor={second}",
                                                         "/reports/gaps?status=not_assessed")]

    _grow(team, role, 4)
    small = counts()
    _grow(team, role, 10)
    assert counts() == small


def test_the_migration_fills_the_tables_from_what_is_there_and_goes_down_and_up(app, world):
    """Down below the revision that makes the tables and up again: they are filled from the
    assessments, requirements and crosswalks already there, with no drift."""
    from alembic.script import ScriptDirectory
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect as schema

    ann = world["person"]("Ann", service_member=True)
    assess(ann, world["slmo"], "validated", claimed=5, validated=5, decided_days_ago=100, valid_for_days=700)
    assess(ann, world["slmo"], "validated", claimed=3, validated=3, decided_days_ago=10, valid_for_days=30)
    assess(ann, world["slm"], "submitted", claimed=2)
    crosswalk = crosswalks.create(SYSTEM, name="SLM onto SFIA", description=None, source=world["slm"].framework,
                                  target=world["slmo"].framework)
    crosswalks.set_skill_map(SYSTEM, crosswalk, from_code="SLM", to_code="SLMO", levels={"2": "2", "3": "3"})
    db.session.commit()
    before = gaps.frame(SYSTEM)
    ann_id = ann.id
    db.session.remove()
    script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
    made = next(r for r in script.walk_revisions() if (r.doc or "").startswith("kept requirements and current levels"))
    try:
        downgrade(revision=made.down_revision)
        with db.engine.connect() as conn:
            assert not {"person_requirement", "current_level"} & set(schema(conn).get_table_names())
    finally:
        upgrade()
    assert kept.check(db.session()) == []
    assert db.session.scalar(select(func.count()).select_from(CurrentLevel).where(CurrentLevel.person_id == ann_id)) == 5
    # SLMO: the latest validation and the older one that outlives it; SLM: the claim waiting, and the two levels
    # the crosswalk gives it backwards from SLMO's two windows.
    after = gaps.frame(SYSTEM)
    assert after.drop(columns=["valid_until"]).equals(before.drop(columns=["valid_until"]))
