"""The evidence library: a person's evidence lives in their own library (a text, a
link, a file; a file or link may carry a note), and their assessments attach items
from it (services/assessments.py: ``attach``, and ``add_evidence``, whose new
evidence joins the library too). One report supports descriptors of several skills,
and a revalidation attaches the same items again: no second row, no second copy of
the file.

Only the owner manages their library (policy ``manage_evidence_library`` and
``manage_evidence_item``: anyone else is told an item is not found); reviewers, HR
and the learning team see an item only as the evidence of an assessment they may
see (``view_assessment``), and there they see which other assessments of the same
person attach it (:func:`also_used_in`), as far as they may see those.

What an item says never changes once given (a reviewer judged it); its title does.
An item is deleted only when no assessment attaches it; its file goes once the
deletion commits (services/evidence_store.py). Functions take the actor first,
flush and never commit.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from skills_app import policy
from skills_app.errors import InvalidInput, InvalidState, NotFound
from skills_app.extensions import db
from skills_app.models import MAX_ID, Assessment, Evidence, EvidenceItem, Person
from skills_app.models.assessment import STATUS_LABELS
from skills_app.reports.labels import skill_label
from skills_app.services import audit, evidence_store

MAX_TEXT = 10_000
MAX_URL = 2000
MAX_TITLE = 200
KIND_LABELS = {"text": "Text", "link": "Link", "file": "File"}


def clean_url(url: str) -> str:
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or any(ord(c) < 32 or c in "<>\"" for c in url):
        raise InvalidInput.on("url", "A link must be a web address starting with http:// or https://.")
    if len(url) > MAX_URL:
        raise InvalidInput.on("url", f"A link can have at most {MAX_URL} characters.")
    return url


def clean_title(title: str | None, *, required: bool = False) -> str | None:
    title = " ".join((title or "").split())
    if not title:
        if required:
            raise InvalidInput.on("title", "Give the evidence a title: what it is, as you will look for it.")
        return None
    if len(title) > MAX_TITLE:
        raise InvalidInput.on("title", f"A title can have at most {MAX_TITLE} characters.")
    return title


# -- reading -----------------------------------------------------------------------------

def library(actor, person: Person) -> list[EvidenceItem]:
    """The person's library, newest first, each item with its attachments (and their assessments)."""
    policy.require(actor, "manage_evidence_library", person)
    stmt = (select(EvidenceItem).where(EvidenceItem.person_id == person.id)
            .options(selectinload(EvidenceItem.attachments).selectinload(Evidence.assessment).selectinload(Assessment.skill),
                     selectinload(EvidenceItem.attachments).selectinload(Evidence.assessment).selectinload(Assessment.framework))
            .order_by(EvidenceItem.created_at.desc(), EvidenceItem.id.desc()))
    return list(db.session.scalars(stmt))


def get_item(actor, item_id) -> EvidenceItem:
    """One of the actor's own items; anyone else's, or none, is not found."""
    try:
        item_id = int(item_id)
    except (TypeError, ValueError):
        raise NotFound("no such evidence") from None
    item = db.session.get(EvidenceItem, item_id)
    if item is None:
        raise NotFound("no such evidence")
    policy.require(actor, "manage_evidence_item", item)
    return item


def items_by_id(actor, item_ids) -> list[EvidenceItem]:
    """The actor's own items of these ids, in the order given; an id of no item of theirs
    (another person's, a forged one) is not found, as the item's own page would say."""
    raw = [str(i).strip() for i in item_ids or []]
    if any(not (r.isascii() and r.isdigit()) for r in raw):  # "²" is a digit to isdigit(), not to int()
        raise InvalidInput.on("item_ids", "Choose evidence of your library.")
    wanted = list(dict.fromkeys(int(r) for r in raw))
    if any(not 0 < i <= MAX_ID for i in wanted):  # no row has it (and SQLite cannot bind past 2**63)
        raise NotFound("no such evidence")
    found = {i.id: i for i in db.session.scalars(select(EvidenceItem).where(EvidenceItem.id.in_(wanted)))} if wanted else {}
    out = []
    for item_id in wanted:
        item = found.get(item_id)
        if item is None:
            raise NotFound("no such evidence")
        policy.require(actor, "manage_evidence_item", item)
        out.append(item)
    return out


def file(actor, item: EvidenceItem) -> bytes:
    """An item's file, for its owner (through an assessment, see services/assessments.evidence_file)."""
    policy.require(actor, "manage_evidence_item", item)
    if item.kind != "file" or not item.stored_name:
        raise NotFound("no such file")
    return evidence_store.storage().read(item.stored_name)


@dataclass
class Use:
    """An assessment that attaches an item: what the reviewer reads in "also used in"."""

    evidence_id: int
    assessment_id: int
    subject: str          # "SFIA SLMO Service level management (SFIA 8)", or "Level of responsibility (SFIA 8)"
    level: int
    status: str
    status_label: str
    when: datetime | None  # decided, else submitted, else started

    @property
    def sentence(self) -> str:
        return f"{self.subject}, level {self.level}, {self.status_label.lower()}"


def _use(evidence: Evidence) -> Use:
    a = evidence.assessment
    if a.is_responsibility:
        subject = f"Level of responsibility ({a.framework.label})"
    else:
        subject = f"{skill_label(a.framework.code, a.skill.code)} {a.skill.name} ({a.framework.label})"
    level = a.validated_level if a.status == "validated" and a.validated_level is not None else a.claimed_level
    return Use(evidence_id=evidence.id, assessment_id=a.id, subject=subject, level=level, status=a.status,
               status_label=STATUS_LABELS.get(a.status, a.status), when=a.decided_at or a.submitted_at or a.created_at)


def uses(actor, item: EvidenceItem) -> list[Use]:
    """The assessments that attach one's item, oldest first."""
    policy.require(actor, "manage_evidence_item", item)
    return [_use(e) for e in sorted(item.attachments, key=lambda e: (e.assessment_id, e.id))]


def also_used_in(actor, assessment: Assessment) -> dict[int, list[Use]]:
    """For each piece of evidence of ``assessment`` (by evidence id), the other assessments
    of the same person that attach the same library item, those the actor may see only,
    oldest first. One query for the whole assessment."""
    policy.require(actor, "view_assessment", assessment)
    by_item = {e.item_id: e.id for e in assessment.evidence}
    if not by_item:
        return {}
    others = db.session.scalars(
        select(Evidence).join(Assessment, Evidence.assessment_id == Assessment.id)
        .where(Evidence.item_id.in_(list(by_item)), Evidence.assessment_id != assessment.id,
               Assessment.person_id == assessment.person_id)
        .options(selectinload(Evidence.assessment).selectinload(Assessment.skill),
                 selectinload(Evidence.assessment).selectinload(Assessment.framework),
                 selectinload(Evidence.assessment).selectinload(Assessment.person))
        .order_by(Evidence.assessment_id, Evidence.id))
    out: dict[int, list[Use]] = {}
    seen: set[tuple[int, int]] = set()
    for other in others:
        key = (by_item[other.item_id], other.assessment_id)
        if key in seen or not policy.can(actor, "view_assessment", other.assessment):
            continue
        seen.add(key)
        out.setdefault(by_item[other.item_id], []).append(_use(other))
    return out


# -- writing -----------------------------------------------------------------------------

def new_item(actor, person: Person, *, title: str | None = None, text: str | None = None, url: str | None = None,
             filename: str | None = None, stream=None) -> EvidenceItem:
    """An item for ``person``'s library (a text, a link or a file, a file or link with a
    note). The same item given again (a double click, the same file uploaded for another
    skill with the same note) is the item already there: its file is not kept twice."""
    policy.require(actor, "manage_evidence_library", person)
    title = clean_title(title)
    text = (text or "").strip() or None
    if text and len(text) > MAX_TEXT:
        raise InvalidInput.on("text", f"A description can have at most {MAX_TEXT} characters.")
    url = clean_url(url) if url and url.strip() else None
    has_file = stream is not None and bool(filename)
    if not (text or url or has_file):
        raise InvalidInput("Give your evidence: describe it, link to it, or attach a file.")
    stored = evidence_store.store(filename, stream) if has_file else None
    kind = "file" if stored else ("link" if url else "text")
    same = db.session.scalar(
        select(EvidenceItem).where(EvidenceItem.person_id == person.id, EvidenceItem.kind == kind,
                                   (EvidenceItem.sha256 == stored.sha256) if stored else EvidenceItem.sha256.is_(None),
                                   (EvidenceItem.text == text) if text else EvidenceItem.text.is_(None),
                                   (EvidenceItem.url == url) if url else EvidenceItem.url.is_(None))
        .order_by(EvidenceItem.id).limit(1))
    if same is not None:
        if stored is not None:
            evidence_store.storage().delete(stored.stored_name)
        return same
    item = EvidenceItem(person=person, person_id=person.id, kind=kind, text=text, url=url)
    if stored is not None:
        item.stored_name, item.original_name = stored.stored_name, stored.original_name
        item.content_type, item.size, item.sha256 = stored.content_type, stored.size, stored.sha256
    item.title = title or EvidenceItem.default_title(kind, text, url, item.original_name)
    db.session.add(item)
    db.session.flush()
    audit.record(actor, "evidence.item_added", item, summary=f"{kind} evidence added to {person.name}'s library: {item.title}",
                 data={"kind": kind, "sha256": item.sha256, "size": item.size})
    return item


def rename(actor, item: EvidenceItem, title: str | None) -> bool:
    """A new title (what the item says stays as it was given). Returns whether it changed."""
    policy.require(actor, "manage_evidence_item", item)
    title = clean_title(title, required=True)
    if title == item.title:
        return False
    before = item.title
    item.title = title
    db.session.flush()
    audit.record(actor, "evidence.item_renamed", item, summary=f"evidence renamed: “{before}” → “{title}”",
                 data={"from": before, "to": title})
    return True


def delete(actor, item: EvidenceItem) -> None:
    """Delete an item no assessment attaches (its file goes once this commits); one that is
    attached is refused, naming what attaches it."""
    policy.require(actor, "manage_evidence_item", item)
    if item.attachments:
        used = uses(actor, item)
        names = "; ".join(u.sentence for u in used[:5]) + ("; …" if len(used) > 5 else "")
        raise InvalidState(f"“{item.title}” is evidence of {len(used)} assessment{'s' if len(used) != 1 else ''} "
                           f"({names}): remove it from {'those assessments' if len(used) != 1 else 'that assessment'} first "
                           "(while a draft or returned), or keep it.")
    if item.kind == "file":
        evidence_store.release(item.stored_name)
    title, kind, item_id, owner = item.title, item.kind, item.id, item.person
    db.session.delete(item)
    db.session.flush()
    audit.record(actor, "evidence.item_deleted", owner, summary=f"{kind} evidence deleted from the library: {title}",
                 data={"item_id": item_id, "kind": kind})
