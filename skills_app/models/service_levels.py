"""Service levels of the assessment service itself: the targets HR sets, the
working calendar they are counted in, one record per review decision, and the
breaches with their cause and the action taken."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from skills_app.extensions import db
from skills_app.models.framework import utcnow
from skills_app.models.people import OrgUnit, Person

# Built-in targets, until HR sets the organisation's own.
DEFAULT_TARGETS = {"decision_days": 10, "warning_days": 2, "reminder_days": 5, "campaign_completion_pct": 90}

BREACH_CAUSES = {
    "reviewer_absent": "Reviewer absent (leave, sickness)",
    "workload": "Reviewer workload",
    "evidence_unclear": "Evidence needed clarification",
    "no_reviewer": "No reviewer in post (vacancy, reorganisation)",
    "process": "Process or tool problem",
    "other": "Other",
}


class WorkingCalendarSettings(db.Model):
    """The organisation's working calendar: one row (id 1)."""

    __tablename__ = "sla_calendar"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Working weekdays as digits, 0 = Monday … 6 = Sunday: "01234" is Monday to Friday.
    weekdays: Mapped[str] = mapped_column(String(7), default="01234")
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/London")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class Holiday(db.Model):
    __tablename__ = "sla_holiday"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    name: Mapped[str] = mapped_column(String(200))


class ServiceLevelTarget(db.Model):
    """The organisation's targets (no org unit), or an org unit's override, which
    applies to the unit and every unit below it that has none of its own."""

    __tablename__ = "sla_target"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id", ondelete="CASCADE"), unique=True)
    # Working days from submission to decision.
    decision_days: Mapped[int] = mapped_column(Integer)
    # Flag a review this many working days before it is due.
    warning_days: Mapped[int] = mapped_column(Integer)
    # Working days from a return to a reminder to resubmit.
    reminder_days: Mapped[int] = mapped_column(Integer)
    # The share of a campaign's assessments to be decided by its due date (percent).
    campaign_completion_pct: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    org_unit: Mapped[OrgUnit | None] = relationship()


class ReviewDecision(db.Model):
    """One decision on a submitted assessment, measured against its due-by
    moment: the facts the service level report is made of."""

    __tablename__ = "review_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    # The reviewer's name, kept when the account goes.
    reviewer_name: Mapped[str] = mapped_column(String(200))
    # The assessed person's org unit at the time of the decision.
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id", ondelete="SET NULL"), index=True)
    outcome: Mapped[str] = mapped_column(String(20))
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    # Working days from submission to decision, in the calendar in force then.
    working_days: Mapped[float] = mapped_column(Float)
    on_time: Mapped[bool] = mapped_column(Boolean)

    reviewer: Mapped[Person | None] = relationship()


class ReviewBreach(db.Model):
    """A review not decided by its due-by moment: escalated once to the
    reviewer's manager, and given a cause and an action by HR."""

    __tablename__ = "review_breach"
    __table_args__ = (UniqueConstraint("assessment_id", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    reviewer_name: Mapped[str] = mapped_column(String(200))
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id", ondelete="SET NULL"), index=True)
    detected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    escalated_to_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    escalated_to_name: Mapped[str | None] = mapped_column(String(200))
    # When the review was decided (by anyone, on any later clock): never set by a reassignment.
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When the review was taken from this breach's reviewer and given to another: its own event,
    # not a decision; the review may still be waiting.
    reassigned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reassigned_to_name: Mapped[str | None] = mapped_column(String(200))
    cause: Mapped[str | None] = mapped_column(String(40))
    cause_note: Mapped[str | None] = mapped_column(Text)
    action: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    assessment = relationship("Assessment")
    reviewer: Mapped[Person | None] = relationship(foreign_keys=[reviewer_id])
    escalated_to: Mapped[Person | None] = relationship(foreign_keys=[escalated_to_id])
    org_unit: Mapped[OrgUnit | None] = relationship()
    recorded_by: Mapped[Person | None] = relationship(foreign_keys=[recorded_by_id])

    @property
    def state(self) -> str:
        """decided (late) | reassigned | waiting: a reassignment is never a decision."""
        if self.resolved_at is not None:
            return "decided"
        if self.reassigned_at is not None:
            return "reassigned"
        return "waiting"

    @property
    def cause_label(self) -> str | None:
        return BREACH_CAUSES.get(self.cause, self.cause) if self.cause else None
