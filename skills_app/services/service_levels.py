"""Service levels of the assessment service: targets, the working calendar,
the review clock, warnings, escalation, reassignment and breach causes.

- HR sets the targets: an organisation default and overrides per org unit (the
  nearest ancestor's override applies), counted in working days of the
  organisation's calendar (:mod:`skills_app.services.calendar`).
- Every submitted assessment carries its due-by moment, computed at submission
  from the target in force for the person's org unit and kept on the
  assessment, so later target changes never rewrite history; a reassignment
  starts a new clock.
- :func:`run_checks` (``skills-app reviews escalate``, from cron; and an HR
  button) warns reviewers of reviews due within the warning window, escalates
  each breach once to the reviewer's own manager (HR when there is none), and
  reminds people to resubmit a returned assessment. Running it twice changes
  nothing the second time.
- Each decision is measured (:class:`ReviewDecision`); each breach is kept
  (:class:`ReviewBreach`) and HR records its cause and the action taken.

Public functions take the acting user first and ask the policy; the hooks the
assessment service calls after its own checks (``record_submission``,
``record_decision``) say so.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from flask import g, has_request_context
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from skills_app import policy
from skills_app.errors import Conflict, InvalidInput, InvalidState, NotFound
from skills_app.extensions import db
from skills_app.models import Assessment, OrgUnit, Person, PersonRole
from skills_app.models.framework import utcnow
from skills_app.models.service_levels import (
    BREACH_CAUSES, DEFAULT_TARGETS, Holiday, ReviewBreach, ReviewDecision, ServiceLevelTarget, WorkingCalendarSettings,
)
from skills_app.services import by_id
from skills_app.services import audit, notifications
from skills_app.words import plural
from skills_app.services.calendar import (
    WEEKDAY_NAMES, CalendarError, WorkingCalendar, add_working_days, describe_left, working_days_between, zone,
)
from skills_app.services.calendar import _aware as aware

TARGET_FIELDS = {
    "decision_days": ("Time to decide", 1, 120, "working days from submission to decision"),
    "warning_days": ("Warning window", 0, 60, "working days before the due-by moment that a review is flagged"),
    "reminder_days": ("Resubmission reminder", 1, 120, "working days after a return before the person is reminded"),
    "campaign_completion_pct": ("Campaign completion", 1, 100, "percent of a campaign's assessments decided by its due date"),
}
MAX_TEXT = 5000


def _aware(value: datetime | None) -> datetime | None:
    return aware(value) if value is not None else None


# -- the calendar -------------------------------------------------------------------

def _calendar_row() -> WorkingCalendarSettings | None:
    return db.session.get(WorkingCalendarSettings, 1)


def working_calendar() -> WorkingCalendar:
    """The organisation's calendar (cached for the request)."""
    if has_request_context() and "sla_calendar" in g:
        return g.sla_calendar
    row = _calendar_row()
    holidays = frozenset(db.session.scalars(select(Holiday.day)))
    cal = WorkingCalendar(
        weekdays=frozenset(int(c) for c in row.weekdays) if row else frozenset(range(5)),
        holidays=holidays,
        timezone=row.timezone if row else "Europe/London",
    )
    if has_request_context():
        g.sla_calendar = cal
    return cal


def _forget_cache() -> None:
    if has_request_context():
        g.pop("sla_calendar", None)
        g.pop("sla_targets", None)


def holidays(actor) -> list[Holiday]:
    policy.require(actor, "manage_service_levels")
    return list(db.session.scalars(select(Holiday).order_by(Holiday.day)))


def update_calendar(actor, *, weekdays, timezone: str) -> None:
    """Set the working weekdays (0 = Monday … 6 = Sunday) and the time zone."""
    policy.require(actor, "manage_service_levels")
    try:
        days = sorted({int(d) for d in weekdays or []})
    except (TypeError, ValueError):
        raise InvalidInput.on("weekdays", "Working weekdays are numbers from 0 (Monday) to 6 (Sunday).") from None
    if not days or not set(days) <= set(range(7)):
        raise InvalidInput.on("weekdays", "Choose at least one working weekday.")
    try:
        zone(timezone)
    except CalendarError as exc:
        raise InvalidInput.on("timezone", str(exc)) from None
    row = _calendar_row()
    before = {"weekdays": row.weekdays, "timezone": row.timezone} if row else {"weekdays": "01234", "timezone": "Europe/London"}
    if row is None:
        row = WorkingCalendarSettings(id=1)
        db.session.add(row)
    row.weekdays, row.timezone = "".join(str(d) for d in days), timezone.strip()
    db.session.flush()
    _forget_cache()
    after = {"weekdays": row.weekdays, "timezone": row.timezone}
    if after != before:
        audit.record(actor, "service_levels.calendar_changed", row,
                     summary=f"working calendar: {', '.join(WEEKDAY_NAMES[d] for d in days)}; time zone {row.timezone}",
                     data={"from": before, "to": after})


def add_holiday(actor, *, day, name: str) -> Holiday:
    policy.require(actor, "manage_service_levels")
    if isinstance(day, str):
        try:
            day = date.fromisoformat(day.strip())
        except ValueError:
            raise InvalidInput.on("day", f"{day!r} is not a date; use YYYY-MM-DD.") from None
    if not isinstance(day, date):
        raise InvalidInput.on("day", "Give the holiday's date.")
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise InvalidInput.on("name", "Give the holiday a name of up to 200 characters.")
    if db.session.scalar(select(Holiday).where(Holiday.day == day)) is not None:
        raise Conflict.on("day", f"{day:%-d %B %Y} is already a holiday.")
    holiday = Holiday(day=day, name=name)
    db.session.add(holiday)
    db.session.flush()
    _forget_cache()
    audit.record(actor, "service_levels.holiday_added", holiday, summary=f"holiday added: {day.isoformat()} {name}",
                 data={"day": day.isoformat(), "name": name})
    return holiday


def remove_holiday(actor, holiday_id: int) -> Holiday:
    policy.require(actor, "manage_service_levels")
    holiday = db.session.get(Holiday, holiday_id)
    if holiday is None:
        raise NotFound("no such holiday")
    db.session.delete(holiday)
    db.session.flush()
    _forget_cache()
    audit.record(actor, "service_levels.holiday_removed", holiday, summary=f"holiday removed: {holiday.day.isoformat()} {holiday.name}",
                 data={"day": holiday.day.isoformat(), "name": holiday.name})
    return holiday


# -- targets ------------------------------------------------------------------------

@dataclass
class Target:
    """The targets in force for a unit, and where they come from."""

    decision_days: int
    warning_days: int
    reminder_days: int
    campaign_completion_pct: int
    source: str  # "built-in defaults", "organisation", or the overriding unit's path
    unit_id: int | None = None


def _as_target(row: ServiceLevelTarget | None, source: str) -> Target:
    values = {k: getattr(row, k) for k in DEFAULT_TARGETS} if row else dict(DEFAULT_TARGETS)
    return Target(**values, source=source, unit_id=row.org_unit_id if row else None)


def _target_rows() -> dict[str | None, ServiceLevelTarget]:
    """Every target row, keyed by unit path (None: the organisation), cached for the request."""
    if has_request_context() and "sla_targets" in g:
        return g.sla_targets
    rows = db.session.execute(select(ServiceLevelTarget, OrgUnit.path).outerjoin(OrgUnit, ServiceLevelTarget.org_unit_id == OrgUnit.id))
    result = {path: row for row, path in rows}
    if has_request_context():
        g.sla_targets = result
    return result


def target_for_path(path: str | None, rows: dict | None = None) -> Target:
    """The nearest ancestor's override (the unit's own first), else the organisation's."""
    rows = _target_rows() if rows is None else rows
    if path:
        parts = path.split("/")
        for n in range(len(parts), 0, -1):
            key = "/".join(parts[:n])
            if key in rows:
                return _as_target(rows[key], key)
    if None in rows:
        return _as_target(rows[None], "organisation")
    return _as_target(None, "built-in defaults")


def target_for(person: Person) -> Target:
    return target_for_path(person.org_unit.path if person.org_unit else None)


def targets(actor) -> tuple[Target, list[tuple[OrgUnit, ServiceLevelTarget]]]:
    """The organisation's targets and every unit override, by unit path."""
    policy.require(actor, "manage_service_levels")
    rows = _target_rows()
    overrides = db.session.execute(
        select(OrgUnit, ServiceLevelTarget).join(ServiceLevelTarget, ServiceLevelTarget.org_unit_id == OrgUnit.id).order_by(OrgUnit.path)
    ).all()
    return target_for_path(None, rows), [(unit, row) for unit, row in overrides]


def _clean_targets(values: dict) -> dict[str, int]:
    clean, problems = {}, {}
    for key, (label, low, high, meaning) in TARGET_FIELDS.items():
        raw = values.get(key)
        try:
            number = int(str(raw).strip())
        except (TypeError, ValueError):
            problems[key] = f"{label}: enter a whole number ({meaning})."
            continue
        if not low <= number <= high:
            problems[key] = f"{label} is between {low} and {high} ({meaning})."
            continue
        clean[key] = number
    if not problems and clean["warning_days"] >= clean["decision_days"]:
        problems["warning_days"] = "The warning window must be shorter than the time to decide."
    if problems:
        raise InvalidInput.on_fields(problems)
    return clean


def save_target(actor, org_unit: OrgUnit | None, **values) -> ServiceLevelTarget:
    """Set the organisation's targets (``org_unit`` None) or a unit's override.
    Reviews already submitted keep the due-by moment they were given."""
    policy.require(actor, "manage_service_levels")
    clean = _clean_targets(values)
    unit_id = org_unit.id if org_unit is not None else None
    row = db.session.scalar(select(ServiceLevelTarget).where(
        ServiceLevelTarget.org_unit_id.is_(None) if unit_id is None else ServiceLevelTarget.org_unit_id == unit_id))
    before = {k: getattr(row, k) for k in DEFAULT_TARGETS} if row else None
    if row is None:
        row = ServiceLevelTarget(org_unit_id=unit_id)
        db.session.add(row)
    for key, value in clean.items():
        setattr(row, key, value)
    db.session.flush()
    _forget_cache()
    where = org_unit.path if org_unit is not None else "the organisation"
    if before != clean:
        audit.record(actor, "service_levels.target_set", row,
                     summary=f"service level targets for {where}: decide within {clean['decision_days']} working days, "
                             f"warn {clean['warning_days']} before, remind after {clean['reminder_days']}, "
                             f"campaigns {clean['campaign_completion_pct']}% complete by their due date",
                     data={"org_unit": org_unit.path if org_unit is not None else None, "from": before, "to": clean})
    return row


def remove_override(actor, org_unit: OrgUnit) -> None:
    policy.require(actor, "manage_service_levels")
    row = db.session.scalar(select(ServiceLevelTarget).where(ServiceLevelTarget.org_unit_id == org_unit.id))
    if row is None:
        raise InvalidState(f"{org_unit.path} has no targets of its own; it follows {target_for_path(org_unit.path).source}.")
    before = {k: getattr(row, k) for k in DEFAULT_TARGETS}
    db.session.delete(row)
    db.session.flush()
    _forget_cache()
    audit.record(actor, "service_levels.target_removed", org_unit,
                 summary=f"{org_unit.path} no longer overrides the service level targets; "
                         f"it follows {target_for_path(org_unit.path).source}", data={"org_unit": org_unit.path, "from": before})


# -- the review clock -----------------------------------------------------------------

def reviewer_of(assessment: Assessment) -> Person | None:
    """Who is to decide: the reviewer HR assigned, else the person's line manager."""
    return assessment.assigned_reviewer or assessment.person.manager


def record_submission(assessment: Assessment, at: datetime | None = None) -> None:
    """Start the clock of a submission. No permission check: the assessment
    service calls it from ``submit`` after its own."""
    at = at or utcnow()
    target = target_for(assessment.person)
    assessment.due_at = add_working_days(working_calendar(), at, target.decision_days)
    assessment.warned_at = None
    assessment.reminded_at = None


def _ensure_breach(assessment: Assessment, reviewer: Person | None, now: datetime) -> ReviewBreach:
    due = _aware(assessment.due_at)
    breach = db.session.scalar(select(ReviewBreach).where(ReviewBreach.assessment_id == assessment.id, ReviewBreach.due_at == due))
    if breach is None:
        breach = ReviewBreach(
            assessment=assessment, due_at=due, reviewer=reviewer, reviewer_name=reviewer.name if reviewer else "(no reviewer)",
            org_unit_id=assessment.person.org_unit_id, detected_at=now,
        )
        db.session.add(breach)
        db.session.flush()
    return breach


def record_decision(actor, assessment: Assessment, outcome: str) -> ReviewDecision | None:
    """Measure a decision against its due-by moment. No permission check: the
    assessment service calls it from ``decide`` after its own."""
    if assessment.due_at is None or assessment.submitted_at is None:
        return None  # submitted before service levels were kept
    decided = _aware(assessment.decided_at) or utcnow()
    due = _aware(assessment.due_at)
    cal = working_calendar()
    reviewer = actor if isinstance(actor, Person) else None
    on_time = decided <= due
    record = ReviewDecision(
        assessment_id=assessment.id, reviewer=reviewer, reviewer_name=reviewer.name if reviewer else "system (command line)",
        org_unit_id=assessment.person.org_unit_id, outcome=outcome, submitted_at=_aware(assessment.submitted_at), due_at=due,
        decided_at=decided, working_days=working_days_between(cal, _aware(assessment.submitted_at), decided), on_time=on_time,
    )
    db.session.add(record)
    if not on_time:
        breach = _ensure_breach(assessment, reviewer_of(assessment), decided)
        breach.resolved_at = decided
    db.session.flush()
    return record


@dataclass
class Clock:
    due_at: datetime
    days_left: float
    state: str  # on_track | due_soon | overdue
    label: str
    local_due: datetime

    @property
    def flagged(self) -> bool:
        return self.state != "on_track"


def clock(assessment: Assessment, now: datetime | None = None) -> Clock | None:
    """Time left on a submitted assessment's review, in working days."""
    if assessment.status != "submitted" or assessment.due_at is None:
        return None
    now = now or utcnow()
    cal = working_calendar()
    due = _aware(assessment.due_at)
    left = working_days_between(cal, now, due)
    warning = target_for(assessment.person).warning_days
    if now >= due:
        state = "overdue"
    elif left <= warning:
        state = "due_soon"
    else:
        state = "on_track"
    return Clock(due_at=due, days_left=left, state=state, label=describe_left(left), local_due=cal.local(due))


def clocks(items, now: datetime | None = None) -> dict[int, Clock]:
    """Clocks for a list of assessments (one calendar and one targets query in all)."""
    return {a.id: c for a in items if (c := clock(a, now)) is not None}


# -- checks: warnings, escalations, reminders ---------------------------------------------

@dataclass
class CheckReport:
    warned: list[str] = field(default_factory=list)
    escalated: list[str] = field(default_factory=list)
    reminded: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{plural(len(self.escalated), 'breach')} escalated, {plural(len(self.warned), 'reviewer')} warned, "
                f"{plural(len(self.reminded), 'person')} reminded to resubmit.")


def _label(a: Assessment) -> str:
    return f"{a.person.name}'s {a.subject_code} {a.subject_name} ({a.framework.label})"


def _hr_people(exclude: set[int]) -> list[Person]:
    stmt = select(Person).join(PersonRole).where(PersonRole.role == "hr", Person.active.is_(True)).order_by(Person.name)
    return [p for p in db.session.scalars(stmt) if p.id not in exclude]


def escalation_contacts(reviewer: Person | None, person: Person) -> list[Person]:
    """The reviewer's own manager; HR when the reviewer has none (or there is no reviewer)."""
    boss = reviewer.manager if reviewer is not None else None
    if boss is not None and boss.active and boss.id != person.id:
        return [boss]
    return _hr_people({person.id} | ({reviewer.id} if reviewer else set()))


@dataclass
class CheckPlan:
    """What the checks would do now: the reviews to escalate and to warn about,
    and the returned assessments whose person to remind. Reading only."""
    escalate: list[Assessment] = field(default_factory=list)
    warn: list[Assessment] = field(default_factory=list)
    remind: list[Assessment] = field(default_factory=list)

    def counts(self) -> tuple[int, int, int]:
        return len(self.escalate), len(self.warn), len(self.remind)


def plan_checks(actor, now: datetime | None = None) -> CheckPlan:
    """The checks' work, counted without doing it (the confirmation page)."""
    policy.require(actor, "run_service_level_checks")
    now = now or utcnow()
    cal = working_calendar()
    plan = CheckPlan()
    stmt = (
        select(Assessment).where(Assessment.status == "submitted", Assessment.due_at.is_not(None))
        .options(selectinload(Assessment.person).selectinload(Person.manager), selectinload(Assessment.assigned_reviewer),
                 selectinload(Assessment.skill), selectinload(Assessment.framework))
        .order_by(Assessment.due_at, Assessment.id)
    )
    escalated = {(b.assessment_id, aware(b.due_at)) for b in db.session.scalars(
        select(ReviewBreach).where(ReviewBreach.escalated_at.is_not(None)))}
    for a in db.session.scalars(stmt):
        due = _aware(a.due_at)
        if now >= due:
            if (a.id, due) not in escalated:
                plan.escalate.append(a)
        elif a.warned_at is None and working_days_between(cal, now, due) <= target_for(a.person).warning_days:
            plan.warn.append(a)
    returned = (
        select(Assessment).where(Assessment.status == "returned", Assessment.reminded_at.is_(None), Assessment.decided_at.is_not(None))
        .options(selectinload(Assessment.person), selectinload(Assessment.skill), selectinload(Assessment.framework))
    )
    for a in db.session.scalars(returned):
        if now >= add_working_days(cal, _aware(a.decided_at), target_for(a.person).reminder_days):
            plan.remind.append(a)
    return plan


def run_checks(actor, now: datetime | None = None, plan: CheckPlan | None = None) -> CheckReport:
    """Warn, escalate and remind, each once: exactly what :func:`plan_checks`
    finds (the one source of truth, which the confirmation page counts). Safe to
    run as often as wanted."""
    policy.require(actor, "run_service_level_checks")
    now = now or utcnow()
    plan = plan if plan is not None else plan_checks(actor, now)
    cal = working_calendar()
    report = CheckReport()
    for a in plan.escalate:
        due = _aware(a.due_at)
        reviewer = reviewer_of(a)
        breach = _ensure_breach(a, reviewer, now)
        contacts = escalation_contacts(reviewer, a.person)
        overdue = describe_left(working_days_between(cal, now, due))
        who = reviewer.name if reviewer else "no one (the person has no line manager)"
        as_manager = bool(reviewer and reviewer.manager and contacts == [reviewer.manager])
        for contact in contacts:
            notifications.notify(contact, f"Escalation: the review of {_label(a)} by {who} was due {cal.local(due):%-d %b %Y %H:%M} "
                                          f"and is {overdue}. You are told as {'their manager' if as_manager else 'HR'}.",
                                 "/service-levels/escalations")
        if reviewer is not None and reviewer.active:
            notifications.notify(reviewer, f"Your review of {_label(a)} is {overdue} and has been escalated to "
                                           f"{', '.join(c.name for c in contacts) or 'no one'}.", f"/reviews/{a.id}")
        breach.escalated_at = now
        breach.escalated_to = contacts[0] if contacts else None
        breach.escalated_to_name = ", ".join(c.name for c in contacts) or None
        db.session.flush()
        audit.record(actor, "assessment.escalated", a,
                     summary=f"review of {_label(a)} breached its target (due {cal.local(due):%Y-%m-%d %H:%M} {cal.timezone}, reviewer {who}); "
                             f"escalated to {breach.escalated_to_name or 'no one: there is no manager or HR to tell'}",
                     data={"breach_id": breach.id, "due_at": due.isoformat(), "reviewer_id": reviewer.id if reviewer else None,
                           "escalated_to": [c.id for c in contacts]})
        report.escalated.append(_label(a))
    for a in plan.warn:
        due = _aware(a.due_at)
        reviewer = reviewer_of(a)
        left = working_days_between(cal, now, due)
        if reviewer is not None and reviewer.active:
            notifications.notify(reviewer, f"Due soon: your review of {_label(a)} is due {cal.local(due):%-d %b %Y %H:%M} "
                                           f"({describe_left(left)}).", f"/reviews/{a.id}")
        a.warned_at = now
        audit.record(actor, "assessment.review_due_soon", a,
                     summary=f"review of {_label(a)} is due soon ({describe_left(left)}); "
                             f"{reviewer.name if reviewer else 'no reviewer'} warned",
                     data={"due_at": due.isoformat(), "reviewer_id": reviewer.id if reviewer else None})
        report.warned.append(_label(a))
    for a in plan.remind:
        if a.person.active:
            notifications.notify(a.person, f"Reminder: your {a.subject_code} {a.subject_name} ({a.framework.label}) came back for more "
                                           f"evidence on {cal.local(_aware(a.decided_at)):%-d %b %Y}. Add it and submit again.",
                                 f"/assessments/{a.id}")
        a.reminded_at = now
        audit.record(actor, "assessment.resubmission_reminded", a,
                     summary=f"{a.person.name} reminded to resubmit {a.subject_code} (returned {_aware(a.decided_at):%Y-%m-%d})",
                     data={"returned_at": _aware(a.decided_at).isoformat()})
        report.reminded.append(f"{a.person.name}'s {a.subject_code}")
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise Conflict("An assessment changed while the checks ran; run them again.") from None
    return report


# -- reassignment -----------------------------------------------------------------------

def eligible_reviewers(actor, assessment: Assessment) -> list[Person]:
    """Who may take the review: active people who manage the person (at any
    level) or hold HR; never the person, nor whoever has it now."""
    policy.require(actor, "reassign_review", assessment)
    current = reviewer_of(assessment)
    chain, seen, boss = [], set(), assessment.person.manager
    while boss is not None and boss.id not in seen and len(chain) < policy.MAX_MANAGER_DEPTH:
        seen.add(boss.id)
        chain.append(boss)
        boss = boss.manager
    people = {p.id: p for p in chain + _hr_people(set()) if p.active}
    people.pop(assessment.person_id, None)
    if current is not None:
        people.pop(current.id, None)
    return sorted(people.values(), key=lambda p: p.name)


def reassign(actor, assessment: Assessment, reviewer: Person | None, *, reason: str, now: datetime | None = None) -> None:
    """Give a submitted assessment's review to another eligible reviewer: a new
    clock starts from now; a breach already incurred stays on the record."""
    policy.require(actor, "reassign_review", assessment)
    if assessment.status != "submitted":
        raise InvalidState(f"Only a review that is waiting can be reassigned; this assessment is {assessment.status_label.lower()}.")
    reason = (reason or "").strip()
    problems: dict[str, str] = {}
    if not reason:
        problems["reason"] = "Say why the review is reassigned."
    elif len(reason) > MAX_TEXT:
        problems["reason"] = f"A reason can have at most {MAX_TEXT} characters."
    if reviewer is None:
        problems["reviewer"] = "Choose the new reviewer."
    elif reviewer.id == assessment.person_id:
        problems["reviewer"] = "Nobody reviews their own assessment."
    elif reviewer.id not in {p.id for p in eligible_reviewers(actor, assessment)}:
        problems["reviewer"] = (f"{reviewer.name} cannot take this review: a reviewer manages {assessment.person.name} "
                                "or holds HR, is active, and is not the current reviewer.")
    if problems:
        raise InvalidInput.on_fields(problems)
    now = now or utcnow()
    old = reviewer_of(assessment)
    old_due = _aware(assessment.due_at)
    if old_due is not None and now >= old_due:
        # The breach stays on the record as reassigned: the review was taken away, not decided.
        breach = _ensure_breach(assessment, old, now)
        if breach.resolved_at is None and breach.reassigned_at is None:
            breach.reassigned_at, breach.reassigned_to_name = now, reviewer.name
    assessment.assigned_reviewer = reviewer
    assessment.due_at = add_working_days(working_calendar(), now, target_for(assessment.person).decision_days)
    assessment.warned_at = None
    assessment.updated_at = now
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise Conflict("This assessment changed while you were looking at it; nothing was saved.") from None
    new_due = _aware(assessment.due_at)
    audit.record(actor, "assessment.reassigned", assessment,
                 summary=f"review of {_label(assessment)} reassigned from {old.name if old else 'no one'} to {reviewer.name} — {reason}",
                 data={"from_reviewer_id": old.id if old else None, "to_reviewer_id": reviewer.id, "reason": reason,
                       "from_due_at": old_due.isoformat() if old_due else None, "to_due_at": new_due.isoformat()})
    cal = working_calendar()
    notifications.notify(reviewer, f"The review of {_label(assessment)} has been assigned to you; it is due "
                                   f"{cal.local(new_due):%-d %b %Y %H:%M}. Reason: {reason}", f"/reviews/{assessment.id}")
    if old is not None and old.active and old.id != reviewer.id:
        notifications.notify(old, f"The review of {_label(assessment)} has been reassigned to {reviewer.name}: {reason}", None)


# -- breaches -------------------------------------------------------------------------------

def get_breach(actor, breach_id: int) -> ReviewBreach:
    policy.require(actor, "manage_service_levels")
    return by_id(ReviewBreach, breach_id, "breach")


def breaches(actor, *, uncaused_only: bool = False, limit: int = 200) -> list[ReviewBreach]:
    policy.require(actor, "manage_service_levels")
    stmt = (select(ReviewBreach).options(selectinload(ReviewBreach.assessment).selectinload(Assessment.person),
                                         selectinload(ReviewBreach.assessment).selectinload(Assessment.skill),
                                         selectinload(ReviewBreach.org_unit))
            .order_by(ReviewBreach.due_at.desc(), ReviewBreach.id.desc()).limit(limit))
    if uncaused_only:
        stmt = stmt.where(ReviewBreach.cause.is_(None))
    return list(db.session.scalars(stmt))


def record_cause(actor, breach: ReviewBreach, *, cause: str, note: str | None, action: str) -> None:
    """HR's account of a breach: its cause (one of BREACH_CAUSES, with a note)
    and the action taken, as a service level report shows them."""
    policy.require(actor, "manage_service_levels")
    problems = {}
    if cause not in BREACH_CAUSES:
        problems["cause"] = "Choose the cause from the list."
    note = (note or "").strip() or None
    action = (action or "").strip()
    if cause == "other" and not note:
        problems["cause_note"] = "Describe the cause when it is 'Other'."
    if not action:
        problems["action"] = "Say what was done, or will be, so it does not happen again."
    for key, value in (("cause_note", note), ("action", action)):
        if value and len(value) > MAX_TEXT:
            problems[key] = f"At most {MAX_TEXT} characters."
    if problems:
        raise InvalidInput.on_fields(problems)
    before = {"cause": breach.cause, "cause_note": breach.cause_note, "action": breach.action}
    breach.cause, breach.cause_note, breach.action = cause, note, action
    breach.recorded_by = actor if isinstance(actor, Person) else None
    breach.recorded_at = utcnow()
    db.session.flush()
    audit.record(actor, "service_levels.breach_explained", breach,
                 summary=f"breach of the review of {_label(breach.assessment)}: cause {BREACH_CAUSES[cause].lower()}"
                         + (f" ({note})" if note else "") + f"; action: {action}",
                 data={"assessment_id": breach.assessment_id, "from": before, "to": {"cause": cause, "cause_note": note, "action": action}})


def escalations_for(actor, limit: int = 100) -> list[ReviewBreach]:
    """Breaches escalated to the actor, the open ones first."""
    policy.require(actor, "view_escalations")
    if not isinstance(actor, Person):
        return []
    stmt = (select(ReviewBreach).where(ReviewBreach.escalated_to_id == actor.id)
            .options(selectinload(ReviewBreach.assessment).selectinload(Assessment.person),
                     selectinload(ReviewBreach.assessment).selectinload(Assessment.skill))
            .order_by(or_(ReviewBreach.resolved_at.is_not(None), ReviewBreach.reassigned_at.is_not(None)), ReviewBreach.due_at.desc()).limit(limit))
    return list(db.session.scalars(stmt))
