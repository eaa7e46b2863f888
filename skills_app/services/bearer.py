"""What every kind of bearer token shares: how a secret is made, kept and found.

A token reads ``<scheme>_<prefix>_<secret>``: the scheme says which kind it is
(``ska`` for the API, ``scim`` for provisioning clients), the prefix
(8 characters) is kept in clear so that people can tell their tokens apart, and
the whole token is kept only as a SHA-256 hash (the secret has 256 bits of
entropy, so a fast hash is enough: there is nothing to guess). Every kind is a
row of one table (:mod:`models.tokens`); a token of one scheme is looked up only
among its own kind's rows, so each kind is refused by the other's endpoints. :mod:`services.tokens` and :mod:`services.scim_tokens` keep
their own rules (who may create them, expiry) on top of this.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta, timezone

from sqlalchemy import select

from skills_app.extensions import db
from skills_app.models.framework import utcnow

# The longest token accepted: anything longer is refused before any lookup.
MAX_LENGTH = 200
# last_used_at is written at most this often per token, not on every request.
TOUCH_EVERY = timedelta(seconds=60)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def new_secret(scheme: str) -> tuple[str, str, str]:
    """A fresh token of ``scheme``: ``(prefix, token, hash)``; the token is shown once, the hash kept."""
    prefix = secrets.token_hex(4)
    token = f"{scheme}_{prefix}_{secrets.token_urlsafe(32)}"
    return prefix, token, hash_token(token)


def find(model, scheme: str, secret: str | None):
    """The unrevoked row of ``model`` whose hash matches ``secret`` (a token of ``scheme``), else None."""
    if not secret or len(secret) > MAX_LENGTH or not secret.startswith(f"{scheme}_"):
        return None
    token = db.session.scalar(select(model).where(model.token_hash == hash_token(secret)))
    if token is None or token.revoked_at is not None:
        return None
    return token


def revoke(token) -> bool:
    """Mark ``token`` revoked now; False when it already was (nothing to record)."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    db.session.flush()
    return True


def mark_used(token) -> None:
    """Record when a token was last used, at most every TOUCH_EVERY."""
    now = utcnow()
    last = token.last_used_at
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=timezone.utc)
    if last is None or now - last >= TOUCH_EVERY:
        token.last_used_at = now
        db.session.flush()
