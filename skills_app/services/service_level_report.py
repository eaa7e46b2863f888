"""The service level report of the review process (``reports.service_levels``
describes it): the month asked for, in the organisation's time zone, and the
decisions and breaches of it and of the trend's months, each one set-wise query."""
from __future__ import annotations

import re
from datetime import date, datetime, time, timezone

from skills_app.lazy import pandas as pd
from sqlalchemy import and_, select

from skills_app import policy
from skills_app.errors import InvalidInput
from skills_app.extensions import db
from skills_app.models import Assessment, OrgUnit, Person, Skill
from skills_app.models.framework import utcnow
from skills_app.models.service_levels import BREACH_CAUSES, ReviewBreach, ReviewDecision
from skills_app.reports import service_levels as service_levels_report
from skills_app.services.calendar import WorkingCalendar
from skills_app.services.service_levels import working_calendar

MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def build(actor, month: str | None = None, now: datetime | None = None) -> service_levels_report.Report:
    policy.require(actor, "view_service_levels")
    now = now or utcnow()
    cal = working_calendar()
    first = parse_month(month, cal, now)
    start, end = _bounds(first, cal)
    trend_start, _ = _bounds(first, cal, service_levels_report.TREND_MONTHS)
    decisions = decisions_frame(cal, trend_start, end)
    breaches = breaches_frame(cal, trend_start, end, now)
    return service_levels_report.assemble(first, cal.timezone, decisions, breaches)


def parse_month(value: str | None, cal: WorkingCalendar, now: datetime | None = None) -> date:
    """The first day of the month ``YYYY-MM`` (this month when not given)."""
    if not value:
        today = cal.local_date(now or utcnow())
        return today.replace(day=1)
    match = MONTH.match(value.strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1970:
        raise InvalidInput.on("month", f"{value!r} is not a month; use YYYY-MM, such as 2026-10.")
    return date(int(match.group(1)), int(match.group(2)), 1)


def _bounds(month: date, cal: WorkingCalendar, months: int = 1) -> tuple[datetime, datetime]:
    """[start, end) of ``months`` months ending with ``month``, as UTC moments."""
    first = service_levels_report.shift_month(month, -(months - 1))
    end = service_levels_report.shift_month(month, 1)
    return (datetime.combine(first, time(0), tzinfo=cal.tz).astimezone(timezone.utc),
            datetime.combine(end, time(0), tzinfo=cal.tz).astimezone(timezone.utc))


def decisions_frame(cal: WorkingCalendar, start: datetime, end: datetime) -> pd.DataFrame:
    stmt = (
        select(ReviewDecision.id, ReviewDecision.assessment_id, ReviewDecision.reviewer_id, ReviewDecision.reviewer_name,
               OrgUnit.path.label("org_unit"), ReviewDecision.outcome, ReviewDecision.submitted_at, ReviewDecision.due_at,
               ReviewDecision.decided_at, ReviewDecision.working_days, ReviewDecision.on_time)
        .outerjoin(OrgUnit, ReviewDecision.org_unit_id == OrgUnit.id)
        .where(ReviewDecision.decided_at >= start, ReviewDecision.decided_at < end)
    )
    df = pd.DataFrame(db.session.execute(stmt).mappings().all(),
                      columns=["id", "assessment_id", "reviewer_id", "reviewer_name", "org_unit", "outcome", "submitted_at",
                               "due_at", "decided_at", "working_days", "on_time"])
    df["org_unit"] = df["org_unit"].fillna(service_levels_report.NO_UNIT)
    df["on_time"] = df["on_time"].astype(bool)
    df["working_days"] = df["working_days"].astype(float)
    df["month"] = service_levels_report.month_key(df["decided_at"], cal.timezone) if len(df) else pd.Series(dtype=str)
    return df


def breaches_frame(cal: WorkingCalendar, start: datetime, end: datetime, now: datetime) -> pd.DataFrame:
    """Recorded breaches due in [start, end), and reviews still waiting past a
    due-by moment in it that have no record yet."""
    recorded = (
        select(ReviewBreach.id.label("breach_id"), ReviewBreach.assessment_id, Person.name.label("person"),
               Skill.code.label("skill"), OrgUnit.path.label("org_unit"), ReviewBreach.reviewer_id,
               ReviewBreach.reviewer_name.label("reviewer"), ReviewBreach.due_at, ReviewBreach.resolved_at.label("decided_at"),
               ReviewBreach.reassigned_at, ReviewBreach.reassigned_to_name.label("reassigned_to"),
               ReviewBreach.escalated_to_name.label("escalated_to"), ReviewBreach.cause, ReviewBreach.cause_note, ReviewBreach.action)
        .join(Assessment, ReviewBreach.assessment_id == Assessment.id)
        .join(Person, Assessment.person_id == Person.id)
        .join(Skill, Assessment.skill_id == Skill.id)
        .outerjoin(OrgUnit, ReviewBreach.org_unit_id == OrgUnit.id)
        .where(ReviewBreach.due_at >= start, ReviewBreach.due_at < end)
    )
    manager = db.aliased(Person)
    reviewer = db.aliased(Person)
    unrecorded = (
        select(Assessment.id.label("assessment_id"), Person.name.label("person"), Skill.code.label("skill"),
               OrgUnit.path.label("org_unit"), reviewer.id.label("assigned_id"), reviewer.name.label("assigned_name"),
               manager.id.label("manager_id"), manager.name.label("manager_name"), Assessment.due_at)
        .join(Person, Assessment.person_id == Person.id)
        .join(Skill, Assessment.skill_id == Skill.id)
        .outerjoin(OrgUnit, Person.org_unit_id == OrgUnit.id)
        .outerjoin(manager, Person.manager_id == manager.id)
        .outerjoin(reviewer, Assessment.assigned_reviewer_id == reviewer.id)
        .outerjoin(ReviewBreach, and_(ReviewBreach.assessment_id == Assessment.id, ReviewBreach.due_at == Assessment.due_at))
        .where(Assessment.status == "submitted", Assessment.due_at >= start, Assessment.due_at < end, Assessment.due_at < now,
               ReviewBreach.id.is_(None))
    )
    rows = [dict(r) for r in db.session.execute(recorded).mappings()]
    for r in db.session.execute(unrecorded).mappings():
        rows.append({
            "breach_id": None, "assessment_id": r["assessment_id"], "person": r["person"], "skill": r["skill"],
            "org_unit": r["org_unit"], "reviewer_id": r["assigned_id"] or r["manager_id"],
            "reviewer": r["assigned_name"] or r["manager_name"] or "(no reviewer)", "due_at": r["due_at"], "decided_at": None,
            "reassigned_at": None, "reassigned_to": None,
            "escalated_to": None, "cause": None, "cause_note": None, "action": None,
        })
    columns = ["breach_id", "assessment_id", "person", "skill", "org_unit", "reviewer_id", "reviewer", "due_at", "decided_at",
               "reassigned_at", "reassigned_to", "escalated_to", "cause", "cause_note", "action"]
    df = pd.DataFrame(rows, columns=columns)
    df["org_unit"] = df["org_unit"].fillna(service_levels_report.NO_UNIT)
    # A reassignment is its own event, never a decision: the review went to another reviewer.
    df["status"] = ["decided late" if pd.notna(d) else (f"reassigned to {to}" if pd.notna(r) else "still waiting")
                    for d, r, to in zip(df["decided_at"], df["reassigned_at"], df["reassigned_to"])]
    df["reassigned_to"] = pd.Series([v if isinstance(v, str) else None for v in df["reassigned_to"]], index=df.index, dtype=object)
    df["month"] = service_levels_report.month_key(df["due_at"], cal.timezone) if len(df) else pd.Series(dtype=str)
    df["cause_label"] = df["cause"].map(lambda c: BREACH_CAUSES.get(c, c) if isinstance(c, str) else None)
    for col in ("escalated_to", "cause", "cause_note", "action", "cause_label"):
        df[col] = pd.Series([v if isinstance(v, str) else None for v in df[col]], index=df.index, dtype=object)
    return df.sort_values(["due_at", "assessment_id"]).reset_index(drop=True)
