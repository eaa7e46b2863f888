"""Job roles and services with their required skill levels, who holds and
runs them, and the requirements file that HR keeps them in."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from skills_app import policy
from skills_app.errors import Conflict, InvalidInput, InvalidState, NotFound
from skills_app.extensions import db
from skills_app.models import Framework, JobRole, Person, Requirement, Service, Skill, SkillGroup
from skills_app.models.requirements import RequirementOwner, person_job_role, person_service
from skills_app.services import MAX_NAME, by_id, clean_name
from skills_app.services import audit, locks, org
from skills_app.services import frameworks as framework_service
from skills_app.words import plural


# -- look-ups -------------------------------------------------------------------

def _owners(actor, model: type[RequirementOwner]) -> list:
    policy.require(actor, "view_requirements")
    stmt = (select(model).options(selectinload(model.requirements).selectinload(Requirement.skill).selectinload(Skill.framework))
            .order_by(model.name))
    return list(db.session.scalars(stmt))


def job_roles(actor) -> list[JobRole]:
    return _owners(actor, JobRole)


def services(actor) -> list[Service]:
    return _owners(actor, Service)


def picks(actor, model: type[RequirementOwner]) -> list:
    """The job roles' (or services') ids and names, by name: what a picker offers, one
    narrow statement (Explore roles read every requirement of 260 of them, with their
    skills and frameworks, to list their names)."""
    policy.require(actor, "view_requirements")
    return list(db.session.execute(select(model.id, model.name).order_by(model.name)))


def names(actor, model: type[RequirementOwner]) -> list[str]:
    """The job roles' (or services') names, in order: what a filter offers, one
    narrow statement (not every requirement of every one)."""
    policy.require(actor, "view_requirements")
    return list(db.session.scalars(select(model.name).order_by(model.name)))


def get_owner(actor, model: type[RequirementOwner], owner_id: int):
    """A job role or a service by id."""
    policy.require(actor, "view_requirements")
    return by_id(model, owner_id, model.LABEL)


def get_job_role(actor, role_id: int) -> JobRole:
    return get_owner(actor, JobRole, role_id)


def get_service(actor, service_id: int) -> Service:
    return get_owner(actor, Service, service_id)


def headcounts() -> tuple[dict[int, int], dict[int, int]]:
    """People holding each job role and running each service."""
    roles = dict(db.session.execute(select(person_job_role.c.job_role_id, func.count()).group_by(person_job_role.c.job_role_id)).all())
    svcs = dict(db.session.execute(select(person_service.c.service_id, func.count()).group_by(person_service.c.service_id)).all())
    return roles, svcs


def skill_choices() -> list[Skill]:
    # The framework's groups are loaded with it, so that each skill's path (its group and
    # the groups above) is read from the session, not one statement per group.
    stmt = (select(Skill)
            .options(selectinload(Skill.framework).selectinload(Framework.groups), selectinload(Skill.levels))
            .order_by(Skill.framework_id, Skill.position))
    return list(db.session.scalars(stmt))


@dataclass(frozen=True, slots=True)
class SkillOption:
    """A skill as a choice shows it: its framework's code and version, its code and name."""
    id: int
    code: str
    name: str
    framework_code: str
    framework_version: str


def skill_options() -> list[SkillOption]:
    """Every skill as a choice, in the order of :func:`skill_choices`: one narrow
    statement (the People page's skill filter read every skill with its levels and
    its framework's groups, four statements, to list these five columns)."""
    stmt = (select(Skill.id, Skill.code, Skill.name, Framework.code, Framework.version)
            .join(Framework, Framework.id == Skill.framework_id).order_by(Skill.framework_id, Skill.position))
    return [SkillOption(*row) for row in db.session.execute(stmt)]


def skill_tree(skills: list[Skill]) -> list[tuple[str, list[Skill]]]:
    """The skills of a filter by code (the first of each code), under the framework's tree:
    ``[("SFIA › Strategy and architecture › Strategy and planning", [skills…]), …]``, in the
    order the frameworks and their skills come; skills outside any group are under the
    framework's code alone."""
    seen: set[str] = set()
    branches: dict[str, list[Skill]] = {}
    for skill in skills:
        if skill.code in seen:
            continue
        seen.add(skill.code)
        label = " › ".join([skill.framework.code, *(g.name for g in skill.path)])
        branches.setdefault(label, []).append(skill)
    return list(branches.items())


def filter_choices(actor) -> dict:
    """What the reports' filter form offers (templates/reports/_filters.html), as plain data:
    ``skills`` (each ``{"code", "name", "framework": {"code"}}``, in :func:`skill_choices`'s
    order), ``skill_tree`` (:func:`skill_tree` of them), ``units`` (``org.units_for_choice``,
    each unit ``{"path", "name", "depth"}``), ``job_roles`` and ``services`` (names). Read as
    columns: the ORM objects of every skill with its levels and groups (about 14,000 at 1,000
    skills) cost the gap page more than the rest of it."""
    units = org.units_for_choice()
    job_roles, services = names(actor, JobRole), names(actor, Service)
    groups = {gid: (name, parent) for gid, name, parent in db.session.execute(
        select(SkillGroup.id, SkillGroup.name, SkillGroup.parent_id))}

    def path(group_id) -> list[str]:
        # SkillGroup.path's walk, by ids: up the parents (a cycle stops it), then top down.
        chain: list[int] = []
        while group_id is not None and group_id in groups and group_id not in chain:
            chain.append(group_id)
            group_id = groups[group_id][1]
        return [groups[g][0] for g in reversed(chain)]

    skills, tree, seen, paths = [], {}, set(), {}
    rows = db.session.execute(select(Skill.code, Skill.name, Skill.group_id, Framework.code)
                              .join(Framework, Framework.id == Skill.framework_id)
                              .order_by(Skill.framework_id, Skill.position, Skill.id))
    for code, name, group_id, framework in rows:
        skill = {"code": code, "name": name, "framework": {"code": framework}}
        skills.append(skill)
        if code in seen:
            continue
        seen.add(code)
        if group_id not in paths:
            paths[group_id] = path(group_id)
        tree.setdefault(" › ".join([framework, *paths[group_id]]), []).append(skill)
    return {
        "units": {"all": units["all"], "total": units["total"],
                  "units": [{"path": u.path, "name": u.name, "depth": u.depth} for u in units["units"]]},
        "job_roles": job_roles, "services": services, "skills": skills, "skill_tree": list(tree.items()),
    }


# -- writes ---------------------------------------------------------------------

MAX_RESPONSIBILITY_LEVEL = 9


def _clean_responsibility_level(value, where: str = "responsibility_level") -> int | None:
    """A job role's required level of responsibility: a whole number 1-9, or none."""
    place = "" if where == "responsibility_level" else f"{where}: "
    if value in (None, ""):
        return None
    try:
        level = int(value)
    except (TypeError, ValueError):
        raise InvalidInput.on(where, f"{place}the level of responsibility is a whole number (SFIA's are 1 to 7), "
                                     f"not {value!r}.") from None
    if isinstance(value, bool) or not 1 <= level <= MAX_RESPONSIBILITY_LEVEL:
        raise InvalidInput.on(where, f"{place}the level of responsibility is between 1 and {MAX_RESPONSIBILITY_LEVEL}; "
                                     f"{value!r} is not.")
    return level


def save_owner(actor, model: type[RequirementOwner], row, *, name: str, description: str | None, **extra):
    """Create (``row`` None) or rename a job role or a service: names are unique, whatever
    their case. A job role also takes ``responsibility_level`` (the level of responsibility
    it needs, or None)."""
    policy.require(actor, "manage_requirements")
    what = model.LABEL
    name = clean_name(name, missing=f"a {what} needs a name", too_long=f"a {what}'s name is at most {MAX_NAME} characters")
    if model is JobRole and "responsibility_level" in extra:
        extra["responsibility_level"] = _clean_responsibility_level(extra["responsibility_level"])
    clash = db.session.scalar(select(model).where(func.lower(model.name) == name.lower()))
    if clash is not None and clash is not row:
        raise Conflict.on("name", f"there is already a {what} {clash.name!r}")
    created = row is None
    if created:
        row = model(name=name)
        db.session.add(row)
    row.name, row.description = name, (description or "").strip() or None
    level_change = None
    if model is JobRole and "responsibility_level" in extra and extra["responsibility_level"] != row.responsibility_level:
        level_change = [row.responsibility_level, extra["responsibility_level"]]
        row.responsibility_level = extra["responsibility_level"]
    db.session.flush()
    action = f"{model.__tablename__}.{'created' if created else 'updated'}"
    summary = f"{what} {name} {'created' if created else 'updated'}"
    if level_change:
        summary += (f"; level of responsibility required: {level_change[1]}" if level_change[1] is not None
                    else "; no level of responsibility required")
    audit.record(actor, action, row, summary=summary,
                 **({"data": {"responsibility_level": level_change}} if level_change else {}))
    return row


def save_job_role(actor, role: JobRole | None, *, name: str, description: str | None, **extra) -> JobRole:
    return save_owner(actor, JobRole, role, name=name, description=description, **extra)


def save_service(actor, service: Service | None, *, name: str, description: str | None) -> Service:
    return save_owner(actor, Service, service, name=name, description=description)


def _check_level(skill: Skill, level: int) -> None:
    defined = skill.defined_levels
    if level not in defined:
        raise InvalidInput.on("min_level", f"{skill.code} is defined at level{'s' if len(defined) != 1 else ''} "
                                           f"{', '.join(map(str, defined)) or 'none'}; {level} is not one of them")


def _needs(owner, skill: Skill, req: Requirement) -> str:
    where = f"{skill.framework.code} {skill.code} {req.min_level}"
    if isinstance(owner, Service):
        return f"{owner.name} needs {req.headcount} at {where} or above"
    return f"{owner.name} needs {where} ({'essential' if req.essential else 'desirable'})"


def set_requirement(actor, owner: JobRole | Service, skill: Skill, *, min_level: int, essential: bool = True,
                    headcount: int = 1) -> Requirement:
    """``owner`` needs ``skill`` at ``min_level`` or above: a job role's
    requirement essential or desirable, a service's held by ``headcount``
    people. Set again, the requirement changes."""
    policy.require(actor, "manage_requirements")
    _check_level(skill, min_level)
    if not 1 <= headcount <= 10000:
        raise InvalidInput.on("headcount", "a headcount is a whole number from 1")
    req = next((r for r in owner.requirements if r.skill_id == skill.id), None)
    before = [req.min_level, req.essential, req.headcount] if req else None
    if req is None:
        req = Requirement(skill=skill)
        owner.requirements.append(req)
    req.min_level, req.essential, req.headcount = min_level, essential, headcount
    db.session.flush()
    audit.record(actor, f"{owner.KIND}.requirement_set", owner, summary=_needs(owner, skill, req),
                 data={"skill_id": skill.id, "from": before, "to": [min_level, essential, headcount]})
    return req


def set_role_requirement(actor, role: JobRole, skill: Skill, *, min_level: int, essential: bool) -> Requirement:
    return set_requirement(actor, role, skill, min_level=min_level, essential=essential)


def set_service_requirement(actor, service: Service, skill: Skill, *, min_level: int, headcount: int) -> Requirement:
    return set_requirement(actor, service, skill, min_level=min_level, headcount=headcount)


def remove_requirement(actor, owner: JobRole | Service, requirement_id: int) -> None:
    policy.require(actor, "manage_requirements")
    req = next((r for r in owner.requirements if r.id == requirement_id), None)
    if req is None:
        raise NotFound(f"no such requirement on this {owner.LABEL}")
    owner.requirements.remove(req)
    db.session.flush()
    audit.record(actor, f"{owner.KIND}.requirement_removed", owner, summary=f"{owner.name} no longer needs {req.skill.code}")


def assign(actor, person: Person, *, job_roles: list[JobRole], services: list[Service]) -> None:
    """Set the job roles a person holds and the services they run."""
    policy.require(actor, "manage_requirements")
    before = ([r.name for r in person.job_roles], [s.name for s in person.services])
    person.job_roles = list(job_roles)
    person.services = list(services)
    after = ([r.name for r in person.job_roles], [s.name for s in person.services])
    db.session.flush()
    if before != after:
        audit.record(actor, "person.assignments_changed", person,
                     summary=f"{person.email}: job roles {', '.join(after[0]) or 'none'}; services {', '.join(after[1]) or 'none'}",
                     data={"from": before, "to": after})


MAX_BULK = 500


@dataclass
class BulkPlan:
    """What a bulk assignment would do: who joins (or leaves) the job role or
    service, who already holds it (or does not), and what it asks of them."""
    owner: JobRole | Service
    remove: bool
    change: list[Person]       # those whose assignments change
    unchanged: list[Person]    # already as asked

    @property
    def verb(self) -> str:
        return "remove from" if self.remove else "assign to"


def _target(actor, target: str) -> JobRole | Service:
    """A bulk action's target, "job_role:ID" or "service:ID"."""
    kind, _, raw = (target or "").partition(":")
    model = {"job_role": JobRole, "service": Service}.get(kind)
    if model is None or not raw.isdigit():
        raise InvalidInput.on("target", "Choose the job role or service to assign the ticked people to.")
    return get_owner(actor, model, int(raw))


def plan_assignment(actor, person_ids, target: str, *, remove: bool = False) -> BulkPlan:
    """Who a bulk assignment to (or removal from) ``target`` would change. Writes nothing."""
    policy.require(actor, "manage_requirements")
    problems = {}
    try:
        owner = _target(actor, target)
    except InvalidInput as exc:
        problems.update(exc.fields)
    ids = []
    for raw in person_ids or []:
        try:
            ids.append(int(raw))
        except (TypeError, ValueError):
            problems["people"] = "Tick the people to assign."
    ids = list(dict.fromkeys(ids))
    if not ids:
        problems["people"] = "Tick at least one person in the list."
    elif len(ids) > MAX_BULK:
        problems["people"] = f"Assign at most {MAX_BULK} people at once."
    if problems:
        raise InvalidInput.on_fields(problems)
    people = list(db.session.scalars(org.visible_people(actor).where(Person.id.in_(ids), Person.active.is_(True))
                                     .order_by(Person.name, Person.id)))
    if len(people) != len(ids):
        raise InvalidInput.on("people", "Some of the ticked people are not there any more (or no longer active); "
                                        "search again and tick them anew.")
    members = getattr(owner.__class__, "KIND") + "s"
    holds = [p for p in people if owner in getattr(p, members)]
    change = holds if remove else [p for p in people if p not in holds]
    if not change:
        raise InvalidState.on("people", f"{'None' if remove else 'All'} of the ticked people "
                                        f"{'hold' if owner.KIND == 'job_role' else 'run'}"
                                        f"{'' if remove else ' already'} the {owner.LABEL} {owner.name}; there is nothing to change.")
    return BulkPlan(owner, remove, change, [p for p in people if p not in change])


def assign_many(actor, person_ids, target: str, *, remove: bool = False) -> BulkPlan:
    """Assign the people to (or remove them from) one job role or service, each
    change audited on the person, and the whole as one event."""
    policy.require(actor, "manage_requirements")
    locks.hold(_target(actor, target))  # the same people assigned twice at once: the second waits, then finds them in it
    plan = plan_assignment(actor, person_ids, target, remove=remove)
    owner, members = plan.owner, plan.owner.KIND + "s"
    for person in plan.change:
        before = ([r.name for r in person.job_roles], [s.name for s in person.services])
        held = getattr(person, members)
        if remove:
            held.remove(owner)
        else:
            held.append(owner)
        after = ([r.name for r in person.job_roles], [s.name for s in person.services])
        audit.record(actor, "person.assignments_changed", person,
                     summary=f"{person.email}: job roles {', '.join(after[0]) or 'none'}; services {', '.join(after[1]) or 'none'}",
                     data={"from": before, "to": after, "bulk": True})
    db.session.flush()
    audit.record(actor, f"{owner.KIND}.people_{'removed' if remove else 'assigned'}", owner,
                 summary=f"{plural(len(plan.change), 'person')} "
                         f"{'removed from' if remove else 'assigned to'} the {owner.LABEL} {owner.name}",
                 data={"people": [p.id for p in plan.change], "unchanged": [p.id for p in plan.unchanged]})
    return plan


def _ensure_named(names: list[str], model, cache: dict) -> tuple[list, list[str]]:
    """The job roles (or services) with these names, creating missing ones; no
    permission check (the people import has made it). Returns (rows, created names)."""
    out, created = [], []
    for name in names:
        key = name.strip().lower()
        row = cache.get(key)
        if row is None:
            row = db.session.scalar(select(model).where(func.lower(model.name) == key))
        if row is None:
            row = model(name=name.strip())
            db.session.add(row)
            created.append(row.name)
        cache[key] = row
        if row not in out:
            out.append(row)
    return out, created


# -- the requirements file --------------------------------------------------------

@dataclass
class LoadReport:
    lines: list[str] = field(default_factory=list)


def _skill(ref: dict, where: str) -> Skill:
    code, version, skill_code = ref.get("framework"), ref.get("version"), ref.get("skill")
    if not code or not skill_code:
        raise InvalidInput(f"{where}: needs framework and skill")
    framework = framework_service.find(str(code), str(version) if version is not None else None)
    if framework is None:
        raise InvalidInput(f"{where}: no framework {code}{' version ' + str(version) if version else ''} is loaded")
    skill = next((s for s in framework.skills if s.code.upper() == str(skill_code).upper()), None)
    if skill is None:
        raise InvalidInput(f"{where}: {framework.label} has no skill {skill_code}")
    return skill


def load_file(actor, data: dict, source: str) -> LoadReport:
    """Load job roles, services and their requirements from plain data (a YAML file).

    Idempotent: requirements are set, not added twice. Assignments of people
    (by email) to roles and services are set when given.
    """
    policy.require(actor, "manage_requirements")
    report = LoadReport()
    if not isinstance(data, dict) or not set(data) <= {"job_roles", "services", "assignments"}:
        raise InvalidInput(f"{source}: expected the keys job_roles, services and assignments")
    by_name = {model: {row.name.lower(): row for row in db.session.scalars(select(model))} for model in (JobRole, Service)}
    for key, model in (("job_roles", JobRole), ("services", Service)):
        for i, item in enumerate(data.get(key) or []):
            where = f"{source}: {key}[{i}]"
            owner = by_name[model].get(str(item.get("name", "")).lower())
            # An optional extension: a job role's level of responsibility (files without it load as before).
            extra = ({"responsibility_level": _clean_responsibility_level(item["responsibility_level"],
                                                                          f"{where}.responsibility_level")}
                     if model is JobRole and "responsibility_level" in item else {})
            if (owner is None or owner.description != item.get("description")
                    or any(getattr(owner, k) != v for k, v in extra.items())):
                owner = save_owner(actor, model, owner, name=item.get("name"), description=item.get("description"), **extra)
                by_name[model][owner.name.lower()] = owner
            for j, req in enumerate(item.get("requirements") or []):
                skill = _skill(req, f"{where}.requirements[{j}]")
                wanted = {"min_level": int(req.get("level")), "essential": bool(req.get("essential", True)),
                          "headcount": int(req.get("headcount", 1))}
                existing = next((r for r in owner.requirements if r.skill_id == skill.id), None)
                if existing is None or any(getattr(existing, k) != v for k, v in wanted.items()):
                    set_requirement(actor, owner, skill, **wanted)
    roles_by_name, services_by_name = by_name[JobRole], by_name[Service]
    changed = 0
    for i, item in enumerate(data.get("assignments") or []):
        where = f"{source}: assignments[{i}]"
        person = db.session.scalar(select(Person).where(Person.email == str(item.get("email", "")).lower()))
        if person is None:
            raise InvalidInput(f"{where}: no person with the email {item.get('email')!r}")
        wanted_roles = [roles_by_name.get(n.lower()) for n in item.get("job_roles") or []]
        wanted_services = [services_by_name.get(n.lower()) for n in item.get("services") or []]
        if None in wanted_roles or None in wanted_services:
            raise InvalidInput(f"{where}: names a job role or service that the file does not define")
        if set(person.job_roles) != set(wanted_roles) or set(person.services) != set(wanted_services):
            assign(actor, person, job_roles=wanted_roles, services=wanted_services)
            changed += 1
    report.lines.append(
        f"{source}: {len(data.get('job_roles') or [])} job roles, {len(data.get('services') or [])} services"
        + (f", {changed} people assigned" if changed else "")
    )
    return report
