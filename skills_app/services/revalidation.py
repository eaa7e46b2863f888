"""Revalidation: validated levels that expire soon, and starting again from
the previous assessment rather than from nothing.

A level is *expiring* when it is a person's current level in a skill (their
latest validated assessment, still valid) and its ``valid_until`` falls within
the window (90 days unless asked otherwise). Expired levels are no longer
current: the gap engine reports them as ``expired``.

Revalidating copies the previous assessment's claimed level (the validated
one), its self ratings and its evidence into a new draft. Evidence rows are
copied and point at the same stored files (no bytes are duplicated), marked as
carried over, so the person adds what is new and submits again.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, func, literal, or_, select, true

from skills_app import policy
from skills_app.errors import Conflict, InvalidInput, InvalidState
from skills_app.extensions import db
from skills_app.models import Assessment, DescriptorRating, Evidence, Framework, OrgUnit, Person, Skill
from skills_app.models.assessment import OPEN_STATUSES
from skills_app.models.framework import utcnow
from skills_app.services import assessments, audit, org
from skills_app.words import plural

DEFAULT_DAYS = 90
MAX_DAYS = 730
COLUMNS = ["person_id", "person", "email", "org_unit", "manager", "framework", "skill", "skill_name", "level",
           "decided_at", "valid_until", "days_left", "revalidation"]


def clean_days(value) -> int:
    if value in (None, ""):
        return DEFAULT_DAYS
    try:
        days = int(value)
    except (TypeError, ValueError):
        raise InvalidInput.on("days", f"The window is a whole number of days (1 to {MAX_DAYS}), not {value!r}.") from None
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInput.on("days", f"The window is between 1 and {MAX_DAYS} days; {days} is outside it.")
    return days


def _scope(actor, person: Person | None):
    """The people whose validations the actor asks about: one person, or everyone they may see in this list."""
    if person is not None:
        policy.require(actor, "view_person_skills", person)
        return select(literal(person.id))
    policy.require(actor, "view_revalidation")
    if actor is policy.SYSTEM or actor.has_role("hr"):
        return None
    return select(org.reports_cte(actor.id).c.id)


def expiring(actor, *, days=DEFAULT_DAYS, person: Person | None = None, now=None) -> list[dict]:
    """Current validated levels that expire within ``days``, soonest first (one query)."""
    days = clean_days(days)
    now = now or utcnow()
    until = now + timedelta(days=days)
    scope = _scope(actor, person)
    # The people in scope are filtered inside each part, so that one person's
    # page reads only their own assessments.
    if person is not None:
        mine = Assessment.person_id == person.id
    else:
        mine = Assessment.person_id.in_(scope) if scope is not None else true()
    ranked = (
        select(Assessment.id, Assessment.person_id, Assessment.skill_id, Assessment.validated_level,
               Assessment.decided_at, Assessment.valid_until,
               func.row_number().over(partition_by=(Assessment.person_id, Assessment.skill_id),
                                      order_by=(Assessment.decided_at.desc(), Assessment.id.desc())).label("rank"))
        .where(Assessment.status == "validated", Assessment.validated_level.is_not(None),
               or_(Assessment.valid_until.is_(None), Assessment.valid_until > now), mine)
        .subquery()
    )
    reopened = (select(Assessment.person_id, Assessment.skill_id, func.max(Assessment.id).label("open_id"))
                .where(Assessment.status.in_(OPEN_STATUSES), mine).group_by(Assessment.person_id, Assessment.skill_id).subquery())
    manager = Person.__table__.alias("manager")
    stmt = (
        select(ranked.c.id.label("assessment_id"), Person.id.label("person_id"), Person.name.label("person"),
               Person.email, OrgUnit.path.label("org_unit"), manager.c.name.label("manager"),
               Framework.code.label("framework"), Framework.version.label("framework_version"),
               Skill.code.label("skill"), Skill.name.label("skill_name"), ranked.c.validated_level.label("level"),
               ranked.c.decided_at, ranked.c.valid_until, reopened.c.open_id)
        .select_from(ranked)
        .join(Person, Person.id == ranked.c.person_id)
        .join(Skill, Skill.id == ranked.c.skill_id)
        .join(Framework, Framework.id == Skill.framework_id)
        .outerjoin(OrgUnit, OrgUnit.id == Person.org_unit_id)
        .outerjoin(manager, manager.c.id == Person.manager_id)
        .outerjoin(reopened, and_(reopened.c.person_id == ranked.c.person_id, reopened.c.skill_id == ranked.c.skill_id))
        .where(ranked.c.rank == 1, ranked.c.valid_until.is_not(None), ranked.c.valid_until <= until, Person.active.is_(True))
        .order_by(ranked.c.valid_until, Person.name, Person.id, Skill.code)
    )
    if scope is not None:
        stmt = stmt.where(Person.id.in_(scope))
    out = []
    for r in db.session.execute(stmt):
        row = dict(r._mapping)
        row["valid_until"] = assessments.aware(row["valid_until"])
        row["decided_at"] = assessments.aware(row["decided_at"])
        row["days_left"] = max((row["valid_until"] - now).days, 0)
        row["revalidation"] = "in progress" if row["open_id"] else "not started"
        out.append(row)
    return out


def revalidate(actor, assessment: Assessment) -> Assessment:
    """A new draft from a validated assessment: its level, ratings and evidence carried over."""
    policy.require(actor, "view_assessment", assessment)
    policy.require(actor, "revalidate", assessment)
    if assessment.status != "validated":
        raise InvalidState("Only a validated assessment can be revalidated; this one is "
                           f"{assessment.status_label.lower()}.")
    existing = assessments.open_assessment(actor, assessment.skill)
    if existing is not None:
        raise Conflict(f"You already have an open assessment of {assessment.skill.code} "
                       f"({existing.status_label.lower()}); carry on with that one.", details={"assessment_id": existing.id})
    level = assessment.validated_level or assessment.claimed_level
    if level not in assessment.skill.defined_levels:
        level = assessment.claimed_level
    new = assessments.start(actor, assessment.skill, level)
    in_view = {d.id: d for d in assessments.descriptors_in_view(new)}
    ratings = 0
    for old in assessment.ratings:
        if old.descriptor_id in in_view and old.rating:
            new.ratings.append(DescriptorRating(descriptor_id=old.descriptor_id, rating=old.rating))
            ratings += 1
    copied = 0
    for old in assessment.evidence:
        descriptors = [in_view[d.id] for d in old.descriptors if d.id in in_view]
        if not descriptors:
            continue
        new.evidence.append(Evidence(
            kind=old.kind, text=old.text, url=old.url, stored_name=old.stored_name, original_name=old.original_name,
            content_type=old.content_type, size=old.size, sha256=old.sha256, created_by_id=old.created_by_id,
            copied_from_id=old.id, descriptors=descriptors,
        ))
        copied += 1
    db.session.flush()
    audit.record(actor, "assessment.revalidation_started", new,
                 summary=f"{actor.name} started revalidating {new.skill.code} from assessment {assessment.id} "
                         f"(validated at level {assessment.validated_level}): {plural(ratings, 'rating')} and {plural(copied, 'piece of evidence')} carried over",
                 data={"from_assessment_id": assessment.id, "ratings": ratings, "evidence": copied})
    return new
