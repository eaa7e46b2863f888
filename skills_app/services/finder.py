"""The skills finder: who holds these skills at these levels?

A search names up to ``MAX_CRITERIA`` skills, each with a minimum level, and
finds the active people who hold every one of them: their latest validated,
unexpired level (as the gap engine reads it), optionally counting levels held
through a crosswalk (``via``), optionally in an org unit and the units below,
and optionally with the people one level below in one or more of the skills
("nearly": ready with a step of development).

One statement answers a page, whatever the number of people: the held levels
of the named skills only, one row per person with a column pair per criterion,
ordered by how many skills fall short (none first), then by name, and read by
keyset (``paging.of_select``), each row with the number of matches beside it
(a window over them all, before the keyset); a first statement names the
skills crosswalked to those searched for, when crosswalks count.

Who may search, and across whom, is set by HR (``policy.finder_settings``): per role,
no one, their own people (their reports, direct and indirect), or everyone.
The contact details of the people found (email) are shown to the roles HR
chooses. The administrator role never gives it (an administrator sees
everyone's name, not their skills); an administrator who is also an employee
searches as one.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, and_, case, func, literal, null, select, union

from skills_app import paging, policy
from skills_app.errors import InvalidInput
from skills_app.extensions import db
from skills_app.models import Assessment, CrosswalkLevel, OrgUnit, Person, Skill
from skills_app.services import audit, gaps, org
from skills_app.services import settings as app_settings

MAX_CRITERIA = 5
REACHES = {"none": "No one", "own": "Their own people (their reports, direct and indirect)", "everyone": "Everyone"}
ROLES = policy.FINDER_ROLES


def _number(text: str) -> bool:
    """Digits 0-9 only, at most nine ("²" is a digit to Python, not a number to int())."""
    return text.isascii() and text.isdigit() and len(text) < 10


def settings() -> dict:
    """Whom each role may search, and who sees contact details (``policy.finder_settings``)."""
    return policy.finder_settings()


def save_settings(actor, *, reach: dict[str, str], contact) -> dict:
    """HR sets who may use the finder, across whom, and who sees the contact details found."""
    policy.require(actor, "manage_finder")
    errors = {f"reach_{role}": f"{role.title()}: choose one of {', '.join(REACHES)}."
              for role in ROLES if reach.get(role) not in REACHES}
    unknown = [r for r in contact if r not in ROLES]
    if unknown:
        errors["contact"] = f"Unknown role: {', '.join(unknown)}."
    if errors:
        raise InvalidInput.on_fields(errors)
    value = {"reach": {role: reach[role] for role in ROLES}, "contact": [r for r in ROLES if r in contact]}
    described = ", ".join(f"{role} {value['reach'][role]}" for role in ROLES)
    app_settings.set_value(actor, policy.FINDER_SETTING, value,
                           f"skills finder: {described}; contact details shown to {', '.join(value['contact']) or 'no one'}")
    return value


@dataclass(frozen=True)
class Criterion:
    skill: Skill
    level: int


@dataclass
class Search:
    criteria: list[Criterion]
    unit: OrgUnit | None = None
    via_crosswalks: bool = True
    nearly: bool = False


def parse(actor, *, skills: list, levels: list, unit_id=None, via_crosswalks: bool = True, nearly: bool = False) -> Search:
    """A search from a form's values: ``skills[i]`` (skill ids) at ``levels[i]``; blank rows are ignored."""
    policy.require(actor, "use_skills_finder")
    errors: dict[str, str] = {}
    criteria: list[Criterion] = []
    seen: set[int] = set()
    for i, (skill_id, level) in enumerate(zip(skills, levels), start=1):
        skill_id, level = str(skill_id or "").strip(), str(level or "").strip()
        if not skill_id:
            continue
        skill = db.session.get(Skill, int(skill_id)) if _number(skill_id) else None
        if skill is None:
            errors[f"skill_{i}"] = f"Skill {i}: no such skill."
            continue
        if skill.id in seen:
            errors[f"skill_{i}"] = f"Skill {i}: {skill.code} is already in the search."
            continue
        seen.add(skill.id)
        defined = sorted(skill.defined_levels or []) or list(range(1, 8))
        if not level:
            chosen = defined[0]
        elif not _number(level) or not 1 <= int(level) <= 9:
            errors[f"level_{i}"] = f"Skill {i}: the level must be a whole number from 1 to 9."
            continue
        else:
            chosen = int(level)
        if chosen > max(defined):
            errors[f"level_{i}"] = f"Skill {i}: {skill.code} is defined up to level {max(defined)}."
            continue
        criteria.append(Criterion(skill, chosen))
    if len(criteria) > MAX_CRITERIA:
        errors["skill_1"] = f"Search for at most {MAX_CRITERIA} skills at once."
    if not criteria and not errors:
        errors["skill_1"] = "Choose at least one skill."
    unit = None
    if unit_id not in (None, ""):
        unit = db.session.get(OrgUnit, int(unit_id)) if _number(str(unit_id)) else None
        if unit is None:
            errors["unit"] = "No such org unit."
    if errors:
        raise InvalidInput("The search was not run: " + " ".join(errors.values()), details={"fields": errors})
    return Search(criteria, unit, via_crosswalks, nearly)


def _scope(actor) -> Select | None:
    """A select of the ids the actor may search among, or None for everyone."""
    policy.require(actor, "use_skills_finder")
    if policy.finder_reach(actor) == "everyone":
        return None
    tree = org.reports_cte(actor.id)
    return select(tree.c.id)


def _statement(search: Search, scope: Select | None) -> Select:
    """One row per person matching ``search``: id, name, email, job title, unit,
    shortfall (how many skills fall one level short), and ``level_i``/``via_i``
    per criterion."""
    ids = [c.skill.id for c in search.criteria]
    wanted = set(ids)
    now = gaps.now_utc()
    if search.via_crosswalks:
        # Only the skills that can count are read: the named ones and their crosswalk partners, named
        # by id (a list the planner can estimate: with a subquery in its place PostgreSQL read every
        # validated assessment at 100,000 people, docs/performance.md).
        partners = set(db.session.scalars(union(
            select(CrosswalkLevel.from_skill_id).where(CrosswalkLevel.to_skill_id.in_(ids)),
            select(CrosswalkLevel.to_skill_id).where(CrosswalkLevel.from_skill_id.in_(ids)),
        )))
        levels = gaps.effective_levels(gaps.held_levels(now, skills=Assessment.skill_id.in_(sorted(wanted | partners))))
    else:
        held = gaps.held_levels(now, skills=Assessment.skill_id.in_(ids))
        levels = select(held.c.person_id, held.c.skill_id, held.c.level, null().label("via_skill_id")).cte("levels")
    columns = []
    for i, c in enumerate(search.criteria, start=1):
        mine = levels.c.skill_id == c.skill.id
        columns.append(func.max(case((mine, levels.c.level))).label(f"level_{i}"))
        columns.append(func.max(case((mine, levels.c.via_skill_id))).label(f"via_{i}"))
    per_person = (select(levels.c.person_id, *columns).where(levels.c.skill_id.in_(wanted))
                  .group_by(levels.c.person_id).subquery("per_person"))
    shortfall = sum((case((per_person.c[f"level_{i}"] < c.level, 1), else_=0)
                     for i, c in enumerate(search.criteria, start=1)), literal(0))
    floor = 1 if search.nearly else 0
    enough = and_(*(per_person.c[f"level_{i}"] >= max(c.level - floor, 1) for i, c in enumerate(search.criteria, start=1)))
    stmt = (
        select(Person.id.label("id"), Person.name.label("name"), Person.email.label("email"),
               Person.job_title.label("job_title"), OrgUnit.path.label("org_unit"),
               shortfall.label("shortfall"), *(per_person.c[f"{k}_{i}"] for i in range(1, len(search.criteria) + 1)
                                               for k in ("level", "via")))
        .join(per_person, per_person.c.person_id == Person.id)
        .outerjoin(OrgUnit, OrgUnit.id == Person.org_unit_id)
        .where(Person.active.is_(True), enough)
    )
    if scope is not None:
        stmt = stmt.where(Person.id.in_(scope))
    if search.unit is not None:
        stmt = stmt.where(Person.org_unit_id.in_(select(OrgUnit.id).where(org.unit_and_descendants(search.unit))))
    return stmt


@dataclass
class Found:
    person_id: int
    name: str
    email: str | None
    job_title: str | None
    org_unit: str | None
    shortfall: int
    levels: list[tuple[int | None, str | None]]  # per criterion: level, via skill code

    @property
    def meets_all(self) -> bool:
        return self.shortfall == 0


def find(actor, search: Search, *, cursor: str | None = None, limit: int = 50) -> paging.Page[Found]:
    """A page of the people matching ``search`` among those the actor may search:
    those meeting every level first, then those one level short in the fewest skills."""
    policy.require(actor, "use_skills_finder")
    stmt = _statement(search, _scope(actor))
    # The total rides on every row (a window over every match, before the keyset takes the page):
    # one statement a page instead of a second one that counts.
    sub = stmt.add_columns(func.count().over().label("total")).subquery("found")
    page = paging.of_select(select(sub), [sub.c.shortfall, sub.c.name, sub.c.id], cursor=cursor, limit=limit,
                            scalars=False)
    if page.items:
        page.total = page.items[0].total
    else:  # past the last match (an old cursor), or none at all
        page.total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) if cursor else 0
    via_ids = {row._mapping[f"via_{i}"] for row in page.items for i in range(1, len(search.criteria) + 1)} - {None}
    codes = dict(db.session.execute(select(Skill.id, Skill.code).where(Skill.id.in_(via_ids))).all()) if via_ids else {}
    contact = policy.can(actor, "see_finder_contact")
    page.items = [
        Found(row.id, row.name, row.email if contact else None, row.job_title, row.org_unit, int(row.shortfall),
              [(row._mapping[f"level_{i}"], codes.get(row._mapping[f"via_{i}"]))
               for i in range(1, len(search.criteria) + 1)])
        for row in page.items
    ]
    return page


def as_args(search: Search) -> dict:
    """The search as the finder page's address carries it."""
    args: dict = {}
    for i, c in enumerate(search.criteria, start=1):
        args[f"skill_{i}"] = c.skill.id
        args[f"level_{i}"] = c.level
    if search.unit is not None:
        args["unit"] = search.unit.id
    if not search.via_crosswalks:
        args["direct"] = 1
    if search.nearly:
        args["nearly"] = 1
    return args


def record_search(actor, search: Search, total: int | None) -> None:
    """Who searched for whom is in the audit trail: the finder tells people's levels."""
    wanted = ", ".join(f"{c.skill.code} {c.level}+" for c in search.criteria)
    audit.record(actor, "finder.searched", None, summary=f"searched for {wanted}"
                 + (f" in {search.unit.path}" if search.unit else "") + f": {total} found",
                 data={"criteria": [[c.skill.id, c.level] for c in search.criteria],
                       "unit": search.unit.id if search.unit else None, "nearly": search.nearly,
                       "via_crosswalks": search.via_crosswalks, "found": total})
