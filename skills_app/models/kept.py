"""What the gap engine reads, kept rather than recomputed: each person's
requirements, and the facts that make their current level in each skill.

Both are derived data, written only by ``services.kept`` in the transaction of
the change that moves them (an assessment decided, a requirement edited, a job
role given, a crosswalk changed, people imported...), and checked against a
recomputation by ``skills-app kept check``.

``person_requirement``: one row per person × requirement: a job role's or a
service's required skill level, or a job role's level of responsibility (no
skill, no requirement row).

``current_level``: per person × skill (no skill: the level of responsibility),
the latest self-assessed level, whether a submission waits for review, and
when the first validation lapsed or lapses (``lapsed_at``); and the levels that
count, each over the window of time in which it counts (``held_from`` up to
``valid_until``, either end open). Expiry is kept as a date and compared when
the rows are read, so nothing needs rewriting as time passes. One row per person
× skill in the usual case: the latest validation and the facts together. More
rows only where an older validation outlives a newer one (it counts once the
newer lapses) and for levels a crosswalk gives (``via_skill_id``: the skill
held).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, text
from sqlalchemy.orm import Mapped, mapped_column

from skills_app.extensions import db


class PersonRequirement(db.Model):
    __tablename__ = "person_requirement"
    __table_args__ = (
        # PostgreSQL: the rest of the row rides in the index, so the gap counts read it alone (migration 0026).
        Index("ix_person_requirement_person_skill", "person_id", "skill_id",
              postgresql_include=["required_level", "essential", "job_role_id", "service_id"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    # None: a job role's level of responsibility.
    skill_id: Mapped[int | None] = mapped_column(ForeignKey("skill.id", ondelete="CASCADE"), index=True)
    requirement_id: Mapped[int | None] = mapped_column(ForeignKey("requirement.id", ondelete="CASCADE"), index=True)
    required_level: Mapped[int] = mapped_column(Integer)
    essential: Mapped[bool] = mapped_column(Boolean)
    job_role_id: Mapped[int | None] = mapped_column(ForeignKey("job_role.id", ondelete="CASCADE"), index=True)
    service_id: Mapped[int | None] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"), index=True)


# A level held directly of a skill (no crosswalk): what revalidation lists by its end (migration 0029).
DIRECT_CONDITION = "skill_id IS NOT NULL AND via_skill_id IS NULL AND level IS NOT NULL"


class CurrentLevel(db.Model):
    __tablename__ = "current_level"
    __table_args__ = (
        Index("ix_current_level_expiring", "valid_until", postgresql_include=["person_id", "skill_id", "level", "held_from"],
              sqlite_where=text(DIRECT_CONDITION), postgresql_where=text(DIRECT_CONDITION)),
        Index("ix_current_level_person_skill", "person_id", "skill_id",
              postgresql_include=["level", "held_from", "valid_until", "via_skill_id", "self_level", "pending", "lapsed_at"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    # None: the level of responsibility.
    skill_id: Mapped[int | None] = mapped_column(ForeignKey("skill.id", ondelete="CASCADE"), index=True)
    # A level that counts, from held_from (none: always) until valid_until (none: no end);
    # through a crosswalk from via_skill_id. None: no validated level (the facts alone).
    level: Mapped[int | None] = mapped_column(Integer)
    via_skill_id: Mapped[int | None] = mapped_column(ForeignKey("skill.id", ondelete="CASCADE"), index=True)
    held_from: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    valid_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The facts of the person and skill (on one row of the pair only).
    self_level: Mapped[int | None] = mapped_column(Integer)
    pending: Mapped[bool] = mapped_column(Boolean, default=False)
    lapsed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
