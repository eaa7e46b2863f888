"""Development plans: a person's goals, each a skill and a target level by a date,
with the learning resources they will use.

One model for both kinds of plan: a person proposes goals of their own plan with
their line manager, and a cohort training plan (services/learning.py) gives each
person it enrols a goal of that plan, agreed from the start. The state machine::

    proposed ──agree──▶ agreed ──(a validated level reaches the target)──▶ achieved
       │  ▲                │
       │  └─send back──┘   │   (send back: the goal stays proposed, with the reason)
       └──────drop─────────┴──▶ dropped ──re-enrol (cohort goals only)──▶ agreed

The person proposes and changes their goal while it is proposed; their direct line
manager, or HR, agrees it or sends it back with a reason; the person, their line
manager or HR drops it (a cohort goal is withdrawn and re-enrolled by the learning
team, HR or the line manager, from the training plan). A goal is achieved only by a
validated, unexpired level at or above its target, in the transaction of the
validation that reaches it (:func:`settle_validation`, called by
services/assessments.decide), or when it is agreed if the person already holds the
level then. Every change is an audit event (services/audit.record); achieved and
dropped goals do not change again (but for a cohort goal re-enrolled).

Functions take the acting user first, ask the policy, flush and never commit.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from sqlalchemy import Integer, bindparam, func, or_, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from skills_app import clock, policy
from skills_app.errors import Conflict, InvalidInput, InvalidState
from skills_app.extensions import db
from skills_app.models import Assessment, Goal, GoalResource, LearningResource, Person, Skill
from skills_app.models.framework import utcnow
from skills_app.models.learning import GOAL_STATES
from skills_app.services import audit, by_id, gaps, notifications

MAX_NOTE = 2000
OPEN = ("proposed", "agreed")


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def _label(goal: Goal) -> str:
    return f"{goal.skill.code} level {goal.target_level}"


def _flush() -> None:
    """Flush; two people changing one goal at once: the second gets a Conflict, not a 500."""
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise Conflict("Someone changed this goal at the same moment: look at it again.") from None


def _check_version(goal: Goal, version) -> None:
    if version in (None, ""):
        return
    try:
        stale = int(version) != goal.version
    except (TypeError, ValueError):
        raise InvalidInput("The form's version is not a number.") from None
    if stale:
        raise Conflict(f"The goal {_label(goal)} changed since you opened it: look at it again.")


def _transition(actor, goal: Goal, to: str, action: str, *, summary: str, data: dict | None = None) -> None:
    """The one way a goal's state changes: the new state, the flush, the audit event."""
    before = goal.state
    goal.state = to
    if to in ("achieved", "dropped"):
        goal.closed_at = utcnow()
    elif before in ("achieved", "dropped"):
        goal.closed_at = None
    _flush()
    audit.record(actor, action, goal, summary=summary,
                 data={"person_id": goal.person_id, "from": before, "to": to, **(data or {})})


def _require_state(goal: Goal, *states: str, doing: str) -> None:
    if goal.state not in states:
        raise InvalidState(f"The goal {_label(goal)} is {goal.state}: it cannot be {doing} now.")


# -- reading ------------------------------------------------------------------------------

def get_goal(actor, goal_id: int, permission: str = "view_goal") -> Goal:
    goal = by_id(Goal, goal_id, "goal")
    policy.require_seen(actor, "view_goal", permission, goal)
    return goal


@dataclass
class Step:
    """A moment of a goal's progress: a self-assessment or a validation of its skill."""

    on: datetime
    kind: str            # "self-assessed" or "validated"
    level: int
    assessment_id: int
    expired: bool = False


@dataclass
class GoalProgress:
    goal: Goal
    current_level: int | None
    self_level: int | None
    steps: list[Step] = field(default_factory=list)
    # The skill whose validated level counts as ``current_level`` through a crosswalk (None: the goal's own).
    via: Skill | None = None
    via_level: int | None = None

    @property
    def learning_done(self) -> int:
        return sum(1 for r in self.goal.resources if r.completed_at is not None)

    @property
    def overdue(self) -> bool:
        return bool(self.goal.is_open and self.goal.due_on and self.goal.due_on < clock.now().date())


@dataclass
class Plan:
    person: Person
    goals: list[GoalProgress]

    @property
    def open(self) -> list[GoalProgress]:
        return [g for g in self.goals if g.goal.is_open]

    @property
    def closed(self) -> list[GoalProgress]:
        return [g for g in self.goals if not g.goal.is_open]

    @property
    def waiting(self) -> int:
        return sum(1 for g in self.goals if g.goal.state == "proposed")


@dataclass
class Held:
    """A level that counts for a goal's skill: the validated assessment that gives it, and
    the skill it is held in when that is another one (a crosswalk's; ``via`` its code)."""

    level: int
    assessment: Assessment
    via: Skill | None = None


def holding(person_id: int, skill_ids) -> dict[int, Held]:
    """For each of ``skill_ids``, the level the person holds in it by the gap engine's rules
    (services/gaps.py): their latest validated, unexpired level of the skill itself, or of a
    skill a crosswalk maps onto it either way, the highest counting (the skill's own on a
    tie). One statement for the levels, one for the assessments that give them."""
    skill_ids = sorted(set(skill_ids))
    if not skill_ids:
        return {}
    held = gaps.held_levels(utcnow(), lambda column: column == person_id)
    effective = gaps.effective_levels(held)
    rows = db.session.execute(select(effective.c.skill_id, effective.c.level, effective.c.via_skill_id)
                              .where(effective.c.skill_id.in_(skill_ids))).all()
    if not rows:
        return {}
    sources = {row.via_skill_id or row.skill_id for row in rows}
    latest: dict[int, Assessment] = {}
    for a in db.session.scalars(
            select(Assessment).where(
                Assessment.person_id == person_id, Assessment.skill_id.in_(sources), Assessment.kind == "skill",
                Assessment.status == "validated", Assessment.validated_level.is_not(None),
                or_(Assessment.valid_until.is_(None), Assessment.valid_until > utcnow()))
            .options(selectinload(Assessment.skill))
            .order_by(Assessment.decided_at.desc(), Assessment.id.desc())):
        latest.setdefault(a.skill_id, a)
    out = {}
    for row in rows:
        source = latest.get(row.via_skill_id or row.skill_id)
        if source is not None and row.level is not None:
            out[row.skill_id] = Held(int(row.level), source, source.skill if row.via_skill_id else None)
    return out


def plan_of(actor, person: Person) -> Plan:
    """Every goal of the person (their own and their cohort plans'), open ones first, each
    with its progress: self-assessed and validated levels of its skill over time, learning done."""
    policy.require(actor, "view_plan", person)
    goals = list(db.session.scalars(
        select(Goal).where(Goal.person_id == person.id)
        .options(selectinload(Goal.skill).selectinload(Skill.framework), selectinload(Goal.plan),
                 selectinload(Goal.resources).selectinload(GoalResource.resource), selectinload(Goal.agreed_by))
        .order_by(Goal.id)))
    skill_ids = {g.skill_id for g in goals}
    history = list(db.session.scalars(
        select(Assessment).where(Assessment.person_id == person.id, Assessment.kind == "skill",
                                 Assessment.skill_id.in_(skill_ids), Assessment.submitted_at.is_not(None))
        .order_by(Assessment.submitted_at, Assessment.id))) if skill_ids else []
    now = utcnow()
    counted = holding(person.id, skill_ids)
    out = []
    for goal in goals:
        steps: list[Step] = []
        current = self_level = None
        for a in (a for a in history if a.skill_id == goal.skill_id):
            steps.append(Step(_aware(a.submitted_at), "self-assessed", a.claimed_level, a.id))
            self_level = a.claimed_level
            if a.status == "validated" and a.validated_level is not None and a.decided_at is not None:
                expired = a.valid_until is not None and _aware(a.valid_until) <= now
                steps.append(Step(_aware(a.decided_at), "validated", a.validated_level, a.id, expired))
                if not expired:
                    current = a.validated_level
        steps.sort(key=lambda s: s.on)
        progress = GoalProgress(goal, current, self_level, steps)
        held = counted.get(goal.skill_id)
        if held is not None and held.via is not None and held.level > (current or 0):
            progress.current_level, progress.via, progress.via_level = held.level, held.via, held.assessment.validated_level
        out.append(progress)
    order = {"proposed": 0, "agreed": 1, "achieved": 2, "dropped": 3}
    out.sort(key=lambda p: (order[p.goal.state], p.goal.due_on or date.max, p.goal.id))
    return Plan(person, out)


def counts(actor, person: Person) -> dict[str, int]:
    """How many of the person's goals are in each state."""
    policy.require(actor, "view_plan", person)
    rows = db.session.execute(select(Goal.state, func.count()).where(Goal.person_id == person.id).group_by(Goal.state))
    return {state: 0 for state in GOAL_STATES} | {state: n for state, n in rows}


def open_goals(actor, person: Person) -> dict[int, Goal]:
    """The person's open goals by skill (the highest target where there are several)."""
    policy.require(actor, "view_plan", person)
    out: dict[int, Goal] = {}
    for goal in db.session.scalars(select(Goal).where(Goal.person_id == person.id, Goal.state.in_(OPEN)).order_by(Goal.id)):
        if goal.skill_id not in out or goal.target_level > out[goal.skill_id].target_level:
            out[goal.skill_id] = goal
    return out


def _waiting_stmt(me: Person, *columns):
    """The proposed goals ``me`` may agree (the policy's agree_goal as SQL): their direct
    reports' (everyone's for HR), of their own plans, not their own, of active people; not
    those sent back and not changed since (they wait for their person)."""
    return _waiting_of(me.id, me.has_role("hr"), *columns)


def _waiting_of(me_id, hr: bool, *columns):
    """:func:`_waiting_stmt` of the person ``me_id`` (an id, or a bound parameter), HR or not."""
    stmt = (select(*columns).select_from(Goal).join(Person, Goal.person_id == Person.id)
            .where(Goal.state == "proposed", Goal.review_comment.is_(None), Goal.plan_id.is_(None), Goal.person_id != me_id,
                   Person.active.is_(True)))
    if not hr:
        stmt = stmt.where(Person.manager_id == me_id)
    return stmt


def waiting_for(actor) -> list[Goal]:
    """Proposed goals the actor may agree, oldest first (see :func:`_waiting_stmt`)."""
    me = actor if isinstance(actor, Person) else None
    if me is None:
        return []
    stmt = _waiting_for_statement(me.has_role("hr"))
    return [g for g in db.session.scalars(stmt, {"me_id": me.id}) if policy.can(actor, "agree_goal", g)]


@functools.cache
def _waiting_for_statement(hr: bool):
    """``waiting_for``'s statement, built once (one for HR, one for the others), the actor's id its parameter."""
    return (_waiting_of(bindparam("me_id", type_=Integer), hr, Goal)
            .options(selectinload(Goal.person), selectinload(Goal.skill).selectinload(Skill.framework))
            .order_by(Goal.created_at, Goal.id))


def waiting_ids(actor):
    """The ids of the goals :func:`waiting_for` lists, as a select (for the review badge's one
    statement, services/assessments.queue_count); None for an actor who is no person."""
    me = actor if isinstance(actor, Person) else None
    return None if me is None else _waiting_stmt(me, Goal.id)


def waiting_ids_of(me, *, hr: bool):
    """:func:`waiting_ids` of the person whose id is ``me`` (a bound parameter, for a statement built
    once: the review badge's, services/assessments.queue_count_stmt), HR or not."""
    return _waiting_of(me, hr, Goal.id)


# -- proposing and changing ------------------------------------------------------------------

def _clean(person: Person, skill: Skill, target_level, due_on: date | None, note: str | None,
           resources: list[LearningResource]) -> tuple[int, str | None]:
    problems: dict[str, str] = {}
    try:
        level = int(target_level)
    except (TypeError, ValueError):
        level = None
    if level is None or level not in skill.defined_levels:
        defined = ", ".join(str(n) for n in skill.defined_levels)
        problems["target_level"] = f"Choose a level {skill.code} defines ({defined})."
    if due_on is not None and due_on < clock.now().date():
        problems["due_on"] = "The date is in the past: choose today or a later day."
    note = (note or "").strip() or None
    if note and len(note) > MAX_NOTE:
        problems["note"] = f"A note has at most {MAX_NOTE} characters."
    other = [r.title for r in resources if r.skill_id != skill.id]
    if other:
        problems["resources"] = f"{', '.join(other)} {'is' if len(other) == 1 else 'are'} for another skill."
    if level is not None and "target_level" not in problems:
        held = holding(person.id, [skill.id]).get(skill.id)
        if held is not None and held.level >= level:
            through = (f" through {held.via.code} level {held.assessment.validated_level} and a crosswalk"
                       if held.via is not None else "")
            problems["target_level"] = (f"You already hold {skill.code} at level {held.level} (validated{through}): "
                                        "choose a higher level.")
    if problems:
        raise InvalidInput.on_fields(problems)
    return level, note


def _set_resources(goal: Goal, resources: list[LearningResource]) -> None:
    wanted = {r.id for r in resources}
    for row in list(goal.resources):
        if row.resource_id not in wanted:
            goal.resources.remove(row)
    have = {row.resource_id for row in goal.resources}
    for r in resources:
        if r.id not in have:
            goal.resources.append(GoalResource(resource=r))


def open_goal_for(person: Person, skill: Skill) -> Goal | None:
    """The person's open goal of their own plan in the skill (one at a time; a cohort plan's goal is the learning team's)."""
    return db.session.scalar(select(Goal).where(Goal.person_id == person.id, Goal.skill_id == skill.id, Goal.plan_id.is_(None),
                                                Goal.state.in_(OPEN)).order_by(Goal.id).limit(1))


def propose(actor, person: Person, *, skill: Skill, target_level, due_on: date | None = None, note: str | None = None,
            resources: list[LearningResource] | None = None) -> Goal:
    """A goal of the person's own plan, proposed to their line manager (who is told)."""
    policy.require(actor, "propose_goal", person)
    resources = list(resources or [])
    level, note = _clean(person, skill, target_level, due_on, note, resources)
    cohort = db.session.scalar(select(Goal).where(Goal.person_id == person.id, Goal.skill_id == skill.id, Goal.plan_id.is_not(None),
                                                  Goal.state.in_(OPEN), Goal.target_level >= level).limit(1))
    if cohort is not None:
        raise InvalidInput.on("target_level", f"Your training plan “{cohort.plan.name}” already aims at {skill.code} level "
                                              f"{cohort.target_level}: choose a higher level.")
    existing = open_goal_for(person, skill)
    if existing is not None:
        same = (existing.state == "proposed" and existing.target_level == level
                and existing.due_on == due_on and (existing.note or None) == note
                and {r.resource_id for r in existing.resources} == {r.id for r in resources})
        if same:
            return existing  # the same proposal sent twice (a double click, a resent form): nothing more to do
        raise InvalidInput.on("skill", f"You already have an open goal for {skill.code} (level {existing.target_level}, "
                                       f"{existing.state}): change or drop that one first.")
    goal = Goal(person=person, skill=skill, target_level=level, due_on=due_on, note=note, state="proposed",
                created_by=actor if isinstance(actor, Person) else None)
    db.session.add(goal)
    _set_resources(goal, resources)
    _flush()
    audit.record(actor, "goal.proposed", goal, summary=f"{person.email} proposed a goal: {_label(goal)}"
                 + (f" by {due_on:%d %b %Y}" if due_on else ""),
                 data={"person_id": person.id, "to": "proposed", "skill_id": skill.id, "target_level": level,
                       "due_on": due_on.isoformat() if due_on else None, "resources": sorted(r.id for r in resources)})
    if person.manager is not None and person.manager.active:
        notifications.notify(person.manager, f"{person.name} proposed a development goal, {_label(goal)}: agree it or send it back.",
                             f"/people/{person.id}/plan#goal-{goal.id}")
    return goal


def edit(actor, goal: Goal, *, target_level, due_on: date | None, note: str | None,
         resources: list[LearningResource], version=None) -> Goal:
    """Change a proposed goal (its skill stays)."""
    policy.require(actor, "edit_goal", goal)
    _check_version(goal, version)
    _require_state(goal, "proposed", doing="changed")
    level, note = _clean(goal.person, goal.skill, target_level, due_on, note, resources)
    before = {"target_level": goal.target_level, "due_on": goal.due_on.isoformat() if goal.due_on else None,
              "note": goal.note, "resources": sorted(r.resource_id for r in goal.resources)}
    goal.target_level, goal.due_on, goal.note = level, due_on, note
    _set_resources(goal, resources)
    answered = goal.review_comment is not None
    after = {"target_level": level, "due_on": due_on.isoformat() if due_on else None, "note": note,
             "resources": sorted(r.id for r in resources)}
    if before == after:
        return goal
    goal.review_comment = None   # changed after it was sent back: it waits for agreement again
    _flush()
    audit.record(actor, "goal.changed", goal, summary=f"{goal.person.email} changed the goal {_label(goal)}",
                 data={"person_id": goal.person_id, "before": before, "after": after})
    if answered and goal.person.manager is not None and goal.person.manager.active:
        notifications.notify(goal.person.manager, f"{goal.person.name} changed their development goal, {_label(goal)}, "
                             "after you sent it back: agree it or send it back again.", f"/people/{goal.person_id}/plan#goal-{goal.id}")
    return goal


def record_learning(actor, goal: Goal, goal_resource_id: int, done: bool) -> GoalResource:
    """Mark one of the goal's learning resources completed (or not yet)."""
    policy.require(actor, "edit_goal", goal)
    _require_state(goal, *OPEN, doing="updated")
    row = next((r for r in goal.resources if r.id == goal_resource_id), None)
    if row is None:
        raise InvalidInput.on("resource", "That resource is not part of this goal.")
    if (row.completed_at is not None) == done:
        return row
    row.completed_at = utcnow() if done else None
    _flush()
    audit.record(actor, "goal.learning_recorded", goal,
                 summary=f"{goal.person.email}: {row.resource.title!r} {'completed' if done else 'not completed yet'} "
                         f"for the goal {_label(goal)}",
                 data={"person_id": goal.person_id, "resource_id": row.resource_id, "completed": done})
    return row


# -- agreeing, sending back, dropping ---------------------------------------------------------------

def agree(actor, goal: Goal, *, version=None) -> Goal:
    """The line manager (or HR) agrees a proposed goal; if the person already holds the
    target level, validated and unexpired, it is achieved at once."""
    policy.require(actor, "agree_goal", goal)
    if goal.state in ("agreed", "achieved") and goal.agreed_by_id == getattr(actor, "id", None):
        return goal  # this very agreement is already recorded (a repeated request)
    _check_version(goal, version)
    _require_state(goal, "proposed", doing="agreed")
    goal.agreed_by = actor if isinstance(actor, Person) else None
    goal.agreed_at = utcnow()
    goal.review_comment = None
    who = actor.name if isinstance(actor, Person) else "The system"
    _transition(actor, goal, "agreed", "goal.agreed", summary=f"{who} agreed {goal.person.email}'s goal {_label(goal)}")
    notifications.notify(goal.person, f"{who} agreed your development goal {_label(goal)}.", f"/my/plan#goal-{goal.id}")
    held = holding(goal.person_id, [goal.skill_id]).get(goal.skill_id)
    if held is not None and held.level >= goal.target_level:
        _achieve(actor, goal, held)
    return goal


def send_back(actor, goal: Goal, *, comment: str | None, version=None) -> Goal:
    """The line manager (or HR) sends a proposed goal back with a reason: it stays proposed."""
    policy.require(actor, "agree_goal", goal)
    comment = (comment or "").strip()
    if not comment:
        raise InvalidInput.on("comment", "Say what to change: a reason is needed to send a goal back.")
    if len(comment) > MAX_NOTE:
        raise InvalidInput.on("comment", f"A reason has at most {MAX_NOTE} characters.")
    if goal.state == "proposed" and goal.review_comment == comment:
        return goal  # sent back already with these words
    _check_version(goal, version)
    _require_state(goal, "proposed", doing="sent back")
    goal.review_comment = comment
    who = actor.name if isinstance(actor, Person) else "The system"
    _transition(actor, goal, "proposed", "goal.sent_back", summary=f"{who} sent back {goal.person.email}'s goal {_label(goal)}",
                data={"comment": comment})
    notifications.notify(goal.person, f"{who} sent back your development goal {_label(goal)}: {comment}", f"/my/plan#goal-{goal.id}")
    return goal


def drop(actor, goal: Goal, *, reason: str | None = None, version=None) -> Goal:
    """Drop an open goal (the person, their line manager, HR; a cohort goal: see learning.set_enrolment)."""
    policy.require(actor, "drop_goal", goal)
    if goal.state == "dropped":
        return goal  # dropped already (a repeated request)
    _check_version(goal, version)
    _require_state(goal, *OPEN, doing="dropped")
    reason = (reason or "").strip() or None
    if reason and len(reason) > MAX_NOTE:
        raise InvalidInput.on("reason", f"A reason has at most {MAX_NOTE} characters.")
    who = actor.name if isinstance(actor, Person) else "The system"
    _transition(actor, goal, "dropped", "goal.dropped", summary=f"{who} dropped {goal.person.email}'s goal {_label(goal)}",
                data={"reason": reason} if reason else None)
    me = actor if isinstance(actor, Person) else None
    if me is None or me.id != goal.person_id:
        notifications.notify(goal.person, f"{who} dropped your development goal {_label(goal)}"
                             + (f": {reason}" if reason else "."), f"/my/plan#goal-{goal.id}")
    elif goal.person.manager is not None and goal.state == "dropped" and goal.agreed_by_id is not None:
        notifications.notify(goal.person.manager, f"{goal.person.name} dropped their development goal {_label(goal)}.",
                             f"/people/{goal.person_id}/plan#goal-{goal.id}")
    return goal


def set_enrolment(actor, goal: Goal, status: str) -> bool:
    """A cohort training plan's enrolment: "withdrawn" drops the goal, "enrolled" re-enrols (a
    dropped goal is agreed again), "completed" records the plan's learning done. True if it changed."""
    policy.require(actor, "complete_training", goal)
    if status not in ("enrolled", "completed", "withdrawn"):
        raise InvalidInput("The statuses are enrolled, completed and withdrawn.")
    if goal.plan is None:
        raise InvalidState("This goal is not part of a training plan.")
    before = goal.status
    if before == status:
        return False
    if before == "withdrawn" and status == "completed":
        raise InvalidState(f"{goal.person.name} is withdrawn from this plan: re-enrol them before marking them completed.")
    plan = goal.plan
    summary = f"{goal.person.email} in {plan.name!r}: {before} → {status}"
    data = {"plan_id": plan.id, "enrolment": {"from": before, "to": status}}
    if status == "withdrawn":
        _require_state(goal, *OPEN, doing="withdrawn")
        goal.completed_at = None
        _transition(actor, goal, "dropped", "learning.enrolment_changed", summary=summary, data=data)
        return True
    now = utcnow()
    goal.completed_at = now if status == "completed" else None
    for row in goal.resources:
        row.completed_at = now if status == "completed" else None
    if goal.state == "dropped":
        goal.agreed_by = actor if isinstance(actor, Person) else None
        goal.agreed_at = now
        _transition(actor, goal, "agreed", "learning.enrolment_changed", summary=summary, data=data)
        held = holding(goal.person_id, [goal.skill_id]).get(goal.skill_id)
        if held is not None and held.level >= goal.target_level:
            _achieve(actor, goal, held)
    else:
        _flush()
        audit.record(actor, "learning.enrolment_changed", goal, summary=summary,
                     data={"person_id": goal.person_id, "from": goal.state, "to": goal.state, **data})
    return True


# -- achieving ------------------------------------------------------------------------------------

def _achieve(actor, goal: Goal, held: Held) -> None:
    assessment = held.assessment
    goal.achieved_by_id = assessment.id
    how = f"validated at level {held.level}"
    if held.via is not None:
        how = (f"validated at {held.via.code} level {assessment.validated_level}, which counts as {goal.skill.code} "
               f"level {held.level} through a crosswalk")
    data = {"assessment_id": assessment.id, "validated_level": assessment.validated_level}
    if held.via is not None:
        data |= {"via": held.via.code, "level": held.level}
    _transition(actor, goal, "achieved", "goal.achieved", summary=f"{goal.person.email} reached {_label(goal)}: {how}",
                data=data)
    notifications.notify(goal.person, f"Goal achieved: {_label(goal)}, {how}.", f"/my/plan#goal-{goal.id}")


def settle_validation(actor, assessment: Assessment) -> list[Goal]:
    """Close (achieved) the agreed goals that a just-validated assessment reaches, if it is
    unexpired: its person's goals in its skill, or in a skill a crosswalk maps it onto (either
    way, as the gap engine counts levels), whose target is at or below the level that now
    counts, when that level comes from this assessment. Called in the validation's own
    transaction."""
    if (assessment.status != "validated" or assessment.kind != "skill" or assessment.validated_level is None
            or (assessment.valid_until is not None and _aware(assessment.valid_until) <= utcnow())):
        return []
    goals = list(db.session.scalars(select(Goal).where(
        Goal.person_id == assessment.person_id, Goal.state == "agreed").order_by(Goal.id)))
    if not goals:
        return []
    levels = holding(assessment.person_id, [g.skill_id for g in goals])
    reached = []
    for goal in goals:
        held = levels.get(goal.skill_id)
        if held is not None and held.assessment.id == assessment.id and held.level >= goal.target_level:
            _achieve(actor, goal, held)
            reached.append(goal)
    return reached
