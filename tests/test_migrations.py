"""The models and the Alembic migrations agree (the suite's database is built
by the migrations, up, down and up again; see conftest.build_app)."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from skills_app.extensions import db


def test_models_and_migrations_agree(app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"the models and the migrations differ; add a revision: {diff}"


def test_database_is_at_head(app):
    from alembic.script import ScriptDirectory
    from flask_migrate import Migrate  # noqa: F401

    config = app.extensions["migrate"].migrate.get_config()
    head = ScriptDirectory.from_config(config).get_current_head()
    with db.engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == head


def test_the_requirements_of_job_roles_and_services_are_carried_into_one_table_and_back(app, load_seed_frameworks):
    """0008 moves role_requirement and service_requirement rows into requirement;
    going down moves them back, every value kept."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    from skills_app.policy import SYSTEM
    from skills_app.services import requirements

    fw = load_seed_frameworks()
    slmo, slm = fw["SFIA"].skills[0], fw["SLM"].skills[0]
    role = requirements.save_job_role(SYSTEM, None, name="Service Level Manager", description=None)
    requirements.set_role_requirement(SYSTEM, role, slmo, min_level=4, essential=True)
    requirements.set_role_requirement(SYSTEM, role, slm, min_level=2, essential=False)
    service = requirements.save_service(SYSTEM, None, name="Payroll platform", description=None)
    requirements.set_service_requirement(SYSTEM, service, slmo, min_level=3, headcount=2)
    db.session.commit()
    ids = {"role": role.id, "service": service.id, "slmo": slmo.id, "slm": slm.id}
    db.session.remove()

    def rows(sql):
        with db.engine.connect() as conn:
            return {tuple(r) for r in conn.execute(text(sql))}

    try:
        downgrade(revision="0007")
        assert rows("SELECT job_role_id, skill_id, min_level, essential FROM role_requirement") == {
            (ids["role"], ids["slmo"], 4, True), (ids["role"], ids["slm"], 2, False)}
        assert rows("SELECT service_id, skill_id, min_level, headcount FROM service_requirement") == {
            (ids["service"], ids["slmo"], 3, 2)}
    finally:
        upgrade()
    assert rows("SELECT job_role_id, service_id, skill_id, min_level, essential, headcount FROM requirement") == {
        (ids["role"], None, ids["slmo"], 4, True, 1), (ids["role"], None, ids["slm"], 2, False, 1),
        (None, ids["service"], ids["slmo"], 3, True, 2)}
    # New rows get new ids after those carried over.
    from skills_app.models import Service, Skill

    requirements.set_service_requirement(SYSTEM, db.session.get(Service, ids["service"]), db.session.get(Skill, ids["slm"]),
                                         min_level=2, headcount=1)
    db.session.commit()
    assert len({r[0] for r in rows("SELECT id FROM requirement")}) == 4


def test_duplicate_open_assessments_are_resolved_and_then_refused(app, make_person, load_seed_frameworks):
    """0012: of several open assessments of one skill by one person, the one
    furthest on is kept, an empty draft is deleted, one with content closed
    (rejected, saying why, with an audit event); then the database refuses a
    second open one."""
    import pytest
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import select
    from sqlalchemy.exc import IntegrityError

    from skills_app.models import Assessment, AuditEvent
    from skills_app.models.assessment import DescriptorRating

    slmo = load_seed_frameworks()["SFIA"].skills[0]
    person = make_person("Dee Duplicate")
    db.session.commit()
    person_id, skill_id, framework_id = person.id, slmo.id, slmo.framework_id
    descriptor_id = slmo.level(3).descriptors[0].id
    db.session.remove()
    try:
        downgrade(revision="0011")
        made = {}
        # Rows as 0011 had them (today's model has columns that came later).
        from sqlalchemy import text

        for name, status in (("empty", "draft"), ("rated", "draft"), ("submitted", "submitted"), ("done", "validated")):
            made[name] = db.session.execute(text(
                "INSERT INTO assessment (person_id, framework_id, skill_id, claimed_level, status, version, created_at, updated_at) "
                "VALUES (:p, :f, :s, 3, :status, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) RETURNING id"),
                {"p": person_id, "f": framework_id, "s": skill_id, "status": status}).scalar_one()
        db.session.add(DescriptorRating(assessment_id=made["rated"], descriptor_id=descriptor_id, rating="met"))
        db.session.commit()
        db.session.remove()
    finally:
        upgrade()
    statuses = dict(db.session.execute(select(Assessment.id, Assessment.status).where(Assessment.person_id == person_id)).all())
    assert statuses == {made["rated"]: "rejected", made["submitted"]: "submitted", made["done"]: "validated"}
    closed = db.session.get(Assessment, made["rated"])
    assert f"duplicate of assessment {made['submitted']}" in closed.decision_comment
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.entity_type == "assessment", AuditEvent.entity_id == made["rated"]))
    assert event.action == "assessment.rejected" and event.data["duplicate_of"] == made["submitted"]
    with pytest.raises(IntegrityError):
        db.session.add(Assessment(person_id=person_id, framework_id=framework_id, skill_id=skill_id, claimed_level=2, status="draft"))
        db.session.flush()
    db.session.rollback()


def test_api_and_scim_tokens_are_carried_into_one_table_and_still_authenticate(app, make_person):
    """0020 moves api_token and scim_token rows into bearer_token: each token made
    before it authenticates after it (or is refused as before: revoked, expired),
    an API token keeps its id, a SCIM token keeps its creator; going down and up
    again keeps them all."""
    from datetime import datetime, timedelta, timezone

    import pytest
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    from skills_app.models import ApiToken, Person, ScimToken
    from skills_app.policy import SYSTEM
    from skills_app.services import bearer, scim_tokens, tokens

    owner, admin = make_person("Tess Token"), make_person("Ada Admin", roles=("admin",))
    db.session.commit()
    owner_id, admin_id = owner.id, admin.id
    db.session.remove()
    now = datetime.now(timezone.utc)
    secrets = {name: f"{scheme}_{name[:8].ljust(8, 'x')}_{name}-secret" for name, scheme in
               (("live", "ska"), ("revoked", "ska"), ("expired", "ska"), ("client", "scim"), ("gone", "scim"))}
    try:
        downgrade(revision="0019")
        with db.engine.begin() as conn:
            for i, (name, expires, revoked) in enumerate((("live", now + timedelta(days=30), None),
                                                          ("revoked", now + timedelta(days=30), now),
                                                          ("expired", now - timedelta(days=1), None)), start=1):
                conn.execute(text("INSERT INTO api_token (id, person_id, name, prefix, token_hash, created_at, revoked_at, expires_at) "
                                  "VALUES (:id, :person, :name, :prefix, :hash, :now, :revoked, :expires)"),
                             {"id": i, "person": owner_id, "name": name, "prefix": name[:8], "hash": bearer.hash_token(secrets[name]),
                              "now": now, "revoked": revoked, "expires": expires})
            for i, (name, revoked) in enumerate((("client", None), ("gone", now)), start=1):
                conn.execute(text("INSERT INTO scim_token (id, name, prefix, token_hash, created_by_id, created_at, revoked_at) "
                                  "VALUES (:id, :name, :prefix, :hash, :admin, :now, :revoked)"),
                             {"id": i, "name": name, "prefix": name[:8], "hash": bearer.hash_token(secrets[name]),
                              "admin": admin_id, "now": now, "revoked": revoked})
    finally:
        upgrade()

    def authenticated():
        assert tokens.authenticate(secrets["live"]).id == owner_id
        assert tokens.authenticate(secrets["revoked"]) is None
        with pytest.raises(tokens.Refused, match="That token expired on"):
            tokens.check(secrets["expired"])
        client = scim_tokens.authenticate(secrets["client"])
        assert client.name == "client" and client.created_by_id == admin_id
        assert scim_tokens.authenticate(secrets["gone"]) is None
        # Each kind stays good only where it was: an API token is no SCIM token, and back.
        assert scim_tokens.authenticate(secrets["live"]) is None and tokens.authenticate(secrets["client"]) is None
        db.session.commit()

    authenticated()
    api_ids = {t.name: t.id for t in db.session.scalars(select_all(ApiToken))}
    assert api_ids == {"live": 1, "revoked": 2, "expired": 3}
    assert {t.name: t.id for t in db.session.scalars(select_all(ScimToken))} == {"client": 4, "gone": 5}
    # New tokens get new ids after those carried over.
    row, secret = tokens.create(SYSTEM, db.session.get(Person, owner_id), "new")
    db.session.commit()
    assert row.id == 6 and tokens.authenticate(secret).id == owner_id
    db.session.remove()
    try:
        downgrade(revision="0019")
        with db.engine.connect() as conn:
            assert {r[0] for r in conn.execute(text("SELECT name FROM api_token"))} == {"live", "revoked", "expired", "new"}
            assert {r[0] for r in conn.execute(text("SELECT name FROM scim_token"))} == {"client", "gone"}
    finally:
        upgrade()
    authenticated()


def select_all(model):
    from sqlalchemy import select

    return select(model).order_by(model.id)


def test_training_enrolments_become_goals_of_their_plans_and_back(app, make_person, load_seed_frameworks):
    """0023 turns each training_enrolment into a development goal of its plan with the same id:
    the plan's skill and target level, due at its end, agreed (dropped if withdrawn), its
    completion and the plan's resource kept; the learning pages read them as before. Going
    down turns cohort goals back into enrolments, every value kept; personal goals go."""
    from datetime import date, datetime, timezone

    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    from skills_app.models import Goal, Person, Skill, TrainingPlan
    from skills_app.policy import SYSTEM
    from skills_app.services import learning, plans

    fw = load_seed_frameworks()
    slmo = fw["SFIA"].skills[0]
    lead = make_person("Lara Lead", roles=("employee", "learning"))
    ann, bob, cat = (make_person(n) for n in ("Ann Able", "Bob Baker", "Cat Cole"))
    resource = learning.save_resource(SYSTEM, None, title="SLA course", kind="course", provider=None, url=None,
                                      duration_hours=None, description=None, skill=slmo, target_level=3)
    db.session.commit()
    ids = {"slmo": slmo.id, "lead": lead.id, "ann": ann.id, "bob": bob.id, "cat": cat.id, "resource": resource.id}
    db.session.remove()
    done = datetime(2026, 11, 2, 16, 0, tzinfo=timezone.utc)

    def rows(sql):
        with db.engine.connect() as conn:
            return {tuple(r) for r in conn.execute(text(sql))}

    try:
        downgrade(revision="0022")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO training_plan (id, name, skill_id, target_level, resource_id, starts_on, ends_on, "
                              "created_by_id, created_at) VALUES (7, 'SLMO to 3', :skill, 3, :resource, :starts, :ends, :lead, :now)"),
                         {"skill": ids["slmo"], "resource": ids["resource"], "starts": date(2026, 11, 1), "ends": date(2026, 12, 15),
                          "lead": ids["lead"], "now": done})
            for enrolment_id, who, status, completed in ((11, "ann", "enrolled", None), (12, "bob", "completed", done),
                                                         (13, "cat", "withdrawn", None)):
                conn.execute(text("INSERT INTO training_enrolment (id, plan_id, person_id, status, completed_at) "
                                  "VALUES (:id, 7, :person, :status, :completed)"),
                             {"id": enrolment_id, "person": ids[who], "status": status, "completed": completed})
    finally:
        upgrade()
    assert rows("SELECT id, plan_id, person_id, skill_id, target_level, due_on, state, agreed_by_id FROM development_goal") == {
        (11, 7, ids["ann"], ids["slmo"], 3, _date("2026-12-15"), "agreed", ids["lead"]),
        (12, 7, ids["bob"], ids["slmo"], 3, _date("2026-12-15"), "agreed", ids["lead"]),
        (13, 7, ids["cat"], ids["slmo"], 3, _date("2026-12-15"), "dropped", ids["lead"])}
    assert {(g, r, c is not None) for g, r, c in rows("SELECT goal_id, resource_id, completed_at FROM goal_resource")} == {
        (11, ids["resource"], False), (12, ids["resource"], True), (13, ids["resource"], False)}
    plan = db.session.get(TrainingPlan, 7)
    assert [(e.id, e.status) for e in plan.enrolments] == [(11, "enrolled"), (12, "completed"), (13, "withdrawn")]
    assert plan.counts() == {"enrolled": 1, "completed": 1, "withdrawn": 1}
    # The goals are the same as those made now: a validation achieves them, the learning pages change them.
    learning.set_enrolment(SYSTEM, db.session.get(Goal, 13), "enrolled")
    ann = db.session.get(Person, ids["ann"])
    mine = plans.propose(ann, ann, skill=db.session.get(Skill, ids["slmo"]), target_level=4)
    db.session.commit()
    assert mine.id == 14   # new goals get new ids after those carried over
    db.session.remove()
    try:
        downgrade(revision="0022")
        assert rows("SELECT id, plan_id, person_id, status FROM training_enrolment") == {
            (11, 7, ids["ann"], "enrolled"), (12, 7, ids["bob"], "completed"), (13, 7, ids["cat"], "enrolled")}
        assert {r[0] for r in rows("SELECT completed_at FROM training_enrolment WHERE id = 12")} != {None}
    finally:
        upgrade()
    assert {r[0] for r in rows("SELECT id FROM development_goal")} == {11, 12, 13}


def _date(value: str):
    """A date as the database gives it back (SQLite: text; PostgreSQL: a date)."""
    from datetime import date

    return value if db.engine.dialect.name == "sqlite" else date.fromisoformat(value)
