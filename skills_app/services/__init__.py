"""The domain: the only code that writes. Each public function takes the
acting user first, asks the policy, flushes (never commits) and records audit
events. Getters load a row by id for an actor who may see it: "not found"
for what they may not know exists, "not allowed" for what they may see but
not do (policy.py)."""
from __future__ import annotations

from skills_app.errors import NotFound
from skills_app.extensions import db
from skills_app.models import MAX_ID


def by_id(model, row_id: int | None, what: str):
    """The ``model`` row with this id, else "no such <what>" (also for an id
    out of the database's range, from an address or a form)."""
    row = db.session.get(model, row_id) if row_id and 1 <= row_id <= MAX_ID else None
    if row is None:
        raise NotFound(f"no such {what}")
    return row
