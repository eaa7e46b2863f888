"""In-app notifications, and their email copies.

Email goes out only after the transaction commits (nothing is mailed about a
change that was rolled back): SMTP when ``MAIL_SERVER`` is set, otherwise the
message is written to the application log.
"""
from __future__ import annotations

import functools
import logging
import smtplib
from email.message import EmailMessage

from flask import current_app, has_app_context
from sqlalchemy import Integer, bindparam, event, func, select, update
from sqlalchemy.orm import Session

from skills_app import paging, policy
from skills_app.extensions import db
from skills_app.models import Notification, Person
from skills_app.models.framework import utcnow

log = logging.getLogger("skills_app.mail")
_OUTBOX = "skills_app.outbox"


def notify(person: Person, message: str, link: str | None = None) -> Notification:
    note = Notification(person=person, message=message, link=link)
    db.session.add(note)
    db.session.info.setdefault(_OUTBOX, []).append((person.email, message, link))
    return note


def unread_count(actor) -> int:
    if not policy.can(actor, "view_notifications"):
        return 0
    return db.session.scalar(unread_count_stmt(), {"me": actor.id}) or 0


@functools.cache
def unread_count_stmt():
    """:func:`unread_count`'s statement, built once (the person is its parameter ``me``)."""
    return (select(func.count()).select_from(Notification)
            .where(Notification.person_id == bindparam("me", type_=Integer), Notification.read_at.is_(None)))


def for_person(actor, *, cursor: str | None = None, per_page: int = 30) -> paging.Page[Notification]:
    """The actor's notifications, newest first."""
    policy.require(actor, "view_notifications")
    stmt = select(Notification).where(Notification.person_id == actor.id)
    return paging.of_select(stmt, [Notification.created_at, Notification.id], cursor=cursor, limit=per_page, descending=True,
                            count=True)


def mark_all_read(actor) -> int:
    policy.require(actor, "view_notifications")
    result = db.session.execute(
        update(Notification).where(Notification.person_id == actor.id, Notification.read_at.is_(None)).values(read_at=utcnow())
    )
    return result.rowcount or 0


# -- email -------------------------------------------------------------------

def send_email(to: str, subject: str, body: str) -> None:
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        log.info("Email to %s: %s\n%s", to, subject, body)
        return
    message = EmailMessage()
    message["From"] = config.get("MAIL_FROM", "skills-app@localhost")
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    with smtplib.SMTP(config["MAIL_SERVER"], config.get("MAIL_PORT", 25), timeout=10) as smtp:
        smtp.send_message(message)


@event.listens_for(Session, "after_commit")
def _send_outbox(session: Session) -> None:
    outbox = session.info.pop(_OUTBOX, None)
    if not outbox or not has_app_context():
        return
    for to, message, link in outbox:
        try:
            send_email(to, "skills_app: " + message[:80], message + (f"\n\n{link}" if link else ""))
        except (OSError, smtplib.SMTPException):
            log.exception("could not send an email to %s", to)


@event.listens_for(Session, "after_rollback")
def _drop_outbox(session: Session) -> None:
    session.info.pop(_OUTBOX, None)
