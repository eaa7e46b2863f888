"""People (one account each), org units in a tree, application roles."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint, event, text
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from skills_app.extensions import Session, db
from skills_app.models.framework import utcnow

if TYPE_CHECKING:
    from skills_app.models.requirements import JobRole, Service

ROLES = ("employee", "manager", "hr", "learning", "admin")
ROLE_LABELS = {
    "employee": "Employee",
    "manager": "Line manager",
    "hr": "HR",
    "learning": "Learning team",
    "admin": "Administrator",
}


class OrgUnit(db.Model):
    __tablename__ = "org_unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # The full path, "Group/IT/Service Desk": unique, and a prefix match finds descendants.
    path: Mapped[str] = mapped_column(String(1000), unique=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id", ondelete="RESTRICT"), index=True)

    parent: Mapped[OrgUnit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[OrgUnit]] = relationship(back_populates="parent", order_by="OrgUnit.name")

    @property
    def depth(self) -> int:
        return self.path.count("/")

    def __repr__(self) -> str:
        return f"<OrgUnit {self.path}>"


INACTIVE_CONDITION = "NOT active"
# Where a person keeps ``has_reports`` as the sign-in read it (and the session, which people keep it).
HAS_REPORTS = "_has_reports_read"


class Person(UserMixin, db.Model):
    __tablename__ = "person"
    __table_args__ = (
        # The directory's order (migration 0027): its pages and its count read this index alone on PostgreSQL.
        Index("ix_person_name_id", "name", "id", postgresql_include=["active"]),
        # The few people no longer active: lists of the active ones leave them out by this index (migration 0029).
        Index("ix_person_inactive", "id", sqlite_where=text(INACTIVE_CONDITION), postgresql_where=text(INACTIVE_CONDITION)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    employee_number: Mapped[str | None] = mapped_column(String(64), unique=True)
    job_title: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # Bumped on deactivation and password change: every session that carries an
    # older value is signed out.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id", ondelete="SET NULL"), index=True)
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    org_unit: Mapped[OrgUnit | None] = relationship()
    manager: Mapped[Person | None] = relationship(remote_side=[id], back_populates="reports")
    reports: Mapped[list[Person]] = relationship(back_populates="manager", order_by="Person.name")
    role_rows: Mapped[list[PersonRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    job_roles: Mapped[list[JobRole]] = relationship(secondary="person_job_role", back_populates="people", order_by="JobRole.name")
    services: Mapped[list[Service]] = relationship(secondary="person_service", back_populates="people", order_by="Service.name")

    # Flask-Login
    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def roles(self) -> set[str]:
        return {row.role for row in self.role_rows}

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))

    @property
    def has_reports(self) -> bool:
        """Whether anyone has this person as their line manager (the policy's line manager in
        fact): their reports when read, else what the request's sign-in read with the person
        (services/sign_in_sessions.person_for, ``remember_has_reports``), else their reports read."""
        state = self.__dict__
        # Expired (a commit, a rollback), the person has no session_version until read again.
        if HAS_REPORTS in state and "reports" not in state and "session_version" in state:
            return state[HAS_REPORTS]
        return bool(self.reports)

    def remember_has_reports(self, value: bool) -> None:
        """Keep ``has_reports`` as read with the person, until the person is expired (a commit, a
        rollback) or their session writes anything (``forget_has_reports``): a report given or
        taken in this request is then read again."""
        session = object_session(self)
        if session is not None:
            self.__dict__[HAS_REPORTS] = bool(value)
            session.info.setdefault(HAS_REPORTS, set()).add(self)

    def set_roles(self, roles) -> None:
        wanted = set(roles)
        for row in list(self.role_rows):
            if row.role not in wanted:
                self.role_rows.remove(row)
        have = self.roles
        for role in sorted(wanted - have):
            self.role_rows.append(PersonRole(role=role))

    def __repr__(self) -> str:
        return f"<Person {self.email}>"


def forget_has_reports(session, *_args) -> None:
    """Every person of ``session`` reads ``has_reports`` from their reports again."""
    for person in session.info.pop(HAS_REPORTS, ()):
        person.__dict__.pop(HAS_REPORTS, None)


def _written(orm_execute_state) -> None:
    if not orm_execute_state.is_select and HAS_REPORTS in orm_execute_state.session.info:
        forget_has_reports(orm_execute_state.session)


# A flush, or a statement other than a SELECT (an UPDATE of many people at once), may give or take reports.
event.listen(Session, "after_flush", forget_has_reports)
event.listen(Session, "do_orm_execute", _written)


class PersonRole(db.Model):
    __tablename__ = "person_role"
    __table_args__ = (UniqueConstraint("person_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
