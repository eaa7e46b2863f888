"""What the organisation needs: job roles (role profiles) and services, each
with required skill levels; who holds which role and runs which service; and
crosswalks that let a level in one framework count for another."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Column, DateTime, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from skills_app.extensions import db
from skills_app.models.framework import Framework, Skill, utcnow
from skills_app.models.people import Person

person_job_role = Table(
    "person_job_role",
    db.metadata,
    Column("person_id", ForeignKey("person.id", ondelete="CASCADE"), primary_key=True),
    Column("job_role_id", ForeignKey("job_role.id", ondelete="CASCADE"), primary_key=True, index=True),
)

person_service = Table(
    "person_service",
    db.metadata,
    Column("person_id", ForeignKey("person.id", ondelete="CASCADE"), primary_key=True),
    Column("service_id", ForeignKey("service.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class RequirementOwner:
    """What job roles and services have alike: a unique name, a description,
    the skill levels they need (``requirements``) and the people who hold or
    run them (``people``, through the table ``MEMBERS``). ``KIND`` names it in
    a Requirement, on a Person (``KIND`` + "s") and in audit actions; ``LABEL``
    in words."""

    KIND: str
    LABEL: str
    MEMBERS: Table

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @declared_attr
    def requirements(cls) -> Mapped[list[Requirement]]:
        return relationship("Requirement", back_populates=cls.KIND, cascade="all, delete-orphan", order_by="Requirement.id")

    @declared_attr
    def people(cls) -> Mapped[list[Person]]:
        return relationship("Person", secondary=cls.MEMBERS, order_by="Person.name", back_populates=f"{cls.KIND}s")


class JobRole(RequirementOwner, db.Model):
    """A role profile: the skills a job needs, each at a minimum level, essential or desirable."""

    __tablename__ = "job_role"
    KIND, LABEL, MEMBERS = "job_role", "job role", person_job_role

    # The level of responsibility the role needs (SFIA's 1-7), compared with the
    # holder's validated responsibility level; none: not stated.
    responsibility_level: Mapped[int | None] = mapped_column(Integer)


class Service(RequirementOwner, db.Model):
    """A service the organisation runs ("Payroll platform"), and the skills it needs, with headcounts."""

    __tablename__ = "service"
    KIND, LABEL, MEMBERS = "service", "service", person_service


class Requirement(db.Model):
    """A skill at a minimum level that a job role or a service needs. For a job
    role it is essential or desirable; for a service, ``headcount`` people must
    hold it (a job role's requirement is essential, or not, with a headcount of
    1; a service's is essential)."""

    __tablename__ = "requirement"
    __table_args__ = (
        UniqueConstraint("job_role_id", "skill_id"),
        UniqueConstraint("service_id", "skill_id"),
        CheckConstraint("(job_role_id IS NULL) <> (service_id IS NULL)", name="one_owner"),
        CheckConstraint("headcount >= 1", name="headcount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job_role_id: Mapped[int | None] = mapped_column(ForeignKey("job_role.id", ondelete="CASCADE"), index=True)
    service_id: Mapped[int | None] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"), index=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skill.id", ondelete="RESTRICT"), index=True)
    min_level: Mapped[int] = mapped_column(Integer)
    essential: Mapped[bool] = mapped_column(Boolean, default=True)
    headcount: Mapped[int] = mapped_column(Integer, default=1)

    job_role: Mapped[JobRole | None] = relationship(back_populates="requirements")
    service: Mapped[Service | None] = relationship(back_populates="requirements")
    skill: Mapped[Skill] = relationship()

    @property
    def owner(self) -> JobRole | Service:
        return self.job_role or self.service


class Crosswalk(db.Model):
    """A mapping of one framework's skill levels onto another's."""

    __tablename__ = "crosswalk"
    __table_args__ = (UniqueConstraint("from_framework_id", "to_framework_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    from_framework_id: Mapped[int] = mapped_column(ForeignKey("framework.id", ondelete="CASCADE"))
    to_framework_id: Mapped[int] = mapped_column(ForeignKey("framework.id", ondelete="CASCADE"))

    from_framework: Mapped[Framework] = relationship(foreign_keys=[from_framework_id])
    to_framework: Mapped[Framework] = relationship(foreign_keys=[to_framework_id])
    levels: Mapped[list[CrosswalkLevel]] = relationship(
        back_populates="crosswalk", cascade="all, delete-orphan",
        order_by="(CrosswalkLevel.from_skill_id, CrosswalkLevel.to_skill_id, CrosswalkLevel.from_level)",
    )


class CrosswalkLevel(db.Model):
    """Holding ``from_skill`` at ``from_level`` counts as ``to_skill`` at ``to_level``."""

    __tablename__ = "crosswalk_level"
    __table_args__ = (UniqueConstraint("crosswalk_id", "from_skill_id", "to_skill_id", "from_level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    crosswalk_id: Mapped[int] = mapped_column(ForeignKey("crosswalk.id", ondelete="CASCADE"), index=True)
    from_skill_id: Mapped[int] = mapped_column(ForeignKey("skill.id", ondelete="CASCADE"), index=True)
    to_skill_id: Mapped[int] = mapped_column(ForeignKey("skill.id", ondelete="CASCADE"), index=True)
    from_level: Mapped[int] = mapped_column(Integer)
    to_level: Mapped[int] = mapped_column(Integer)

    crosswalk: Mapped[Crosswalk] = relationship(back_populates="levels")
    from_skill: Mapped[Skill] = relationship(foreign_keys=[from_skill_id])
    to_skill: Mapped[Skill] = relationship(foreign_keys=[to_skill_id])
