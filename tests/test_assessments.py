"""The assessments service: the state machine, who may do what, optimistic
locking, audit events, notifications and current-level semantics."""
from __future__ import annotations

import io

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from skills_app import policy
from skills_app.errors import Conflict, InvalidInput, InvalidState, NotAllowed, NotFound
from skills_app.extensions import db
from skills_app.models import Assessment, AuditEvent, Notification
from skills_app.models.framework import utcnow
from skills_app.services import assessments as service


def submitted(team, level=4, person=None, evidence=True):
    """An assessment of SLMO by ``person`` (Sam), rated and evidenced, submitted."""
    person = person or team.sam
    a = service.start(person, team.slmo, level)
    service.save_draft(person, a, claimed_level=level, ratings={d.id: "met" for d in service.descriptors_in_view(a)})
    if evidence:
        service.add_evidence(person, a, descriptor_ids=[d.id for d in service.claimed_descriptors(a)], text="Ran the SLA reviews.")
    service.save_draft(person, a, claimed_level=a.claimed_level, ratings={d.id: "met" for d in service.descriptors_in_view(a)})
    service.submit(person, a)
    db.session.commit()
    return a


# -- starting and editing --------------------------------------------------------

def test_a_draft_claims_only_a_level_the_skill_defines(team):
    with pytest.raises(InvalidInput, match="not defined at level 1"):
        service.start(team.sam, team.slmo, 1)
    a = service.start(team.sam, team.slmo, 4)
    assert (a.status, a.claimed_level, a.person_id, a.framework_id) == ("draft", 4, team.sam.id, team.sfia.id)
    assert [sl.level for sl in service.levels_in_view(a)] == [4, 3, 2]
    with pytest.raises(InvalidInput):
        service.save_draft(team.sam, a, claimed_level=8, ratings={})


def test_only_one_open_assessment_per_person_and_skill(team):
    a = submitted(team)
    with pytest.raises(Conflict, match="already have an open assessment"):
        service.start(team.sam, team.slmo, 3)
    service.decide(team.manager, a, outcome="reject", comment="Not yet.")
    assert service.start(team.sam, team.slmo, 3).status == "draft"
    # Another skill, or another person, is another matter.
    assert service.start(team.sam, team.slm, 2).status == "draft"
    assert service.start(team.pat, team.slmo, 3).status == "draft"


def test_nobody_starts_an_assessment_for_someone_else(team):
    with pytest.raises(NotAllowed):
        policy.require(team.manager, "start_assessment", team.sam)
    assert policy.can(team.sam, "start_assessment", team.sam)


def test_ratings_are_kept_only_for_descriptors_in_view(team):
    a = service.start(team.sam, team.slmo, 3)
    in_view = service.descriptors_in_view(a)
    level5 = team.slmo.level(5).descriptors[0]
    service.save_draft(team.sam, a, claimed_level=3, ratings={in_view[0].id: "partly", level5.id: "met"})
    assert {r.descriptor_id: r.rating for r in a.ratings} == {in_view[0].id: "partly"}
    with pytest.raises(InvalidInput, match="not a rating"):
        service.save_draft(team.sam, a, claimed_level=3, ratings={in_view[0].id: "excellent"})


def test_submitting_needs_a_rating_on_every_descriptor_of_the_claimed_level(team):
    a = service.start(team.sam, team.slmo, 4)
    claimed = service.claimed_descriptors(a)
    service.save_draft(team.sam, a, claimed_level=4, ratings={claimed[0].id: "met"})
    with pytest.raises(InvalidInput, match="Rate yourself on every descriptor of level 4") as refused:
        service.submit(team.sam, a)
    assert set(refused.value.fields) == {f"ratings.{d.id}" for d in claimed[1:]}
    assert a.status == "draft"
    service.save_draft(team.sam, a, claimed_level=4, ratings={d.id: "partly" for d in claimed[1:]})
    service.submit(team.sam, a)
    assert a.status == "submitted"


def test_the_page_saves_level_ratings_and_evidence_in_one_go_and_a_repeat_changes_nothing(team):
    a = service.start(team.sam, team.slmo, 3)
    in_view = service.descriptors_in_view(a)
    ratings = {d.id: "met" for d in in_view}
    version = a.version
    note_link_file = service.EvidenceIn(descriptor_ids=[in_view[0].id], text="The monthly report",
                                        url="https://wiki.example/sla", filename="report.txt", stream=io.BytesIO(b"SLA report"))
    saved = service.update(team.sam, a, claimed_level=3, ratings=ratings, evidence=note_link_file, then_submit=True, version=version)
    assert saved.changed and saved.submitted and a.status == "submitted"
    assert {r.descriptor_id: r.rating for r in a.ratings} == ratings
    # A note, a link and a file given together are all kept.
    (e,) = a.evidence
    assert (e.kind, e.text, e.url, e.original_name) == ("file", "The monthly report", "https://wiki.example/sla", "report.txt")
    # The same page sent again (a double click): nothing changes, nothing is refused.
    again = service.update(team.sam, a, claimed_level=3, ratings=ratings, evidence=note_link_file, then_submit=True, version=version)
    assert again.already_submitted and len(a.evidence) == 1


def test_the_same_evidence_twice_is_kept_once_and_saving_nothing_new_is_harmless(team):
    a = service.start(team.sam, team.slmo, 3)
    d = service.claimed_descriptors(a)[0]
    first = service.add_evidence(team.sam, a, descriptor_ids=[d.id], text="Chaired the SLA review.")
    assert service.add_evidence(team.sam, a, descriptor_ids=[d.id], text="Chaired the SLA review.") is first
    assert len(a.evidence) == 1
    stale = a.version
    service.save_draft(team.sam, a, claimed_level=3, ratings={d.id: "met"}, version=stale)
    # Sent again with the version it was sent with: already saved, so no conflict and no change.
    assert service.save_draft(team.sam, a, claimed_level=3, ratings={d.id: "met"}, version=stale) is False
    service.remove_evidence(team.sam, a, first.id)
    service.remove_evidence(team.sam, a, first.id)  # a repeated removal is harmless
    assert a.evidence == []


def test_only_the_person_edits_and_only_while_draft_or_returned(team):
    a = service.start(team.sam, team.slmo, 3)
    for outsider in (team.manager, team.hr, team.pat, team.admin):
        with pytest.raises((NotAllowed, NotFound)):
            service.save_draft(outsider, a, claimed_level=3, ratings={})
        with pytest.raises((NotAllowed, NotFound)):
            service.submit(outsider, a)
    service.save_draft(team.sam, a, claimed_level=a.claimed_level, ratings={d.id: "met" for d in service.descriptors_in_view(a)})
    service.submit(team.sam, a)
    with pytest.raises(InvalidState, match="cannot edit"):
        service.save_draft(team.sam, a, claimed_level=3, ratings={})
    with pytest.raises(InvalidState):
        service.add_evidence(team.sam, a, descriptor_ids=[service.claimed_descriptors(a)[0].id], text="late")
    with pytest.raises(InvalidState, match="cannot submit"):
        service.submit(team.sam, a)


def test_evidence_needs_a_descriptor_of_this_assessment_and_some_content(team):
    a = service.start(team.sam, team.slmo, 3)
    d = service.claimed_descriptors(a)[0]
    with pytest.raises(InvalidInput, match="at least one descriptor"):
        service.add_evidence(team.sam, a, descriptor_ids=[], text="x")
    with pytest.raises(InvalidInput, match="not part of this assessment"):
        service.add_evidence(team.sam, a, descriptor_ids=[team.slmo.level(6).descriptors[0].id], text="x")
    with pytest.raises(InvalidInput, match="Give your evidence"):
        service.add_evidence(team.sam, a, descriptor_ids=[d.id], text="  ")
    for bad in ("javascript:alert(1)", "data:text/html,<b>x</b>", "ftp://example.com/x", "http://"):
        with pytest.raises(InvalidInput, match="http"):
            service.add_evidence(team.sam, a, descriptor_ids=[d.id], url=bad)
    e = service.add_evidence(team.sam, a, descriptor_ids=[d.id], url="https://wiki.example/sla-report", text="The report")
    assert (e.kind, e.url, e.text) == ("link", "https://wiki.example/sla-report", "The report")


def test_pre_submit_check_lists_claimed_descriptors_without_evidence(team):
    a = service.start(team.sam, team.slmo, 4)
    claimed = service.claimed_descriptors(a)
    assert service.missing_evidence(a) == claimed
    service.add_evidence(team.sam, a, descriptor_ids=[claimed[0].id], text="done")
    assert service.missing_evidence(a) == claimed[1:]
    # A warning by default: submitting still works.
    service.save_draft(team.sam, a, claimed_level=a.claimed_level, ratings={d.id: "met" for d in service.descriptors_in_view(a)})
    service.submit(team.sam, a)
    assert a.status == "submitted"


def test_a_framework_can_make_evidence_a_rule(team):
    service.update_framework_settings(team.hr, team.sfia, evidence_required=True, validity_months=12)
    a = service.start(team.sam, team.slmo, 3)
    service.save_draft(team.sam, a, claimed_level=3, ratings={d.id: "met" for d in service.descriptors_in_view(a)})
    with pytest.raises(InvalidInput, match="needs evidence for every descriptor"):
        service.submit(team.sam, a)
    service.add_evidence(team.sam, a, descriptor_ids=[d.id for d in service.claimed_descriptors(a)], text="all of it")
    service.save_draft(team.sam, a, claimed_level=a.claimed_level, ratings={d.id: "met" for d in service.descriptors_in_view(a)})
    service.submit(team.sam, a)
    assert a.status == "submitted"
    with pytest.raises(NotAllowed):
        service.update_framework_settings(team.sam, team.sfia, evidence_required=False, validity_months=12)
    with pytest.raises(InvalidInput):
        service.update_framework_settings(team.hr, team.sfia, evidence_required=False, validity_months=0)


# -- deciding ---------------------------------------------------------------------------

@pytest.mark.parametrize("who, allowed", [
    ("manager", True), ("hr", True), ("director", False), ("other", False), ("pat", False),
    ("learning", False), ("admin", False), ("sam", False),
])
def test_only_the_direct_line_manager_or_hr_decides(team, who, allowed):
    a = submitted(team)
    actor = getattr(team, who)
    if allowed:
        service.decide(actor, a, outcome="approve")
        assert a.status == "validated" and a.reviewer_id == actor.id
    else:
        with pytest.raises((NotAllowed, NotFound)):
            service.decide(actor, a, outcome="approve")
        assert a.status == "submitted"


def test_nobody_reviews_their_own_assessment_not_even_hr(team):
    a = submitted(team, person=team.hr)
    with pytest.raises(NotAllowed, match="own assessment"):
        service.decide(team.hr, a, outcome="approve")
    assert a not in service.review_queue(team.hr)


def test_approval_at_another_level_return_and_reject_need_a_reason(team):
    a = submitted(team, level=4)
    with pytest.raises(InvalidInput, match="reason for approving at level 3"):
        service.decide(team.manager, a, outcome="approve", validated_level=3)
    with pytest.raises(InvalidInput, match="comment is required"):
        service.decide(team.manager, a, outcome="return", comment=" ")
    with pytest.raises(InvalidInput, match="reason for rejecting"):
        service.decide(team.manager, a, outcome="reject")
    with pytest.raises(InvalidInput, match="not defined at level 1"):
        service.decide(team.manager, a, outcome="approve", validated_level=1, comment="why not")
    with pytest.raises(InvalidInput, match="outcome"):
        service.decide(team.manager, a, outcome="promote", comment="x")
    assert a.status == "submitted"


def test_approval_sets_the_level_the_reviewer_and_the_validity(team):
    a = submitted(team, level=4)
    first = service.descriptors_in_view(a)[0]
    service.decide(team.manager, a, outcome="approve", validated_level=3, comment="Level 4 negotiation not shown.",
                   verdicts={first.id: ("not_accepted", "No negotiation example.")})
    db.session.commit()
    assert (a.status, a.validated_level, a.decision_comment) == ("validated", 3, "Level 4 negotiation not shown.")
    decided = service.aware(a.decided_at)
    assert service.aware(a.valid_until) == service.add_months(decided, 24)
    row = a.rating_for(first.id)
    assert (row.rating, row.verdict, row.verdict_comment) == ("met", "not_accepted", "No negotiation example.")
    with pytest.raises(InvalidState, match="cannot decide"):
        service.decide(team.hr, a, outcome="reject", comment="changed my mind")


def test_validity_follows_the_framework_setting(team):
    service.update_framework_settings(team.hr, team.sfia, evidence_required=False, validity_months=6)
    a = submitted(team, level=3)
    service.decide(team.manager, a, outcome="approve")
    assert service.aware(a.valid_until) == service.add_months(service.aware(a.decided_at), 6)


def test_a_new_validity_says_what_it_does_to_levels_already_validated(team):
    a = submitted(team, level=3)
    service.decide(team.manager, a, outcome="approve")
    decided, before = service.aware(a.decided_at), service.aware(a.valid_until)
    kept = service.update_framework_settings(team.hr, team.sfia, evidence_required=False, validity_months=6)
    assert (kept.validated, kept.recomputed, service.aware(a.valid_until)) == (1, 0, before)
    assert "for levels validated from now on; 1 level validated before keeps its expiry date" in kept.sentence()
    moved = service.update_framework_settings(team.hr, team.sfia, evidence_required=False, validity_months=12, recompute=True)
    assert moved.recomputed == 1 and service.aware(a.valid_until) == service.add_months(decided, 12)
    assert "the expiry of 1 level validated before now is 12 months after its decision" in moved.sentence()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "assessment.validity_recomputed"))
    assert event.entity_id == a.id and event.data["to"].startswith(service.add_months(decided, 12).date().isoformat())


def test_add_months_keeps_to_the_end_of_short_months():
    from datetime import datetime, timezone

    assert service.add_months(datetime(2026, 1, 31, tzinfo=timezone.utc), 1).date().isoformat() == "2026-02-28"
    assert service.add_months(datetime(2024, 2, 29, tzinfo=timezone.utc), 24).date().isoformat() == "2026-02-28"
    assert service.add_months(datetime(2026, 11, 15, tzinfo=timezone.utc), 24).date().isoformat() == "2028-11-15"


def test_returned_goes_back_to_the_person_and_can_be_submitted_again(team):
    a = submitted(team, level=4)
    service.decide(team.manager, a, outcome="return", comment="Add the SLA report.")
    assert a.status == "returned" and a.validated_level is None
    service.add_evidence(team.sam, a, descriptor_ids=[service.claimed_descriptors(a)[0].id], url="https://example.com/r")
    service.save_draft(team.sam, a, claimed_level=3, ratings={})
    service.save_draft(team.sam, a, claimed_level=a.claimed_level, ratings={d.id: "met" for d in service.descriptors_in_view(a)})
    service.submit(team.sam, a)
    assert a.status == "submitted"
    service.decide(team.manager, a, outcome="approve")
    assert (a.status, a.validated_level) == ("validated", 3)


@pytest.mark.parametrize("state", ["draft", "validated", "rejected", "returned"])
def test_decisions_only_on_submitted(team, state):
    a = service.start(team.sam, team.slmo, 3)
    if state != "draft":
        service.save_draft(team.sam, a, claimed_level=a.claimed_level, ratings={d.id: "met" for d in service.descriptors_in_view(a)})
        service.submit(team.sam, a)
        outcome = {"validated": "approve", "rejected": "reject", "returned": "return"}[state]
        service.decide(team.manager, a, outcome=outcome, comment="because")
    assert a.status == state
    for outcome in ("approve", "return", "reject"):
        with pytest.raises(InvalidState):
            service.decide(team.hr, a, outcome=outcome, comment="again")


def test_a_decided_assessment_cannot_be_edited_or_resubmitted(team):
    for outcome in ("approve", "reject"):
        a = submitted(team, level=3)
        service.decide(team.manager, a, outcome=outcome, comment="done")
        with pytest.raises(InvalidState):
            service.submit(team.sam, a)
        with pytest.raises(InvalidState):
            service.save_draft(team.sam, a, claimed_level=3, ratings={})


# -- optimistic locking ---------------------------------------------------------------

def test_a_stale_version_is_refused_and_nothing_is_lost(team):
    a = submitted(team)
    seen = a.version
    service.decide(team.manager, a, outcome="approve", version=seen)
    db.session.commit()
    with pytest.raises(Conflict, match="changed while you were looking"):
        service.decide(team.hr, a, outcome="reject", comment="No.", version=seen)
    db.session.rollback()
    a = db.session.get(Assessment, a.id)
    assert (a.status, a.reviewer_id) == ("validated", team.manager.id)


def test_two_reviewers_at_once_the_second_is_told(team, app):
    """Both loaded version N; the first commits; the second's write finds the row changed."""
    a = submitted(team)
    assessment_id, seen = a.id, a.version
    service.get(team.hr, assessment_id)  # HR's request has it loaded, at version N
    with Session(db.engine) as other:  # the manager's request, meanwhile
        theirs = other.get(Assessment, assessment_id)
        manager = other.merge(team.manager, load=True)
        service_decide_in(other, manager, theirs)
    with pytest.raises(Conflict):
        service.decide(team.hr, a, outcome="reject", comment="No.", version=seen)
    db.session.rollback()
    fresh = db.session.get(Assessment, assessment_id)
    assert fresh.status == "validated" and fresh.version == seen + 1


def service_decide_in(session, manager, assessment):
    assessment.status = "validated"
    assessment.validated_level = assessment.claimed_level
    assessment.reviewer_id = manager.id
    assessment.decided_at = utcnow()
    session.commit()


def test_saving_a_draft_from_a_stale_page_is_refused(team):
    a = service.start(team.sam, team.slmo, 3)
    seen = a.version
    service.add_evidence(team.sam, a, descriptor_ids=[service.claimed_descriptors(a)[0].id], text="x")
    with pytest.raises(Conflict):
        service.save_draft(team.sam, a, claimed_level=3, ratings={service.claimed_descriptors(a)[0].id: "met"}, version=seen)


# -- audit and notifications -------------------------------------------------------

def test_every_transition_is_an_audit_event(team):
    a = service.start(team.sam, team.slmo, 4)
    service.save_draft(team.sam, a, claimed_level=a.claimed_level, ratings={d.id: "met" for d in service.descriptors_in_view(a)})
    service.submit(team.sam, a)
    service.decide(team.manager, a, outcome="return", comment="More please.")
    service.save_draft(team.sam, a, claimed_level=a.claimed_level, ratings={d.id: "met" for d in service.descriptors_in_view(a)})
    service.submit(team.sam, a)
    service.decide(team.manager, a, outcome="approve", validated_level=3, comment="Level 3 it is.")
    db.session.commit()
    events = service.history(team.sam, a)
    transitions = [(e.action, e.data.get("from"), e.data.get("to"), e.data.get("comment"), e.actor_id) for e in events
                   if e.action != "assessment.saved"]
    assert transitions == [
        ("assessment.started", None, "draft", None, team.sam.id),
        ("assessment.submitted", "draft", "submitted", None, team.sam.id),
        ("assessment.returned", "submitted", "returned", "More please.", team.manager.id),
        ("assessment.submitted", "returned", "submitted", None, team.sam.id),
        ("assessment.validated", "submitted", "validated", "Level 3 it is.", team.manager.id),
    ]
    assert events[-1].data["validated_level"] == 3
    rejected = submitted(team, person=team.pat, level=3)
    service.decide(team.manager, rejected, outcome="reject", comment="Not yet")
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "assessment.rejected")).data["comment"] == "Not yet"


def test_submission_tells_the_manager_and_decision_tells_the_person(team, caplog):
    caplog.set_level("INFO", logger="skills_app.mail")
    a = submitted(team)
    notes = db.session.scalars(select(Notification).where(Notification.person_id == team.manager.id)).all()
    assert len(notes) == 1 and "Sam Subject submitted" in notes[0].message and notes[0].link == f"/reviews/{a.id}"
    assert "Email to manny.manager" in caplog.text  # the console backend, after the commit
    service.decide(team.manager, a, outcome="approve", validated_level=3, comment="Negotiation not shown.")
    db.session.commit()
    mine = db.session.scalars(select(Notification).where(Notification.person_id == team.sam.id)).all()
    assert len(mine) == 1 and "validated" in mine[0].message and "Negotiation not shown." in mine[0].message


def test_no_email_for_a_change_that_was_rolled_back(team, caplog):
    caplog.set_level("INFO", logger="skills_app.mail")
    a = service.start(team.sam, team.slmo, 3)
    service.save_draft(team.sam, a, claimed_level=a.claimed_level, ratings={d.id: "met" for d in service.descriptors_in_view(a)})
    service.submit(team.sam, a)
    db.session.rollback()
    assert "Email to" not in caplog.text


def test_email_goes_by_smtp_when_a_server_is_set(team, app, monkeypatch):
    sent = []

    class FakeSMTP:
        def __init__(self, host, port, timeout=None):
            sent.append((host, port))

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def send_message(self, message):
            sent.append(message["To"])

    monkeypatch.setattr("smtplib.SMTP", FakeSMTP)
    monkeypatch.setitem(app.config, "MAIL_SERVER", "mail.example.test")
    submitted(team)
    assert sent == [("mail.example.test", 25), team.manager.email]


def test_review_queue_and_counts(team):
    a = submitted(team)
    b = submitted(team, person=team.otto, level=3)
    assert service.review_queue(team.manager) == [a]
    assert service.queue_count(team.manager) == 1
    assert service.review_queue(team.other) == [b]
    assert set(service.review_queue(team.hr)) == {a, b} and service.queue_count(team.hr) == 2
    assert service.queue_count(team.director) == 0
    assert service.queue_count(team.sam) == 0
    with pytest.raises(NotAllowed):
        service.review_queue(team.sam)


# -- current level ------------------------------------------------------------------

def test_current_level_is_the_latest_validated_unexpired_decision(team):
    assert service.current_levels([team.sam.id]) == {}
    a = submitted(team, level=4)
    assert service.current_levels([team.sam.id]) == {}  # submitted is not validated
    service.decide(team.manager, a, outcome="approve", validated_level=3, comment="3 for now")
    db.session.commit()
    current = service.current_levels([team.sam.id, team.pat.id])
    assert list(current) == [(team.sam.id, team.slmo.id)] and current[(team.sam.id, team.slmo.id)].level == 3

    b = submitted(team, level=4)
    service.decide(team.manager, b, outcome="approve")
    db.session.commit()
    assert service.current_levels([team.sam.id])[(team.sam.id, team.slmo.id)].level == 4


def test_a_later_rejection_does_not_lower_a_validated_level(team):
    a = submitted(team, level=3)
    service.decide(team.manager, a, outcome="approve")
    b = submitted(team, level=5)
    service.decide(team.manager, b, outcome="reject", comment="Not level 5.")
    c = submitted(team, level=4)
    service.decide(team.manager, c, outcome="return", comment="More.")
    db.session.commit()
    assert service.current_levels([team.sam.id])[(team.sam.id, team.slmo.id)].level == 3
    row = next(r for r in service.skill_rows(team.sam, team.sam) if r.skill.id == team.slmo.id)
    assert (row.current.level, row.self_level, row.status) == (3, 4, "Returned for more evidence")


def test_an_expired_level_is_no_current_level(team):
    a = submitted(team, level=3)
    service.decide(team.manager, a, outcome="approve")
    a.valid_until = utcnow() - timedelta(days=1)
    db.session.commit()
    assert service.current_levels([team.sam.id]) == {}
    row = service.skill_rows(team.sam, team.sam)[0]
    assert row.current is None and row.status == "Expired"


def test_current_levels_is_set_wise_for_many_people(team):
    for person, level in ((team.sam, 3), (team.pat, 4)):
        a = submitted(team, person=person, level=level)
        service.decide(team.manager, a, outcome="approve")
    db.session.commit()
    levels = service.current_levels([team.sam.id, team.pat.id, team.otto.id])
    assert {k: v.level for k, v in levels.items()} == {(team.sam.id, team.slmo.id): 3, (team.pat.id, team.slmo.id): 4}


@pytest.mark.parametrize("who, sees", [
    ("sam", True), ("manager", True), ("director", True), ("hr", True), ("learning", True),
    ("pat", False), ("other", False), ("admin", False),
])
def test_who_sees_an_assessment(team, who, sees):
    a = submitted(team)
    if sees:
        assert service.get(getattr(team, who), a.id) is a
        assert service.history(getattr(team, who), a)
    else:
        with pytest.raises(NotFound):
            service.get(getattr(team, who), a.id)


# -- review drafts and repeated decisions ---------------------------------------------

def test_a_review_draft_keeps_verdicts_and_comments_for_reviewers_only_until_the_decision(team):
    a = submitted(team, level=3)
    first, second = service.descriptors_in_view(a)[:2]
    verdicts = {first.id: ("accepted", "Clear report"), second.id: ("not_accepted", None)}
    with pytest.raises(NotAllowed):
        service.save_review(team.sam, a, verdicts=verdicts)
    service.save_review(team.manager, a, verdicts=verdicts, comment="Nearly there", version=a.version)
    version = a.version
    assert service.review_draft(team.manager, a)["verdicts"] == {str(first.id): ["accepted", "Clear report"],
                                                                  str(second.id): ["not_accepted", None]}
    assert service.review_draft(team.hr, a)["comment"] == "Nearly there"
    assert service.review_draft(team.sam, a) is None
    # The person's descriptors carry no verdict until the decision.
    assert all(r.verdict is None for r in a.ratings)
    # Saving the same draft again changes nothing.
    service.save_review(team.manager, a, verdicts=verdicts, comment="Nearly there", version=version - 1)
    assert a.version == version
    service.decide(team.manager, a, outcome="return", comment="Add the SLA report.", verdicts=verdicts)
    assert a.review_draft is None and a.rating_for(first.id).verdict == "accepted"


def test_the_same_decision_sent_twice_is_recorded_once(team):
    a = submitted(team, level=3)
    seen = a.version
    service.decide(team.manager, a, outcome="return", comment="More please.", version=seen)
    db.session.commit()
    service.decide(team.manager, a, outcome="return", comment="More please.", version=seen)
    events = [e.action for e in service.history(team.manager, a)]
    assert events.count("assessment.returned") == 1
    with pytest.raises(Conflict):
        service.decide(team.manager, a, outcome="reject", comment="No.", version=seen)


def test_starting_twice_at_once_opens_the_one_started(team, monkeypatch):
    first = service.start(team.sam, team.slmo, 3)
    db.session.commit()
    # The second request checked before the first one was written: the database refuses it.
    real, calls = service.open_assessment, []

    def not_yet_there(person, skill):
        calls.append(skill)
        return None if len(calls) == 1 else real(person, skill)

    monkeypatch.setattr(service, "open_assessment", not_yet_there)
    with pytest.raises(Conflict) as refused:
        service.start(team.sam, team.slmo, 3)
    assert refused.value.details["assessment_id"] == first.id
    monkeypatch.undo()
    db.session.rollback()
    assert len(db.session.scalars(select(Assessment).where(Assessment.person_id == team.sam.id)).all()) == 1
