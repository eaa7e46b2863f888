"""The guided first visit of the demo organisation: each demo role's dashboard shows,
until it is dismissed, a short "try this" list that leads to the journeys worth
seeing. Absent outside the demo: the demo load marks the database as the demo's
(:func:`mark_demo`); an organisation's own database never has the mark."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import or_, select

from skills_app import policy
from skills_app.extensions import db
from skills_app.models import AppSetting, Assessment, Framework, Skill
from skills_app.models.framework import utcnow
from skills_app.services import audit, credentials, plans

DEMO = "demo"


def _dismissed(person_id: int) -> str:
    return f"tour_dismissed:{person_id}"


@dataclass(frozen=True)
class Step:
    """One thing to try: what, and where (an endpoint and its values)."""

    text: str
    endpoint: str
    values: dict = field(default_factory=dict)


def mark_demo(actor) -> None:
    """The database holds the demo organisation: its people are shown the guided first visit."""
    policy.require(actor, "mark_demo")
    if db.session.get(AppSetting, DEMO) is None:
        db.session.add(AppSetting(key=DEMO, value=True))
        db.session.flush()
        audit.record(actor, "settings.changed", None, summary="the demo organisation loaded: guided first visit on",
                     data={DEMO: True})


def is_demo() -> bool:
    row = db.session.get(AppSetting, DEMO)
    return bool(row and row.value)


def steps_for(actor) -> list[Step]:
    """What ``actor`` is invited to try, by their roles; nothing outside the demo or once dismissed."""
    policy.require(actor, "dismiss_tour")
    if not is_demo() or db.session.get(AppSetting, _dismissed(actor.id)) is not None:
        return []
    steps: list[Step] = []
    if actor.has_role("employee"):
        slmo = db.session.scalar(select(Skill).join(Framework).where(Skill.code == "SLMO", Framework.status == "published")
                                 .order_by(Framework.id.desc()))
        if slmo is not None:
            steps.append(Step("Self-assess SLMO: claim a level, rate yourself on each descriptor and attach evidence",
                              "assessments.new", {"skill_id": slmo.id}))
        steps.append(Step("See the levels your role needs, and which of yours expire soon", "assessments.my_skills"))
        held = _standing_level(actor)
        if held is not None:
            steps.append(Step(f"Download your validated {held.skill.code} level {held.validated_level} as a credential, "
                              "and check it at Verify a credential", "assessments.show", {"assessment_id": held.id}))
    if actor.has_role("manager") or actor.has_reports:
        waiting = db.session.scalar(select(Assessment.id).where(Assessment.status == "submitted")
                                    .where(Assessment.person.has(manager_id=actor.id)).order_by(Assessment.submitted_at))
        if waiting is not None:
            steps.append(Step("Review the self-assessment waiting for you, descriptor by descriptor", "reviews.show",
                              {"assessment_id": waiting}))
        goal = next(iter(plans.waiting_for(actor)), None)
        if goal is not None:
            steps.append(Step(f"Agree {goal.person.name}'s development goal ({goal.skill.code} level {goal.target_level}), "
                              "or send it back", "plans.person", {"person_id": goal.person_id, "_anchor": f"goal-{goal.id}"}))
        steps.append(Step("Your team as a matrix of people × the skills their roles need", "reports.team_matrix"))
    if actor.has_role("hr"):
        steps += [Step("The capability gap report, grouped by skill", "reports.gap_report", {"group": "skill"}),
                  Step("The single point of failure among the services' skills", "reports.service_coverage"),
                  Step("Two years of coverage, month by month", "trends.coverage"),
                  Step("How quickly reviews are decided, and the late ones", "service_levels.report_page")]
    if actor.has_role("learning"):
        steps += [Step("Training needs by skill and level step, most urgent first", "reports.training_needs"),
                  Step("The learning catalogue, mapped to skills and levels", "learning.catalogue")]
    if actor.has_role("admin"):
        steps += [Step("People, their managers and their application roles", "admin.people"),
                  Step("The audit trail of every change", "admin.audit_trail")]
    return steps


def _standing_level(person) -> Assessment | None:
    """The person's most recently validated level that has a credential now (services/credentials.py)."""
    for a in db.session.scalars(select(Assessment).where(
            Assessment.person_id == person.id, Assessment.kind == "skill", Assessment.status == "validated",
            or_(Assessment.valid_until.is_(None), Assessment.valid_until > utcnow()))
            .order_by(Assessment.decided_at.desc(), Assessment.id.desc()).limit(5)):
        if credentials.stands(a):
            return a
    return None


def dismiss(actor) -> None:
    """The guided first visit is not shown to ``actor`` again."""
    policy.require(actor, "dismiss_tour")
    if db.session.get(AppSetting, _dismissed(actor.id)) is None:
        db.session.add(AppSetting(key=_dismissed(actor.id), value=True))
        db.session.flush()
