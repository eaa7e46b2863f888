"""Levels of responsibility: a person assesses theirs before their skills.

A responsibility assessment is an assessment (services/assessments.py: the same
states, evidence, review queue, service levels and audit) of a framework's
generic attributes (SFIA: autonomy, influence, complexity, knowledge, business
skills): one claimed level per attribute, validated per attribute by the
reviewer. The per-attribute levels add up to one level of responsibility, the
highest level that more than half of the attributes reach
(:func:`assessments.overall_level`). A person's **current responsibility level**
is that level of their latest validated, unexpired responsibility assessment
(of whichever framework).

A skill claimed more than one level above the current responsibility level is
*flagged*, never refused (SFIA: skills and responsibility usually, not always,
match): :func:`mismatch` gives the attribute descriptions of both levels side
by side, for the person when they claim and for the reviewer.

Functions take the acting user first, ask the policy, flush and never commit.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Integer, bindparam, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from skills_app import policy
from skills_app.errors import Conflict, InvalidInput, InvalidState, NotFound
from skills_app.extensions import db
from skills_app.models import Assessment, AttributeClaim, Framework, FrameworkAttribute, JobRole, Person
from skills_app.models.assessment import OPEN_STATUSES
from skills_app.models.framework import utcnow
from skills_app.models.requirements import person_job_role
from skills_app.services import assessments, audit

# A skill claimed this many levels or more above the responsibility level is flagged.
MISMATCH_STEP = 2


@dataclass
class CurrentResponsibility:
    level: int
    framework: str
    valid_until: datetime | None
    decided_at: datetime | None
    assessment_id: int


def framework_choices(actor) -> list[Framework]:
    """The published framework versions that describe levels of responsibility (have generic attributes)."""
    policy.require(actor, "view_frameworks")
    stmt = (select(Framework).where(Framework.status == "published",
                                    Framework.id.in_(select(FrameworkAttribute.framework_id)))
            .order_by(Framework.code, Framework.version))
    return list(db.session.scalars(stmt))


def get_framework(actor, framework_id) -> Framework:
    policy.require(actor, "view_frameworks")
    try:
        framework = db.session.get(Framework, int(framework_id))
    except (TypeError, ValueError):
        framework = None
    if framework is None:
        raise InvalidInput.on("framework_id", "Choose the framework whose levels of responsibility you assess yourself against.")
    return framework


def open_assessment(person: Person) -> Assessment | None:
    return db.session.scalar(select(Assessment).where(
        Assessment.person_id == person.id, Assessment.kind == "responsibility", Assessment.status.in_(OPEN_STATUSES)))


def start(actor, framework: Framework, level) -> Assessment:
    """A new draft responsibility assessment by the actor against ``framework``'s
    attributes, every attribute claimed at ``level`` to begin with (where it is
    described at that level)."""
    policy.require(actor, "start_assessment", actor)
    if framework.status != "published":
        raise InvalidState(f"{framework.label} is {framework.status}: only a published framework version can be assessed against.")
    if not framework.attributes:
        raise InvalidInput.on("framework_id", f"{framework.label} describes no levels of responsibility (it has no generic attributes).")
    levels = sorted({al.level for a in framework.attributes for al in a.levels})
    try:
        level = int(level)
    except (TypeError, ValueError):
        raise InvalidInput.on("level", "Choose the level you think you work at.") from None
    if level not in levels:
        raise InvalidInput.on("level", f"{framework.label}'s levels of responsibility are {', '.join(map(str, levels))}; "
                                       f"there is no level {level}.")
    existing = open_assessment(actor)
    if existing is not None:
        raise Conflict(f"You already have an open assessment of your level of responsibility ({existing.status_label.lower()}); "
                       "carry on with that one.", details={"assessment_id": existing.id})
    assessment = Assessment(person=actor, framework=framework, kind="responsibility", claimed_level=level, status="draft",
                            claims=[AttributeClaim(attribute_id=a.id, claimed_level=level) for a in framework.attributes
                                    if level in assessments.attribute_levels(a)])
    try:
        with db.session.begin_nested():
            db.session.add(assessment)
            db.session.flush()
    except IntegrityError:
        existing = open_assessment(actor)
        raise Conflict("You already have an open assessment of your level of responsibility; carry on with that one.",
                       details={"assessment_id": existing.id if existing else None}) from None
    audit.record(actor, "assessment.started", assessment,
                 summary=f"{actor.name} started a self-assessment of their level of responsibility ({framework.label}) "
                         f"at level {level}",
                 data={"from": None, "to": "draft", "claimed_level": level, "kind": "responsibility"})
    return assessment


def current_levels(person_ids) -> dict[int, CurrentResponsibility]:
    """Each person's current responsibility level: their latest validated, unexpired
    responsibility assessment, computed set-wise."""
    person_ids = list(person_ids)
    if not person_ids:
        return {}
    ranked = (
        select(Assessment.id, Assessment.person_id, Assessment.validated_level, Assessment.valid_until,
               Assessment.decided_at, Framework.code, Framework.version,
               func.row_number().over(partition_by=Assessment.person_id,
                                      order_by=(Assessment.decided_at.desc(), Assessment.id.desc())).label("rank"))
        .join(Framework, Framework.id == Assessment.framework_id)
        .where(Assessment.person_id.in_(person_ids), Assessment.kind == "responsibility",
               Assessment.status == "validated", Assessment.validated_level.is_not(None),
               or_(Assessment.valid_until.is_(None), Assessment.valid_until > utcnow()))
        .subquery()
    )
    rows = db.session.execute(select(ranked).where(ranked.c.rank == 1))
    return {r.person_id: CurrentResponsibility(r.validated_level, f"{r.code} {r.version}", assessments.aware(r.valid_until),
                                               assessments.aware(r.decided_at), r.id)
            for r in rows}


def current_level(person: Person) -> CurrentResponsibility | None:
    return current_levels([person.id]).get(person.id)


def _current_of(found: list[Assessment], person: Person) -> CurrentResponsibility | None:
    """``current_level`` of the person, from all their responsibility assessments already read:
    the latest decided (then the highest id) validated one with a level, unexpired. The statement
    decides when one of them has no decision time (NULL sorts differently in each database)."""
    now = utcnow()
    best = None
    for a in found:
        if a.status != "validated" or a.validated_level is None or (
                a.valid_until is not None and assessments.aware(a.valid_until) <= now):
            continue
        if a.decided_at is None:
            return current_level(person)
        if best is None or (assessments.aware(a.decided_at), a.id) > (assessments.aware(best.decided_at), best.id):
            best = a
    if best is None:
        return None
    return CurrentResponsibility(best.validated_level, f"{best.framework.code} {best.framework.version}",
                                 assessments.aware(best.valid_until), assessments.aware(best.decided_at), best.id)


@functools.cache
def _required_statement():
    """The levels the person's job roles state: the same statement each time (built once), their id its parameter."""
    return (select(JobRole.name, JobRole.responsibility_level)
            .join(person_job_role, person_job_role.c.job_role_id == JobRole.id)
            .where(person_job_role.c.person_id == bindparam("person_id", type_=Integer), JobRole.responsibility_level.is_not(None))
            .order_by(JobRole.responsibility_level.desc(), JobRole.name))


def required_level(person: Person) -> tuple[int | None, list[str]]:
    """The highest responsibility level the person's job roles state, and the roles that state it."""
    rows = db.session.execute(_required_statement(), {"person_id": person.id}).all()
    if not rows:
        return None, []
    top = rows[0][1]
    return top, [name for name, level in rows if level == top]


@dataclass
class ResponsibilityRow(assessments.AssessedRow):
    """My skills' row for the level of responsibility."""

    required_level: int | None = None
    required_by: list[str] = field(default_factory=list)
    current: CurrentResponsibility | None = None
    latest: Assessment | None = None
    expired: Assessment | None = None
    assessments: list[Assessment] = field(default_factory=list)

    @property
    def gap(self) -> int | None:
        if self.required_level is None or self.current is None:
            return None
        return max(self.required_level - self.current.level, 0)


def for_person(actor, person: Person) -> list[Assessment]:
    """The person's responsibility assessments, newest first."""
    policy.require(actor, "view_person_skills", person)
    stmt = (select(Assessment).where(Assessment.person_id == person.id, Assessment.kind == "responsibility")
            .options(selectinload(Assessment.framework), selectinload(Assessment.claims))
            .order_by(Assessment.created_at.desc(), Assessment.id.desc()))
    return list(db.session.scalars(stmt))


def row(actor, person: Person, *, found: list[Assessment] | None = None) -> ResponsibilityRow:
    """The level of responsibility as a row of its own: required (by job roles), validated, claimed, status.
    ``found``: all the person's assessments, newest first, as assessments.for_person read them
    already (their current level is found among them, as current_levels ranks them, not read again)."""
    if found is None:
        found = for_person(actor, person)
        current = current_level(person)
    else:
        policy.require(actor, "view_person_skills", person)
        found = [a for a in found if a.kind == "responsibility"]
        current = _current_of(found, person)
    out = ResponsibilityRow(assessments=found, latest=found[0] if found else None, current=current)
    out.required_level, out.required_by = required_level(person)
    now = utcnow()
    out.expired = next((a for a in found if a.status == "validated" and a.valid_until
                        and assessments.aware(a.valid_until) <= now), None)
    return out


# -- a skill claimed far above the responsibility level ---------------------------------

@dataclass
class Mismatch:
    """A skill claim ``claimed`` more than one level above the validated responsibility
    level ``responsibility``: per attribute, what each of the two levels asks."""

    responsibility: int
    claimed: int
    framework: str
    attributes: list[tuple[str, str | None, str | None]]  # (attribute, at the responsibility level, at the claimed level)

    @property
    def sentence(self) -> str:
        return (f"Level {self.claimed} is {self.claimed - self.responsibility} levels above your validated level of "
                f"responsibility ({self.responsibility}, {self.framework}). Skills usually match the level of responsibility; "
                "you may still claim it, with evidence that shows the responsibility too.")


def mismatch_for(person: Person, claimed_level, current: CurrentResponsibility | None = None) -> Mismatch | None:
    """The flag for ``person`` claiming a skill at ``claimed_level`` (None: no flag, or no
    validated responsibility level to compare with)."""
    try:
        claimed = int(claimed_level)
    except (TypeError, ValueError):
        return None
    current = current if current is not None else current_level(person)
    if current is None or claimed - current.level < MISMATCH_STEP:
        return None
    source = db.session.get(Assessment, current.assessment_id)
    attributes = db.session.scalars(
        select(FrameworkAttribute).where(FrameworkAttribute.framework_id == source.framework_id)
        .options(selectinload(FrameworkAttribute.levels)).order_by(FrameworkAttribute.position)).all()

    def at(attribute, level):
        return next((al.description for al in attribute.levels if al.level == level), None)

    return Mismatch(current.level, claimed, current.framework,
                    [(a.name, at(a, current.level), at(a, claimed)) for a in attributes])


def mismatch(actor, assessment: Assessment) -> Mismatch | None:
    """The flag of a skill assessment, for those who may see it."""
    policy.require(actor, "view_assessment", assessment)
    if assessment.is_responsibility:
        return None
    return mismatch_for(assessment.person, assessment.claimed_level)


def get_open_or_none(actor) -> Assessment | None:
    if not isinstance(actor, Person):
        raise NotFound("not found")
    return open_assessment(actor)
