"""What-if scenarios: people who might leave or move, and org units to
reorganise, kept to compare what each would do to services and job roles."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from skills_app.extensions import db
from skills_app.models.framework import utcnow
from skills_app.models.people import OrgUnit, Person

scenario_person = Table(
    "scenario_person",
    db.metadata,
    Column("scenario_id", ForeignKey("scenario.id", ondelete="CASCADE"), primary_key=True),
    Column("person_id", ForeignKey("person.id", ondelete="CASCADE"), primary_key=True, index=True),
)

scenario_unit = Table(
    "scenario_unit",
    db.metadata,
    Column("scenario_id", ForeignKey("scenario.id", ondelete="CASCADE"), primary_key=True),
    Column("org_unit_id", ForeignKey("org_unit.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Scenario(db.Model):
    """Who would go: people by name, and every active person in the org units (and
    those below). Nothing changes: the outcome is worked out when it is shown."""

    __tablename__ = "scenario"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    created_by: Mapped[Person | None] = relationship(foreign_keys=[created_by_id])
    people: Mapped[list[Person]] = relationship(secondary=scenario_person, order_by="Person.name")
    units: Mapped[list[OrgUnit]] = relationship(secondary=scenario_unit, order_by="OrgUnit.path")
