"""Org units (a tree, addressed by path) and who the actor may see."""
from __future__ import annotations

import functools
from dataclasses import dataclass

from sqlalchemy import Select, func, literal, or_, select, union_all
from sqlalchemy.orm import aliased, selectinload
from sqlalchemy.exc import IntegrityError

from skills_app import paging, policy
from skills_app.errors import Conflict, InvalidInput
from skills_app.extensions import db
from skills_app.models import Assessment, OrgUnit, Person
from skills_app.models.framework import utcnow
from skills_app.models.requirements import person_job_role, person_service
from skills_app.services import by_id
from skills_app.services import audit

SEPARATOR = "/"
PATH_LENGTH = OrgUnit.path.type.length  # the longest path the database holds (1,000 characters)


@functools.lru_cache(maxsize=4096)
def clean_path(path: str) -> str:
    parts = [p.strip() for p in (path or "").split(SEPARATOR)]
    if not path or any(not p for p in parts):
        raise InvalidInput(f"{path!r} is not an org unit path such as 'Group/IT/Service Desk'")
    return SEPARATOR.join(parts)


def by_path(path: str) -> OrgUnit | None:
    return db.session.scalar(select(OrgUnit).where(OrgUnit.path == path))


def _ensure_path(path: str) -> tuple[OrgUnit, list[OrgUnit]]:
    """The unit at this path, creating it and its missing ancestors. Returns (unit, created)."""
    path = clean_path(path)
    units, created = _ensure_paths([path])
    return units[path], created


def _ensure_paths(paths) -> tuple[dict[str, OrgUnit], list[OrgUnit]]:
    """The units at these (clean) paths, creating the missing ones and their missing
    ancestors: every unit already here is read in one statement per thousand paths,
    and the new ones are written in one flush, parents first. Returns (path → unit, created)."""
    wanted: set[str] = set()
    for path in paths:
        parts = path.split(SEPARATOR)
        wanted.update(SEPARATOR.join(parts[:n]) for n in range(1, len(parts) + 1))
    ordered = sorted(wanted, key=lambda p: (p.count(SEPARATOR), p))
    units: dict[str, OrgUnit] = {}
    for start in range(0, len(ordered), 1000):
        units.update((u.path, u) for u in db.session.scalars(
            select(OrgUnit).where(OrgUnit.path.in_(ordered[start:start + 1000]))))
    created: list[OrgUnit] = []
    with db.session.no_autoflush:
        for path in ordered:
            if path in units:
                continue
            parent_path, _, name = path.rpartition(SEPARATOR)
            unit = OrgUnit(name=name, path=path, parent=units[parent_path] if parent_path else None)
            db.session.add(unit)
            units[path] = unit
            created.append(unit)
    if created:
        db.session.flush()
    return units, created


def ensure_path(actor, path: str) -> OrgUnit:
    policy.require(actor, "manage_org_units")
    unit, created = _ensure_path(path)
    if created:
        db.session.flush()
        for new in created:
            audit.record(actor, "org_unit.created", new, summary=f"org unit {new.path} created")
    return unit


def add_unit(actor, name: str, *, parent: OrgUnit | None = None) -> OrgUnit:
    """A new unit called ``name`` under ``parent`` (at the top without one)."""
    policy.require(actor, "manage_org_units")
    name = (name or "").strip()
    if SEPARATOR in name:
        raise InvalidInput.on("name", f"A unit's name cannot contain '{SEPARATOR}'.")
    if not name:
        raise InvalidInput.on("name", "Give the unit a name.")
    path = f"{parent.path}{SEPARATOR}{name}" if parent else name
    _fits(path)
    if by_path(path) is not None:
        raise Conflict.on("name", f"There is already an org unit {path}.")
    try:
        with db.session.begin_nested():
            return ensure_path(actor, path)
    except IntegrityError:
        # Added at the same moment by another request (two admins, a double click): the database
        # holds one unit a path; theirs stands.
        raise Conflict.on("name", f"There is already an org unit {path}.") from None


def _fits(path: str, longest: str | None = None) -> None:
    """Refuse a unit whose path (or ``longest``, the longest path below it once moved) would
    be longer than the database holds (PostgreSQL would refuse the row with an error)."""
    if len(longest or path) > PATH_LENGTH:
        raise InvalidInput.on("name", f"{path} is too deep or too long: a unit's path, and every path below it, "
                                      f"can have at most {PATH_LENGTH:,} characters.")


def all_units() -> list[OrgUnit]:
    return list(db.session.scalars(select(OrgUnit).order_by(OrgUnit.path)))


@dataclass(frozen=True, slots=True)
class UnitOption:
    """What a list of units to choose from shows: no ORM object per unit (an organisation
    of 4,000 units built them in 230 ms on every page with a unit filter)."""
    id: int
    name: str
    path: str

    @property
    def depth(self) -> int:
        return self.path.count(SEPARATOR)


def unit_options() -> list[UnitOption]:
    """Every unit, by path, for a filter or a choice."""
    return [UnitOption(*row) for row in db.session.execute(select(OrgUnit.id, OrgUnit.name, OrgUnit.path).order_by(OrgUnit.path))]


def get_unit(actor, unit_id: int | None, permission: str = "manage_org_units") -> OrgUnit:
    """A unit by id, for an actor who may ``permission`` (to manage units, or
    to choose one for a person, a campaign, a filter)."""
    policy.require(actor, permission)
    return by_id(OrgUnit, unit_id, "org unit")


def rename_or_move(actor, unit: OrgUnit, *, name: str, parent: OrgUnit | None) -> None:
    """Rename a unit or move it under another; the paths below it follow."""
    policy.require(actor, "manage_org_units")
    name = (name or "").strip()
    if not name or SEPARATOR in name:
        raise InvalidInput(f"a unit's name is needed, without '{SEPARATOR}'")
    if parent is not None and (parent.id == unit.id or parent.path.startswith(unit.path + SEPARATOR)):
        raise InvalidInput(f"{unit.path} cannot move under itself")
    new_path = f"{parent.path}{SEPARATOR}{name}" if parent else name
    if new_path == unit.path:
        return
    if by_path(new_path) is not None:
        raise Conflict(f"there is already an org unit {new_path}")
    old_path = unit.path
    descendants = list(db.session.scalars(select(OrgUnit).where(OrgUnit.path.startswith(old_path + SEPARATOR, autoescape=True))))
    _fits(new_path, new_path + max((c.path[len(old_path):] for c in descendants), key=len, default=""))
    try:
        with db.session.begin_nested():
            for child in descendants:
                child.path = new_path + child.path[len(old_path):]
            unit.name, unit.parent, unit.path = name, parent, new_path
            db.session.flush()
    except IntegrityError:
        # A unit of that path added or moved there at the same moment by another request.
        raise Conflict(f"there is already an org unit {new_path}") from None
    audit.record(actor, "org_unit.changed", unit, summary=f"org unit {old_path} is now {new_path}", data={"from": old_path, "to": new_path})


def delete_unit(actor, unit: OrgUnit) -> None:
    policy.require(actor, "manage_org_units")
    if unit.children:
        raise InvalidInput(f"{unit.path} has units below it; move or delete them first")
    members = db.session.scalar(select(func.count()).select_from(Person).where(Person.org_unit_id == unit.id))
    if members:
        raise InvalidInput(f"{unit.path} still has {members} people; move them first")
    audit.record(actor, "org_unit.deleted", unit, summary=f"org unit {unit.path} deleted")
    db.session.delete(unit)
    db.session.flush()


def unit_and_descendants(unit: OrgUnit):
    """A condition on OrgUnit: this unit or any below it."""
    return or_(OrgUnit.id == unit.id, OrgUnit.path.startswith(unit.path + SEPARATOR, autoescape=True))


def reports_cte(manager_id: int):
    """Everyone below a manager, directly or indirectly, as a recursive CTE of person ids."""
    base = select(Person.id.label("id"), literal(1).label("depth")).where(Person.manager_id == manager_id)
    tree = base.cte("reports", recursive=True)
    below = aliased(Person)
    tree = tree.union_all(
        select(below.id, tree.c.depth + 1).where(below.manager_id == tree.c.id, tree.c.depth < policy.MAX_MANAGER_DEPTH)
    )
    return tree


def visible_people(actor) -> Select:
    """A select of the people this actor may see in the directory."""
    stmt = select(Person)
    if policy.sees_everyone(actor):
        return stmt
    if actor is None or not getattr(actor, "id", None):
        return stmt.where(literal(False))
    tree = reports_cte(actor.id)
    # One IN over (the actor, then their tree): "id = actor OR id IN (tree)" read every person
    # (52 ms at 100,000 people, for a manager of nine); this reads the tree's people by the key.
    return stmt.where(Person.id.in_(union_all(select(literal(actor.id)), select(tree.c.id))))


def people_page(actor, *, cursor: str | None = None, limit: int = 50) -> paging.Page[Person]:
    """The people the actor may see (active or not), by id: one page, for the API."""
    policy.require(actor, "view_frameworks")  # any signed-in person; the scope below is the rule
    stmt = visible_people(actor).options(selectinload(Person.org_unit))
    return paging.of_select(stmt, [Person.id], cursor=cursor, limit=limit)


def holders(skill_id: int, min_level: int):
    """A select of the ids of the people whose current level in the skill (their
    latest validated, unexpired one) is ``min_level`` or above."""
    ranked = (
        select(Assessment.person_id, Assessment.validated_level,
               func.row_number().over(partition_by=Assessment.person_id,
                                      order_by=(Assessment.decided_at.desc(), Assessment.id.desc())).label("rank"))
        .where(Assessment.skill_id == skill_id, Assessment.status == "validated",
               or_(Assessment.valid_until.is_(None), Assessment.valid_until > utcnow()))
        .subquery()
    )
    return select(ranked.c.person_id).where(ranked.c.rank == 1, ranked.c.validated_level >= min_level)


def directory(actor, *, q: str | None = None, unit: OrgUnit | None = None, include_inactive: bool = False,
              cursor: str | None = None, per_page: int = 50, holds: tuple[int, int] | None = None,
              job_role_id: int | None = None, service_id: int | None = None) -> paging.Page[Person]:
    """The people the actor may see, by name: matching the search, in the unit
    (and below), holding a skill at a level or above (``holds``: skill id,
    level), holding a job role, running a service."""
    policy.require(actor, "browse_people")
    stmt = visible_people(actor).options(selectinload(Person.org_unit), selectinload(Person.manager),
                                         selectinload(Person.job_roles), selectinload(Person.services))
    if holds is not None:
        policy.require(actor, "filter_people_by_skill")
        stmt = stmt.where(Person.id.in_(holders(*holds)))
    if job_role_id:
        stmt = stmt.where(Person.id.in_(select(person_job_role.c.person_id).where(person_job_role.c.job_role_id == job_role_id)))
    if service_id:
        stmt = stmt.where(Person.id.in_(select(person_service.c.person_id).where(person_service.c.service_id == service_id)))
    if q:
        term = q.strip().lower()
        stmt = stmt.where(or_(*(
            func.lower(func.coalesce(column, "")).contains(term, autoescape=True)
            for column in (Person.name, Person.email, Person.job_title, Person.employee_number)
        )))
    if unit is not None:
        stmt = stmt.join(OrgUnit, Person.org_unit_id == OrgUnit.id).where(unit_and_descendants(unit))
    if not include_inactive:
        stmt = stmt.where(Person.active.is_(True))
    return paging.of_select(stmt, [Person.name, Person.id], cursor=cursor, limit=per_page, count=True)


def member_counts() -> dict[int | None, int]:
    """Active people per org unit id."""
    stmt = select(Person.org_unit_id, func.count()).where(Person.active.is_(True)).group_by(Person.org_unit_id)
    return dict(db.session.execute(stmt).all())


CHOICE_LIMIT = 300
SUGGESTIONS = 300  # paths suggested for a typed unit, at most


def unit_picker(limit: int | None = None) -> dict:
    """What a filter that chooses one unit by id offers: every unit (``all``) when
    there are at most ``limit`` (CHOICE_LIMIT); in a large organisation none but
    the top three levels' paths, as suggestions for a typed path (``unit_path``,
    read back by :func:`unit_at_path`): a select of 4,133 units cost the manager's
    People page most of its 419 ms and helps no one to find a unit."""
    limit = CHOICE_LIMIT if limit is None else limit
    total = db.session.scalar(select(func.count()).select_from(OrgUnit)) or 0
    if total <= limit:
        return {"all": True, "units": unit_options(), "total": total}
    top = func.length(OrgUnit.path) - func.length(func.replace(OrgUnit.path, SEPARATOR, "")) <= 2
    rows = db.session.execute(select(OrgUnit.id, OrgUnit.name, OrgUnit.path).where(top).order_by(OrgUnit.path)
                              .limit(SUGGESTIONS))
    return {"all": False, "units": [UnitOption(*row) for row in rows], "total": total}


def unit_at_path(actor, path: str, permission: str = "manage_org_units") -> OrgUnit:
    """The unit at a typed path (slashes around it and spaces around each part
    ignored, letters' case too when only one unit matches so), for an actor who
    may ``permission``; InvalidInput on the field ``unit`` when there is none."""
    policy.require(actor, permission)
    parts = [p.strip() for p in (path or "").strip().strip(SEPARATOR).split(SEPARATOR)]
    cleaned = SEPARATOR.join(parts)
    if not cleaned or not all(parts):
        raise InvalidInput.on("unit", "Type an org unit's path, such as Group/IT.")
    unit = by_path(cleaned)
    if unit is None:
        matches = list(db.session.scalars(select(OrgUnit).where(func.lower(OrgUnit.path) == cleaned.lower()).limit(2)))
        unit = matches[0] if len(matches) == 1 else None
    if unit is None:
        raise InvalidInput.on("unit", f"No org unit has the path {cleaned}.")
    return unit


@dataclass(frozen=True, slots=True)
class Level:
    """One page of the org units under a unit (``at``; the top level without one), or of
    those at any depth below it whose name has the words searched for (``q``); and the
    units above ``at`` (``trail``, the top first), for its breadcrumb."""
    at: OrgUnit | None
    trail: list[UnitOption]
    page: paging.Page
    q: str | None


def unit_level(actor, at: OrgUnit | None = None, *, q: str | None = None, cursor: str | None = None,
               per_page: int = 50) -> Level:
    """The org units page of a large organisation: a page of the units directly under ``at``
    by name, or, with ``q``, of the units below it at any depth whose name contains ``q`` (any
    case), by path; each row with its active people (``people``) and the units directly under
    it (``below``), counted by their indexes. Four statements, whatever the number of units."""
    policy.require(actor, "manage_org_units")
    members = (select(func.count()).select_from(Person)
               .where(Person.org_unit_id == OrgUnit.id, Person.active.is_(True)).correlate(OrgUnit).scalar_subquery())
    child = aliased(OrgUnit)
    below = select(func.count()).select_from(child).where(child.parent_id == OrgUnit.id).correlate(OrgUnit).scalar_subquery()
    stmt = select(OrgUnit.id, OrgUnit.name, OrgUnit.path, members.label("people"), below.label("below"))
    if q:
        stmt = stmt.where(func.lower(OrgUnit.name).contains(q.lower(), autoescape=True))
        if at is not None:
            stmt = stmt.where(OrgUnit.path.startswith(at.path + SEPARATOR, autoescape=True))
        order = [OrgUnit.path, OrgUnit.id]
    else:
        stmt = stmt.where(OrgUnit.parent_id == at.id if at is not None else OrgUnit.parent_id.is_(None))
        order = [OrgUnit.name, OrgUnit.id]
    page = paging.of_select(stmt, order, cursor=cursor, limit=per_page, count=True, scalars=False)
    trail: list[UnitOption] = []
    if at is not None:
        parts = at.path.split(SEPARATOR)
        above = [SEPARATOR.join(parts[:n]) for n in range(1, len(parts))]
        if above:
            trail = [UnitOption(*row) for row in db.session.execute(
                select(OrgUnit.id, OrgUnit.name, OrgUnit.path).where(OrgUnit.path.in_(above)).order_by(OrgUnit.path))]
    return Level(at, trail, page, q)


def units_for_choice(limit: int = CHOICE_LIMIT) -> dict:
    """The org units a filter offers: all of them when there are few; in a large
    organisation the top three levels as suggestions for a typed path (a select
    of thousands of units helps no one and costs every page that shows it)."""
    total = db.session.scalar(select(func.count()).select_from(OrgUnit)) or 0
    if total <= limit:
        return {"all": True, "units": all_units(), "total": total}
    stmt = select(OrgUnit).where(func.length(OrgUnit.path) - func.length(func.replace(OrgUnit.path, SEPARATOR, "")) <= 2)
    return {"all": False, "units": list(db.session.scalars(stmt.order_by(OrgUnit.path).limit(limit))), "total": total}
