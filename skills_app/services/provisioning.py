"""Provisioning: people, org units and job roles kept in step with the
identity provider or HR system (SCIM, /scim/v2).

The same rules as the people import: each person's fields pass
:func:`people_import.check_person`; accounts are created, changed and
(de)activated through :mod:`accounts` (unique email and employee number, no
loop of managers, the last administrator kept, sessions and tokens ended on
deactivation); org units through :mod:`org`, job roles and their holders
through :mod:`requirements`. Every change is audited, by the provisioning
client's actor. Nothing is ever deleted: a leaver is deactivated.

The functions take plain data (:class:`UserFields`, :class:`GroupFields`),
not SCIM documents; skills_app/scim turns one into the other.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import func, select

from skills_app import policy
from skills_app.errors import Conflict, InvalidInput, NotFound
from skills_app.extensions import db
from skills_app.models import JobRole, OrgUnit, Person, ScimGroup, ScimUser
from skills_app.models.framework import utcnow
from skills_app.services import accounts, audit, org, people_import, requirements

EMAIL_TYPES = ("work", "home", "other")


@dataclass
class UserFields:
    """A person as the provisioning client describes them."""

    user_name: str
    email: str | None
    name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    formatted_name: str | None = None
    email_type: str | None = None
    email_primary: bool | None = True
    title: str | None = None
    active: bool = True
    external_id: str | None = None
    employee_number: str | None = None
    department: str | None = None
    manager_id: str | None = None


@dataclass
class GroupFields:
    display_name: str
    external_id: str | None = None
    member_ids: list[str] | None = None  # None: leave the members as they are
    _resolved: list[Person] = field(default_factory=list)


def groups_kind() -> str:
    kind = current_app.config.get("SCIM_GROUPS") or "job_roles"
    if kind not in ("job_roles", "org_units"):
        raise InvalidInput(f"SCIM_GROUPS is {kind!r}: it must be job_roles or org_units")
    return kind


# -- users -------------------------------------------------------------------------------

def user_name_key(value: str) -> str:
    return value.strip().lower()


def scim_user(person: Person) -> ScimUser | None:
    return db.session.scalar(select(ScimUser).where(ScimUser.person_id == person.id))


def get_user(actor, person_id: str) -> Person:
    """A person SCIM serves (not one a DELETE took away)."""
    policy.require(actor, "import_people")
    person = db.session.get(Person, int(person_id)) if str(person_id).isdigit() and len(str(person_id)) <= 12 else None
    if person is None:
        raise NotFound(f"There is no user {person_id}.")
    extra = scim_user(person)
    if extra is not None and extra.deleted_at is not None:
        raise NotFound(f"There is no user {person_id}.")
    return person


def _fail(problems: list[tuple[str, str]]) -> None:
    if problems:
        names = {"email": "emails", "name": "displayName", "job_title": "title", "employee_number": "employeeNumber",
                 "org_unit": "department"}
        text = "; ".join(f"{names.get(field, field)}: {message}" for field, message in problems)
        raise InvalidInput(text, details={names.get(f, f): m for f, m in problems})


def _check(fields: UserFields) -> tuple[str, str]:
    """The import's rules, plus what SCIM itself needs; returns (email, name)."""
    problems: list[tuple[str, str]] = []
    user_name = (fields.user_name or "").strip()
    if not user_name:
        problems.append(("userName", "a userName is needed"))
    elif len(user_name) > 320:
        problems.append(("userName", "longer than 320 characters"))
    email = fields.email or (user_name if "@" in user_name else None)
    if not email:
        problems.append(("email", "an email address is needed: send emails (type work) or a userName that is one"))
    name = (fields.name or fields.formatted_name
            or " ".join(p for p in (fields.given_name, fields.family_name) if p) or user_name).strip()
    email, _unit, found = people_import.check_person(email=email, name=name, employee_number=fields.employee_number,
                                                     job_title=fields.title)
    problems.extend(found)
    for label, value in (("givenName", fields.given_name), ("familyName", fields.family_name), ("formatted", fields.formatted_name)):
        if value and len(value) > 200:
            problems.append((label, "longer than 200 characters"))
    if fields.external_id and len(fields.external_id) > 255:
        problems.append(("externalId", "longer than 255 characters"))
    if fields.department and len(fields.department) > 1000:
        problems.append(("department", "longer than 1000 characters"))
    _fail(problems)
    return email, name


def _unit_for_department(actor, department: str | None, current: OrgUnit | None) -> OrgUnit | None:
    """An org unit for a department: a path ("Group/IT/Service Desk") as the
    people import reads it; a plain name is the unit of that name when there is
    exactly one, else a new top-level unit."""
    if not department or not department.strip():
        return None
    text = department.strip()
    if "/" not in text:
        if current is not None and current.name == text:
            return current
        named = list(db.session.scalars(select(OrgUnit).where(OrgUnit.name == text).limit(2)))
        if len(named) == 1:
            return named[0]
    _email, path, problems = people_import.check_person(email=None, name=None, org_unit=text)
    _fail(problems)
    return org.ensure_path(actor, path)


def _manager(fields: UserFields) -> Person | None:
    if not fields.manager_id:
        return None
    ref = str(fields.manager_id).strip()
    manager = db.session.get(Person, int(ref)) if ref.isdigit() and len(ref) <= 12 else None
    if manager is None:
        raise InvalidInput(f"manager: there is no user {ref!r} (manager.value is the manager's id here)",
                           details={"manager": "unknown user"})
    return manager


def _check_user_name(user_name: str, person: Person | None) -> None:
    key = user_name_key(user_name)
    holder = db.session.scalar(select(ScimUser).where(ScimUser.user_name_key == key))
    if holder is not None and (person is None or holder.person_id != person.id):
        raise Conflict(f"userName {user_name!r} is already another user's")
    # People not provisioned yet are known by their email as userName.
    other = db.session.scalar(select(Person).outerjoin(ScimUser, ScimUser.person_id == Person.id)
                              .where(ScimUser.id.is_(None), Person.email == key))
    if other is not None and (person is None or other.id != person.id):
        raise Conflict(f"userName {user_name!r} is already another user's")


def _write_extra(person: Person, fields: UserFields) -> None:
    extra = scim_user(person)
    if extra is None:
        extra = ScimUser(person=person, user_name=fields.user_name.strip(), user_name_key=user_name_key(fields.user_name))
        db.session.add(extra)
    extra.user_name = fields.user_name.strip()
    extra.user_name_key = user_name_key(fields.user_name)
    extra.external_id = fields.external_id or None
    extra.given_name = fields.given_name or None
    extra.family_name = fields.family_name or None
    extra.formatted_name = fields.formatted_name or None
    extra.email_type = fields.email_type or None
    extra.email_primary = fields.email_primary
    extra.department = (fields.department or "").strip() or None
    extra.deleted_at = None


def create_user(actor, fields: UserFields) -> Person:
    """A joiner: a new account (no password: they sign in through the identity provider)."""
    policy.require(actor, "import_people")
    email, name = _check(fields)
    _check_user_name(fields.user_name, None)
    manager = _manager(fields)
    person = accounts.create_person(actor, email=email, name=name, roles=["employee"], manager=manager,
                                    job_title=fields.title or None, employee_number=fields.employee_number or None)
    unit = _unit_for_department(actor, fields.department, None)
    if unit is not None:
        person.org_unit = unit
    _write_extra(person, fields)
    if not fields.active:
        accounts.set_active(actor, person, False)
    db.session.flush()
    return person


def update_user(actor, person: Person, fields: UserFields) -> Person:
    """A mover (or any change): the person as described now, field by field."""
    policy.require(actor, "import_people")
    email, name = _check(fields)
    _check_user_name(fields.user_name, person)
    manager = _manager(fields)
    unit = _unit_for_department(actor, fields.department, person.org_unit)
    if fields.active and not person.active:
        accounts.set_active(actor, person, True)
    accounts.update_details(actor, person, name=name, email=email, job_title=fields.title or None,
                            employee_number=fields.employee_number or None, manager=manager, org_unit=unit)
    _write_extra(person, fields)
    if not fields.active and person.active:
        # A leaver: their sessions and tokens end at once (accounts.set_active).
        accounts.set_active(actor, person, False)
    person.updated_at = utcnow()
    db.session.flush()
    return person


def delete_user(actor, person: Person) -> None:
    """DELETE: the account is deactivated and no longer served by SCIM;
    nothing is deleted (their assessments and the audit trail stay)."""
    policy.require(actor, "import_people")
    if person.active:
        accounts.set_active(actor, person, False)
    extra = scim_user(person)
    if extra is None:
        extra = ScimUser(person=person, user_name=person.email, user_name_key=person.email)
        db.session.add(extra)
    extra.deleted_at = utcnow()
    db.session.flush()
    audit.record(actor, "person.deprovisioned", person, summary=f"{person.email} deprovisioned (deactivated, nothing deleted)")


# -- groups: job roles or org units --------------------------------------------------------

def _group_row(kind: str, target_id: int) -> ScimGroup | None:
    return db.session.scalar(select(ScimGroup).where(ScimGroup.kind == kind, ScimGroup.target_id == target_id))


def _target(kind: str, group_id: str):
    model = JobRole if kind == "job_roles" else OrgUnit
    return db.session.get(model, int(group_id)) if str(group_id).isdigit() and len(str(group_id)) <= 12 else None


def get_group(actor, group_id: str):
    policy.require(actor, "import_people")
    kind = groups_kind()
    target = _target(kind, group_id)
    row = _group_row(kind, target.id) if target is not None else None
    if target is None or (row is not None and row.deleted):
        raise NotFound(f"There is no group {group_id}.")
    return target


def group_name(target) -> str:
    return target.name if isinstance(target, JobRole) else target.path


def group_external_id(target) -> str | None:
    row = _group_row(groups_kind(), target.id)
    return row.external_id if row is not None else None


def group_members(target) -> list[Person]:
    if isinstance(target, JobRole):
        return list(target.people)
    return list(db.session.scalars(select(Person).where(Person.org_unit_id == target.id).order_by(Person.id)))


def _members(ids: list[str]) -> list[Person]:
    people = []
    for ref in dict.fromkeys(str(i).strip() for i in ids):
        person = db.session.get(Person, int(ref)) if ref.isdigit() and len(ref) <= 12 else None
        if person is None:
            raise InvalidInput(f"members: there is no user {ref!r}", details={"members": "unknown user"})
        people.append(person)
    return people


def _set_members(actor, target, people: list[Person]) -> None:
    wanted = {p.id for p in people}
    current = {p.id: p for p in group_members(target)}
    if isinstance(target, JobRole):
        for person in people:
            if person.id not in current:
                requirements.assign(actor, person, job_roles=[*person.job_roles, target], services=list(person.services))
        for pid, person in current.items():
            if pid not in wanted:
                requirements.assign(actor, person, job_roles=[r for r in person.job_roles if r.id != target.id],
                                    services=list(person.services))
    else:
        # An org unit: a person is in one unit, so joining this one leaves the other.
        for person in people:
            if person.id not in current:
                _move(actor, person, target)
        for pid, person in current.items():
            if pid not in wanted:
                _move(actor, person, None)


def _move(actor, person: Person, unit: OrgUnit | None) -> None:
    accounts.update_details(actor, person, name=person.name, email=person.email, job_title=person.job_title,
                            employee_number=person.employee_number, manager=person.manager, org_unit=unit)


def _check_group(fields: GroupFields) -> str:
    name = (fields.display_name or "").strip()
    if not name:
        raise InvalidInput("displayName: a group needs a displayName", details={"displayName": "required"})
    if len(name) > (200 if groups_kind() == "job_roles" else 1000):
        raise InvalidInput("displayName: too long", details={"displayName": "too long"})
    if fields.external_id and len(fields.external_id) > 255:
        raise InvalidInput("externalId: longer than 255 characters")
    return name


def _find_group(kind: str, name: str):
    if kind == "job_roles":
        return db.session.scalar(select(JobRole).where(func.lower(JobRole.name) == name.lower()))
    return org.by_path(org.clean_path(name))


def _remember(kind: str, target, external_id: str | None) -> None:
    row = _group_row(kind, target.id)
    if row is None:
        row = ScimGroup(kind=kind, target_id=target.id)
        db.session.add(row)
    row.external_id = external_id or None
    row.deleted = False


def create_group(actor, fields: GroupFields):
    """A group: a job role or an org unit (created where missing; one the
    client deleted earlier is taken back)."""
    policy.require(actor, "import_people")
    kind = groups_kind()
    name = _check_group(fields)
    people = _members(fields.member_ids or [])
    existing = _find_group(kind, name)
    if existing is not None:
        row = _group_row(kind, existing.id)
        if row is None or not row.deleted:
            raise Conflict(f"There is already a group {name!r}.")
        target = existing
    elif kind == "job_roles":
        target = requirements.save_job_role(actor, None, name=name, description=None)
    else:
        target = org.ensure_path(actor, name)
    db.session.flush()
    _remember(kind, target, fields.external_id)
    _set_members(actor, target, people)
    db.session.flush()
    return target


def update_group(actor, target, fields: GroupFields):
    """Rename, and set the members when they are given."""
    policy.require(actor, "import_people")
    kind = groups_kind()
    name = _check_group(fields)
    people = _members(fields.member_ids) if fields.member_ids is not None else None
    if name != group_name(target):
        other = _find_group(kind, name)
        if other is not None and other.id != target.id:
            raise Conflict(f"There is already a group {name!r}.")
        if kind == "job_roles":
            requirements.save_job_role(actor, target, name=name, description=target.description)
        else:
            path = org.clean_path(name)
            parent_path, _, leaf = path.rpartition("/")
            parent = org.ensure_path(actor, parent_path) if parent_path else None
            org.rename_or_move(actor, target, name=leaf, parent=parent)
    _remember(kind, target, fields.external_id)
    if people is not None:
        _set_members(actor, target, people)
    db.session.flush()
    return target


def delete_group(actor, target) -> None:
    """DELETE: the group's members leave it and SCIM no longer serves it. An
    empty org unit is deleted; a job role stays, with HR's requirements."""
    policy.require(actor, "import_people")
    kind = groups_kind()
    _set_members(actor, target, [])
    if kind == "org_units" and not target.children and not group_members(target):
        row = _group_row(kind, target.id)
        if row is not None:
            db.session.delete(row)
        org.delete_unit(actor, target)
    else:
        _remember(kind, target, group_external_id(target))
        _group_row(kind, target.id).deleted = True
        audit.record(actor, "group.deprovisioned", target, summary=f"{group_name(target)} is no longer provisioned by SCIM")
    db.session.flush()


# -- searching ---------------------------------------------------------------------------

def search_users(actor, condition=None, *, offset: int = 0, limit: int = 100) -> tuple[int, list[tuple[Person, ScimUser | None]]]:
    """The users SCIM serves that match ``condition`` (a SQL condition on Person
    and ScimUser, see scim/filters.py): how many, and one page by id."""
    from sqlalchemy.orm import selectinload

    policy.require(actor, "import_people")
    stmt = (select(Person, ScimUser).outerjoin(ScimUser, ScimUser.person_id == Person.id)
            .where(ScimUser.deleted_at.is_(None)))
    if condition is not None:
        stmt = stmt.where(condition)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = db.session.execute(stmt.options(selectinload(Person.org_unit)).order_by(Person.id).offset(offset).limit(limit)).all()
    return total, [(person, extra) for person, extra in rows]


def search_groups(actor, condition=None, *, offset: int = 0, limit: int = 100) -> tuple[int, list]:
    policy.require(actor, "import_people")
    kind = groups_kind()
    model = JobRole if kind == "job_roles" else OrgUnit
    hidden = select(ScimGroup.target_id).where(ScimGroup.kind == kind, ScimGroup.deleted.is_(True))
    stmt = select(model).where(model.id.not_in(hidden))
    if condition is not None:
        stmt = stmt.where(condition)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    return total, list(db.session.scalars(stmt.order_by(model.id).offset(offset).limit(limit)))
