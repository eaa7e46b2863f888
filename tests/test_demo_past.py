"""The demo has a past (issue 24): validations at different dates, so that one
expires within 90 days and another has expired; and its people get the guided
first visit."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from skills_app.extensions import db
from skills_app.models import Assessment
from skills_app.models.framework import utcnow
from skills_app.services import tour
from tests.conftest import load_demo


def _aware(moment):
    from datetime import timezone

    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def test_the_demo_has_levels_expiring_soon_and_expired_and_its_tour_is_on(app):
    load_demo()
    now = utcnow()
    validated = db.session.scalars(select(Assessment).where(Assessment.status == "validated")).all()
    ends = [_aware(a.valid_until) for a in validated if a.valid_until is not None]
    assert any(now < end <= now + timedelta(days=90) for end in ends), ends
    assert any(end < now for end in ends), ends
    decided = sorted(_aware(a.decided_at) for a in validated if a.decided_at is not None)
    assert decided[0] < now - timedelta(days=700)  # decisions spread over two years, not all today
    assert tour.is_demo()
    # Loading twice changes nothing.
    load_demo()
    assert len(db.session.scalars(select(Assessment).where(Assessment.status == "validated")).all()) == len(validated)
