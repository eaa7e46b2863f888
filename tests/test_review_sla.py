"""Service levels of the review process: due-by moments, warnings, breaches,
escalation (once), reassignment, the working calendar and the monthly report,
on crafted timelines (the clock is set by the ``clock`` fixture)."""
from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from skills_app import policy
from skills_app.errors import InvalidInput, InvalidState, NotAllowed
from skills_app.extensions import db
from skills_app.models import Assessment, AuditEvent, Notification
from skills_app.models.service_levels import ReviewBreach, ReviewDecision
from skills_app.policy import SYSTEM
from skills_app.reports import service_levels as report
from skills_app.services import service_level_report
from skills_app.services import assessments as service
from skills_app.services.assessments import aware
from skills_app.services import org as org_service
from skills_app.services import service_levels as sla
from skills_app.services.calendar import add_working_days
from tests.pages import confirm

UTC = timezone.utc
MON = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # Monday 2 March 2026, 09:00 in London (GMT)


@pytest.fixture
def clock(monkeypatch):
    """Set the time the services and the report see."""
    state = {"now": MON}

    def now():
        return state["now"]

    import skills_app.services.service_level_report as report_module
    import skills_app.services.assessments as assessments_module
    import skills_app.services.service_levels as sla_module

    for module in (assessments_module, sla_module, report_module):
        monkeypatch.setattr(module, "utcnow", now)

    def set_to(moment: datetime) -> datetime:
        state["now"] = moment
        return moment

    return set_to


@pytest.fixture
def org(make_person, load_seed_frameworks):
    """Dana (director) > Manny (manager) > Sam, Pat; Olga (no manager) > Otto; Hana HR."""
    frameworks = load_seed_frameworks()
    director = make_person("Dana Director", roles=("employee", "manager"), unit="Group/IT")
    manager = make_person("Manny Manager", roles=("employee", "manager"), manager=director, unit="Group/IT/Service Desk")
    sam = make_person("Sam Subject", manager=manager, unit="Group/IT/Service Desk")
    pat = make_person("Pat Peer", manager=manager, unit="Group/IT/Service Desk")
    olga = make_person("Olga Orphan", roles=("employee", "manager"), unit="Group/Ops")
    otto = make_person("Otto Outside", manager=olga, unit="Group/Ops")
    hr = make_person("Hana HR", roles=("employee", "hr"), unit="Group/People")
    slmo = next(s for s in frameworks["SFIA"].skills if s.code == "SLMO")
    slm = next(s for s in frameworks["SLM"].skills if s.code == "SLM")
    return SimpleNamespace(director=director, manager=manager, sam=sam, pat=pat, olga=olga, otto=otto, hr=hr, slmo=slmo, slm=slm)


def submit(org, person=None, skill=None, level=3) -> Assessment:
    person, skill = person or org.sam, skill or org.slmo
    a = service.start(person, skill, level)
    service.add_evidence(person, a, descriptor_ids=[d.id for d in service.claimed_descriptors(a)], text="Ran the SLA reviews.")
    service.save_draft(person, a, claimed_level=a.claimed_level, ratings={d.id: "met" for d in service.descriptors_in_view(a)})
    service.submit(person, a)
    db.session.commit()
    return a


def events(action: str, assessment=None) -> list[AuditEvent]:
    stmt = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    if assessment is not None:
        stmt = stmt.where(AuditEvent.entity_type == "assessment", AuditEvent.entity_id == assessment.id)
    return list(db.session.scalars(stmt))


def notes_for(person) -> list[str]:
    return list(db.session.scalars(select(Notification.message).where(Notification.person_id == person.id).order_by(Notification.id)))


# -- due-by moments ---------------------------------------------------------------------

def test_a_submission_is_due_ten_working_days_later_by_default(org, clock):
    clock(MON)
    a = submit(org)
    assert aware(a.due_at) == datetime(2026, 3, 16, 9, 0, tzinfo=UTC)  # two weeks on, the weekends skipped
    assert events("assessment.submitted", a)[-1].data["due_at"] == "2026-03-16T09:00:00+00:00"


def test_the_nearest_org_unit_override_sets_the_due_by_moment(org, clock):
    clock(MON)
    sla.save_target(org.hr, None, decision_days=8, warning_days=2, reminder_days=5, campaign_completion_pct=90)
    sla.save_target(org.hr, org_service.by_path("Group/IT"), decision_days=5, warning_days=1, reminder_days=5, campaign_completion_pct=90)
    db.session.commit()
    # Sam is in Group/IT/Service Desk: Group/IT's override is the nearest.
    assert aware(submit(org).due_at) == datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
    # Otto is in Group/Ops: the organisation's 8 days.
    assert aware(submit(org, person=org.otto).due_at) == datetime(2026, 3, 12, 9, 0, tzinfo=UTC)
    # The unit's own override beats its parent's.
    sla.save_target(org.hr, org_service.by_path("Group/IT/Service Desk"), decision_days=3, warning_days=1, reminder_days=5,
                    campaign_completion_pct=90)
    db.session.commit()
    assert aware(submit(org, person=org.pat).due_at) == datetime(2026, 3, 5, 9, 0, tzinfo=UTC)
    assert sla.target_for(org.pat).source == "Group/IT/Service Desk"


def test_changing_a_target_later_does_not_rewrite_due_dates(org, clock):
    clock(MON)
    a = submit(org)
    sla.save_target(org.hr, None, decision_days=3, warning_days=1, reminder_days=5, campaign_completion_pct=90)
    sla.update_calendar(org.hr, weekdays=[0, 1, 2, 3, 4, 5, 6], timezone="Asia/Tokyo")
    db.session.commit()
    db.session.refresh(a)
    assert aware(a.due_at) == datetime(2026, 3, 16, 9, 0, tzinfo=UTC)


def test_holidays_in_the_calendar_push_the_due_date(org, clock):
    sla.add_holiday(org.hr, day="2026-03-04", name="Founders' day")
    db.session.commit()
    clock(MON)
    assert aware(submit(org).due_at) == datetime(2026, 3, 17, 9, 0, tzinfo=UTC)


def test_targets_and_calendar_refuse_bad_input_and_say_where(org):
    with pytest.raises(InvalidInput) as bad:
        sla.save_target(org.hr, None, decision_days="ten", warning_days=2, reminder_days=0, campaign_completion_pct=150)
    assert set(bad.value.fields) == {"decision_days", "reminder_days", "campaign_completion_pct"}
    with pytest.raises(InvalidInput, match="shorter than the time to decide"):
        sla.save_target(org.hr, None, decision_days=3, warning_days=3, reminder_days=5, campaign_completion_pct=90)
    with pytest.raises(InvalidInput, match="at least one working weekday"):
        sla.update_calendar(org.hr, weekdays=[], timezone="Europe/London")
    with pytest.raises(InvalidInput, match="not a time zone"):
        sla.update_calendar(org.hr, weekdays=[0], timezone="Europe/Atlantis")
    with pytest.raises(InvalidInput, match="not a date"):
        sla.add_holiday(org.hr, day="31/12/2026", name="New Year's Eve")
    with pytest.raises(NotAllowed):
        sla.save_target(org.manager, None, decision_days=5, warning_days=1, reminder_days=5, campaign_completion_pct=90)
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action.startswith("service_levels."))) == 0


# -- the clock on the queue ---------------------------------------------------------------

def test_the_queue_orders_by_due_date_and_shows_time_left(org, clock):
    clock(MON)
    first = submit(org)                              # due Mon 16 March
    clock(MON - timedelta(days=7))
    earlier = submit(org, person=org.pat)            # due Mon 9 March
    clock(datetime(2026, 3, 5, 9, 0, tzinfo=UTC))    # Thursday 5 March
    queue = service.review_queue(org.manager)
    assert [a.id for a in queue] == [earlier.id, first.id]
    clocks = sla.clocks(queue)
    assert (clocks[earlier.id].state, clocks[earlier.id].label) == ("due_soon", "2 working days left")
    assert (clocks[first.id].state, clocks[first.id].label) == ("on_track", "7 working days left")
    clock(datetime(2026, 3, 10, 15, 0, tzinfo=UTC))  # Tuesday 10 March, 15:00
    c = sla.clock(earlier)
    assert (c.state, c.label) == ("overdue", "overdue by 1 working day")


# -- decisions, breaches, escalation ---------------------------------------------------------

def test_a_decision_by_the_due_moment_is_on_time_and_a_later_one_is_a_breach(org, clock):
    clock(MON)
    on_time, late = submit(org), submit(org, person=org.pat)
    clock(datetime(2026, 3, 16, 9, 0, tzinfo=UTC))  # exactly due
    service.decide(org.manager, on_time, outcome="approve")
    clock(datetime(2026, 3, 17, 21, 0, tzinfo=UTC))  # Tuesday 21:00: 11.5 working days
    service.decide(org.manager, late, outcome="reject", comment="Not yet.")
    db.session.commit()
    rows = {r.assessment_id: r for r in db.session.scalars(select(ReviewDecision))}
    assert (rows[on_time.id].on_time, rows[on_time.id].working_days) == (True, 10.0)
    assert (rows[late.id].on_time, rows[late.id].working_days, rows[late.id].outcome) == (False, 11.5, "reject")
    breaches = list(db.session.scalars(select(ReviewBreach)))
    assert [(b.assessment_id, b.reviewer_id, b.escalated_at) for b in breaches] == [(late.id, org.manager.id, None)]
    assert aware(breaches[0].resolved_at) == datetime(2026, 3, 17, 21, 0, tzinfo=UTC)


def test_checks_warn_once_then_escalate_once_to_the_reviewers_manager(org, clock):
    clock(MON)
    a = submit(org)
    clock(datetime(2026, 3, 12, 9, 0, tzinfo=UTC))  # Thursday: 2 working days left, inside the 2-day window
    assert sla.run_checks(SYSTEM).warned == ["Sam Subject's SLMO Service level management (SFIA 8)"]
    assert sla.run_checks(SYSTEM).warned == []
    assert any(n.startswith("Due soon: your review of Sam Subject's SLMO") for n in notes_for(org.manager))

    clock(datetime(2026, 3, 17, 9, 0, tzinfo=UTC))  # a working day past due
    first = sla.run_checks(SYSTEM)
    second = sla.run_checks(SYSTEM)
    db.session.commit()
    assert len(first.escalated) == 1 and second.escalated == []
    escalations = events("assessment.escalated", a)
    assert len(escalations) == 1
    assert escalations[0].data["escalated_to"] == [org.director.id]
    assert escalations[0].data["reviewer_id"] == org.manager.id
    director_notes = [n for n in notes_for(org.director) if n.startswith("Escalation")]
    assert len(director_notes) == 1 and "by Manny Manager" in director_notes[0] and "overdue by 1 working day" in director_notes[0]
    assert any("has been escalated to Dana Director" in n for n in notes_for(org.manager))
    breach = db.session.scalar(select(ReviewBreach))
    assert (breach.escalated_to_id, breach.resolved_at) == (org.director.id, None)
    assert sla.escalations_for(org.director) == [breach]
    assert sla.escalations_for(org.manager) == []
    # Deciding it late resolves the same breach, it does not add another.
    service.decide(org.manager, a, outcome="approve")
    assert db.session.scalar(select(func.count()).select_from(ReviewBreach)) == 1
    assert aware(breach.resolved_at) == datetime(2026, 3, 17, 9, 0, tzinfo=UTC)


def test_a_reviewer_with_no_manager_is_escalated_to_hr(org, clock):
    clock(MON)
    a = submit(org, person=org.otto)  # reviewed by Olga, who has no manager
    clock(datetime(2026, 3, 20, 9, 0, tzinfo=UTC))
    sla.run_checks(SYSTEM)
    event = events("assessment.escalated", a)[0]
    assert event.data["escalated_to"] == [org.hr.id]
    assert any("You are told as HR" in n for n in notes_for(org.hr))


def test_returned_assessments_get_one_resubmission_reminder(org, clock):
    clock(MON)
    a = submit(org)
    clock(datetime(2026, 3, 3, 9, 0, tzinfo=UTC))
    service.decide(org.manager, a, outcome="return", comment="Add the SLA report.")
    clock(datetime(2026, 3, 9, 9, 0, tzinfo=UTC))  # 4 working days later: not yet (target 5)
    assert sla.run_checks(SYSTEM).reminded == []
    clock(datetime(2026, 3, 10, 9, 0, tzinfo=UTC))  # 5 working days
    assert sla.run_checks(SYSTEM).reminded == ["Sam Subject's SLMO"]
    assert sla.run_checks(SYSTEM).reminded == []
    assert len(events("assessment.resubmission_reminded", a)) == 1
    assert sum(n.startswith("Reminder: your SLMO") for n in notes_for(org.sam)) == 1


def test_the_checks_do_what_their_plan_counts_and_nothing_else(org, clock):
    """One source of truth: the confirmation page's counts are the plan, and the run acts on a plan."""
    clock(MON)
    late = submit(org)
    soon = submit(org, person=org.otto)
    clock(datetime(2026, 3, 17, 9, 0, tzinfo=UTC))
    plan = sla.plan_checks(org.hr)
    assert [a.id for a in plan.escalate] == [late.id, soon.id] and plan.counts() == (2, 0, 0)
    # Given a plan with only one of them, the run escalates that one, and the next run the other.
    plan.escalate = plan.escalate[:1]
    report = sla.run_checks(org.hr, plan=plan)
    assert len(report.escalated) == 1 and len(events("assessment.escalated", late)) == 1
    assert events("assessment.escalated", soon) == []
    assert sla.plan_checks(org.hr).counts() == (1, 0, 0)
    assert len(sla.run_checks(org.hr).escalated) == 1 and sla.plan_checks(org.hr).counts() == (0, 0, 0)


def test_only_hr_runs_the_checks(org):
    with pytest.raises(NotAllowed):
        sla.run_checks(org.manager)
    with pytest.raises(NotAllowed):
        sla.plan_checks(org.manager)


def test_checking_now_asks_first_with_the_numbers(org, clock, client, auth):
    clock(MON)
    a = submit(org)
    clock(datetime(2026, 3, 18, 9, 0, tzinfo=UTC))
    assert sla.plan_checks(org.hr).counts() == (1, 0, 0)
    auth.login(org.hr.email)
    asked = client.post("/service-levels/check", data={"next": "/service-levels/breaches"})
    text = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Escalates 1 overdue review to the reviewer" in text
    assert '<input type="hidden" name="next" value="/service-levels/breaches">' in text
    assert db.session.scalar(select(func.count()).select_from(ReviewBreach)) == 0  # not without its confirmation
    done = confirm(client, asked)
    assert done.status_code == 302 and done.headers["Location"].endswith("/service-levels/breaches")
    assert db.session.scalar(select(func.count()).select_from(ReviewBreach)) == 1
    assert sla.plan_checks(org.hr).counts() == (0, 0, 0)  # escalated once
    assert a.id == db.session.scalar(select(ReviewBreach.assessment_id))


# -- reassignment ---------------------------------------------------------------------------

def test_hr_reassigns_a_review_with_a_new_clock_and_the_policy_follows(org, clock):
    clock(MON)
    a = submit(org)
    assert [p.name for p in sla.eligible_reviewers(org.hr, a)] == ["Dana Director", "Hana HR"]
    clock(datetime(2026, 3, 4, 12, 0, tzinfo=UTC))
    sla.reassign(org.hr, a, org.director, reason="Manny is on leave until April.")
    db.session.commit()
    assert a.assigned_reviewer_id == org.director.id
    assert aware(a.due_at) == datetime(2026, 3, 18, 12, 0, tzinfo=UTC)  # ten working days from the reassignment
    event = events("assessment.reassigned", a)[0]
    assert event.actor_id == org.hr.id
    assert event.data == {"from_reviewer_id": org.manager.id, "to_reviewer_id": org.director.id,
                          "reason": "Manny is on leave until April.", "from_due_at": "2026-03-16T09:00:00+00:00",
                          "to_due_at": "2026-03-18T12:00:00+00:00"}
    assert any("assigned to you" in n for n in notes_for(org.director))
    # The assigned reviewer decides now; the line manager no longer does.
    assert policy.can(org.director, "decide_assessment", a) and not policy.can(org.manager, "decide_assessment", a)
    assert [x.id for x in service.review_queue(org.director)] == [a.id]
    assert service.review_queue(org.manager) == []
    with pytest.raises(NotAllowed):
        service.decide(org.manager, a, outcome="approve")
    service.decide(org.director, a, outcome="approve")
    record = db.session.scalar(select(ReviewDecision))
    assert (record.reviewer_id, record.on_time) == (org.director.id, True)


def test_reassignment_refuses_the_ineligible_and_the_wrong_callers(org, clock):
    clock(MON)
    a = submit(org)
    with pytest.raises(InvalidInput, match="own assessment"):
        sla.reassign(org.hr, a, org.sam, reason="x")
    with pytest.raises(InvalidInput, match="Pat Peer cannot take this review"):
        sla.reassign(org.hr, a, org.pat, reason="x")
    with pytest.raises(InvalidInput, match="Manny Manager cannot take this review"):  # already has it
        sla.reassign(org.hr, a, org.manager, reason="x")
    with pytest.raises(InvalidInput, match="why"):
        sla.reassign(org.hr, a, org.director, reason="  ")
    with pytest.raises(NotAllowed):
        sla.reassign(org.manager, a, org.director, reason="I am busy")
    service.decide(org.manager, a, outcome="approve")
    with pytest.raises(InvalidState):
        sla.reassign(org.hr, a, org.director, reason="late")
    assert events("assessment.reassigned") == []


def test_reassigning_an_overdue_review_keeps_its_breach(org, clock):
    clock(MON)
    a = submit(org)
    clock(datetime(2026, 3, 18, 9, 0, tzinfo=UTC))
    sla.reassign(org.hr, a, org.hr, reason="Manny left the company.")
    breach = db.session.scalar(select(ReviewBreach))
    assert (breach.assessment_id, aware(breach.due_at), breach.reviewer_id) == (a.id, datetime(2026, 3, 16, 9, tzinfo=UTC), org.manager.id)
    # Ten working days from Wednesday 18 March 09:00 GMT: Wednesday 1 April 09:00, which is BST by then (08:00 UTC).
    assert aware(a.due_at) == datetime(2026, 4, 1, 8, 0, tzinfo=UTC)


def test_a_reassignment_is_never_counted_as_a_decision(org, clock):
    """An overdue review handed to another reviewer is "reassigned", not "decided late",
    while it still waits; its decision, when it comes, is the only one counted."""
    clock(MON)
    a = submit(org)
    clock(datetime(2026, 3, 18, 9, 0, tzinfo=UTC))
    sla.reassign(org.hr, a, org.director, reason="Manny is on leave.")
    db.session.commit()
    breach = db.session.scalar(select(ReviewBreach))
    assert (breach.state, breach.resolved_at, breach.reassigned_to_name) == ("reassigned", None, "Dana Director")
    march = service_level_report.build(org.hr, "2026-03")
    assert list(march.breaches["status"]) == ["reassigned to Dana Director"]
    assert march.totals["decisions"] == 0 and march.totals["breaches"] == 1
    assert db.session.scalar(select(func.count()).select_from(ReviewDecision)) == 0
    # Escalation of the old clock does not come back; the new reviewer decides on time.
    clock(datetime(2026, 3, 19, 9, 0, tzinfo=UTC))
    sla.run_checks(SYSTEM)
    service.decide(org.director, a, outcome="approve")
    db.session.commit()
    assert breach.state == "reassigned"
    march = service_level_report.build(org.hr, "2026-03")
    assert march.totals["decisions"] == 1 and march.totals["on_time"] == 1
    assert list(march.breaches["status"]) == ["reassigned to Dana Director"]


def test_breach_pages_say_reassigned_and_show_the_organisations_time(org, clock, client, auth):
    clock(MON)
    a = submit(org)
    clock(datetime(2026, 3, 18, 9, 0, tzinfo=UTC))
    sla.run_checks(SYSTEM)
    clock(datetime(2026, 4, 1, 9, 0, tzinfo=UTC))
    sla.reassign(org.hr, a, org.director, reason="Manny is on leave.")
    db.session.commit()
    auth.login(org.hr.email)
    page = client.get("/service-levels/breaches").get_data(as_text=True)
    assert "reassigned to Dana Director, 1 Apr 2026" in page and "decided late" not in page
    assert "still waiting for a decision" in page
    assert " UTC" not in page and "times in Europe/London" in page
    # 16 March 09:00 UTC is 09:00 in London (GMT); 1 April 09:00 UTC is 10:00 (BST) — the page shows London's.
    assert "16 Mar 2026 09:00" in page
    report_page = client.get("/service-levels?month=2026-03").get_data(as_text=True)
    assert "reassigned to Dana Director" in report_page


def test_hr_records_a_breach_cause_and_action(org, clock):
    clock(MON)
    a = submit(org)
    clock(datetime(2026, 3, 18, 9, 0, tzinfo=UTC))
    sla.run_checks(SYSTEM)
    breach = db.session.scalar(select(ReviewBreach))
    with pytest.raises(InvalidInput) as bad:
        sla.record_cause(org.hr, breach, cause="other", note="", action="")
    assert set(bad.value.fields) == {"cause_note", "action"}
    with pytest.raises(NotAllowed):
        sla.record_cause(org.manager, breach, cause="workload", note=None, action="Rebalanced")
    sla.record_cause(org.hr, breach, cause="reviewer_absent", note="Two weeks' leave", action="Cover arranged with the director.")
    db.session.commit()
    assert (breach.cause_label, breach.action, breach.recorded_by_id) == (
        "Reviewer absent (leave, sickness)", "Cover arranged with the director.", org.hr.id)
    assert events("service_levels.breach_explained")[0].data["to"]["cause"] == "reviewer_absent"
    assert a.id == breach.assessment_id


# -- the report against hand-computed figures -------------------------------------------------

@pytest.fixture
def march(org, clock):
    """Decisions in March 2026 with turnarounds of 2, 4, 6, 12 and 15 working days
    (target 10), Manny deciding Sam's and Pat's and Dana deciding Manny's; a
    review of Otto's still waiting past its due date in March; one decision in
    February."""
    def decided(person, skill, days, reviewer, start=MON, outcome="approve"):
        clock(start)
        a = submit(org, person=person, skill=skill)
        clock(add_working_days(sla.working_calendar(), start, days))
        service.decide(reviewer, a, outcome=outcome, comment=None if outcome == "approve" else "No.")
        db.session.commit()
        return a

    decided(org.sam, org.slmo, 2, org.manager)
    decided(org.pat, org.slmo, 4, org.manager)
    decided(org.sam, org.slm, 12, org.manager)
    decided(org.manager, org.slmo, 6, org.director)
    decided(org.pat, org.slm, 15, org.manager, outcome="reject")
    # February: Manny's SLM, 3 days.
    decided(org.manager, org.slm, 3, org.director, start=datetime(2026, 2, 2, 9, 0, tzinfo=UTC))
    clock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    waiting = submit(org, person=org.otto)          # due 16 March, still waiting
    clock(datetime(2026, 4, 10, 12, 0, tzinfo=UTC))  # the report is run in April
    return waiting


def test_the_report_figures_match_hand_computed_ones(org, march):
    r = service_level_report.build(org.hr, "2026-03")
    # Five decisions; three on time (2, 4, 6 days); two late (12, 15) plus Otto's still waiting.
    assert {k: r.totals[k] for k in report.GROUP_COLUMNS} == {
        "decisions": 5, "on_time": 3, "on_time_pct": 60.0, "breaches": 3,
        # median of 2, 4, 6, 12, 15 = 6; p90: rank 0.9 × 4 = 3.6 → 12 + 0.6 × (15 − 12) = 13.8
        "median_days": 6.0, "p90_days": 13.8}
    by_reviewer = {row["group"]: row for row in r.by_reviewer.to_dict(orient="records")}
    # Manny: 2, 4, 12, 15 → median 8, p90 = 12 + 0.7 × 3 = 14.1; two breaches decided late.
    assert {k: by_reviewer["Manny Manager"][k] for k in report.GROUP_COLUMNS} == {
        "decisions": 4, "on_time": 2, "on_time_pct": 50.0, "breaches": 2, "median_days": 8.0, "p90_days": 14.1}
    assert {k: by_reviewer["Dana Director"][k] for k in ("decisions", "on_time", "breaches", "median_days")} == {
        "decisions": 1, "on_time": 1, "breaches": 0, "median_days": 6.0}
    # Olga has decided nothing, but Otto's review has breached in her hands.
    assert (by_reviewer["Olga Orphan"]["decisions"], by_reviewer["Olga Orphan"]["breaches"]) == (0, 1)
    assert by_reviewer["Olga Orphan"]["on_time_pct"] is None
    by_unit = {row["group"]: row for row in r.by_unit.to_dict(orient="records")}
    # Manny is in the Service Desk too: all five decisions were about people there.
    assert (by_unit["Group/IT/Service Desk"]["decisions"], by_unit["Group/IT/Service Desk"]["breaches"]) == (5, 2)
    assert (by_unit["Group/Ops"]["decisions"], by_unit["Group/Ops"]["breaches"]) == (0, 1)
    trend = r.trend.set_index("month")
    assert list(trend.index) == ["2025-09", "2025-10", "2025-11", "2025-12", "2026-01", "2026-02", "2026-03"]
    assert (trend.loc["2026-02", "decisions"], trend.loc["2026-02", "on_time_pct"], trend.loc["2026-02", "median_days"]) == (1, 100.0, 3.0)
    assert trend.loc["2026-01", "decisions"] == 0 and trend.loc["2026-01", "on_time_pct"] is None
    assert sorted(r.breaches["status"]) == ["decided late", "decided late", "still waiting"]
    assert list(r.causes["cause_label"]) == ["Not yet recorded"] and list(r.causes["breaches"]) == [3]


def test_the_report_shows_recorded_causes_and_actions(org, march):
    sla.run_checks(SYSTEM)  # records and escalates Otto's breach
    breach = db.session.scalar(select(ReviewBreach).where(ReviewBreach.assessment_id == march.id))
    sla.record_cause(org.hr, breach, cause="workload", note=None, action="Olga's reviews shared with HR for a month.")
    db.session.commit()
    r = service_level_report.build(org.hr, "2026-03")
    row = r.breaches[r.breaches["assessment_id"] == march.id].iloc[0]
    assert (row["cause_label"], row["action"], row["escalated_to"]) == ("Reviewer workload", "Olga's reviews shared with HR for a month.", "Hana HR")
    assert dict(zip(r.causes["cause_label"], r.causes["breaches"])) == {"Not yet recorded": 2, "Reviewer workload": 1}
    assert r.totals["breaches"] == 3  # recorded now, not counted twice


def test_the_report_refuses_a_bad_month_and_non_hr(org):
    with pytest.raises(InvalidInput, match="not a month"):
        service_level_report.build(org.hr, "2026-13")
    with pytest.raises(InvalidInput, match="not a month"):
        service_level_report.build(org.hr, "March")
    with pytest.raises(NotAllowed):
        service_level_report.build(org.manager, "2026-03")


def test_the_report_command_and_downloads(org, march, runner, client, auth):
    result = runner.invoke(args=["report", "service-levels", "--month", "2026-03"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == report.CSV_COLUMNS
    everyone = next(r for r in rows if r["group_by"] == "all")
    assert (everyone["decisions"], everyone["on_time_pct"], everyone["breaches"], everyone["p90_days"]) == ("5", "60.0", "3", "13.8")
    assert {r["group"] for r in rows if r["group_by"] == "reviewer"} == {"Manny Manager", "Dana Director", "Olga Orphan"}
    bad = runner.invoke(args=["report", "service-levels", "--month", "2026-3"])
    assert bad.exit_code != 0 and "--month" in bad.output and "YYYY-MM" in bad.output

    as_json = runner.invoke(args=["report", "service-levels", "--month", "2026-03", "--format", "json"])
    payload = json.loads(as_json.stdout)
    assert payload["month"] == "2026-03" and len(payload["trend"]) == 7 and len(payload["breaches"]) == 3

    auth.login(org.hr)
    page = client.get("/service-levels?month=2026-03")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Review service levels: March 2026" in body and "Manny Manager" in body and "13.8" in body and "<svg" in body
    xlsx = client.get("/service-levels?month=2026-03&format=xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    assert client.get("/service-levels?month=2026-03&format=pdf").status_code == 422
    assert client.get("/service-levels?month=nonsense").status_code == 400


def test_the_escalate_command_is_idempotent(org, clock, runner):
    clock(MON)
    submit(org)
    db.session.commit()
    clock(datetime(2026, 3, 18, 9, 0, tzinfo=UTC))  # two working days past due
    first = runner.invoke(args=["reviews", "escalate"])
    assert first.exit_code == 0, first.output
    assert "1 breach escalated" in first.output
    second = runner.invoke(args=["reviews", "escalate"])
    assert "0 breaches escalated" in second.output
    assert len(events("assessment.escalated")) == 1


# -- pages ---------------------------------------------------------------------------------

def test_a_reviewer_sees_an_overdue_item_flagged_and_their_manager_the_escalation(org, clock, client, auth):
    clock(MON)
    submit(org)
    clock(datetime(2026, 3, 18, 9, 0, tzinfo=UTC))
    sla.run_checks(SYSTEM)
    db.session.commit()
    auth.login(org.manager)
    body = client.get("/reviews").get_data(as_text=True)
    assert "sla-row-overdue" in body and "Overdue" in body and "1 review overdue" in body
    auth.logout()
    auth.login(org.director)
    body = client.get("/service-levels/escalations").get_data(as_text=True)
    assert "Sam Subject" in body and "Manny Manager" in body and "Still waiting" in body


def test_hr_reassigns_and_records_causes_through_the_pages(org, clock, client, auth):
    clock(MON)
    a = submit(org)
    auth.login(org.hr)
    page = client.get(f"/reviews/{a.id}/reassign")
    assert page.status_code == 200 and '<label for="reviewer">New reviewer</label>' in page.get_data(as_text=True)
    missing_reason = client.post(f"/reviews/{a.id}/reassign", data={"reviewer": str(org.director.id), "reason": ""})
    assert missing_reason.status_code == 400 and "Say why the review is reassigned." in missing_reason.get_data(as_text=True)
    not_eligible = client.post(f"/reviews/{a.id}/reassign", data={"reviewer": str(org.pat.id), "reason": "x"})
    assert not_eligible.status_code == 400
    done = client.post(f"/reviews/{a.id}/reassign", data={"reviewer": str(org.director.id), "reason": "Manny is away."})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Assessment, a.id).assigned_reviewer_id == org.director.id

    clock(datetime(2026, 4, 20, 9, 0, tzinfo=UTC))  # long past the new due date: a breach
    sla.run_checks(SYSTEM)
    db.session.commit()
    breach = db.session.scalar(select(ReviewBreach))
    form = client.get(f"/service-levels/breaches/{breach.id}").get_data(as_text=True)
    assert '<label for="cause">Cause</label>' in form and '<label for="action">Action taken</label>' in form
    bad = client.post(f"/service-levels/breaches/{breach.id}", data={"cause": "other", "cause_note": "", "action": ""})
    assert bad.status_code == 400 and "Describe the cause" in bad.get_data(as_text=True)
    good = client.post(f"/service-levels/breaches/{breach.id}", data={"cause": "workload", "action": "Shared the queue."})
    assert good.status_code == 302
    db.session.expire_all()
    assert db.session.get(ReviewBreach, breach.id).cause == "workload"


def test_targets_page_saves_and_explains_bad_input(org, client, auth):
    auth.login(org.hr)
    page = client.get("/service-levels/targets").get_data(as_text=True)
    for label in ("Applies to", "Time to decide (working days from submission)", "Working weekdays", "Organisation time zone", "Date", "Name"):
        assert f">{label}</" in page
    bad = client.post("/service-levels/targets", data={"org_unit": "", "decision_days": "3", "warning_days": "5", "reminder_days": "5",
                                                      "campaign_completion_pct": "90"})
    assert bad.status_code == 400 and "shorter than the time to decide" in bad.get_data(as_text=True)
    unit = org_service.by_path("Group/IT")
    ok = client.post("/service-levels/targets", data={"org_unit": str(unit.id), "decision_days": "5", "warning_days": "1",
                                                     "reminder_days": "5", "campaign_completion_pct": "95"})
    assert ok.status_code == 302
    assert sla.target_for(org.sam).decision_days == 5
    assert client.post("/service-levels/holidays", data={"day": "not a date", "name": "x"}).status_code == 400
    assert client.post("/service-levels/holidays", data={"day": "2026-12-25", "name": "Christmas Day"}).status_code == 302
    duplicate = client.post("/service-levels/holidays", data={"day": "2026-12-25", "name": "Christmas"})
    assert duplicate.status_code == 409 and "already a holiday" in duplicate.get_data(as_text=True)
    assert 'value="Christmas"' in duplicate.get_data(as_text=True)
    assert client.post("/service-levels/calendar", data={"timezone": "Europe/Paris"}).status_code == 400
    assert client.post("/service-levels/calendar", data={"weekdays": ["0", "1", "2", "3"], "timezone": "Europe/Paris"}).status_code == 302
    cal = sla.working_calendar()
    assert (sorted(cal.weekdays), cal.timezone) == ([0, 1, 2, 3], "Europe/Paris")
