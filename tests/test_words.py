"""The one plural helper, and the organisation's time zone on pages."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from skills_app.words import plural, verb


@pytest.mark.parametrize("n, word, expected", [
    (1, "person", "1 person"), (2, "person", "2 people"), (0, "person", "0 people"),
    (1, "piece of evidence", "1 piece of evidence"), (3, "piece of evidence", "3 pieces of evidence"),
    (1, "working day", "1 working day"), (2, "working day", "2 working days"),
    (1, "breach", "1 breach"), (4, "breach", "4 breaches"), (2, "review", "2 reviews"),
    (2, "summary", "2 summaries"), (2, "day", "2 days"),
])
def test_plural(n, word, expected):
    assert plural(n, word) == expected


def test_verbs_agree_with_their_count():
    assert (verb(1, "is"), verb(2, "is"), verb(1, "has"), verb(0, "has")) == ("is", "are", "has", "have")
    assert plural(2, "child", "children") == "2 children"


def test_pages_show_moments_on_the_organisations_clock(app):
    from skills_app.web import when

    with app.test_request_context():
        summer = datetime(2026, 7, 1, 9, 30, tzinfo=timezone.utc)
        assert when(summer) == "1 Jul 2026 10:30"          # Europe/London, summer time
        assert when(summer.replace(tzinfo=None)) == "1 Jul 2026 10:30"  # SQLite hands back naive UTC
        assert when(date(2026, 7, 1), "%-d %b %Y") == "1 Jul 2026"
        assert when(None) == ""


def test_counts_set_their_thousands_apart():
    from skills_app.words import thousands

    assert plural(4971, "person") == "4,971 people"
    assert plural(1, "person") == "1 person" and plural(999, "unit") == "999 units"
    assert thousands(186069) == "186,069" and thousands(None) == "0"


def test_the_pages_counts_set_their_thousands_apart(app):
    """The pager's totals and the review queue's count, as HR sees them at 100,000 people."""
    from types import SimpleNamespace

    from flask import render_template_string

    page = SimpleNamespace(previous=None, next="c2", number=1, pages=704, total=35157, per_page=50)
    with app.test_request_context("/reviews"):
        pager = render_template_string("{% from '_forms.html' import pager %}{{ pager(page, 'reviews.queue') }}", page=page)
        assert "Page 1 of 704 (35,157 in all)" in pager
