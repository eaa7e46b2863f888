"""Recording audit events. Called by the services after each change."""
from __future__ import annotations

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from skills_app import cache, paging, policy
from skills_app.extensions import db
from skills_app.models import AuditEvent, Person
from skills_app.policy import SYSTEM


def _entity_type(entity) -> str:
    return getattr(entity, "__tablename__", type(entity).__name__.lower())


def record(actor, action: str, entity=None, *, summary: str, data: dict | None = None) -> AuditEvent:
    person = actor if isinstance(actor, Person) else None
    event = AuditEvent(
        actor=person,
        actor_label=f"{person.name} <{person.email}>" if person else getattr(actor, "label", SYSTEM.label),
        action=action,
        entity_type=_entity_type(entity) if entity is not None else "system",
        entity_id=getattr(entity, "id", None),
        summary=summary,
        data=data or {},
    )
    db.session.add(event)
    if action not in NOT_DATA_CHANGES:
        # Cached reports are invalidated once this transaction commits.
        db.session.info["skills_app.data_changed"] = True
    return event


# Audited events that change nothing a report shows.
NOT_DATA_CHANGES = {"account.signed_in", "account.password_changed", "account.password_reset"}


@event.listens_for(Session, "after_commit")
def _invalidate_cached_reports(session) -> None:
    if session.info.pop("skills_app.data_changed", False):
        cache.bump()


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back_changes(session) -> None:
    session.info.pop("skills_app.data_changed", None)


def latest_for_entity(entity) -> AuditEvent | None:
    stmt = (
        select(AuditEvent)
        .where(AuditEvent.entity_type == _entity_type(entity), AuditEvent.entity_id == entity.id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(1)
    )
    return db.session.scalar(stmt)


def for_entity(entity) -> list[AuditEvent]:
    stmt = (
        select(AuditEvent)
        .where(AuditEvent.entity_type == _entity_type(entity), AuditEvent.entity_id == entity.id)
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    return list(db.session.scalars(stmt))


def trail(actor, *, action: str | None = None, cursor: str | None = None, per_page: int = 50) -> paging.Page[AuditEvent]:
    """The audit trail, newest first, optionally for actions starting with ``action``."""
    policy.require(actor, "view_audit")
    stmt = select(AuditEvent)
    if action:
        stmt = stmt.where(AuditEvent.action.startswith(action, autoescape=True))
    return paging.of_select(stmt, [AuditEvent.at, AuditEvent.id], cursor=cursor, limit=per_page, descending=True, count=True)
