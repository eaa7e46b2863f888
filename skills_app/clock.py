"""The moment it is, for everything that stamps a time.

``now()`` is the wall clock, except inside ``as_of(moment)``: there the moment
is ``moment``. Only the demo loader (skills_app/devdata) uses ``as_of``: it
writes the organisation's past through the domain's own operations (start,
submit, decide, escalate, reassign, close a campaign, complete a training,
publish a version), each run as of the moment of the story, so that the rows
and the audit events they write carry that moment rather than the moment the
demo was loaded. The setting is a context variable: it never leaks into
another thread or request.
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone

_as_of: ContextVar[datetime | None] = ContextVar("skills_app_as_of", default=None)


def now() -> datetime:
    moment = _as_of.get()
    return moment if moment is not None else datetime.now(timezone.utc)


@contextmanager
def as_of(moment: datetime):
    """Run the body as of ``moment`` (a naive moment is UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    token = _as_of.set(moment.astimezone(timezone.utc))
    try:
        yield moment
    finally:
        _as_of.reset(token)
