"""Identity: sign-in through an OpenID Connect provider, provisioning by SCIM,
and the few settings an administrator keeps in the database.

- :class:`ExternalIdentity`: a person's account at the identity provider, the
  provider's ``(issuer, sub)``, linked on the first sign-in.
- the bearer tokens of provisioning clients are :class:`models.tokens.ScimToken`,
  in the one table of bearer tokens.
- :class:`ScimUser`: what SCIM says of a person beyond the person's own
  fields (userName, externalId, the parts of the name, the department as sent).
- :class:`ScimGroup`: the externalId of an org unit or job role that SCIM
  serves as a Group, and whether the provisioning client deleted it.
- :class:`AppSetting`: a setting an administrator changes in the browser.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from skills_app.extensions import db
from skills_app.models.framework import utcnow
from skills_app.models.people import Person


class ExternalIdentity(db.Model):
    __tablename__ = "external_identity"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    issuer: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    person: Mapped[Person] = relationship()

    def __repr__(self) -> str:
        return f"<ExternalIdentity {self.subject} of {self.person_id}>"


class ScimUser(db.Model):
    __tablename__ = "scim_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), unique=True)
    user_name: Mapped[str] = mapped_column(String(320))
    # userName is unique whatever its case (RFC 7643: caseExact false).
    user_name_key: Mapped[str] = mapped_column(String(320), unique=True)
    external_id: Mapped[str | None] = mapped_column(String(255), index=True)
    given_name: Mapped[str | None] = mapped_column(String(200))
    family_name: Mapped[str | None] = mapped_column(String(200))
    formatted_name: Mapped[str | None] = mapped_column(String(200))
    email_type: Mapped[str | None] = mapped_column(String(20))
    email_primary: Mapped[bool | None] = mapped_column(Boolean)
    # The department as the provisioning client sent it (the person's org unit
    # is what counts; this is answered back while it still names that unit).
    department: Mapped[str | None] = mapped_column(String(1000))
    # DELETE /Users/{id}: the account is deactivated, nothing is deleted, and
    # SCIM no longer serves it.
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    person: Mapped[Person] = relationship()


class ScimGroup(db.Model):
    __tablename__ = "scim_group"
    __table_args__ = (UniqueConstraint("kind", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # "org_unit" or "job_role": what the Groups of SCIM stand for (SCIM_GROUPS).
    kind: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[int] = mapped_column(Integer)
    external_id: Mapped[str | None] = mapped_column(String(255))
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)


class AppSetting(db.Model):
    __tablename__ = "app_setting"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[dict | list | str | int | bool | None] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
