"""HR's calibration, revalidation and new training plan pages read a page at a time
and give the figures they gave when they read everything: calibration summed per
group by the database (services/calibration.py) against the pandas table of every
decision (reports/trends.py); on the demo organisation with a generated one beside
it, on SQLite and PostgreSQL."""
from __future__ import annotations

import html
import re
from datetime import timedelta

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
from tests.pages import statements as _statements

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


# -- revalidation ---------------------------------------------------------------------------------

def _validated(person, skill, level, decided, valid_until):
    from skills_app.models import Assessment

    a = Assessment(person_id=person.id, framework_id=skill.framework_id, skill_id=skill.id, claimed_level=level,
                   status="validated", validated_level=level, created_at=decided - timedelta(days=3),
                   submitted_at=decided - timedelta(days=2), decided_at=decided, valid_until=valid_until)
    db.session.add(a)
    db.session.commit()
    return a


@pytest.fixture
def crafted(bounded_world, make_person):
    """People whose current level is not simply their latest validation: a newer one expired
    (the older, still valid, counts), a newer one ending sooner than an older, one inactive,
    and one with a revalidation open."""
    from skills_app.models import Assessment, Skill
    from skills_app.models.framework import utcnow

    now = utcnow()
    skill = db.session.scalars(select(Skill).where(Skill.code == "SLMO").order_by(Skill.id)).first()
    lapsed, sooner, gone, busy = (make_person(n, unit="Acme/Crafted") for n in ("Lapse Newer", "Sooner Newer", "Gone Away", "Busy Again"))
    _validated(lapsed, skill, 3, now - timedelta(days=400), now + timedelta(days=40))
    _validated(lapsed, skill, 4, now - timedelta(days=100), now - timedelta(days=5))
    _validated(sooner, skill, 3, now - timedelta(days=400), now + timedelta(days=80))
    _validated(sooner, skill, 4, now - timedelta(days=100), now + timedelta(days=20))
    _validated(gone, skill, 4, now - timedelta(days=100), now + timedelta(days=30))
    _validated(busy, skill, 4, now - timedelta(days=300), now + timedelta(days=10))
    db.session.add(Assessment(person_id=busy.id, framework_id=skill.framework_id, skill_id=skill.id, claimed_level=4,
                              status="draft", created_at=now))
    db.session.commit()
    from skills_app.policy import SYSTEM
    from skills_app.services import accounts

    accounts.set_active(SYSTEM, gone, False)
    db.session.commit()
    return {"lapsed": lapsed, "sooner": sooner, "gone": gone, "busy": busy}


def _shown(row: dict) -> tuple:
    return (row["person_id"], row["person"], row["org_unit"], row["manager"], row["framework"], row["framework_version"],
            row["skill"], row["skill_name"], row["level"], row["valid_until"], row["days_left"], row["revalidation"])


def _walk(actor, days: int, limit: int) -> list[dict]:
    from skills_app.services import revalidation

    rows, cursor, total = [], None, None
    while True:
        page = revalidation.expiring_page(actor, days=days, cursor=cursor, limit=limit)
        assert len(page.items) <= limit
        total = page.total if total is None else total
        assert page.total == total
        rows += page.items
        if not page.next:
            return rows if len(rows) == total else pytest.fail(f"{len(rows)} walked, {total} counted")
        cursor = page.next


@pytest.mark.parametrize("days", [10, 90, 730])
def test_expiring_from_the_kept_levels_is_what_the_assessments_give(bounded_world, crafted, days):
    from skills_app.services import revalidation

    hr = _hr(bounded_world)
    manager = db.session.get(Person, db.session.scalar(
        select(Person.manager_id).where(Person.manager_id.is_not(None), Person.email.like("%synth%")).order_by(Person.id).limit(1)))
    for who in (hr, manager):
        expected = revalidation.expiring(who, days=days)
        walked = _walk(who, days, 7)
        # The same rows, in the same order of (valid until, name, person, skill code); one code in two
        # versions of its framework, ending together, comes in either order in the old list.
        assert sorted(map(_shown, walked), key=repr) == sorted(map(_shown, expected), key=repr)
        assert [_shown(r)[:2] + _shown(r)[6:7] + _shown(r)[9:10] for r in walked] == [
            _shown(r)[:2] + _shown(r)[6:7] + _shown(r)[9:10] for r in expected]
        assert len(expected) > (3 if who is hr else 0) or days == 10
    names = {r["person"]: r for r in _walk(hr, 90, 50)}
    assert names["Lapse Newer"]["level"] == 3 and names["Sooner Newer"]["level"] == 4
    assert "Gone Away" not in names and names["Busy Again"]["revalidation"] == "in progress"


def test_the_revalidation_page_is_paged_and_refuses_a_forged_cursor(bounded_world, crafted, client, monkeypatch):
    from skills_app.services import revalidation

    hr = _hr(bounded_world)
    monkeypatch.setattr(revalidation, "PER_PAGE", 5)
    sign_in_directly(client, hr)
    expected = revalidation.expiring(hr, days=365)
    assert len(expected) > 3 * 5
    path, seen, counts = "/revalidation?days=365", [], []
    while path:
        counts.append(_statements(client, path))
        body = client.get(path).get_data(as_text=True)
        table = body.split("Validations expiring within 365 days</caption>", 1)[1].split("</table>", 1)[0]
        seen += [html.unescape(n) for n in re.findall(r'<tr><td><a href="/people/\d+">(.*?)</a>', table)]
        path = _next(body)
    assert seen == [r["person"] for r in expected]
    assert len(set(counts[1:])) == 1, counts  # every page after the first (whose session loads differ) alike
    for forged in ("eyJrIjpbMV0sIm4iOjJ9", "nonsense"):
        assert client.get("/revalidation", query_string={"cursor": forged}).status_code in (400, 422)
    # The download lists every row, as before.
    csv = client.get("/revalidation?days=365&format=csv").get_data(as_text=True)
    assert len(csv.strip().splitlines()) == len(expected) + 1


# -- a training plan's people ------------------------------------------------------------------------

def _steps(hr) -> list[tuple]:
    """(skill, to_level, from_level) of the largest cohorts, and one "any" step."""
    from skills_app.models import Skill
    from skills_app.services import needs

    found = needs.cohorts(hr).head(4).to_dict("records")
    steps = [(db.session.get(Skill, r["skill_id"]), int(r["to_level"]),
              "none" if r["from_level"] is None or pd.isna(r["from_level"]) else str(int(r["from_level"]))) for r in found]
    return steps + [(steps[0][0], steps[0][1], "any")]


def test_a_cohort_counted_and_chosen_by_the_database_is_the_listed_one(bounded_world):
    from skills_app.services import gaps, learning

    hr = _hr(bounded_world)
    for skill, to_level, from_level in _steps(hr):
        listed = learning.cohort(hr, skill, to_level=to_level, from_level=from_level, filters=gaps.Filters())
        size = learning.cohort_size(hr, skill, to_level=to_level, from_level=from_level, filters=gaps.Filters())
        assert (size.needing, size.at_step) == (len(listed.people), len(listed.at_step)) and size.at_step > 0
        step = learning.chosen_people(hr, skill, to_level=to_level, from_level=from_level, filters=gaps.Filters(), who="step")
        assert {p.id for p in step} == listed.at_step
        everyone = learning.chosen_people(hr, skill, to_level=to_level, from_level=from_level, filters=gaps.Filters(), who="skill")
        assert [p.id for p in everyone] == [p.id for p in listed.people]
    # Within a filter of the report, as the page's link carries it.
    unit = gaps.Filters.from_mapping({"org_unit": "Acme"})
    listed = learning.cohort(hr, skill, to_level=to_level, from_level="any", filters=gaps.Filters.from_mapping({"org_unit": "Acme"}))
    size = learning.cohort_size(hr, skill, to_level=to_level, from_level="any", filters=unit)
    assert (size.needing, size.at_step) == (len(listed.people), len(listed.at_step))


def test_a_large_cohort_is_chosen_as_a_whole_or_by_name_and_a_refusal_keeps_what_was_typed(bounded_world, client, monkeypatch):
    from skills_app.models import TrainingPlan
    from skills_app.services import gaps, learning
    from tests.pages import field_error

    monkeypatch.setattr(learning, "LIST_MAX", 3)
    hr = _hr(bounded_world)
    skill, to_level, from_level = _steps(hr)[0]
    listed = learning.cohort(hr, skill, to_level=to_level, from_level=from_level, filters=gaps.Filters())
    sign_in_directly(client, hr)
    url = f"/learning/plans/new?skill_id={skill.id}&to_level={to_level}&from_level={from_level}"
    form = client.get(url).get_data(as_text=True)
    assert 'type="checkbox"' not in form and f"{len(listed.at_step)} people" in form
    assert '<input checked id="who-0" name="who" type="radio" value="step">' in form
    assert '<label for="named">' in form and "<legend>Participants</legend>" in form
    someone, other = listed.people[0], listed.people[1]
    typed = f"{someone.email}\nnobody@example.test"
    refused = client.post(url, data={"name": "Cohort", "resource": "", "who": "named", "named": typed})
    assert refused.status_code == 400
    assert "nobody@example.test" in field_error(refused, "named") and someone.email not in field_error(refused, "named")
    page = refused.get_data(as_text=True)
    assert html.escape(typed) in page and '<input checked id="who-2" name="who" type="radio" value="named">' in page
    assert 'aria-describedby="named-hint named-error"' in page
    named = client.post(url, data={"name": "Named", "resource": "", "who": "named",
                                   "named": f"{someone.email.upper()}\n{other.employee_number or other.email}"})
    assert named.status_code == 302, named.get_data(as_text=True)[-2000:]
    plan = db.session.scalar(select(TrainingPlan).where(TrainingPlan.name == "Named"))
    assert sorted(e.person_id for e in plan.enrolments) == sorted([someone.id, other.id])
    whole = client.post(url, data={"name": "Whole step", "resource": "", "who": "step"})
    assert whole.status_code == 302
    plan = db.session.scalar(select(TrainingPlan).where(TrainingPlan.name == "Whole step"))
    assert {e.person_id for e in plan.enrolments} == listed.at_step
