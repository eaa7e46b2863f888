"""Endorsements (issue 21): a person asks up to five colleagues to endorse a submitted
assessment; each sees only what was shared, and only until they answer; the reviewer
reads the answers beside the evidence; nothing changes a level."""
from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from skills_app import policy
from skills_app.errors import Conflict, InvalidInput, InvalidState, NotAllowed, NotFound
from skills_app.extensions import db
from skills_app.models import AuditEvent, Endorsement, Notification
from skills_app.services import assessments, endorsements
from tests.conftest import make_person


@pytest.fixture
def submitted(team):
    """Sam's SLMO level 3, submitted, with a note on one descriptor and a file on another."""
    a = assessments.start(team.sam, team.slmo, 3)
    d1, d2 = assessments.claimed_descriptors(a)[:2]
    note = assessments.add_evidence(team.sam, a, descriptor_ids=[d1.id], text="Wrote the SLA for the desk.")
    private = assessments.add_evidence(team.sam, a, descriptor_ids=[d2.id], filename="private.txt",
                                       stream=io.BytesIO(b"My private appraisal."))
    assessments.save_draft(team.sam, a, claimed_level=3, ratings={d.id: "met" for d in assessments.claimed_descriptors(a)})
    assessments.submit(team.sam, a)
    db.session.commit()
    return a, d1, d2, note, private


def test_a_colleague_endorses_what_was_shared_and_the_level_does_not_change(team, submitted):
    a, d1, d2, note, private = submitted
    e = endorsements.request(team.sam, a, endorser_email=team.otto.email.upper(), item_ids=[d1.id], evidence_ids=[note.id])
    db.session.commit()
    assert (e.endorser, e.status) == (team.otto, "requested")
    assert [i.id for i in endorsements.shared_items(e)] == [d1.id] and endorsements.shared_evidence(e) == [note]
    told = db.session.scalars(select(Notification).where(Notification.person_id == team.otto.id)).all()
    assert told[-1].link == f"/endorsements/{e.id}" and "Sam Subject asks you to endorse" in told[-1].message
    # Otto (another team) sees the endorsement, never the assessment, nor what was not shared.
    assert policy.can(team.otto, "view_endorsement", e) and not policy.can(team.otto, "view_assessment", a)
    with pytest.raises(NotFound):
        endorsements.evidence_file(team.otto, e, private.id)
    with pytest.raises(InvalidInput) as unanswered:
        endorsements.answer(team.otto, e, answers={}, comment=None)
    assert list(unanswered.value.fields) == [f"answers.{d1.id}"]
    endorsements.answer(team.otto, e, answers={d1.id: "seen"}, comment="I reviewed that SLA with Sam.")
    db.session.commit()
    assert (e.status, e.answers, a.status, a.validated_level) == ("answered", {str(d1.id): "seen"}, "submitted", None)
    # Once answered, the endorser sees it no more (and cannot answer again).
    assert not policy.can(team.otto, "view_endorsement", e)
    with pytest.raises(NotFound):
        endorsements.get(team.otto, e.id)
    # The person and their reviewer read it; it is beside the descriptor.
    assert endorsements.get(team.sam, e.id) is e and endorsements.get(team.manager, e.id) is e
    beside = endorsements.by_item(endorsements.for_assessment(team.manager, a))
    assert [(b.endorser, b.answer, b.comment) for b in beside[d1.id]] == [("Otto Outside", "Seen it", "I reviewed that SLA with Sam.")]
    actions = [ev.action for ev in db.session.scalars(select(AuditEvent).where(
        AuditEvent.entity_type == "assessment", AuditEvent.entity_id == a.id).order_by(AuditEvent.id))]
    assert actions[-2:] == ["assessment.endorsement_requested", "assessment.endorsement_answered"]
    assert "Otto Outside answered your request" in db.session.scalars(
        select(Notification.message).where(Notification.person_id == team.sam.id).order_by(Notification.id)).all()[-1]


def test_who_may_be_asked_and_how_many(team, submitted):
    a, d1, *_ = submitted
    with pytest.raises(InvalidInput, match="nobody endorses their own"):
        endorsements.request(team.sam, a, endorser_email=team.sam.email, item_ids=[d1.id], evidence_ids=[])
    with pytest.raises(InvalidInput, match="No active person"):
        endorsements.request(team.sam, a, endorser_email="nobody@example.test", item_ids=[d1.id], evidence_ids=[])
    gone = make_person("Gone Person", active=False)
    with pytest.raises(InvalidInput, match="No active person"):
        endorsements.request(team.sam, a, endorser_email=gone.email, item_ids=[d1.id], evidence_ids=[])
    with pytest.raises(InvalidInput, match="at least one descriptor"):
        endorsements.request(team.sam, a, endorser_email=team.pat.email, item_ids=[], evidence_ids=[])
    with pytest.raises(NotAllowed):
        endorsements.request(team.manager, a, endorser_email=team.pat.email, item_ids=[d1.id], evidence_ids=[])
    colleagues = [team.pat, team.otto, team.hr, team.learning, team.admin]
    first = endorsements.request(team.sam, a, endorser_email=team.pat.email, item_ids=[d1.id], evidence_ids=[])
    # Asked twice the same (a double click): one request.
    assert endorsements.request(team.sam, a, endorser_email=team.pat.email, item_ids=[d1.id], evidence_ids=[]) is first
    with pytest.raises(Conflict, match="already been asked"):
        endorsements.request(team.sam, a, endorser_email=team.pat.email, item_ids=[d1.id, submitted[2].id], evidence_ids=[])
    for person in colleagues[1:]:
        endorsements.request(team.sam, a, endorser_email=person.email, item_ids=[d1.id], evidence_ids=[])
    with pytest.raises(InvalidInput, match="At most 5 colleagues"):
        endorsements.request(team.sam, a, endorser_email=team.director.email, item_ids=[d1.id], evidence_ids=[])


def test_only_a_submitted_assessment_is_endorsed(team):
    a = assessments.start(team.sam, team.slmo, 3)
    with pytest.raises(InvalidState, match="Only a submitted assessment"):
        endorsements.request(team.sam, a, endorser_email=team.pat.email, item_ids=[], evidence_ids=[])


def test_the_person_reminds_an_endorser_once_a_day(team, submitted):
    a, d1, *_ = submitted
    e = endorsements.request(team.sam, a, endorser_email=team.pat.email, item_ids=[d1.id], evidence_ids=[])
    with pytest.raises(InvalidState, match="less than a day ago"):
        endorsements.remind(team.sam, e)
    e.requested_at = e.requested_at - timedelta(days=2)
    endorsements.remind(team.sam, e)
    assert "Reminder: Sam Subject asks you to endorse" in db.session.scalars(
        select(Notification.message).where(Notification.person_id == team.pat.id).order_by(Notification.id)).all()[-1]
    with pytest.raises(NotAllowed):
        endorsements.remind(team.pat, e)


def test_endorsements_on_the_pages(client, auth, team, submitted):
    a, d1, d2, note, private = submitted
    auth.login(team.sam)
    page = client.get(f"/assessments/{a.id}").get_data(as_text=True)
    assert '<label for="endorser">Colleague&#39;s email address</label>' in page or "Colleague's email address</label>" in page
    refused = client.post(f"/assessments/{a.id}/endorsements", data={"endorser": team.otto.email})
    assert refused.status_code == 400 and "Choose at least one descriptor" in refused.get_data(as_text=True)
    asked = client.post(f"/assessments/{a.id}/endorsements", data={"endorser": team.otto.email, "items": [str(d1.id)],
                                                                   "evidence": [str(note.id)]})
    assert asked.status_code == 302
    e = db.session.scalar(select(endorsements.Endorsement).where(endorsements.Endorsement.assessment_id == a.id))
    auth.logout()
    auth.login(team.otto)
    assert "1 colleague asked you to endorse" in client.get("/my/skills").get_data(as_text=True)
    mine = client.get(f"/endorsements/{e.id}").get_data(as_text=True)
    assert d1.text in mine and "Wrote the SLA for the desk." in mine
    assert d2.text not in mine and "private.txt" not in mine
    assert client.get(f"/assessments/{a.id}").status_code == 404
    assert client.get(f"/evidence/{private.id}/file").status_code == 404
    missing = client.post(f"/endorsements/{e.id}", data={"comment": "Yes."})
    assert missing.status_code == 400 and "Choose Seen it or Not seen it" in missing.get_data(as_text=True)
    done = client.post(f"/endorsements/{e.id}", data={f"answer-{d1.id}": "seen", "comment": "Yes, I saw the SLA."})
    assert done.status_code == 302
    assert client.get(f"/endorsements/{e.id}").status_code == 404
    auth.logout()
    auth.login(team.manager)
    review = client.get(f"/reviews/{a.id}").get_data(as_text=True)
    block = review[review.index(f'id="descriptor-{d1.id}"'):]
    block = block[:block.index("</fieldset>")]
    assert "Otto Outside: seen it" in block and "Yes, I saw the SLA." in block


# -- erasing a person (services/erasure.py) ----------------------------------------

def _endorsement_table() -> str:
    """Every value of every endorsement row, as text."""
    return " ".join(str(value) for row in db.session.execute(text("SELECT * FROM endorsement")).all() for value in row)


def _submitted(person, skill, level: int = 2):
    a = assessments.start(person, skill, level)
    assessments.save_draft(person, a, claimed_level=level, ratings={d.id: "met" for d in assessments.claimed_descriptors(a)})
    assessments.submit(person, a)
    return a


def _erase(sign_in, hr, person):
    pid, email = person.id, person.email
    assert sign_in(hr).post(f"/people/{pid}/erase", data={"confirm": email}).status_code == 302
    db.session.expire_all()
    return pid


def test_erasing_an_endorser_withdraws_what_waits_for_them_and_keeps_their_answers_without_their_words(
        team, submitted, sign_in):
    a, d1, d2, note, _private = submitted
    answered = endorsements.request(team.sam, a, endorser_email=team.otto.email, item_ids=[d1.id, d2.id],
                                   evidence_ids=[note.id])
    endorsements.answer(team.otto, answered, answers={d1.id: "seen", d2.id: "not_seen"},
                        comment="Otto wrote this: I saw the SLA.")
    b = _submitted(team.pat, team.slmo)
    waiting = endorsements.request(team.pat, b, endorser_email=team.otto.email,
                                   item_ids=[assessments.claimed_descriptors(b)[0].id], evidence_ids=[])
    db.session.commit()
    answered_id, waiting_id = answered.id, waiting.id

    otto_id = _erase(sign_in, team.hr, team.otto)

    assert "Otto wrote this" not in _endorsement_table() and "Otto Outside" not in _endorsement_table()
    left = db.session.scalars(select(Endorsement).order_by(Endorsement.id)).all()
    assert [(e.id, e.status, e.answers, e.comment) for e in left] == [
        (answered_id, "answered", {str(d1.id): "seen", str(d2.id): "not_seen"}, None)]
    assert db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.link == f"/endorsements/{waiting_id}")) == 0
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "person.erased"))
    assert (event.data["endorsements_withdrawn"], event.data["endorsements_kept"]) == (1, 1)
    assert "1 endorsement request withdrawn, 1 endorsement kept without comments" in event.summary

    # Sam and the reviewer still read the answer, under the anonymised name.
    sam = sign_in(team.sam)
    page = sam.get(f"/assessments/{a.id}")
    assert page.status_code == 200 and f"Erased person {otto_id}: answered" in page.get_data(as_text=True)
    read = sam.get(f"/endorsements/{answered_id}")
    assert read.status_code == 200 and "Not seen it" in read.get_data(as_text=True)
    assert "Otto" not in read.get_data(as_text=True)
    review = sign_in(team.manager).get(f"/reviews/{a.id}")
    assert review.status_code == 200
    assert f"Erased person {otto_id}: seen it" in review.get_data(as_text=True)
    assert f"Erased person {otto_id}: seen 1 of 2" in review.get_data(as_text=True)
    # Pat's request is gone: nothing waits on Otto, and the request is not there to open.
    pat = sign_in(team.pat)
    mine = pat.get(f"/assessments/{b.id}").get_data(as_text=True)
    assert "(0 asked so far)" in mine and "Erased person" not in mine
    assert pat.get(f"/endorsements/{waiting_id}").status_code == 404


def test_erasing_the_person_who_asked_withdraws_their_requests_and_keeps_answers_without_comments(
        team, submitted, sign_in):
    a, d1, _d2, note, _private = submitted
    answered = endorsements.request(team.sam, a, endorser_email=team.otto.email, item_ids=[d1.id], evidence_ids=[note.id])
    endorsements.answer(team.otto, answered, answers={d1.id: "seen"}, comment="About Sam: he ran the SLA review.")
    waiting = endorsements.request(team.sam, a, endorser_email=team.pat.email, item_ids=[d1.id], evidence_ids=[note.id])
    db.session.commit()
    answered_id, waiting_id = answered.id, waiting.id
    pat = sign_in(team.pat)
    assert "1 colleague asked you to endorse" in pat.get("/my/skills").get_data(as_text=True)

    sam_id = _erase(sign_in, team.hr, team.sam)

    table = _endorsement_table()
    assert "About Sam" not in table and "Sam Subject" not in table
    left = db.session.scalars(select(Endorsement)).all()
    assert [(e.id, e.status, e.answers, e.comment, e.shared_evidence) for e in left] == [
        (answered_id, "answered", {str(d1.id): "seen"}, None, [])]
    # Pat is asked nothing any more, and the request that was sent is not there to open.
    assert "asked you to endorse" not in pat.get("/my/skills").get_data(as_text=True)
    assert "Nobody is waiting for your endorsement" in pat.get("/endorsements").get_data(as_text=True)
    assert pat.get(f"/endorsements/{waiting_id}").status_code == 404
    assert db.session.scalars(select(Notification.message).where(Notification.person_id == team.pat.id)).all() == []
    # HR still reads the anonymised assessment and Otto's answer on it.
    hr = sign_in(team.hr)
    page = hr.get(f"/assessments/{a.id}")
    assert page.status_code == 200 and "Otto Outside: answered" in page.get_data(as_text=True)
    read = hr.get(f"/endorsements/{answered_id}")
    assert read.status_code == 200 and f"Erased person {sam_id}" in read.get_data(as_text=True)
    assert "About Sam" not in read.get_data(as_text=True) and "Wrote the SLA" not in read.get_data(as_text=True)


def test_an_erased_endorsers_place_is_free_again_for_the_person_who_asked(team, make_person, sign_in):
    b = _submitted(team.pat, team.slmo)
    item = assessments.claimed_descriptors(b)[0].id
    for colleague in [team.otto] + [make_person(f"Colleague {n}") for n in range(4)]:
        endorsements.request(team.pat, b, endorser_email=colleague.email, item_ids=[item], evidence_ids=[])
    db.session.commit()
    with pytest.raises(InvalidInput, match="At most 5"):
        endorsements.request(team.pat, b, endorser_email=team.sam.email, item_ids=[item], evidence_ids=[])
    db.session.rollback()

    _erase(sign_in, team.hr, team.otto)

    pat = sign_in(team.pat)
    assert "(4 asked so far)" in pat.get(f"/assessments/{b.id}").get_data(as_text=True)
    asked = pat.post(f"/assessments/{b.id}/endorsements", data={"endorser": team.sam.email, "items": [str(item)]})
    assert asked.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Endorsement).where(Endorsement.assessment_id == b.id)) == 5


# -- sent at once (a double click, a script) -----------------------------------------

def _at_once(app, calls):
    """Run ``calls`` (each a function of nothing) in threads released together; their results."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    if app.config["BACKEND"] != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite writes one transaction at a time")
    gate = Barrier(len(calls))

    def run(call):
        gate.wait()
        return call()
    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def test_requests_sent_at_once_never_ask_more_than_five_nor_one_colleague_twice(app, team, submitted, sign_in, make_person):
    a, d1, *_ = submitted
    for n in range(4):
        endorsements.request(team.sam, a, endorser_email=make_person(f"Asked {n}").email, item_ids=[d1.id], evidence_ids=[])
    db.session.commit()
    late = [make_person(f"Late {n}") for n in range(3)]
    clients = [sign_in(team.sam) for _ in range(5)]
    emails = [p.email for p in late] + [team.otto.email, team.otto.email]
    url, item = f"/assessments/{a.id}/endorsements", str(d1.id)
    answers = _at_once(app, [lambda c=c, e=e: c.post(url, data={"endorser": e, "items": [item]}).status_code
                             for c, e in zip(clients, emails)])
    assert 500 not in answers and answers.count(302) >= 1
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Endorsement).where(Endorsement.assessment_id == a.id)) == 5


def test_an_answer_sent_twice_at_once_is_taken_once(app, team, submitted, sign_in):
    a, d1, *_ = submitted
    e = endorsements.request(team.sam, a, endorser_email=team.otto.email, item_ids=[d1.id], evidence_ids=[])
    db.session.commit()
    clients = [sign_in(team.otto) for _ in range(2)]
    url, field = f"/endorsements/{e.id}", f"answer-{d1.id}"
    answers = _at_once(app, [lambda c=c, v=v: c.post(url, data={field: v}).status_code
                             for c, v in zip(clients, ("seen", "not_seen"))])
    assert sorted(answers)[0] == 302 and 500 not in answers and answers.count(302) == 1
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "assessment.endorsement_answered")) == 1
