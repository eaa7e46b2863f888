"""Sign-in sessions, kept on the server.

The browser's (signed) session cookie carries a random key; the row keeps only
its SHA-256 hash. Every request checks the row: a session that was signed out,
signed out everywhere, ended by deactivation, or that outlived its idle or
absolute lifetime is refused, whoever holds a copy of the cookie."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from skills_app.extensions import db
from skills_app.models.framework import utcnow
from skills_app.models.people import Person

END_REASONS = ("signed_out", "signed_out_everywhere", "idle", "expired", "deactivated", "password_changed", "password_reset", "erased")


class SignInSession(db.Model):
    __tablename__ = "sign_in_session"

    # SHA-256 of the key in the cookie.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    # How the person signed in: password or oidc.
    method: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_reason: Mapped[str | None] = mapped_column(String(30))

    person: Mapped[Person] = relationship()

    def __repr__(self) -> str:
        return f"<SignInSession of {self.person_id}{' ended' if self.ended_at else ''}>"
