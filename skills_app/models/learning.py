"""The learning catalogue, cohort training plans, and development goals (one model for both)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from skills_app.extensions import db
from skills_app.models.framework import Skill, utcnow
from skills_app.models.people import Person

RESOURCE_KINDS = ("course", "mentoring", "reading", "workshop", "e-learning", "other")
ENROLMENT_STATUSES = ("enrolled", "completed", "withdrawn")


class LearningResource(db.Model):
    __tablename__ = "learning_resource"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20), default="course")
    provider: Mapped[str | None] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(2000))
    duration_hours: Mapped[float | None] = mapped_column(Numeric(6, 1, asdecimal=False))
    description: Mapped[str | None] = mapped_column(Text)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skill.id", ondelete="CASCADE"), index=True)
    target_level: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    skill: Mapped[Skill] = relationship()


class TrainingPlan(db.Model):
    """A plan made by the learning team for a training-needs cohort: one skill and
    target level, a resource, dates. Each person in the cohort gets a :class:`Goal`
    of the plan (its "enrolment"): the same kind of goal a person sets with their
    line manager in their own development plan."""

    __tablename__ = "training_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    skill_id: Mapped[int] = mapped_column(ForeignKey("skill.id", ondelete="CASCADE"), index=True)
    target_level: Mapped[int] = mapped_column(Integer)
    resource_id: Mapped[int | None] = mapped_column(ForeignKey("learning_resource.id", ondelete="SET NULL"))
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    skill: Mapped[Skill] = relationship()
    resource: Mapped[LearningResource | None] = relationship()
    created_by: Mapped[Person | None] = relationship()
    # The cohort's goals, one per person (what the learning pages call enrolments).
    enrolments: Mapped[list[Goal]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="Goal.id"
    )

    def counts(self) -> dict[str, int]:
        out = {status: 0 for status in ENROLMENT_STATUSES}
        for e in self.enrolments:
            out[e.status] += 1
        return out


# A goal's states: proposed → agreed → achieved | dropped (services/plans.py).
GOAL_STATES = ("proposed", "agreed", "achieved", "dropped")
GOAL_STATE_LABELS = {"proposed": "Proposed, waiting for agreement", "agreed": "Agreed", "achieved": "Achieved",
                     "dropped": "Dropped"}


class Goal(db.Model):
    """One person's goal: a skill and a target level, by a date, with the learning
    resources they will use. A personal development plan is a person's goals; a
    cohort training plan's enrolment is a goal with ``plan`` set (agreed when the
    learning team enrols the person). Its state changes only through
    services/plans.py, each change an audit event; a validated, unexpired level at
    or above the target closes it (achieved)."""

    __tablename__ = "development_goal"
    __table_args__ = (UniqueConstraint("plan_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    # The cohort training plan the goal belongs to; None for a goal of the person's own plan.
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("training_plan.id", ondelete="CASCADE"), index=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skill.id", ondelete="CASCADE"), index=True)
    target_level: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[date | None] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(20), default="proposed", index=True)
    note: Mapped[str | None] = mapped_column(Text)
    # The last word of the line manager (or HR) when they sent the goal back.
    review_comment: Mapped[str | None] = mapped_column(Text)
    # The cohort plan's "completed": the person finished the plan's learning.
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    agreed_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    agreed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The validated assessment that reached the target.
    achieved_by_id: Mapped[int | None] = mapped_column(ForeignKey("assessment.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

    plan: Mapped[TrainingPlan | None] = relationship(back_populates="enrolments")
    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    skill: Mapped[Skill] = relationship()
    created_by: Mapped[Person | None] = relationship(foreign_keys=[created_by_id])
    agreed_by: Mapped[Person | None] = relationship(foreign_keys=[agreed_by_id])
    resources: Mapped[list[GoalResource]] = relationship(
        back_populates="goal", cascade="all, delete-orphan", order_by="GoalResource.id"
    )

    @property
    def status(self) -> str:
        """As a cohort plan's enrolment: withdrawn (dropped), completed (its learning done) or enrolled."""
        if self.state == "dropped":
            return "withdrawn"
        return "completed" if self.completed_at is not None else "enrolled"

    @property
    def state_label(self) -> str:
        if self.state == "proposed" and self.review_comment:
            return "Sent back, waiting for changes"
        return GOAL_STATE_LABELS.get(self.state, self.state)

    @property
    def is_open(self) -> bool:
        return self.state in ("proposed", "agreed")


class GoalResource(db.Model):
    """A learning resource a goal's person will use, and when they completed it."""

    __tablename__ = "goal_resource"
    __table_args__ = (UniqueConstraint("goal_id", "resource_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("development_goal.id", ondelete="CASCADE"), index=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("learning_resource.id", ondelete="CASCADE"), index=True)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    goal: Mapped[Goal] = relationship(back_populates="resources")
    resource: Mapped[LearningResource] = relationship()
