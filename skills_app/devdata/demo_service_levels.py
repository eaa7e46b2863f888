"""Demo data for the review service levels: targets, a calendar, seven months
of decided reviews (some late, with causes), an overdue review for Marcus Webb
(escalated to his manager, Priya Shah) and one due soon for Kwame Mensah.

The history is made through the services (start, evidence, submit, decide),
then dated back: the assessment, its decision record and its breach get the
moments of the story (services.history; the audit trail is append-only, so its
events keep the moment the demo was loaded). Loading twice changes nothing.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from skills_app.models.framework import utcnow
from skills_app.policy import SYSTEM
from skills_app.services import accounts, assessments, frameworks, history, org, service_levels
from skills_app.services.calendar import add_working_days

HOLIDAYS = [
    (date(2026, 1, 1), "New Year's Day"), (date(2026, 4, 3), "Good Friday"), (date(2026, 4, 6), "Easter Monday"),
    (date(2026, 5, 4), "Early May bank holiday"), (date(2026, 5, 25), "Spring bank holiday"),
    (date(2026, 8, 31), "Summer bank holiday"), (date(2026, 12, 25), "Christmas Day"), (date(2026, 12, 28), "Boxing Day (substitute)"),
    (date(2027, 1, 1), "New Year's Day"),
]

# (person, framework, months before this one, working days to decide, outcome, cause, action)
HISTORY = [
    ("aisha.khan@acme.example", "SLM", 6, 6, "approve", None, None),
    ("tom.fischer@acme.example", "SLM", 5, 11, "approve", "reviewer_absent", "Marcus's reviews covered by Kwame Mensah during leave."),
    ("kwame.mensah@acme.example", "SFIA", 4, 4, "approve", None, None),
    ("jack.oneill@acme.example", "SLM", 3, 7, "approve", None, None),
    ("chloe.martin@acme.example", "SLM", 2, 12, "reject", "workload", "Review slots booked weekly in the Service Desk rota."),
    ("mia.jensen@acme.example", "SFIA", 1, 5, "approve", None, None),
    ("kwame.mensah@acme.example", "SLM", 0, 10, "approve", None, None),
    ("ravi.patel@acme.example", "SLM", 5, 3, "approve", None, None),
    ("zoe.brown@acme.example", "SFIA", 3, 7, "approve", None, None),
    ("david.cohen@acme.example", "SFIA", 2, 2, "approve", None, None),
    ("zoe.brown@acme.example", "SLM", 1, 9, "approve", "evidence_unclear", "Kwame asked for the SLA report; guidance on evidence added to the team page."),
    ("david.cohen@acme.example", "SLM", 0, 4, "approve", None, None),
    ("liam.walsh@acme.example", "SFIA", 6, 8, "approve", None, None),
    ("nina.ivanova@acme.example", "SFIA", 5, 11, "approve", "workload", "Quarter-end reviews spread across the month."),
    ("peter.smith@acme.example", "SFIA", 4, 6, "approve", None, None),
    ("fatima.ali@acme.example", "SFIA", 3, 5, "reject", None, None),
    ("george.evans@acme.example", "SFIA", 2, 13, "approve", None, None),
    ("yuki.tanaka@acme.example", "SFIA", 1, 7, "approve", None, None),
    ("marcus.webb@acme.example", "SFIA", 1, 9, "approve", None, None),
    ("liam.walsh@acme.example", "SLM", 0, 3, "approve", None, None),
    ("oscar.silva@acme.example", "SFIA", 5, 10, "approve", None, None),
    ("emma.dubois@acme.example", "SFIA", 4, 12, "approve", None, None),
    ("noah.berg@acme.example", "SFIA", 2, 4, "approve", None, None),
    ("sofia.rossi@acme.example", "SFIA", 1, 6, "approve", None, None),
    ("ibrahim.said@acme.example", "SFIA", 0, 8, "approve", None, None),
]


def load() -> list[str]:
    lines = []
    lines.extend(_settings())
    added = _history()
    if added:
        lines.append(f"Demo review history added: {added} decided reviews over seven months.")
    _overdue_and_due_soon()
    result = service_levels.run_checks(SYSTEM)
    if result.escalated or result.warned or result.reminded:
        lines.append("Review service levels checked: " + result.summary())
    return lines


def _settings() -> list[str]:
    lines = []
    default, overrides = service_levels.targets(SYSTEM)
    if default.source == "built-in defaults":
        service_levels.save_target(SYSTEM, None, decision_days=10, warning_days=2, reminder_days=5, campaign_completion_pct=90)
        lines.append("Review service level targets set: decide within 10 working days.")
    desk = org.by_path("Acme/IT/Service Desk")
    if desk is not None and not any(unit.id == desk.id for unit, _ in overrides):
        service_levels.save_target(SYSTEM, desk, decision_days=8, warning_days=2, reminder_days=3, campaign_completion_pct=95)
    have = {h.day for h in service_levels.holidays(SYSTEM)}
    for day, name in HOLIDAYS:
        if day not in have:
            service_levels.add_holiday(SYSTEM, day=day, name=name)
    return lines


def _skill(code: str):
    framework = frameworks.find(code)
    if framework is None:
        return None
    return next((s for s in framework.skills if s.code == ("SLMO" if code == "SFIA" else "SLM")), None)


def _month_start(months_back: int) -> datetime:
    cal = service_levels.working_calendar()
    today = cal.local_date(utcnow())
    index = today.year * 12 + today.month - 1 - months_back
    first = date(index // 12, index % 12 + 1, 3)
    return datetime.combine(first, time(9, 30), tzinfo=cal.tz)


def _history() -> int:
    cal = service_levels.working_calendar()
    added = 0
    now = utcnow()
    for email, fcode, months_back, days, outcome, cause, action in HISTORY:
        person, skill = accounts.by_email(email), _skill(fcode)
        if person is None or skill is None or person.manager is None:
            continue
        if history.has_assessment(person, skill):
            continue
        submitted = add_working_days(cal, _month_start(months_back), 0)
        decided = add_working_days(cal, submitted, days)
        if decided >= now:
            continue
        a = assessments.start(person, skill, 3)
        assessments.save_draft(person, a, claimed_level=3, ratings={d.id: "met" for d in assessments.descriptors_in_view(a)})
        assessments.add_evidence(person, a, descriptor_ids=[d.id for d in assessments.claimed_descriptors(a)],
                                 text="Produced the monthly service level report and chaired the review with the customer.")
        assessments.submit(person, a)
        reviewer = person.manager
        assessments.decide(reviewer, a, outcome=outcome, comment=None if outcome == "approve" else
                           "The evidence shows level 2 work; keep the monthly reports coming and try again.")
        history.date_back_review(a, submitted, decided, reviewer=reviewer, cause=cause, action=action,
                                 recorded_by=accounts.by_email("hannah.lee@acme.example") if cause else None)
        added += 1
    return added


def _overdue_and_due_soon() -> None:
    """Tom Fischer's waiting SLMO is overdue with Marcus Webb; Ella Nowak's SLM is
    due soon with Kwame Mensah. Dated back once, when first loaded."""
    cal = service_levels.working_calendar()
    now = utcnow()
    for email, fcode, days_ago in (("tom.fischer@acme.example", "SFIA", 11), ("ella.nowak@acme.example", "SLM", 7)):
        person, skill = accounts.by_email(email), _skill(fcode)
        if person is None or skill is None:
            continue
        a = history.waiting_assessment(person, skill)
        if a is None or a.submitted_at is None or now - assessments.aware(a.submitted_at) > timedelta(days=1):
            continue
        # ``days_ago`` working days back, at 10:00 in the organisation's zone.
        day = cal.local_date(now)
        for _ in range(days_ago):
            day -= timedelta(days=1)
            while not cal.is_working_day(day):
                day -= timedelta(days=1)
        history.date_back_submission(a, datetime.combine(day, time(10, 0), tzinfo=cal.tz))
