"""The gap engine: for every person × required skill, the required level, the
current level, the self-assessed level, the gap, and a status, for the people
the actor may see.

One SQL statement computes every row, whatever the number of people:

* requirements: each active person's job-role requirements and the
  requirements of the services they run (one row per requirement, so a skill
  required by a role and by a service gives two rows);
* held levels: each person's latest validated, unexpired assessment per skill;
* effective levels: a held level counts for its own skill, and through every
  crosswalk for the mapped skill (forwards, and backwards as the highest level
  that maps at or below it); the highest wins, and ``via`` names the skill it
  came through when that is not the required skill itself;
* status: ``met`` (current ≥ required), else ``awaiting_review`` (a submitted
  assessment of the skill waits), else ``below`` (a current level under the
  requirement), else ``expired`` (only expired validations), else
  ``not_assessed``. ``gap`` is required − current, 0 when met, and empty when
  there is no current level: "not assessed" and "expired" are never a silent 0.

The level of responsibility a job role states is a requirement of its own: a
row whose framework and skill are both ``LoR`` (no skill id), compared with the
person's current responsibility level (their latest validated, unexpired
responsibility assessment, services/responsibility.py), with the same statuses.
The contract's columns stay as they are: it adds rows, not columns.

Counts and groupings are computed in SQL too. Shaping the rows (records,
groups, heatmaps) is ``reports.gaps``; writing them (CSV, XLSX, JSON) is
``reports.export``, with the downloads defined in ``services.exports``.
"""
from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime, timezone

from skills_app.lazy import pandas as pd
from flask import current_app
from sqlalchemy import Select, Text, and_, bindparam, case, cast, func, literal, literal_column, null, or_, select, true, tuple_, union_all
from sqlalchemy.dialects.postgresql import aggregate_order_by

from skills_app import clock, paging, policy
from skills_app.errors import InvalidInput
from skills_app.extensions import db
from skills_app.models import (
    Assessment, CrosswalkLevel, Framework, JobRole, OrgUnit, Person, Requirement, Service, Skill,
)
from skills_app.models.assessment import RESPONSIBILITY_CODE, RESPONSIBILITY_NAME
from skills_app.models.kept import CurrentLevel, PersonRequirement
from skills_app.models.requirements import person_job_role, person_service
from skills_app.reports import coverage, stream
from skills_app.reports.gaps import COLUMNS, GROUPINGS, STATUSES
from skills_app.services import kept, org


@dataclass
class Filters:
    org_unit: str | None = None          # a path; the unit and every unit below it
    org_unit_exact: bool = False         # only that unit (the drill-down from a grouped view)
    job_role: str | None = None          # a job role name
    service: str | None = None           # a service name
    skill: str | None = None             # a skill code
    framework: str | None = None         # a framework code
    status: list[str] = field(default_factory=list)
    essential_only: bool = False
    person_id: int | None = None

    @classmethod
    def from_mapping(cls, data) -> Filters:
        """From request args or command-line options; unknown statuses are refused."""
        def text(key):
            value = data.get(key)
            return value.strip() if isinstance(value, str) and value.strip() else None

        statuses = data.getlist("status") if hasattr(data, "getlist") else (data.get("status") or [])
        if isinstance(statuses, str):
            statuses = [statuses]
        statuses = [s for part in statuses for s in str(part).split(",") if s]
        bad = [s for s in statuses if s not in STATUSES]
        if bad:
            raise InvalidInput.on("status", f"unknown status {bad[0]!r}; the statuses are {', '.join(STATUSES)}")
        person = data.get("person_id")
        try:
            person_id = int(person) if person not in (None, "") else None
        except (TypeError, ValueError):
            raise InvalidInput.on("person_id", "person_id is a number") from None
        truthy = {"1", "true", "yes", "on", True}
        return cls(
            org_unit=text("org_unit"), org_unit_exact=data.get("exact") in truthy,
            job_role=text("job_role"), service=text("service"), skill=text("skill"), framework=text("framework"),
            status=statuses, essential_only=data.get("essential") in truthy, person_id=person_id,
        )

    def as_args(self) -> dict:
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value in (None, False, []):
                continue
            key = {"org_unit_exact": "exact", "essential_only": "essential"}.get(f.name, f.name)
            out[key] = "1" if value is True else value
        return out


def now_utc() -> datetime:
    return clock.now()


def _everyone(column):
    return true()


def _requirements(people=_everyone):
    """Every active person's requirements: from their job roles and their services.
    ``people(column)`` is a condition on a person id column (pushed into each part,
    so that a page about one person or one team reads only their rows)."""
    from_roles = (
        select(
            person_job_role.c.person_id.label("person_id"),
            Requirement.skill_id.label("skill_id"),
            Requirement.min_level.label("required_level"),
            Requirement.essential.label("essential"),
            JobRole.id.label("job_role_id"), JobRole.name.label("job_role"),
            null().label("service_id"), null().label("service"),
        )
        .join(Requirement, Requirement.job_role_id == person_job_role.c.job_role_id)
        .join(JobRole, JobRole.id == person_job_role.c.job_role_id)
        .where(people(person_job_role.c.person_id))
    )
    from_services = (
        select(
            person_service.c.person_id, Requirement.skill_id, Requirement.min_level, Requirement.essential,
            null(), null(),
            Service.id, Service.name,
        )
        .join(Requirement, Requirement.service_id == person_service.c.service_id)
        .join(Service, Service.id == person_service.c.service_id)
        .where(people(person_service.c.person_id))
    )
    # A job role's level of responsibility: a requirement with no skill.
    responsibility = (
        select(
            person_job_role.c.person_id, null(), JobRole.responsibility_level, true(),
            JobRole.id, JobRole.name, null(), null(),
        )
        .join(JobRole, JobRole.id == person_job_role.c.job_role_id)
        .where(JobRole.responsibility_level.is_not(None), people(person_job_role.c.person_id))
    )
    return union_all(from_roles, from_services, responsibility).cte("requirements")


def held_levels(now, people=_everyone, *, skills=None):
    """Each person's latest validated, unexpired level per skill (``skills``: a
    condition on ``Assessment.skill_id`` that limits the skills read)."""
    ranked = (
        select(
            Assessment.person_id, Assessment.skill_id, Assessment.validated_level.label("level"), Assessment.valid_until,
            func.row_number().over(
                partition_by=(Assessment.person_id, Assessment.skill_id),
                order_by=(Assessment.decided_at.desc(), Assessment.id.desc()),
            ).label("rank"),
        )
        .where(Assessment.status == "validated", Assessment.validated_level.is_not(None),
               or_(Assessment.valid_until.is_(None), Assessment.valid_until > now), people(Assessment.person_id),
               true() if skills is None else skills)
        .cte("ranked_validations")
    )
    return select(ranked.c.person_id, ranked.c.skill_id, ranked.c.level, ranked.c.valid_until).where(ranked.c.rank == 1).cte("held")


# Each candidate level is scored so that one GROUP BY picks the winner: the
# highest level, and on a tie the skill's own level over a crosswalked one.
# (A grouped subquery is one both planners join well: SQLite indexes it.)
_SCALE = literal_column("10000000")
_DIRECT = literal_column("9999999")


def effective_levels(held):
    """Levels that count for each skill: held directly, or through a crosswalk either way.
    Columns: person_id, skill_id, level, via_skill_id (None when held directly)."""
    forward = (
        select(held.c.person_id, CrosswalkLevel.to_skill_id.label("skill_id"), func.max(CrosswalkLevel.to_level),
               func.max(CrosswalkLevel.to_level) * _SCALE + held.c.skill_id)
        .join(CrosswalkLevel, and_(CrosswalkLevel.from_skill_id == held.c.skill_id, CrosswalkLevel.from_level <= held.c.level))
        .group_by(held.c.person_id, CrosswalkLevel.to_skill_id, held.c.skill_id)
    )
    backward = (
        select(held.c.person_id, CrosswalkLevel.from_skill_id, func.max(CrosswalkLevel.from_level),
               func.max(CrosswalkLevel.from_level) * _SCALE + held.c.skill_id)
        .join(CrosswalkLevel, and_(CrosswalkLevel.to_skill_id == held.c.skill_id, CrosswalkLevel.to_level <= held.c.level))
        .group_by(held.c.person_id, CrosswalkLevel.from_skill_id, held.c.skill_id)
    )
    direct = select(held.c.person_id, held.c.skill_id, held.c.level.label("level"), (held.c.level * _SCALE + _DIRECT).label("score"))
    candidates = union_all(direct, forward, backward).subquery("candidates")
    via = func.max(candidates.c.score) % _SCALE
    return (
        select(candidates.c.person_id, candidates.c.skill_id, func.max(candidates.c.level).label("level"),
               case((via == _DIRECT, null()), else_=via).label("via_skill_id"))
        .group_by(candidates.c.person_id, candidates.c.skill_id)
        .cte("effective")
    )


def _status(level, required, waiting, lapsed):
    """The status of a row: ``waiting``, a submission waits for review; ``lapsed``, only expired validations."""
    return case(
        (level >= required, literal("met")),
        (waiting, literal("awaiting_review")),
        (level.is_not(None), literal("below")),
        (lapsed, literal("expired")),
        else_=literal("not_assessed"),
    )


def _gap(level, required):
    return case((level.is_(None), null()), (level >= required, literal(0)), else_=required - level)


def target_select(people, *, job_role_id: int | None = None, service_id: int | None = None, every_job_role: bool = False,
                  now: datetime | None = None) -> Select:
    """People against requirements they need not hold: each active person of
    ``people`` (a condition on a person id column) × the requirements of one job
    role, one service, or (``every_job_role``) every job role, with the gap
    rows' levels, gap and status, by the same held-level rules, read from the
    kept tables as :func:`gap_select` reads them. A job role's
    level of responsibility is a row of its own, as in :func:`gap_select`: no
    skill id, framework and skill ``LoR``, essential, against the person's
    current responsibility level.

    Columns: person_id, job_role_id, service_id, skill_id, framework,
    framework_version, skill, skill_name, required_level, essential,
    current_level, via, self_level, gap, status, valid_until."""
    now = now or now_utc()
    if every_job_role:
        owner = Requirement.job_role_id.is_not(None)
        role = true()
    elif job_role_id is not None:
        owner = Requirement.job_role_id == job_role_id
        role = JobRole.id == job_role_id
    elif service_id is not None:
        owner = Requirement.service_id == service_id
        role = None
    else:
        raise ValueError("name a job role, a service, or every job role")
    candidates = select(Person.id.label("person_id")).where(Person.active.is_(True), people(Person.id)).cte("candidates")
    skills_required = (
        select(candidates.c.person_id, Requirement.skill_id, Requirement.min_level.label("required_level"),
               Requirement.essential, Requirement.job_role_id, Requirement.service_id)
        .select_from(candidates).join(Requirement, true()).where(owner)
    )
    if role is None:
        reqs = skills_required.cte("target_requirements")
    else:
        # The job role's level of responsibility: a requirement with no skill, essential.
        responsibility_required = (
            select(candidates.c.person_id, null(), JobRole.responsibility_level, true(), JobRole.id, null())
            .select_from(candidates).join(JobRole, true()).where(role, JobRole.responsibility_level.is_not(None))
        )
        reqs = union_all(skills_required, responsibility_required).cte("target_requirements")
    # The levels as the kept tables hold them (services/kept.py), as the gap rows read them.
    kept.sync(db.session())
    lv = kept_levels(now, people)
    via = Skill.__table__.alias("via_skill")
    required = reqs.c.required_level
    on_skill = and_(lv.c.person_id == reqs.c.person_id, lv.c.skill_id == reqs.c.skill_id)
    columns = dict(framework=Framework.code, skill=Skill.code, skill_name=Skill.name, level=lv.c.level,
                   self_level=lv.c.self_level, waiting=lv.c.pending == 1, lapsed=lv.c.lapsed_at <= now,
                   valid_until=lv.c.valid_until)
    if role is not None:
        rl = kept_levels(now, people, responsibility=True)
        columns = dict(
            framework=func.coalesce(Framework.code, literal(RESPONSIBILITY_CODE)),
            skill=func.coalesce(Skill.code, literal(RESPONSIBILITY_CODE)),
            skill_name=func.coalesce(Skill.name, literal(RESPONSIBILITY_NAME)),
            level=func.coalesce(lv.c.level, rl.c.level),
            self_level=func.coalesce(lv.c.self_level, rl.c.self_level),
            waiting=or_(lv.c.pending == 1, rl.c.pending == 1),
            lapsed=or_(lv.c.lapsed_at <= now, rl.c.lapsed_at <= now),
            valid_until=func.coalesce(lv.c.valid_until, rl.c.valid_until),
        )
    level = columns["level"]
    stmt = (
        select(
            reqs.c.person_id, reqs.c.job_role_id, reqs.c.service_id, reqs.c.skill_id,
            columns["framework"].label("framework"), Framework.version.label("framework_version"),
            columns["skill"].label("skill"), columns["skill_name"].label("skill_name"),
            required.label("required_level"), reqs.c.essential, level.label("current_level"), via.c.code.label("via"),
            columns["self_level"].label("self_level"), _gap(level, required).label("gap"),
            _status(level, required, columns["waiting"], columns["lapsed"]).label("status"),
            columns["valid_until"].label("valid_until"),
        )
        .select_from(reqs)
        .outerjoin(Skill, Skill.id == reqs.c.skill_id)
        .outerjoin(Framework, Framework.id == Skill.framework_id)
        .outerjoin(lv, on_skill)
        .outerjoin(via, via.c.id == lv.c.via_skill_id)
    )
    if role is not None:
        stmt = stmt.outerjoin(rl, and_(reqs.c.skill_id.is_(None), rl.c.person_id == reqs.c.person_id))
    return stmt


def kept_levels(now, people=_everyone, *, responsibility: bool = False):
    """Each person's level facts per skill (``responsibility``: their level of
    responsibility), from the kept ``current_level`` rows as they stand at ``now``:
    the level that counts (the highest held at ``now``, directly or through a
    crosswalk, the skill's own first on a tie), ``via_skill_id`` (the skill it
    came through, or none), the direct level's ``valid_until``, the latest
    ``self_level``, ``pending`` (1: a submission waits) and ``lapsed_at`` (the
    first expiry of a validation: "expired" from then on)."""
    cl = CurrentLevel.__table__
    active = and_(cl.c.level.is_not(None), or_(cl.c.held_from.is_(None), cl.c.held_from <= now),
                  or_(cl.c.valid_until.is_(None), cl.c.valid_until > now))
    score = func.max(case((active, cl.c.level * _SCALE + func.coalesce(cl.c.via_skill_id, _DIRECT)))) % _SCALE
    which = cl.c.skill_id.is_(None) if responsibility else cl.c.skill_id.is_not(None)
    return (
        select(cl.c.person_id, cl.c.skill_id, func.max(case((active, cl.c.level))).label("level"),
               case((score == _DIRECT, null()), else_=score).label("via_skill_id"),
               func.max(case((and_(active, cl.c.via_skill_id.is_(None)), cl.c.valid_until))).label("valid_until"),
               func.max(cl.c.self_level).label("self_level"),
               func.max(case((cl.c.pending.is_(True), 1), else_=0)).label("pending"),
               func.min(cl.c.lapsed_at).label("lapsed_at"))
        .where(which, people(cl.c.person_id))
        .group_by(cl.c.person_id, cl.c.skill_id)
        .cte("responsibility_levels" if responsibility else "levels")
    )


def gap_select(filters: Filters | None = None, *, now: datetime | None = None, scope=None, dialect: str | None = None) -> Select:
    """The gap rows as one SELECT, over the kept tables (services/kept.py).
    ``scope`` limits people (a select of ids)."""
    filters = filters or Filters()
    dialect = dialect or db.engine.dialect.name
    now = now or now_utc()
    kept.sync(db.session())
    if filters.person_id is not None:
        def people(column):
            return column == filters.person_id
    elif scope is not None:
        def people(column):
            return column.in_(scope)
    else:
        people = _everyone
    pr = PersonRequirement.__table__
    reqs = select(pr).where(people(pr.c.person_id)).cte("requirements")
    lv = kept_levels(now, people)
    rl = kept_levels(now, people, responsibility=True)
    via = Skill.__table__.alias("via_skill")

    level = func.coalesce(lv.c.level, rl.c.level)
    required = reqs.c.required_level
    framework_code = func.coalesce(Framework.code, literal(RESPONSIBILITY_CODE))
    skill_code = func.coalesce(Skill.code, literal(RESPONSIBILITY_CODE))
    status = _status(level, required, or_(lv.c.pending == 1, rl.c.pending == 1), or_(lv.c.lapsed_at <= now, rl.c.lapsed_at <= now))
    gap = _gap(level, required)
    job_role_name, service_name = JobRole.name.label("job_role"), Service.name.label("service")
    stmt = (
        select(
            Person.id.label("person_id"), Person.name.label("person"), Person.email.label("email"),
            OrgUnit.path.label("org_unit"), job_role_name, service_name,
            framework_code.label("framework"), skill_code.label("skill"),
            required.label("required_level"), level.label("current_level"),
            func.coalesce(lv.c.self_level, rl.c.self_level).label("self_level"),
            gap.label("gap"), status.label("status"),
            Framework.version.label("framework_version"),
            func.coalesce(Skill.name, literal(RESPONSIBILITY_NAME)).label("skill_name"), reqs.c.essential,
            via.c.code.label("via"),
            func.coalesce(lv.c.valid_until, rl.c.valid_until).label("valid_until"), Skill.id.label("skill_id"),
            reqs.c.job_role_id, reqs.c.service_id,
        )
        .select_from(reqs)
        .join(Person, Person.id == reqs.c.person_id)
        .outerjoin(Skill, Skill.id == reqs.c.skill_id)
        .outerjoin(Framework, Framework.id == Skill.framework_id)
        .outerjoin(OrgUnit, OrgUnit.id == Person.org_unit_id)
        .outerjoin(JobRole, JobRole.id == reqs.c.job_role_id)
        .outerjoin(Service, Service.id == reqs.c.service_id)
        .outerjoin(lv, and_(lv.c.person_id == reqs.c.person_id, lv.c.skill_id == reqs.c.skill_id))
        .outerjoin(via, via.c.id == lv.c.via_skill_id)
        .outerjoin(rl, and_(reqs.c.skill_id.is_(None), rl.c.person_id == reqs.c.person_id))
        .where(Person.active.is_(True))
    )
    stmt = _among_people(stmt, filters, scope)
    if filters.job_role:
        stmt = stmt.where(func.lower(JobRole.name) == filters.job_role.lower())
    if filters.service:
        stmt = stmt.where(func.lower(Service.name) == filters.service.lower())
    if filters.skill:
        stmt = stmt.where(func.upper(skill_code) == filters.skill.upper())
    if filters.framework:
        stmt = stmt.where(func.upper(framework_code) == filters.framework.upper())
    if filters.essential_only:
        stmt = stmt.where(reqs.c.essential.is_(True))
    if filters.status:
        stmt = stmt.where(status.in_(filters.status))
    return stmt.order_by(*_order(dict(org_unit=OrgUnit.path, person=Person.name, person_id=Person.id, framework=framework_code,
                                      skill=skill_code, job_role=JobRole.name, service=Service.name, skill_id=Skill.id),
                                 dialect))


# The order of the gap rows, read by people and paged (services/paging.py): by
# org unit, person, framework, skill, job role and service, then the skill's id
# (two versions of a framework may both hold a skill code). The columns that may be
# empty count as '' (first, on every database), so that a row's key has no NULL; a
# level-of-responsibility row's skill id (none) counts as 0.
ORDER = ("org_unit", "person", "person_id", "framework", "skill", "job_role", "service", "skill_id")
MAYBE_EMPTY = {"org_unit", "job_role", "service"}
NO_SKILL_ID = 0
TEXT = {"org_unit", "person", "framework", "skill", "job_role", "service"}


def _order(columns: dict, dialect: str) -> list:
    """The ordering expressions over ``columns`` (name -> column): byte order ("C")
    on PostgreSQL, which sorts a million rows several times faster than a
    linguistic collation."""
    out = []
    for name in ORDER:
        column = columns[name]
        if name in MAYBE_EMPTY:
            column = func.coalesce(column, "")
        elif name == "skill_id":
            column = func.coalesce(column, NO_SKILL_ID)
        if name in TEXT and dialect == "postgresql":
            column = column.collate("C")
        out.append(column)
    return out


def _row_key(row) -> tuple:
    return tuple((getattr(row, name) or "") if name in MAYBE_EMPTY
                 else (getattr(row, name) or NO_SKILL_ID) if name == "skill_id" else getattr(row, name) for name in ORDER)


def scope_for(actor):
    """The people whose gaps the actor may see: a select of ids, or None for everyone."""
    if policy.sees_everyone(actor):
        return None
    visible = org.visible_people(actor).with_only_columns(Person.id)
    return visible


def next_change(now: datetime, people) -> datetime | None:
    """The first moment after ``now`` at which a kept level of ``people`` (a select of
    person ids, or one id) starts or stops counting, or lapses: the gap rows read at
    ``now`` are the same until then, unless a recorded change comes first (cache.cached_until)."""
    cl = CurrentLevel.__table__
    who = cl.c.person_id == people if isinstance(people, int) else cl.c.person_id.in_(people)
    moments = union_all(*(select(column.label("at")).where(who, column > now)
                          for column in (cl.c.held_from, cl.c.valid_until, cl.c.lapsed_at))).subquery()
    found = db.session.scalar(select(func.min(moments.c.at)))
    if found is None:
        return None
    return found if found.tzinfo else found.replace(tzinfo=timezone.utc)  # SQLite gives UTC back naive


def frame(actor, filters: Filters | None = None, *, now: datetime | None = None, limit: int | None = None,
          offset: int = 0) -> pd.DataFrame:
    """The gap rows as a DataFrame, for the people the actor may see."""
    stmt = gap_select(filters, now=now, scope=scope_for(actor))
    if limit is not None:
        stmt = stmt.limit(limit).offset(offset)
    result = db.session.execute(stmt)
    df = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    return _typed(df)


def team_frame(actor, filters: Filters | None = None, *, now: datetime | None = None) -> pd.DataFrame:
    """The actor's own reports, direct and indirect, whatever else their role lets them see."""
    policy.require(actor, "view_team_matrix")
    tree = org.reports_cte(actor.id)
    result = db.session.execute(gap_select(filters, now=now, scope=select(tree.c.id)))
    return _typed(pd.DataFrame(result.fetchall(), columns=list(result.keys())))


def team_next_change(actor, now: datetime) -> datetime | None:
    """``next_change`` for the actor's own reports (team_frame's people)."""
    return next_change(now, select(org.reports_cte(actor.id).c.id))


def count(actor, filters: Filters | None = None, *, now: datetime | None = None) -> int:
    sub = gap_select(filters, now=now, scope=scope_for(actor)).order_by(None).subquery()
    return db.session.scalar(select(func.count()).select_from(sub)) or 0


# A page of gap rows is read from the rows of the first people in its order (the order begins with
# the person's org unit, name and id): PEOPLE_FIRST of them, more when they hold too few rows, and
# every row only past PEOPLE_AT_MOST, where sorting every row costs less than widening again.
PEOPLE_FIRST = 64
PEOPLE_AT_MOST = 20_000


def page(actor, filters: Filters | None = None, *, cursor: str | None, limit: int, total: int | None = None,
         now: datetime | None = None) -> paging.Page:
    """One page of the gap rows (``items``: a DataFrame, as ``frame`` gives),
    for the people the actor may see. ``total``: the number of rows, when the
    caller knows it (the page then says "page 2 of 5").

    Keyset-paged, and without sorting every row: the gap rows of the next people
    in the order (from the cursor's person, either way) are a prefix of all the
    rows from the cursor on, so when they hold more than a page the page is
    theirs; when they hold fewer, more people are read."""
    filters = filters or Filters()
    dialect = db.engine.dialect.name
    now = now or now_utc()
    scope = scope_for(actor)
    probe = gap_select(filters, now=now, scope=scope, dialect=dialect).order_by(None).subquery()
    order = _order(probe.c, dialect)
    at = paging.checked(cursor, order)
    wanted = PEOPLE_FIRST
    while True:
        people = None if wanted > PEOPLE_AT_MOST else _next_people(filters, scope, at, wanted, dialect)
        sub = gap_select(filters, now=now, scope=scope if people is None else people, dialect=dialect).order_by(None).subquery()
        found = paging.of_select(select(sub), _order(sub.c, dialect), cursor=cursor, limit=limit, scalars=False, key=_row_key)
        more = found.previous if at is not None and at.before else found.next
        if people is None or more or len(people) < wanted:
            break
        wanted *= 8
    found.items = _typed(pd.DataFrame([tuple(row) for row in found.items], columns=list(sub.c.keys())))
    found.total = total
    return found


def _among_people(stmt: Select, filters: Filters, scope) -> Select:
    """``stmt`` (joined to Person and OrgUnit) kept to the people in ``scope`` (a select of
    ids, None for all), the filter's one person, and its org unit (with the units below
    it, unless exact)."""
    if scope is not None:
        stmt = stmt.where(Person.id.in_(scope))
    if filters.person_id is not None:
        stmt = stmt.where(Person.id == filters.person_id)
    if filters.org_unit:
        path = filters.org_unit.strip("/")
        stmt = stmt.where(OrgUnit.path == path if filters.org_unit_exact else
                          or_(OrgUnit.path == path, OrgUnit.path.startswith(path + "/", autoescape=True)))
    return stmt


def _next_people(filters: Filters, scope, at, count: int, dialect: str) -> list[int]:
    """The ids of the next ``count`` active people in the gap rows' order, from the
    cursor's person (inclusive) in its direction, within the scope and org unit filter."""
    keys = _order(dict(org_unit=OrgUnit.path, person=Person.name, person_id=Person.id, framework=literal(""),
                       skill=literal(""), job_role=literal(""), service=literal(""), skill_id=literal(0)), dialect)[:3]
    backwards = at is not None and at.before
    stmt = _among_people(select(Person.id).outerjoin(OrgUnit, OrgUnit.id == Person.org_unit_id).where(Person.active.is_(True)),
                         filters, scope)
    if at is not None:
        mine = tuple_(*keys)
        theirs = tuple_(*[bindparam(None, value, type_=column.type) for column, value in zip(keys, at.key[:3])])
        stmt = stmt.where(mine <= theirs if backwards else mine >= theirs)
    stmt = stmt.order_by(*[k.desc() if backwards else k.asc() for k in keys]).limit(count)
    return list(db.session.scalars(stmt))


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    for column in ("required_level", "current_level", "self_level", "gap", "person_id", "skill_id", "job_role_id", "service_id"):
        df[column] = df[column].astype("Int64")
    df["essential"] = df["essential"].astype("boolean")
    df["valid_until"] = pd.to_datetime(df["valid_until"], utc=True, errors="coerce")
    return df


# -- set-wise summaries (no rows fetched) ----------------------------------------------

def _grouping_column(sub, by: str):
    if by == "skill":
        return _skill_label(sub).label("group")
    return func.coalesce(sub.c[by], literal("—")).label("group")


def summary(actor, filters: Filters | None = None, *, by: str | None = None, now: datetime | None = None) -> tuple[dict, pd.DataFrame | None]:
    """Totals (and, with ``by``, per-group totals) counted in SQL, in one statement.

    The gap rows are first counted per person (and group): requirements and
    each status, with FILTER; the totals and each group's add those up, and
    count people as rows of that first step (a hash aggregate, where
    count(DISTINCT) over every gap row would sort them all). With ``by``, the
    groups and the total are two branches of one UNION ALL over that first
    step (which PostgreSQL computes once)."""
    if by is not None and by not in GROUPINGS:
        raise InvalidInput.on("group", f"group by one of {', '.join(GROUPINGS)}")
    sub = gap_select(filters, now=now, scope=scope_for(actor)).order_by(None).subquery()
    _without_jit()
    # Every row has one status: "not_assessed" (most rows) is what the others leave, so the
    # status of a row is tested four times, not five (each test evaluates the whole CASE).
    counted = [s for s in STATUSES if s != "not_assessed"]
    statuses = [func.count().filter(sub.c.status == s).label(s) for s in counted]
    statuses.append((func.count() - sum((func.count().filter(sub.c.status == s) for s in counted[1:]),
                                        func.count().filter(sub.c.status == counted[0]))).label("not_assessed"))
    if by is None:
        first = select(sub.c.person_id, func.count().label("n"), *statuses).group_by(sub.c.person_id).subquery("per_person")
        counts = [func.coalesce(func.sum(first.c[s]), 0) for s in STATUSES]
        row = db.session.execute(select(literal(None).label("grp"), func.coalesce(func.sum(first.c.n), 0), func.count(), *counts)).one()
        return _total(row), None
    group = _grouping_column(sub, by)
    first = (select(group.label("grp"), sub.c.person_id, func.count().label("n"), *statuses)
             .group_by(group, sub.c.person_id).cte("per_group_person"))
    counts = [func.coalesce(func.sum(first.c[s]), 0) for s in STATUSES]
    total = select(literal(1).label("is_total"), null().label("grp"), func.coalesce(func.sum(first.c.n), 0),
                   func.count(func.distinct(first.c.person_id)), *counts)
    groups = select(literal(0), first.c.grp, func.sum(first.c.n), func.count(), *counts).group_by(first.c.grp)
    found = db.session.execute(union_all(total, groups)).all()
    total_row = next(r for r in found if r[0] == 1)
    table = pd.DataFrame([(r[1], int(r[2]), int(r[3]), *(int(v) for v in r[4:])) for r in found if r[0] == 0],
                         columns=["group", "requirements", "people", *STATUSES])
    if table.empty:
        return _total(total_row[1:]), pd.DataFrame(columns=["group", "requirements", "people", *STATUSES, "coverage"])
    table["coverage"] = (table["met"] / table["requirements"] * 100).round(1)
    return _total(total_row[1:]), table.sort_values("group", kind="stable").reset_index(drop=True)


def _without_jit() -> None:
    """For a statement that counts over every gap row, in its transaction: no JIT.
    PostgreSQL compiled the summary's expressions in each of its parallel workers
    (half a second of CPU at 100,000 people, its EXPLAIN's "JIT: Total 510 ms") before a
    pass that reads the two kept tables' indexes once. work_mem stays as set: more made
    the planner hash where the ordered indexes merge, and the statement slower."""
    stream.tune(db.session.connection(), None)


def _total(row) -> dict:
    """(grp, requirements, people, each status) as the summary's totals."""
    n, people, counts = int(row[1] or 0), int(row[2] or 0), [int(v or 0) for v in row[3:]]
    by_status = dict(zip(STATUSES, counts))
    return {"requirements": n, "people": people if n else 0, **by_status,
            "coverage": round(by_status["met"] / n * 100, 1) if n else None}


def unit_heatmap(actor, filters: Filters | None = None, *, now: datetime | None = None) -> dict:
    """Org units × skills: the share of requirements met, counted in SQL."""
    sub = gap_select(filters, now=now, scope=scope_for(actor)).order_by(None).subquery()
    _without_jit()
    unit = func.coalesce(sub.c.org_unit, literal("—")).label("unit")
    column = _skill_label(sub).label("column")
    met = func.sum(case((sub.c.status == "met", 1), else_=0)).label("met")
    rows = db.session.execute(select(unit, column, met, func.count().label("total")).group_by(unit, column)).all()
    people = dict(db.session.execute(select(unit, func.count(func.distinct(sub.c.person_id))).group_by(unit)).all())
    columns = sorted({r.column for r in rows})
    by_unit: dict[str, dict] = {}
    for r in rows:
        by_unit.setdefault(r.unit, {})[r.column] = {"met": int(r.met), "total": int(r.total), "coverage": round(int(r.met) / r.total * 100)}
    return {"columns": columns, "rows": [
        {"label": u, "id": None, "sub": f"{people.get(u, 0)} people", "cells": cells} for u, cells in sorted(by_unit.items())
    ]}


def row_batches(actor, filters: Filters | None = None, *, now: datetime | None = None, batch: int = 10000,
                columns: Sequence[str] = COLUMNS):
    """``columns`` (the contract's, unless others are asked for), straight off the
    DB-API cursor in batches: the values are plain ints and strings, so
    SQLAlchemy's row objects are skipped. On PostgreSQL a named (server-side)
    cursor keeps memory flat."""
    full = gap_select(filters, now=now, scope=scope_for(actor))
    by_key = {c.key: c for c in full.selected_columns}
    stmt = full.with_only_columns(*[by_key[c] for c in columns])
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        # Expanding parameters (IN lists) rendered as plain ones: the raw cursor sees no placeholders of SQLAlchemy's.
        compiled = stmt.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
        raw = connection.connection.driver_connection
        with raw.cursor(name=f"gap_export_{uuid.uuid4().hex[:12]}") as cursor:
            cursor.execute(str(compiled), compiled.construct_params())
            while rows := cursor.fetchmany(batch):
                yield rows
        return
    result = connection.execute(stmt)
    try:
        while rows := result.cursor.fetchmany(batch):
            yield rows
    finally:
        result.close()


# -- reports written by the database (PostgreSQL's COPY) ---------------------------

def _report_connection():
    connection = db.session.connection()
    stream.tune(connection, current_app.config.get("REPORT_WORK_MEM"))
    return connection


def _export_select(actor, filters: Filters | None, now: datetime | None):
    full = gap_select(filters, now=now, scope=scope_for(actor))
    return full, {c.key: c for c in full.selected_columns}


def copied_csv(actor, filters: Filters | None = None, *, now: datetime | None = None, counted: dict) -> Iterator[bytes] | None:
    """The gap CSV written by the database (None where it cannot: SQLite): the same
    rows, each cell as ``reports.export`` writes it, a line of COPY a person
    (:func:`_person_lines`)."""
    connection = db.session.connection()
    if not stream.copies(connection):
        return None
    stmt = _person_lines(actor, filters, now, "csv")
    return stream.copy_csv_people(_report_connection(), stmt, counted, header=(",".join(COLUMNS) + "\n").encode())


def copied_json(actor, filters: Filters | None = None, *, by: str | None = None, now: datetime | None = None,
                counted: dict) -> Iterator[bytes] | None:
    """The gap JSON written by the database (None where it cannot: SQLite), a line of
    COPY a person (:func:`_person_lines`); with ``by``, its groups counted from the
    same rows in the same pass."""
    connection = db.session.connection()
    if not stream.copies(connection):
        return None
    if by is not None and by not in GROUPINGS:
        raise InvalidInput.on("group", f"group by one of {', '.join(GROUPINGS)}")
    stmt = _person_lines(actor, filters, now, "json", by=by)
    return stream.copy_json_people(_report_connection(), stmt, counted, groups=by)


assert COLUMNS[:4] == ["person_id", "person", "email", "org_unit"]  # a person's own columns come first
assert COLUMNS[4:8] == ["job_role", "service", "framework", "skill"]  # then the cells of a job role, a service, a skill


def _person_lines(actor, filters: Filters | None, now: datetime | None, kind: str, *, by: str | None = None) -> Select:
    """The gap rows as COPY sends them, a line a person (``stream.copy_csv_people``,
    ``stream.copy_json_people``): how many rows, the cells their rows begin with
    (person_id, person, email, org_unit: once a person), and the rest of each of their
    rows, in the rows' order, joined by a mark (CSV: a zero byte, which no text holds;
    JSON: U+0001, which JSON text never holds bare). ``kind`` is "csv" or "json".

    A tenth of the lines to pass on than a line a row, and each part made where it
    is cheapest:

    * the cells of a job role, a service and a skill (framework and code) are made
      once each, from their tables (:func:`_dimension_cells`), not once a row, with
      their places in the rows' order (ranks): the rows are sorted by integers where
      they were sorted by the names and codes;
    * the rest of each row is made before the sort, by PostgreSQL's parallel workers,
      and sorted with the row (it is no wider than its parts);
    * a person's rows are consecutive in the sort, so they are aggregated as they
      come, sorting nothing again, and the person's cells are made once a person
      and put before each of their rows by the reader, which has their bytes.

    Grouped by org unit (the first key of the sort), a line also carries the unit
    and the first letter of each of its rows' statuses, which add up to the groups
    (a person is in one unit); grouped by job role, service or skill, each row's
    group (JSON text, made once a group) and the first letter of its status."""
    assert ORDER == ("org_unit", "person", "person_id", "framework", "skill", "job_role", "service", "skill_id")
    full = gap_select(filters, now=now, scope=scope_for(actor))
    cols = {c.key: c for c in full.selected_columns}
    cells = _dimension_cells(kind, by)
    for name, column in (("job_role", JobRole.id), ("service", Service.id), ("skill", Skill.id)):
        # A row with no job role (service, skill) meets the subquery's row for none: id 0, which no row of a table has.
        full = full.outerjoin(cells[name], cells[name].c.id == func.coalesce(column, 0))
    numbers = ["required_level", "current_level", "self_level", "gap"]
    if kind == "csv":
        comma = literal(",", Text)
        own = cells["job_role"].c.cells + comma + cells["service"].c.cells + comma + cells["skill"].c.cells
        for name in numbers:
            own = own + comma + func.coalesce(cast(cols[name], Text), "")
        # The status is one of STATUSES: nothing to neutralise or quote.
        own = func.convert_to(own + comma + cols["status"], "UTF8")
    else:
        # The status is one of STATUSES (never missing, nothing to escape): quoted as it is, no to_json.
        own = (cells["job_role"].c.cells + cells["service"].c.cells + cells["skill"].c.cells + literal(", ", Text)
               + stream.json_object([*[(name, stream.json_value(cols[name], text=False)) for name in numbers],
                                     ("status", literal('"', Text) + cols["status"] + literal('"', Text))], open_=False))
    extra = []
    if by == "org_unit":
        extra = [func.left(cols["status"], 1).label("letter")]
    elif by is not None:
        extra = [(cells[by].c.grp + func.left(cols["status"], 1)).label("token")]
    keys = [func.coalesce(cols["org_unit"], "").collate("C").label("key_org_unit"),
            cols["person"].collate("C").label("person"), cols["person_id"].label("person_id"),
            func.coalesce(cells["skill"].c.rank, 0).label("key_skill"),
            func.coalesce(cells["job_role"].c.rank, 0).label("key_job_role"),
            func.coalesce(cells["service"].c.rank, 0).label("key_service"),
            func.coalesce(cols["skill_id"], NO_SKILL_ID).label("key_skill_id")]
    # CSV writes a missing unit as it writes '' (an empty cell): the unit's key stands for it.
    unit_column = [cols["org_unit"].label("org_unit")] if kind == "json" else []
    rows = (full.with_only_columns(cols["email"].label("email"), *unit_column, own.label("own"), *extra, *keys)
            .order_by(None).order_by(*[k.name for k in keys]).subquery("rows"))
    person = [rows.c[k.name] for k in keys[:3]]  # org unit, person's name, person's id
    email = func.min(rows.c.email.collate("C"))
    unit = func.min((rows.c.org_unit if kind == "json" else rows.c.key_org_unit).collate("C"))
    if kind == "csv":
        comma = literal(",", Text)
        prefix = (func.coalesce(cast(rows.c.person_id, Text), "") + comma + stream.csv_cell(rows.c.person) + comma
                  + stream.csv_cell(email) + comma + stream.csv_cell(unit) + comma)
        line = [func.convert_to(prefix, "UTF8"), func.string_agg(rows.c.own, func.decode("00", "hex"))]
    else:
        prefix = stream.json_object([("person_id", stream.json_value(rows.c.person_id, text=False)),
                                     ("person", stream.json_value(rows.c.person, text=True)),
                                     ("email", stream.json_value(email, text=True)),
                                     ("org_unit", stream.json_value(unit, text=True))], close=False)
        line = [prefix, func.string_agg(rows.c.own, literal(ROW_MARK, Text))]
    tallies = []
    if by == "org_unit":
        tallies = [stream.json_value(func.min(rows.c.org_unit), text=True) + literal(ROW_MARK, Text)
                   + func.string_agg(rows.c.letter, literal("", Text))]
    elif by is not None:
        tallies = [func.string_agg(rows.c.token, literal(ROW_MARK, Text))]
    return select(func.count().label("n"), *line, *tallies).group_by(*person).order_by(*person)


ROW_MARK = "\x01"
assert len({s[0] for s in STATUSES}) == len(STATUSES)  # a status is known by its first letter


def _dimension_cells(kind: str, by: str | None) -> dict:
    """For each job role, service and skill, a subquery of its ``id``, its ``cells``
    as the report writes them ("csv": as COPY's CSV and ``reports.export`` write
    them; "json": ``"job_role": ...``, ``, "service": ...``, ``, "framework": ...,
    "skill": ...``), its ``rank`` in the rows' order (by the name, or the framework's
    code and the skill's, collated as _order does: equal ones share a rank) and with
    ``by`` its group (``grp``, JSON text); with a row for none (id 0: its cells and
    group those of a missing value, its rank that of '').

    Each subquery is grouped (PostgreSQL computes it apart, its texts once a row of
    the table, not once a gap row, and in each parallel worker: a window function
    would keep the join out of the workers), and a rank is how many distinct keys
    there are up to the row's own (a few hundred rows joined to themselves)."""
    def text(value):
        return stream.csv_cell(value) if kind == "csv" else stream.json_value(value, text=True)

    def named(value, key: str, first: bool = False):
        if kind == "csv":
            return text(value)
        return literal(("" if first else ", ") + f'"{key}": ', Text) + text(value)

    def group(value):
        return [stream.json_value(value, text=True).label("grp")]

    nothing = literal("—")
    out = {}
    for name, model in (("job_role", JobRole), ("service", Service)):
        names = union_all(select(model.id.label("id"), model.name.label("name")),
                          select(literal(0).label("id"), null().label("name"))).subquery(f"{name}_names")
        row, other = names.alias(f"{name}_row"), names.alias(f"{name}_other")
        key, other_key = (func.coalesce(t.c.name, "").collate("C") for t in (row, other))
        out[name] = (
            select(row.c.id, named(row.c.name, name, first=name == "job_role").label("cells"),
                   func.count(other_key.distinct()).label("rank"),
                   *(group(func.coalesce(row.c.name, nothing)) if by == name else []))
            .select_from(row).join(other, other_key <= key).group_by(row.c.id, row.c.name)
            .subquery(f"{name}_cells"))
    lor = literal(RESPONSIBILITY_CODE)
    codes = union_all(
        select(Skill.id.label("id"), func.coalesce(Framework.code, lor).label("framework"), func.coalesce(Skill.code, lor).label("code"))
        .select_from(Skill).outerjoin(Framework, Framework.id == Skill.framework_id),
        select(literal(0), lor, lor),
    ).subquery("skill_codes")
    row, other = codes.alias("skill_row"), codes.alias("skill_other")
    key, other_key = (tuple_(t.c.framework.collate("C"), t.c.code.collate("C")) for t in (row, other))
    framework, code = key.clauses
    if kind == "csv":
        skill_cells = text(row.c.framework) + literal(",", Text) + text(row.c.code)
    else:
        skill_cells = named(row.c.framework, "framework") + named(row.c.code, "skill")
    # The group as _skill_label names it, over the codes collated as the rows' columns were.
    label = case((func.upper(framework) == func.upper(code), code), else_=framework + literal(" ") + code)
    out["skill"] = (
        select(row.c.id, skill_cells.label("cells"), func.count(other_key.distinct()).label("rank"),
               *(group(label) if by == "skill" else []))
        .select_from(row).join(other, other_key <= key).group_by(row.c.id, row.c.framework, row.c.code)
        .subquery("skill_cells"))
    return out


def cache_key(actor, name: str, filters: Filters | None, *extra) -> str:
    """A cache key for a report result as this actor may see it."""
    who = "all" if policy.sees_everyone(actor) else f"person:{getattr(actor, 'id', None)}"
    args = sorted((filters or Filters()).as_args().items())
    return f"gaps:{name}:{who}:{args!r}:{extra!r}"


# -- what the gap rows add up to --------------------------------------------------------

def service_coverage(actor, *, service: str | None = None) -> pd.DataFrame:
    """One row per service requirement. Counts come from the gap engine, so a
    level met through a crosswalk counts, and expired levels do not."""
    return coverage_table(service_coverage_records(actor, service=service))


def coverage_table(records: list[dict]) -> pd.DataFrame:
    """Service coverage's records (``service_coverage_records``) as its table."""
    return pd.DataFrame(records, columns=coverage.COLUMNS + ["service_id", "skill_id", "framework_version"])


def service_coverage_records(actor, *, service: str | None = None) -> list[dict]:
    """Service coverage's rows as plain values (what a cache keeps): one a service requirement.

    Counted by the database in one statement: the gap rows of the services'
    requirements (the levels of the people who run a service alone read) grouped by service and skill (the met rows, the people
    assigned and, on PostgreSQL, the qualified people's names in code point
    order), joined to every service requirement in its order. On SQLite the
    names come sorted in a statement of their own and are joined here."""
    # The people with a service's requirement rows (of those the actor may see): their levels alone are read.
    serving = select(PersonRequirement.person_id).where(PersonRequirement.service_id.is_not(None))
    scope = scope_for(actor)
    if scope is not None:
        serving = serving.where(PersonRequirement.person_id.in_(scope))
    rows = gap_select(Filters(service=service), scope=serving).order_by(None)
    rows = rows.where(rows.selected_columns.service_id.is_not(None)).subquery("service_rows")
    met = rows.c.status == "met"
    postgres = db.session.get_bind().dialect.name == "postgresql"
    names = []
    if postgres:
        names = [func.string_agg(rows.c.person, aggregate_order_by(literal("; "), rows.c.person.collate("C")))
                 .filter(met).label("names")]
    counted = (select(rows.c.service_id, rows.c.skill_id, func.count().filter(met).label("qualified"),
                      func.count(func.distinct(rows.c.person_id)).label("assigned"), *names)
               .group_by(rows.c.service_id, rows.c.skill_id).subquery("counted"))
    stmt = (select(Requirement.service_id, Service.name.label("service"), Requirement.skill_id, Skill.code.label("skill"),
                   Framework.code.label("framework"), Framework.version.label("framework_version"),
                   Requirement.min_level, Requirement.headcount, counted.c.qualified, counted.c.assigned,
                   *([counted.c.names] if postgres else []))
            .join(Service, Service.id == Requirement.service_id)
            .join(Skill, Skill.id == Requirement.skill_id)
            .join(Framework, Framework.id == Skill.framework_id)
            .outerjoin(counted, and_(counted.c.service_id == Requirement.service_id, counted.c.skill_id == Requirement.skill_id))
            .order_by(Service.name, Requirement.id))
    _without_jit()
    found = [r for r in db.session.execute(stmt) if not service or r.service.lower() == service.lower()]
    if not postgres:
        qualified: dict[tuple, list[str]] = {}
        for r in db.session.execute(select(rows.c.service_id, rows.c.skill_id, rows.c.person).where(met)
                                    .order_by(rows.c.service_id, rows.c.skill_id, rows.c.person)):
            qualified.setdefault((r.service_id, r.skill_id), []).append(r.person)
    records = []
    for r in found:
        n = int(r.qualified or 0)
        who = r.names if postgres else "; ".join(qualified.get((r.service_id, r.skill_id), []))
        records.append({
            "service": r.service,
            "framework": r.framework,
            "skill": r.skill,
            "required_level": r.min_level,
            "needed": r.headcount,
            "qualified": n,
            "shortfall": max(r.headcount - n, 0),
            "single_point_of_failure": n == 1,
            "people_assigned": int(r.assigned or 0),
            "qualified_people": who or "",
            "service_id": r.service_id,
            "skill_id": r.skill_id,
            "framework_version": r.framework_version,
        })
    return records


def _skill_label(sub):
    """A skill's label in SQL, as ``reports.labels.skill_label`` makes it: "SFIA SLMO", and "SLM" (not "SLM SLM")."""
    return case((func.upper(sub.c.framework) == func.upper(sub.c.skill), sub.c.skill),
                else_=sub.c.framework + literal(" ") + sub.c.skill)
