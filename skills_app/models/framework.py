"""Frameworks: levels, skills, per-skill levels and their ordered descriptors."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from skills_app import clock
from skills_app.extensions import db


def utcnow() -> datetime:
    return clock.now()


FRAMEWORK_STATUSES = ("draft", "published", "retired")


class Framework(db.Model):
    __tablename__ = "framework"
    __table_args__ = (UniqueConstraint("code", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), index=True)
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(40))
    publisher: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="published")
    # Assessment settings, kept in the database (not in the framework file):
    # whether every descriptor of a claimed level needs evidence before
    # submitting, and how long a validated level stays valid.
    evidence_required: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    validity_months: Mapped[int] = mapped_column(Integer, default=24, server_default=text("24"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    # When its source says it last changed (a CASE package's lastChangeDateTime): what
    # exports give as its time of change, rather than the time it was imported.
    changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    levels: Mapped[list[FrameworkLevel]] = relationship(
        back_populates="framework", order_by="FrameworkLevel.number", cascade="all, delete-orphan"
    )
    skills: Mapped[list[Skill]] = relationship(
        back_populates="framework", order_by="Skill.position", cascade="all, delete-orphan"
    )
    # The generic attributes of its levels of responsibility (SFIA's autonomy,
    # influence, complexity, ...), each described per level.
    attributes: Mapped[list[FrameworkAttribute]] = relationship(
        back_populates="framework", order_by="FrameworkAttribute.position", cascade="all, delete-orphan"
    )
    # The tree of groups its skills sit in (area › competence area › ...), as deep as
    # the source: every group of the framework, in the framework's order.
    groups: Mapped[list[SkillGroup]] = relationship(
        back_populates="framework", order_by="SkillGroup.position", cascade="all, delete-orphan"
    )
    associations: Mapped[list[FrameworkAssociation]] = relationship(
        back_populates="framework", order_by="FrameworkAssociation.position", cascade="all, delete-orphan"
    )

    @property
    def label(self) -> str:
        return f"{self.code} {self.version}"

    def __repr__(self) -> str:
        return f"<Framework {self.code} {self.version}>"


class FrameworkLevel(db.Model):
    __tablename__ = "framework_level"
    __table_args__ = (UniqueConstraint("framework_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("framework.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(500))

    framework: Mapped[Framework] = relationship(back_populates="levels")


class FrameworkAttribute(db.Model):
    """A generic attribute of the framework's levels (SFIA: Autonomy, Influence, ...), described per level."""

    __tablename__ = "framework_attribute"
    __table_args__ = (UniqueConstraint("framework_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("framework.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    # The heading it is listed under, where the source groups them
    # (SFIA 9: generic attributes, behavioural factors).
    category: Mapped[str | None] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    guidance: Mapped[str | None] = mapped_column(Text)

    framework: Mapped[Framework] = relationship(back_populates="attributes")
    levels: Mapped[list[AttributeLevel]] = relationship(
        back_populates="attribute", order_by="AttributeLevel.level", cascade="all, delete-orphan"
    )


class AttributeLevel(db.Model):
    """What a generic attribute is at one level of the framework."""

    __tablename__ = "attribute_level"
    __table_args__ = (UniqueConstraint("attribute_id", "level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attribute_id: Mapped[int] = mapped_column(ForeignKey("framework_attribute.id", ondelete="CASCADE"))
    level: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text)

    attribute: Mapped[FrameworkAttribute] = relationship(back_populates="levels")


class SkillGroup(db.Model):
    """A group of skills (a category, a competence area, a CASE item above the skills),
    nested in its parent group to any depth; ``position`` orders the framework's groups
    (parents before their children)."""

    __tablename__ = "skill_group"
    __table_args__ = (UniqueConstraint("framework_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("framework.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("skill_group.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    code: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(20))
    educational_level: Mapped[list[str] | None] = mapped_column(JSON)
    # How it is completed from what is below it (Moodle's competency rule): {type, outcome, config}.
    rule: Mapped[dict | None] = mapped_column(JSON)

    framework: Mapped[Framework] = relationship(back_populates="groups")
    parent: Mapped[SkillGroup | None] = relationship(remote_side="SkillGroup.id")

    @property
    def path(self) -> list[SkillGroup]:
        """The groups from the top down to this one."""
        chain: list[SkillGroup] = []
        current: SkillGroup | None = self
        while current is not None and current not in chain:
            chain.append(current)
            current = current.parent
        return list(reversed(chain))

    def __repr__(self) -> str:
        return f"<SkillGroup {self.code}>"


class FrameworkAssociation(db.Model):
    """A relation of a skill or group to another node, other than the tree's own (CASE's
    exactMatchOf, isRelatedTo, precedes, exemplar, ...): its origin a skill or group of the
    framework by code, its destination one too, or a node elsewhere by address and identifier."""

    __tablename__ = "framework_association"

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("framework.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    association_type: Mapped[str] = mapped_column(String(100))
    origin_kind: Mapped[str] = mapped_column(String(20))  # skill | group
    origin_code: Mapped[str] = mapped_column(String(100))
    destination_kind: Mapped[str] = mapped_column(String(20))  # skill | group | elsewhere
    destination_code: Mapped[str | None] = mapped_column(String(100))
    destination_uri: Mapped[str | None] = mapped_column(Text)
    destination_identifier: Mapped[str | None] = mapped_column(String(500))
    destination_title: Mapped[str | None] = mapped_column(Text)
    sequence: Mapped[int | None] = mapped_column(Integer)

    framework: Mapped[Framework] = relationship(back_populates="associations")


class Skill(db.Model):
    __tablename__ = "skill"
    __table_args__ = (UniqueConstraint("framework_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("framework.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    # The group it sits in (None: directly under the framework).
    group_id: Mapped[int | None] = mapped_column(ForeignKey("skill_group.id", ondelete="SET NULL"), index=True)
    url: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    guidance_intro: Mapped[str | None] = mapped_column(Text)
    # Guidance notes, an ordered list of strings.
    guidance: Mapped[list[str]] = mapped_column(JSON, default=list)
    language: Mapped[str | None] = mapped_column(String(20))
    educational_level: Mapped[list[str] | None] = mapped_column(JSON)
    rule: Mapped[dict | None] = mapped_column(JSON)

    framework: Mapped[Framework] = relationship(back_populates="skills")
    group: Mapped[SkillGroup | None] = relationship()
    levels: Mapped[list[SkillLevel]] = relationship(
        back_populates="skill", order_by="SkillLevel.level", cascade="all, delete-orphan"
    )

    def level(self, number: int) -> SkillLevel | None:
        return next((sl for sl in self.levels if sl.level == number), None)

    @property
    def path(self) -> list[SkillGroup]:
        """The groups above the skill, from the top down."""
        return self.group.path if self.group is not None else []

    @property
    def category(self) -> str | None:
        """The name of the topmost group above the skill."""
        path = self.path
        return path[0].name if path else None

    @property
    def subcategory(self) -> str | None:
        """The name of the group the skill sits in, when that is below the topmost."""
        path = self.path
        return path[-1].name if len(path) > 1 else None

    @property
    def defined_levels(self) -> list[int]:
        return [sl.level for sl in self.levels if sl.defined]

    def __repr__(self) -> str:
        return f"<Skill {self.code}>"


class SkillLevel(db.Model):
    """A skill at one level of its framework: defined (with descriptors) or not (with a note)."""

    __tablename__ = "skill_level"
    __table_args__ = (UniqueConstraint("skill_id", "level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skill.id", ondelete="CASCADE"))
    level: Mapped[int] = mapped_column(Integer)
    defined: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str | None] = mapped_column(Text)

    skill: Mapped[Skill] = relationship(back_populates="levels")
    descriptors: Mapped[list[Descriptor]] = relationship(
        back_populates="skill_level", order_by="Descriptor.position", cascade="all, delete-orphan"
    )


class Descriptor(db.Model):
    __tablename__ = "descriptor"
    __table_args__ = (UniqueConstraint("skill_level_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    skill_level_id: Mapped[int] = mapped_column(ForeignKey("skill_level.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    # In a new version, how this descriptor's change from the previous version is meant:
    # "editorial" (wording only: levels held carry over) or "substantive" (holders revalidate).
    # Unmarked, a change counts as substantive.
    change: Mapped[str | None] = mapped_column(String(12))

    skill_level: Mapped[SkillLevel] = relationship(back_populates="descriptors")
