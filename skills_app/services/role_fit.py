"""Explore roles: a person against any job role or service, whether they hold
it or not; the job roles closest to a person; and, for a job role, the people
closest to it (succession).

Levels, gaps and statuses come from the gap engine's held-level rules
(``gaps.target_select``: latest validated and unexpired level, crosswalks
either way, "via", expired and not assessed as statuses of their own), never
computed again here. A job role's level of responsibility, where it states one,
is a line of its own (framework and skill "LoR", no skill id, essential), met
by the person's current responsibility level (services/responsibility.py); it
counts in the closest roles like any essential requirement.

"Closest" ranks job roles by the required levels a person already meets,
essential ones first: the essential requirements met (most first), then all
requirements met, then the fewest still missing, then the name. It is one
grouped statement over every job role at once, and the missing levels of a
page of roles one more: the number of statements does not depend on the
number of job roles or people.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.orm import selectinload

from skills_app import paging, policy
from skills_app.extensions import db
from skills_app.models import JobRole, LearningResource, OrgUnit, Person, Service, Skill, SkillLevel
from skills_app.services import by_id, gaps, org

READY_NOW, ONE_LEVEL_AWAY, FURTHER = "ready_now", "one_level_away", "further"
READINESS_LABELS = {READY_NOW: "Ready now", ONE_LEVEL_AWAY: "One level away", FURTHER: "Further away"}
SUCCESSION_LIMIT = 50


@dataclass
class MissingLevel:
    level: int
    name: str | None
    descriptors: list[str]


@dataclass
class FitRow:
    """One requirement of the target, for the person: a skill's level, or (``skill_id``
    None, framework and skill "LoR") the job role's level of responsibility."""

    skill_id: int | None
    framework: str
    framework_version: str
    skill: str
    skill_name: str
    required_level: int
    essential: bool
    current_level: int | None
    via: str | None
    self_level: int | None
    gap: int | None
    status: str
    missing: list[MissingLevel] = field(default_factory=list)
    learning: list[LearningResource] = field(default_factory=list)

    @property
    def met(self) -> bool:
        return self.status == "met"

    @property
    def is_responsibility(self) -> bool:
        return self.skill_id is None

    @property
    def levels_short(self) -> int:
        return 0 if self.met else self.required_level - (self.current_level or 0)


@dataclass
class Fit:
    person: Person
    owner: JobRole | Service
    rows: list[FitRow]

    @property
    def required(self) -> int:
        return len(self.rows)

    @property
    def met(self) -> int:
        return sum(r.met for r in self.rows)

    @property
    def top_level(self) -> int:
        """The highest level any row shows (a chart's scale)."""
        return max([1, *(v for r in self.rows for v in (r.required_level, r.current_level, r.self_level) if v)])

    @property
    def gaps(self) -> list[FitRow]:
        return [r for r in self.rows if not r.met]


@dataclass
class RoleMatch:
    """A job role against a person: how many of its required levels they meet."""

    job_role_id: int
    job_role: str
    required: int
    met: int
    essential_required: int
    essential_met: int
    missing: list[dict] = field(default_factory=list)


def _one(person_id: int):
    def people(column):
        return column == person_id

    return people


def _owner(actor, kind: str, owner_id: int) -> JobRole | Service:
    policy.require(actor, "view_requirements")
    model = {"job_role": JobRole, "service": Service}[kind]
    return by_id(model, owner_id, model.LABEL)


def _person(actor, person: Person) -> Person:
    policy.require(actor, "view_person_skills", person)
    return person


# -- one person against one job role or service ------------------------------------

def compare(actor, person: Person, kind: str, owner_id: int, *, now: datetime | None = None) -> Fit:
    """``person`` against the job role (``kind`` "job_role") or service ("service")
    ``owner_id``: each requirement with their levels, the gap, and for each gap the
    descriptors of the levels they lack and the learning resources for them."""
    _person(actor, person)
    owner = _owner(actor, kind, owner_id)
    key = {"job_role": "job_role_id", "service": "service_id"}[kind]
    stmt = gaps.target_select(_one(person.id), now=now, **{key: owner.id})
    found = db.session.execute(stmt.order_by(None)).mappings().all()
    rows = [FitRow(
        skill_id=r["skill_id"], framework=r["framework"], framework_version=r["framework_version"], skill=r["skill"],
        skill_name=r["skill_name"], required_level=r["required_level"], essential=bool(r["essential"]),
        current_level=r["current_level"], via=r["via"], self_level=r["self_level"], gap=r["gap"], status=r["status"],
    ) for r in found]
    # The level of responsibility first among its like (SFIA asks for it before the skills).
    rows.sort(key=lambda r: (r.met, not r.essential, not r.is_responsibility, r.framework, r.skill, r.skill_id or 0))
    _explain(rows)
    return Fit(person=person, owner=owner, rows=rows)


def _explain(rows: list[FitRow]) -> None:
    """For each gap: the descriptors of the levels above the current one up to the
    required one (defined levels only), and the learning resources aimed at those
    levels. Two statements, whatever the number of gaps."""
    short = [r for r in rows if not r.met and not r.is_responsibility]
    if not short:
        return
    ids = sorted({r.skill_id for r in short})
    skills = {s.id: s for s in db.session.scalars(
        select(Skill).where(Skill.id.in_(ids))
        .options(selectinload(Skill.levels).selectinload(SkillLevel.descriptors), selectinload(Skill.framework)))}
    resources = list(db.session.scalars(
        select(LearningResource).where(LearningResource.skill_id.in_(ids))
        .order_by(LearningResource.target_level, LearningResource.title, LearningResource.id)))
    for r in short:
        skill = skills[r.skill_id]
        names = {lvl.number: lvl.name for lvl in skill.framework.levels}
        above = r.current_level or 0
        r.missing = [MissingLevel(sl.level, names.get(sl.level), [d.text for d in sl.descriptors])
                     for sl in skill.levels if sl.defined and above < sl.level <= r.required_level]
        r.learning = [x for x in resources if x.skill_id == r.skill_id and above < x.target_level <= r.required_level]


# -- the job roles closest to a person ---------------------------------------------

def _matches(person_id: int, now: datetime | None):
    """Every job role with the person's counts, as a subquery (one row a role)."""
    rows = gaps.target_select(_one(person_id), every_job_role=True, now=now).order_by(None).subquery("fit_rows")
    met = rows.c.status == "met"
    essential = rows.c.essential.is_(True)
    # A row's job_role_id is never NULL (the level of responsibility's skill_id is): counted, it
    # counts the rows the outer join found.
    row = rows.c.job_role_id
    stmt = (
        select(
            JobRole.id.label("id"), JobRole.name.label("name"),
            func.count(row).label("required"),
            func.count(row).filter(met).label("met"),
            func.count(row).filter(essential).label("essential_required"),
            func.count(row).filter(and_(met, essential)).label("essential_met"),
        )
        .select_from(JobRole)
        .outerjoin(rows, rows.c.job_role_id == JobRole.id)
        .group_by(JobRole.id, JobRole.name)
    )
    return stmt.subquery("role_matches")


def _order(sub):
    name = sub.c.name.collate("C") if db.engine.dialect.name == "postgresql" else sub.c.name
    return [-sub.c.essential_met, -sub.c.met, sub.c.required - sub.c.met, name, sub.c.id]


def _match_key(row) -> tuple:
    return (-row.essential_met, -row.met, row.required - row.met, row.name, row.id)


def closest_roles(actor, person: Person, *, cursor: str | None = None, limit: int = 20,
                  now: datetime | None = None) -> paging.Page[RoleMatch]:
    """Every job role against ``person``, closest first (see the module's note), a
    page at a time; each with its missing levels (the requirements not met)."""
    _person(actor, person)
    sub = _matches(person.id, now)
    found = paging.of_select(select(sub), _order(sub), cursor=cursor, limit=limit, scalars=False, key=_match_key)
    matches = [RoleMatch(job_role_id=r.id, job_role=r.name, required=int(r.required), met=int(r.met),
                         essential_required=int(r.essential_required), essential_met=int(r.essential_met))
               for r in found.items]
    if matches:
        by_id_ = {m.job_role_id: m for m in matches}
        missing = (gaps.target_select(_one(person.id), every_job_role=True, now=now).order_by(None).subquery("missing"))
        stmt = (select(missing.c.job_role_id, missing.c.framework, missing.c.skill, missing.c.required_level,
                       missing.c.current_level)
                .where(missing.c.job_role_id.in_(list(by_id_)), missing.c.status != "met")
                .order_by(missing.c.job_role_id, case((missing.c.essential.is_(True), 0), else_=1),
                          missing.c.framework, missing.c.skill, missing.c.skill_id))
        for r in db.session.execute(stmt):
            by_id_[r.job_role_id].missing.append({"framework": r.framework, "skill": r.skill,
                                                  "required_level": r.required_level, "current_level": r.current_level})
    found.items = matches
    return found


# -- for a job role, the people closest to it ------------------------------------

@dataclass
class Candidate:
    person_id: int
    name: str
    email: str
    org_unit: str | None
    required: int
    met: int
    levels_short: int

    @property
    def readiness(self) -> str:
        if self.levels_short == 0:
            return READY_NOW
        return ONE_LEVEL_AWAY if self.levels_short == 1 else FURTHER


def succession(actor, role_id: int, *, limit: int = SUCCESSION_LIMIT, now: datetime | None = None) -> tuple[JobRole, list[Candidate]]:
    """The people closest to job role ``role_id`` (whether they hold it or not):
    ready now (every required level met), one level away (one level short in
    all), then the rest, fewest levels short first. One statement."""
    policy.require(actor, "view_succession")
    role = _owner(actor, "job_role", role_id)
    scope = gaps.scope_for(actor)

    def people(column):
        return column.in_(scope) if scope is not None else literal(True)

    rows = gaps.target_select(people, job_role_id=role.id, now=now).order_by(None).subquery("fit_rows")
    short = func.sum(case((rows.c.status == "met", 0),
                          else_=rows.c.required_level - func.coalesce(rows.c.current_level, 0))).label("levels_short")
    met = func.count().filter(rows.c.status == "met").label("met")
    stmt = (
        select(Person.id, Person.name, Person.email, OrgUnit.path, func.count().label("required"), met, short)
        .select_from(rows).join(Person, Person.id == rows.c.person_id).outerjoin(OrgUnit, OrgUnit.id == Person.org_unit_id)
        .group_by(Person.id, Person.name, Person.email, OrgUnit.path)
        .order_by(short, met.desc(), Person.name, Person.id).limit(limit)
    )
    return role, [Candidate(person_id=r[0], name=r[1], email=r[2], org_unit=r[3], required=int(r[4]), met=int(r[5]),
                            levels_short=int(r[6])) for r in db.session.execute(stmt)]


def visible_reports(actor) -> list[Person]:
    """The people whose roles a line manager may explore: their reports (for the page's picker)."""
    if not isinstance(actor, Person):
        return []
    tree = org.reports_cte(actor.id)
    return list(db.session.scalars(select(Person).where(Person.id.in_(select(tree.c.id)), Person.active.is_(True))
                                   .order_by(Person.name, Person.id)))
