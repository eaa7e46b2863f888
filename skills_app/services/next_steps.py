"""A report's next steps: what HR and the learning team do about a finding.

The gap report, service coverage (a shortfall, a single point of failure) and
the training needs each lead to one action, taken in one step through the
service that owns it, with the same policy and audit trail as anywhere else:

* remind the person (here: :func:`remind_of_gap`, at most once per person and
  skill within ``REMINDER_COOLDOWN_DAYS``);
* add them to an open campaign asking for the skill (``campaigns.add_person``);
* propose a training plan (``learning.create_plan``, from the prefilled plan page);
* assign people to a service or a job role (``requirements.assign_many``, from
  the people list, filtered to those holding the skill at the level).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from skills_app import policy
from skills_app.errors import InvalidState
from skills_app.extensions import db
from skills_app.models import AuditEvent, Person, Skill
from skills_app.models.framework import utcnow
from skills_app.services import audit, gaps, locks, notifications
from skills_app.services.campaigns import reminder_cooldown_days
from skills_app.services.service_levels import working_calendar

GAP_REMINDED = "person.gap_reminded"
# What a reminder can move: a gap the person can act on (a review that waits is the reviewer's).
REMINDABLE = ("below", "not_assessed", "expired")


@dataclass
class GapReminder:
    person: Person
    skill: Skill
    status: str
    message: str


def _label(skill: Skill) -> str:
    return skill.code if skill.code == skill.framework.code else f"{skill.framework.code} {skill.code}"


def last_gap_reminder(person: Person, skill: Skill, since: datetime) -> AuditEvent | None:
    """The latest reminder about ``skill`` sent to ``person`` after ``since``."""
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == GAP_REMINDED, AuditEvent.entity_type == "person", AuditEvent.entity_id == person.id,
        AuditEvent.at > since).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()))
    return next((e for e in events if (e.data or {}).get("skill_id") == skill.id), None)


def _message(skill: Skill, rows) -> tuple[str, str]:
    """(status, message) from the person's gap rows for the skill, the worst first."""
    order = {"not_assessed": 0, "expired": 1, "below": 2}
    row = sorted(rows, key=lambda r: (order[r["status"]], -(r["required_level"] or 0)))[0]
    needs = f"{_label(skill)} {skill.name} at level {row['required_level']}"
    by = row["job_role"] or row["service"]
    what = f"Your {'job role' if row['job_role'] else 'service'} {by} needs {needs}"
    if row["status"] == "not_assessed":
        text = f"{what}, and you have no validated level in it yet. Please self-assess it."
    elif row["status"] == "expired":
        text = f"{what}; your validated level has expired. Please self-assess it again."
    else:
        text = (f"{what}; your validated level is {row['current_level']}. Self-assess again when you have the evidence, "
                "or ask about training.")
    return row["status"], f"Reminder: {text}"


def remind_of_gap(actor, person: Person, skill: Skill, now: datetime | None = None) -> GapReminder:
    """Remind ``person`` of their gap in ``skill`` (in the app and by email),
    with a link to self-assess it. Refused when they have no gap in it that they
    can act on, or were reminded of it within the cooldown."""
    policy.require(actor, "remind_about_gap")
    policy.require(actor, "view_person_skills", person)
    locks.hold(person)  # two reminders posted together: the second waits, then sees the first
    now = now or utcnow()
    frame = gaps.frame(actor, gaps.Filters(person_id=person.id))
    frame = frame[frame["skill_id"].eq(skill.id).fillna(False)] if len(frame) else frame
    rows = frame.to_dict(orient="records") if len(frame) else []
    open_rows = [r for r in rows if r["status"] in REMINDABLE]
    if not open_rows:
        if any(r["status"] == "awaiting_review" for r in rows):
            raise InvalidState(f"{person.name}'s self-assessment of {_label(skill)} waits for review; "
                               "there is nothing for them to do yet.")
        raise InvalidState(f"{person.name} has no gap in {_label(skill)} to be reminded of.")
    if not person.active:
        raise InvalidState(f"{person.name} is no longer active.")
    days = reminder_cooldown_days()
    last = last_gap_reminder(person, skill, now - timedelta(days=days))
    if last is not None:
        cal = working_calendar()
        sent = cal.local(last.at)
        again = cal.local(last.at + timedelta(days=days))
        raise InvalidState(f"{person.name} was reminded of {_label(skill)} on {sent:%-d %b %Y at %H:%M}; "
                           f"they can be reminded again from {again:%-d %b %Y at %H:%M}.")
    status, message = _message(skill, open_rows)
    notifications.notify(person, message, f"/assessments/new?skill_id={skill.id}")
    audit.record(actor, GAP_REMINDED, person, summary=f"{person.name} <{person.email}> reminded of {_label(skill)} ({status})",
                 data={"skill_id": skill.id, "status": status, "cooldown_days": days})
    return GapReminder(person, skill, status, message)
