"""Bearer tokens, one table for every kind: a person's API tokens and the
provisioning clients' SCIM tokens.

Only a SHA-256 hash of the token is kept, with a short visible prefix so that
people can tell their tokens apart; the token itself is shown once. ``kind``
says what a token is good for: ``api`` (the HTTP API, as its person, until it
expires) or ``scim`` (``/scim/v2`` only, made by an administrator). Each kind
is a class of its own over the one table (:class:`ApiToken`,
:class:`ScimToken`), so a query of one kind never finds the other's rows, and
:mod:`services.bearer` makes, finds and revokes both the same way.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from skills_app.extensions import db
from skills_app.models.framework import utcnow
from skills_app.models.people import Person

KINDS = ("api", "scim")


class BearerToken(db.Model):
    __tablename__ = "bearer_token"
    __table_args__ = (
        CheckConstraint("kind IN ('api', 'scim')", name="kind"),
        # An API token belongs to a person; a SCIM token to no one (its creator is kept apart).
        CheckConstraint("(kind = 'api') = (person_id IS NOT NULL)", name="owner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # An API token's person: the token acts as them.
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    # Who made a SCIM token (None once they are gone, or when made by a command).
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # After it an API token is refused (401, saying so); chosen at creation, 90 days unless said otherwise.
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __mapper_args__ = {"polymorphic_on": "kind"}

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class ApiToken(BearerToken):
    """A person's named token for the HTTP API (``ska_…``)."""

    __mapper_args__ = {"polymorphic_identity": "api"}

    person: Mapped[Person] = relationship(foreign_keys=[BearerToken.person_id])

    def __repr__(self) -> str:
        return f"<ApiToken {self.prefix} of {self.person_id}>"


class ScimToken(BearerToken):
    """A provisioning client's token (Entra ID, Okta, an HR system; ``scim_…``), good for ``/scim/v2`` only."""

    __mapper_args__ = {"polymorphic_identity": "scim"}

    created_by: Mapped[Person | None] = relationship(foreign_keys=[BearerToken.created_by_id])

    def __repr__(self) -> str:
        return f"<ScimToken {self.prefix} {self.name!r}>"
