"""Assessments: the one domain API for self-assessment and validation.

The state machine::

    draft ──submit──▶ submitted ──decide──▶ validated | returned | rejected
                          ▲                              │
                          └──────────submit──────────────┘ (returned)

The person edits (claims a level, rates descriptors, adds evidence) while the
assessment is a draft or returned, and submits it; their direct line manager,
or HR, decides a submitted one; nobody decides their own. Every transition is
an audit event. A person's current level in a skill is their latest validated,
unexpired assessment (:func:`current_levels`); nothing else writes a level. A
validation that reaches the target of one of the person's agreed development goals
achieves it in the same transaction (services/plans.py).

A responsibility assessment (``kind`` "responsibility") goes through the same
states, evidence and review: its person claims a level per generic attribute
of a framework (``claims``) instead of rating descriptors, evidence supports
attributes instead of descriptors, and the reviewer validates a level per
attribute; the level they add up to is its claimed and validated level
(services/responsibility.py).

Functions take the acting user first, ask the policy, flush and never commit.
"""
from __future__ import annotations

import calendar
import functools
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import Integer, bindparam, case, func, literal, or_, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, lazyload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from skills_app import cache, paging, policy
from skills_app.errors import Conflict, InvalidInput, InvalidState, NotAllowed, NotFound
from skills_app.extensions import db
from skills_app.models import AuditEvent, Descriptor, Evidence, EvidenceItem, Framework, FrameworkAttribute, Person, Skill, SkillLevel
from skills_app.models.assessment import (
    OPEN_STATUSES, RATINGS, STATUS_LABELS, VERDICTS, Assessment, AttributeClaim, DescriptorRating,
)
from skills_app.models.framework import utcnow
from skills_app.reports import gaps as gap_tables
from skills_app.words import plural, verb
from skills_app.services import audit, evidence_library, evidence_store, gaps, notifications, plans, service_levels, version_flags

EDITABLE = ("draft", "returned")
MAX_TEXT = evidence_library.MAX_TEXT
MAX_URL = evidence_library.MAX_URL
# outcome -> the status it leads to
OUTCOMES = {"approve": "validated", "return": "returned", "reject": "rejected"}


# -- helpers -----------------------------------------------------------------

def aware(value: datetime | None) -> datetime | None:
    """SQLite hands datetimes back without a zone; they are all UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def add_months(moment: datetime, months: int) -> datetime:
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def _label(assessment: Assessment) -> str:
    if assessment.is_responsibility:
        return f"level of responsibility ({assessment.framework.label})"
    return f"{assessment.skill.code} {assessment.skill.name} ({assessment.framework.label})"


def overall_level(levels) -> int | None:
    """The level of responsibility a set of per-attribute levels adds up to: the
    highest level that more than half of the attributes reach (their lower median:
    3, 3, 4, 4, 5 give 4; 3, 5 give 3)."""
    levels = sorted((int(n) for n in levels if n is not None), reverse=True)
    return levels[len(levels) // 2] if levels else None


def attribute_levels(attribute: FrameworkAttribute) -> list[int]:
    """The levels an attribute is described at (those a person may claim)."""
    return [al.level for al in attribute.levels]


def _check_version(assessment: Assessment, version) -> None:
    if version is None:
        return
    try:
        version = int(version)
    except (TypeError, ValueError):
        raise InvalidInput("The form's version is not a number.") from None
    if version != assessment.version:
        raise Conflict(
            "This assessment changed while you were looking at it (someone else may have acted on it). "
            "Nothing was saved; here is the current version."
        )


def _flush() -> None:
    """Flush; a row changed by someone else since it was read is a Conflict."""
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise Conflict(
            "This assessment changed while you were looking at it (someone else may have acted on it). "
            "Nothing was saved; here is the current version."
        ) from None


def _touch(assessment: Assessment) -> None:
    """Changes to ratings and evidence bump the assessment's version too."""
    assessment.updated_at = utcnow()


def _transition(actor, assessment: Assessment, to: str, *, comment: str | None = None, data: dict | None = None) -> None:
    before = assessment.status
    assessment.status = to
    _touch(assessment)
    _flush()
    audit.record(
        actor, f"assessment.{to}", assessment,
        summary=f"{_label(assessment)} of {assessment.person.name}: {STATUS_LABELS[before].lower()} → {STATUS_LABELS[to].lower()}"
        + (f" — {comment}" if comment else ""),
        data={"from": before, "to": to, "comment": comment, **(data or {})},
    )


def _require_state(assessment: Assessment, *states: str, doing: str) -> None:
    if assessment.status not in states:
        allowed = " or ".join(STATUS_LABELS[s].lower() for s in states)
        raise InvalidState(
            f"You cannot {doing} an assessment that is {STATUS_LABELS[assessment.status].lower()}; only one that is {allowed}."
        )


# -- reading -----------------------------------------------------------------

def _load_options():
    return (
        selectinload(Assessment.ratings),
        selectinload(Assessment.evidence).selectinload(Evidence.descriptors),
        selectinload(Assessment.evidence).selectinload(Evidence.attributes),
        selectinload(Assessment.skill).selectinload(Skill.levels).selectinload(SkillLevel.descriptors),
        selectinload(Assessment.claims),
    )


def get(actor, assessment_id: int, permission: str = "view_assessment", *, fresh: bool = False) -> Assessment:
    """The assessment, if the actor may see it (else "not found") and, with
    ``permission``, do that to it (else "not allowed"). ``fresh``: read again
    from the database, as it is after this request's changes."""
    if fresh:
        db.session.expire_all()
    assessment = db.session.scalar(select(Assessment).where(Assessment.id == assessment_id).options(*_load_options()))
    if assessment is None:
        raise NotFound("no such assessment")
    policy.require_seen(actor, "view_assessment", permission, assessment)
    return assessment


def skill_choices(actor) -> list[tuple[int, str]]:
    """Every skill of every published framework version, for the 'assess a skill' form."""
    policy.require(actor, "view_frameworks")

    def read():
        rows = db.session.execute(
            select(Skill.id, Skill.code, Skill.name, Framework.code, Framework.version)
            .join(Framework).where(Framework.status == "published").order_by(Framework.code, Framework.version, Skill.position, Skill.code)
        )
        return [(sid, f"{fcode} {fversion} · {code} {name}") for sid, code, name, fcode, fversion in rows]

    # The same for everyone (the permission asked above each time): kept until the next recorded change.
    return [tuple(choice) for choice in cache.cached("assessments:skill-choices", read)]


def levels_in_view(assessment: Assessment) -> list[SkillLevel]:
    """The defined levels of the skill up to the claimed one, highest first
    (none for a responsibility assessment: its attributes are in view)."""
    if assessment.is_responsibility:
        return []
    return sorted(
        (sl for sl in assessment.skill.levels if sl.defined and sl.level <= assessment.claimed_level),
        key=lambda sl: -sl.level,
    )


def descriptors_in_view(assessment: Assessment) -> list[Descriptor]:
    return [d for sl in levels_in_view(assessment) for d in sl.descriptors]


def _descriptors_at(assessment: Assessment, level: int) -> list[Descriptor]:
    """The descriptors in view were the claimed level ``level``."""
    if assessment.is_responsibility:
        return []
    return [d for sl in assessment.skill.levels if sl.defined and sl.level <= level for d in sl.descriptors]


def evidence_out_of_view(assessment: Assessment) -> list[Evidence]:
    """Evidence whose descriptors are all above the claimed level (added before the
    person lowered their claim): still theirs, shown apart to the reviewer."""
    if assessment.is_responsibility:
        return []
    in_view = {d.id for d in descriptors_in_view(assessment)}
    return [e for e in assessment.evidence if not any(d.id in in_view for d in e.descriptors)]


def claimed_descriptors(assessment: Assessment) -> list[Descriptor]:
    if assessment.is_responsibility:
        return []
    level = assessment.skill.level(assessment.claimed_level)
    return list(level.descriptors) if level else []


def attributes_in_view(assessment: Assessment) -> list[FrameworkAttribute]:
    """A responsibility assessment's generic attributes: those of its framework, in order."""
    return list(assessment.framework.attributes) if assessment.is_responsibility else []


def _targets(assessment: Assessment) -> dict:
    """What evidence may support, by id: the descriptors in view, or the attributes."""
    if assessment.is_responsibility:
        return {a.id: a for a in attributes_in_view(assessment)}
    return {d.id: d for d in descriptors_in_view(assessment)}


def _supported(evidence: Evidence) -> list:
    return evidence.attributes if evidence.assessment.is_responsibility else evidence.descriptors


def missing_evidence(assessment: Assessment) -> list:
    """Descriptors of the claimed level that no evidence is attached to (of a
    responsibility assessment: the attributes without evidence)."""
    if assessment.is_responsibility:
        covered = {a.id for e in assessment.evidence for a in e.attributes}
        return [a for a in attributes_in_view(assessment) if a.id not in covered]
    covered = {d.id for e in assessment.evidence for d in e.descriptors}
    return [d for d in claimed_descriptors(assessment) if d.id not in covered]


def history(actor, assessment: Assessment) -> list[AuditEvent]:
    policy.require(actor, "view_assessment", assessment)
    return audit.for_entity(assessment)


def for_person(actor, person: Person, *, explained: bool = True) -> list[Assessment]:
    """Every assessment of a person, newest first, with what explains each (``explained``:
    ratings, evidence, claims, the skill's levels and the reviewer; without, their skill
    and framework only, what My skills shows of them)."""
    policy.require(actor, "view_person_skills", person)
    if not explained:
        return list(db.session.scalars(_plain_statement(), {"person_id": person.id}))
    options = (*_load_options(), selectinload(Assessment.framework), selectinload(Assessment.reviewer))
    stmt = (
        select(Assessment).where(Assessment.person_id == person.id)
        .options(*options)
        .order_by(Assessment.created_at.desc(), Assessment.id.desc())
    )
    return list(db.session.scalars(stmt))


@functools.cache
def _plain_statement():
    """``for_person`` without what explains them (their skill and framework joined): the same
    statement each time (built once), the person's id its parameter."""
    return (select(Assessment).where(Assessment.person_id == bindparam("person_id", type_=Integer))
            .options(joinedload(Assessment.skill), joinedload(Assessment.framework))
            .order_by(Assessment.created_at.desc(), Assessment.id.desc()))


def current_levels(person_ids) -> dict[tuple[int, int], CurrentLevel]:
    """Each person's current level per skill: their latest validated, unexpired
    assessment, computed set-wise. Keys are (person_id, skill_id)."""
    person_ids = list(person_ids)
    if not person_ids:
        return {}
    ranked = (
        select(
            Assessment.id, Assessment.person_id, Assessment.skill_id, Assessment.validated_level,
            Assessment.valid_until, Assessment.decided_at,
            func.row_number().over(
                partition_by=(Assessment.person_id, Assessment.skill_id),
                order_by=(Assessment.decided_at.desc(), Assessment.id.desc()),
            ).label("rank"),
        )
        .where(
            Assessment.person_id.in_(person_ids),
            Assessment.kind == "skill",
            Assessment.status == "validated",
            or_(Assessment.valid_until.is_(None), Assessment.valid_until > utcnow()),
        )
        .subquery()
    )
    rows = db.session.execute(select(ranked).where(ranked.c.rank == 1))
    return {
        (r.person_id, r.skill_id): CurrentLevel(r.validated_level, aware(r.valid_until), aware(r.decided_at), r.id)
        for r in rows
    }


def latest_valid(assessments, kind: str, now: datetime) -> dict | None:
    """Of one person's ``assessments`` (all of them, as for_person reads them), the latest
    validated, unexpired one of ``kind`` per skill (the skill id; None for the level of
    responsibility), ranked as ``current_levels`` ranks them (the latest decided, then the
    highest id). None when a validated one has no decision time: the database orders
    those (NULL sorts differently in each), so its statement is asked instead."""
    best: dict = {}
    for a in assessments:
        if a.kind != kind or a.status != "validated" or (a.valid_until is not None and aware(a.valid_until) <= now):
            continue
        if a.decided_at is None:
            return None
        held = best.get(a.skill_id)
        if held is None or (aware(a.decided_at), a.id) > (aware(held.decided_at), held.id):
            best[a.skill_id] = a
    return best


@dataclass
class CurrentLevel:
    level: int
    valid_until: datetime | None
    decided_at: datetime | None
    assessment_id: int


class AssessedRow:
    """What a row of My skills says from its assessments (``latest``, ``current``,
    ``expired``): the self-assessed level and the status."""

    latest: Assessment | None
    current: object | None
    expired: Assessment | None

    @property
    def self_level(self) -> int | None:
        return self.latest.claimed_level if self.latest else None

    @property
    def standing(self) -> str:
        """What decides the row: ``open`` (the latest assessment is in progress),
        ``validated`` (a level is held), ``expired``, ``closed`` (the latest was
        decided without a level held), or ``none``."""
        if self.latest and self.latest.is_open:
            return "open"
        if self.current:
            return "validated"
        if self.expired:
            return "expired"
        return "closed" if self.latest else "none"

    @property
    def status(self) -> str:
        standing = self.standing
        if standing in ("open", "closed"):
            return self.latest.status_label
        return {"validated": "Validated", "expired": "Expired"}.get(standing, "Not assessed")


@dataclass
class SkillRow(AssessedRow):
    skill: Skill
    framework: Framework
    required_level: int | None = None
    current: CurrentLevel | None = None
    latest: Assessment | None = None
    expired: Assessment | None = None
    assessments: list[Assessment] = field(default_factory=list)
    gap_status: str | None = None
    # An open flag of a new framework version on this skill (services/version_flags): "Revalidate: SLM 2 changed level 3".
    flag: object | None = None
    via: str | None = None
    via_level: int | None = None
    required_by: list[str] = field(default_factory=list)

    @property
    def gap(self) -> int | None:
        if self.required_level is None:
            return None
        level = self.current.level if self.current else self.via_level
        return None if level is None else max(self.required_level - level, 0)

    @property
    def status_code(self) -> str:
        """The status as a code: the gap engine's where the skill is required
        (met, below, not_assessed, expired, awaiting_review), else the state of
        the person's assessments (validated, expired, draft, awaiting_review,
        returned, rejected, not_assessed)."""
        if self.gap_status:
            return self.gap_status
        standing = self.standing
        if standing == "open" and self.latest.status == "submitted":
            return "awaiting_review"
        if standing in ("open", "closed"):
            return self.latest.status
        return "not_assessed" if standing == "none" else standing

    @property
    def current_level(self) -> int | None:
        """The level that counts: held directly, else through a crosswalk."""
        return self.current.level if self.current else self.via_level


def skill_rows(actor, person: Person, *, explained: bool = True, assessments: list[Assessment] | None = None) -> list[SkillRow]:
    """My skills: every skill the person has assessed, with required (none until
    job roles exist), current and self-assessed level, status and validity.
    ``explained``: each row's assessments with what explains them (for_person);
    ``assessments``: the person's, as for_person read them already."""
    if assessments is None:
        assessments = for_person(actor, person, explained=explained)
    now = utcnow()
    # The current levels from the assessments read (current_levels' ranking), not read again.
    held = latest_valid(assessments, "skill", now)
    if held is None:
        current = current_levels([person.id])
    else:
        current = {(person.id, skill_id): CurrentLevel(a.validated_level, aware(a.valid_until), aware(a.decided_at), a.id)
                   for skill_id, a in held.items()}
    rows: dict[int, SkillRow] = {}
    for a in sorted(assessments, key=lambda a: (aware(a.created_at), a.id)):
        if a.is_responsibility:
            continue  # a row of its own (services/responsibility.my_row)
        row = rows.setdefault(a.skill_id, SkillRow(skill=a.skill, framework=a.framework))
        row.assessments.insert(0, a)
        row.latest = a
        if a.status == "validated" and a.valid_until and aware(a.valid_until) <= now:
            row.expired = a
    # The skills the person's job roles and services require, from the gap engine:
    # the highest level any of them asks, and whether a crosswalk meets it.
    required = _required(actor, person)
    if required:
        missing = {rec["skill_id"] for rec in required} - set(rows)
        if missing:
            stmt = select(Skill).options(joinedload(Skill.framework)).where(Skill.id.in_(missing))
            for skill in db.session.scalars(stmt):
                rows[skill.id] = SkillRow(skill=skill, framework=skill.framework)
        for rec in required:
            row = rows[rec["skill_id"]]
            row.required_level = rec["required_level"]
            row.gap_status = rec["status"]
            row.via, row.via_level = rec["via"], rec["current_level"]
            row.required_by.append(rec["job_role"] or f"{rec['service']} (service)")
    flags = version_flags.by_skill(version_flags.open_flags([person.id]))
    for skill_id, row in rows.items():
        row.current = current.get((person.id, skill_id))
        row.flag = flags.get((person.id, skill_id))
    return sorted(rows.values(), key=_skill_row_key)


def _required(actor, person: Person) -> list[dict]:
    """The person's gap rows of a skill (the level of responsibility is a row of its own),
    by the level required, as records: kept (cache.py) until the next recorded change or
    the first moment one of the person's levels starts or stops counting."""
    now = gaps.now_utc()

    def read():
        found = gaps.frame(actor, gaps.Filters(person_id=person.id), now=now)
        found = found[found["skill_id"].notna()]
        columns = ["skill_id", "required_level", "status", "via", "current_level", "job_role", "service"]
        return (gap_tables.rows(found.sort_values("required_level"), columns) if len(found) else []), gaps.next_change(now, person.id)

    return cache.cached_until(gaps.cache_key(actor, "person-required", gaps.Filters(person_id=person.id)), read, now)


def _skill_row_key(row) -> tuple:
    return row.required_level is None, row.framework.code, row.framework.version, row.skill.code, row.skill.id


def skill_rows_page(actor, person: Person, *, cursor: str | None, limit: int) -> paging.Page:
    """A page of skill_rows."""
    return paging.of_list(skill_rows(actor, person), _skill_row_key, cursor=cursor, limit=limit)


def review_queue(actor) -> list[Assessment]:
    """Submitted assessments the actor may decide: direct reports' (and everyone's, for HR)."""
    policy.require(actor, "review_queue")
    stmt = _with_queue_rows(_queue_stmt(actor)).order_by(*_queue_order())
    return [a for a in db.session.scalars(stmt) if policy.can(actor, "decide_assessment", a)]


@dataclass
class QueuePage:
    """A page of the review queue, and how many of the whole queue are overdue."""

    page: paging.Page
    overdue: int


QUEUE_PAGE = 50
# The queue's order, the soonest due first (none due last), then the earliest submitted, as
# columns that never hold NULL (a keyset compares values; NULL compares to nothing).
_NEVER = datetime(9999, 12, 31, tzinfo=timezone.utc)


def _queue_order():
    return (func.coalesce(Assessment.due_at, literal(_NEVER, Assessment.due_at.type)),
            func.coalesce(Assessment.submitted_at, literal(_NEVER, Assessment.submitted_at.type)), Assessment.id)


def _queue_key(a: Assessment) -> tuple:
    return a.due_at or _NEVER, a.submitted_at or _NEVER, a.id


def _with_queue_rows(stmt):
    """What a row of the queue shows, read with the rows in the same statement (each a
    many-to-one, joined: one row an assessment). The roles of the people a row names are
    read when asked for (none of the queue's pages asks), not with every row."""
    return stmt.options(*_QUEUE_ROWS)


_QUEUE_ROWS = (
    joinedload(Assessment.person).joinedload(Person.org_unit),
    joinedload(Assessment.person).lazyload(Person.role_rows),
    joinedload(Assessment.person).joinedload(Person.manager).lazyload(Person.role_rows),
    joinedload(Assessment.assigned_reviewer).lazyload(Person.role_rows),
    joinedload(Assessment.skill), joinedload(Assessment.framework),
)


def review_queue_page(actor, *, cursor: str | None, limit: int = QUEUE_PAGE) -> QueuePage:
    """A page of ``review_queue`` (keyset, in its order), the queue's total and how many of
    it are overdue (one statement), its rows and what they show read in a fixed number of
    statements whatever the queue's length. A cursor this application did not give is
    refused as invalid input."""
    policy.require(actor, "review_queue")
    if cursor is not None:
        paging.checked(cursor, _queue_order())
    # The statements are the same for every reviewer (one pair for HR, one for the others), built once:
    # the reviewer's id and the moment their parameters.
    counted, first = _queue_statements(actor.has_role("hr"), limit)
    params = {"actor_id": actor.id, "now": utcnow()}
    total, overdue = db.session.execute(counted, params).one()
    if cursor is None:
        page = paging.of_rows(list(db.session.scalars(first, params)), _queue_key, limit=limit)
    else:
        page = paging.of_select(_with_queue_rows(_queue_stmt(actor)), _queue_order(), cursor=cursor, limit=limit, key=_queue_key)
    page.items = [a for a in page.items if policy.can(actor, "decide_assessment", a)]
    page.total = total
    return QueuePage(page, overdue or 0)


@functools.cache
def _queue_statements(hr: bool, limit: int):
    """The queue's count (and how many are overdue at ``now``) and its first page (in the queue's
    order, ``limit`` and one more, as paging.of_select reads it), for the reviewer ``actor_id``."""
    stmt = _queue_select(bindparam("actor_id", type_=Integer), hr)
    queue = stmt.subquery()
    now = bindparam("now", type_=Assessment.due_at.type)
    counted = select(func.count(), func.count(case((queue.c.due_at <= now, 1)))).select_from(queue)
    first = _with_queue_rows(stmt).order_by(*[c.asc() for c in _queue_order()]).limit(limit + 1)
    return counted, first


def _queue_stmt(actor):
    return _queue_select(actor.id, actor.has_role("hr"))


def _queue_select(actor_id, hr: bool):
    stmt = select(Assessment).where(Assessment.status == "submitted", Assessment.person_id != actor_id)
    if not hr:
        # The line manager's, unless HR reassigned the review (then the assigned reviewer's): the ids
        # of the two as indexed lookups (as queue_count), where an OR across the two columns read
        # every submitted assessment (107 ms at 100,000 people, 35,157 waiting).
        submitted = Assessment.status == "submitted"
        mine = union_all(
            select(Assessment.id).where(submitted, Assessment.assigned_reviewer_id == actor_id),
            select(Assessment.id).join(Person, Assessment.person_id == Person.id)
            .where(submitted, Person.manager_id == actor_id, Assessment.assigned_reviewer_id.is_(None)),
        )
        stmt = stmt.where(Assessment.id.in_(mine))
    return stmt


def queue_count(actor) -> int:
    """How many reviews wait for the actor (the badge on every page): the rows of
    ``_queue_stmt``, and the development goals waiting for the actor's agreement
    (``plans.waiting_for``, which the Reviews page lists too), counted as indexed
    lookups in one statement (:func:`queue_count_stmt`)."""
    if not policy.can(actor, "review_queue"):
        return 0
    return db.session.scalar(queue_count_stmt(actor.has_role("hr")), {"me": actor.id}) or 0


@functools.cache
def queue_count_stmt(hr: bool):
    """:func:`queue_count`'s statement, for HR or for another reviewer, built once (the reviewer
    is its parameter ``me``). For HR, every submitted assessment (the status index) less their
    own; for a reviewer, the UNION of those assigned to them (the assigned reviewer's index)
    and their reports' that nobody was assigned (the manager's index, then the person's
    assessments): two sets that cannot overlap, where an OR across the two columns would read
    every submitted assessment. The goals are proposed ones (the state index), their people's
    reports for a line manager."""
    me = bindparam("me", type_=Integer)
    submitted = Assessment.status == "submitted"
    goals = plans.waiting_ids_of(me, hr=hr)
    if hr:
        everyone = select(func.count()).select_from(Assessment).where(submitted).scalar_subquery()
        own = select(func.count()).select_from(Assessment).where(submitted, Assessment.person_id == me).scalar_subquery()
        waiting = select(func.count()).select_from(goals.subquery()).scalar_subquery()
        return select(everyone - own + waiting)
    assigned = select(Assessment.id).where(submitted, Assessment.assigned_reviewer_id == me, Assessment.person_id != me)
    reports = (select(Assessment.id).join(Person, Assessment.person_id == Person.id)
               .where(submitted, Person.manager_id == me, Assessment.assigned_reviewer_id.is_(None), Assessment.person_id != me))
    return select(func.count()).select_from(union_all(assigned, reports, goals).subquery())


# -- the person's actions ----------------------------------------------------------

def _check_level(skill: Skill, level) -> int:
    try:
        level = int(level)
    except (TypeError, ValueError):
        raise InvalidInput("Choose the level to claim.") from None
    if level not in skill.defined_levels:
        levels = ", ".join(str(n) for n in skill.defined_levels) or "none"
        raise InvalidInput(f"{skill.code} is not defined at level {level}; the levels it defines are {levels}.")
    return level


def open_assessment(person: Person, skill: Skill) -> Assessment | None:
    stmt = select(Assessment).where(
        Assessment.person_id == person.id, Assessment.skill_id == skill.id,
        Assessment.framework_id == skill.framework_id, Assessment.status.in_(OPEN_STATUSES),
    )
    return db.session.scalar(stmt)


def start(actor, skill: Skill, claimed_level) -> Assessment:
    """A new draft self-assessment of one skill by the actor."""
    policy.require(actor, "start_assessment", actor)
    if skill.framework.status != "published":
        # A draft may still change under the assessment; a retired version is no longer assessed against.
        raise InvalidState(f"{skill.framework.label} is {skill.framework.status}: only a published framework version can be assessed against.")
    level = _check_level(skill, claimed_level)
    existing = open_assessment(actor, skill)
    if existing is not None:
        raise Conflict(
            f"You already have an open assessment of {skill.code} ({existing.status_label.lower()}); carry on with that one.",
            details={"assessment_id": existing.id},
        )
    assessment = Assessment(person=actor, framework_id=skill.framework_id, skill=skill, claimed_level=level, status="draft")
    try:
        with db.session.begin_nested():
            db.session.add(assessment)
            db.session.flush()
    except IntegrityError:
        # Started at the same moment by another request (a double click): the database
        # holds one open assessment per person and skill; that one is theirs.
        existing = open_assessment(actor, skill)
        raise Conflict(
            f"You already have an open assessment of {skill.code}; carry on with that one.",
            details={"assessment_id": existing.id if existing else None},
        ) from None
    audit.record(actor, "assessment.started", assessment,
                 summary=f"{actor.name} started a self-assessment of {_label(assessment)} at level {level}",
                 data={"from": None, "to": "draft", "claimed_level": level})
    return assessment


def save_draft(actor, assessment: Assessment, *, claimed_level=None, ratings: dict[int, str] | None = None,
               claims: dict[int, object] | None = None, version=None) -> bool:
    """Claim a level and rate descriptors (while a draft or returned); of a
    responsibility assessment, claim a level per attribute (``claims``: attribute
    id -> level). Saving what is already saved changes nothing (a repeated request
    is harmless, even with the version it was sent with); returns whether anything
    changed."""
    policy.require(actor, "edit_assessment", assessment)
    _require_state(assessment, *EDITABLE, doing="edit")
    if assessment.is_responsibility:
        return _save_claims(actor, assessment, claims or {}, version)
    ratings = ratings or {}
    level = _check_level(assessment.skill, claimed_level)
    in_view = {d.id for d in _descriptors_at(assessment, level)}
    wanted: dict[int, str] = {}
    for descriptor_id, value in ratings.items():
        if descriptor_id not in in_view or not value:
            continue
        if value not in RATINGS:
            raise InvalidInput(f"{value!r} is not a rating; use one of {', '.join(RATINGS)}.")
        row = assessment.rating_for(descriptor_id)
        if row is None or row.rating != value:
            wanted[descriptor_id] = value
    if level == assessment.claimed_level and not wanted:
        return False
    _check_version(assessment, version)
    changes = {}
    if level != assessment.claimed_level:
        changes["claimed_level"] = [assessment.claimed_level, level]
        assessment.claimed_level = level
    for descriptor_id, value in wanted.items():
        row = assessment.rating_for(descriptor_id)
        if row is None:
            assessment.ratings.append(DescriptorRating(descriptor_id=descriptor_id, rating=value))
        else:
            row.rating = value
    _touch(assessment)
    _flush()
    # Ratings saved as they are ticked: one history line for a run of them, not one per tick.
    last = audit.latest_for_entity(assessment)
    if changes or last is None or last.action != "assessment.saved" or last.actor_id != getattr(actor, "id", None):
        audit.record(actor, "assessment.saved", assessment, summary=f"draft of {_label(assessment)} saved",
                     data={"changes": changes, "ratings": len(wanted)})
    return True


def _clean_attribute_levels(assessment: Assessment, levels: dict, *, field: str, doing: str) -> dict[int, int]:
    """{attribute id: level} with every id an attribute of the assessment and every
    level one the attribute is described at; empty values left out."""
    attributes = {a.id: a for a in attributes_in_view(assessment)}
    clean = {}
    for attribute_id, value in (levels or {}).items():
        attribute = attributes.get(int(attribute_id)) if str(attribute_id).isdigit() else None
        if attribute is None or value in (None, ""):
            continue
        try:
            level = int(value)
        except (TypeError, ValueError):
            raise InvalidInput.on(f"{field}.{attribute.id}", f"Choose a level {doing} {attribute.name}.") from None
        if level not in attribute_levels(attribute):
            described = ", ".join(str(n) for n in attribute_levels(attribute)) or "none"
            raise InvalidInput.on(f"{field}.{attribute.id}",
                                  f"{attribute.name} is not described at level {level}; its levels are {described}.")
        clean[attribute.id] = level
    return clean


def _save_claims(actor, assessment: Assessment, claims: dict, version) -> bool:
    wanted = {aid: level for aid, level in _clean_attribute_levels(assessment, claims, field="claims", doing="to claim for").items()
              if (assessment.claim_for(aid).claimed_level if assessment.claim_for(aid) else None) != level}
    if not wanted:
        return False
    _check_version(assessment, version)
    for attribute_id, level in wanted.items():
        claim = assessment.claim_for(attribute_id)
        if claim is None:
            assessment.claims.append(AttributeClaim(attribute_id=attribute_id, claimed_level=level))
        else:
            claim.claimed_level = level
    before = assessment.claimed_level
    assessment.claimed_level = overall_level(c.claimed_level for c in assessment.claims) or before
    _touch(assessment)
    _flush()
    last = audit.latest_for_entity(assessment)
    changes = {"claimed_level": [before, assessment.claimed_level]} if before != assessment.claimed_level else {}
    if changes or last is None or last.action != "assessment.saved" or last.actor_id != getattr(actor, "id", None):
        audit.record(actor, "assessment.saved", assessment, summary=f"draft of {_label(assessment)} saved",
                     data={"changes": changes, "claims": {str(k): v for k, v in wanted.items()}})
    return True


def unrated(assessment: Assessment) -> list:
    """Descriptors of the claimed level that the person has not rated yet (those
    of the levels below are rated where the person wants to); of a responsibility
    assessment, the attributes with no level claimed."""
    if assessment.is_responsibility:
        claimed = {c.attribute_id for c in assessment.claims}
        return [a for a in attributes_in_view(assessment) if a.id not in claimed]
    rated = {r.descriptor_id for r in assessment.ratings if r.rating}
    return [d for d in claimed_descriptors(assessment) if d.id not in rated]


@dataclass
class EvidenceIn:
    """A piece of evidence as a form gives it (any of a note, a link and a file)."""

    descriptor_ids: list = field(default_factory=list)
    text: str | None = None
    url: str | None = None
    filename: str | None = None
    stream: object = None

    @property
    def given(self) -> bool:
        return bool((self.text or "").strip() or (self.url or "").strip() or (self.stream is not None and self.filename))


@dataclass
class Saved:
    """What :func:`update` did."""

    changed: bool = False
    evidence: Evidence | None = None
    # Evidence attached from the person's library.
    attached: list[Evidence] = field(default_factory=list)
    submitted: bool = False
    already_submitted: bool = False


def update(actor, assessment: Assessment, *, claimed_level=None, ratings: dict[int, str] | None = None,
           claims: dict[int, object] | None = None, evidence: EvidenceIn | None = None,
           evidence_wanted: bool = False, attach_items=None, attach_descriptors=None, attach_wanted: bool = False,
           then_submit: bool = False, version=None) -> Saved:
    """The self-assessment page in one go: whatever button was pressed, what is
    on the page (the level, every rating, a new piece of evidence if any was
    given, items ticked in the library with what they support) is saved first;
    then, with ``then_submit``, the assessment is submitted. ``evidence_wanted``
    (``attach_wanted``): the person asked to add evidence (attach from their
    library), so giving none is an error. A repeated submission of an assessment
    already submitted by its person changes nothing."""
    policy.require(actor, "edit_assessment", assessment)
    if then_submit and assessment.status == "submitted":
        return Saved(already_submitted=True)
    result = Saved()
    result.changed = save_draft(actor, assessment, claimed_level=claimed_level, ratings=ratings, claims=claims, version=version)
    if evidence is not None and (evidence.given or evidence_wanted):
        result.evidence = add_evidence(actor, assessment, descriptor_ids=evidence.descriptor_ids, text=evidence.text,
                                       url=evidence.url, filename=evidence.filename, stream=evidence.stream)
    if attach_items or attach_wanted:
        result.attached = attach(actor, assessment, item_ids=attach_items, descriptor_ids=attach_descriptors)
    if then_submit:
        submit(actor, assessment)
        result.submitted = True
    return result


def _wanted_targets(assessment: Assessment, descriptor_ids, field: str) -> dict:
    """{id: descriptor (or attribute)} of those ``descriptor_ids`` names, each in view; else InvalidInput on ``field``."""
    in_view = _targets(assessment)
    what = "attribute" if assessment.is_responsibility else "descriptor"
    try:
        wanted = {int(i) for i in descriptor_ids or []}
    except (TypeError, ValueError):
        raise InvalidInput.on(field, f"Choose the {what}s this evidence supports.") from None
    if not wanted:
        raise InvalidInput.on(field, f"Choose at least one {what} this evidence supports.")
    if not wanted <= in_view.keys():
        raise InvalidInput.on(field, f"That {what} is not part of this assessment.")
    return {i: in_view[i] for i in sorted(wanted)}


def _attach(actor, assessment: Assessment, item: EvidenceItem, targets: dict, *, added: bool = False) -> Evidence:
    """Attach ``item`` supporting ``targets``; an item attached already keeps its attachment, which
    then supports these too (the same request sent twice changes nothing)."""
    what = "attribute" if assessment.is_responsibility else "descriptor"
    existing = next((e for e in assessment.evidence if e.item_id == item.id), None)
    if existing is not None:
        supported = {t.id for t in _supported(existing)}
        if targets.keys() <= supported:
            return existing
        merged = sorted(supported | targets.keys())
        if assessment.is_responsibility:
            existing.attributes = [t for t in attributes_in_view(assessment) if t.id in merged]
        else:
            by_id = {d.id: d for d in existing.descriptors} | targets
            existing.descriptors = [by_id[i] for i in merged]
        _touch(assessment)
        _flush()
        audit.record(actor, "assessment.evidence_supports", assessment,
                     summary=f"{item.kind} evidence of {_label(assessment)} now also supports {len(targets.keys() - supported)} "
                             f"more {what}{'s' if len(targets.keys() - supported) != 1 else ''}: {item.title}",
                     data={"evidence_id": existing.id, "item_id": item.id, f"{what}_ids": merged})
        return existing
    evidence = Evidence(item=item, created_by=actor if isinstance(actor, Person) else None)
    if assessment.is_responsibility:
        evidence.attributes = list(targets.values())
    else:
        evidence.descriptors = list(targets.values())
    assessment.evidence.append(evidence)
    _touch(assessment)
    _flush()
    how = "added to" if added else "attached from the library to"
    audit.record(actor, "assessment.evidence_added", assessment,
                 summary=f"{item.kind} evidence {how} {_label(assessment)}: {item.title}",
                 data={"evidence_id": evidence.id, "item_id": item.id, "kind": item.kind, f"{what}_ids": sorted(targets),
                       "sha256": item.sha256, "from_library": not added})
    return evidence


def add_evidence(actor, assessment: Assessment, *, descriptor_ids, text: str | None = None, url: str | None = None,
                 filename: str | None = None, stream=None, title: str | None = None) -> Evidence:
    """New evidence (a file, a link, or a text; a file or link may carry a note) for one or more
    descriptors (of a responsibility assessment: attributes). It goes into the person's
    library too (services/evidence_library.py), whence other assessments may attach it."""
    policy.require(actor, "edit_assessment", assessment)
    _require_state(assessment, *EDITABLE, doing="add evidence to")
    targets = _wanted_targets(assessment, descriptor_ids, "descriptor_ids")
    item = evidence_library.new_item(actor, assessment.person, title=title, text=text, url=url, filename=filename, stream=stream)
    return _attach(actor, assessment, item, targets, added=True)


def attach(actor, assessment: Assessment, *, item_ids, descriptor_ids) -> list[Evidence]:
    """Attach items of the person's library, each supporting the descriptors (attributes) given.
    An item that is not one's own is not found: nothing is attached."""
    policy.require(actor, "edit_assessment", assessment)
    _require_state(assessment, *EDITABLE, doing="attach evidence to")
    items = evidence_library.items_by_id(actor, item_ids)
    if not items:
        raise InvalidInput.on("item_ids", "Choose the evidence of your library to attach.")
    targets = _wanted_targets(assessment, descriptor_ids, "attach_descriptor_ids")
    return [_attach(actor, assessment, item, targets) for item in items]


def remove_evidence(actor, assessment: Assessment, evidence_id: int, *, delete_item: bool = False) -> bool:
    """Take evidence off an assessment (it stays in the person's library); with ``delete_item``,
    delete it from the library too when no other assessment attaches it (its file goes once
    this commits). Returns whether the item was deleted."""
    policy.require(actor, "edit_assessment", assessment)
    _require_state(assessment, *EDITABLE, doing="remove evidence from")
    evidence = next((e for e in assessment.evidence if e.id == evidence_id), None)
    if evidence is None:
        # Already removed (a repeated request): nothing to do.
        return False
    item = evidence.item
    assessment.evidence.remove(evidence)
    _touch(assessment)
    _flush()
    audit.record(actor, "assessment.evidence_removed", assessment,
                 summary=f"{item.kind} evidence removed from {_label(assessment)}: {item.title}",
                 data={"evidence_id": evidence_id, "item_id": item.id, "kind": item.kind, "stored_name": item.stored_name})
    if delete_item:
        db.session.refresh(item, ["attachments"])
        if not item.attachments:
            evidence_library.delete(actor, item)
            return True
    return False


def evidence_file(actor, evidence_id: int) -> tuple[Evidence, bytes]:
    """A file and its record, for someone who may see the assessment."""
    evidence = db.session.get(Evidence, evidence_id)
    if evidence is None or evidence.kind != "file":
        raise NotFound("no such file")
    policy.require(actor, "view_assessment", evidence.assessment)
    return evidence, evidence_store.storage().read(evidence.stored_name)


def submit(actor, assessment: Assessment, version=None) -> None:
    policy.require(actor, "edit_assessment", assessment)
    _check_version(assessment, version)
    _require_state(assessment, *EDITABLE, doing="submit")
    not_rated = unrated(assessment)
    if not_rated and assessment.is_responsibility:
        raise InvalidInput(
            f"Claim a level for every attribute before you submit: {len(not_rated)} of "
            f"{len(attributes_in_view(assessment))} have none yet ({', '.join(a.name for a in not_rated)}).",
            details={"fields": {f"claims.{a.id}": "Choose the level you work at for this attribute." for a in not_rated}})
    if not_rated:
        raise InvalidInput(
            f"Rate yourself on every descriptor of level {assessment.claimed_level} before you submit: {len(not_rated)} of "
            f"{len(claimed_descriptors(assessment))} have no rating yet.",
            details={"fields": {f"ratings.{d.id}": "Choose Met, Partly met or Not yet for this descriptor." for d in not_rated}})
    missing = missing_evidence(assessment)
    if missing and assessment.framework.evidence_required and assessment.is_responsibility:
        raise InvalidInput(f"{assessment.framework.label} needs evidence for every attribute; {len(missing)} have none yet.")
    if missing and assessment.framework.evidence_required:
        raise InvalidInput(
            f"{assessment.framework.label} needs evidence for every descriptor of the level you claim; "
            f"{len(missing)} of level {assessment.claimed_level} have none yet."
        )
    assessment.submitted_at = utcnow()
    assessment.reviewer = None
    service_levels.record_submission(assessment, assessment.submitted_at)
    _transition(actor, assessment, "submitted", data={"claimed_level": assessment.claimed_level,
                                                     "without_evidence": [d.id for d in missing],
                                                     **({"claims": {str(c.attribute_id): c.claimed_level for c in assessment.claims}}
                                                        if assessment.is_responsibility else {}),
                                                     "due_at": assessment.due_at.isoformat()})
    manager = service_levels.reviewer_of(assessment)
    if manager is not None and manager.active:
        notifications.notify(manager, f"{assessment.person.name} submitted a self-assessment of {_label(assessment)} "
                                      f"at level {assessment.claimed_level} for your review.", f"/reviews/{assessment.id}")


# -- the reviewer's decision ---------------------------------------------------------

def _require_reviewer(actor, assessment: Assessment) -> None:
    policy.require(actor, "view_assessment", assessment)
    if isinstance(actor, Person) and assessment.person_id == actor.id:
        raise NotAllowed("Nobody reviews their own assessment.")
    policy.require(actor, "decide_assessment", assessment)


def _clean_verdicts(assessment: Assessment, verdicts) -> dict[int, tuple[str | None, str | None]]:
    """{descriptor id: (verdict, comment)}; of a responsibility assessment, {attribute id:
    (the level the reviewer validates it at, as a string, comment)}."""
    if assessment.is_responsibility:
        levels = _clean_attribute_levels(assessment, {k: v[0] for k, v in (verdicts or {}).items()},
                                         field="validated", doing="to validate")
        clean = {}
        for attribute in attributes_in_view(assessment):
            level, verdict_comment = levels.get(attribute.id), ((verdicts or {}).get(attribute.id) or (None, None))[1]
            verdict_comment = (verdict_comment or "").strip()[:MAX_TEXT] or None
            if level is not None or verdict_comment:
                clean[attribute.id] = (str(level) if level is not None else None, verdict_comment)
        return clean
    in_view = {d.id for d in descriptors_in_view(assessment)}
    clean = {}
    for descriptor_id, (verdict, verdict_comment) in (verdicts or {}).items():
        if descriptor_id not in in_view or not (verdict or verdict_comment):
            continue
        if verdict and verdict not in VERDICTS:
            raise InvalidInput(f"{verdict!r} is not a verdict; use one of {', '.join(VERDICTS)}.")
        clean[descriptor_id] = (verdict or None, (verdict_comment or "").strip()[:MAX_TEXT] or None)
    return clean


def save_review(actor, assessment: Assessment, *, verdicts: dict[int, tuple[str | None, str | None]],
                comment: str | None = None, version=None) -> None:
    """Keep a reviewer's verdicts, comments and overall comment before deciding
    (seen by those who may decide, not by the person, until the decision)."""
    _require_reviewer(actor, assessment)
    _require_state(assessment, "submitted", doing="review")
    comment = (comment or "").strip() or None
    if comment and len(comment) > MAX_TEXT:
        raise InvalidInput.on("comment", f"A comment can have at most {MAX_TEXT} characters.")
    clean = _clean_verdicts(assessment, verdicts)
    draft = {"comment": comment, "verdicts": {str(k): list(v) for k, v in sorted(clean.items())}}
    current = assessment.review_draft or {}
    if {"comment": current.get("comment"), "verdicts": current.get("verdicts", {})} == draft:
        return  # already saved: a repeated request changes nothing
    _check_version(assessment, version)
    assessment.review_draft = {**draft, "by": getattr(actor, "id", None), "by_name": getattr(actor, "name", "The system"),
                               "saved_at": utcnow().isoformat()}
    _flush()


def review_draft(actor, assessment: Assessment) -> dict | None:
    """The review draft, for those who may decide (else None)."""
    if assessment.review_draft and policy.can(actor, "decide_assessment", assessment):
        return assessment.review_draft
    return None


def _already_decided(actor, assessment: Assessment, outcome: str, validated_level, comment) -> bool:
    if outcome not in OUTCOMES or assessment.status != OUTCOMES[outcome] or assessment.reviewer_id != getattr(actor, "id", None):
        return False
    if (assessment.decision_comment or None) != ((comment or "").strip() or None):
        return False
    if assessment.is_responsibility:
        return True
    if outcome == "approve":
        wanted = assessment.claimed_level if validated_level in (None, "") else validated_level
        return str(wanted) == str(assessment.validated_level)
    return True


def decide(actor, assessment: Assessment, *, outcome: str, validated_level=None, comment: str | None = None,
           verdicts: dict[int, tuple[str | None, str | None]] | None = None, version=None) -> None:
    """Approve (at the claimed level or another, with a reason), return (with a
    comment) or reject (with a reason) a submitted assessment."""
    _require_reviewer(actor, assessment)
    if _already_decided(actor, assessment, outcome, validated_level, comment):
        return  # this very decision is already recorded (a repeated request): nothing to do
    _check_version(assessment, version)
    _require_state(assessment, "submitted", doing="decide")
    if outcome not in OUTCOMES:
        raise InvalidInput("Choose an outcome: approve, return or reject.")
    comment = (comment or "").strip() or None
    if comment and len(comment) > MAX_TEXT:
        raise InvalidInput.on("comment", f"A comment can have at most {MAX_TEXT} characters.")
    level = None
    per_attribute: dict[int, int] = {}
    clean = _clean_verdicts(assessment, verdicts)
    if assessment.is_responsibility and outcome == "approve":
        per_attribute = {c.attribute_id: int(clean.get(c.attribute_id, (None, None))[0] or c.claimed_level) for c in assessment.claims}
        level = overall_level(per_attribute.values())
        changed = [c.attribute.name for c in assessment.claims if per_attribute[c.attribute_id] != c.claimed_level]
        if changed and not comment:
            raise InvalidInput.on("comment", f"Give a reason for validating {', '.join(changed)} at another level than claimed.")
    elif outcome == "approve":
        level = assessment.claimed_level if validated_level in (None, "") else _check_level(assessment.skill, validated_level)
        if level != assessment.claimed_level and not comment:
            raise InvalidInput.on("comment", f"Give a reason for approving at level {level} rather than the claimed level "
                                             f"{assessment.claimed_level}.")
    elif outcome == "return" and not comment:
        raise InvalidInput.on("comment", "Say what more evidence is needed: a comment is required to return an assessment.")
    elif outcome == "reject" and not comment:
        raise InvalidInput.on("comment", "Give a reason for rejecting the assessment.")

    # No autoflush while the decision is written: a lazy load must not flush half of it;
    # the one flush in _transition turns a concurrent decision into a Conflict.
    with db.session.no_autoflush:
        for claim in assessment.claims:
            claim.validated_level = per_attribute[claim.attribute_id] if level is not None else None
            claim.verdict_comment = clean.get(claim.attribute_id, (None, None))[1]
        for descriptor_id, (verdict, verdict_comment) in ({} if assessment.is_responsibility else clean).items():
            row = assessment.rating_for(descriptor_id)
            if row is None:
                row = DescriptorRating(descriptor_id=descriptor_id)
                assessment.ratings.append(row)
            row.verdict = verdict
            row.verdict_comment = verdict_comment
        assessment.review_draft = None

        now = utcnow()
        assessment.reviewer = actor if isinstance(actor, Person) else None
        assessment.decided_at = now
        assessment.decision_comment = comment
        if outcome == "approve":
            assessment.validated_level = level
            assessment.valid_until = add_months(now, assessment.framework.validity_months or 24)
        else:
            assessment.validated_level = None
            assessment.valid_until = None
    to = OUTCOMES[outcome]
    _transition(actor, assessment, to, comment=comment,
                data={"claimed_level": assessment.claimed_level, "validated_level": level,
                      **({"attributes": {str(c.attribute_id): c.validated_level for c in assessment.claims}}
                         if assessment.is_responsibility else {}),
                      "valid_until": assessment.valid_until.date().isoformat() if assessment.valid_until else None})
    service_levels.record_decision(actor, assessment, outcome)
    if outcome == "approve":
        # Reaching a goal's target closes it, in this same transaction (services/plans.py).
        plans.settle_validation(actor, assessment)
    who = actor.name if isinstance(actor, Person) else "The system"
    if outcome == "approve":
        message = f"{who} validated your {_label(assessment)} at level {level}" + (
            f" (you claimed {assessment.claimed_level}): {comment}" if level != assessment.claimed_level else ".")
    elif outcome == "return":
        message = f"{who} returned your {_label(assessment)} for more evidence: {comment}"
    else:
        message = f"{who} rejected your {_label(assessment)}: {comment}"
    notifications.notify(assessment.person, message, f"/assessments/{assessment.id}")
    # Two reviewers deciding at once: the loser's changes meet a changed row here, a Conflict (409), not a 500.
    _flush()


# -- framework settings --------------------------------------------------------------

@dataclass
class SettingsChange:
    validity_from: int | None
    validity_to: int
    validated: int      # levels validated in this version before the change
    recomputed: int     # of those, whose expiry moved (recompute asked)

    def sentence(self) -> str:
        if self.validity_from == self.validity_to:
            return ""
        if self.recomputed:
            return (f"The validity is now {plural(self.validity_to, 'month')} (was {self.validity_from}); the expiry of "
                    f"{plural(self.recomputed, 'level')} validated before now is {self.validity_to} months after its decision.")
        return (f"The validity is now {plural(self.validity_to, 'month')} (was {self.validity_from}) for levels validated from now on; "
                f"{plural(self.validated, 'level')} validated before {verb(self.validated, 'keeps', 'keep')} {'its' if self.validated == 1 else 'their'} "
                "expiry date (tick “recompute” to move them).")


def update_framework_settings(actor, framework: Framework, *, evidence_required: bool, validity_months,
                              recompute: bool = False) -> SettingsChange:
    """The assessment settings of a version. A new validity applies to levels
    validated from now on; with ``recompute``, the levels already validated in the
    version expire that many months after their decision too (each audited)."""
    policy.require(actor, "manage_frameworks")
    try:
        months = int(validity_months)
    except (TypeError, ValueError):
        raise InvalidInput.on("validity_months", "The validity is a whole number of months.") from None
    if not 1 <= months <= 240:
        raise InvalidInput.on("validity_months", "The validity is between 1 and 240 months.")
    before = {"evidence_required": framework.evidence_required, "validity_months": framework.validity_months}
    framework.evidence_required = bool(evidence_required)
    framework.validity_months = months
    db.session.flush()
    after = {"evidence_required": framework.evidence_required, "validity_months": framework.validity_months}
    validated = list(db.session.scalars(select(Assessment).where(Assessment.framework_id == framework.id,
                                                                 Assessment.status == "validated")))
    change = SettingsChange(before["validity_months"], months, len(validated), 0)
    if recompute and before["validity_months"] != months:
        for a in validated:
            if a.decided_at is None:
                continue
            new_until = add_months(aware(a.decided_at), months)
            if a.valid_until is None or aware(a.valid_until) != new_until:
                old_until = a.valid_until
                a.valid_until = new_until
                change.recomputed += 1
                audit.record(actor, "assessment.validity_recomputed", a,
                             summary=f"{a.person.name}'s {a.skill.code} level {a.validated_level} ({framework.label}): valid until "
                                     f"{new_until:%Y-%m-%d} (was {aware(old_until):%Y-%m-%d})" if old_until else
                                     f"{a.person.name}'s {a.skill.code} level {a.validated_level}: valid until {new_until:%Y-%m-%d}",
                             data={"from": aware(old_until).isoformat() if old_until else None, "to": new_until.isoformat()})
        db.session.flush()
    if before != after:
        audit.record(actor, "framework.settings_changed", framework,
                     summary=f"assessment settings of {framework.label}: evidence required {'yes' if framework.evidence_required else 'no'}, "
                             f"valid for {months} months" + (f"; {plural(change.recomputed, 'expiry date')} recomputed"
                                                             if change.recomputed else ""),
                     data={"from": before, "to": after, "recomputed": change.recomputed})
    return change
