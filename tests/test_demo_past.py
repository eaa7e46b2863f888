"""The demo has a past (issue 24): `demo load` tells two years of the
organisation's history relative to today, through the domain's own operations,
so that every feature that lives on time shows something: levels expiring soon
and expired, a coverage trend that moves, every month's review service levels
(late, escalated, reassigned), a closed campaign with its snapshot and an open
one half done, training plans run and under way, a framework in two versions
with a migration, evidence carried over with its honest date. Loading twice
adds nothing; the same day gives the same history."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from skills_app.devdata import demo
from skills_app.extensions import db
from skills_app.models import Assessment, AuditEvent, Evidence, Framework, Notification, Person
from skills_app.models.campaigns import Campaign, CampaignResult
from skills_app.models.framework import utcnow
from skills_app.models.learning import Goal, TrainingPlan
from skills_app.models.service_levels import ReviewBreach, ReviewDecision
from skills_app.policy import SYSTEM
from skills_app.reports.service_levels import shift_month
from skills_app.services import campaigns, gaps, revalidation, service_level_report, tour, trends, version_flags

from tests.conftest import ROOT, _clean

pytestmark = pytest.mark.xdist_group("demo_world")


def _aware(moment):
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _person(email: str) -> Person:
    return db.session.scalar(select(Person).where(Person.email == email))


def test_levels_expire_soon_and_have_expired(demo_world):
    now = utcnow()
    expiring = revalidation.expiring(SYSTEM, days=90)
    assert any(r["email"] == "aisha.khan@acme.example" for r in expiring), expiring
    validated = db.session.scalars(select(Assessment).where(Assessment.status == "validated")).all()
    ends = [_aware(a.valid_until) for a in validated if a.valid_until is not None]
    assert any(end < now for end in ends)
    decided = sorted(_aware(a.decided_at) for a in validated)
    assert decided[0] < now - timedelta(days=700) and decided[-1] > now - timedelta(days=62)
    assert tour.is_demo()
    # The gap report has an expired level of its own (Sofia's SLM 3, with nothing since), not only levels below.
    rows = gaps.frame(SYSTEM)
    assert set(rows["status"]) >= {"met", "below", "expired", "not_assessed"}, rows["status"].value_counts()


def test_the_coverage_trend_has_points_in_most_of_the_last_two_years_and_moves(demo_world):
    trend = trends.coverage(SYSTEM)
    points = trend.series.dropna(subset=["coverage"])
    assert len(points) >= 12, trend.series
    assert points["coverage"].nunique() >= 4, points  # it moves, it is not flat
    # Decisions in each of the last 24 months, not all in one.
    months = {(_aware(d).year, _aware(d).month) for d in db.session.scalars(select(ReviewDecision.decided_at))}
    today = utcnow().date()
    last = [shift_month(today.replace(day=1), -n) for n in range(1, 24)]
    assert sum((m.year, m.month) in months for m in last) >= 22, sorted(months)


def test_every_recent_month_has_a_service_level_report_and_the_last_has_late_escalated_reassigned(demo_world):
    today = utcnow().date()
    previous = shift_month(today.replace(day=1), -1)
    for back in range(1, 7):
        month = shift_month(today.replace(day=1), -back)
        report = service_level_report.build(SYSTEM, f"{month:%Y-%m}")
        assert report.totals["decisions"] > 0, month
    report = service_level_report.build(SYSTEM, f"{previous:%Y-%m}")
    statuses = list(report.breaches["status"])
    assert report.totals["on_time"] < report.totals["decisions"] or "decided late" in statuses
    assert any(s.startswith("reassigned to") for s in statuses), statuses
    assert report.breaches["escalated_to"].notna().any(), report.breaches
    assert report.breaches["cause"].notna().any()
    # Breaches are escalated by the checks, as of their moment (not today).
    escalated = db.session.scalars(select(ReviewBreach).where(ReviewBreach.escalated_at.is_not(None))).all()
    assert len(escalated) >= 5
    assert all(_aware(b.escalated_at) > _aware(b.due_at) for b in escalated)
    assert any(_aware(b.escalated_at) < utcnow() - timedelta(days=300) for b in escalated)
    # One review is overdue now (escalated), one due soon.
    waiting = db.session.scalars(select(Assessment).where(Assessment.status == "submitted")).all()
    assert {a.person.email for a in waiting} == {"tom.fischer@acme.example", "ella.nowak@acme.example"}


def test_a_closed_campaign_with_its_snapshot_and_an_open_one_half_done(demo_world):
    closed = db.session.scalar(select(Campaign).where(Campaign.status == "closed"))
    assert closed is not None and _aware(closed.closed_at) < utcnow() - timedelta(days=150)
    rows = db.session.scalars(select(CampaignResult).where(CampaignResult.campaign_id == closed.id)).all()
    assert rows and any(r.progress in ("validated", "rejected") for r in rows) and any(r.progress == "not_started" for r in rows)
    open_ = campaigns.by_name("Service desk self-assessment")
    assert open_.status == "open" and open_.opens_on <= utcnow().date() - timedelta(days=21)
    done = campaigns.completion(SYSTEM, open_).total
    assert 0 < done["people"] - done["not_started"] < done["people"], done
    assert 20 <= done["done"] <= 80, done  # half done: some have submitted both skills, others not yet
    # What was done before it opened does not count: Aisha's SLMO was validated long before.
    people = {p["email"]: p for p in campaigns.people(SYSTEM, open_)}
    assert people["aisha.khan@acme.example"]["progress"] == "not_started"


def test_training_plans_run_and_under_way(demo_world):
    plans = db.session.scalars(select(TrainingPlan)).all()
    today = utcnow().date()
    assert any(p.ends_on < today and any(e.status == "completed" for e in p.enrolments) for p in plans)
    assert any(p.starts_on <= today <= p.ends_on and any(e.status == "enrolled" for e in p.enrolments) for p in plans)
    completed = db.session.scalars(select(Goal).where(Goal.plan_id.is_not(None), Goal.completed_at.is_not(None))).all()
    assert all(_aware(e.completed_at) < utcnow() - timedelta(days=60) for e in completed)


def test_a_framework_in_two_versions_with_a_migration_and_a_carried_over_evidence_dated_honestly(demo_world):
    versions = db.session.scalars(select(Framework).where(Framework.code == "MIM").order_by(Framework.id)).all()
    assert [(f.version, f.status) for f in versions] == [("1", "retired"), ("2", "published")]
    migrated = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "framework.levels_migrated"))
    assert migrated is not None and _aware(migrated.at) < utcnow() - timedelta(days=100)
    marcus = _person("marcus.webb@acme.example")
    # Level 3 changed in substance: its holders were flagged; George revalidated, Marcus is still to.
    assert [f.to_framework for f in version_flags.open_flags([marcus.id])] == ["MIM 2"]
    assert not version_flags.open_flags([_person("george.evans@acme.example").id])
    # Evidence carried over by a revalidation keeps the date it was given.
    carried = db.session.scalars(select(Evidence).where(Evidence.copied_from_id.is_not(None))).all()
    assert carried
    for e in carried:
        source = db.session.get(Evidence, e.copied_from_id)
        assert _aware(e.created_at) == _aware(source.created_at)
        assert _aware(e.created_at) < _aware(e.assessment.created_at)


def test_the_employee_has_a_validated_level_to_download_as_a_credential_and_verify(demo_world, client, auth):
    """Sam Taylor (the employee's demo sign-in): one validated, unexpired level, with evidence and
    their line manager's validation in the history; My skills offers its credential, which verifies
    at /credentials/verify, and the guided visit leads to it."""
    import json

    from skills_app.services import credentials

    sam = _person("sam.taylor@acme.example")
    held = db.session.scalars(select(Assessment).where(Assessment.person_id == sam.id, Assessment.status == "validated")).all()
    assert [(a.skill.code, a.framework.version, a.validated_level) for a in held] == [("MIM", "2", 2)]
    (level,) = held
    assert _aware(level.valid_until) > utcnow() and credentials.stands(level)
    assert level.evidence and level.reviewer.email == "marcus.webb@acme.example"
    decided = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "assessment.validated",
                                                        AuditEvent.entity_type == "assessment", AuditEvent.entity_id == level.id))
    assert decided is not None and _aware(decided.at) < utcnow() - timedelta(days=30)
    auth.login(sam, demo.DEMO_PASSWORD)
    page = client.get("/my/skills").get_data(as_text=True)
    assert f'href="/assessments/{level.id}/credential"' in page and "Download credential" in page
    steps = tour.steps_for(sam)
    assert any(s.endpoint == "assessments.show" and s.values == {"assessment_id": level.id} and "credential" in s.text
               for s in steps)
    credential = json.loads(client.get(f"/assessments/{level.id}/credential").get_data())
    auth.logout()
    answer = client.post("/credentials/verify", json=credential).get_json()
    assert answer == {"verified": True, "errors": []}


def test_old_notifications_were_read_at_the_time(demo_world):
    unread = db.session.scalars(select(Notification.created_at).where(Notification.read_at.is_(None))).all()
    assert all(_aware(c) > utcnow() - timedelta(days=11) for c in unread)


def _digest() -> list[tuple]:
    """The history, by natural keys and moments (no ids)."""
    people = dict(db.session.execute(select(Person.id, Person.email)).all())
    rows = [(people[a.person_id], a.skill.code, a.framework.version, a.status, a.claimed_level, a.validated_level,
             _aware(a.submitted_at), _aware(a.decided_at), _aware(a.valid_until))
            for a in db.session.scalars(select(Assessment))]
    rows += [("decision", people.get(d.reviewer_id), d.outcome, _aware(d.decided_at), d.on_time)
             for d in db.session.scalars(select(ReviewDecision))]
    rows += [("breach", b.reviewer_name, _aware(b.due_at), _aware(b.escalated_at), _aware(b.reassigned_at), b.cause)
             for b in db.session.scalars(select(ReviewBreach))]
    rows += [("campaign", c.name, c.status, c.opens_on, _aware(c.closed_at)) for c in db.session.scalars(select(Campaign))]
    rows += [("plan", p.name, p.starts_on, tuple(sorted((people[e.person_id], e.status) for e in p.enrolments)))
             for p in db.session.scalars(select(TrainingPlan))]
    rows += [("framework", f.code, f.version, f.status) for f in db.session.scalars(select(Framework))]
    rows.append(("events", db.session.scalar(select(func.count()).select_from(AuditEvent))))
    return sorted(rows, key=repr)


def test_loading_twice_adds_nothing_and_the_same_day_gives_the_same_history(app):
    pinned = datetime(2027, 3, 10, 12, 0, tzinfo=timezone.utc)
    demo.load(ROOT / "frameworks", ROOT / "seed_data", now=pinned)
    db.session.commit()
    first = _digest()
    # Relative to the pinned day, not to the wall clock.
    decided = [r[7] for r in first if len(r) == 9 and r[7] is not None]
    assert max(decided) < pinned and min(decided) < pinned - timedelta(days=730)
    assert date(2027, 2, 1) <= max(decided).date()
    demo.load(ROOT / "frameworks", ROOT / "seed_data", now=pinned)
    db.session.commit()
    assert _digest() == first
    _clean(app)
    demo.load(ROOT / "frameworks", ROOT / "seed_data", now=pinned)
    db.session.commit()
    assert _digest() == first
