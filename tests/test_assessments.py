"""The assessments service: the state machine, who may do what, optimistic
locking, audit events, notifications and current-level semantics."""
from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from skills_app import policy
from skills_app.errors import Conflict, InvalidInput, InvalidState, NotAllowed, NotFound
from skills_app.extensions import db
from skills_app.models import Assessment, AuditEvent, Notification
from skills_app.models.framework import utcnow
from skills_app.services import assessments as service


@pytest.fixture
def org(make_person, load_seed_frameworks):
    """Director > Manager > (Sam, Pat); Director > Other manager > Otto; HR, learning, admin."""
    frameworks = load_seed_frameworks()
    director = make_person("Dana Director", roles=("employee", "manager"))
    manager = make_person("Manny Manager", roles=("employee", "manager"), manager=director)
    sam = make_person("Sam Subject", manager=manager)
    pat = make_person("Pat Peer", manager=manager)
    other = make_person("Olga Other", roles=("employee", "manager"), manager=director)
    otto = make_person("Otto Outside", manager=other)
    hr = make_person("Hana HR", roles=("employee", "hr"))
    learning = make_person("Lars Learning", roles=("employee", "learning"))
    admin = make_person("Ada Admin", roles=("employee", "admin"))
    sfia = frameworks["SFIA"]
    slmo = next(s for s in sfia.skills if s.code == "SLMO")
    slm = next(s for s in frameworks["SLM"].skills if s.code == "SLM")
    return SimpleNamespace(director=director, manager=manager, sam=sam, pat=pat, other=other, otto=otto, hr=hr,
                           learning=learning, admin=admin, sfia=sfia, slmo=slmo, slm=slm)


def submitted(org, level=4, person=None, evidence=True):
    """An assessment of SLMO by ``person`` (Sam), rated and evidenced, submitted."""
    person = person or org.sam
    a = service.start(person, org.slmo, level)
    service.save_draft(person, a, claimed_level=level, ratings={d.id: "met" for d in service.descriptors_in_view(a)})
    if evidence:
        service.add_evidence(person, a, descriptor_ids=[d.id for d in service.claimed_descriptors(a)], text="Ran the SLA reviews.")
    service.submit(person, a)
    db.session.commit()
    return a


# -- starting and editing --------------------------------------------------------

def test_a_draft_claims_only_a_level_the_skill_defines(org):
    with pytest.raises(InvalidInput, match="not defined at level 1"):
        service.start(org.sam, org.slmo, 1)
    a = service.start(org.sam, org.slmo, 4)
    assert (a.status, a.claimed_level, a.person_id, a.framework_id) == ("draft", 4, org.sam.id, org.sfia.id)
    assert [sl.level for sl in service.levels_in_view(a)] == [4, 3, 2]
    with pytest.raises(InvalidInput):
        service.save_draft(org.sam, a, claimed_level=8, ratings={})


def test_only_one_open_assessment_per_person_and_skill(org):
    a = submitted(org)
    with pytest.raises(Conflict, match="already have an open assessment"):
        service.start(org.sam, org.slmo, 3)
    service.decide(org.manager, a, outcome="reject", comment="Not yet.")
    assert service.start(org.sam, org.slmo, 3).status == "draft"
    # Another skill, or another person, is another matter.
    assert service.start(org.sam, org.slm, 2).status == "draft"
    assert service.start(org.pat, org.slmo, 3).status == "draft"


def test_nobody_starts_an_assessment_for_someone_else(org):
    with pytest.raises(NotAllowed):
        policy.require(org.manager, "start_assessment", org.sam)
    assert policy.can(org.sam, "start_assessment", org.sam)


def test_ratings_are_kept_only_for_descriptors_in_view(org):
    a = service.start(org.sam, org.slmo, 3)
    in_view = service.descriptors_in_view(a)
    level5 = org.slmo.level(5).descriptors[0]
    service.save_draft(org.sam, a, claimed_level=3, ratings={in_view[0].id: "partly", level5.id: "met"})
    assert {r.descriptor_id: r.rating for r in a.ratings} == {in_view[0].id: "partly"}
    with pytest.raises(InvalidInput, match="not a rating"):
        service.save_draft(org.sam, a, claimed_level=3, ratings={in_view[0].id: "excellent"})


def test_only_the_person_edits_and_only_while_draft_or_returned(org):
    a = service.start(org.sam, org.slmo, 3)
    for outsider in (org.manager, org.hr, org.pat, org.admin):
        with pytest.raises((NotAllowed, NotFound)):
            service.save_draft(outsider, a, claimed_level=3, ratings={})
        with pytest.raises((NotAllowed, NotFound)):
            service.submit(outsider, a)
    service.submit(org.sam, a)
    with pytest.raises(InvalidState, match="cannot edit"):
        service.save_draft(org.sam, a, claimed_level=3, ratings={})
    with pytest.raises(InvalidState):
        service.add_evidence(org.sam, a, descriptor_ids=[service.claimed_descriptors(a)[0].id], text="late")
    with pytest.raises(InvalidState, match="cannot submit"):
        service.submit(org.sam, a)


def test_evidence_needs_a_descriptor_of_this_assessment_and_some_content(org):
    a = service.start(org.sam, org.slmo, 3)
    d = service.claimed_descriptors(a)[0]
    with pytest.raises(InvalidInput, match="at least one descriptor"):
        service.add_evidence(org.sam, a, descriptor_ids=[], text="x")
    with pytest.raises(InvalidInput, match="not part of this assessment"):
        service.add_evidence(org.sam, a, descriptor_ids=[org.slmo.level(6).descriptors[0].id], text="x")
    with pytest.raises(InvalidInput, match="Give your evidence"):
        service.add_evidence(org.sam, a, descriptor_ids=[d.id], text="  ")
    for bad in ("javascript:alert(1)", "data:text/html,<b>x</b>", "ftp://example.com/x", "http://"):
        with pytest.raises(InvalidInput, match="http"):
            service.add_evidence(org.sam, a, descriptor_ids=[d.id], url=bad)
    e = service.add_evidence(org.sam, a, descriptor_ids=[d.id], url="https://wiki.example/sla-report", text="The report")
    assert (e.kind, e.url, e.text) == ("link", "https://wiki.example/sla-report", "The report")


def test_pre_submit_check_lists_claimed_descriptors_without_evidence(org):
    a = service.start(org.sam, org.slmo, 4)
    claimed = service.claimed_descriptors(a)
    assert service.missing_evidence(a) == claimed
    service.add_evidence(org.sam, a, descriptor_ids=[claimed[0].id], text="done")
    assert service.missing_evidence(a) == claimed[1:]
    # A warning by default: submitting still works.
    service.submit(org.sam, a)
    assert a.status == "submitted"


def test_a_framework_can_make_evidence_a_rule(org):
    service.update_framework_settings(org.hr, org.sfia, evidence_required=True, validity_months=12)
    a = service.start(org.sam, org.slmo, 3)
    with pytest.raises(InvalidInput, match="needs evidence for every descriptor"):
        service.submit(org.sam, a)
    service.add_evidence(org.sam, a, descriptor_ids=[d.id for d in service.claimed_descriptors(a)], text="all of it")
    service.submit(org.sam, a)
    assert a.status == "submitted"
    with pytest.raises(NotAllowed):
        service.update_framework_settings(org.sam, org.sfia, evidence_required=False, validity_months=12)
    with pytest.raises(InvalidInput):
        service.update_framework_settings(org.hr, org.sfia, evidence_required=False, validity_months=0)


# -- deciding ---------------------------------------------------------------------------

@pytest.mark.parametrize("who, allowed", [
    ("manager", True), ("hr", True), ("director", False), ("other", False), ("pat", False),
    ("learning", False), ("admin", False), ("sam", False),
])
def test_only_the_direct_line_manager_or_hr_decides(org, who, allowed):
    a = submitted(org)
    actor = getattr(org, who)
    if allowed:
        service.decide(actor, a, outcome="approve")
        assert a.status == "validated" and a.reviewer_id == actor.id
    else:
        with pytest.raises((NotAllowed, NotFound)):
            service.decide(actor, a, outcome="approve")
        assert a.status == "submitted"


def test_nobody_reviews_their_own_assessment_not_even_hr(org):
    a = submitted(org, person=org.hr)
    with pytest.raises(NotAllowed, match="own assessment"):
        service.decide(org.hr, a, outcome="approve")
    assert a not in service.review_queue(org.hr)


def test_approval_at_another_level_return_and_reject_need_a_reason(org):
    a = submitted(org, level=4)
    with pytest.raises(InvalidInput, match="reason for approving at level 3"):
        service.decide(org.manager, a, outcome="approve", validated_level=3)
    with pytest.raises(InvalidInput, match="comment is required"):
        service.decide(org.manager, a, outcome="return", comment=" ")
    with pytest.raises(InvalidInput, match="reason for rejecting"):
        service.decide(org.manager, a, outcome="reject")
    with pytest.raises(InvalidInput, match="not defined at level 1"):
        service.decide(org.manager, a, outcome="approve", validated_level=1, comment="why not")
    with pytest.raises(InvalidInput, match="outcome"):
        service.decide(org.manager, a, outcome="promote", comment="x")
    assert a.status == "submitted"


def test_approval_sets_the_level_the_reviewer_and_the_validity(org):
    a = submitted(org, level=4)
    first = service.descriptors_in_view(a)[0]
    service.decide(org.manager, a, outcome="approve", validated_level=3, comment="Level 4 negotiation not shown.",
                   verdicts={first.id: ("not_accepted", "No negotiation example.")})
    db.session.commit()
    assert (a.status, a.validated_level, a.decision_comment) == ("validated", 3, "Level 4 negotiation not shown.")
    decided = service.aware(a.decided_at)
    assert service.aware(a.valid_until) == service.add_months(decided, 24)
    row = a.rating_for(first.id)
    assert (row.rating, row.verdict, row.verdict_comment) == ("met", "not_accepted", "No negotiation example.")
    with pytest.raises(InvalidState, match="cannot decide"):
        service.decide(org.hr, a, outcome="reject", comment="changed my mind")


def test_validity_follows_the_framework_setting(org):
    service.update_framework_settings(org.hr, org.sfia, evidence_required=False, validity_months=6)
    a = submitted(org, level=3)
    service.decide(org.manager, a, outcome="approve")
    assert service.aware(a.valid_until) == service.add_months(service.aware(a.decided_at), 6)


def test_add_months_keeps_to_the_end_of_short_months():
    from datetime import datetime, timezone

    assert service.add_months(datetime(2026, 1, 31, tzinfo=timezone.utc), 1).date().isoformat() == "2026-02-28"
    assert service.add_months(datetime(2024, 2, 29, tzinfo=timezone.utc), 24).date().isoformat() == "2026-02-28"
    assert service.add_months(datetime(2026, 11, 15, tzinfo=timezone.utc), 24).date().isoformat() == "2028-11-15"


def test_returned_goes_back_to_the_person_and_can_be_submitted_again(org):
    a = submitted(org, level=4)
    service.decide(org.manager, a, outcome="return", comment="Add the SLA report.")
    assert a.status == "returned" and a.validated_level is None
    service.add_evidence(org.sam, a, descriptor_ids=[service.claimed_descriptors(a)[0].id], url="https://example.com/r")
    service.save_draft(org.sam, a, claimed_level=3, ratings={})
    service.submit(org.sam, a)
    assert a.status == "submitted"
    service.decide(org.manager, a, outcome="approve")
    assert (a.status, a.validated_level) == ("validated", 3)


@pytest.mark.parametrize("state", ["draft", "validated", "rejected", "returned"])
def test_decisions_only_on_submitted(org, state):
    a = service.start(org.sam, org.slmo, 3)
    if state != "draft":
        service.submit(org.sam, a)
        outcome = {"validated": "approve", "rejected": "reject", "returned": "return"}[state]
        service.decide(org.manager, a, outcome=outcome, comment="because")
    assert a.status == state
    for outcome in ("approve", "return", "reject"):
        with pytest.raises(InvalidState):
            service.decide(org.hr, a, outcome=outcome, comment="again")


def test_a_decided_assessment_cannot_be_edited_or_resubmitted(org):
    for outcome in ("approve", "reject"):
        a = submitted(org, level=3)
        service.decide(org.manager, a, outcome=outcome, comment="done")
        with pytest.raises(InvalidState):
            service.submit(org.sam, a)
        with pytest.raises(InvalidState):
            service.save_draft(org.sam, a, claimed_level=3, ratings={})


# -- optimistic locking ---------------------------------------------------------------

def test_a_stale_version_is_refused_and_nothing_is_lost(org):
    a = submitted(org)
    seen = a.version
    service.decide(org.manager, a, outcome="approve", version=seen)
    db.session.commit()
    with pytest.raises(Conflict, match="changed while you were looking"):
        service.decide(org.hr, a, outcome="reject", comment="No.", version=seen)
    db.session.rollback()
    a = db.session.get(Assessment, a.id)
    assert (a.status, a.reviewer_id) == ("validated", org.manager.id)


def test_two_reviewers_at_once_the_second_is_told(org, app):
    """Both loaded version N; the first commits; the second's write finds the row changed."""
    a = submitted(org)
    assessment_id, seen = a.id, a.version
    service.get(org.hr, assessment_id)  # HR's request has it loaded, at version N
    with Session(db.engine) as other:  # the manager's request, meanwhile
        theirs = other.get(Assessment, assessment_id)
        manager = other.merge(org.manager, load=True)
        service_decide_in(other, manager, theirs)
    with pytest.raises(Conflict):
        service.decide(org.hr, a, outcome="reject", comment="No.", version=seen)
    db.session.rollback()
    fresh = db.session.get(Assessment, assessment_id)
    assert fresh.status == "validated" and fresh.version == seen + 1


def service_decide_in(session, manager, assessment):
    assessment.status = "validated"
    assessment.validated_level = assessment.claimed_level
    assessment.reviewer_id = manager.id
    assessment.decided_at = utcnow()
    session.commit()


def test_saving_a_draft_from_a_stale_page_is_refused(org):
    a = service.start(org.sam, org.slmo, 3)
    seen = a.version
    service.add_evidence(org.sam, a, descriptor_ids=[service.claimed_descriptors(a)[0].id], text="x")
    with pytest.raises(Conflict):
        service.save_draft(org.sam, a, claimed_level=3, ratings={}, version=seen)


# -- audit and notifications -------------------------------------------------------

def test_every_transition_is_an_audit_event(org):
    a = service.start(org.sam, org.slmo, 4)
    service.submit(org.sam, a)
    service.decide(org.manager, a, outcome="return", comment="More please.")
    service.submit(org.sam, a)
    service.decide(org.manager, a, outcome="approve", validated_level=3, comment="Level 3 it is.")
    db.session.commit()
    events = service.history(org.sam, a)
    transitions = [(e.action, e.data.get("from"), e.data.get("to"), e.data.get("comment"), e.actor_id) for e in events
                   if e.action != "assessment.saved"]
    assert transitions == [
        ("assessment.started", None, "draft", None, org.sam.id),
        ("assessment.submitted", "draft", "submitted", None, org.sam.id),
        ("assessment.returned", "submitted", "returned", "More please.", org.manager.id),
        ("assessment.submitted", "returned", "submitted", None, org.sam.id),
        ("assessment.validated", "submitted", "validated", "Level 3 it is.", org.manager.id),
    ]
    assert events[-1].data["validated_level"] == 3
    rejected = submitted(org, person=org.pat, level=3)
    service.decide(org.manager, rejected, outcome="reject", comment="Not yet")
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "assessment.rejected")).data["comment"] == "Not yet"


def test_submission_tells_the_manager_and_decision_tells_the_person(org, caplog):
    caplog.set_level("INFO", logger="skills_app.mail")
    a = submitted(org)
    notes = db.session.scalars(select(Notification).where(Notification.person_id == org.manager.id)).all()
    assert len(notes) == 1 and "Sam Subject submitted" in notes[0].message and notes[0].link == f"/reviews/{a.id}"
    assert "Email to manny.manager" in caplog.text  # the console backend, after the commit
    service.decide(org.manager, a, outcome="approve", validated_level=3, comment="Negotiation not shown.")
    db.session.commit()
    mine = db.session.scalars(select(Notification).where(Notification.person_id == org.sam.id)).all()
    assert len(mine) == 1 and "validated" in mine[0].message and "Negotiation not shown." in mine[0].message


def test_no_email_for_a_change_that_was_rolled_back(org, caplog):
    caplog.set_level("INFO", logger="skills_app.mail")
    a = service.start(org.sam, org.slmo, 3)
    service.submit(org.sam, a)
    db.session.rollback()
    assert "Email to" not in caplog.text


def test_email_goes_by_smtp_when_a_server_is_set(org, app, monkeypatch):
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
    submitted(org)
    assert sent == [("mail.example.test", 25), org.manager.email]


def test_review_queue_and_counts(org):
    a = submitted(org)
    b = submitted(org, person=org.otto, level=3)
    assert service.review_queue(org.manager) == [a]
    assert service.queue_count(org.manager) == 1
    assert service.review_queue(org.other) == [b]
    assert set(service.review_queue(org.hr)) == {a, b} and service.queue_count(org.hr) == 2
    assert service.queue_count(org.director) == 0
    assert service.queue_count(org.sam) == 0
    with pytest.raises(NotAllowed):
        service.review_queue(org.sam)


# -- current level ------------------------------------------------------------------

def test_current_level_is_the_latest_validated_unexpired_decision(org):
    assert service.current_levels([org.sam.id]) == {}
    a = submitted(org, level=4)
    assert service.current_levels([org.sam.id]) == {}  # submitted is not validated
    service.decide(org.manager, a, outcome="approve", validated_level=3, comment="3 for now")
    db.session.commit()
    current = service.current_levels([org.sam.id, org.pat.id])
    assert list(current) == [(org.sam.id, org.slmo.id)] and current[(org.sam.id, org.slmo.id)].level == 3

    b = submitted(org, level=4)
    service.decide(org.manager, b, outcome="approve")
    db.session.commit()
    assert service.current_levels([org.sam.id])[(org.sam.id, org.slmo.id)].level == 4


def test_a_later_rejection_does_not_lower_a_validated_level(org):
    a = submitted(org, level=3)
    service.decide(org.manager, a, outcome="approve")
    b = submitted(org, level=5)
    service.decide(org.manager, b, outcome="reject", comment="Not level 5.")
    c = submitted(org, level=4)
    service.decide(org.manager, c, outcome="return", comment="More.")
    db.session.commit()
    assert service.current_levels([org.sam.id])[(org.sam.id, org.slmo.id)].level == 3
    row = next(r for r in service.skill_rows(org.sam, org.sam) if r.skill.id == org.slmo.id)
    assert (row.current.level, row.self_level, row.status) == (3, 4, "Returned for more evidence")


def test_an_expired_level_is_no_current_level(org):
    a = submitted(org, level=3)
    service.decide(org.manager, a, outcome="approve")
    a.valid_until = utcnow() - timedelta(days=1)
    db.session.commit()
    assert service.current_levels([org.sam.id]) == {}
    row = service.skill_rows(org.sam, org.sam)[0]
    assert row.current is None and row.status == "Expired"


def test_current_levels_is_set_wise_for_many_people(org):
    for person, level in ((org.sam, 3), (org.pat, 4)):
        a = submitted(org, person=person, level=level)
        service.decide(org.manager, a, outcome="approve")
    db.session.commit()
    levels = service.current_levels([org.sam.id, org.pat.id, org.otto.id])
    assert {k: v.level for k, v in levels.items()} == {(org.sam.id, org.slmo.id): 3, (org.pat.id, org.slmo.id): 4}


@pytest.mark.parametrize("who, sees", [
    ("sam", True), ("manager", True), ("director", True), ("hr", True), ("learning", True),
    ("pat", False), ("other", False), ("admin", False),
])
def test_who_sees_an_assessment(org, who, sees):
    a = submitted(org)
    if sees:
        assert service.get(getattr(org, who), a.id) is a
        assert service.history(getattr(org, who), a)
    else:
        with pytest.raises(NotFound):
            service.get(getattr(org, who), a.id)
