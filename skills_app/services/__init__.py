"""The domain: the only code that writes. Each public function takes the
acting user first, asks the policy, flushes (never commits) and records audit
events. Getters load a row by id for an actor who may see it: "not found"
for what they may not know exists, "not allowed" for what they may see but
not do (policy.py)."""
from __future__ import annotations

from skills_app.errors import InvalidInput, NotFound
from skills_app.extensions import db
from skills_app.models import MAX_ID

# The longest name of a named thing (a job role, a service, a campaign, a template): its column's length.
MAX_NAME = 200


def by_id(model, row_id: int | None, what: str):
    """The ``model`` row with this id, else "no such <what>" (also for an id
    out of the database's range, from an address or a form)."""
    row = db.session.get(model, row_id) if row_id and 1 <= row_id <= MAX_ID else None
    if row is None:
        raise NotFound(f"no such {what}")
    return row


def clean_name(name: str | None, *, missing: str, too_long: str = f"A name has at most {MAX_NAME} characters.",
               limit: int = MAX_NAME) -> str:
    """``name`` without the spaces around it; an empty one is refused with
    ``missing``, one longer than ``limit`` with ``too_long`` (both beside the
    form's ``name`` field)."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput.on("name", missing)
    if len(name) > limit:
        raise InvalidInput.on("name", too_long)
    return name
