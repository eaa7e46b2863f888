"""The learning catalogue and training plans, with enrolment and completion.

A training plan's enrolment is a development goal of the plan (services/plans.py):
the plan's skill and target level, due at its end, agreed when the person is enrolled;
withdrawing drops it, re-enrolling agrees it again. Completing a training plan never
changes anyone's level: it prompts the person to reassess, and the level changes only
through a validated assessment (which, reaching the target, achieves the goal).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from skills_app import cache, policy
from skills_app.errors import InvalidInput, NotFound
from skills_app.extensions import db
from skills_app.models import Goal, GoalResource, LearningResource, Person, Skill, TrainingPlan
from skills_app.models.framework import utcnow
from skills_app.models.learning import RESOURCE_KINDS
from skills_app.services import by_id
from skills_app.services import audit, gaps, needs, notifications, plans as goals
from skills_app.services.requirements import _skill


def catalogue(actor, *, skill_id: int | None = None) -> list[LearningResource]:
    policy.require(actor, "view_learning")
    stmt = select(LearningResource).options(selectinload(LearningResource.skill).selectinload(Skill.framework))
    if skill_id:
        stmt = stmt.where(LearningResource.skill_id == skill_id)
    return list(db.session.scalars(stmt.order_by(LearningResource.skill_id, LearningResource.target_level, LearningResource.title)))


def get_resource(actor, resource_id: int) -> LearningResource:
    policy.require(actor, "view_learning")
    return by_id(LearningResource, resource_id, "learning resource")


def _check_url(url: str | None) -> str | None:
    url = (url or "").strip() or None
    if url and not url.lower().startswith(("http://", "https://")):
        raise InvalidInput.on("url", "A link starts with http:// or https://.")
    return url


def save_resource(actor, resource: LearningResource | None, *, title: str, kind: str, provider: str | None, url: str | None,
                  duration_hours: float | None, description: str | None, skill: Skill, target_level: int) -> LearningResource:
    policy.require(actor, "manage_learning")
    title = (title or "").strip()
    problems: dict[str, str] = {}
    if not title:
        problems["title"] = "A resource needs a title."
    if kind not in RESOURCE_KINDS:
        problems["kind"] = f"The kinds are {', '.join(RESOURCE_KINDS)}."
    if target_level not in skill.defined_levels:
        problems["target_level"] = f"{skill.code} is not defined at level {target_level}."
    if duration_hours is not None and not (0 < duration_hours < 10000):
        problems["duration_hours"] = "A duration is a number of hours above 0."
    if url and not url.lower().startswith(("http://", "https://")):
        problems["url"] = "A link starts with http:// or https://."
    if problems:
        raise InvalidInput.on_fields(problems)
    created = resource is None
    if created:
        resource = LearningResource()
        db.session.add(resource)
    resource.title, resource.kind, resource.provider = title, kind, (provider or "").strip() or None
    resource.url, resource.duration_hours, resource.description = _check_url(url), duration_hours, (description or "").strip() or None
    resource.skill, resource.target_level = skill, target_level
    db.session.flush()
    audit.record(actor, "learning.resource_saved", resource, summary=f"learning resource {title!r} {'added' if created else 'updated'} for {skill.code} {target_level}")
    return resource


def delete_resource(actor, resource: LearningResource) -> None:
    policy.require(actor, "manage_learning")
    audit.record(actor, "learning.resource_deleted", resource, summary=f"learning resource {resource.title!r} removed")
    db.session.delete(resource)
    db.session.flush()


def plans(actor) -> list[TrainingPlan]:
    policy.require(actor, "view_learning")
    stmt = select(TrainingPlan).options(
        selectinload(TrainingPlan.enrolments), selectinload(TrainingPlan.skill).selectinload(Skill.framework),
        selectinload(TrainingPlan.resource),
    ).order_by(TrainingPlan.starts_on.desc().nulls_last(), TrainingPlan.id.desc())
    return list(db.session.scalars(stmt))


def get_plan(actor, plan_id: int) -> TrainingPlan:
    policy.require(actor, "view_learning")
    plan = by_id(TrainingPlan, plan_id, "training plan")
    policy.require(actor, "view_training_plan", plan)
    return plan


def create_plan(actor, *, name: str, skill: Skill, target_level: int, resource: LearningResource | None,
                starts_on: date | None, ends_on: date | None, people: list[Person]) -> TrainingPlan:
    """A training plan for a cohort; every person in it is enrolled and told."""
    policy.require(actor, "manage_learning")
    name = (name or "").strip()
    if target_level not in skill.defined_levels:
        raise InvalidInput(f"{skill.code} is not defined at level {target_level}.")
    problems: dict[str, str] = {}
    if not name:
        problems["name"] = "A training plan needs a name."
    if starts_on and ends_on and ends_on < starts_on:
        problems["ends_on"] = "The plan ends before it starts: choose an end date on or after the start date."
    if resource is not None and resource.skill_id != skill.id:
        problems["resource"] = f"{resource.title!r} is for another skill."
    if not people:
        problems["people"] = "Choose at least one person for the plan."
    if problems:
        raise InvalidInput.on_fields(problems)
    plan = TrainingPlan(name=name, skill=skill, target_level=target_level, resource=resource, starts_on=starts_on,
                        ends_on=ends_on, created_by=actor if isinstance(actor, Person) else None)
    db.session.add(plan)
    lead = actor if isinstance(actor, Person) else None
    now = utcnow()
    for person in people:
        goal = Goal(person=person, skill=skill, target_level=target_level, due_on=ends_on, state="agreed",
                    created_by=lead, agreed_by=lead, agreed_at=now)
        if resource is not None:
            goal.resources.append(GoalResource(resource=resource))
        plan.enrolments.append(goal)
    db.session.flush()
    for person in people:
        when = f" from {starts_on:%d %b %Y}" if starts_on else ""
        notifications.notify(person, f"You are enrolled in the training plan “{name}”{when} for {skill.code} level {target_level}.",
                             link=f"/learning/plans/{plan.id}")
    audit.record(actor, "learning.plan_created", plan, summary=f"training plan {name!r} for {skill.code} {target_level}, {len(people)} people",
                 data={"people": [p.id for p in people]})
    return plan


def set_enrolment(actor, enrolment: Goal, status: str) -> None:
    """Mark an enrolment (the person's goal of the plan) completed, withdrawn, or enrolled again;
    completion asks the person to reassess."""
    policy.require(actor, "complete_training", enrolment)
    if not goals.set_enrolment(actor, enrolment, status):
        return
    plan = enrolment.plan
    if status == "completed":
        notifications.notify(
            enrolment.person,
            f"You completed “{plan.name}”. When you are ready, reassess {plan.skill.code} at level {plan.target_level} with your new evidence.",
            link="/my/skills",
        )


def get_enrolment(actor, plan: TrainingPlan, enrolment_id: int) -> Goal:
    enrolment = next((e for e in plan.enrolments if e.id == enrolment_id), None)
    if enrolment is None:
        raise NotFound("no such enrolment")
    return enrolment


def load_file(actor, data: dict, source: str) -> str:
    """Add the catalogue entries of a file (title + skill + level is the key; existing ones are kept)."""
    policy.require(actor, "manage_learning")
    if not isinstance(data, dict) or not isinstance(data.get("resources"), list):
        raise InvalidInput(f"{source}: expected a list under the key resources")
    added = 0
    for i, item in enumerate(data["resources"]):
        skill = _skill(item, f"{source}: resources[{i}]")
        level = int(item.get("level"))
        exists = db.session.scalar(select(LearningResource.id).where(
            LearningResource.title == item.get("title"), LearningResource.skill_id == skill.id, LearningResource.target_level == level))
        if exists:
            continue
        save_resource(actor, None, title=item.get("title"), kind=item.get("kind", "course"), provider=item.get("provider"),
                      url=item.get("url"), duration_hours=item.get("duration_hours"), description=item.get("description"),
                      skill=skill, target_level=level)
        added += 1
    return f"{source}: {len(data['resources'])} learning resources" + (f", {added} added" if added else "")


@dataclass
class Cohort:
    """Who a training plan for a level step of a skill is for: everyone who
    needs the skill (to choose from), those at the step (ticked), and the
    catalogue's resources for the skill."""

    skill: Skill
    to_level: int
    people: list[Person]
    at_step: set[int]
    resources: list[LearningResource]


# A plan's form lists everyone who needs the skill, to tick, while they are at most this many;
# past it, the cohort is chosen as a whole (everyone at the step, or everyone who needs the
# skill) or by typing the people's email addresses or employee numbers.
LIST_MAX = 300
NAMED_MAX = 500


def _cohort_filters(actor, skill: Skill, to_level: int | None, filters: gaps.Filters) -> gaps.Filters:
    policy.require(actor, "manage_learning")
    if to_level not in skill.defined_levels:
        raise InvalidInput.on("to_level", f"Choose a level {skill.code} defines.")
    filters.skill, filters.framework = skill.code, skill.framework.code
    return filters


def _in_step(needs_rows, to_level: int, from_level: str):
    """Whether a need (``needs.of_skill``'s row) is at the step: going to ``to_level`` from
    ``from_level`` (a level, "none": holding no level, "any": from wherever)."""
    condition = needs_rows.c.to_level == to_level
    if from_level == "none":
        condition = condition & (needs_rows.c.from_key == needs.NO_LEVEL)
    elif from_level.isdigit():
        condition = condition & (needs_rows.c.from_key == int(from_level))
    return condition


@dataclass
class CohortSize:
    """How many people need ``skill`` (``needing``) and how many of them are at the step (``at_step``)."""

    needing: int
    at_step: int

    @property
    def listed(self) -> bool:
        """Whether the form lists them all to tick (a small organisation's cohort)."""
        return self.needing <= LIST_MAX


def cohort_size(actor, skill: Skill, *, to_level: int | None, from_level: str, filters: gaps.Filters) -> CohortSize:
    """The sizes of ``cohort``'s two sets, counted by the database in one statement (cached
    in the report cache at the data's generation)."""
    filters = _cohort_filters(actor, skill, to_level, filters)

    def count():
        rows = needs.of_skill(actor, filters, skill.id)
        found = db.session.execute(select(func.count(), func.count(case((_in_step(rows, to_level, from_level), 1))))
                                   .select_from(rows)).one()
        return [int(found[0]), int(found[1])]

    needing, at_step = cache.cached(gaps.cache_key(actor, "plan-cohort-size", filters, skill.id, to_level, from_level), count)
    return CohortSize(needing, at_step)


def chosen_people(actor, skill: Skill, *, to_level: int | None, from_level: str, filters: gaps.Filters, who: str,
                  named: str | None = None) -> list[Person]:
    """The people of a plan chosen as a whole or by name: ``who`` "step" (everyone at the
    step), "skill" (everyone who needs the skill) or "named" (the people whose email
    addresses or employee numbers ``named`` gives, one a line, each of whom must need the
    skill). A problem is refused at its field (``who``, ``named``)."""
    filters = _cohort_filters(actor, skill, to_level, filters)
    rows = needs.of_skill(actor, filters, skill.id)
    stmt = select(Person).options(selectinload(Person.org_unit)).where(Person.id.in_(select(rows.c.person_id)))
    if who == "step":
        stmt = stmt.where(Person.id.in_(select(rows.c.person_id).where(_in_step(rows, to_level, from_level))))
    elif who == "named":
        lines = [line.strip() for line in (named or "").replace(",", "\n").splitlines() if line.strip()]
        if not lines:
            raise InvalidInput.on("named", "Give the email address or employee number of each person to enrol, one a line.")
        if len(lines) > NAMED_MAX:
            raise InvalidInput.on("named", f"Name at most {NAMED_MAX} people here; for more, choose everyone at the step "
                                           f"or everyone who needs {skill.code}.")
        wanted = {line.lower() for line in lines}
        stmt = stmt.where((func.lower(Person.email).in_(wanted)) | Person.employee_number.in_(set(lines)))
    elif who != "skill":
        raise InvalidInput.on("who", "Choose who the plan is for.")
    people = list(db.session.scalars(stmt.order_by(Person.name, Person.id)))
    if who == "named":
        known = {p.email.lower() for p in people} | {p.employee_number for p in people if p.employee_number}
        missing = [line for line in lines if line.lower() not in known and line not in known]
        if missing:
            raise InvalidInput.on("named", f"Nobody who needs {skill.code} has the email address or employee number "
                                           f"{', '.join(missing[:10])}{' …' if len(missing) > 10 else ''}.")
    if not people:
        raise InvalidInput.on("who", "Nobody is at this step now: choose everyone who needs "
                                     f"{skill.code}, or name the people to enrol.")
    return people


def cohort(actor, skill: Skill, *, to_level: int | None, from_level: str, filters: gaps.Filters) -> Cohort:
    """The training-needs cohort of ``skill`` going to ``to_level`` from
    ``from_level`` (a level, "none" for those not holding the skill, or "any"), within
    the report's ``filters``."""
    filters = _cohort_filters(actor, skill, to_level, filters)
    candidates = needs.people(actor, filters, skill_id=skill.id, risk=False)
    at_step: set[int] = set()
    if len(candidates):
        in_step = candidates["to_level"] == to_level
        if from_level == "none":
            in_step &= candidates["from_level"].isna()
        elif from_level.isdigit():
            in_step &= candidates["from_level"] == int(from_level)
        at_step = {int(i) for i in candidates[in_step]["person_id"]}
    ids = {int(i) for i in candidates["person_id"]} if len(candidates) else set()
    people = list(db.session.scalars(select(Person).options(selectinload(Person.org_unit)).where(Person.id.in_(ids))
                                     .order_by(Person.name, Person.id))) if ids else []
    return Cohort(skill, to_level, people, at_step, catalogue(actor, skill_id=skill.id))
