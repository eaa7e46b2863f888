"""API tokens: create, list, revoke, and authenticate a bearer token.

A token reads ``ska_<prefix>_<secret>``, made, kept (as a hash) and found as
every bearer token is (:mod:`services.bearer`); an API token belongs to a
person and expires. Functions flush and never commit.
"""
from __future__ import annotations

from datetime import timedelta, timezone

from sqlalchemy import select

from skills_app import policy
from skills_app.errors import InvalidInput, NotFound
from skills_app.extensions import db
from skills_app.models import ApiToken, Person
from skills_app.models.framework import utcnow
from skills_app.services import audit, bearer

SCHEME = "ska"
MAX_NAME = 100
# A token lives this many days unless its creator chooses otherwise (1 to MAX_DAYS).
DEFAULT_DAYS = 90
MAX_DAYS = 365

class Refused(Exception):
    """A bearer token that does not authenticate anyone, and why (said to the caller)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def create(actor, person: Person, name: str | None, days: int | None = None) -> tuple[ApiToken, str]:
    """A new token for ``person``, good for ``days`` (DEFAULT_DAYS unless given);
    returns the row and the token, which is never shown again."""
    policy.require(actor, "manage_tokens", person)
    name = (name or "").strip() or "API token"
    if len(name) > MAX_NAME:
        raise InvalidInput.on("name", f"A token's name can have at most {MAX_NAME} characters.")
    days = DEFAULT_DAYS if days is None else days
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise InvalidInput.on("days", f"A token lives from 1 to {MAX_DAYS} days.")
    if not person.active:
        raise InvalidInput("A deactivated account cannot have API tokens.")
    prefix, secret, token_hash = bearer.new_secret(SCHEME)
    created = utcnow()
    token = ApiToken(person=person, name=name, prefix=prefix, token_hash=token_hash, created_at=created,
                     expires_at=created + timedelta(days=days))
    db.session.add(token)
    db.session.flush()
    audit.record(actor, "api_token.created", person,
                 summary=f"API token {name!r} ({prefix}…) created for {person.email}, expires {token.expires_at:%Y-%m-%d}",
                 data={"token_id": token.id, "prefix": prefix, "name": name, "days": days})
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
    if bearer.revoke(token):
        audit.record(actor, "api_token.revoked", person, summary=f"API token {token.name!r} ({token.prefix}…) of {person.email} revoked",
                     data={"token_id": token.id, "prefix": token.prefix})
    return token


def _aware(moment):
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def expired(token: ApiToken, now=None) -> bool:
    expires = _aware(token.expires_at)
    return expires is not None and (now or utcnow()) >= expires


def authenticate(secret: str) -> Person | None:
    """The active person a live token belongs to, else None. Records when it was last used."""
    try:
        return check(secret)
    except Refused:
        return None


def check(secret: str) -> Person:
    """The active person a live token belongs to; raises :class:`Refused`,
    saying why, for an unknown, revoked or expired token or a deactivated
    account. Records when the token was last used."""
    invalid = Refused("That token is not valid: it is unknown, revoked, or its account is deactivated.")
    token = bearer.find(ApiToken, SCHEME, secret)
    if token is None:
        raise invalid
    person = token.person
    # A deactivated person's tokens stop at once.
    if person is None or not person.active:
        raise invalid
    if expired(token):
        raise Refused(f"That token expired on {_aware(token.expires_at):%Y-%m-%d %H:%M} UTC: "
                      "create a new one on the API tokens page (/account/tokens).")
    bearer.mark_used(token)
    return person
