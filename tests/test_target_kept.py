"""Explore roles, succession and the role comparisons (services/role_fit.py, through
``gaps.target_select``) read the held levels from the kept tables, as the gap rows do:
the same rows as when they were computed from the assessments, on the demo
organisation and a generated one, on SQLite and PostgreSQL. The reference is the
statement as it was, kept here."""
from __future__ import annotations

import pytest
from sqlalchemy import and_, func, literal, null, or_, select, true, union_all

from skills_app.extensions import db
from skills_app.models import Assessment, Framework, JobRole, Person, Requirement, Service, Skill
from skills_app.models.assessment import RESPONSIBILITY_CODE, RESPONSIBILITY_NAME
from skills_app.services import gaps
from tests.test_training_needs import needs_world  # noqa: F401  (the world: demo and 400 generated people)

pytestmark = pytest.mark.xdist_group("needs_world")


# -- the held-level rules computed from the assessments, as target_select read them before --------

def _responsibility(now, people=gaps._everyone):
    """Per person: the current responsibility level (latest validated, unexpired
    responsibility assessment) and when it expires, the latest claimed one, and
    whether one waits for review or only expired ones exist. Four CTEs."""
    responsibility = Assessment.kind == "responsibility"
    ranked = (
        select(Assessment.person_id, Assessment.validated_level.label("level"), Assessment.valid_until,
               func.row_number().over(partition_by=Assessment.person_id,
                                      order_by=(Assessment.decided_at.desc(), Assessment.id.desc())).label("rank"))
        .where(responsibility, Assessment.status == "validated", Assessment.validated_level.is_not(None),
               or_(Assessment.valid_until.is_(None), Assessment.valid_until > now), people(Assessment.person_id))
        .cte("ranked_responsibility")
    )
    held = select(ranked.c.person_id, ranked.c.level, ranked.c.valid_until).where(ranked.c.rank == 1).cte("responsibility_held")
    claimed = select(
        Assessment.person_id, Assessment.claimed_level,
        func.row_number().over(partition_by=Assessment.person_id,
                               order_by=(func.coalesce(Assessment.submitted_at, Assessment.created_at).desc(),
                                         Assessment.id.desc())).label("rank"),
    ).where(responsibility, people(Assessment.person_id)).cte("ranked_responsibility_claims")
    claims = select(claimed.c.person_id, claimed.c.claimed_level).where(claimed.c.rank == 1).cte("responsibility_claims")
    pending = (select(Assessment.person_id).where(responsibility, Assessment.status == "submitted", people(Assessment.person_id))
               .group_by(Assessment.person_id).cte("responsibility_pending"))
    expired = (select(Assessment.person_id)
               .where(responsibility, Assessment.status == "validated", Assessment.valid_until <= now, people(Assessment.person_id))
               .group_by(Assessment.person_id).cte("responsibility_expired"))
    return held, claims, pending, expired


def _latest_claims(people=gaps._everyone):
    ranked = select(
        Assessment.person_id, Assessment.skill_id, Assessment.claimed_level,
        func.row_number().over(
            partition_by=(Assessment.person_id, Assessment.skill_id),
            order_by=(func.coalesce(Assessment.submitted_at, Assessment.created_at).desc(), Assessment.id.desc()),
        ).label("rank"),
    ).where(people(Assessment.person_id)).cte("ranked_claims")
    return select(ranked.c.person_id, ranked.c.skill_id, ranked.c.claimed_level).where(ranked.c.rank == 1).cte("claims")


def _levels(now, people):
    """The held-level rules, per person and skill, computed from the assessments as
    CTEs: (held, effective, claims, pending, expired): the latest validated,
    unexpired level; the level that counts (directly or through a crosswalk, with
    ``via``); the latest claim; a submission waiting; an expired validation. What
    the kept tables must agree with (tests/test_target_kept.py compares them)."""
    held = gaps.held_levels(now, people)
    effective = gaps.effective_levels(held)
    claims = _latest_claims(people)
    pending = (select(Assessment.person_id, Assessment.skill_id).where(Assessment.status == "submitted", people(Assessment.person_id))
               .group_by(Assessment.person_id, Assessment.skill_id).cte("pending"))
    expired = (select(Assessment.person_id, Assessment.skill_id)
               .where(Assessment.status == "validated", Assessment.valid_until <= now, people(Assessment.person_id))
               .group_by(Assessment.person_id, Assessment.skill_id).cte("expired"))
    return held, effective, claims, pending, expired


def reference(people, *, job_role_id=None, service_id=None, every_job_role=False, now=None):
    """``gaps.target_select`` as it was: the levels computed from the assessments."""
    now = now or gaps.now_utc()
    if every_job_role:
        owner, role = Requirement.job_role_id.is_not(None), true()
    elif job_role_id is not None:
        owner, role = Requirement.job_role_id == job_role_id, JobRole.id == job_role_id
    else:
        owner, role = Requirement.service_id == service_id, None
    candidates = select(Person.id.label("person_id")).where(Person.active.is_(True), people(Person.id)).cte("candidates")
    skills_required = (
        select(candidates.c.person_id, Requirement.skill_id, Requirement.min_level.label("required_level"),
               Requirement.essential, Requirement.job_role_id, Requirement.service_id)
        .select_from(candidates).join(Requirement, true()).where(owner)
    )
    if role is None:
        reqs = skills_required.cte("target_requirements")
    else:
        responsibility_required = (
            select(candidates.c.person_id, null(), JobRole.responsibility_level, true(), JobRole.id, null())
            .select_from(candidates).join(JobRole, true()).where(role, JobRole.responsibility_level.is_not(None))
        )
        reqs = union_all(skills_required, responsibility_required).cte("target_requirements")
    held, effective, claims, pending, expired = _levels(now, people)
    via = Skill.__table__.alias("via_skill")
    required = reqs.c.required_level

    def on(cte):
        return and_(cte.c.person_id == reqs.c.person_id, cte.c.skill_id == reqs.c.skill_id)

    columns = dict(framework=Framework.code, skill=Skill.code, skill_name=Skill.name, level=effective.c.level,
                   self_level=claims.c.claimed_level, waiting=pending.c.person_id.is_not(None),
                   lapsed=expired.c.person_id.is_not(None), valid_until=held.c.valid_until)
    if role is not None:
        r_held, r_claims, r_pending, r_expired = _responsibility(now, people)

        def responsibility_of(cte):
            return and_(reqs.c.skill_id.is_(None), cte.c.person_id == reqs.c.person_id)

        columns = dict(
            framework=func.coalesce(Framework.code, literal(RESPONSIBILITY_CODE)),
            skill=func.coalesce(Skill.code, literal(RESPONSIBILITY_CODE)),
            skill_name=func.coalesce(Skill.name, literal(RESPONSIBILITY_NAME)),
            level=func.coalesce(effective.c.level, r_held.c.level),
            self_level=func.coalesce(claims.c.claimed_level, r_claims.c.claimed_level),
            waiting=or_(pending.c.person_id.is_not(None), r_pending.c.person_id.is_not(None)),
            lapsed=or_(expired.c.person_id.is_not(None), r_expired.c.person_id.is_not(None)),
            valid_until=func.coalesce(held.c.valid_until, r_held.c.valid_until),
        )
    level = columns["level"]
    stmt = (
        select(
            reqs.c.person_id, reqs.c.job_role_id, reqs.c.service_id, reqs.c.skill_id,
            columns["framework"].label("framework"), Framework.version.label("framework_version"),
            columns["skill"].label("skill"), columns["skill_name"].label("skill_name"),
            required.label("required_level"), reqs.c.essential, level.label("current_level"), via.c.code.label("via"),
            columns["self_level"].label("self_level"), gaps._gap(level, required).label("gap"),
            gaps._status(level, required, columns["waiting"], columns["lapsed"]).label("status"),
            columns["valid_until"].label("valid_until"),
        )
        .select_from(reqs)
        .outerjoin(Skill, Skill.id == reqs.c.skill_id)
        .outerjoin(Framework, Framework.id == Skill.framework_id)
        .outerjoin(effective, on(effective))
        .outerjoin(via, via.c.id == effective.c.via_skill_id)
        .outerjoin(held, on(held))
        .outerjoin(claims, on(claims))
        .outerjoin(pending, on(pending))
        .outerjoin(expired, on(expired))
    )
    if role is not None:
        stmt = (stmt.outerjoin(r_held, responsibility_of(r_held)).outerjoin(r_claims, responsibility_of(r_claims))
                .outerjoin(r_pending, responsibility_of(r_pending)).outerjoin(r_expired, responsibility_of(r_expired)))
    return stmt


def _rows(stmt) -> list[tuple]:
    def value(v):
        return v.replace(tzinfo=None) if hasattr(v, "tzinfo") and v.tzinfo is not None else v
    return sorted((tuple(value(v) for v in row) for row in db.session.execute(stmt)), key=repr)


def _sample() -> list[int]:
    """The demo's people and every tenth generated one (people with levels directly, through
    crosswalks, expired, waiting, and none)."""
    ids = list(db.session.scalars(select(Person.id).where(Person.active.is_(True)).order_by(Person.id)))
    return ids[:40] + ids[40::10]


def test_every_job_role_against_a_sample_of_people(needs_world):
    sample = _sample()

    def people(column):
        return column.in_(sample)

    found = _rows(gaps.target_select(people, every_job_role=True))
    assert found == _rows(reference(people, every_job_role=True))
    statuses = {r[14] for r in found}
    assert {"met", "below", "not_assessed"} <= statuses, statuses
    assert any(r[11] for r in found)  # a level that counts through a crosswalk (the demo maps SLM onto SLMO)


def test_one_job_role_and_each_service_against_everyone(needs_world):
    def everyone(column):
        return true()

    roles = list(db.session.scalars(select(JobRole.id).order_by(JobRole.id)))
    for role_id in roles[:3] + roles[-2:]:
        assert _rows(gaps.target_select(everyone, job_role_id=role_id)) == _rows(reference(everyone, job_role_id=role_id))
    for service_id in db.session.scalars(select(Service.id).order_by(Service.id).limit(6)):
        assert _rows(gaps.target_select(everyone, service_id=service_id)) == _rows(reference(everyone, service_id=service_id))
