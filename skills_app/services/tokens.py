"""API tokens: create, list, revoke, and authenticate a bearer token.

A token reads ``ska_<prefix>_<secret>``: the prefix (8 characters) is kept in
clear so that people can tell their tokens apart; the whole token is kept only
as a SHA-256 hash (the secret has 256 bits of entropy, so a fast hash is
enough: there is nothing to guess). Functions flush and never commit.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select

from skills_app import policy
from skills_app.errors import InvalidInput, NotFound
from skills_app.extensions import db
from skills_app.models import ApiToken, Person
from skills_app.models.framework import utcnow
from skills_app.services import audit

SCHEME = "ska"
MAX_NAME = 100
# last_used_at is written at most this often per token, not on every request.
TOUCH_EVERY = timedelta(seconds=60)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _new_secret() -> tuple[str, str]:
    prefix = secrets.token_hex(4)
    return prefix, f"{SCHEME}_{prefix}_{secrets.token_urlsafe(32)}"


def create(actor, person: Person, name: str | None) -> tuple[ApiToken, str]:
    """A new token for ``person``; returns the row and the token, which is never shown again."""
    policy.require(actor, "manage_tokens", person)
    name = (name or "").strip() or "API token"
    if len(name) > MAX_NAME:
        raise InvalidInput.on("name", f"A token's name can have at most {MAX_NAME} characters.")
    if not person.active:
        raise InvalidInput("A deactivated account cannot have API tokens.")
    prefix, secret = _new_secret()
    token = ApiToken(person=person, name=name, prefix=prefix, token_hash=hash_token(secret))
    db.session.add(token)
    db.session.flush()
    audit.record(actor, "api_token.created", person, summary=f"API token {name!r} ({prefix}…) created for {person.email}",
                 data={"token_id": token.id, "prefix": prefix, "name": name})
    return token, secret


def for_person(actor, person: Person) -> list[ApiToken]:
    policy.require(actor, "manage_tokens", person)
    stmt = select(ApiToken).where(ApiToken.person_id == person.id).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    return list(db.session.scalars(stmt))


def revoke(actor, person: Person, token_id: int) -> ApiToken:
    """Revoke one of the person's tokens; someone else's token is 'not found'."""
    policy.require(actor, "manage_tokens", person)
    token = db.session.get(ApiToken, token_id)
    if token is None or token.person_id != person.id:
        raise NotFound("no such token")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.flush()
        audit.record(actor, "api_token.revoked", person, summary=f"API token {token.name!r} ({token.prefix}…) of {person.email} revoked",
                     data={"token_id": token.id, "prefix": token.prefix})
    return token


def authenticate(secret: str) -> Person | None:
    """The active person a live token belongs to, else None. Records when it was last used."""
    if not secret or len(secret) > 200 or not secret.startswith(f"{SCHEME}_"):
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
    if token is None or token.revoked_at is not None:
        return None
    person = token.person
    # A deactivated person's tokens stop at once.
    if person is None or not person.active:
        return None
    mark_used(token)
    return person


def mark_used(token) -> None:
    """Record when a token (API or SCIM) was last used, at most every TOUCH_EVERY."""
    now = utcnow()
    last = token.last_used_at
    if last is not None and last.tzinfo is None:
        from datetime import timezone

        last = last.replace(tzinfo=timezone.utc)
    if last is None or now - last >= TOUCH_EVERY:
        token.last_used_at = now
        db.session.flush()
