"""Assessment campaigns: HR asks a population (by org unit, job role or
service) to self-assess some skills between an opening and a due date; a
closed campaign keeps a frozen snapshot of its results."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Date, DateTime, ForeignKey, Index, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from skills_app.extensions import db
from skills_app.models.framework import Skill, utcnow
from skills_app.models.people import OrgUnit, Person
from skills_app.models.requirements import JobRole, Service

CAMPAIGN_STATUSES = ("open", "closed")
# A person's progress in a campaign, in the order a dashboard shows them.
# A person's progress in a campaign. "validated" is every skill decided (validated or rejected);
# "partly_submitted" is some of the skills submitted, not all.
PROGRESS = ("not_started", "draft", "partly_submitted", "submitted", "validated", "overdue")
PROGRESS_LABELS = {
    "not_started": "Not started",
    "draft": "Draft",
    "partly_submitted": "Partly submitted",
    "submitted": "Submitted",
    "validated": "Decided",
    "overdue": "Overdue",
}
# One skill's progress (the snapshot's rows, the person's own part): a rejection is never "Validated".
SKILL_STAGE_LABELS = {
    "not_started": "Not started",
    "draft": "Draft",
    "submitted": "Submitted, awaiting review",
    "rejected": "Rejected",
    "validated": "Validated",
}

campaign_skill = Table(
    "campaign_skill",
    db.metadata,
    Column("campaign_id", ForeignKey("campaign.id", ondelete="CASCADE"), primary_key=True),
    Column("skill_id", ForeignKey("skill.id", ondelete="CASCADE"), primary_key=True, index=True),
)


# People asked by hand (a report's "Add to the campaign"), besides those its rule invites.
campaign_person = Table(
    "campaign_person",
    db.metadata,
    Column("campaign_id", ForeignKey("campaign.id", ondelete="CASCADE"), primary_key=True),
    Column("person_id", ForeignKey("person.id", ondelete="CASCADE"), primary_key=True, index=True),
)

template_skill = Table(
    "campaign_template_skill",
    db.metadata,
    Column("template_id", ForeignKey("campaign_template.id", ondelete="CASCADE"), primary_key=True),
    Column("skill_id", ForeignKey("skill.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Campaign(db.Model):
    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    # The population: active people matching every criterion given. The org
    # unit includes the units below it. A unit can only be deleted once empty,
    # so when it goes (SET NULL) ``org_unit_path`` remembers that the campaign
    # was limited to it and the population stays empty.
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id", ondelete="SET NULL"), index=True)
    org_unit_path: Mapped[str | None] = mapped_column(String(1000))
    job_role_id: Mapped[int | None] = mapped_column(ForeignKey("job_role.id", ondelete="SET NULL"), index=True)
    service_id: Mapped[int | None] = mapped_column(ForeignKey("service.id", ondelete="SET NULL"), index=True)
    opens_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    last_reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    org_unit: Mapped[OrgUnit | None] = relationship()
    job_role: Mapped[JobRole | None] = relationship()
    service: Mapped[Service | None] = relationship()
    created_by: Mapped[Person | None] = relationship(foreign_keys=[created_by_id])
    closed_by: Mapped[Person | None] = relationship(foreign_keys=[closed_by_id])
    skills: Mapped[list[Skill]] = relationship(secondary=campaign_skill, order_by="Skill.code")
    added: Mapped[list[Person]] = relationship(secondary=campaign_person, order_by="Person.name")

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    @property
    def population_label(self) -> str:
        parts = []
        if self.org_unit_path:
            parts.append(f"{self.org_unit_path} (and below)" if self.org_unit else f"{self.org_unit_path} (deleted)")
        if self.job_role:
            parts.append(f"job role {self.job_role.name}")
        if self.service:
            parts.append(f"service {self.service.name}")
        label = "; ".join(parts)
        if self.added:
            n = len(self.added)
            label += f"{' and ' if label else ''}{n} {'person' if n == 1 else 'people'} added by hand"
        return label or "nobody"

    def includes(self, person: Person) -> bool:
        """Is this (active) person invited? The same rule as the population query."""
        if person is None or not getattr(person, "active", False):
            return False
        if any(p.id == person.id for p in self.added):
            return True
        return self.rule_includes(person)

    def rule_includes(self, person: Person) -> bool:
        """Does the campaign's population rule (unit, job role, service) invite this person?"""
        if self.org_unit_path and self.org_unit is None:
            return False
        if not (self.org_unit_id or self.job_role_id or self.service_id):
            return False
        if self.org_unit is not None:
            unit = person.org_unit
            if unit is None or not (unit.path == self.org_unit.path or unit.path.startswith(self.org_unit.path + "/")):
                return False
        if self.job_role_id and self.job_role_id not in {r.id for r in person.job_roles}:
            return False
        if self.service_id and self.service_id not in {s.id for s in person.services}:
            return False
        return True

    def __repr__(self) -> str:
        return f"<Campaign {self.id} {self.name!r} {self.status}>"


class CampaignTemplate(db.Model):
    """A campaign to open again and again: its skills, its population rule (org
    unit, job role, service; people must match all given) and how many days it
    runs. Opening a campaign from it copies these; the campaign keeps no tie."""

    __tablename__ = "campaign_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id", ondelete="SET NULL"), index=True)
    job_role_id: Mapped[int | None] = mapped_column(ForeignKey("job_role.id", ondelete="SET NULL"), index=True)
    service_id: Mapped[int | None] = mapped_column(ForeignKey("service.id", ondelete="SET NULL"), index=True)
    duration_days: Mapped[int] = mapped_column(Integer, default=28)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    org_unit: Mapped[OrgUnit | None] = relationship()
    job_role: Mapped[JobRole | None] = relationship()
    service: Mapped[Service | None] = relationship()
    skills: Mapped[list[Skill]] = relationship(secondary=template_skill, order_by="Skill.code")

    @property
    def population_label(self) -> str:
        parts = []
        if self.org_unit:
            parts.append(f"{self.org_unit.path} (and below)")
        if self.job_role:
            parts.append(f"job role {self.job_role.name}")
        if self.service:
            parts.append(f"service {self.service.name}")
        return "; ".join(parts) or "nobody (choose an org unit, a job role or a service)"


class CampaignReminder(db.Model):
    """One reminder sent to one person for one campaign (as someone behind, or as
    a manager with reviews waiting): what the cooldown is counted from."""

    __tablename__ = "campaign_reminder"
    __table_args__ = (Index("ix_campaign_reminder_campaign_person", "campaign_id", "person_id", "sent_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # behind | reviews
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CampaignResult(db.Model):
    """One row of a closed campaign's frozen snapshot: a person × campaign skill
    (× requirement, where the person's job roles or services require the
    skill). Names and codes are copied, so later changes leave it as it was."""

    __tablename__ = "campaign_result"
    __table_args__ = (Index("ix_campaign_result_campaign_person", "campaign_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    person_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    org_unit: Mapped[str | None] = mapped_column(String(1000))
    manager: Mapped[str | None] = mapped_column(String(200))
    skill_id: Mapped[int | None] = mapped_column(ForeignKey("skill.id", ondelete="SET NULL"), index=True)
    framework: Mapped[str] = mapped_column(String(50))
    framework_version: Mapped[str] = mapped_column(String(50))
    skill: Mapped[str] = mapped_column(String(50))
    skill_name: Mapped[str] = mapped_column(String(300))
    job_role: Mapped[str | None] = mapped_column(String(200))
    service: Mapped[str | None] = mapped_column(String(200))
    required_level: Mapped[int | None] = mapped_column(Integer)
    current_level: Mapped[int | None] = mapped_column(Integer)
    self_level: Mapped[int | None] = mapped_column(Integer)
    gap: Mapped[int | None] = mapped_column(Integer)
    # The gap engine's status where the skill is required; otherwise empty.
    gap_status: Mapped[str | None] = mapped_column(String(20))
    # The person's progress with this skill in the campaign.
    progress: Mapped[str] = mapped_column(String(20))
    taken_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    campaign: Mapped[Campaign] = relationship()
