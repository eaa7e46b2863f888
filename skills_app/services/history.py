"""History as of past moments, for the demo organisation
(skills_app/devdata/demo_service_levels.py): assessments made through the
assessment service now, then dated back to the moments of the story, with
their decision records and breaches.

The audit trail is append-only, so its events keep the moment the history was
written. Nothing here checks the policy: only the demo loader, running as the
system, writes history.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from skills_app.extensions import db
from skills_app.models import Assessment, Person, ReviewBreach, ReviewDecision, Skill
from skills_app.services import assessments, service_levels
from skills_app.services.calendar import add_working_days, working_days_between


def has_assessment(person: Person, skill: Skill) -> bool:
    """Whether ``person`` has any assessment of ``skill``, in any state."""
    return bool(db.session.scalar(select(func.count()).select_from(Assessment).where(
        Assessment.person_id == person.id, Assessment.skill_id == skill.id)))


def waiting_assessment(person: Person, skill: Skill) -> Assessment | None:
    """``person``'s submitted assessment of ``skill``, waiting for review."""
    return db.session.scalar(select(Assessment).where(
        Assessment.person_id == person.id, Assessment.skill_id == skill.id, Assessment.status == "submitted"))


def date_back_submission(assessment: Assessment, submitted: datetime) -> None:
    """A waiting assessment submitted at ``submitted``, its review clock started then."""
    assessment.submitted_at = submitted
    service_levels.record_submission(assessment, submitted)
    db.session.flush()


def date_back_review(assessment: Assessment, submitted: datetime, decided: datetime, *, reviewer: Person,
                     cause: str | None = None, action: str | None = None, recorded_by: Person | None = None) -> None:
    """A decided assessment submitted at ``submitted`` and decided at ``decided``:
    its decision record says so, and a late decision has its breach, escalated
    to the reviewer's manager, with the ``cause`` and ``action`` that
    ``recorded_by`` recorded two days after."""
    cal = service_levels.working_calendar()
    target = service_levels.target_for(assessment.person)
    due = add_working_days(cal, submitted, target.decision_days)
    assessment.created_at, assessment.submitted_at, assessment.due_at, assessment.decided_at = (
        submitted - timedelta(days=1), submitted, due, decided)
    if assessment.valid_until is not None:
        assessment.valid_until = assessments.add_months(decided, assessment.framework.validity_months or 24)
    record = db.session.scalar(select(ReviewDecision).where(ReviewDecision.assessment_id == assessment.id))
    record.submitted_at, record.due_at, record.decided_at = submitted, due, decided
    record.working_days = working_days_between(cal, submitted, decided)
    record.on_time = decided <= due
    for breach in db.session.scalars(select(ReviewBreach).where(ReviewBreach.assessment_id == assessment.id)):
        db.session.delete(breach)
    db.session.flush()
    if not record.on_time:
        boss = reviewer.manager
        breach = ReviewBreach(assessment=assessment, due_at=due, reviewer=reviewer, reviewer_name=reviewer.name,
                              org_unit_id=assessment.person.org_unit_id, detected_at=due + timedelta(hours=1),
                              escalated_at=due + timedelta(hours=1), escalated_to=boss,
                              escalated_to_name=boss.name if boss else None, resolved_at=decided)
        if cause:
            breach.cause, breach.action, breach.recorded_by = cause, action, recorded_by
            breach.recorded_at = decided + timedelta(days=2)
        db.session.add(breach)
    db.session.flush()
