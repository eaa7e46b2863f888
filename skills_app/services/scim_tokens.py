"""SCIM tokens: the bearer tokens of provisioning clients, good for /scim/v2 only.

A token reads ``scim_<prefix>_<secret>``, made, kept (as a hash) and found as
every bearer token is (:mod:`services.bearer`): the API's tokens (``ska_``) are
never looked up here, nor SCIM tokens by the API. Functions flush, never commit.
"""
from __future__ import annotations

from sqlalchemy import select

from skills_app import policy
from skills_app.errors import InvalidInput, NotFound
from skills_app.extensions import db
from skills_app.models import Person, ScimToken
from skills_app.services import audit, bearer

SCHEME = "scim"
MAX_NAME = 100


def create(actor, name: str) -> tuple[ScimToken, str]:
    """A new SCIM token; returns the row and the token, which is never shown again."""
    policy.require(actor, "manage_identity")
    name = (name or "").strip()
    if not name:
        raise InvalidInput("Give the token a name, such as the provisioning client that will use it (Entra ID, Okta).",
                           details={"name": "A name is needed."})
    if len(name) > MAX_NAME:
        raise InvalidInput(f"A token's name can have at most {MAX_NAME} characters.", details={"name": "Too long."})
    prefix, secret, token_hash = bearer.new_secret(SCHEME)
    token = ScimToken(name=name, prefix=prefix, token_hash=token_hash,
                      created_by=actor if isinstance(actor, Person) else None)
    db.session.add(token)
    db.session.flush()
    audit.record(actor, "scim_token.created", None, summary=f"SCIM token {name!r} ({prefix}…) created",
                 data={"token_id": token.id, "prefix": prefix, "name": name})
    return token, secret


def all_tokens(actor) -> list[ScimToken]:
    policy.require(actor, "manage_identity")
    return list(db.session.scalars(select(ScimToken).order_by(ScimToken.created_at.desc(), ScimToken.id.desc())))


def revoke(actor, token_id: int) -> ScimToken:
    policy.require(actor, "manage_identity")
    token = db.session.get(ScimToken, token_id)
    if token is None:
        raise NotFound("no such SCIM token")
    if bearer.revoke(token):
        audit.record(actor, "scim_token.revoked", None, summary=f"SCIM token {token.name!r} ({token.prefix}…) revoked",
                     data={"token_id": token.id, "prefix": token.prefix})
    return token


def authenticate(secret: str) -> ScimToken | None:
    """The live SCIM token with this secret, else None. Records when it was last used."""
    token = bearer.find(ScimToken, SCHEME, secret)
    if token is not None:
        bearer.mark_used(token)
    return token
