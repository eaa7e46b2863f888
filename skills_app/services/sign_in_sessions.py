"""Sign-in sessions kept on the server (models/sign_in.py).

A session starts when a person signs in (password or identity provider) and
ends when they sign out, sign out everywhere, are deactivated or erased, or
when it outlives its lifetimes: ``SESSION_IDLE_MINUTES`` without a request,
or ``SESSION_MAX_HOURS`` since sign-in, whatever happens meanwhile. The cookie
carries a random key; only its hash is stored. Functions flush, never commit.
"""
from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import aliased, joinedload

from skills_app import policy
from skills_app.extensions import db
from skills_app.models import MAX_ID, Person, SignInSession
from skills_app.models.framework import utcnow
from skills_app.services import audit

# Where the key lives in the (signed) Flask session.
SESSION_KEY = "_sign_in"
# last_seen_at is written at most this often, not on every request.
TOUCH_EVERY = timedelta(seconds=60)
DEFAULT_IDLE_MINUTES = 60
DEFAULT_MAX_HOURS = 12


def now() -> datetime:
    """The clock (tests set ``SESSION_CLOCK`` in the config to move it)."""
    clock = current_app.config.get("SESSION_CLOCK")
    return clock() if clock else utcnow()


def _aware(moment: datetime) -> datetime:
    # SQLite gives naive datetimes back; every stored time is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def lifetimes() -> tuple[timedelta, timedelta]:
    config = current_app.config
    return (timedelta(minutes=int(config.get("SESSION_IDLE_MINUTES") or DEFAULT_IDLE_MINUTES)),
            timedelta(hours=int(config.get("SESSION_MAX_HOURS") or DEFAULT_MAX_HOURS)))


def start(person: Person, method: str = "password") -> str:
    """A new session for ``person``; returns the key for the cookie (never stored)."""
    key = secrets.token_urlsafe(32)
    moment = now()
    db.session.add(SignInSession(id=_hash(key), person=person, method=method, created_at=moment, last_seen_at=moment))
    db.session.flush()
    return key


def key_id(key) -> str | None:
    """The row id of the session whose cookie carries ``key`` (to tell "this session" in a list)."""
    return _hash(key) if isinstance(key, str) and key else None


def _row(key) -> SignInSession | None:
    if not isinstance(key, str) or not key or len(key) > 100:
        return None
    return db.session.get(SignInSession, _hash(key))


@functools.cache
def _live_stmt():
    """The session's row and its person, with their roles and whether anyone reports to them
    (the policy's line manager in fact): everything a signed-in request asks of the person
    before its page, in one statement, built once."""
    report = aliased(Person)
    has_reports = select(report.id).where(report.manager_id == Person.id).exists()
    return (select(Person, SignInSession.person_id, SignInSession.created_at, SignInSession.last_seen_at,
                   SignInSession.ended_at, has_reports.label("has_reports"))
            .select_from(SignInSession).join(Person, Person.id == SignInSession.person_id)
            .where(SignInSession.id == bindparam("session_id"))
            .options(joinedload(Person.role_rows)))


@functools.cache
def _touch_stmt():
    return (update(SignInSession).where(SignInSession.id == bindparam("session_id"))
            .values(last_seen_at=bindparam("moment")))


@functools.cache
def _end_stmt():
    return (update(SignInSession).where(SignInSession.id == bindparam("session_id"))
            .values(ended_at=bindparam("moment"), ended_reason=bindparam("reason")))


def person_for(user_id, key) -> Person | None:
    """The person of a live session: the cookie's Flask-Login id
    (``"<person id>:<session version>"``) and session key must both be good.
    A session past a lifetime is ended here, and refused."""
    person_id, _, version = (user_id or "").partition(":") if isinstance(user_id, str) else ("", "", "")
    if not person_id.isdigit() or int(person_id) > MAX_ID:
        return None
    if not isinstance(key, str) or not key or len(key) > 100:
        return None
    session_id = _hash(key)
    found = db.session.execute(_live_stmt(), {"session_id": session_id}).unique().first()
    if found is None:
        return None
    person, owner, created_at, last_seen_at, ended_at, has_reports = found
    if ended_at is not None or owner != int(person_id):
        return None
    if not person.active or str(person.session_version) != version:
        return None
    moment = now()
    idle, longest = lifetimes()
    if moment - _aware(created_at) > longest:
        _end_row(session_id, "expired", moment)
        return None
    if moment - _aware(last_seen_at) > idle:
        _end_row(session_id, "idle", moment)
        return None
    if moment - _aware(last_seen_at) >= TOUCH_EVERY:
        db.session.execute(_touch_stmt(), {"session_id": session_id, "moment": moment})
    person.remember_has_reports(has_reports)
    return person


def _end_row(session_id: str, reason: str, moment: datetime) -> None:
    db.session.execute(_end_stmt(), {"session_id": session_id, "moment": moment, "reason": reason})


def _end(row: SignInSession, reason: str, moment: datetime | None = None) -> None:
    row.ended_at = moment or now()
    row.ended_reason = reason
    db.session.flush()


def end(key) -> None:
    """Sign out: end this session, for every copy of its cookie."""
    row = _row(key)
    if row is not None and row.ended_at is None:
        _end(row, "signed_out")


def end_all(person: Person, reason: str, keep=None) -> int:
    """End every open session of ``person`` (but the one whose key is ``keep``);
    returns how many were open. For the services only: no permission asked."""
    stmt = (update(SignInSession)
            .where(SignInSession.person_id == person.id, SignInSession.ended_at.is_(None))
            .values(ended_at=now(), ended_reason=reason))
    if keep:
        stmt = stmt.where(SignInSession.id != _hash(keep))
    count = db.session.execute(stmt.execution_options(synchronize_session="fetch")).rowcount or 0
    db.session.flush()
    return count


def sign_out_everywhere(actor: Person, *, revoke_tokens: bool = False) -> dict:
    """End every session of the actor's, this one included, on every device;
    with ``revoke_tokens``, revoke their API tokens too."""
    policy.require(actor, "manage_own_sessions")
    sessions = end_all(actor, "signed_out_everywhere")
    # Belt and braces: a session cookie from before this moment no longer matches.
    actor.session_version += 1
    revoked = 0
    if revoke_tokens:
        from skills_app.models import ApiToken

        moment = utcnow()
        for token in db.session.scalars(select(ApiToken).where(ApiToken.person_id == actor.id, ApiToken.revoked_at.is_(None))):
            token.revoked_at = moment
            revoked += 1
    db.session.flush()
    audit.record(actor, "account.signed_out_everywhere", actor,
                 summary=f"{actor.email} signed out everywhere ({sessions} session{'s' if sessions != 1 else ''}"
                         f"{f', {revoked} API token' + ('s' if revoked != 1 else '') + ' revoked' if revoke_tokens else ''})",
                 data={"sessions": sessions, "tokens_revoked": revoked})
    return {"sessions": sessions, "tokens_revoked": revoked}


def open_sessions(actor: Person) -> list[SignInSession]:
    policy.require(actor, "manage_own_sessions")
    stmt = (select(SignInSession).where(SignInSession.person_id == actor.id, SignInSession.ended_at.is_(None))
            .order_by(SignInSession.last_seen_at.desc()))
    return list(db.session.scalars(stmt))
