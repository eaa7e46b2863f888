"""Revalidation: validated levels that expire soon, and starting again from
the previous assessment rather than from nothing.

A level is *expiring* when it is a person's current level in a skill (their
latest validated assessment, still valid) and its ``valid_until`` falls within
the window (90 days unless asked otherwise). Expired levels are no longer
current: the gap engine reports them as ``expired``.

Revalidating copies the previous assessment's claimed level (the validated
one) and its self ratings into a new draft, and attaches the same evidence
items of the person's library (services/evidence_library.py) with the
descriptors they supported: no item and no file is copied. Each attachment is
marked as carried over, so the person adds what is new and submits again.
"""
from __future__ import annotations

import functools
from datetime import timedelta

from sqlalchemy import Integer, and_, bindparam, func, literal, or_, select, true

from skills_app import paging, policy
from skills_app.errors import Conflict, InvalidInput, InvalidState
from skills_app.extensions import db
from skills_app.models import Assessment, DescriptorRating, Evidence, Framework, OrgUnit, Person, Skill
from skills_app.models.assessment import OPEN_STATUSES
from skills_app.models.kept import CurrentLevel
from skills_app.models.framework import utcnow
from skills_app.services import assessments, audit, org, version_flags
from skills_app.words import plural

DEFAULT_DAYS = 90
MAX_DAYS = 730
PER_PAGE = 50
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
    if _everyone(actor):
        return None
    return select(org.reports_cte(actor.id).c.id)


def _everyone(actor) -> bool:
    """Whether the actor's list holds everyone's (HR, the system) rather than their reports'."""
    return actor is policy.SYSTEM or actor.has_role("hr")


def flagged(actor) -> list[dict]:
    """Open flags of a new framework version on the people the actor may see
    here (everyone for HR, their reports for a manager), by person."""
    policy.require(actor, "view_revalidation")
    # Everyone's (HR), or a manager's reports', by a statement built once (their id its parameter).
    if _everyone(actor):
        flags = version_flags.open_flags_of(_flags_of_everyone())
    else:
        flags = version_flags.open_flags_of(_flags_of_reports(), {"manager_id": actor.id})
    if not flags:
        return []
    people = {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_({f.person_id for f in flags}),
                                                                        Person.active.is_(True)))}
    skills = {s.id: s for s in db.session.scalars(select(Skill).where(Skill.id.in_({f.skill_id for f in flags})))}
    open_ids = {(a.person_id, a.skill_id): a.id for a in db.session.scalars(select(Assessment).where(
        Assessment.person_id.in_(list(people)), Assessment.skill_id.in_({f.to_skill_id for f in flags if f.to_skill_id}),
        Assessment.status.in_(OPEN_STATUSES)))}
    rows = [{"person_id": f.person_id, "person": people[f.person_id].name, "skill": skills[f.skill_id],
             "level": f.level, "label": f.label, "flag": f, "open_id": open_ids.get((f.person_id, f.to_skill_id))}
            for f in flags if f.person_id in people and f.skill_id in skills]
    return sorted(rows, key=lambda r: (r["person"], r["person_id"], r["skill"].code))


def _expiring_stmt(mine, now, until):
    """The statement of ``expiring``: ``mine`` the people's condition, inside each part."""
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
    return (
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


@functools.cache
def _person_expiring():
    """``_expiring_stmt`` for one person, their id, ``now`` and ``until`` as parameters: built once."""
    moment = Assessment.valid_until.type
    person_id = bindparam("person_id", type_=Integer)
    return _expiring_stmt(Assessment.person_id == person_id, bindparam("now", type_=moment),
                          bindparam("until", type_=moment)).where(Person.id == person_id)


@functools.cache
def _flags_of_everyone():
    return version_flags.flags_statement(select(Person.id))


@functools.cache
def _flags_of_reports():
    """The flags of a manager's reports (``_scope``'s, the manager's id the parameter ``manager_id``)."""
    return version_flags.flags_statement(select(org.reports_cte(bindparam("manager_id", type_=Integer)).c.id))


def expiring(actor, *, days=DEFAULT_DAYS, person: Person | None = None, now=None) -> list[dict]:
    """Current validated levels that expire within ``days``, soonest first (one query)."""
    days = clean_days(days)
    now = now or utcnow()
    until = now + timedelta(days=days)
    scope = _scope(actor, person)
    if person is not None:
        # One person's (My skills, their page): the same statement each time, built once, their id and the window its parameters.
        stmt, params = _person_expiring(), {"person_id": person.id, "now": now, "until": until}
    else:
        # The people in scope are filtered inside each part, so that one person's
        # page reads only their own assessments.
        mine = Assessment.person_id.in_(scope) if scope is not None else true()
        stmt, params = _expiring_stmt(mine, now, until), {}
        if scope is not None:
            stmt = stmt.where(Person.id.in_(scope))
    out = []
    for r in db.session.execute(stmt, params):
        row = dict(r._mapping)
        row["valid_until"] = assessments.aware(row["valid_until"])
        row["decided_at"] = assessments.aware(row["decided_at"])
        row["days_left"] = max((row["valid_until"] - now).days, 0)
        row["revalidation"] = "in progress" if row["open_id"] else "not started"
        out.append(row)
    return out


def _expiring_kept(actor, days: int, now):
    """The rows of ``expiring`` (the page's columns) read from the kept levels: the level
    that counts at ``now`` of each person and skill (``current_level``'s direct row whose
    window holds ``now``: the latest validation still valid, as ``expiring`` ranks them),
    ending within ``days``. Whether a revalidation is open is read for each row shown."""
    until = now + timedelta(days=days)
    scope = _scope(actor, None)
    manager = Person.__table__.alias("manager")
    reopened = (select(func.max(Assessment.id))
                .where(Assessment.person_id == CurrentLevel.person_id, Assessment.skill_id == CurrentLevel.skill_id,
                       Assessment.status.in_(OPEN_STATUSES))
                .scalar_subquery())
    held = and_(CurrentLevel.skill_id.is_not(None), CurrentLevel.via_skill_id.is_(None), CurrentLevel.level.is_not(None),
                CurrentLevel.valid_until > now, CurrentLevel.valid_until <= until,
                or_(CurrentLevel.held_from.is_(None), CurrentLevel.held_from <= now))
    # Counted from the index of the levels by their end alone, less those of the (few) inactive people.
    inactive = select(Person.id).where(Person.id == CurrentLevel.person_id, ~Person.active).exists()
    counted = select(func.count()).select_from(CurrentLevel).where(held, ~inactive)
    stmt = (
        select(Person.id.label("person_id"), Person.name.label("person"), Person.email, OrgUnit.path.label("org_unit"),
               manager.c.name.label("manager"), Framework.code.label("framework"),
               Framework.version.label("framework_version"), Skill.id.label("skill_id"), Skill.code.label("skill"),
               Skill.name.label("skill_name"), CurrentLevel.level, CurrentLevel.valid_until, reopened.label("open_id"))
        .select_from(CurrentLevel)
        .join(Person, Person.id == CurrentLevel.person_id)
        .join(Skill, Skill.id == CurrentLevel.skill_id)
        .join(Framework, Framework.id == Skill.framework_id)
        .outerjoin(OrgUnit, OrgUnit.id == Person.org_unit_id)
        .outerjoin(manager, manager.c.id == Person.manager_id)
        .where(held, Person.active.is_(True))
    )
    if scope is not None:
        stmt = stmt.where(Person.id.in_(scope))
        counted = counted.where(CurrentLevel.person_id.in_(scope))
    return stmt, counted


_EXPIRING_ORDER = (CurrentLevel.valid_until, Person.name, Person.id, Skill.code, Skill.id)


def expiring_page(actor, *, days=DEFAULT_DAYS, cursor: str | None = None, limit: int | None = None,
                  now=None) -> paging.Page:
    """One page of ``expiring`` (everyone's, or a manager's reports'), soonest first, by keyset
    (valid until, name, person, skill), read from the kept levels in a fixed number of
    statements whatever the window holds; ``total``: every row of the window. The rows are
    ``expiring``'s (the page's columns: not the decision's date nor the assessment)."""
    days = clean_days(days)
    now = now or utcnow()
    limit = limit or PER_PAGE
    paging.checked(cursor, _EXPIRING_ORDER)
    stmt, counted = _expiring_kept(actor, days, now)
    page = paging.of_select(stmt, _EXPIRING_ORDER, cursor=cursor, limit=limit, scalars=False,
                            key=lambda r: (r.valid_until, r.person, r.person_id, r.skill, r.skill_id))
    page.total = db.session.scalar(counted) or 0
    page.items = [_shaped(dict(r._mapping), now) for r in page.items]
    return page


def _shaped(row: dict, now) -> dict:
    row["valid_until"] = assessments.aware(row["valid_until"])
    row["days_left"] = max((row["valid_until"] - now).days, 0)
    row["revalidation"] = "in progress" if row["open_id"] else "not started"
    return row


def target_skill(assessment: Assessment) -> tuple[Skill, object | None]:
    """The skill a revalidation of this assessment is against: the new version's,
    where a new version flagged the level (services/version_flags), else its own."""
    flag = version_flags.for_assessment(assessment)
    if flag is not None and flag.to_skill_id:
        skill = db.session.get(Skill, flag.to_skill_id)
        if skill is not None:
            return skill, flag
    return assessment.skill, None


def revalidate(actor, assessment: Assessment) -> Assessment:
    """A new draft from a validated assessment: its level, ratings and evidence
    carried over. Where a new framework version flagged the level, the draft is
    of the new version's skill: ratings and evidence follow each descriptor to
    the new one in the same place (level and position), and the ratings of the
    levels the new version changed are left for the person to give again."""
    policy.require(actor, "view_assessment", assessment)
    policy.require(actor, "revalidate", assessment)
    if assessment.status != "validated":
        raise InvalidState("Only a validated assessment can be revalidated; this one is "
                           f"{assessment.status_label.lower()}.")
    if assessment.is_responsibility:
        raise InvalidState("A level of responsibility is assessed again from My level of responsibility, not revalidated.")
    skill, flag = target_skill(assessment)
    existing = assessments.open_assessment(actor, skill)
    if existing is not None:
        raise Conflict(f"You already have an open assessment of {skill.code} "
                       f"({existing.status_label.lower()}); carry on with that one.", details={"assessment_id": existing.id})
    level = assessment.validated_level or assessment.claimed_level
    if level not in skill.defined_levels:
        level = assessment.claimed_level if assessment.claimed_level in skill.defined_levels else max(
            [n for n in skill.defined_levels if n <= level] or skill.defined_levels or [level])
    new = assessments.start(actor, skill, level)
    in_view = {d.id: d for d in assessments.descriptors_in_view(new)}
    if flag is not None:
        # The old descriptor -> the new one in its place; changed levels are rated again.
        by_place = {(d.skill_level.level, d.position): d for d in in_view.values()}
        follow = {}
        for sl in assessment.skill.levels:
            for d in sl.descriptors:
                target = by_place.get((sl.level, d.position))
                if target is not None:
                    follow[d.id] = target
        rate_again = set(flag.changed_levels)
    else:
        follow, rate_again = {d_id: d for d_id, d in in_view.items()}, set()
    ratings = 0
    for old in assessment.ratings:
        target = follow.get(old.descriptor_id)
        if target is not None and old.rating and target.skill_level.level not in rate_again:
            new.ratings.append(DescriptorRating(descriptor_id=target.id, rating=old.rating))
            ratings += 1
    copied = 0
    for old in assessment.evidence:
        descriptors = list({follow[d.id].id: follow[d.id] for d in old.descriptors if d.id in follow}.values())
        if not descriptors:
            continue
        new.evidence.append(Evidence(
            # The same library item: no new item, no copy of its file.
            item=old.item, created_by_id=old.created_by_id,
            # Dated when it was given, in the earlier assessment: the page says "carried over from your
            # previous assessment (that date)", never the day of the revalidation.
            created_at=old.created_at, copied_from_id=old.id, descriptors=descriptors,
        ))
        copied += 1
    db.session.flush()
    against = f" against {new.framework.label} ({flag.label.removeprefix('Revalidate: ')})" if flag else ""
    audit.record(actor, "assessment.revalidation_started", new,
                 summary=f"{actor.name} started revalidating {new.skill.code}{against} from assessment {assessment.id} "
                         f"(validated at level {assessment.validated_level}): {plural(ratings, 'rating')} and "
                         f"{plural(copied, 'piece of evidence')} carried over",
                 data={"from_assessment_id": assessment.id, "ratings": ratings, "evidence": copied,
                       "to_framework_id": new.framework_id if flag else None})
    return new
