"""Erasing a person: the right to erasure (GDPR article 17).

HR erases a person who asks (or who has left, when nothing requires keeping
their data): their evidence library (every item, attached or not, and its file)
and the evidence of their assessments, their personal details, their
ways in (sessions, API tokens, the identity provider's link, SCIM's record),
their notifications, their assignments and development goals (training enrolments among them), the free text
written about them, and their names in closed campaigns' snapshots. What stays
is anonymised: their assessments' levels and decisions (who decided, when,
what), so that reports and the service level figures keep their numbers, under
"Erased person <id>".

Endorsements go the same way: a request not answered yet, asked of them or by
them on their own assessment, is withdrawn with the notifications that told of
it (they can no longer answer, nor be answered: the colleague's waiting list and
the asker's five places count without it); an answer stays like a decision, its
"seen it" / "not seen it" per descriptor under "Erased person <id>", without its
comment (theirs, or written about them) and, on their own assessments, without
the evidence they had shared, which is gone. The audit trail is append-only and keeps its entries
(accountability); the erasure itself is recorded there without the person's
email. Functions flush, never commit.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, false, or_, select, update

from skills_app import policy
from skills_app.errors import InvalidInput, InvalidState
from skills_app.extensions import db
from skills_app.models import (
    ApiToken, Assessment, CampaignResult, DescriptorRating, Endorsement, EvidenceItem, ExternalIdentity, Notification, Person,
    ScimUser, SignInSession, Goal,
)
from skills_app.services import audit, evidence_store, sign_in_sessions

ERASED_DOMAIN = "erased.invalid"


@dataclass
class Erased:
    person_id: int
    evidence: int
    files: int
    assessments: int
    # Endorsement requests not answered yet, withdrawn; answered endorsements kept without their comment.
    endorsements_withdrawn: int = 0
    endorsements_kept: int = 0

    def summary(self) -> str:
        text = (f"Person {self.person_id} erased: {self.evidence} piece{'s' if self.evidence != 1 else ''} of evidence "
                f"({self.files} file{'s' if self.files != 1 else ''}) removed, {self.assessments} "
                f"assessment{'s' if self.assessments != 1 else ''} kept, anonymised")
        if self.endorsements_withdrawn or self.endorsements_kept:
            text += (f"; {self.endorsements_withdrawn} endorsement request{'s' if self.endorsements_withdrawn != 1 else ''} "
                     f"withdrawn, {self.endorsements_kept} endorsement{'s' if self.endorsements_kept != 1 else ''} kept "
                     f"without comments")
        return text + "."


def is_erased(person: Person) -> bool:
    return person.email.endswith("@" + ERASED_DOMAIN)


def erase(actor, person: Person, *, confirm: str) -> Erased:
    """Erase ``person`` (see the module). ``confirm`` must be their email address, typed again."""
    policy.require(actor, "erase_person", person)
    if is_erased(person):
        raise InvalidState("This person is already erased.")
    if (confirm or "").strip().lower() != person.email:
        raise InvalidInput.on("confirm", f"Type the person's email address, {person.email}, to confirm the erasure.")
    if isinstance(actor, Person) and actor.id == person.id:
        raise InvalidInput.on("confirm", "You cannot erase your own account: ask someone else in HR.")
    if "admin" in person.roles:
        raise InvalidState("This person is an administrator: take the role away first.")
    managed = db.session.scalar(select(Person.id).where(Person.manager_id == person.id, Person.active.is_(True)).limit(1))
    if managed is not None:
        raise InvalidState("This person still manages people: give their reports another manager first.")

    assessments = list(db.session.scalars(select(Assessment).where(Assessment.person_id == person.id)))
    for assessment in assessments:
        for evidence in list(assessment.evidence):
            assessment.evidence.remove(evidence)
        # What was written about the person, by them or their reviewers; the levels and outcomes stay.
        assessment.decision_comment = None
    db.session.flush()
    # Their library: every item, attached (above) or not; each file goes once the erasure commits.
    items = list(db.session.scalars(select(EvidenceItem).where(EvidenceItem.person_id == person.id).order_by(EvidenceItem.id)))
    evidence_count = len(items)
    stored = sorted({i.stored_name for i in items if i.stored_name})
    for item in items:
        db.session.delete(item)
    db.session.flush()
    files = sum(1 for name in stored if evidence_store.release(name, leaving=0))
    ids = [a.id for a in assessments]
    if ids:
        db.session.execute(update(DescriptorRating).where(DescriptorRating.assessment_id.in_(ids)).values(verdict_comment=None))
    withdrawn, kept = _endorsements(person, ids)

    sign_in_sessions.end_all(person, "erased")
    for model in (SignInSession, ApiToken, ExternalIdentity, ScimUser, Notification, Goal):
        db.session.execute(delete(model).where(model.person_id == person.id).execution_options(synchronize_session=False))
    db.session.execute(update(CampaignResult).where(CampaignResult.person_id == person.id)
                       .values(person_name=f"Erased person {person.id}", email=f"erased-{person.id}@{ERASED_DOMAIN}")
                       .execution_options(synchronize_session=False))

    person.name = f"Erased person {person.id}"
    person.email = f"erased-{person.id}@{ERASED_DOMAIN}"
    person.employee_number = None
    person.job_title = None
    person.password_hash = None
    person.manager = None
    person.active = False
    person.session_version += 1
    person.set_roles(["employee"])
    person.job_roles = []
    person.services = []
    db.session.flush()
    db.session.expire_all()
    result = Erased(person_id=person.id, evidence=evidence_count, files=files, assessments=len(assessments),
                    endorsements_withdrawn=withdrawn, endorsements_kept=kept)
    audit.record(actor, "person.erased", person, summary=result.summary(),
                 data={"evidence": evidence_count, "files": files, "assessments": len(assessments),
                       "endorsements_withdrawn": withdrawn, "endorsements_kept": kept})
    return result


def _endorsements(person: Person, assessment_ids: list[int]) -> tuple[int, int]:
    """The person's endorsements, asked of them or on their assessments (see the module): returns how many
    requests were withdrawn and how many answers were kept without their comment."""
    theirs = or_(Endorsement.endorser_id == person.id,
                 Endorsement.assessment_id.in_(assessment_ids) if assessment_ids else false())
    waiting = list(db.session.scalars(select(Endorsement.id).where(theirs, Endorsement.status == "requested")))
    if waiting:
        # The request and its reminders told the endorser in the app, linking to it.
        db.session.execute(delete(Notification).where(Notification.link.in_([f"/endorsements/{i}" for i in waiting]))
                           .execution_options(synchronize_session=False))
        db.session.execute(delete(Endorsement).where(Endorsement.id.in_(waiting)).execution_options(synchronize_session=False))
    kept = db.session.execute(update(Endorsement).where(theirs).values(comment=None)
                              .execution_options(synchronize_session=False)).rowcount
    if assessment_ids:
        db.session.execute(update(Endorsement).where(Endorsement.assessment_id.in_(assessment_ids))
                           .values(shared_evidence=[]).execution_options(synchronize_session=False))
    return len(waiting), kept
