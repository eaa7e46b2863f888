"""The learning catalogue and training plans."""
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
    enrolments: Mapped[list[TrainingEnrolment]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="TrainingEnrolment.id"
    )

    def counts(self) -> dict[str, int]:
        out = {status: 0 for status in ENROLMENT_STATUSES}
        for e in self.enrolments:
            out[e.status] += 1
        return out


class TrainingEnrolment(db.Model):
    __tablename__ = "training_enrolment"
    __table_args__ = (UniqueConstraint("plan_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("training_plan.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="enrolled")
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    plan: Mapped[TrainingPlan] = relationship(back_populates="enrolments")
    person: Mapped[Person] = relationship()
