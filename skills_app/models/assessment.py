"""Assessments: a person's claim to a level of one skill of one framework
version, rated descriptor by descriptor, backed by evidence and decided by a
reviewer; or (``kind`` "responsibility") to a level of responsibility, one
claimed level per generic attribute of a framework (SFIA's autonomy,
influence, ...), through the same states, evidence and review; and the in-app
notifications that tell people about them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, DateTime, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from skills_app.extensions import db
from skills_app.models.framework import Descriptor, Framework, FrameworkAttribute, Skill, utcnow
from skills_app.models.people import Person

STATUSES = ("draft", "submitted", "validated", "returned", "rejected")
OPEN_STATUSES = ("draft", "submitted", "returned")
STATUS_LABELS = {
    "draft": "Draft",
    "submitted": "Awaiting review",
    "validated": "Validated",
    "returned": "Returned for more evidence",
    "rejected": "Rejected",
}
RATINGS = ("met", "partly", "not_yet")
RATING_LABELS = {"met": "Met", "partly": "Partly met", "not_yet": "Not yet"}
VERDICTS = ("accepted", "not_accepted")
VERDICT_LABELS = {"accepted": "Accepted", "not_accepted": "Not accepted"}
EVIDENCE_KINDS = ("text", "link", "file")
# How much of a text evidence makes its title in the library (unless its person names it).
TEXT_TITLE = 80
# One open assessment per person and skill: a partial unique index (SQLite and PostgreSQL alike).
OPEN_CONDITION = "status IN ('draft', 'submitted', 'returned')"
# One open responsibility assessment per person.
OPEN_RESPONSIBILITY_CONDITION = "kind = 'responsibility' AND status IN ('draft', 'submitted', 'returned')"
# The validated decisions (calibration reads them alone, summed per reviewer, team or skill: migration 0028).
VALIDATED_CONDITION = "status = 'validated' AND validated_level IS NOT NULL AND skill_id IS NOT NULL"
VALIDATED_COVERED = ["skill_id", "person_id", "claimed_level", "validated_level", "decided_at"]
KINDS = ("skill", "responsibility")
RESPONSIBILITY_CODE = "LoR"
RESPONSIBILITY_NAME = "Level of responsibility"


evidence_descriptor = Table(
    "evidence_descriptor",
    db.metadata,
    Column("evidence_id", ForeignKey("evidence.id", ondelete="CASCADE"), primary_key=True),
    Column("descriptor_id", ForeignKey("descriptor.id", ondelete="CASCADE"), primary_key=True, index=True),
)

# Evidence of a responsibility assessment supports generic attributes (as a skill's supports descriptors).
evidence_attribute = Table(
    "evidence_attribute",
    db.metadata,
    Column("evidence_id", ForeignKey("evidence.id", ondelete="CASCADE"), primary_key=True),
    Column("attribute_id", ForeignKey("framework_attribute.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Assessment(db.Model):
    __tablename__ = "assessment"
    __table_args__ = (
        Index("ix_assessment_person_skill", "person_id", "skill_id", "status"),
        Index("uq_assessment_open_person_skill", "person_id", "skill_id", unique=True,
              sqlite_where=text(OPEN_CONDITION), postgresql_where=text(OPEN_CONDITION)),
        Index("uq_assessment_open_responsibility", "person_id", unique=True,
              sqlite_where=text(OPEN_RESPONSIBILITY_CONDITION), postgresql_where=text(OPEN_RESPONSIBILITY_CONDITION)),
        Index("ix_assessment_validated_reviewer", "reviewer_id", postgresql_include=VALIDATED_COVERED,
              sqlite_where=text(VALIDATED_CONDITION), postgresql_where=text(VALIDATED_CONDITION)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    framework_id: Mapped[int] = mapped_column(ForeignKey("framework.id", ondelete="RESTRICT"), index=True)
    # "skill": of ``skill``; "responsibility": of the framework's generic attributes (``claims``), no skill.
    kind: Mapped[str] = mapped_column(String(20), default="skill", server_default="skill")
    skill_id: Mapped[int | None] = mapped_column(ForeignKey("skill.id", ondelete="RESTRICT"), index=True)
    # Of a responsibility assessment: the level its attribute claims add up to (services/responsibility.overall_level).
    claimed_level: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    # Optimistic locking: every UPDATE checks and bumps it; a stale writer fails.
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    validated_level: Mapped[int | None] = mapped_column(Integer)
    decision_comment: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    valid_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Service levels: when a submitted assessment is due for decision (set at
    # submission from the target in force, reset on reassignment), who HR has
    # reassigned it to (none: the person's line manager), and when the reviewer
    # was warned and the person reminded (each once).
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    assigned_reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    warned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # A reviewer's work before the decision, seen only by those who may decide:
    # {"by": person id, "by_name", "saved_at", "comment", "verdicts": {descriptor id: [verdict, comment]}}.
    # The decision writes the verdicts to the ratings and clears it.
    review_draft: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}

    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    reviewer: Mapped[Person | None] = relationship(foreign_keys=[reviewer_id])
    assigned_reviewer: Mapped[Person | None] = relationship(foreign_keys=[assigned_reviewer_id])
    framework: Mapped[Framework] = relationship()
    skill: Mapped[Skill | None] = relationship()
    claims: Mapped[list[AttributeClaim]] = relationship(
        back_populates="assessment", order_by="AttributeClaim.id", cascade="all, delete-orphan", passive_deletes=True
    )
    ratings: Mapped[list[DescriptorRating]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan", passive_deletes=True
    )
    evidence: Mapped[list[Evidence]] = relationship(
        back_populates="assessment", order_by="Evidence.id", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def is_responsibility(self) -> bool:
        return self.kind == "responsibility"

    @property
    def subject_code(self) -> str:
        """What is assessed, as a code: the skill's, or "LoR" for the level of responsibility."""
        return RESPONSIBILITY_CODE if self.is_responsibility else self.skill.code

    @property
    def subject_name(self) -> str:
        return RESPONSIBILITY_NAME if self.is_responsibility else self.skill.name

    def claim_for(self, attribute_id: int) -> AttributeClaim | None:
        return next((c for c in self.claims if c.attribute_id == attribute_id), None)

    def evidence_for_attribute(self, attribute_id: int) -> list[Evidence]:
        return [e for e in self.evidence if any(a.id == attribute_id for a in e.attributes)]

    def rating_for(self, descriptor_id: int) -> DescriptorRating | None:
        return next((r for r in self.ratings if r.descriptor_id == descriptor_id), None)

    def evidence_for(self, descriptor_id: int) -> list[Evidence]:
        return [e for e in self.evidence if any(d.id == descriptor_id for d in e.descriptors)]

    def __repr__(self) -> str:
        return f"<Assessment {self.id} {self.status}>"


class DescriptorRating(db.Model):
    """The person's self rating of one descriptor, and the reviewer's verdict on it."""

    __tablename__ = "descriptor_rating"
    __table_args__ = (UniqueConstraint("assessment_id", "descriptor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"))
    descriptor_id: Mapped[int] = mapped_column(ForeignKey("descriptor.id", ondelete="CASCADE"), index=True)
    rating: Mapped[str | None] = mapped_column(String(20))
    verdict: Mapped[str | None] = mapped_column(String(20))
    verdict_comment: Mapped[str | None] = mapped_column(Text)

    assessment: Mapped[Assessment] = relationship(back_populates="ratings")
    descriptor: Mapped[Descriptor] = relationship()


class AttributeClaim(db.Model):
    """In a responsibility assessment, the level the person claims for one generic
    attribute, and the level (and comment) the reviewer validated it at."""

    __tablename__ = "attribute_claim"
    __table_args__ = (UniqueConstraint("assessment_id", "attribute_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"))
    attribute_id: Mapped[int] = mapped_column(ForeignKey("framework_attribute.id", ondelete="RESTRICT"), index=True)
    claimed_level: Mapped[int] = mapped_column(Integer)
    validated_level: Mapped[int | None] = mapped_column(Integer)
    verdict_comment: Mapped[str | None] = mapped_column(Text)

    assessment: Mapped[Assessment] = relationship(back_populates="claims")
    attribute: Mapped[FrameworkAttribute] = relationship()


class EvidenceItem(db.Model):
    """A piece of evidence in its person's library: a text, a link, or a file kept by
    the evidence store (a file or a link may carry a note). Assessments attach it
    (:class:`Evidence`), each attachment with the descriptors it supports there, so
    that one report supports several skills and is reused at revalidation without a
    second row or a second copy of the file."""

    __tablename__ = "evidence_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    # What the library calls it; the person may rename it (the content never changes once given).
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(2000))
    # One item a stored file: the file goes when its item does.
    stored_name: Mapped[str | None] = mapped_column(String(100), unique=True)
    original_name: Mapped[str | None] = mapped_column(String(255))
    content_type: Mapped[str | None] = mapped_column(String(200))
    size: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    person: Mapped[Person] = relationship()
    attachments: Mapped[list[Evidence]] = relationship(back_populates="item", order_by="Evidence.id", passive_deletes=True)

    @staticmethod
    def default_title(kind: str, text: str | None, url: str | None, original_name: str | None) -> str:
        """The title an item gets unless its person gives one: the file's name, the link, the text's start."""
        if kind == "file" and original_name:
            title = original_name
        elif kind == "link" and url:
            title = url
        else:
            # A text's start: the text itself is shown under it.
            title = " ".join((text or "").split()) or "Evidence"
            return title if len(title) <= TEXT_TITLE else title[: TEXT_TITLE - 1].rstrip() + "…"
        return title if len(title) <= 200 else title[:199] + "…"

    @property
    def named(self) -> bool:
        """Whether its title says more than what it is (its person named it)."""
        return bool(self.title) and self.title != self.default_title(self.kind, self.text, self.url, self.original_name)

    @property
    def label(self) -> str:
        """Its title; else what it is (the file's name, the link, the text's start)."""
        if self.title:
            return self.title
        if self.kind == "file":
            return self.original_name or "file"
        if self.kind == "link":
            return self.url or "link"
        return (self.text or "")[:60]


class Evidence(db.Model):
    """A library item attached to an assessment, with the descriptors (or attributes)
    it supports there. Its id is the evidence id that pages, downloads, endorsements
    and the API have always used; what it is (kind, text, link, file) is its item's."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("evidence_item.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    # When it was given: attached, or (carried over by a revalidation) the earlier attachment's date.
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Carried over from an earlier assessment by a revalidation.
    copied_from_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id", ondelete="SET NULL"))

    assessment: Mapped[Assessment] = relationship(back_populates="evidence")
    item: Mapped[EvidenceItem] = relationship(back_populates="attachments", lazy="joined")
    created_by: Mapped[Person | None] = relationship()
    descriptors: Mapped[list[Descriptor]] = relationship(secondary=evidence_descriptor, order_by="Descriptor.id")
    attributes: Mapped[list[FrameworkAttribute]] = relationship(secondary=evidence_attribute, order_by="FrameworkAttribute.position")

    # What the evidence is, from its library item.
    kind = property(lambda self: self.item.kind)
    title = property(lambda self: self.item.title)
    text = property(lambda self: self.item.text)
    url = property(lambda self: self.item.url)
    stored_name = property(lambda self: self.item.stored_name)
    original_name = property(lambda self: self.item.original_name)
    content_type = property(lambda self: self.item.content_type)
    size = property(lambda self: self.item.size)
    sha256 = property(lambda self: self.item.sha256)
    named = property(lambda self: self.item.named)

    @property
    def label(self) -> str:
        return self.item.label


class Notification(db.Model):
    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_person_unread", "person_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    message: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    person: Mapped[Person] = relationship()


ENDORSEMENT_ANSWERS = ("seen", "not_seen")
ENDORSEMENT_ANSWER_LABELS = {"seen": "Seen it", "not_seen": "Not seen it"}
ENDORSEMENT_STATUSES = ("requested", "answered")


class Endorsement(db.Model):
    """A colleague asked to endorse a submitted assessment: they see the descriptors (of a
    responsibility assessment, the attributes) and the evidence the person chose to share,
    and answer per descriptor whether they have seen it, with a comment. An endorsement
    never changes a level; the reviewer reads it beside the evidence."""

    __tablename__ = "endorsement"
    __table_args__ = (UniqueConstraint("assessment_id", "endorser_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    endorser_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="requested")
    # What the person shared: descriptor (or attribute) ids, and evidence ids.
    shared_items: Mapped[list] = mapped_column(JSON, default=list)
    shared_evidence: Mapped[list] = mapped_column(JSON, default=list)
    # The endorser's answer: {item id: "seen" | "not_seen"}, and a comment.
    answers: Mapped[dict | None] = mapped_column(JSON)
    comment: Mapped[str | None] = mapped_column(Text)
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    assessment: Mapped[Assessment] = relationship()
    endorser: Mapped[Person] = relationship()

    def answer_for(self, item_id: int) -> str | None:
        return (self.answers or {}).get(str(item_id))
