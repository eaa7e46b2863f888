"""What if these people left? HR names people who might leave or move, or org
units to reorganise (every active person in them and below), and sees, before
anything changes:

* each service requirement whose qualified people (those running the service
  who meet its level, as the gap engine counts them: crosswalks count, expired
  levels do not) would fall below its headcount, come down to one person (a
  single point of failure), or to no one;
* each job role that would lose its only holders, or every holder who meets all
  its essential requirements.

The outcome is worked out from the database as it is when it is shown, in a
fixed number of statements whatever the number of people (the gap statement,
grouped in SQL). Scenarios can be saved under a name and compared side by side;
saving one changes nothing else.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, case, func, literal, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from skills_app import policy
from skills_app.errors import Conflict, InvalidInput, NotFound
from skills_app.extensions import db
from skills_app.models import MAX_ID, Framework, JobRole, OrgUnit, Person, Requirement, Scenario, Service, Skill
from skills_app.models.requirements import person_job_role
from skills_app.services import accounts, audit, clean_name, gaps, org

MAX_PEOPLE = 500
# The people picker shows this many people found at a time.
PICK_LIMIT = 25
MAX_SEARCH = 200


@dataclass
class ServiceImpact:
    service: str
    service_id: int
    skill: str                     # "SFIA SLMO"
    required_level: int
    needed: int
    before: int
    after: int
    leaving: list[str] = field(default_factory=list)   # the qualified people who would go

    @property
    def falls_below(self) -> bool:
        return self.after < self.needed <= self.before

    @property
    def new_single_point(self) -> bool:
        return self.after == 1 < self.before

    @property
    def left_with_no_one(self) -> bool:
        return self.after == 0 < self.before

    @property
    def changed(self) -> bool:
        return self.after != self.before


@dataclass
class RoleImpact:
    job_role: str
    job_role_id: int
    holders_before: int
    holders_after: int
    qualified_before: int
    qualified_after: int
    leaving: list[str] = field(default_factory=list)   # the holders who would go

    @property
    def loses_every_holder(self) -> bool:
        return self.holders_after == 0 < self.holders_before

    @property
    def loses_every_qualified_holder(self) -> bool:
        return self.qualified_after == 0 < self.qualified_before

    @property
    def changed(self) -> bool:
        return self.holders_after != self.holders_before


@dataclass
class Outcome:
    leaving: list[Person]
    services: list[ServiceImpact]
    roles: list[RoleImpact]

    @property
    def below_headcount(self) -> list[ServiceImpact]:
        return [s for s in self.services if s.falls_below]

    @property
    def single_points(self) -> list[ServiceImpact]:
        return [s for s in self.services if s.new_single_point]

    @property
    def with_no_one(self) -> list[ServiceImpact]:
        return [s for s in self.services if s.left_with_no_one]

    @property
    def roles_without_holders(self) -> list[RoleImpact]:
        return [r for r in self.roles if r.loses_every_holder]

    @property
    def roles_without_qualified(self) -> list[RoleImpact]:
        return [r for r in self.roles if r.loses_every_qualified_holder]


@dataclass
class Who:
    """The people and units of a scenario, checked."""
    people: list[Person]
    units: list[OrgUnit]


def _ids(values, what: str, field_name: str) -> list[int]:
    out = []
    for value in values or []:
        text = str(value).strip()
        if not text:
            continue
        if not (text.isascii() and text.isdigit()) or not 0 < int(text) <= MAX_ID:
            raise InvalidInput.on(field_name, f"{text!r} is not a {what} id.")
        out.append(int(text))
    return out


def resolve(actor, *, people: str = "", person_ids=(), unit_ids=()) -> Who:
    """The scenario's people from typed emails or employee numbers (one per line,
    or separated by commas or semicolons) and ids, and its org units by id."""
    policy.require(actor, "run_what_if")
    errors: dict[str, str] = {}
    found: dict[int, Person] = {}
    tokens = [t.strip() for t in str(people or "").replace(";", "\n").replace(",", "\n").splitlines() if t.strip()]
    unknown = []
    for token in tokens:
        person = accounts.find_person(token)
        if person is None or not person.active:
            unknown.append(token)
        else:
            found[person.id] = person
    if unknown:
        shown = ", ".join(unknown[:5]) + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else "")
        errors["people"] = f"No active person with the email or employee number {shown}."
    try:
        for pid in _ids(person_ids, "person", "people"):
            person = db.session.get(Person, pid)
            if person is None or not person.active:
                errors["people"] = f"No active person with the id {pid}."
            else:
                found[person.id] = person
        units = []
        for uid in _ids(unit_ids, "org unit", "units"):
            unit = db.session.get(OrgUnit, uid)
            if unit is None:
                errors["units"] = f"No org unit with the id {uid}."
            elif unit not in units:
                units.append(unit)
    except InvalidInput as exc:
        errors.update(exc.fields)
        units = []
    if len(found) > MAX_PEOPLE:
        errors["people"] = f"Name at most {MAX_PEOPLE} people; for more, choose their org unit."
    if not errors and not found and not units:
        errors["people"] = "Name at least one person, or choose an org unit."
    if errors:
        raise InvalidInput.on_fields(errors)
    return Who(sorted(found.values(), key=lambda p: (p.name, p.id)), units)


@dataclass
class Picked:
    """The people picker's answer: the first ``PICK_LIMIT`` people found, and how many there are."""
    people: list[Person]
    total: int
    unit: OrgUnit | None = None

    @property
    def more(self) -> int:
        return self.total - len(self.people)


def _unit(unit_id, field_name: str) -> OrgUnit | None:
    if unit_id in (None, ""):
        return None
    ids = _ids([unit_id], "org unit", field_name)
    unit = db.session.get(OrgUnit, ids[0]) if ids else None
    if unit is None:
        raise InvalidInput.on(field_name, f"No org unit with the id {unit_id}.")
    return unit


def find_people(actor, *, text: str = "", unit_id=None, limit: int = PICK_LIMIT) -> Picked:
    """The people picker: active people whose name or email contains ``text`` (whatever its case), or
    whose employee number it is, in the org unit ``unit_id`` and those below; by name, at most ``limit``."""
    policy.require(actor, "run_what_if")
    text = (text or "").strip()
    if len(text) > MAX_SEARCH:
        raise InvalidInput.on("find", f"Search with at most {MAX_SEARCH} characters.")
    unit = _unit(unit_id, "find_unit")
    if not text and unit is None:
        raise InvalidInput.on("find", "Type part of a name or an email address, or choose an org unit.")
    stmt = select(Person).where(Person.active.is_(True))
    if text:
        lowered = text.lower()
        stmt = stmt.where(or_(func.lower(Person.name).contains(lowered, autoescape=True),
                              func.lower(Person.email).contains(lowered, autoescape=True),
                              Person.employee_number == text))
    if unit is not None:
        stmt = stmt.where(Person.org_unit_id.in_(select(OrgUnit.id).where(org.unit_and_descendants(unit))))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    people = list(db.session.scalars(stmt.options(selectinload(Person.org_unit)).order_by(Person.name, Person.id).limit(limit)))
    return Picked(people, total, unit)


def picked(actor, person_ids) -> list[Person]:
    """The people ticked in the picker, to show them ticked again (those no longer active, or not
    people at all, are left out here and named when the scenario is worked out, by ``resolve``)."""
    policy.require(actor, "run_what_if")
    try:
        ids = _ids(person_ids, "person", "people")
    except InvalidInput:
        ids = [i for i in (str(v).strip() for v in person_ids or []) if i.isascii() and i.isdigit() and 0 < int(i) <= MAX_ID]
        ids = [int(i) for i in ids]
    if not ids:
        return []
    return list(db.session.scalars(select(Person).where(Person.id.in_(ids[:MAX_PEOPLE + 1]), Person.active.is_(True))
                                   .options(selectinload(Person.org_unit)).order_by(Person.name, Person.id)))


def whole_unit(actor, unit_id) -> OrgUnit:
    """The org unit whose people would all go ("everyone in this unit"), checked."""
    policy.require(actor, "run_what_if")
    unit = _unit(unit_id, "find_unit")
    if unit is None:
        raise InvalidInput.on("find_unit", "Choose the org unit whose people would all go.")
    return unit


def _leavers(who: Who):
    """A select of the ids of the active people who would go."""
    named = [p.id for p in who.people]
    conditions = [Person.id.in_(named)] if named else []
    for unit in who.units:
        conditions.append(Person.org_unit_id.in_(select(OrgUnit.id).where(org.unit_and_descendants(unit))))
    return select(Person.id).where(Person.active.is_(True), or_(*conditions) if conditions else literal(False))


def evaluate(actor, who: Who) -> Outcome:
    """What the scenario would do to the services and job roles (see the module)."""
    policy.require(actor, "run_what_if")
    leavers = _leavers(who).subquery("leavers")
    leaving = list(db.session.scalars(select(Person).where(Person.id.in_(select(leavers.c.id))).order_by(Person.name, Person.id)))
    gone = {p.id: p.name for p in leaving}
    rows = gaps.gap_select(gaps.Filters()).order_by(None).subquery("rows")
    is_leaving = rows.c.person_id.in_(select(leavers.c.id))

    # Services: qualified people per requirement, before and after.
    met = and_(rows.c.service_id.is_not(None), rows.c.status == "met")
    counts = (select(rows.c.service_id, rows.c.skill_id, func.count().label("before"),
                     func.sum(case((is_leaving, 0), else_=1)).label("after"))
              .where(met).group_by(rows.c.service_id, rows.c.skill_id).subquery("counts"))
    stmt = (select(Service.name, Service.id, Skill.code, Framework.code, Requirement.skill_id, Requirement.min_level,
                   Requirement.headcount, func.coalesce(counts.c.before, 0), func.coalesce(counts.c.after, 0))
            .join(Service, Service.id == Requirement.service_id)
            .join(Skill, Skill.id == Requirement.skill_id)
            .join(Framework, Framework.id == Skill.framework_id)
            .outerjoin(counts, and_(counts.c.service_id == Requirement.service_id, counts.c.skill_id == Requirement.skill_id))
            .order_by(Service.name, Skill.code, Requirement.id))
    qualified_leaving: dict[tuple[int, int], list[str]] = {}
    for service_id, skill_id, person_id in db.session.execute(
            select(rows.c.service_id, rows.c.skill_id, rows.c.person_id).where(met, is_leaving)
            .order_by(rows.c.person, rows.c.person_id)):
        qualified_leaving.setdefault((service_id, skill_id), []).append(gone.get(person_id, "?"))
    services = [
        ServiceImpact(name, sid, f"{framework} {code}", level, needed, int(before), int(after),
                      qualified_leaving.get((sid, skill_id), []))
        for name, sid, code, framework, skill_id, level, needed, before, after in db.session.execute(stmt)
    ]

    # Job roles: holders, and holders who meet every essential requirement of the role.
    falls_short = func.sum(case((and_(rows.c.essential.is_(True), rows.c.status != "met"), 1), else_=0))
    unqualified = (select(rows.c.person_id, rows.c.job_role_id).where(rows.c.job_role_id.is_not(None))
                   .group_by(rows.c.person_id, rows.c.job_role_id).having(falls_short > 0).subquery("unqualified"))
    holder_leaving = person_job_role.c.person_id.in_(select(leavers.c.id))
    is_qualified = unqualified.c.person_id.is_(None)
    stmt = (select(JobRole.name, JobRole.id,
                   func.count(Person.id), func.sum(case((and_(Person.id.is_not(None), ~holder_leaving), 1), else_=0)),
                   func.sum(case((and_(Person.id.is_not(None), is_qualified), 1), else_=0)),
                   func.sum(case((and_(Person.id.is_not(None), is_qualified, ~holder_leaving), 1), else_=0)))
            .select_from(JobRole)
            .outerjoin(person_job_role, person_job_role.c.job_role_id == JobRole.id)
            .outerjoin(Person, and_(Person.id == person_job_role.c.person_id, Person.active.is_(True)))
            .outerjoin(unqualified, and_(unqualified.c.person_id == person_job_role.c.person_id,
                                         unqualified.c.job_role_id == JobRole.id))
            .group_by(JobRole.id, JobRole.name).order_by(JobRole.name, JobRole.id))
    holders_leaving: dict[int, list[str]] = {}
    for role_id, person_id in db.session.execute(
            select(person_job_role.c.job_role_id, person_job_role.c.person_id).where(holder_leaving)):
        holders_leaving.setdefault(role_id, []).append(gone.get(person_id, "?"))
    roles = [RoleImpact(name, rid, int(h or 0), int(ha or 0), int(q or 0), int(qa or 0), sorted(holders_leaving.get(rid, [])))
             for name, rid, h, ha, q, qa in db.session.execute(stmt)]
    return Outcome(leaving, services, roles)


# -- saved scenarios --------------------------------------------------------------

def scenarios(actor) -> list[Scenario]:
    policy.require(actor, "run_what_if")
    return list(db.session.scalars(select(Scenario).order_by(Scenario.name, Scenario.id)))


def get(actor, scenario_id: int) -> Scenario:
    policy.require(actor, "run_what_if")
    scenario = db.session.get(Scenario, scenario_id) if 0 < scenario_id <= MAX_ID else None
    if scenario is None:
        raise NotFound(f"There is no scenario {scenario_id}.")
    return scenario


def save(actor, scenario: Scenario | None, *, name: str, note: str | None, who: Who) -> Scenario:
    """Keep a scenario under a name (a new one, or ``scenario`` changed)."""
    policy.require(actor, "run_what_if")
    name = clean_name(name, missing="A scenario needs a name to be saved.", too_long="A scenario's name is at most 200 characters.")
    clash = db.session.scalar(select(Scenario).where(func.lower(Scenario.name) == name.lower()))
    if clash is not None and clash is not scenario:
        raise Conflict(f"A scenario named {name!r} exists already.", details={"fields": {"name": "This name is taken."}})
    new = scenario is None
    try:
        with db.session.begin_nested():
            if new:
                scenario = Scenario(created_by=actor if isinstance(actor, Person) else None)
                db.session.add(scenario)
            scenario.name, scenario.note = name, (note or "").strip() or None
            scenario.people, scenario.units = list(who.people), list(who.units)
            db.session.flush()
    except IntegrityError:
        # Saved under the same name at the same moment by another request (a double click, two tabs).
        raise Conflict(f"A scenario named {name!r} exists already.", details={"fields": {"name": "This name is taken."}}) from None
    audit.record(actor, "what_if.saved" if new else "what_if.changed", scenario,
                 summary=f"{'saved' if new else 'changed'} the what-if scenario {name!r}: "
                         f"{len(who.people)} people named, {len(who.units)} org units",
                 data={"people": [p.id for p in who.people], "units": [u.id for u in who.units]})
    return scenario


def delete(actor, scenario_id: int) -> str:
    scenario = get(actor, scenario_id)
    name = scenario.name
    audit.record(actor, "what_if.deleted", scenario, summary=f"deleted the what-if scenario {name!r}")
    db.session.delete(scenario)
    db.session.flush()
    return name


def compare(actor, scenario_ids) -> list[tuple[Scenario, Outcome]]:
    """Each scenario with its outcome, in the order asked (two to five)."""
    ids = _ids(scenario_ids, "scenario", "ids")
    ids = list(dict.fromkeys(ids))
    if not 2 <= len(ids) <= 5:
        raise InvalidInput.on("ids", "Tick two to five scenarios to compare.")
    out = []
    for sid in ids:
        scenario = get(actor, sid)
        out.append((scenario, evaluate(actor, Who(scenario.people, scenario.units))))
    return out
