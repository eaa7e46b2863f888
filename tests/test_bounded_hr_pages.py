"""HR's calibration, revalidation and new training plan pages read a page at a time
and give the figures they gave when they read everything: calibration summed per
group by the database (services/calibration.py) against the pandas table of every
decision (reports/trends.py); on the demo organisation with a generated one beside
it, on SQLite and PostgreSQL."""
from __future__ import annotations

import html
import re

import pandas as pd
import pytest
from sqlalchemy import event, select

from skills_app.extensions import db
from skills_app.models import Person, PersonRole
from skills_app.reports import calibration as calibration_report
from skills_app.reports import trends
from skills_app.services import calibration
from skills_app.services import trends as trend_service
from tests.conftest import load_demo, sign_in_directly, world_fixture

pytestmark = pytest.mark.xdist_group("bounded_hr_world")


@world_fixture
def bounded_world():
    """The demo organisation and a generated one of 400 people beside it, and the demo's HR person."""
    from skills_app.devdata import synthetic

    load_demo()
    synthetic.generate(400, seed=11)
    db.session.commit()
    hr = db.session.scalar(select(Person.id).join(PersonRole).where(PersonRole.role == "hr").order_by(Person.id).limit(1))
    return {"hr": hr}


def _hr(world) -> Person:
    return db.session.get(Person, world["hr"])


def _next(body: str) -> str | None:
    found = re.search(r'<a href="([^"]+)">Next →</a>', body)
    return html.unescape(found.group(1)) if found else None


def _statements(client, path: str) -> int:
    seen = []

    def count(*_args):
        seen.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get(path).status_code == 200, path
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(seen)


# -- calibration --------------------------------------------------------------------------------

@pytest.mark.parametrize("by", list(trends.CALIBRATION_GROUPS))
@pytest.mark.parametrize("months", [None, 12])
def test_calibration_summed_by_the_database_is_the_table_of_every_decision(bounded_world, by, months):
    hr = _hr(bounded_world)
    decisions = trend_service.decisions_for_calibration(hr, months=months)
    assert len(decisions) > 100
    expected = trends.calibration(decisions, by)
    sums = calibration.sums(hr, by, months=months)
    found = calibration_report.table(sums)
    assert len(found) == len(expected) > 3
    pd.testing.assert_frame_equal(found.reset_index(drop=True), expected.reset_index(drop=True), check_dtype=False)
    assert calibration_report.overall(sums) == trends.overall(decisions)


def test_calibration_of_no_decisions(bounded_world):
    hr = _hr(bounded_world)
    empty = calibration.sums(hr, "team", months=1, now=pd.Timestamp("2200-01-01", tz="UTC").to_pydatetime())
    assert calibration_report.table(empty).empty
    assert calibration_report.overall(empty) == trends.overall(trends.calibration(pd.DataFrame(), "team"))


def test_the_calibration_page_walks_every_group_a_page_at_a_time(bounded_world, client, monkeypatch):
    monkeypatch.setattr(calibration, "PER_PAGE", 8)
    hr = _hr(bounded_world)
    sign_in_directly(client, hr)
    expected = trends.calibration(trend_service.decisions_for_calibration(hr), "reviewer")
    assert len(expected) > 3 * calibration.PER_PAGE
    seen, path, pages, counts = [], "/reports/calibration?group=reviewer", 0, set()
    while path:
        counts.add(_statements(client, path))
        body = client.get(path).get_data(as_text=True)
        table = body.split('<table class="data calibration">', 1)[1].split("</table>", 1)[0]
        rows = re.findall(r'<th scope="row">(.*?)</th><td class="num">(\d+)</td><td class="num">([^<]*)</td>', table)
        assert 0 < len(rows) <= calibration.PER_PAGE
        seen += [(html.unescape(g), int(n), m) for g, n, m in rows]
        pages += 1
        path = _next(body)
    assert pages == -(-len(expected) // calibration.PER_PAGE)
    assert seen == [(r["group"], r["decisions"], "%+.2f" % r["mean"]) for r in expected.to_dict("records")]
    assert len(counts) <= 2  # the same statements on every page (the first, before the cache, one more)
    for forged in ("eyJrIjpbMV0sIm4iOjJ9", "nonsense"):
        assert client.get("/reports/calibration", query_string={"cursor": forged}).status_code in (400, 422)
    # The download gives every group, as before.
    csv = client.get("/reports/calibration?group=reviewer&format=csv").get_data(as_text=True)
    assert len(csv.strip().splitlines()) == len(expected) + 1
