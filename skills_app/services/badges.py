"""The counts the layout shows on every signed-in page (templates/base.html): the reviews
waiting for the person (the Reviews badge, assessments.queue_count) and their unread
notifications (notifications.unread_count), read in one statement. The statement is built
once for each kind of person (the person its parameter ``me``): building and keying it
again on every page cost more than running it."""
from __future__ import annotations

import functools
from typing import NamedTuple

from sqlalchemy import literal_column, select

from skills_app import policy
from skills_app.extensions import db
from skills_app.services import assessments, notifications


class Badges(NamedTuple):
    waiting: int  # reviews and development goals waiting for the person (0 when they review none)
    unread: int  # their unread notifications


NONE = Badges(0, 0)


@functools.cache
def _stmt(queue: str | None, unread: bool):
    """``queue``: None (no review queue), "reviewer" or "hr"."""
    waiting = assessments.queue_count_stmt(queue == "hr").scalar_subquery() if queue else literal_column("0")
    unread_count = notifications.unread_count_stmt().scalar_subquery() if unread else literal_column("0")
    return select(waiting, unread_count)


def counts(actor) -> Badges:
    """What the layout shows ``actor``: each count only where they may see it (else 0)."""
    unread = policy.can(actor, "view_notifications")
    queue = ("hr" if actor.has_role("hr") else "reviewer") if policy.can(actor, "review_queue") else None
    if not unread and queue is None:
        return NONE
    waiting, unread_count = db.session.execute(_stmt(queue, unread), {"me": actor.id}).one()
    return Badges(waiting or 0, unread_count or 0)
