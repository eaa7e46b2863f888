"""Endorsements: a person asks up to five colleagues to endorse a submitted assessment.

Each endorser sees only the descriptors (of a responsibility assessment, the
attributes) and the evidence the person chose to share, and only until they
answer: per shared descriptor "seen it" or "not seen it", with a comment. The
reviewer reads the answers beside the evidence. An endorsement never changes a
level: nothing here writes one. Requests, answers and reminders notify in the app
and by email (services/notifications.py) and are audited on the assessment.

Functions take the acting user first, ask the policy, flush and never commit.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Integer, bindparam, func, select
from sqlalchemy.orm import selectinload

from skills_app import policy
from skills_app.errors import Conflict, InvalidInput, InvalidState, NotFound
from skills_app.extensions import db
from skills_app.models import Assessment, Evidence, Person
from skills_app.models.assessment import ENDORSEMENT_ANSWER_LABELS, ENDORSEMENT_ANSWERS, Endorsement
from skills_app.models.framework import utcnow
from skills_app.services import assessments, audit, locks, notifications

MAX_ENDORSERS = 5
MAX_COMMENT = 5000
# An endorser is reminded at most once a day.
REMIND_AFTER = timedelta(days=1)


def _label(assessment: Assessment) -> str:
    return assessments._label(assessment)


def get(actor, endorsement_id, permission: str = "view_endorsement") -> Endorsement:
    try:
        endorsement = db.session.get(Endorsement, int(endorsement_id))
    except (TypeError, ValueError, OverflowError):
        endorsement = None
    if endorsement is None:
        raise NotFound("no such endorsement")
    policy.require_seen(actor, "view_endorsement", permission, endorsement)
    return endorsement


def for_assessment(actor, assessment: Assessment) -> list[Endorsement]:
    """Every endorsement asked for on an assessment, for those who may see the assessment."""
    policy.require(actor, "view_assessment", assessment)
    return list(db.session.scalars(
        select(Endorsement).where(Endorsement.assessment_id == assessment.id)
        .options(selectinload(Endorsement.endorser)).order_by(Endorsement.requested_at, Endorsement.id)))


def waiting_for(actor) -> list[Endorsement]:
    """The endorsements the actor has been asked for and not answered yet."""
    if not isinstance(actor, Person):
        return []
    return list(db.session.scalars(_waiting_statement(), {"endorser_id": actor.id}))


@functools.cache
def _waiting_statement():
    """``waiting_for``'s statement: the same each time (built once), the endorser's id its parameter."""
    return (select(Endorsement).where(Endorsement.endorser_id == bindparam("endorser_id", type_=Integer),
                                      Endorsement.status == "requested")
            .options(selectinload(Endorsement.assessment).selectinload(Assessment.person))
            .order_by(Endorsement.requested_at, Endorsement.id))


def shared_items(endorsement: Endorsement) -> list:
    """The descriptors (or attributes) shared, in the assessment's order."""
    wanted = {int(i) for i in endorsement.shared_items or []}
    a = endorsement.assessment
    items = assessments.attributes_in_view(a) if a.is_responsibility else assessments.descriptors_in_view(a)
    return [item for item in items if item.id in wanted]


def shared_evidence(endorsement: Endorsement) -> list[Evidence]:
    wanted = {int(i) for i in endorsement.shared_evidence or []}
    return [e for e in endorsement.assessment.evidence if e.id in wanted]


def _find_person(email: str) -> Person:
    email = (email or "").strip().lower()
    if not email:
        raise InvalidInput.on("endorser", "Give the email address of the colleague to ask.")
    person = db.session.scalar(select(Person).where(func.lower(Person.email) == email))
    if person is None or not person.active:
        raise InvalidInput.on("endorser", f"No active person has the email address {email}.")
    return person


def request(actor, assessment: Assessment, *, endorser_email: str, item_ids, evidence_ids) -> Endorsement:
    """Ask a colleague (any active person but oneself) to endorse one's submitted assessment,
    sharing the descriptors ``item_ids`` and the evidence ``evidence_ids``."""
    policy.require(actor, "request_endorsement", assessment)
    # Requests sent at once (a double click, a script): the second waits, then counts the first
    # (at most five, one each) instead of both passing the count or both writing one endorser.
    locks.hold(assessment)
    if assessment.status != "submitted":
        raise InvalidState(f"Only a submitted assessment can be endorsed; this one is {assessment.status_label.lower()}.")
    endorser = _find_person(endorser_email)
    if endorser.id == assessment.person_id:
        raise InvalidInput.on("endorser", "Ask a colleague: nobody endorses their own assessment.")
    try:
        items = {int(i) for i in item_ids or []}
        evidence = {int(i) for i in evidence_ids or []}
    except (TypeError, ValueError):
        raise InvalidInput("The descriptors and evidence to share are given by number.") from None
    what = "attribute" if assessment.is_responsibility else "descriptor"
    in_view = {i.id for i in (assessments.attributes_in_view(assessment) if assessment.is_responsibility
                              else assessments.descriptors_in_view(assessment))}
    if not items:
        raise InvalidInput.on("items", f"Choose at least one {what} for {endorser.name} to endorse.")
    if not items <= in_view:
        raise InvalidInput.on("items", f"That {what} is not part of this assessment.")
    if not evidence <= {e.id for e in assessment.evidence}:
        raise InvalidInput.on("evidence", "That evidence is not part of this assessment.")
    existing = db.session.scalars(select(Endorsement).where(Endorsement.assessment_id == assessment.id)).all()
    same = next((e for e in existing if e.endorser_id == endorser.id), None)
    if same is not None:
        if set(same.shared_items) == items and set(same.shared_evidence) == evidence:
            return same  # asked again (a double click): nothing new
        raise Conflict.on("endorser", f"{endorser.name} has already been asked to endorse this assessment.")
    if len(existing) >= MAX_ENDORSERS:
        raise InvalidInput.on("endorser", f"At most {MAX_ENDORSERS} colleagues can be asked to endorse one assessment; "
                                          f"{len(existing)} already are.")
    endorsement = Endorsement(assessment=assessment, endorser=endorser, status="requested",
                              shared_items=sorted(items), shared_evidence=sorted(evidence))
    db.session.add(endorsement)
    db.session.flush()
    audit.record(actor, "assessment.endorsement_requested", assessment,
                 summary=f"{actor.name} asked {endorser.name} to endorse {_label(assessment)} "
                         f"({len(items)} {what}{'' if len(items) == 1 else 's'}, {len(evidence)} evidence shared)",
                 data={"endorsement_id": endorsement.id, "endorser_id": endorser.id, "items": sorted(items),
                       "evidence": sorted(evidence)})
    notifications.notify(endorser, f"{actor.name} asks you to endorse their self-assessment of {_label(assessment)}: "
                                   f"say what you have seen of it.", f"/endorsements/{endorsement.id}")
    return endorsement


def answer(actor, endorsement: Endorsement, *, answers: dict, comment: str | None) -> Endorsement:
    """The endorser's answer: "seen" or "not_seen" for every shared descriptor, and a comment."""
    policy.require(actor, "answer_endorsement", endorsement)
    locks.hold(endorsement)  # answered twice at once: the second waits, then finds it answered (once)
    policy.require(actor, "answer_endorsement", endorsement)
    items = shared_items(endorsement)
    clean, problems = {}, {}
    for item in items:
        value = (answers or {}).get(item.id) or (answers or {}).get(str(item.id))
        if value not in ENDORSEMENT_ANSWERS:
            problems[f"answers.{item.id}"] = "Choose Seen it or Not seen it."
        else:
            clean[str(item.id)] = value
    if problems:
        raise InvalidInput(f"Answer for every one shared with you: {len(problems)} of {len(items)} have no answer yet.",
                           details={"fields": problems})
    comment = (comment or "").strip() or None
    if comment and len(comment) > MAX_COMMENT:
        raise InvalidInput.on("comment", f"A comment can have at most {MAX_COMMENT} characters.")
    endorsement.answers, endorsement.comment = clean, comment
    endorsement.status, endorsement.answered_at = "answered", utcnow()
    db.session.flush()
    a = endorsement.assessment
    seen = sum(1 for v in clean.values() if v == "seen")
    audit.record(actor, "assessment.endorsement_answered", a,
                 summary=f"{actor.name} endorsed {a.person.name}'s {_label(a)}: seen {seen} of {len(clean)}",
                 data={"endorsement_id": endorsement.id, "answers": clean, "comment": comment})
    notifications.notify(a.person, f"{actor.name} answered your request to endorse {_label(a)}: "
                                   f"seen {seen} of {len(clean)}.", f"/assessments/{a.id}")
    return endorsement


def remind(actor, endorsement: Endorsement) -> Endorsement:
    """Remind an endorser who has not answered (at most once a day)."""
    policy.require(actor, "remind_endorser", endorsement)
    locks.hold(endorsement)  # two reminders at once: the second waits, then finds the first
    if endorsement.status != "requested":
        raise InvalidState(f"{endorsement.endorser.name} has already answered.")
    now = utcnow()
    last = assessments.aware(endorsement.reminded_at or endorsement.requested_at)
    if last and now - last < REMIND_AFTER:
        raise InvalidState(f"{endorsement.endorser.name} was asked or reminded less than a day ago; remind them tomorrow.")
    endorsement.reminded_at = now
    db.session.flush()
    a = endorsement.assessment
    audit.record(actor, "assessment.endorser_reminded", a, summary=f"{endorsement.endorser.name} reminded to endorse {_label(a)}",
                 data={"endorsement_id": endorsement.id})
    notifications.notify(endorsement.endorser, f"Reminder: {a.person.name} asks you to endorse their self-assessment of "
                                                f"{_label(a)}.", f"/endorsements/{endorsement.id}")
    return endorsement


def evidence_file(actor, endorsement: Endorsement, evidence_id: int) -> tuple[Evidence, bytes]:
    """A shared evidence file, for one who may see the endorsement."""
    from skills_app.services import evidence_store

    policy.require(actor, "view_endorsement", endorsement)
    evidence = next((e for e in shared_evidence(endorsement) if e.id == evidence_id), None)
    if evidence is None or evidence.kind != "file":
        raise NotFound("no such file")
    return evidence, evidence_store.storage().read(evidence.stored_name)


@dataclass
class Beside:
    """An answer beside a descriptor, for the reviewer."""

    endorser: str
    answer: str
    comment: str | None


def by_item(endorsements: list[Endorsement]) -> dict[int, list[Beside]]:
    """Answered endorsements per descriptor (or attribute) id."""
    out: dict[int, list[Beside]] = {}
    for e in endorsements:
        if e.status != "answered":
            continue
        for item_id, value in (e.answers or {}).items():
            out.setdefault(int(item_id), []).append(Beside(e.endorser.name, ENDORSEMENT_ANSWER_LABELS[value], e.comment))
    return out
